using LobbyEdge.Engine;
using LobbyEdge.Profiles;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A branch for the real process with a day of customer ratings already in its log: a profile (cash at counter 1,
/// loans at counter 2, a 10-minute care threshold, open all day in UTC) and a data directory holding the morning of
/// <see cref="RatingMetricsTests.PlayAMorning"/>, played on the same engine and log code over the last minutes of the
/// real clock, so the process starting on it continues the same day.
/// </summary>
internal static class RatedBranch
{
    /// <summary>
    /// When a morning played before the real process starts opens: 20 minutes before the real clock, or, just after
    /// midnight UTC, 30 s after it (the process must continue the same business day).
    /// </summary>
    public static DateTimeOffset OpeningBeforeNow()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset opening = now.AddMinutes(-20);
        return opening.UtcDateTime.Date == now.UtcDateTime.Date ? opening : new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddSeconds(30);
    }

    /// <summary>Writes the profile and the data directory under <paramref name="directory"/>; returns their paths.</summary>
    public static async Task<(string Profile, string Data)> WriteAsync(string directory)
    {
        string profile = Path.Combine(directory, "rated-branch.yaml");
        await File.WriteAllTextAsync(profile, """
            branch:
              id: rated-001
              name: "Rated Branch"
              nameZh: "评价网点"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
              autoOpenClose: true
            defaults:
              careMinutes: 10
              careRepeatMinutes: 5
            services:
              - {id: cash, prefix: A, name: "Personal cash", nameZh: "个人现金"}
              - {id: loans, prefix: B, name: "Loans", nameZh: "贷款"}
            counters:
              - {number: 1, services: [cash]}
              - {number: 2, services: [loans]}
            """);
        BranchConfig config = BranchProfileLoader.Load(profile).Branch;

        // The morning takes 16 minutes from the opening; it ends a few minutes ago (or, just after midnight, soon).
        DateTimeOffset opening = OpeningBeforeNow();
        string data = Path.Combine(directory, "data");
        var time = new TwoClocks(opening.AddSeconds(-30));
        await using var run = new CareMetricsTests.DrivenBranch(data, config, time);
        RatingMetricsTests.PlayAMorning(run, time, opening);
        return (profile, data);
    }
}
