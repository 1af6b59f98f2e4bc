using LobbyEdge.Engine;
using LobbyEdge.Simulator;
using Xunit.Abstractions;
using static LobbyEdge.Forecasting.Tests.Lobbies;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>The advisor: open advice on an overloaded day, no repeats, nothing when all is well, a pause when overstaffed.</summary>
public sealed class AdvisorTests(ITestOutputHelper output)
{
    private static readonly DateOnly s_monday = TestBranches.Monday;

    [Fact]
    public void DemoDay_CorporateOverloaded_AdvisesOpeningCounter7_NeverRepeatedTooSoon_AlwaysAccepted()
    {
        BranchConfig config = Demo;
        int corp = config.Services.ToList().FindIndex(s => s.Id == "corp");
        var advice = new List<(DateTimeOffset At, Command Command)>();
        QueueEngine engine = RunDayWithAdvisor(config, TrafficProfile.ForBranch(config), seed: 3, new AdviceOptions(), advice);
        foreach ((DateTimeOffset at, Command c) in advice)
        {
            output.WriteLine($"{TimeZoneInfo.ConvertTime(at, config.TimeZone):HH:mm} {c.Advice.Kind} counter {c.Counter} service {c.Service}: {c.Advice.ServiceLevelNowBp / 100.0:F0} % -> {c.Advice.ServiceLevelWithBp / 100.0:F0} %, {c.Advice.PastCareAvoided} fewer past care");
        }

        List<(DateTimeOffset At, Command Command)> open7 = advice.Where(a => a.Command.Advice.Kind == AdviceKind.Open && a.Command.Counter == 7).ToList();
        Assert.NotEmpty(open7);
        foreach ((DateTimeOffset _, Command c) in open7)
        {
            Assert.Equal(corp, c.Service);
            Assert.True(c.Advice.ServiceLevelNowBp < 8000 && c.Advice.ServiceLevelWithBp >= c.Advice.ServiceLevelNowBp + (int)(Advisor.MinimumGain * 10_000) - 1);
            Assert.Equal(30, c.Advice.HorizonMinutes);
        }

        // Never the same kind and counter within 15 minutes; nobody answers here, so not within the 30-minute horizon.
        foreach (var same in advice.GroupBy(a => (a.Command.Advice.Kind, a.Command.Counter)))
        {
            DateTimeOffset[] times = same.Select(a => a.At).ToArray();
            for (int i = 1; i < times.Length; i++)
            {
                Assert.True(times[i] - times[i - 1] >= TimeSpan.FromMinutes(30), $"{same.Key} at {times[i - 1]:HH:mm} and {times[i]:HH:mm}");
            }
        }

        // No open advice in the last 30 minutes before the ticketing cutoff; the engine's list holds them all.
        DateTime cutoff = engine.TicketingCutoffUtc;
        Assert.DoesNotContain(advice, a => a.Command.Advice.Kind == AdviceKind.Open && a.At.UtcDateTime > cutoff - Advisor.NoOpenBeforeCutoff);
        Assert.Equal(advice.Count, engine.AdviceCount);
    }

    [Fact]
    public void Advice_NotRepeatedWhileUnanswered_NorWithinRepeatAfter_AcrossARestart()
    {
        // 20 customers at 09:00, 5 minutes each, a 60-minute SLA, no more arrivals (two quiet Mondays of history):
        // nobody is called here, and for the whole test opening counter 2 would still help.
        BranchConfig config = Small(services: 1, counters: 2, openAtStart: 1, serviceMinutes: 5, slaMinutes: 60);
        LobbyEvent[] quietMondays = [DayOpened(s_monday.AddDays(-14)), DayOpened(s_monday.AddDays(-7))];
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset t0 = At(s_monday, 9, 0);
        for (int i = 0; i < 20; i++)
        {
            Execute(engine, Command.Issue(0), t0);
        }

        var advisor = new Advisor(config, new AdviceOptions());
        advisor.Observe(quietMondays);
        Assert.True(advisor.TryAdvise(engine, t0, out Command advise));
        Assert.Equal(CommandKind.Advise, advise.Kind);
        Assert.Equal(2, advise.Counter);
        Assert.Equal(0, advise.Service);
        Assert.Equal(AdviceKind.Open, advise.Advice.Kind);
        Assert.True(advise.Advice.ServiceLevelWithBp > advise.Advice.ServiceLevelNowBp);
        Assert.True(advise.Advice.PastCareAvoided > 0);
        Assert.Equal(advisor.LastServiceLevel!.Value, advise.Advice.ServiceLevelNowBp / 10_000.0, 4);
        Execute(engine, advise, t0);

        // Unanswered: not again. Dismissed: not again within 15 minutes, not even by a fresh advisor (a restart).
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(1), out _));
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 7), t0.AddMinutes(2));
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(5), out _));
        var restarted = new Advisor(config, new AdviceOptions());
        restarted.Observe(quietMondays);
        Assert.False(restarted.TryAdvise(engine, t0.AddMinutes(14), out _));
        Assert.NotNull(restarted.LastServiceLevel);   // it still forecast

        // Past the repeat interval, the same advice again.
        Assert.True(restarted.TryAdvise(engine, t0.AddMinutes(16), out Command again));
        Assert.Equal((AdviceKind.Open, 2), (again.Advice.Kind, again.Counter));

        // At most once per EvaluateEvery.
        Assert.False(restarted.TryAdvise(engine, t0.AddMinutes(16.5), out _));
    }

    [Fact]
    public void ServiceLevelFine_NoAdvice_ButAForecast()
    {
        BranchConfig config = Small(services: 1, counters: 2, openAtStart: 2);
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset now = At(s_monday, 9, 30);
        Execute(engine, Command.Issue(0), now);
        var advisor = new Advisor(config, new AdviceOptions { AdvisePause = false });
        Assert.False(advisor.TryAdvise(engine, now, out _));
        Assert.Equal(1.0, advisor.LastServiceLevel);
        Assert.Equal(0, advisor.LastForecast![0].PastCareThreshold30);

        // A closed day: nothing at all.
        Assert.False(new Advisor(config, new AdviceOptions()).TryAdvise(new QueueEngine(config), now, out _));
    }

    [Fact]
    public void Overstaffed_AdvisesAPause_OfAStandbyCounter_NeverTheLastOpenOne()
    {
        BranchConfig config = Small(services: 1, counters: 3, openAtStart: 3);
        var advisor = new Advisor(config, new AdviceOptions());
        var newBox = new Advisor(config, new AdviceOptions());
        for (int w = Advisor.PauseHistoryDays; w >= 1; w--)
        {
            DateOnly day = s_monday.AddDays(-7 * w);
            LobbyEvent[] quietDay = [DayOpened(day), .. Enumerable.Range(0, 32).Select(i => Issued(At(day, 9, 0).AddMinutes(15 * i), 0))];   // 4 an hour
            advisor.Observe(quietDay);
            if (w > 1)
            {
                newBox.Observe(quietDay);
            }
        }

        QueueEngine engine = Opened(config, s_monday);
        advisor.Observe(engine.LastEvents);
        newBox.Observe(engine.LastEvents);
        DateTimeOffset now = At(s_monday, 10, 0);

        // With fewer past days than PauseHistoryDays the forecast cannot see a peak coming: no pause.
        Assert.False(newBox.TryAdvise(engine, now, out _));
        Assert.True(advisor.TryAdvise(engine, now, out Command pause));
        Assert.Equal(AdviceKind.Pause, pause.Advice.Kind);
        Assert.Equal(-1, pause.Service);
        Assert.True(pause.Advice.ServiceLevelWithBp >= 8000);
        Assert.True(pause.Advice.PastCareAvoided <= 0);
        Execute(engine, pause, now);
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Accepted, 7), now.AddMinutes(1));
        Execute(engine, Command.Pause(pause.Counter), now.AddMinutes(1));

        // One pause at a time: not within the hour of the last pause (each was judged over the hour with the counters
        // then open); then one more can go; the last open counter never.
        Assert.False(advisor.TryAdvise(engine, now.AddMinutes(2), out _));
        Assert.False(advisor.TryAdvise(engine, now.AddMinutes(16), out _));
        Assert.True(advisor.TryAdvise(engine, now.AddMinutes(61), out Command second));
        Assert.Equal(AdviceKind.Pause, second.Advice.Kind);
        Assert.NotEqual(pause.Counter, second.Counter);
        Execute(engine, second, now.AddMinutes(61));
        Execute(engine, Command.AnswerAdvice(2, AdviceAnswer.Accepted, 7), now.AddMinutes(61));
        Execute(engine, Command.Pause(second.Counter), now.AddMinutes(62));
        Assert.False(advisor.TryAdvise(engine, now.AddMinutes(125), out _));

        // And no pause advice when switched off.
        Assert.False(new Advisor(config, new AdviceOptions { AdvisePause = false }).TryAdvise(engine, now.AddMinutes(130), out _));
    }

    [Fact]
    public void Overloaded_ResumeIsPreferredToOpen_AndNoOpenAdviceInTheLast30MinutesOfTicketing()
    {
        BranchConfig config = Small(services: 1, counters: 3, openAtStart: 3, serviceMinutes: 5);
        QueueEngine engine = Opened(config, s_monday);
        Execute(engine, Command.CloseCounter(2), At(s_monday, 9, 1));
        Execute(engine, Command.Pause(3), At(s_monday, 9, 1));
        DateTimeOffset morning = At(s_monday, 10, 0);
        for (int i = 0; i < 10; i++)
        {
            Execute(engine, Command.Issue(0), morning);
        }

        Assert.True(new Advisor(config, new AdviceOptions()).TryAdvise(engine, morning, out Command advise));
        Assert.Equal((AdviceKind.Resume, 3), (advise.Advice.Kind, advise.Counter));

        // 16:20, 25 minutes before the 16:45 cutoff: resume yes, open no.
        QueueEngine late = Opened(config, s_monday);
        Execute(late, Command.CloseCounter(2), At(s_monday, 9, 1));
        DateTimeOffset evening = At(s_monday, 16, 20);
        for (int i = 0; i < 10; i++)
        {
            Execute(late, Command.Issue(0), evening);
        }

        Execute(late, Command.Pause(3), evening);
        Assert.True(new Advisor(config, new AdviceOptions()).TryAdvise(late, evening, out advise));
        Assert.Equal((AdviceKind.Resume, 3), (advise.Advice.Kind, advise.Counter));
        Execute(late, Command.Resume(3), evening);
        Assert.False(new Advisor(config, new AdviceOptions()).TryAdvise(late, evening.AddMinutes(1), out advise), $"{advise.Advice.Kind} {advise.Counter}");
    }

    [Fact]
    public void SteadyEvaluation_AllocatesOnlyThePublishedForecast()
    {
        BranchConfig config = Demo;
        var advisor = new Advisor(config, new AdviceOptions { EvaluateEvery = TimeSpan.FromSeconds(10), RepeatAfter = TimeSpan.Zero });
        QueueEngine engine = Opened(config, s_monday);
        for (int i = 0; i < 60; i++)
        {
            Execute(engine, Command.Issue(i % 4), At(s_monday, 9, 30).AddSeconds(i * 20));
        }

        DateTimeOffset now = At(s_monday, 10, 0);
        advisor.TryAdvise(engine, now, out _);   // warm-up: the workspace grows once
        advisor.TryAdvise(engine, now.AddSeconds(10), out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        advisor.TryAdvise(engine, now.AddSeconds(20), out _);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{bytes} bytes per evaluation ({config.Services.Count} services, {config.Counters.Count} counters)");

        // The forecast list for the console (a ServiceForecast per service) and its holder; nothing per change.
        Assert.InRange(bytes, 1, 128 + (config.Services.Count * 64));
    }

    /// <summary>
    /// A simulated day (four Mondays of history before it, every counter staffed) with the advisor asked after every
    /// step; its advice is executed on the engine (and must be accepted). Returns the engine after the day.
    /// </summary>
    private static QueueEngine RunDayWithAdvisor(BranchConfig config, TrafficProfile profile, int seed, AdviceOptions options,
        List<(DateTimeOffset At, Command Command)> advice)
    {
        // Staff log in only at the counters the profile opens at the day's start (the simulator's staff log in at
        // every counter); the others stay closed unless advice opens them (nobody follows it here).
        BranchConfig staffed = new()
        {
            BranchId = config.BranchId,
            TimeZone = config.TimeZone,
            Calendar = config.Calendar,
            OpenTime = config.OpenTime,
            CloseTime = config.CloseTime,
            TicketingCutoff = config.TicketingCutoff,
            Services = config.Services,
            Counters = [.. config.Counters.Where(c => c.OpenAtDayStart)],
        };
        var advisor = new Advisor(config, options);
        FeedDays(config, profile, Enumerable.Range(1, 4).Reverse().Select(w => s_monday.AddDays(-7 * w)), seed, events => advisor.Observe(events));
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(staffed, profile, s_monday, seed);
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events =>
        {
            advisor.Observe(events);
            var now = new DateTimeOffset(events[^1].TimeTicks, TimeSpan.Zero);
            if (advisor.TryAdvise(engine, now, out Command command))
            {
                CommandResult result = engine.Execute(in command, now);
                Assert.True(result.Accepted, $"{command.Advice.Kind} {command.Counter} at {now:HH:mm}: {result.Refusal}");
                advice.Add((now, command));
            }
        });
        return engine;
    }
}
