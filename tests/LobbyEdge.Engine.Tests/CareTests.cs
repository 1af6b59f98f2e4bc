namespace LobbyEdge.Engine.Tests;

/// <summary>Care given (issue 12): the command, its event, the care repeat and the care KPI.</summary>
public sealed class CareTests
{
    [Fact]
    public void GiveCare_AnsweringAnAlert_RecordsResponseStaffAndCareNumber()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(10);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.CareNeeded));
        Assert.Equal(lobby.Now.UtcTicks, lobby.Ticket(id).CareAlertTicks);

        lobby.Minutes(1.5);
        lobby.Ok(Command.GiveCare(id, staff: 1007));
        CareGivenView care = lobby.LastOf(EventKind.CareGiven).Single().AsCareGiven();
        Assert.True(care.Answered);
        Assert.Equal(90_000, care.ResponseMs);
        Assert.Equal(1007, care.Staff);
        Assert.Equal(1, care.CareNumber);
        Assert.True(care.PastThreshold);

        TicketView v = lobby.Ticket(id);
        Assert.Equal(1, v.CareGiven);
        Assert.Equal(lobby.Now.UtcTicks, v.LastCareTicks);
        Assert.Equal(0, v.CareAlertTicks);
        Assert.Equal(new CareFigures(0, 0, 0, 1, 1, 90_000), lobby.Engine.CareFiguresOf(Branches.Cash));
    }

    [Fact]
    public void GiveCare_BeforeAnyAlert_IsNotAResponse_AndNotPastTheThreshold()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(3);
        lobby.Ok(Command.GiveCare(id, staff: 0));
        CareGivenView care = lobby.LastOf(EventKind.CareGiven).Single().AsCareGiven();
        Assert.False(care.Answered);
        Assert.Equal(-1, care.ResponseMs);
        Assert.False(care.PastThreshold);
        Assert.Equal(0, care.Staff);
        Assert.Equal(new CareFigures(0, 0, 0, 1, 0, 0), lobby.Engine.CareFiguresTotal());
    }

    [Fact]
    public void GiveCare_RestartsTheCareRepeat_FromTheCare()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(10);
        lobby.Tick();
        lobby.Minutes(4);
        lobby.Ok(Command.GiveCare(id, 1));

        // The repeat would have been due at 20 minutes; after care at 14 minutes it is due at 24.
        lobby.Minutes(6);
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.CareNeeded));
        lobby.Minutes(3.99);
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.CareNeeded));
        lobby.Minutes(0.01);
        lobby.Tick();
        Assert.Equal(2, lobby.LastOf(EventKind.CareNeeded).Single().AsCareNeeded().AlertNumber);
    }

    [Fact]
    public void GiveCare_BeforeTheThreshold_MovesTheFirstAlertToARepeatAfterTheCare()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareThreshold = TimeSpan.FromMinutes(10), CareRepeat = TimeSpan.FromMinutes(5), SlaTarget = TimeSpan.FromHours(2) }));
        int id = lobby.Issue();
        lobby.Minutes(2);
        lobby.Ok(Command.GiveCare(id, 1));

        // Next alert a repeat after the care: 7 minutes after issue, earlier than the threshold.
        lobby.Minutes(5);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.CareNeeded));
        lobby.Minutes(3);
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.CareNeeded));
    }

    [Fact]
    public void GiveCare_WithRepeatZero_EndsTheAlerts()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareRepeat = TimeSpan.Zero, SlaTarget = TimeSpan.FromHours(2) }));
        int id = lobby.Issue();
        lobby.Minutes(3);
        lobby.Ok(Command.GiveCare(id, 1));
        int alerts = 0;
        for (int m = 0; m < 60; m++)
        {
            lobby.Minutes(1);
            lobby.Tick();
            alerts += lobby.LastOf(EventKind.CareNeeded).Length;
        }

        Assert.Equal(0, alerts);
    }

    [Fact]
    public void GiveCare_Refusals()
    {
        var closed = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.GiveCare(0, 1)));

        var lobby = new Lobby();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.GiveCare(0, 1)));
        int id = lobby.Issue();
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.GiveCare(id + 1, 1)));
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.GiveCare(-1, 1)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.GiveCare(id, 1_000_000)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.GiveCare(id, -1)));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(RefusalReason.TicketNotWaiting, lobby.Refused(Command.GiveCare(id, 1)));
    }

    [Fact]
    public void RepeatedCare_DoesNotGrowTheTimerHeap()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(1);
        lobby.Ok(Command.GiveCare(id, 1));
        int size = lobby.Engine.CreateSnapshot().Length;
        for (int i = 0; i < 5000; i++)
        {
            lobby.Advance(TimeSpan.FromMilliseconds(100));
            lobby.Ok(Command.GiveCare(id, 1));
        }

        // The snapshot holds the timer heap: the same number of entries after 5,000 acts of care.
        Assert.Equal(size, lobby.Engine.CreateSnapshot().Length);
        Assert.Equal(5001, lobby.Ticket(id).CareGiven);

        // And the alert still comes a repeat after the last care, once.
        lobby.Minutes(10);
        lobby.Tick();
        Assert.Single(lobby.LastOf(EventKind.CareNeeded));
    }

    [Fact]
    public void Figures_CountDecidedCoveredAndUncaredWaiting_PerService()
    {
        var lobby = new Lobby();
        int cared = lobby.Issue();
        int uncared = lobby.Issue();
        int early = lobby.Issue();
        int other = lobby.Issue(Branches.NonCash);
        lobby.Minutes(2);
        lobby.Ok(Command.GiveCare(cared, 3));
        lobby.Minutes(8);
        lobby.Tick();

        // Past the threshold: cared is covered, uncared and early wait uncared, as does the non-cash ticket.
        Assert.Equal(new CareFigures(0, 0, 2, 1, 0, 0), lobby.Engine.CareFiguresOf(Branches.Cash));
        Assert.Equal(new CareFigures(0, 0, 1, 0, 0, 0), lobby.Engine.CareFiguresOf(Branches.NonCash));

        lobby.Ok(Command.CallNext(1)); // cared: decided, covered
        lobby.Ok(Command.CallNext(3)); // uncared: decided, not covered
        Assert.Equal(new CareFigures(2, 1, 1, 1, 0, 0), lobby.Engine.CareFiguresOf(Branches.Cash));
        Assert.Equal(0.5, lobby.Engine.CareFiguresOf(Branches.Cash).Coverage);

        lobby.Ok(Command.GiveCare(early, 3)); // answers its alert: no longer uncared
        CareFigures cash = lobby.Engine.CareFiguresOf(Branches.Cash);
        Assert.Equal(0, cash.UncaredWaiting);
        Assert.Equal(1, cash.Responses);

        lobby.Ok(Command.CloseDay()); // the day's close decides who still waits
        Assert.Equal(new CareFigures(3, 2, 0, 2, 1, 0), lobby.Engine.CareFiguresOf(Branches.Cash));
        Assert.Equal(new CareFigures(1, 0, 0, 0, 0, 0), lobby.Engine.CareFiguresOf(Branches.NonCash));
        Assert.Equal(new CareFigures(4, 2, 0, 2, 1, 0), lobby.Engine.CareFiguresTotal());
        _ = other;
    }

    [Fact]
    public void Figures_ATicketPastTheThresholdBeforeAnyTick_IsDecidedAtItsCall()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Minutes(12);
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(new CareFigures(1, 0, 0, 0, 0, 0), lobby.Engine.CareFiguresTotal());
    }

    [Fact]
    public void Figures_ATicketCalledBeforeTheThreshold_IsNotInThePopulation()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Minutes(9);
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(30);
        lobby.Tick();
        Assert.Equal(default, lobby.Engine.CareFiguresTotal());
        Assert.Equal(1.0, lobby.Engine.CareFiguresTotal().Coverage);
    }

    [Fact]
    public void Figures_CancelledAndAbandonedPastTheThreshold_AreDecided()
    {
        var lobby = new Lobby();
        int a = lobby.Issue();
        lobby.Issue();
        lobby.Minutes(11);
        lobby.Tick();
        lobby.Ok(Command.Cancel(a) with { Staff = 12 });
        Assert.Equal(12, lobby.LastOf(EventKind.TicketCancelled).Single().AsTicketCancelled().Staff);
        Assert.Equal(new CareFigures(1, 0, 1, 0, 0, 0), lobby.Engine.CareFiguresTotal());
        lobby.Ok(Command.CloseDay());
        Assert.Equal(new CareFigures(2, 0, 0, 0, 0, 0), lobby.Engine.CareFiguresTotal());
    }

    [Fact]
    public void Figures_ARecoveredNoShow_WaitsOnFromItsIssue_AndIsDecidedOnce()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(11);
        lobby.Tick();
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(new CareFigures(1, 0, 0, 0, 0, 0), lobby.Engine.CareFiguresTotal());
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(1);
        lobby.Ok(Command.Recover(id) with { Staff = 5 });
        Assert.Equal(5, lobby.LastOf(EventKind.TicketRecovered).Single().AsTicketRecovered().Staff);

        // Back in the queue past its threshold without care: uncared again; care now still counts as care.
        Assert.Equal(1, lobby.Engine.CareFiguresTotal().UncaredWaiting);
        lobby.Ok(Command.GiveCare(id, 5));
        lobby.Ok(Command.CallNext(1));
        Assert.Equal(new CareFigures(1, 0, 0, 1, 0, 0), lobby.Engine.CareFiguresTotal());
    }

    [Fact]
    public void Figures_ReplayAndSnapshot_GiveTheLiveFigures()
    {
        var lobby = new Lobby();
        int a = lobby.Issue();
        int b = lobby.Issue(Branches.NonCash);
        lobby.Issue();
        lobby.Minutes(11);
        lobby.Tick();
        lobby.Minutes(1);
        lobby.Ok(Command.GiveCare(a, 2));
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.GiveCare(b, 2));

        var replayed = new QueueEngine(lobby.Engine.Config);
        foreach (LobbyEvent e in lobby.Log)
        {
            replayed.Apply(in e);
        }

        var restored = new QueueEngine(lobby.Engine.Config);
        Assert.True(restored.TryRestoreSnapshot(lobby.Engine.CreateSnapshot()));
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(lobby.Engine.CareFiguresOf(s), replayed.CareFiguresOf(s));
            Assert.Equal(lobby.Engine.CareFiguresOf(s), restored.CareFiguresOf(s));
        }

        Assert.Equal(lobby.Engine.DescribeState(), replayed.DescribeState());
        Assert.Equal(new CareFigures(1, 1, 1, 2, 2, 120_000), lobby.Engine.CareFiguresTotal());
    }

    [Fact]
    public void Figures_ResetWhenTheNextDayOpens_AndOfAnUnknownServiceAreZero()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Minutes(11);
        lobby.Ok(Command.CloseDay());
        Assert.Equal(1, lobby.Engine.CareFiguresTotal().Decided);
        lobby.Now = lobby.Now.AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(default, lobby.Engine.CareFiguresTotal());
        Assert.Equal(default, lobby.Engine.CareFiguresOf(99));
        Assert.Equal(default, lobby.Engine.CareFiguresOf(-1));
    }
}
