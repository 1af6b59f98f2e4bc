using LobbyEdge.Engine;

namespace LobbyEdge.TestSupport;

/// <summary>
/// The branches and the clock the test projects and the benchmarks share: one day in one time zone, and the busy
/// city branch. Each project's own small branches (the engine's three counters, the host's one cash service) stay
/// with the tests that read them.
/// </summary>
public static class TestBranches
{
    /// <summary>Asia/Shanghai (UTC+8, no DST).</summary>
    public static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>A Monday in Shanghai (no DST), 09:00 local = 01:00 UTC.</summary>
    public static readonly DateOnly Monday = new(2026, 11, 23);

    /// <summary>Local time <paramref name="hour"/>:<paramref name="minute"/>:<paramref name="second"/> on <see cref="Monday"/> in Shanghai, as a UTC instant.</summary>
    public static DateTimeOffset At(int hour, int minute, int second = 0) =>
        new(BusinessCalendar.ToUtc(Shanghai, Monday, new TimeOnly(hour, minute, second)), TimeSpan.Zero);

    /// <summary>
    /// A busy city branch, 09:00 to 17:00: 4 services (cash A, non-cash B, corporate C, VIP V; seed service time
    /// 60 s) and 12 counters with every calling mode: 1-4 ordered, 5-7 longest-wait, 8-10 weighted, 11 a
    /// button-only caller, 12 longest-wait over all four. <paramref name="autoOpenClose"/> and
    /// <paramref name="maxRecoveries"/> are the knobs the benchmarks turn; the defaults are the engine's.
    /// </summary>
    public static BranchConfig Busy(bool autoOpenClose = true, int maxRecoveries = 1)
    {
        ServiceConfig Service(char prefix, string id) =>
            new() { Prefix = prefix, Id = id, SeedServiceTime = TimeSpan.FromSeconds(60), MaxRecoveries = maxRecoveries };

        return new BranchConfig
        {
            BranchId = "busy-001",
            TimeZone = Shanghai,
            OpenTime = new TimeOnly(9, 0),
            CloseTime = new TimeOnly(17, 0),
            MaxTicketsPerDay = 8192,
            AutoOpenClose = autoOpenClose,
            Services =
            [
                Service('A', "cash"),
                Service('B', "noncash"),
                Service('C', "corporate"),
                Service('V', "vip"),
            ],
            Counters =
            [
                .. Enumerable.Range(1, 4).Select(n => new CounterConfig { Number = n, Services = [new(0), new(1)] }),
                .. Enumerable.Range(5, 3).Select(n => new CounterConfig { Number = n, Mode = CounterMode.LongestWait, Services = [new(1), new(2), new(0)] }),
                .. Enumerable.Range(8, 3).Select(n => new CounterConfig { Number = n, Mode = CounterMode.Weighted, Services = [new(3, 2), new(0, 1)] }),
                new CounterConfig { Number = 11, Services = [new(2), new(1)], ButtonOnly = true },
                new CounterConfig { Number = 12, Mode = CounterMode.LongestWait, Services = [new(0), new(1), new(2), new(3)] },
            ],
        };
    }
}
