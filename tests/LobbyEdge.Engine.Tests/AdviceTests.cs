namespace LobbyEdge.Engine.Tests;

/// <summary>
/// Staffing advice and self-service choices (issue 14): the Advise, AnswerAdvice and ChooseSelfService commands, each
/// refusal, the day's advice list, replay and the snapshot.
/// </summary>
public sealed class AdviceTests
{
    private static readonly AdviceFigures s_openFigures = new(AdviceKind.Open, 4000, 8800, 6, 30);

    /// <summary>The small branch; cash names an ATM as its self-service alternative, the others none.</summary>
    private static BranchConfig WithSelfService() => Branches.Small(s => s.Id == "cash"
        ? new ServiceConfig
        {
            Prefix = s.Prefix,
            Id = s.Id,
            Name = s.Name,
            SelfService = new SelfServiceAlternative("ATM / cash recycler", "自助存取款机", TimeSpan.FromMinutes(10)),
        }
        : s);

    /// <summary>
    /// Issues cash tickets until the kiosk suggests cash's self-service alternative (the predicted typical wait reaches
    /// its 10 minutes); returns how many.
    /// </summary>
    private static int UntilSuggested(Lobby lobby)
    {
        int issued = 0;
        while (lobby.Engine.Predict(Branches.Cash, Tier.Normal).TypicalMs < TimeSpan.FromMinutes(10).TotalMilliseconds)
        {
            Assert.True(issued < 500, "the wait for cash never reached 10 minutes");
            lobby.Issue(Branches.Cash);
            issued++;
        }

        return issued;
    }

    /// <summary>Puts counter 3 into a state: closed, standby, serving (a VIP called), paused or away.</summary>
    private static void PutCounter3(Lobby lobby, CounterState state)
    {
        switch (state)
        {
            case CounterState.Closed:
                lobby.Ok(Command.CloseCounter(3));
                break;
            case CounterState.Serving:
                lobby.Issue(Branches.Vip);
                lobby.Ok(Command.CallNext(3));
                break;
            case CounterState.Paused:
                lobby.Ok(Command.Pause(3));
                break;
            case CounterState.Away:
                lobby.Ok(Command.Away(3));
                break;
            default:
                break;
        }

        Assert.Equal(state, lobby.Counter(3).State);
    }

    [Fact]
    public void Advise_OpenAClosedCounter_RecordsTheAdviceWithItsFigures_AndChangesNoQueueState()
    {
        var lobby = new Lobby();
        PutCounter3(lobby, CounterState.Closed);
        lobby.Issue(Branches.Vip);
        lobby.Minutes(3);
        WaitPrediction before = lobby.Engine.Predict(Branches.Vip, Tier.Normal);

        CommandResult r = lobby.Ok(Command.Advise(3, Branches.Vip, s_openFigures));
        Assert.Equal(-1, r.Ticket);
        Assert.Equal(1, r.EventCount);

        LobbyEvent e = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.AdviceIssued, e.Kind);
        Assert.Equal((-1, -1, 0), (e.Ticket, (int)e.NumberService, (int)e.Tier));
        AdviceIssuedView v = e.AsAdviceIssued();
        Assert.Equal(1, v.AdviceId);
        Assert.Equal(AdviceKind.Open, v.Kind);
        Assert.Equal(3, v.CounterNumber);
        Assert.Equal(Branches.Vip, v.Service);
        Assert.Equal((4000, 8800, 6, 30), (v.ServiceLevelNowBp, v.ServiceLevelWithBp, v.PastCareAvoided, v.HorizonMinutes));
        Assert.Equal(s_openFigures, v.Figures);

        Assert.Equal(1, lobby.Engine.AdviceCount);
        Assert.True(lobby.Engine.TryGetAdvice(1, out AdviceView advice));
        Assert.Equal(new AdviceView(1, AdviceKind.Open, 3, Branches.Vip, lobby.Now.UtcDateTime, s_openFigures, AdviceAnswer.None, DateTime.MinValue, 0), advice);

        // Advice is a suggestion: the counter stays closed and the queue and its prediction are as they were.
        Assert.Equal(CounterState.Closed, lobby.Counter(3).State);
        Assert.Equal(1, lobby.Engine.WaitingCount(Branches.Vip));
        Assert.Equal(before, lobby.Engine.Predict(Branches.Vip, Tier.Normal));
    }

    [Fact]
    public void Advise_AdviceIdsCountUpWithinTheDay_AndCopyAdviceGivesThemOldestFirst()
    {
        var lobby = new Lobby();
        PutCounter3(lobby, CounterState.Paused);
        lobby.Ok(Command.Advise(3, -1, new AdviceFigures(AdviceKind.Resume, 5000, 9000, 2, 30)));
        lobby.Minutes(1);
        lobby.Ok(Command.Advise(1, Branches.Cash, new AdviceFigures(AdviceKind.Pause, 9500, 9400, -1, 30)));
        lobby.Minutes(1);
        lobby.Ok(Command.Advise(2, -1, new AdviceFigures(AdviceKind.Close, 9900, 9800, 0, 60)));
        Assert.Equal(3, lobby.Last[0].AsAdviceIssued().AdviceId);

        Span<AdviceView> all = new AdviceView[8];
        Assert.Equal(3, lobby.Engine.CopyAdvice(all));
        Assert.Equal([(1, AdviceKind.Resume, 3), (2, AdviceKind.Pause, 1), (3, AdviceKind.Close, 2)], all[..3].ToArray().Select(a => (a.Id, a.Kind, a.CounterNumber)));
        Assert.Equal(-1, all[1].Figures.PastCareAvoided);
        Assert.True(all[0].IssuedUtc < all[1].IssuedUtc && all[1].IssuedUtc < all[2].IssuedUtc);

        Span<AdviceView> two = new AdviceView[2];
        Assert.Equal(2, lobby.Engine.CopyAdvice(two));
        Assert.Equal(2, two[1].Id);
        Assert.False(lobby.Engine.TryGetAdvice(0, out _));
        Assert.False(lobby.Engine.TryGetAdvice(4, out _));
    }

    [Theory]
    [InlineData(AdviceKind.Open, CounterState.Closed, true)]
    [InlineData(AdviceKind.Open, CounterState.Standby, false)]
    [InlineData(AdviceKind.Open, CounterState.Paused, false)]
    [InlineData(AdviceKind.Resume, CounterState.Paused, true)]
    [InlineData(AdviceKind.Resume, CounterState.Away, true)]
    [InlineData(AdviceKind.Resume, CounterState.Standby, false)]
    [InlineData(AdviceKind.Resume, CounterState.Closed, false)]
    [InlineData(AdviceKind.Pause, CounterState.Standby, true)]
    [InlineData(AdviceKind.Pause, CounterState.Serving, true)]
    [InlineData(AdviceKind.Pause, CounterState.Paused, false)]
    [InlineData(AdviceKind.Pause, CounterState.Closed, false)]
    [InlineData(AdviceKind.Close, CounterState.Standby, true)]
    [InlineData(AdviceKind.Close, CounterState.Serving, true)]
    [InlineData(AdviceKind.Close, CounterState.Away, false)]
    [InlineData(AdviceKind.Close, CounterState.Closed, false)]
    public void Advise_TheCountersStateMustFitTheKind(AdviceKind kind, CounterState state, bool fits)
    {
        var lobby = new Lobby();
        PutCounter3(lobby, state);
        Command advise = Command.Advise(3, Branches.Vip, new AdviceFigures(kind, 7000, 8500, 1, 30));
        if (fits)
        {
            lobby.Ok(advise);
            Assert.Equal(kind, lobby.Last[0].AsAdviceIssued().Kind);
        }
        else
        {
            Assert.Equal(RefusalReason.AdviceNotApplicable, lobby.Refused(advise));
            Assert.Equal(0, lobby.Engine.AdviceCount);
        }
    }

    [Fact]
    public void Advise_BadArguments_AreRefusedAndChangeNothing()
    {
        var lobby = new Lobby();
        PutCounter3(lobby, CounterState.Closed);
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { Kind = AdviceKind.None })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { Kind = (AdviceKind)5 })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { ServiceLevelNowBp = -1 })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { ServiceLevelWithBp = 10_001 })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { HorizonMinutes = 0 })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -1, s_openFigures with { HorizonMinutes = 256 })));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Advise(3, -2, s_openFigures)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.Advise(9, -1, s_openFigures)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.Advise(0, -1, s_openFigures)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Advise(3, 3, s_openFigures)));
        Assert.Equal(RefusalReason.ServiceNotServedHere, lobby.Refused(Command.Advise(3, Branches.NonCash, s_openFigures)));

        // The extremes are fine: 0 % and 100 %, the longest horizon, a pause that adds customers past care.
        lobby.Ok(Command.Advise(3, -1, new AdviceFigures(AdviceKind.Open, 0, 10_000, int.MaxValue, 255)));
        lobby.Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 10_000, 0, int.MinValue, 1)));
        Assert.Equal((255, int.MinValue), (lobby.Engine.TryGetAdvice(1, out AdviceView a) ? a.Figures.HorizonMinutes : 0, lobby.Last[0].AsAdviceIssued().PastCareAvoided));
    }

    [Fact]
    public void Advise_AndAnswerAdvice_AndChooseSelfService_NeedAnOpenDay()
    {
        var lobby = new Lobby(WithSelfService(), open: false);
        Assert.Equal(RefusalReason.DayNotOpen, lobby.Refused(Command.Advise(1, -1, s_openFigures with { Kind = AdviceKind.Pause })));
        Assert.Equal(RefusalReason.DayNotOpen, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 17)));
        Assert.Equal(RefusalReason.DayNotOpen, lobby.Refused(Command.ChooseSelfService(Branches.Cash)));
    }

    [Fact]
    public void Advise_PastTheDaysCapacity_IsRefusedAsTooMuchAdvice_UntilTheNextDay()
    {
        var lobby = new Lobby();
        Command pause = Command.Advise(1, Branches.Cash, new AdviceFigures(AdviceKind.Pause, 9000, 9000, 0, 30));
        for (int i = 0; i < QueueEngine.MaxAdvicePerDay; i++)
        {
            lobby.Ok(pause);
        }

        Assert.Equal(QueueEngine.MaxAdvicePerDay, lobby.Engine.AdviceCount);
        Assert.Equal(RefusalReason.TooMuchAdvice, lobby.Refused(pause));

        // Answering is still possible, to the last one.
        lobby.Ok(Command.AnswerAdvice(QueueEngine.MaxAdvicePerDay, AdviceAnswer.Dismissed, 0));

        lobby.Ok(Command.CloseDay());
        Assert.Equal(QueueEngine.MaxAdvicePerDay, lobby.Engine.AdviceCount); // the last day's list stays readable
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(0, lobby.Engine.AdviceCount);
        Assert.False(lobby.Engine.TryGetAdvice(1, out _));
        lobby.Ok(pause);
        Assert.Equal(1, lobby.Last[0].AsAdviceIssued().AdviceId);
    }

    [Fact]
    public void AnswerAdvice_RecordsTheAnswerTheStaffAndTheTimeToAnswer_Once()
    {
        var lobby = new Lobby();
        PutCounter3(lobby, CounterState.Closed);
        lobby.Ok(Command.Advise(3, Branches.Vip, s_openFigures));
        DateTimeOffset issued = lobby.Now;
        lobby.Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8900, -1, 30)));
        lobby.Advance(TimeSpan.FromSeconds(95));

        lobby.Ok(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 4711));
        LobbyEvent e = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.AdviceAnswered, e.Kind);
        Assert.Equal((-1, -1), (e.Ticket, (int)e.NumberService));
        AdviceAnsweredView v = e.AsAdviceAnswered();
        Assert.Equal((1, AdviceAnswer.Accepted, 3, Branches.Vip, 95_000L, 4711), (v.AdviceId, v.Answer, v.CounterNumber, v.Service, v.AnsweredAfterMs, v.Staff));

        Assert.True(lobby.Engine.TryGetAdvice(1, out AdviceView a));
        Assert.Equal((AdviceAnswer.Accepted, lobby.Now.UtcDateTime, 4711, issued.UtcDateTime), (a.Answer, a.AnsweredUtc, a.Staff, a.IssuedUtc));
        Assert.True(lobby.Engine.TryGetAdvice(2, out AdviceView open));
        Assert.Equal(AdviceAnswer.None, open.Answer);

        // The first answer stands; the other advice can still be dismissed (by someone unknown).
        Assert.Equal(RefusalReason.AlreadyAnswered, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 4711)));
        Assert.Equal(RefusalReason.AlreadyAnswered, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 4711)));
        lobby.Ok(Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 0));
        Assert.Equal(AdviceAnswer.Dismissed, lobby.Last[0].AsAdviceAnswered().Answer);
        Assert.Equal(-1, lobby.Last[0].AsAdviceAnswered().Service);
    }

    [Fact]
    public void AnswerAdvice_FromTheEndOfItsHorizon_IsRefusedAsLapsed_AndRecordsNothing_WhileAnOldLogsLateAnswerStillReplays()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8900, 0, 30)));
        lobby.Ok(Command.Advise(2, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8900, 0, 30)));
        DateTimeOffset issued = lobby.Now;
        lobby.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        lobby.Ok(Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 4711)); // within its horizon
        int logged = lobby.Log.Count;

        lobby.Advance(TimeSpan.FromSeconds(1)); // 30 minutes: the console lists advice 1 as lapsed from now
        Assert.Equal(RefusalReason.AdviceLapsed, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 4711)));
        Assert.Equal(RefusalReason.AdviceLapsed, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 4711)));
        Assert.Equal(logged, lobby.Log.Count);
        Assert.True(lobby.Engine.TryGetAdvice(1, out AdviceView a));
        Assert.Equal(AdviceAnswer.None, a.Answer);

        // An answered advice stays "already answered" after its horizon (the first answer stands).
        Assert.Equal(RefusalReason.AlreadyAnswered, lobby.Refused(Command.AnswerAdvice(2, AdviceAnswer.Accepted, 4711)));

        // A log written before the rule, with a late answer in it, replays as it was: the rule is on the command.
        LobbyEvent answer = lobby.Log[^1];
        Assert.Equal(EventKind.AdviceAnswered, answer.Kind);
        lobby.Log[^1] = answer with { TimeTicks = issued.UtcTicks + TimeSpan.FromMinutes(45).Ticks };
        var replayed = new QueueEngine(lobby.Engine.Config);
        foreach (LobbyEvent e in lobby.Log)
        {
            replayed.Apply(in e);
        }

        Assert.True(replayed.TryGetAdvice(2, out AdviceView late));
        Assert.Equal(AdviceAnswer.Dismissed, late.Answer);
    }

    [Fact]
    public void AnswerAdvice_BadArguments_AreRefusedAndChangeNothing()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8900, 0, 30)));
        Assert.Equal(RefusalReason.UnknownAdvice, lobby.Refused(Command.AnswerAdvice(0, AdviceAnswer.Accepted, 1)));
        Assert.Equal(RefusalReason.UnknownAdvice, lobby.Refused(Command.AnswerAdvice(2, AdviceAnswer.Accepted, 1)));
        Assert.Equal(RefusalReason.UnknownAdvice, lobby.Refused(Command.AnswerAdvice(-1, AdviceAnswer.Accepted, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.None, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.AnswerAdvice(1, (AdviceAnswer)3, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 1_000_000)));
        Assert.True(lobby.Engine.TryGetAdvice(1, out AdviceView a) && a.Answer == AdviceAnswer.None);
    }

    [Fact]
    public void AnswerAdvice_OfYesterdaysAdvice_IsUnknownToday()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8900, 0, 30)));
        lobby.Ok(Command.CloseDay());
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(RefusalReason.UnknownAdvice, lobby.Refused(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 1)));
    }

    [Fact]
    public void ChooseSelfService_CountsTheChoiceWithThePredictedWaitAndThePeopleWaiting_AndIssuesNoTicket()
    {
        var lobby = new Lobby(WithSelfService());
        int waiting = UntilSuggested(lobby);
        WaitPrediction prediction = lobby.Engine.Predict(Branches.Cash, Tier.Normal);
        Assert.True(prediction.TypicalMs > 0);
        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        LobbyEvent e = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.SelfServiceChosen, e.Kind);
        Assert.Equal((-1, -1, 0), (e.Ticket, (int)e.NumberService, e.Number));
        SelfServiceChosenView v = e.AsSelfServiceChosen();
        Assert.Equal((Branches.Cash, prediction.TypicalMs, waiting), (v.Service, v.PredictedWaitMs, v.Waiting));

        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        Assert.Equal(2, lobby.Engine.SelfServiceChosenCount(Branches.Cash));
        Assert.Equal(0, lobby.Engine.SelfServiceChosenCount(Branches.NonCash));
        Assert.Equal(0, lobby.Engine.SelfServiceChosenCount(99));
        Assert.Equal(waiting, lobby.Engine.TicketCount);
        Assert.Equal(waiting, lobby.Engine.WaitingCount(Branches.Cash));
        Assert.Equal(waiting, lobby.Engine.IssuedCount(Branches.Cash));
    }

    /// <remarks>
    /// The old engine counted a choice at any wait (and, with no counter for the service, recorded an unknown wait):
    /// a script on the LAN could inflate <c>lobby_diverted_total</c> while the kiosk offered nothing. That was wrong.
    /// </remarks>
    [Fact]
    public void ChooseSelfService_WhileTheKioskDoesNotSuggestIt_IsRefusedAndCountsNothing()
    {
        var lobby = new Lobby(WithSelfService());
        lobby.Issue(Branches.Cash);
        Assert.True(lobby.Engine.Predict(Branches.Cash, Tier.Normal).TypicalMs < TimeSpan.FromMinutes(10).TotalMilliseconds);
        Assert.Equal(RefusalReason.SelfServiceNotSuggested, lobby.Refused(Command.ChooseSelfService(Branches.Cash)));

        // No counter serves cash: the wait is unknown, so the kiosk suggests nothing either.
        lobby.Ok(Command.CloseCounter(1));
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        Assert.Equal(-1, lobby.Engine.Predict(Branches.Cash, Tier.Normal).TypicalMs);
        Assert.Equal(RefusalReason.SelfServiceNotSuggested, lobby.Refused(Command.ChooseSelfService(Branches.Cash)));
        Assert.Equal(0, lobby.Engine.SelfServiceChosenCount(Branches.Cash));

        // From the threshold on it is taken.
        lobby.Ok(Command.OpenCounter(1));
        UntilSuggested(lobby);
        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        Assert.Equal(1, lobby.Engine.SelfServiceChosenCount(Branches.Cash));
    }

    [Fact]
    public void ChooseSelfService_OfAServiceWithoutAnAlternative_OrUnknown_IsRefused()
    {
        var lobby = new Lobby(WithSelfService());
        Assert.Equal(RefusalReason.NoSelfService, lobby.Refused(Command.ChooseSelfService(Branches.NonCash)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.ChooseSelfService(3)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.ChooseSelfService(-1)));
        Assert.Equal(0, lobby.Engine.SelfServiceChosenCount(Branches.NonCash));
    }

    [Fact]
    public void ANewDay_StartsWithNoSelfServiceChoices()
    {
        var lobby = new Lobby(WithSelfService());
        UntilSuggested(lobby);
        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        lobby.Ok(Command.CloseDay());
        Assert.Equal(1, lobby.Engine.SelfServiceChosenCount(Branches.Cash));
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(0, lobby.Engine.SelfServiceChosenCount(Branches.Cash));
    }

    /// <summary>A day with advice given and answered and self-service chosen, among ordinary traffic.</summary>
    private static Lobby AdviceDay()
    {
        var lobby = new Lobby(WithSelfService());
        PutCounter3(lobby, CounterState.Closed);
        for (int i = 0; i < 6; i++)
        {
            lobby.Issue(i % 2 == 0 ? Branches.Cash : Branches.Vip);
            lobby.Minutes(1);
        }

        UntilSuggested(lobby);
        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        lobby.Ok(Command.Advise(3, Branches.Vip, s_openFigures));
        lobby.Minutes(2);
        lobby.Ok(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 17));
        lobby.Ok(Command.OpenCounter(3));
        lobby.Ok(Command.CallNext(3));
        lobby.Ok(Command.Advise(2, -1, new AdviceFigures(AdviceKind.Pause, 9000, 8800, -1, 30)));
        UntilSuggested(lobby);
        lobby.Ok(Command.ChooseSelfService(Branches.Cash));
        lobby.Minutes(1);
        return lobby;
    }

    [Fact]
    public void Replay_OfTheDaysEvents_GivesTheSameAdviceAndChoices()
    {
        Lobby lobby = AdviceDay();
        var replayed = new QueueEngine(WithSelfService());
        foreach (LobbyEvent e in lobby.Log)
        {
            replayed.Apply(in e);
        }

        Assert.Equal(lobby.Engine.DescribeState(), replayed.DescribeState());
        Assert.Contains("a1 Open ctr=3", replayed.DescribeState(), StringComparison.Ordinal);
        Assert.Equal(2, replayed.AdviceCount);
        Assert.True(replayed.TryGetAdvice(1, out AdviceView a));
        Assert.True(lobby.Engine.TryGetAdvice(1, out AdviceView live));
        Assert.Equal(live, a);
        Assert.Equal((AdviceAnswer.Accepted, 17), (a.Answer, a.Staff));
        Assert.Equal(2, replayed.SelfServiceChosenCount(Branches.Cash));
    }

    [Fact]
    public void Replay_OfAdviceEventsThatDoNotFitTheDay_Throws()
    {
        Lobby lobby = AdviceDay();
        LobbyEvent[] log = [.. lobby.Log];
        int advise = Array.FindIndex(log, e => e.Kind == EventKind.AdviceIssued);
        int answer = Array.FindIndex(log, e => e.Kind == EventKind.AdviceAnswered);
        int choice = Array.FindIndex(log, e => e.Kind == EventKind.SelfServiceChosen);

        Assert.Throws<InvalidOperationException>(() => ReplayWith(log, advise, log[advise] with { Count = 2 }));
        Assert.Throws<InvalidOperationException>(() => ReplayWith(log, answer, log[answer] with { Count = 3 }));
        Assert.Throws<InvalidOperationException>(() => ReplayWith(log, choice, log[choice] with { Service = 7 }));
    }

    private static void ReplayWith(LobbyEvent[] log, int index, LobbyEvent replacement)
    {
        var engine = new QueueEngine(WithSelfService());
        for (int i = 0; i < log.Length; i++)
        {
            LobbyEvent e = i == index ? replacement : log[i];
            engine.Apply(in e);
        }
    }

    [Fact]
    public void Snapshot_KeepsTheAdviceAndChoices_AndTheSameFuture()
    {
        Lobby lobby = AdviceDay();
        byte[] snapshot = lobby.Engine.CreateSnapshot();
        var restored = new QueueEngine(WithSelfService());
        Assert.True(restored.TryRestoreSnapshot(snapshot));
        Assert.Equal(lobby.Engine.DescribeState(), restored.DescribeState());
        Assert.Equal(2, restored.AdviceCount);

        // Both go on alike: the open advice is answered, the next advice gets id 3.
        Command answer = Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 5);
        Command next = Command.Advise(1, Branches.Cash, new AdviceFigures(AdviceKind.Pause, 9500, 9400, 0, 30));
        foreach (QueueEngine engine in new[] { lobby.Engine, restored })
        {
            Assert.True(engine.Execute(in answer, lobby.Now).Accepted);
            Assert.Equal(3, engine.Execute(in next, lobby.Now) is { Accepted: true } ? engine.LastEvents[0].AsAdviceIssued().AdviceId : 0);
            Assert.True(engine.Execute(Command.ChooseSelfService(Branches.Cash), lobby.Now).Accepted);
        }

        Assert.Equal(lobby.Engine.DescribeState(), restored.DescribeState());
        Assert.Equal(RefusalReason.AlreadyAnswered, restored.Execute(in answer, lobby.Now).Refusal);
    }

    [Fact]
    public void Snapshot_OfTheOlderFormat_OrWithABadAdviceBlock_IsRefusedAndChangesNothing()
    {
        Lobby lobby = AdviceDay();
        byte[] snapshot = lobby.Engine.CreateSnapshot();
        var engine = new QueueEngine(WithSelfService());
        string before = engine.DescribeState();

        // Format 6 (before issue 14) has no advice block: refused, so start-up replays the day instead.
        byte[] old = [.. snapshot];
        BitConverter.TryWriteBytes(old.AsSpan(4, 4), 6);
        Assert.False(engine.TryRestoreSnapshot(old));

        // Without the self-service counts, or with one byte more, or an advice count beyond the day's capacity.
        Assert.False(engine.TryRestoreSnapshot(snapshot.AsSpan(0, snapshot.Length - 4)));
        Assert.False(engine.TryRestoreSnapshot([.. snapshot, 0]));
        Assert.Equal(before, engine.DescribeState());
        Assert.True(engine.TryRestoreSnapshot(snapshot));
    }
}
