using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Forecasting;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Hosting;
using Xunit.Abstractions;

namespace LobbyEdge.Simulator.Tests;

/// <summary>
/// The simulated staff and customers and the staffing advice on the demo branch (demo.yaml,
/// <see cref="TrafficProfile.ForBranch"/>): the lobby manager answers advice and the clerk carries it out
/// (<see cref="TrafficProfile.FollowAdvice"/>), nobody does without it, and the day stays a function of its seed.
/// </summary>
public sealed class AdviceFollowingTests(ITestOutputHelper output)
{
    private const int Seed = 42;
    private static readonly DateOnly s_day = TestBranches.Monday;
    private static readonly BranchConfig s_demo = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;
    private static readonly int s_corporate = s_demo.Services.ToList().FindIndex(s => s.Id == "corp");

    [Fact]
    public void FollowAdvice_OpenAdviceForTheClosedCounter_ManagerAcceptsAndTheClerkOpensItWithinMinutes()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo) with { FollowAdvice = true };
        var lobby = new Lobby(s_demo, profile, Seed);

        // Counter 7 is staffed only on busy days: with FollowAdvice its clerk waits to be advised.
        lobby.PlayUntil(TestBranches.At(10, 0));
        Assert.True(lobby.Engine.TryGetCounter(7, out CounterView seven));
        Assert.Equal(CounterState.Closed, seven.State);
        Assert.DoesNotContain(lobby.Events, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 7);

        DateTimeOffset advisedAt = lobby.Now;
        CommandResult advised = lobby.Execute(Command.Advise(7, s_corporate, new AdviceFigures(AdviceKind.Open, 4000, 8800, 6, 30)));
        Assert.True(advised.Accepted, $"advise refused: {advised.Refusal}");
        lobby.PlayUntil(advisedAt + TimeSpan.FromMinutes(10));

        LobbyEvent answered = Assert.Single(lobby.Events, e => e.Kind == EventKind.AdviceAnswered);
        AdviceAnsweredView answer = answered.AsAdviceAnswered();
        Assert.Equal(AdviceAnswer.Accepted, answer.Answer);
        Assert.Equal(LobbyManagerProfile.DemoStaffId, answer.Staff);
        Assert.Equal(7, answer.CounterNumber);
        Assert.InRange(answered.TimeTicks - advisedAt.UtcTicks, 1, TimeSpan.FromMinutes(2).Ticks);

        LobbyEvent opened = lobby.Events.First(e => e.Kind == EventKind.CounterStateChanged && e.Counter == 7);
        Assert.Equal(CounterState.Standby, opened.AsCounterStateChanged().State);
        Assert.InRange(opened.TimeTicks - answered.TimeTicks, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromMinutes(3).Ticks + TimeSpan.FromSeconds(10).Ticks);
        Assert.Contains(lobby.Events, e => e.Kind == EventKind.TicketCalled && e.Counter == 7 && e.TimeTicks >= opened.TimeTicks);
        Assert.Equal(1, lobby.Traffic.AdviceAnswered);
        Assert.Equal(1, lobby.Traffic.AdviceCarriedOut);
        output.WriteLine($"advised {advisedAt:HH:mm:ss}, answered +{TimeSpan.FromTicks(answered.TimeTicks - advisedAt.UtcTicks)}, opened +{TimeSpan.FromTicks(opened.TimeTicks - advisedAt.UtcTicks)}");

        // A clerk opened on advice stays at least an hour: a close advice half an hour later is dismissed.
        lobby.PlayUntil(advisedAt + TimeSpan.FromMinutes(30));
        Assert.True(lobby.Execute(Command.Advise(7, -1, new AdviceFigures(AdviceKind.Close, 9000, 9000, 0, 30))).Accepted);
        lobby.PlayUntil(advisedAt + TimeSpan.FromMinutes(40));
        Assert.Equal(AdviceAnswer.Dismissed, lobby.Events.Last(e => e.Kind == EventKind.AdviceAnswered).AsAdviceAnswered().Answer);
        Assert.True(lobby.Engine.TryGetCounter(7, out seven));
        Assert.NotEqual(CounterState.Closed, seven.State);
    }

    [Fact]
    public void FollowAdvice_AfterARestart_TheStaffAnswerAndCarryOutAdviceGivenBeforeIt()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo) with { FollowAdvice = true };
        var before = new Lobby(s_demo, profile, Seed);
        before.PlayUntil(TestBranches.At(10, 0));

        // Advice 1 (open counter 7) is accepted; advice 2 (pause counter 3) is still unanswered when the service restarts.
        Assert.True(before.Execute(Command.Advise(7, s_corporate, new AdviceFigures(AdviceKind.Open, 4000, 8800, 6, 30))).Accepted);
        Assert.True(before.Execute(Command.AnswerAdvice(1, AdviceAnswer.Accepted, LobbyManagerProfile.DemoStaffId)).Accepted);
        Assert.True(before.Execute(Command.Advise(3, -1, new AdviceFigures(AdviceKind.Pause, 9500, 9400, 0, 60))).Accepted);

        var after = new Lobby(before.Engine, profile, Seed, before.Now);
        var advice = new AdviceView[before.Engine.AdviceCount];
        Assert.Equal(2, after.Traffic.PickUpAdvice(advice.AsSpan(0, before.Engine.CopyAdvice(advice)), after.Now));
        after.PlayUntil(before.Now + TimeSpan.FromMinutes(10));

        LobbyEvent answered = Assert.Single(after.Events, e => e.Kind == EventKind.AdviceAnswered);
        Assert.Equal((2, AdviceAnswer.Accepted), (answered.AsAdviceAnswered().AdviceId, answered.AsAdviceAnswered().Answer));
        Assert.Contains(after.Events, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 7 && e.AsCounterStateChanged().State == CounterState.Standby);
        Assert.Contains(after.Events, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 3 && e.AsCounterStateChanged().State == CounterState.Paused);
        Assert.Equal(2, after.Traffic.AdviceCarriedOut);

        // Picked up once: advice already seen is not answered or carried out again.
        Assert.Equal(0, after.Traffic.PickUpAdvice(advice.AsSpan(0, before.Engine.CopyAdvice(advice)), after.Now));
    }

    [Fact]
    public void FollowAdvice_PauseAdvice_TheClerkPausesAfterTheCurrentCustomer_AndResumesWhenAdvised()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo) with { FollowAdvice = true };
        var lobby = new Lobby(s_demo, profile, Seed);
        lobby.PlayUntil(TestBranches.At(9, 40));
        Assert.True(lobby.Execute(Command.Advise(3, -1, new AdviceFigures(AdviceKind.Pause, 9500, 9400, -1, 30))).Accepted);
        DateTimeOffset advisedAt = lobby.Now;
        lobby.PlayUntil(advisedAt + TimeSpan.FromMinutes(30));

        // She finishes the customer at the counter (serving, then standby), then pauses instead of calling the next.
        LobbyEvent paused = Assert.Single(lobby.Events, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 3 && e.TimeTicks > advisedAt.UtcTicks
            && e.AsCounterStateChanged().State == CounterState.Paused);
        LobbyEvent answered = Assert.Single(lobby.Events, e => e.Kind == EventKind.AdviceAnswered);
        Assert.DoesNotContain(lobby.Events, e => e.Kind == EventKind.TicketCalled && e.Counter == 3 && e.TimeTicks > answered.TimeTicks + TimeSpan.FromMinutes(3).Ticks);

        // After the customer she was serving: no call at counter 3 between the pause and the end of the half hour.
        Assert.DoesNotContain(lobby.Events, e => e.Kind == EventKind.TicketCalled && e.Counter == 3 && e.TimeTicks > paused.TimeTicks);
        Assert.True(lobby.Engine.TryGetCounter(3, out CounterView three));
        Assert.Equal(CounterState.Paused, three.State);

        Assert.True(lobby.Execute(Command.Advise(3, 0, new AdviceFigures(AdviceKind.Resume, 5000, 8000, 4, 30))).Accepted);
        DateTimeOffset resumeAt = lobby.Now;
        lobby.PlayUntil(resumeAt + TimeSpan.FromMinutes(6));
        Assert.Contains(lobby.Events, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 3 && e.TimeTicks > resumeAt.UtcTicks
            && e.AsCounterStateChanged().State == CounterState.Standby);
        Assert.Equal(2, lobby.Traffic.AdviceAnswered);
        Assert.Equal(2, lobby.Traffic.AdviceCarriedOut);
    }

    [Fact]
    public void WithoutFollowAdvice_NobodyAnswersOrActs_AndTheDayIsTheSameAsWithoutTheAdvice()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo);
        var advised = new Lobby(s_demo, profile, Seed);
        var plain = new Lobby(s_demo, profile, Seed);
        advised.PlayUntil(TestBranches.At(10, 0));
        plain.PlayUntil(TestBranches.At(10, 0));
        Assert.True(advised.Execute(Command.Advise(3, -1, new AdviceFigures(AdviceKind.Pause, 9500, 9400, -1, 30))).Accepted);
        advised.PlayUntil(TestBranches.At(11, 0));
        plain.PlayUntil(TestBranches.At(11, 0));

        Assert.DoesNotContain(advised.Events, e => e.Kind == EventKind.AdviceAnswered);
        Assert.Equal(0, advised.Traffic.AdviceAnswered);
        Assert.Equal(plain.Commands, advised.Commands);
        Assert.True(plain.Commands.Count > 100, $"only {plain.Commands.Count} commands: the morning is too quiet to tell");
    }

    [Fact]
    public void SelfServiceTakeUp_OnlyWhenTheShownWaitReachesTheThreshold_AndOnlyForServicesWithAnAlternative()
    {
        // demo.yaml names alternatives for personal cash (ATM, 10 min) and non-cash (mobile banking / STM, 15 min) only.
        // Everybody offered one takes it; nobody recovers by hand (no lobby manager), so every ticket is the kiosk's.
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo, 0.9) with { LobbyManager = null, SelfServiceTakeUp = 1.0 };
        var lobby = new Lobby(s_demo, profile, Seed);
        lobby.PlayUntil(TestBranches.At(17, 1));

        // What the kiosk showed for each service (the last ticket's or choice's typical wait) when the next customer came.
        var shown = new long[s_demo.Services.Count];
        Array.Fill(shown, -1);
        var chosen = new int[s_demo.Services.Count];
        int offeredButIssued = 0;
        foreach (LobbyEvent e in lobby.Events)
        {
            SelfServiceAlternative? alternative = (uint)e.Service < (uint)shown.Length ? s_demo.Services[e.Service].SelfService : null;
            if (e.Kind == EventKind.SelfServiceChosen)
            {
                Assert.NotNull(alternative);
                Assert.True(shown[e.Service] >= alternative.WaitThreshold.TotalMilliseconds, $"chosen while the kiosk showed {shown[e.Service]} ms");
                shown[e.Service] = e.AsSelfServiceChosen().PredictedWaitMs;
                chosen[e.Service]++;
            }
            else if (e.Kind == EventKind.TicketIssued && !e.AsTicketIssued().IsWalkIn)
            {
                // A customer who read a long wait but found the kiosk no longer suggesting it (the engine judges the live
                // prediction, which the ticket carries) takes a ticket: only a ticket issued at a suggested wait is wrong.
                offeredButIssued += alternative is not null && shown[e.Service] >= alternative.WaitThreshold.TotalMilliseconds
                    && alternative.IsSuggestedAt(e.AsTicketIssued().TypicalWaitMs) ? 1 : 0;
                shown[e.Service] = e.AsTicketIssued().TypicalWaitMs;
            }
        }

        output.WriteLine($"self-service chosen by service: {string.Join(", ", s_demo.Services.Select((s, i) => $"{s.Id} {chosen[i]}"))}");
        // At least 5 (more than 5 before the engine refused choices on a stale reading of the wait).
        Assert.True(chosen.Sum() >= 5, $"only {chosen.Sum()} customers chose self-service: the busy day never reached a threshold");
        Assert.Equal(0, offeredButIssued);
        Assert.Equal(chosen.Sum(), lobby.Traffic.SelfServiceTaken);
        for (int s = 0; s < chosen.Length; s++)
        {
            Assert.Equal(chosen[s], lobby.Engine.SelfServiceChosenCount(s));
            Assert.True(s_demo.Services[s].SelfService is not null || chosen[s] == 0, $"{s_demo.Services[s].Id} has no alternative but {chosen[s]} chose one");
        }

        // Without a take-up share nobody chooses, on the same day.
        var none = new Lobby(s_demo, profile with { SelfServiceTakeUp = 0 }, Seed);
        none.PlayUntil(TestBranches.At(17, 1));
        Assert.DoesNotContain(none.Events, e => e.Kind == EventKind.SelfServiceChosen);
        Assert.Equal(lobby.Events.Count(e => e.Kind == EventKind.TicketIssued) + chosen.Sum(), none.Events.Count(e => e.Kind == EventKind.TicketIssued));
    }

    [Fact]
    public void AdvisedDay_SameSeed_SameDay_AndTheAdviceIsFollowed()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo, 0.8) with { FollowAdvice = true };
        List<LobbyEvent> first = AdvisedDay(profile, out DaySummary summary);
        List<LobbyEvent> second = AdvisedDay(profile, out _);
        output.WriteLine(summary.ToString());
        output.WriteLine($"service level {summary.ServiceLevel:P1}, advice {summary.AdviceIssued} issued, {summary.AdviceAccepted} accepted");

        Assert.Equal(first.Count, second.Count);
        Assert.True(first.SequenceEqual(second), "the same seed played a different day");
        Assert.True(summary.AdviceIssued > 0, "the busy day drew no advice: nothing to follow");
        Assert.Equal(summary.AdviceIssued, summary.AdviceAnswered);
        Assert.Contains(first, e => e.Kind == EventKind.CounterStateChanged && e.Counter == 7 && e.AsCounterStateChanged().State == CounterState.Standby);
    }

    [Fact]
    public void Narrator_TellsAdviceItsAnswerAndACustomerTakingSelfService()
    {
        BranchConfig config = s_demo;
        int cash = s_demo.Services.ToList().FindIndex(s => s.Id == "cash");
        var engine = new QueueEngine(config);
        var logger = new LinesLogger();
        var narrator = new LobbyNarrator(config, engine, logger);
        DateTimeOffset now = TestBranches.At(9, 0);
        void Do(Command command)
        {
            CommandResult result = engine.Execute(in command, now);
            Assert.True(result.Accepted, $"{command.Kind} refused: {result.Refusal}");
            narrator.OnEvents(engine.LastEvents);
        }

        Do(Command.OpenDay());
        now = TestBranches.At(10, 12, 5);
        Do(Command.Advise(7, s_corporate, new AdviceFigures(AdviceKind.Open, 4000, 8800, 6, 30)));
        now += TimeSpan.FromSeconds(48);
        Do(Command.AnswerAdvice(1, AdviceAnswer.Accepted, LobbyManagerProfile.DemoStaffId));

        // The engine takes the choice only while the kiosk suggests it: customers until the wait reaches the threshold.
        for (int i = 0; i < 300 && !config.Services[cash].SelfService!.IsSuggestedAt(engine.Predict(cash, Tier.Normal).TypicalMs); i++)
        {
            Do(Command.Issue(cash, Tier.Normal));
        }

        Do(Command.ChooseSelfService(cash));

        Assert.Contains("10:12:05 Advice 1: open counter 7 for Corporate (对公业务): service level 40 % -> 88 % over the next 30 min; 6 fewer customers past the care threshold", logger.Lines);
        Assert.Contains("10:12:53 Advice 1 accepted by Lobby manager (大堂经理), 0.8 min after it was given", logger.Lines);
        Assert.Contains(logger.Lines, l => l.StartsWith("10:12:53 A customer of Personal cash (个人现金) takes the self-service alternative (ATM / cash recycler in the lobby, 智能分流) instead of a ticket", StringComparison.Ordinal));
    }

    private static List<LobbyEvent> AdvisedDay(TrafficProfile profile, out DaySummary summary)
    {
        var options = new AdviceOptions();
        var advisor = new Advisor(s_demo, options);
        SimulatedDay.PlayHistory(advisor, s_demo, TrafficProfile.ForBranch(s_demo), s_day, 14, Seed);
        var events = new List<LobbyEvent>();
        summary = SimulatedDay.Run(new QueueEngine(s_demo), new LobbyTraffic(s_demo, profile, s_day, Seed), TimeSpan.FromSeconds(5),
            batch => events.AddRange(batch.ToArray()), advisor: advisor, adviseEvery: options.EvaluateEvery);
        return events;
    }

    /// <summary>
    /// A demo day driven step by step (the engine ticked every 5 s, the people's commands taken when due), so a test
    /// can put advice in at a chosen moment as the console or the advisor would.
    /// </summary>
    private sealed class Lobby
    {
        public Lobby(BranchConfig config, TrafficProfile profile, int seed)
        {
            Engine = new QueueEngine(config);
            Traffic = new LobbyTraffic(config, profile, s_day, seed);
            Now = new DateTimeOffset(Traffic.DayOpen, TimeSpan.Zero) - TimeSpan.FromMinutes(1);
        }

        /// <summary>After a restart: the same engine (as restored from the log), the day's people planned afresh and resumed at <paramref name="now"/>.</summary>
        public Lobby(QueueEngine engine, TrafficProfile profile, int seed, DateTimeOffset now)
        {
            Engine = engine;
            Traffic = new LobbyTraffic(engine.Config, profile, s_day, seed);
            Traffic.ResumeAt(now);
            Now = now;
        }

        public QueueEngine Engine { get; }

        public LobbyTraffic Traffic { get; }

        public DateTimeOffset Now { get; private set; }

        public List<LobbyEvent> Events { get; } = [];

        /// <summary>The people's commands, as "time kind counter service".</summary>
        public List<string> Commands { get; } = [];

        public CommandResult Execute(Command command)
        {
            CommandResult result = Engine.Execute(in command, Now);
            Deliver();
            return result;
        }

        public void PlayUntil(DateTimeOffset until)
        {
            while (Now < until)
            {
                Now += TimeSpan.FromSeconds(5);
                Engine.Tick(Now);
                Deliver();
                while (Traffic.TryNext(Now, out Command command))
                {
                    CommandResult result = Engine.Execute(in command, Now);
                    Commands.Add(string.Create(CultureInfo.InvariantCulture, $"{Now:HH:mm:ss} {command.Kind} {command.Counter} {command.Service}"));
                    Deliver();
                    Traffic.Observe(in command, in result, Now);
                }
            }
        }

        private void Deliver()
        {
            ReadOnlySpan<LobbyEvent> events = Engine.LastEvents;
            Events.AddRange(events.ToArray());
            Traffic.OnEvents(events);
        }
    }
}
