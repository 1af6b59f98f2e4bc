using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Forecasting;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>advice [seeds] [--detail]</c>: does the staffing advice work? Plays the same seeded days of the demo branch
/// (hardware-profiles/branches/demo.yaml, <see cref="TrafficProfile.ForBranch"/>: about 290 customers) and of a busy
/// variant (utilisation 0.8: about 365) under four staffings, and prints per case the day's service level, p90 wait,
/// customers past the care threshold, care alerts, counter-hours used and advice issued/accepted (means over the
/// seeds; <c>--detail</c> adds a line per seed with each counter's hours).
/// </summary>
/// <remarks>
/// <para>The staffings:</para>
/// <list type="bullet">
/// <item><b>all counters all day</b>: the simulator's old staffing (every counter, counter 7 included, logged in at
/// opening): the reference of what the branch's counters can do.</item>
/// <item><b>no advice</b>: counter 7 (<c>openAtDayStart: false</c>, "staffed only on busy days") stays closed
/// because nothing tells anyone it is a busy day (the issue's situation); <see cref="TrafficProfile.FollowAdvice"/> on,
/// no advisor.</item>
/// <item><b>advice followed</b>: the same, with an <see cref="Advisor"/> (default <see cref="AdviceOptions"/>) asked
/// every minute; the staff accept and carry out every advice.</item>
/// <item><b>advice + self-service 30 %</b>: also 30 % of customers of a service with a self-service alternative
/// take it when the kiosk shows a wait at its threshold (only when the profile names alternatives).</item>
/// </list>
/// <para>
/// The advisor's history: before each measured day the 28 calendar days before it (the open ones: 24, four of each
/// weekday) are played on fresh engines with the demo profile and fed to the same advisor
/// (<see cref="SimulatedDay.PlayHistory"/>), as the service would read them from its log. The busy day is thus a
/// busy day among ordinary ones: the forecast has to notice it from today's rate.
/// </para>
/// </remarks>
internal static class AdviceBenchmark
{
    /// <summary>A Tuesday (the demo calendar opens 09:00-17:00).</summary>
    private static readonly DateOnly s_day = new(2026, 12, 1);

    private const int HistoryDays = 28;

    public static int Run(string[] args)
    {
        int seeds = args.Length > 0 && int.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 5;
        bool detail = args.Contains("--detail");
        BranchConfig config = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;
        TrafficProfile usual = TrafficProfile.ForBranch(config);
        bool alternatives = config.Services.Any(s => s.SelfService is not null);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"advice benchmark: demo branch ({config.Counters.Count} counters), seeds 1..{seeds}, day {s_day:yyyy-MM-dd} ({s_day.DayOfWeek}), advisor history {HistoryDays} days"));
        Console.WriteLine($"| {"profile",-7} | {"staffing",-33} | {"tickets",7} | {"service level",13} | {"p90 wait",8} | {"past care",9} | {"care alerts",11} | {"counter-hours",13} | {"advice issued/accepted",22} | {"self-service",12} |");
        Console.WriteLine($"|{new string('-', 9)}|{new string('-', 35)}|{new string('-', 9)}|{new string('-', 15)}|{new string('-', 10)}|{new string('-', 11)}|{new string('-', 13)}|{new string('-', 15)}|{new string('-', 24)}|{new string('-', 14)}|");
        foreach ((string name, TrafficProfile profile) in (ReadOnlySpan<(string, TrafficProfile)>)[("demo", usual), ("busy", TrafficProfile.ForBranch(config, 0.8))])
        {
            Row(name, "all counters all day", config, profile, usual, seeds, advice: null, detail);
            Row(name, "no advice (counter 7 closed)", config, profile with { FollowAdvice = true }, usual, seeds, advice: null, detail);
            Row(name, "advice followed", config, profile with { FollowAdvice = true }, usual, seeds, new AdviceOptions(), detail);
            Row(name, "advice followed, no pause advice", config, profile with { FollowAdvice = true }, usual, seeds, new AdviceOptions { AdvisePause = false }, detail);
            if (alternatives)
            {
                Row(name, "advice + self-service 30 %", config, profile with { FollowAdvice = true, SelfServiceTakeUp = 0.3 }, usual, seeds, new AdviceOptions(), detail);
            }
        }

        return 0;
    }

    private static void Row(string name, string staffing, BranchConfig config, TrafficProfile profile, TrafficProfile history, int seeds, AdviceOptions? advice, bool detail)
    {
        double tickets = 0, sl = 0, p90 = 0, pastCare = 0, alerts = 0, hours = 0, issued = 0, accepted = 0, chosen = 0;
        CultureInfo ci = CultureInfo.InvariantCulture;
        for (int seed = 1; seed <= seeds; seed++)
        {
            Advisor? advisor = null;
            if (advice is not null)
            {
                advisor = new Advisor(config, advice);
                SimulatedDay.PlayHistory(advisor, config, history, s_day, HistoryDays, seed);
            }

            var engine = new QueueEngine(config);
            var traffic = new LobbyTraffic(config, profile, s_day, seed);
            DaySummary day = SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), advisor: advisor, adviseEvery: advice?.EvaluateEvery);
            tickets += day.Issued + day.SelfServiceChosen;
            sl += day.ServiceLevel;
            p90 += day.WaitPercentile(90).TotalMinutes;
            pastCare += day.PastCareThreshold;
            alerts += day.CareAlerts;
            hours += day.CounterHours.TotalHours;
            issued += day.AdviceIssued;
            accepted += day.AdviceAccepted;
            chosen += day.SelfServiceChosen;
            if (detail)
            {
                var at = new DateTimeOffset(traffic.DayClose, TimeSpan.Zero);
                string counters = string.Join(' ', config.Counters.Select(c => string.Create(ci, $"{c.Number}:{(engine.CounterTimeInState(c.Number, CounterState.Standby, at) + engine.CounterTimeInState(c.Number, CounterState.Serving, at)).TotalHours:0.0}")));
                Console.WriteLine(string.Create(ci, $"    seed {seed}: customers {day.Issued + day.SelfServiceChosen}, SL {100 * day.ServiceLevel:0.0}%, p90 {day.WaitPercentile(90).TotalMinutes:0.0} min, past care {day.PastCareThreshold}, advice {day.AdviceIssued}/{day.AdviceAccepted}, counter-hours {counters}"));
                if (advisor is not null && detail)
                {
                    Advice(engine);
                }
            }
        }

        Console.WriteLine(string.Create(ci, $"| {name,-7} | {staffing,-33} | {tickets / seeds,7:0} | {100 * sl / seeds,12:0.0}% | {p90 / seeds,4:0.0} min | {pastCare / seeds,9:0} | {alerts / seeds,11:0} | {hours / seeds,13:0.0} | {$"{issued / seeds:0.0} / {accepted / seeds:0.0}",22} | {chosen / seeds,12:0.0} |"));
    }

    /// <summary>The day's advice, one line each (with <c>--detail</c>): when, what, the figures and the answer.</summary>
    private static void Advice(QueueEngine engine)
    {
        var advice = new AdviceView[engine.AdviceCount];
        int count = engine.CopyAdvice(advice);
        foreach (AdviceView a in advice.AsSpan(0, count))
        {
            string local = BusinessCalendar.ToLocal(engine.Config.TimeZone, a.IssuedUtc).ToString("HH:mm", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      {local} {a.Kind} counter {a.CounterNumber}: SL {a.Figures.ServiceLevelNowBp / 100.0:0}% -> {a.Figures.ServiceLevelWithBp / 100.0:0}%, past care avoided {a.Figures.PastCareAvoided}, {a.Answer}"));
        }
    }
}
