namespace LobbyEdge.Engine.Tests;

/// <summary>The lobby manager's commands on a waiting ticket (issue 12): tier change, divert, reprint.</summary>
public sealed class LobbyManagerCommandTests
{
    [Fact]
    public void ChangeTier_ToVip_PlacesTheTicketAmongTheVipsByIssueTime()
    {
        var lobby = new Lobby();
        int vip1 = lobby.Issue(Branches.Cash, Tier.Vip);
        lobby.Minutes(1);
        int normal = lobby.Issue();
        lobby.Minutes(1);
        int vip2 = lobby.Issue(Branches.Cash, Tier.Vip);
        lobby.Minutes(1);
        lobby.Ok(Command.ChangeTier(normal, Tier.Vip, staff: 42));

        TierChangedView changed = lobby.LastOf(EventKind.TierChanged).Single().AsTierChanged();
        Assert.Equal(Tier.Normal, changed.OldTier);
        Assert.Equal(1, changed.PlacesFromFront);
        Assert.Equal(42, changed.Staff);
        Assert.Equal(Tier.Vip, lobby.LastOf(EventKind.TierChanged).Single().Tier);
        Assert.Equal([vip1, normal, vip2], lobby.Queue(Branches.Cash));
        Assert.Equal(Tier.Vip, lobby.Ticket(normal).Tier);
        Assert.Equal(3, lobby.Engine.WaitingCount(Branches.Cash, Tier.Vip));
        Assert.Equal(0, lobby.Engine.WaitingCount(Branches.Cash, Tier.Normal));
    }

    [Fact]
    public void ChangeTier_BackToNormal_KeepsIssueOrderInTheNormalLane()
    {
        var lobby = new Lobby();
        int first = lobby.Issue();
        lobby.Minutes(1);
        int vip = lobby.Issue(Branches.Cash, Tier.Vip);
        lobby.Minutes(1);
        int last = lobby.Issue();
        lobby.Ok(Command.ChangeTier(vip, Tier.Normal, 0));
        Assert.Equal([first, vip, last], lobby.Queue(Branches.Cash));
        Assert.Equal(0, lobby.LastOf(EventKind.TierChanged).Single().AsTierChanged().Staff);
    }

    [Fact]
    public void ChangeTier_OfANormalTicketPastItsSla_ToPriority_StaysInThePriorityLaneByIssueTime()
    {
        var lobby = new Lobby();
        int old = lobby.Issue();
        lobby.Minutes(1);
        int priority = lobby.Issue(Branches.Cash, Tier.Priority);
        lobby.Minutes(15);
        lobby.Tick(); // old crosses its SLA: among the priority tickets, ahead of the later one
        Assert.Equal([old, priority], lobby.Queue(Branches.Cash));
        lobby.Ok(Command.ChangeTier(old, Tier.Priority, 1));
        Assert.Equal(0, lobby.LastOf(EventKind.TierChanged).Single().AsTierChanged().PlacesFromFront);
        Assert.Equal([old, priority], lobby.Queue(Branches.Cash));
    }

    [Fact]
    public void ChangeTier_Refusals()
    {
        var closed = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.ChangeTier(0, Tier.Vip, 1)));

        var lobby = new Lobby();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.ChangeTier(0, Tier.Vip, 1)));
        int id = lobby.Issue();
        Assert.Equal(RefusalReason.SameTier, lobby.Refused(Command.ChangeTier(id, Tier.Normal, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.ChangeTier(id, (Tier)3, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.ChangeTier(id, Tier.Vip, 1_000_000)));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.TicketNotWaiting, lobby.Refused(Command.ChangeTier(id, Tier.Vip, 1)));
    }

    [Fact]
    public void ChangeTier_KeepsTheCareAndSlaClocks()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(5);
        lobby.Ok(Command.ChangeTier(id, Tier.Vip, 1));
        lobby.Minutes(5);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.CareNeeded));
        lobby.Minutes(5);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.SlaBreached));
        Assert.Equal(Tier.Vip, lobby.Ticket(id).Tier);
    }

    [Fact]
    public void Divert_MovesAWaitingTicketToAnotherServiceKeepingItsNumberAndWait()
    {
        var lobby = new Lobby();
        int waiting = lobby.Issue(Branches.NonCash);
        lobby.Minutes(2);
        int id = lobby.Issue();
        lobby.Minutes(3);
        lobby.Ok(Command.Divert(id, Branches.NonCash, Placement.End, staff: 7));

        TicketDivertedView diverted = lobby.LastOf(EventKind.TicketDiverted).Single().AsTicketDiverted();
        Assert.Equal(Branches.Cash, diverted.FromService);
        Assert.Equal(1, diverted.PlacesFromFront);
        Assert.Equal(Placement.End, diverted.Placement);
        Assert.Equal(7, diverted.Staff);
        Assert.Equal(Branches.NonCash, lobby.LastOf(EventKind.TicketDiverted).Single().Service);

        TicketView v = lobby.Ticket(id);
        Assert.Equal(TicketState.Waiting, v.State);
        Assert.Equal(Branches.NonCash, v.Service);
        Assert.Equal(Branches.Cash, v.NumberService);
        Assert.Equal(v.IssuedTicks, v.QueuedTicks); // the customer's wait keeps running from issue
        Assert.Equal([waiting, id], lobby.Queue(Branches.NonCash));
        Assert.Empty(lobby.Queue(Branches.Cash));
        Assert.Equal(0, lobby.Engine.WaitingCount(Branches.Cash));
        Assert.Equal(2, lobby.Engine.WaitingCount(Branches.NonCash));

        lobby.Ok(Command.CallNext(2));
        lobby.Ok(Command.CallNext(2));
        LobbyEvent call = lobby.LastOf(EventKind.TicketCalled).Single();
        Assert.Equal(id, call.Ticket);
        Assert.Equal(TimeSpan.FromMinutes(3).TotalMilliseconds, call.AsTicketCalled().WaitMs);
    }

    [Fact]
    public void Divert_WithDefaultPlacement_UsesTheTargetServicesTransferPlacement_ByAgeReusesTheTransferOrder()
    {
        var lobby = new Lobby();
        int early = lobby.Issue();
        lobby.Minutes(1);
        int b1 = lobby.Issue(Branches.NonCash);
        int b2 = lobby.Issue(Branches.NonCash);
        lobby.Ok(Command.Divert(early, Branches.NonCash, Placement.Default, 0));
        Assert.Equal(Placement.Front, lobby.LastOf(EventKind.TicketDiverted).Single().AsTicketDiverted().Placement);
        Assert.Equal([early, b1, b2], lobby.Queue(Branches.NonCash));

        lobby.Ok(Command.Divert(b2, Branches.Cash, Placement.ByAge, 0));
        lobby.Ok(Command.Divert(b2, Branches.NonCash, Placement.ByAge, 0));
        Assert.Equal(2, lobby.LastOf(EventKind.TicketDiverted).Single().AsTicketDiverted().PlacesFromFront);
        Assert.Equal([early, b1, b2], lobby.Queue(Branches.NonCash));
    }

    [Fact]
    public void Divert_Refusals()
    {
        var closed = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.Divert(0, Branches.NonCash, Placement.Default, 1)));

        var lobby = new Lobby();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.Divert(0, Branches.NonCash, Placement.Default, 1)));
        int id = lobby.Issue();
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Divert(id, 3, Placement.Default, 1)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Divert(id, -1, Placement.Default, 1)));
        Assert.Equal(RefusalReason.SameService, lobby.Refused(Command.Divert(id, Branches.Cash, Placement.Default, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Divert(id, Branches.NonCash, Placement.Default, -5)));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.TicketNotWaiting, lobby.Refused(Command.Divert(id, Branches.NonCash, Placement.Default, 1)));
    }

    [Fact]
    public void Divert_PastTheThreshold_StaysPastAndUncared_InTheNewService()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig
        {
            Prefix = s.Prefix,
            Id = s.Id,
            CareThreshold = s.Prefix == 'B' ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(10),
            SlaTarget = TimeSpan.FromHours(2),
        }));
        int id = lobby.Issue();
        lobby.Minutes(11);
        lobby.Tick();
        Assert.Equal(1, lobby.Engine.CareFiguresOf(Branches.Cash).UncaredWaiting);
        lobby.Ok(Command.Divert(id, Branches.NonCash, Placement.Default, 1));
        Assert.Equal(0, lobby.Engine.CareFiguresOf(Branches.Cash).UncaredWaiting);
        Assert.Equal(1, lobby.Engine.CareFiguresOf(Branches.NonCash).UncaredWaiting);
        lobby.Ok(Command.CallNext(2));
        Assert.Equal(new CareFigures(1, 0, 0, 0, 0, 0), lobby.Engine.CareFiguresOf(Branches.NonCash));
    }

    [Fact]
    public void Divert_BeforeTheThreshold_TimesTheFirstAlertByTheNewServicesThresholdFromIssue()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig
        {
            Prefix = s.Prefix,
            Id = s.Id,
            CareThreshold = s.Prefix == 'B' ? TimeSpan.FromMinutes(5) : TimeSpan.FromMinutes(10),
            SlaTarget = s.Prefix == 'B' ? TimeSpan.FromMinutes(8) : TimeSpan.FromMinutes(20),
        }));
        int id = lobby.Issue();
        lobby.Minutes(3);
        lobby.Ok(Command.Divert(id, Branches.NonCash, Placement.Default, 1));
        lobby.Minutes(1.99);
        lobby.Tick();
        Assert.Empty(lobby.Last);
        lobby.Minutes(0.01);
        lobby.Tick();
        Assert.Equal(TimeSpan.FromMinutes(5).TotalMilliseconds, lobby.LastOf(EventKind.CareNeeded).Single().AsCareNeeded().WaitedMs);
        lobby.Minutes(3);
        lobby.Tick();
        Assert.Equal(TimeSpan.FromMinutes(8).TotalMilliseconds, lobby.LastOf(EventKind.SlaBreached).Single().AsSlaBreached().WaitedMs);
    }

    [Fact]
    public void Divert_BackAndForth_BreachesOnceAtTheTargetOfTheServiceItWaitsIn()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig
        {
            Prefix = s.Prefix,
            Id = s.Id,
            SlaTarget = s.Prefix == 'B' ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(15),
        }));
        int id = lobby.Issue();
        lobby.Minutes(1);
        lobby.Ok(Command.Divert(id, Branches.NonCash, Placement.Default, 1));
        for (int i = 0; i < 200; i++)
        {
            lobby.Ok(Command.Divert(id, Branches.Cash, Placement.Default, 1));
            lobby.Ok(Command.Divert(id, Branches.NonCash, Placement.Default, 1));
        }

        lobby.Minutes(15);
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.SlaBreached));
        lobby.Minutes(14);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.SlaBreached));
    }

    [Fact]
    public void Reprint_CountsReprintsOfALiveTicket()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Ok(Command.Reprint(id, staff: 9));
        lobby.Ok(Command.Reprint(id, staff: 0));
        TicketReprintedView reprint = lobby.LastOf(EventKind.TicketReprinted).Single().AsTicketReprinted();
        Assert.Equal(2, reprint.ReprintNumber);
        Assert.Equal(0, reprint.Staff);
        Assert.Equal(2, lobby.Ticket(id).Reprints);

        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Reprint(id, 9)); // called: still live
        lobby.Ok(Command.NoShow(1));
        lobby.Ok(Command.Reprint(id, 9)); // a no-show may still come back
        Assert.Equal(4, lobby.Ticket(id).Reprints);
    }

    [Fact]
    public void Reprint_Refusals()
    {
        var closed = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.Reprint(0, 1)));

        var lobby = new Lobby();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.Reprint(0, 1)));
        int id = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Finish(1));
        Assert.Equal(RefusalReason.TicketEnded, lobby.Refused(Command.Reprint(id, 1)));
        int cancelled = lobby.Issue();
        lobby.Ok(Command.Cancel(cancelled));
        Assert.Equal(RefusalReason.TicketEnded, lobby.Refused(Command.Reprint(cancelled, 1)));
    }

    [Fact]
    public void StaffId_GoesOnRecoveryRefusedAndCancelByNumber()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, ToleranceTime = TimeSpan.FromMinutes(1) }));
        int id = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(2);
        TicketView v = lobby.Ticket(id);
        Assert.False(lobby.Do(Command.RecoverNumber(v.NumberService, v.Number) with { Staff = 31 }).Accepted);
        Assert.Equal(31, lobby.LastOf(EventKind.RecoveryRefused).Single().AsRecoveryRefused().Staff);

        int other = lobby.Issue();
        TicketView o = lobby.Ticket(other);
        lobby.Ok(Command.CancelNumber(o.NumberService, o.Number) with { Staff = 32 });
        Assert.Equal(32, lobby.LastOf(EventKind.TicketCancelled).Single().AsTicketCancelled().Staff);
        lobby.Ok(Command.Cancel(lobby.Issue()));
        Assert.Equal(0, lobby.LastOf(EventKind.TicketCancelled).Single().AsTicketCancelled().Staff);
    }
}
