namespace LobbyEdge.Engine.Tests;

public sealed class TicketLifecycleTests
{
    private static ServiceConfig Rules(ServiceConfig s, int maxRecalls = 3, int toleranceCalls = 5, int toleranceMinutes = 20,
        int maxRecoveries = 1, int recoverOffset = 3) => new()
        {
            Prefix = s.Prefix,
            Id = s.Id,
            MaxRecalls = maxRecalls,
            ToleranceCalls = toleranceCalls,
            ToleranceTime = TimeSpan.FromMinutes(toleranceMinutes),
            MaxRecoveries = maxRecoveries,
            RecoverOffset = recoverOffset,
        };

    [Fact]
    public void IssueCallStartFinish_GoesThroughEveryState_AndMeasuresWaitAndServiceTime()
    {
        var lobby = new Lobby();
        CommandResult issued = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(TicketState.Waiting, lobby.Ticket(issued.Ticket).State);
        Assert.Equal("A001", lobby.Format(issued.Ticket));

        lobby.Minutes(4);
        lobby.Ok(Command.CallNext(1));
        LobbyEvent called = lobby.LastOf(EventKind.TicketCalled).Single();
        Assert.Equal(1, called.Counter);
        Assert.Equal(TimeSpan.FromMinutes(4).TotalMilliseconds, called.AsTicketCalled().WaitMs);
        Assert.Equal(TicketState.Called, lobby.Ticket(issued.Ticket).State);
        Assert.Equal(CounterState.Serving, lobby.Counter(1).State);

        lobby.Minutes(1);
        lobby.Ok(Command.Start(1));
        Assert.Equal(TicketState.Serving, lobby.Ticket(issued.Ticket).State);
        lobby.Minutes(6);
        lobby.Ok(Command.Finish(1));
        Assert.Equal(TimeSpan.FromMinutes(6).TotalMilliseconds, lobby.LastOf(EventKind.TicketCompleted).Single().AsTicketCompleted().ServiceMs);
        Assert.Equal(TicketState.Completed, lobby.Ticket(issued.Ticket).State);
        Assert.Equal(CounterState.Standby, lobby.Counter(1).State);
        Assert.Equal(-1, lobby.Counter(1).CurrentTicket);
    }

    [Fact]
    public void Recall_CountsUpToMaxRecalls_ThenTheNextRecallIsANoShow()
    {
        var lobby = new Lobby(Branches.Small(s => Rules(s, maxRecalls: 2)));
        int id = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Recall(1));
        Assert.Equal(1, lobby.LastOf(EventKind.TicketRecalled).Single().AsTicketRecalled().Recalls);
        lobby.Ok(Command.Recall(1));
        Assert.Equal(2, lobby.Ticket(id).Recalls);
        lobby.Ok(Command.Recall(1));
        Assert.Single(lobby.LastOf(EventKind.TicketNoShow));
        Assert.Equal(TicketState.NoShow, lobby.Ticket(id).State);
        Assert.Equal(CounterState.Standby, lobby.Counter(1).State);
    }

    [Fact]
    public void Recall_OfATicketAlreadyBeingServed_IsRefused()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Start(1));
        Assert.Equal(RefusalReason.WrongTicketState, lobby.Refused(Command.Recall(1)));
        Assert.Equal(RefusalReason.WrongTicketState, lobby.Refused(Command.NoShow(1)));
    }

    [Fact]
    public void NoShow_FreesTheCounter_AndRecoveryPutsTheTicketRecoverOffsetPlacesFromTheFront()
    {
        var lobby = new Lobby();
        int missed = lobby.Issue();
        int[] others = [lobby.Issue(), lobby.Issue(), lobby.Issue(), lobby.Issue(), lobby.Issue()];
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        Assert.Equal(-1, lobby.Counter(1).CurrentTicket);
        Assert.Equal(missed, lobby.Counter(1).LastNoShow);

        lobby.Minutes(3);
        lobby.Ok(Command.RecoverNumber(Branches.Cash, 1));
        Assert.Equal(3, lobby.LastOf(EventKind.TicketRecovered).Single().AsTicketRecovered().PlacesFromFront);
        Assert.Equal([others[0], others[1], others[2], missed, others[3], others[4]], lobby.Queue(Branches.Cash));
        Assert.Equal(1, lobby.Ticket(missed).Recoveries);
    }

    [Fact]
    public void Recover_WithFewerWaitingThanTheOffset_GoesToTheEnd()
    {
        var lobby = new Lobby();
        int missed = lobby.Issue();
        int other = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Ok(Command.RecoverLastAt(1));
        Assert.Equal(1, lobby.LastOf(EventKind.TicketRecovered).Single().AsTicketRecovered().PlacesFromFront);
        Assert.Equal([other, missed], lobby.Queue(Branches.Cash));
    }

    [Fact]
    public void Recover_AfterToleranceCalls_IsRefusedWithTheReasonAndTheTicketIsAbandoned()
    {
        var lobby = new Lobby(Branches.Small(s => Rules(s, toleranceCalls: 2)));
        int missed = lobby.Issue();
        for (int i = 0; i < 4; i++)
        {
            lobby.Issue();
        }

        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(TicketState.NoShow, lobby.Ticket(missed).State);
        lobby.Ok(Command.CallNext(1));
        LobbyEvent expired = lobby.LastOf(EventKind.TicketAbandoned).Single();
        Assert.Equal(AbandonReason.NoShowExpired, expired.AsTicketAbandoned().Reason);
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(missed).State);

        Assert.Equal(RefusalReason.ToleranceCallsExceeded, lobby.Refused(Command.Recover(missed)));
        Assert.Equal(EventKind.RecoveryRefused, lobby.Last.Single().Kind);
    }

    [Fact]
    public void Recover_AfterToleranceMinutes_IsRefused()
    {
        var lobby = new Lobby(Branches.Small(s => Rules(s, toleranceMinutes: 20)));
        int missed = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(20);
        lobby.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(RefusalReason.ToleranceMinutesExceeded, lobby.Refused(Command.Recover(missed)));
        Assert.Equal(RefusalReason.ToleranceMinutesExceeded, lobby.Last.Single().AsRecoveryRefused().Refusal);

        // The timer ends the no-show as abandoned; a later request names the same reason.
        lobby.Tick();
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(missed).State);
        Assert.Equal(RefusalReason.ToleranceMinutesExceeded, lobby.Refused(Command.Recover(missed)));
    }

    [Fact]
    public void Recover_WithinToleranceMinutes_IsAccepted()
    {
        var lobby = new Lobby();
        int missed = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(19.9);
        lobby.Tick();
        lobby.Ok(Command.Recover(missed));
        Assert.Equal(TicketState.Waiting, lobby.Ticket(missed).State);
    }

    [Fact]
    public void Recover_MoreThanMaxRecoveries_IsRefused()
    {
        var lobby = new Lobby();
        int missed = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Ok(Command.Recover(missed));
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        Assert.Equal(RefusalReason.MaxRecoveriesReached, lobby.Refused(Command.Recover(missed)));
    }

    [Fact]
    public void Recover_UnknownOrNotNoShowTicket_IsRefusedWithoutAnEvent()
    {
        var lobby = new Lobby();
        int waiting = lobby.Issue();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.Recover(99)));
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.RecoverNumber(Branches.Cash, 42)));
        Assert.Equal(RefusalReason.TicketNotNoShow, lobby.Refused(Command.Recover(waiting)));
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.RecoverLastAt(1)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.RecoverLastAt(9)));
    }

    [Fact]
    public void CallNext_WhileServing_FinishesTheCurrentTicketFirst()
    {
        var lobby = new Lobby();
        int first = lobby.Issue();
        int second = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Start(1));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal([EventKind.TicketCompleted, EventKind.TicketCalled], lobby.Last.Select(e => e.Kind));
        Assert.Equal(TicketState.Completed, lobby.Ticket(first).State);
        Assert.Equal(second, lobby.Counter(1).CurrentTicket);
    }

    [Fact]
    public void CallNext_WithACalledTicketNeverStarted_ImpliesStartAndFinish()
    {
        var lobby = new Lobby();
        int first = lobby.Issue();
        lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(3);
        lobby.Ok(Command.CallNext(1));
        Assert.Equal([EventKind.TicketStarted, EventKind.TicketCompleted, EventKind.TicketCalled], lobby.Last.Select(e => e.Kind));
        Assert.Equal(TimeSpan.FromMinutes(3).TotalMilliseconds, lobby.Last[1].AsTicketCompleted().ServiceMs);
        Assert.Equal(TicketState.Completed, lobby.Ticket(first).State);
    }

    [Fact]
    public void CallNext_AtAButtonOnlyCounterWithAnUnstartedCall_MakesItANoShow()
    {
        var lobby = new Lobby(Branches.Small(buttonOnly: true));
        int first = lobby.Issue();
        int second = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal([EventKind.TicketNoShow, EventKind.TicketCalled], lobby.Last.Select(e => e.Kind));
        Assert.Equal(TicketState.NoShow, lobby.Ticket(first).State);
        Assert.Equal(second, lobby.Counter(1).CurrentTicket);
    }

    [Fact]
    public void CallNext_WithNobodyWaiting_IsRefusedButEndsACurrentTicketIfThereIsOne()
    {
        var lobby = new Lobby();
        Assert.Equal(RefusalReason.NothingWaiting, lobby.Refused(Command.CallNext(1)));
        int id = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Start(1));
        CommandResult r = lobby.Ok(Command.CallNext(1));
        Assert.Equal(-1, r.Ticket);
        Assert.Equal(TicketState.Completed, lobby.Ticket(id).State);
        Assert.Equal(CounterState.Standby, lobby.Counter(1).State);
    }

    [Fact]
    public void Transfer_Front_End_ByAge_PlaceTheTicketAndKeepItsIssueTime()
    {
        var lobby = new Lobby();
        int older = lobby.Issue(Branches.NonCash);
        lobby.Minutes(1);
        int moving = lobby.Issue(Branches.Cash);
        lobby.Minutes(1);
        int newer = lobby.Issue(Branches.NonCash);
        long issued = lobby.Ticket(moving).IssuedTicks;

        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Transfer(1, Branches.NonCash, Placement.ByAge));
        LobbyEvent e = lobby.LastOf(EventKind.TicketTransferred).Single();
        Assert.Equal(Branches.Cash, e.AsTicketTransferred().FromService);
        Assert.Equal(Branches.NonCash, e.Service);
        Assert.Equal(Branches.Cash, e.NumberService);
        Assert.Equal([older, moving, newer], lobby.Queue(Branches.NonCash));
        Assert.Equal(issued, lobby.Ticket(moving).IssuedTicks);
        Assert.Equal("A001", lobby.Format(moving));
        Assert.Equal(CounterState.Standby, lobby.Counter(1).State);

        lobby.Ok(Command.CallNext(2));
        Assert.Equal(older, lobby.Counter(2).CurrentTicket);
        lobby.Ok(Command.Transfer(2, Branches.Cash, Placement.End));
        int cashTicket = lobby.Issue(Branches.Cash);
        Assert.Equal([older, cashTicket], lobby.Queue(Branches.Cash));
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Transfer(1, Branches.NonCash, Placement.Front));
        Assert.Equal([older, moving, newer], lobby.Queue(Branches.NonCash));
    }

    [Fact]
    public void Transfer_ToItsOwnOrAnUnknownService_IsRefused()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.SameService, lobby.Refused(Command.Transfer(1, Branches.Cash)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Transfer(1, 9)));
        Assert.Equal(RefusalReason.NoCurrentTicket, lobby.Refused(Command.Transfer(2, Branches.Cash)));
    }

    [Fact]
    public void WalkIn_CreatesAndServesATicketAtOnce_EvenAfterTheCutoff()
    {
        var lobby = new Lobby { Now = Branches.At(16, 50) };
        CommandResult r = lobby.Ok(Command.WalkIn(2, Branches.NonCash));
        Assert.Equal([EventKind.TicketIssued, EventKind.CounterStateChanged, EventKind.TicketCalled, EventKind.TicketStarted], lobby.Last.Select(e => e.Kind));
        Assert.Equal(TicketState.Serving, lobby.Ticket(r.Ticket).State);
        Assert.Equal(r.Ticket, lobby.Counter(2).CurrentTicket);
        Assert.Equal(0, lobby.Engine.WaitingCount(Branches.NonCash));
        Assert.Equal(RefusalReason.CounterBusy, lobby.Refused(Command.WalkIn(2, Branches.NonCash)));
        Assert.Equal(RefusalReason.ServiceNotServedHere, lobby.Refused(Command.WalkIn(1, Branches.Vip)));
    }

    [Fact]
    public void Cancel_AWaitingTicket_EndsItAndTakesItOutOfTheQueue()
    {
        var lobby = new Lobby();
        int a = lobby.Issue();
        int b = lobby.Issue();
        lobby.Ok(Command.CancelNumber(Branches.Cash, 1));
        Assert.Equal(TicketState.Cancelled, lobby.Ticket(a).State);
        Assert.Equal([b], lobby.Queue(Branches.Cash));
        Assert.Equal(RefusalReason.TicketNotWaiting, lobby.Refused(Command.Cancel(a)));
    }

    [Fact]
    public void Cancel_CarriesItsReason_InTheTicketCancelledEvent()
    {
        var lobby = new Lobby();
        int a = lobby.Issue();
        int b = lobby.Issue();

        lobby.Ok(Command.Cancel(a));
        Assert.Equal(CancelReason.None, Assert.Single(lobby.Last, e => e.Kind == EventKind.TicketCancelled).AsTicketCancelled().Reason);

        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Cancel(b, (CancelReason)7)));
        Assert.Equal(TicketState.Waiting, lobby.Ticket(b).State);

        lobby.Ok(Command.Cancel(b, CancelReason.PrintFailed));
        LobbyEvent cancelled = Assert.Single(lobby.Last, e => e.Kind == EventKind.TicketCancelled);
        Assert.Equal(CancelReason.PrintFailed, cancelled.AsTicketCancelled().Reason);
        Assert.Equal(b, cancelled.Ticket);
        Assert.Equal(TicketState.Cancelled, lobby.Ticket(b).State);
    }

    [Fact]
    public void Park_FreesTheCounter_AndCallBackCallsTheParkedTicketAgain()
    {
        var lobby = new Lobby();
        int parked = lobby.Issue();
        int next = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Park(1));
        Assert.Equal(TicketState.Parked, lobby.Ticket(parked).State);
        Assert.Equal(1, lobby.Counter(1).ParkedCount);
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(next, lobby.Counter(1).CurrentTicket);
        Assert.Equal(RefusalReason.CounterBusy, lobby.Refused(Command.CallBack(1)));
        lobby.Ok(Command.Finish(1));
        lobby.Ok(Command.CallBack(1));
        LobbyEvent call = lobby.LastOf(EventKind.TicketCalled).Single();
        Assert.Equal(CallSource.CallBack, call.AsTicketCalled().Source);
        Assert.Equal(parked, lobby.Counter(1).CurrentTicket);
        Assert.Equal(RefusalReason.NoParkedTicket, lobby.Refused(Command.CallBack(2)));
    }
}
