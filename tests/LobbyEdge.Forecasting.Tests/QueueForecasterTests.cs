using LobbyEdge.Engine;
using LobbyEdge.Simulator;
using static LobbyEdge.Forecasting.Tests.Lobbies;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>The queue forecast: a hand-checked small case, and the directions every forecast must respect.</summary>
public sealed class QueueForecasterTests
{
    private static readonly DateOnly s_monday = TestBranches.Monday;
    private static readonly TimeSpan s_30 = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan s_60 = TimeSpan.FromMinutes(60);

    [Fact]
    public void SixWaiting_OneCounter_FiveMinutesEach_HandChecked()
    {
        // One service (SLA 15 min, care 10 min, 5 minutes a customer), counter 1 standby, counter 2 closed, six
        // customers issued at 09:00, no arrivals forecast, no hand-over time.
        BranchConfig config = Small(services: 1, counters: 2, openAtStart: 1, serviceMinutes: 5);
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset now = At(s_monday, 9, 0);
        for (int i = 0; i < 6; i++)
        {
            Execute(engine, Command.Issue(0), now);
        }

        ArrivalForecast arrivals = ArrivalForecast.From(new ArrivalHistory(config), config, now);
        QueueForecast current = QueueForecaster.Forecast(engine, arrivals, now, StaffingChange.None, s_60, TimeSpan.Zero);

        // Called at 0, 5, 10, 15, 20, 25 minutes: four within 15 minutes, three past 10 minutes, mean wait 12.5.
        ServiceForecast s = current[0];
        Assert.Equal(4.0 / 6, s.ServiceLevel30, 9);
        Assert.Equal(4.0 / 6, current.ServiceLevel(s_30), 9);
        Assert.Equal(3, s.PastCareThreshold30);
        Assert.Equal(12.5, s.MeanWaitMinutes, 9);
        Assert.Equal(0, s.ExpectedWaitingIn30);
        Assert.Equal(6, current.Population(s_30));

        // Opening counter 2 (it calls after the 3-minute start delay): called at 0, 3, 5, 8, 10, 13: all within
        // 15 minutes, one past 10.
        QueueForecast opened = QueueForecaster.Forecast(engine, arrivals, now, new StaffingChange(AdviceKind.Open, 2), s_60, TimeSpan.Zero);
        Assert.Equal(1.0, opened.ServiceLevel(s_30), 9);
        Assert.Equal(1, opened.PastCareThreshold(s_30));
        Assert.Equal((0 + 3 + 5 + 8 + 10 + 13) / 6.0, opened[0].MeanWaitMinutes, 9);

        // Opening an open counter, or one that does not exist, changes nothing.
        QueueForecast noop = QueueForecaster.Forecast(engine, arrivals, now, new StaffingChange(AdviceKind.Open, 1), s_60, TimeSpan.Zero);
        Assert.Equal(current[0], noop[0]);
        noop = QueueForecaster.Forecast(engine, arrivals, now, new StaffingChange(AdviceKind.Open, 9), s_60, TimeSpan.Zero);
        Assert.Equal(current[0], noop[0]);

        // Pausing the only open counter: nobody is called.
        QueueForecast paused = QueueForecaster.Forecast(engine, arrivals, now, new StaffingChange(AdviceKind.Pause, 1), s_60, TimeSpan.Zero);
        Assert.Equal(0, paused.ServiceLevel(s_30));
        Assert.Equal(6, paused[0].ExpectedWaitingIn60);
    }

    [Fact]
    public void ArrivalsAtTheServiceRate_OneCounter_NobodyWaits_AndTwiceThatRate_TheQueueGrows()
    {
        // D/D/1: one customer every 5 minutes to a counter that takes 5 minutes never queues; at one every 2.5
        // minutes the queue grows by one every 5 minutes.
        BranchConfig config = Small(services: 1, counters: 1, serviceMinutes: 5);
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset now = At(s_monday, 10, 0);

        ArrivalHistory Every(double minutes)
        {
            var history = new ArrivalHistory(config);
            for (int w = 2; w >= 1; w--)
            {
                DateOnly day = s_monday.AddDays(-7 * w);
                int count = (int)(8 * 60 / minutes);
                history.Observe([DayOpened(day), .. Enumerable.Range(0, count).Select(i => Issued(At(day, 9, 0).AddMinutes(i * minutes), 0))]);
            }

            // Today so far as usual, so today's rate leaves the history as it is.
            history.Observe([DayOpened(s_monday), .. Enumerable.Range(0, (int)(60 / minutes)).Select(i => Issued(At(s_monday, 9, 0).AddMinutes(i * minutes), 0))]);
            return history;
        }

        QueueForecast steady = QueueForecaster.Forecast(engine, ArrivalForecast.From(Every(5), config, now), now, StaffingChange.None, s_60, TimeSpan.Zero);
        Assert.Equal(1.0, steady.ServiceLevel(s_60));
        Assert.InRange(steady[0].MeanWaitMinutes, 0, 1.0 / 60);   // at most a second: arrivals fall on whole seconds
        Assert.InRange(steady[0].ExpectedWaitingIn60, 0, 1);

        QueueForecast twice = QueueForecaster.Forecast(engine, ArrivalForecast.From(Every(2.5), config, now), now, StaffingChange.None, s_60, TimeSpan.Zero);

        // 24 arrive in the hour, 12 are served: 11 or 12 wait at its end (the last one may just be arriving).
        Assert.InRange(twice[0].ExpectedWaitingIn60, 11, 12);
        Assert.InRange(twice[0].ExpectedWaitingIn30, 5, 6);
        Assert.True(twice.ServiceLevel(s_60) < 1);
    }

    [Fact]
    public void DemoDay_OpeningOrResumingACounter_NeverLowersTheServiceLevel_PausingNeverRaisesIt()
    {
        int checkedChanges = 0;
        ForEachInstant(Lobbies.Demo, TrafficProfile.ForBranch(Lobbies.Demo, 0.8), seed: 7, (engine, arrivals, now) =>
        {
            QueueForecast current = QueueForecaster.Forecast(engine, arrivals, now, StaffingChange.None, s_60);
            foreach (CounterConfig cc in engine.Config.Counters)
            {
                Assert.True(engine.TryGetCounter(cc.Number, out CounterView view));
                AdviceKind kind = view.State switch
                {
                    CounterState.Closed => AdviceKind.Open,
                    CounterState.Paused or CounterState.Away => AdviceKind.Resume,
                    _ => AdviceKind.Pause,
                };
                QueueForecast with = QueueForecaster.Forecast(engine, arrivals, now, new StaffingChange(kind, cc.Number), s_60);
                string at = $"{kind} {cc.Number} at {now:HH:mm}";
                for (int s = 0; s < engine.ServiceCount; s++)
                {
                    if (kind == AdviceKind.Pause)
                    {
                        Assert.True(with.ServiceLevel(s_30) <= current.ServiceLevel(s_30) + 1e-9, at);
                        Assert.True(with[s].ExpectedWaitingIn60 >= current[s].ExpectedWaitingIn60 - 1e-9, at);
                    }
                    else
                    {
                        Assert.True(with.ServiceLevel(s_30) >= current.ServiceLevel(s_30) - 1e-9, at);
                        Assert.True(with.ServiceLevel(s_60) >= current.ServiceLevel(s_60) - 1e-9, at);
                        Assert.True(with.PastCareThreshold(s_30) <= current.PastCareThreshold(s_30), at);
                    }
                }

                checkedChanges++;
            }
        });
        Assert.True(checkedChanges > 50, $"only {checkedChanges} changes checked");
    }

    [Fact]
    public void MoreArrivals_NeverFewerWaiting_NorFewerMissingTheTarget()
    {
        // (The service level itself is a share: customers who arrive after a backlog clears may raise it.)
        BranchConfig config = Small(services: 1, counters: 3, openAtStart: 2, serviceMinutes: 6);
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset now = At(s_monday, 10, 0);
        for (int i = 0; i < 8; i++)
        {
            Execute(engine, Command.Issue(0), At(s_monday, 9, 50 + i));
        }

        int lastMissed = -1;
        int lastPast = -1;
        double lastWaiting = -1;
        for (int perHour = 0; perHour <= 60; perHour += 6)
        {
            var history = new ArrivalHistory(config);
            for (int w = 2; w >= 0; w--)
            {
                DateOnly day = s_monday.AddDays(-7 * w);
                int count = w == 0 ? perHour : perHour * 8;   // today: the hour so far, at the usual rate
                history.Observe([DayOpened(day), .. Enumerable.Range(0, count).Select(i => Issued(At(day, 9, 0).AddMinutes(i * 60.0 / perHour), 0))]);
            }

            QueueForecast f = QueueForecaster.Forecast(engine, ArrivalForecast.From(history, config, now), now, StaffingChange.None, s_60);
            int missed = (int)Math.Round(f.Population(s_30) * (1 - f.ServiceLevel(s_30)));
            Assert.True(missed >= lastMissed, $"{perHour}/h: {missed} miss the target after {lastMissed}");
            Assert.True(f.PastCareThreshold(s_30) >= lastPast, $"{perHour}/h: {f.PastCareThreshold(s_30)} past care after {lastPast}");
            Assert.True(f[0].ExpectedWaitingIn60 >= lastWaiting, $"{perHour}/h: waiting {f[0].ExpectedWaitingIn60} after {lastWaiting}");
            (lastMissed, lastPast, lastWaiting) = (missed, f.PastCareThreshold(s_30), f[0].ExpectedWaitingIn60);
        }

        Assert.True(lastWaiting > 10, $"60 an hour on two 6-minute counters must overload them ({lastWaiting} waiting in an hour)");
    }

    /// <summary>
    /// Runs a simulated day of <paramref name="profile"/> after four same-weekday days of history and calls
    /// <paramref name="check"/> every 20 minutes from 09:20 to 16:00 with the engine in that state.
    /// </summary>
    internal static void ForEachInstant(BranchConfig config, TrafficProfile profile, int seed, Action<QueueEngine, ArrivalForecast, DateTimeOffset> check)
    {
        var history = new ArrivalHistory(config);
        FeedDays(config, profile, Enumerable.Range(1, 4).Reverse().Select(w => s_monday.AddDays(-7 * w)), seed, events => history.Observe(events));
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, profile, s_monday, seed);
        DateTimeOffset next = At(s_monday, 9, 20);
        DateTimeOffset last = At(s_monday, 16, 0);
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events =>
        {
            history.Observe(events);
            var now = new DateTimeOffset(events[^1].TimeTicks, TimeSpan.Zero);
            if (now >= next && now <= last && engine.IsDayOpen)
            {
                check(engine, ArrivalForecast.From(history, config, now), now);
                next = next.AddMinutes(20);
            }
        });
    }
}
