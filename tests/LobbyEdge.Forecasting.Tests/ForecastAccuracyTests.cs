using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Simulator;
using Xunit.Abstractions;
using static LobbyEdge.Forecasting.Tests.Lobbies;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>
/// How good the queue forecast is against simulated demo days: forecast at 09:30, 10:00, ... 15:30 (after four
/// same-weekday days of history), then compared with what the day did. Prints its figures (README of
/// src/LobbyEdge.Forecasting); a smoke check keeps it honest but asserts no accuracy.
/// <code>dotnet test tests/LobbyEdge.Forecasting.Tests -c Release --filter Category=Measure --logger "console;verbosity=detailed"</code>
/// </summary>
public sealed class ForecastAccuracyTests(ITestOutputHelper output)
{
    private static readonly DateOnly s_day = TestBranches.Monday;

    [Fact]
    [Trait("Category", "Measure")]
    public void DemoDays_ForecastAgainstWhatHappened()
    {
        output.WriteLine("profile          seeds  instants | waiting in 30 min      | waiting in 60 min      | SL next 30 min        | arrivals next 60 min");
        output.WriteLine("                                 | MAE  (persist.)  mean  | MAE  (persist.)  mean  | MAE pp  bias pp  mean | MAE  mean");
        foreach ((string name, double utilisation) in new[] { ("quiet (0.45)", 0.45), ("normal (0.65)", 0.65), ("busy (0.85)", 0.85) })
        {
            var rows = new List<Row>();
            int[] seeds = [11, 12, 13, 14, 15];
            foreach (int seed in seeds)
            {
                rows.AddRange(RunDay(TrafficProfile.ForBranch(Demo, utilisation), seed));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-16} {seeds.Length,5}  {rows.Count,8} | {Mae(rows, r => r.Waiting30 - r.ActualWaiting30),4:F1}  ({Mae(rows, r => r.WaitingNow - r.ActualWaiting30),4:F1})  {rows.Average(r => r.ActualWaiting30),6:F1}  " +
                $"| {Mae(rows, r => r.Waiting60 - r.ActualWaiting60),4:F1}  ({Mae(rows, r => r.WaitingNow - r.ActualWaiting60),4:F1})  {rows.Average(r => r.ActualWaiting60),6:F1}  " +
                $"| {100 * Mae(rows, r => r.Level30 - r.ActualLevel30),6:F1}  {100 * rows.Average(r => r.Level30 - r.ActualLevel30),7:F1}  {100 * rows.Average(r => r.ActualLevel30),4:F0}% " +
                $"| {Mae(rows, r => r.Arrivals60 - r.ActualArrivals60),4:F1}  {rows.Average(r => r.ActualArrivals60),5:F1}"));
            Assert.True(rows.Count >= seeds.Length * 10, $"only {rows.Count} instants measured");
        }
    }

    private static double Mae(List<Row> rows, Func<Row, double> error) => rows.Average(r => Math.Abs(error(r)));

    private static List<Row> RunDay(TrafficProfile profile, int seed)
    {
        BranchConfig config = Demo;
        var advisor = new Advisor(config, new AdviceOptions { Enabled = false });
        FeedDays(config, profile, Enumerable.Range(1, 4).Reverse().Select(w => s_day.AddDays(-7 * w)), seed, events => advisor.Observe(events));
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, profile, s_day, seed);
        var log = new List<LobbyEvent>();
        var forecasts = new List<(DateTimeOffset At, QueueForecast Forecast, ArrivalForecast Arrivals, int WaitingNow)>();
        DateTimeOffset next = At(s_day, 9, 30);
        DateTimeOffset last = At(s_day, 15, 30);
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events =>
        {
            advisor.Observe(events);
            log.AddRange(events.ToArray());
            var now = new DateTimeOffset(events[^1].TimeTicks, TimeSpan.Zero);
            if (now >= next && now <= last && engine.IsDayOpen)
            {
                ArrivalForecast arrivals = ArrivalForecast.From(advisor.History, config, now);
                QueueForecast forecast = QueueForecaster.Forecast(engine, arrivals, now, StaffingChange.None, TimeSpan.FromMinutes(60), advisor.Handover);
                int waiting = 0;
                for (int s = 0; s < engine.ServiceCount; s++)
                {
                    waiting += engine.WaitingCount(s);
                }

                forecasts.Add((now, forecast, arrivals, waiting));
                next = next.AddMinutes(30);
            }
        });

        Dictionary<int, TicketLife> tickets = Lives(log);
        var rows = new List<Row>();
        foreach ((DateTimeOffset at, QueueForecast f, ArrivalForecast arrivals, int waitingNow) in forecasts)
        {
            long t = at.UtcTicks;
            long t30 = at.AddMinutes(30).UtcTicks;
            long t60 = at.AddMinutes(60).UtcTicks;
            int population = 0;
            int met = 0;
            int arrived60 = 0;
            foreach (TicketLife life in tickets.Values)
            {
                if (life.Issued > t && life.Issued <= t60)
                {
                    arrived60++;
                }

                bool inPopulation = (life.Issued <= t && life.WaitEnd > t) || (life.Issued > t && life.Issued <= t30);
                if (inPopulation && !life.Cancelled)
                {
                    population++;
                    if (life.Called && life.WaitEnd - life.Issued <= config.Services[life.Service].SlaTarget.Ticks)
                    {
                        met++;
                    }
                }
            }

            double expectedArrivals = 0;
            double waiting30 = 0;
            double waiting60 = 0;
            for (int s = 0; s < config.Services.Count; s++)
            {
                expectedArrivals += arrivals.ExpectedArrivals(s, at, at.AddMinutes(60));
                waiting30 += f[s].ExpectedWaitingIn30;
                waiting60 += f[s].ExpectedWaitingIn60;
            }

            rows.Add(new Row(waitingNow, waiting30, WaitingAt(tickets, t30), waiting60, WaitingAt(tickets, t60),
                f.ServiceLevel(TimeSpan.FromMinutes(30)), population == 0 ? 1 : (double)met / population, expectedArrivals, arrived60));
        }

        return rows;
    }

    private static int WaitingAt(Dictionary<int, TicketLife> tickets, long t) => tickets.Values.Count(l => l.Issued <= t && l.WaitEnd > t);

    /// <summary>Each queued ticket's issue and the end of its first wait (called, cancelled or abandoned).</summary>
    private static Dictionary<int, TicketLife> Lives(List<LobbyEvent> log)
    {
        var lives = new Dictionary<int, TicketLife>();
        foreach (LobbyEvent e in log)
        {
            switch (e.Kind)
            {
                case EventKind.TicketIssued when !e.AsTicketIssued().IsWalkIn:
                    lives[e.Ticket] = new TicketLife(e.Service, e.TimeTicks, long.MaxValue, false, false);
                    break;
                case EventKind.TicketCalled or EventKind.TicketCancelled or EventKind.TicketAbandoned
                    when lives.TryGetValue(e.Ticket, out TicketLife life) && life.WaitEnd == long.MaxValue:
                    lives[e.Ticket] = life with
                    {
                        WaitEnd = e.TimeTicks,
                        Called = e.Kind == EventKind.TicketCalled,
                        Cancelled = e.Kind == EventKind.TicketCancelled,
                    };
                    break;
                default:
                    break;
            }
        }

        return lives;
    }

    private readonly record struct TicketLife(int Service, long Issued, long WaitEnd, bool Called, bool Cancelled);

    private readonly record struct Row(int WaitingNow, double Waiting30, int ActualWaiting30, double Waiting60, int ActualWaiting60,
        double Level30, double ActualLevel30, double Arrivals60, int ActualArrivals60);
}
