namespace LobbyEdge.Engine.Tests;

public sealed class CounterTests
{
    [Fact]
    public void CallNext_AtAPausedAwayOrClosedCounter_IsRefused()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.Pause(1));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.CallNext(1)));
        lobby.Ok(Command.Away(1));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.CallNext(1)));
        lobby.Ok(Command.CloseCounter(1));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.CallNext(1)));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.Pause(1)));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.Resume(1)));
        lobby.Ok(Command.OpenCounter(1));
        lobby.Ok(Command.Pause(1));
        Assert.Equal(RefusalReason.CounterNotCalling, lobby.Refused(Command.OpenCounter(1)));
        lobby.Ok(Command.Resume(1));
        lobby.Ok(Command.CallNext(1));
    }

    [Fact]
    public void Pause_WhileHoldingATicket_IsRefused()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.CounterBusy, lobby.Refused(Command.Pause(1)));
        Assert.Equal(RefusalReason.CounterBusy, lobby.Refused(Command.CloseCounter(1)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.Pause(42)));
        Assert.Equal(RefusalReason.AlreadyInState, lobby.Refused(Command.Resume(2)));
    }

    [Fact]
    public void TimeInState_IsTrackedPerCounter()
    {
        var lobby = new Lobby();
        lobby.Minutes(10);
        lobby.Ok(Command.Pause(1));
        lobby.Minutes(30);
        lobby.Ok(Command.Resume(1));
        lobby.Issue();
        lobby.Minutes(5);
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(7);
        Assert.Equal(TimeSpan.FromMinutes(15), lobby.Engine.CounterTimeInState(1, CounterState.Standby, lobby.Now));
        Assert.Equal(TimeSpan.FromMinutes(30), lobby.Engine.CounterTimeInState(1, CounterState.Paused, lobby.Now));
        Assert.Equal(TimeSpan.FromMinutes(7), lobby.Engine.CounterTimeInState(1, CounterState.Serving, lobby.Now));
        LobbyEvent change = lobby.LastOf(EventKind.CounterStateChanged).Single();
        Assert.Equal(CounterState.Serving, change.AsCounterStateChanged().State);
        Assert.Equal(CounterState.Standby, change.AsCounterStateChanged().PreviousState);
        Assert.Equal(TimeSpan.FromMinutes(5).TotalMilliseconds, change.AsCounterStateChanged().PreviousStateMs);
    }

    [Fact]
    public void Ordered_CallsTheFirstListedServiceWithAnyoneWaiting()
    {
        var lobby = new Lobby();
        int cash = lobby.Issue(Branches.Cash);
        int nonCash = lobby.Issue(Branches.NonCash);
        lobby.Ok(Command.CallNext(2));
        Assert.Equal(nonCash, lobby.Counter(2).CurrentTicket);
        lobby.Ok(Command.Finish(2));
        lobby.Ok(Command.CallNext(2));
        Assert.Equal(cash, lobby.Counter(2).CurrentTicket);
    }

    [Fact]
    public void LongestWait_CallsTheTicketThatHasWaitedLongestAcrossServices()
    {
        var lobby = new Lobby(Branches.Small(mode: CounterMode.LongestWait));
        int cash = lobby.Issue(Branches.Cash);
        lobby.Minutes(1);
        int nonCash = lobby.Issue(Branches.NonCash);
        lobby.Ok(Command.CallNext(2));
        Assert.Equal(cash, lobby.Counter(2).CurrentTicket);
        lobby.Ok(Command.Finish(2));
        lobby.Ok(Command.CallNext(2));
        Assert.Equal(nonCash, lobby.Counter(2).CurrentTicket);
    }

    [Fact]
    public void Weighted_InterleavesServicesByWeight()
    {
        // Counter 3 serves VIP with weight 2 and cash with weight 1.
        var lobby = new Lobby(Branches.Small(mode: CounterMode.Weighted));
        for (int i = 0; i < 6; i++)
        {
            lobby.Issue(Branches.Vip);
            lobby.Issue(Branches.Cash);
        }

        var services = new List<int>();
        for (int i = 0; i < 6; i++)
        {
            lobby.Ok(Command.CallNext(3));
            services.Add(lobby.LastOf(EventKind.TicketCalled).Single().Service);
        }

        Assert.Equal([Branches.Vip, Branches.Cash, Branches.Vip, Branches.Vip, Branches.Cash, Branches.Vip], services);
    }

    [Fact]
    public void Tiers_VipFirstThenPriorityThenNormal_InQueueOrderWithinATier()
    {
        var lobby = new Lobby();
        int normal1 = lobby.Issue(Branches.Cash, Tier.Normal);
        int priority = lobby.Issue(Branches.Cash, Tier.Priority);
        int normal2 = lobby.Issue(Branches.Cash, Tier.Normal);
        int vip = lobby.Issue(Branches.Cash, Tier.Vip);
        Assert.Equal([vip, priority, normal1, normal2], lobby.Queue(Branches.Cash));
        Assert.Equal(1, lobby.Engine.WaitingCount(Branches.Cash, Tier.Vip));
        Assert.Equal(2, lobby.Engine.WaitingCount(Branches.Cash, Tier.Normal));

        // Tier never changes the number: numbers follow issue order.
        Assert.Equal(["A001", "A002", "A003", "A004"], new[] { normal1, priority, normal2, vip }.Select(lobby.Format));
    }

    [Fact]
    public void AntiStarvation_ANormalTicketPastItsSlaTarget_IsCalledAsPriorityByAge()
    {
        var lobby = new Lobby();
        int starved = lobby.Issue(Branches.Cash);
        lobby.Minutes(14);
        int priority = lobby.Issue(Branches.Cash, Tier.Priority);
        lobby.Minutes(1);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.SlaBreached));
        Assert.True(lobby.Ticket(starved).SlaBreached);
        Assert.Equal(Tier.Normal, lobby.Ticket(starved).Tier);
        Assert.Equal([starved, priority], lobby.Queue(Branches.Cash));

        int vip = lobby.Issue(Branches.Cash, Tier.Vip);
        Assert.Equal([vip, starved, priority], lobby.Queue(Branches.Cash));
    }

    [Fact]
    public void OneTicketIsNeverHeldByTwoCounters()
    {
        var lobby = new Lobby();
        int only = lobby.Issue(Branches.Cash);
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.NothingWaiting, lobby.Refused(Command.CallNext(2)));
        Assert.Equal(only, lobby.Counter(1).CurrentTicket);
        Assert.Equal(-1, lobby.Counter(2).CurrentTicket);
    }
}
