using LobbyEdge.Engine;
using LobbyEdge.Simulator;
using Xunit.Abstractions;
using static LobbyEdge.Forecasting.Tests.Lobbies;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>
/// The advisor and advice already on its way (accepted, not carried out yet), and pause advice that holds: judged over
/// the whole hour with a quarter more customers than forecast, never while more staff are on their way, not soon
/// after staff were called back, and saying what it frees.
/// </summary>
public sealed class AdviceOnTheWayTests(ITestOutputHelper output)
{
    private static readonly DateOnly s_monday = TestBranches.Monday;

    [Fact]
    public void AcceptedResume_NotCarriedOutYet_CountsAsMade_NoSecondCounterUnlessStillNeeded()
    {
        // Counter 1 open, 2 and 3 paused; 8 customers waiting, 5 minutes each, a 20-minute SLA: one more counter
        // is enough.
        (BranchConfig config, QueueEngine engine, DateTimeOffset t0) = OneCounterOpen(waiting: 8);

        var advisor = new Advisor(config, new AdviceOptions());
        Assert.True(advisor.TryAdvise(engine, t0, out Command first));
        Assert.Equal(AdviceKind.Resume, first.Advice.Kind);
        int resumed = first.Counter;
        Assert.True(first.Advice.ServiceLevelWithBp >= 8000, $"{first.Advice.ServiceLevelWithBp}");
        Execute(engine, first, t0);
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Accepted, 7), t0.AddSeconds(30));

        // A minute later the clerk is still on her way: the forecast counts her, so no second counter is asked for.
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(1), out Command second), $"{second.Advice.Kind} {second.Counter}");
        Assert.True(advisor.LastServiceLevel >= 0.8, $"{advisor.LastServiceLevel}");

        // A fresh advisor (a restart) judges the same from the engine's list.
        Assert.False(new Advisor(config, new AdviceOptions()).TryAdvise(engine, t0.AddMinutes(2), out _));

        // Once the counter came back (and paused again later), the old acceptance no longer stands for it: the other
        // paused counter is advised (counter 'resumed' not again within RepeatAfter).
        Execute(engine, Command.Resume(resumed), t0.AddMinutes(2));
        Execute(engine, Command.Pause(resumed), t0.AddMinutes(3));
        Assert.True(new Advisor(config, new AdviceOptions()).TryAdvise(engine, t0.AddMinutes(4), out Command afterward));
        Assert.Equal(AdviceKind.Resume, afterward.Advice.Kind);
        Assert.NotEqual(resumed, afterward.Counter);
        output.WriteLine($"first {first.Counter}: {first.Advice}; after the counter changed state {afterward.Counter}: {afterward.Advice}");
    }

    [Fact]
    public void AcceptedResume_NotCarriedOutWithinTheHorizon_NoLongerCountedOn()
    {
        BranchConfig config = Small(services: 1, counters: 3, openAtStart: 3, serviceMinutes: 5, slaMinutes: 20);
        var options = new AdviceOptions { Horizon = TimeSpan.FromMinutes(5) };
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset t0 = At(s_monday, 10, 0);
        Execute(engine, Command.Pause(2), At(s_monday, 9, 1));
        Execute(engine, Command.Pause(3), At(s_monday, 9, 1));
        for (int i = 0; i < 8; i++)
        {
            Execute(engine, Command.Issue(0), t0);
        }

        var advisor = new Advisor(config, options);
        Assert.True(advisor.TryAdvise(engine, t0, out Command first));
        Execute(engine, first, t0);
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Accepted, 7), t0.AddSeconds(30));
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(1), out _));
        Assert.True(advisor.TryAdvise(engine, t0.AddMinutes(6), out Command again));
        Assert.Equal(AdviceKind.Resume, again.Advice.Kind);
        Assert.NotEqual(first.Counter, again.Counter);
    }

    [Fact]
    public void AcceptedResume_NotEnough_SecondAdviceCarriesTheFirstInItsFigures()
    {
        // 16 customers, one open counter: the first resume is not enough. The second advice's "now" already counts
        // the first counter as coming back, so its figures are higher than the first advice's "now".
        (BranchConfig config, QueueEngine engine, DateTimeOffset t0) = OneCounterOpen(waiting: 16);

        var advisor = new Advisor(config, new AdviceOptions());
        Assert.True(advisor.TryAdvise(engine, t0, out Command first));
        Execute(engine, first, t0);
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Accepted, 7), t0.AddSeconds(30));
        Assert.True(advisor.TryAdvise(engine, t0.AddMinutes(1), out Command second));
        output.WriteLine($"first {first.Counter}: {first.Advice}; second {second.Counter}: {second.Advice}");
        Assert.Equal(AdviceKind.Resume, second.Advice.Kind);
        Assert.NotEqual(first.Counter, second.Counter);
        Assert.True(second.Advice.ServiceLevelNowBp > first.Advice.ServiceLevelNowBp, "the second advice's forecast counts the first as carried out");
        Assert.InRange(second.Advice.ServiceLevelNowBp, first.Advice.ServiceLevelWithBp - 300, first.Advice.ServiceLevelWithBp + 300);
    }

    [Fact]
    public void NoPause_WhileAResumeIsOnItsWay_NorWithinTheHourAfterStaffWereCalledBack()
    {
        (BranchConfig config, Advisor advisor, QueueEngine engine) = QuietMonday(counters: 4);
        DateTimeOffset t0 = At(s_monday, 10, 0);
        Execute(engine, Command.Pause(4), At(s_monday, 9, 5));

        // Advice to resume counter 4 (given by hand: the figures do not matter here), accepted, not carried out.
        Execute(engine, Command.Advise(4, 0, new AdviceFigures(AdviceKind.Resume, 7000, 9000, 1, 30)), t0);
        Execute(engine, Command.AnswerAdvice(1, AdviceAnswer.Accepted, 7), t0.AddMinutes(1));
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(16), out Command pause), $"{pause.Advice.Kind} {pause.Counter}");

        // Carried out at 10:20: no pause for an hour after the acceptance; then the quiet floor can spare a counter.
        Execute(engine, Command.Resume(4), t0.AddMinutes(20));
        Assert.False(advisor.TryAdvise(engine, t0.AddMinutes(40), out pause), $"{pause.Advice.Kind} {pause.Counter}");
        Assert.True(advisor.TryAdvise(engine, t0.AddMinutes(62), out pause));
        Assert.Equal(AdviceKind.Pause, pause.Advice.Kind);
    }

    [Fact]
    public void PauseAdvice_IsJudgedOverTheHour_AndSaysTheCounterMinutesItFrees()
    {
        (_, Advisor advisor, QueueEngine engine) = QuietMonday(counters: 3);
        Assert.True(advisor.TryAdvise(engine, At(s_monday, 10, 0), out Command pause));
        Assert.Equal(AdviceKind.Pause, pause.Advice.Kind);
        Assert.Equal((int)QueueForecaster.DefaultWindow.TotalMinutes, pause.Advice.HorizonMinutes);
        Assert.True(pause.Advice.ServiceLevelWithBp >= 8000);
    }

    [Fact]
    public void NoPause_BeforeAPeakLaterInTheHour()
    {
        // Five Mondays of history: quiet mornings (4 an hour), then 40 an hour from 10:40. At 10:00 the next half hour
        // is quiet; the hour is not.
        (_, Advisor advisor, QueueEngine engine) = QuietMonday(counters: 3, peakFrom: new TimeOnly(10, 40), peakPerHour: 40);
        Assert.False(advisor.TryAdvise(engine, At(s_monday, 10, 0), out Command pause), $"{pause.Advice.Kind} {pause.Counter}: {pause.Advice}");

        // On a day without the peak the same floor can spare a counter.
        (_, Advisor quiet, QueueEngine quietEngine) = QuietMonday(counters: 3);
        Assert.True(quiet.TryAdvise(quietEngine, At(s_monday, 10, 0), out pause));
    }

    [Fact]
    public void DemoDays_AdviceFollowed_PausesHoldForTheHour_OneAnHourAtMost()
    {
        // Three demo days (28 days of history each, the staff follow every advice). Breaks the forecast cannot see and
        // the day's chance can still undo a pause, but not as a habit: at most a quarter of the pauses are followed by
        // open or resume advice within 30 minutes, and pauses come at most one an hour, each judged over its hour.
        BranchConfig config = Demo;
        TrafficProfile profile = TrafficProfile.ForBranch(config) with { FollowAdvice = true };
        var day = new DateOnly(2026, 12, 1);
        int total = 0;
        int pauses = 0;
        int undone = 0;
        for (int seed = 1; seed <= 3; seed++)
        {
            var advisor = new Advisor(config, new AdviceOptions());
            SimulatedDay.PlayHistory(advisor, config, TrafficProfile.ForBranch(config), day, 28, seed);
            var engine = new QueueEngine(config);
            var traffic = new LobbyTraffic(config, profile, day, seed);
            DaySummary summary = SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), advisor: advisor);
            var buffer = new AdviceView[engine.AdviceCount];
            AdviceView[] advice = buffer[..engine.CopyAdvice(buffer)];
            total += advice.Length;
            output.WriteLine($"seed {seed}: service level {summary.ServiceLevel:P1}, {advice.Length} advice");
            foreach (AdviceView a in advice)
            {
                output.WriteLine($"  {BusinessCalendar.ToLocal(config.TimeZone, a.IssuedUtc):HH:mm} {a.Kind} {a.CounterNumber}: {a.Figures}");
            }

            AdviceView[] pauseAdvice = [.. advice.Where(a => a.Kind == AdviceKind.Pause)];
            pauses += pauseAdvice.Length;
            for (int i = 0; i < pauseAdvice.Length; i++)
            {
                AdviceView pause = pauseAdvice[i];
                Assert.Equal(60, pause.Figures.HorizonMinutes);
                if (i > 0)
                {
                    Assert.True(pause.IssuedUtc - pauseAdvice[i - 1].IssuedUtc >= TimeSpan.FromMinutes(60),
                        $"seed {seed}: pauses at {BusinessCalendar.ToLocal(config.TimeZone, pauseAdvice[i - 1].IssuedUtc):HH:mm} and {BusinessCalendar.ToLocal(config.TimeZone, pause.IssuedUtc):HH:mm}");
                }

                undone += advice.Any(a => a.Kind is AdviceKind.Open or AdviceKind.Resume && a.IssuedUtc > pause.IssuedUtc
                    && a.IssuedUtc - pause.IssuedUtc < TimeSpan.FromMinutes(30)) ? 1 : 0;
            }
        }

        output.WriteLine($"{total / 3.0:0.0} advice a day; {pauses} pauses, {undone} followed by open/resume advice within 30 min");
        Assert.True(pauses > 0, "no pause at all: nothing judged");
        Assert.True(undone * 4 <= pauses, $"{undone} of {pauses} pauses undone within 30 min");
    }

    /// <summary>
    /// A branch of <paramref name="counters"/> counters (one service, 5 minutes, SLA 15) with <see cref="Advisor.PauseHistoryDays"/>
    /// past Mondays of 4 customers an hour (and <paramref name="peakPerHour"/> from <paramref name="peakFrom"/>), and
    /// today's engine opened at 09:00, 4 customers seen by 10:00 (nobody waiting).
    /// </summary>
    private static (BranchConfig Config, Advisor Advisor, QueueEngine Engine) QuietMonday(int counters, TimeOnly? peakFrom = null, int peakPerHour = 0)
    {
        BranchConfig config = Small(services: 1, counters: counters, openAtStart: counters);
        var advisor = new Advisor(config, new AdviceOptions());
        for (int w = Advisor.PauseHistoryDays; w >= 1; w--)
        {
            DateOnly day = s_monday.AddDays(-7 * w);
            var events = new List<LobbyEvent> { DayOpened(day) };
            events.AddRange(Enumerable.Range(0, 32).Select(i => Issued(At(day, 9, 0).AddMinutes(15 * i), 0)));
            if (peakFrom is { } from)
            {
                DateTimeOffset start = At(day, from.Hour, from.Minute);
                events.AddRange(Enumerable.Range(0, peakPerHour * 2).Select(i => Issued(start.AddSeconds(3600.0 * i / peakPerHour), 0)));
                events.Sort((a, b) => a.TimeTicks.CompareTo(b.TimeTicks));
            }

            advisor.Observe(events.ToArray());
        }

        QueueEngine engine = Opened(config, s_monday);
        advisor.Observe(engine.LastEvents);

        // Today so far like the past Mondays (served and gone: the advisor counts them; the engine has nobody waiting).
        advisor.Observe([.. Enumerable.Range(0, 4).Select(i => Issued(At(s_monday, 9, 0).AddMinutes(15 * i), 0))]);
        return (config, advisor, engine);
    }

    /// <summary>One service, counter 1 open and counters 2 and 3 paused at 9:01, <paramref name="waiting"/> customers
    /// issued at 10:00 (5 minutes' service each, a 20-minute SLA).</summary>
    private static (BranchConfig Config, QueueEngine Engine, DateTimeOffset T0) OneCounterOpen(int waiting)
    {
        BranchConfig config = Small(services: 1, counters: 3, openAtStart: 3, serviceMinutes: 5, slaMinutes: 20);
        QueueEngine engine = Opened(config, s_monday);
        DateTimeOffset t0 = At(s_monday, 10, 0);
        Execute(engine, Command.Pause(2), At(s_monday, 9, 1));
        Execute(engine, Command.Pause(3), At(s_monday, 9, 1));
        for (int i = 0; i < waiting; i++)
        {
            Execute(engine, Command.Issue(0), t0);
        }

        return (config, engine, t0);
    }
}
