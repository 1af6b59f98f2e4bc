using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>advice [seeds] [--days-of-history n]</c>: does the staffing advice work? Plays the same seeded days of the demo
/// branch (hardware-profiles/branches/demo.yaml, <see cref="TrafficProfile.ForBranch"/>) and of a busy variant with
/// and without advice, and prints per case the day's service level, p90 wait, customers past the care threshold, care
/// alerts, counter-hours used and advice issued/accepted (means over the seeds).
/// </summary>
internal static class AdviceBenchmark
{
    /// <summary>A Tuesday (the demo calendar opens 09:00-17:00).</summary>
    private static readonly DateOnly s_day = new(2026, 12, 1);

    public static int Run(string[] args)
    {
        int seeds = args.Length > 0 && int.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 5;
        BranchConfig config = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;
        var cases = new (string Name, TrafficProfile Profile)[]
        {
            ("demo", TrafficProfile.ForBranch(config)),
            ("busy (utilisation 0.8)", TrafficProfile.ForBranch(config, 0.8)),
        };

        Console.WriteLine($"advice benchmark: demo branch, {seeds} seeds, day {s_day:yyyy-MM-dd}");
        Console.WriteLine($"| {"profile",-24} | {"advice",-8} | {"tickets",7} | {"service level",13} | {"p90 wait",8} | {"past care",9} | {"care alerts",11} | {"counter-hours",13} | {"advice issued/accepted",22} |");
        Console.WriteLine($"|{new string('-', 26)}|{new string('-', 10)}|{new string('-', 9)}|{new string('-', 15)}|{new string('-', 10)}|{new string('-', 11)}|{new string('-', 13)}|{new string('-', 15)}|{new string('-', 24)}|");
        foreach ((string name, TrafficProfile profile) in cases)
        {
            Row(name, "off", config, profile, seeds);
        }

        return 0;
    }

    private static void Row(string name, string mode, BranchConfig config, TrafficProfile profile, int seeds)
    {
        double tickets = 0, sl = 0, p90 = 0, pastCare = 0, alerts = 0, hours = 0, issued = 0, accepted = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var engine = new QueueEngine(config);
            var traffic = new LobbyTraffic(config, profile, s_day, seed);
            DaySummary day = SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5));
            tickets += day.Issued;
            sl += day.ServiceLevel;
            p90 += day.WaitPercentile(90).TotalMinutes;
            pastCare += day.PastCareThreshold;
            alerts += day.CareAlerts;
            hours += day.CounterHours.TotalHours;
            if (Environment.GetEnvironmentVariable("ADVICE_DETAIL") == "1")
            {
                var at = new DateTimeOffset(traffic.DayClose, TimeSpan.Zero);
                string counters = string.Join(' ', config.Counters.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Number}:{(engine.CounterTimeInState(c.Number, CounterState.Standby, at) + engine.CounterTimeInState(c.Number, CounterState.Serving, at)).TotalHours:0.0}")));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  seed {seed}: tickets {day.Issued}, SL {100 * day.ServiceLevel:0.0}%, p90 {day.WaitPercentile(90).TotalMinutes:0.0} min, past care {day.PastCareThreshold}, hours {counters}"));
            }
        }

        CultureInfo ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"| {name,-24} | {mode,-8} | {tickets / seeds,7:0} | {100 * sl / seeds,12:0.0}% | {p90 / seeds,4:0.0} min | {pastCare / seeds,9:0} | {alerts / seeds,11:0} | {hours / seeds,13:0.0} | {$"{issued / seeds:0.0} / {accepted / seeds:0.0}",22} |"));
    }
}
