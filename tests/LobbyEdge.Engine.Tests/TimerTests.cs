namespace LobbyEdge.Engine.Tests;

public sealed class TimerTests
{
    [Fact]
    public void Care_IsRaisedOnceWhenAWaitingTicketCrossesTheThreshold_ThenEveryRepeatInterval()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(9.99);
        Assert.Equal(0, lobby.Tick());
        lobby.Minutes(0.01);
        lobby.Tick();
        LobbyEvent care = lobby.LastOf(EventKind.CareNeeded).Single();
        Assert.Equal(id, care.Ticket);
        Assert.Equal(1, care.AsCareNeeded().AlertNumber);
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, care.AsCareNeeded().WaitedMs);
        lobby.Advance(TimeSpan.FromSeconds(1));
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.CareNeeded));
        lobby.Minutes(10);
        lobby.Tick();
        Assert.Equal(2, lobby.LastOf(EventKind.CareNeeded).Single().AsCareNeeded().AlertNumber);
    }

    [Fact]
    public void Care_WithRepeatZero_IsRaisedOnlyOnce()
    {
        var lobby = new Lobby(Branches.Small(s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareRepeat = TimeSpan.Zero, SlaTarget = TimeSpan.FromHours(2) }));
        lobby.Issue();
        int alerts = 0;
        for (int m = 0; m < 60; m++)
        {
            lobby.Minutes(1);
            lobby.Tick();
            alerts += lobby.LastOf(EventKind.CareNeeded).Length;
        }

        Assert.Equal(1, alerts);
    }

    [Fact]
    public void SlaBreach_IsEmittedOncePerTicket()
    {
        var lobby = new Lobby();
        lobby.Issue();
        int breaches = 0;
        for (int m = 0; m < 40; m++)
        {
            lobby.Minutes(1);
            lobby.Tick();
            breaches += lobby.LastOf(EventKind.SlaBreached).Length;
        }

        Assert.Equal(1, breaches);
    }

    [Fact]
    public void Timers_ForATicketNoLongerWaiting_DoNotFire()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Minutes(5);
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(30);
        Assert.Equal(0, lobby.Tick());
    }

    [Fact]
    public void Care_ClockRunsFromOriginalIssue_ForARecoveredTicket()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(8);
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(1);
        lobby.Ok(Command.Recover(id));
        lobby.Minutes(1);
        lobby.Tick();
        Assert.Equal(id, lobby.LastOf(EventKind.CareNeeded).Single().Ticket);
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, lobby.LastOf(EventKind.CareNeeded).Single().AsCareNeeded().WaitedMs);
    }

    [Fact]
    public void NoShow_PastToleranceMinutes_IsAbandonedByTheTimer_ButNotAtExactlyTheLimit()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(19);
        lobby.Tick();
        Assert.Equal(TicketState.NoShow, lobby.Ticket(id).State);
        lobby.Minutes(1);
        lobby.Tick();
        Assert.Equal(TicketState.NoShow, lobby.Ticket(id).State);
        lobby.Advance(TimeSpan.FromSeconds(1));
        lobby.Tick();
        LobbyEvent e = lobby.LastOf(EventKind.TicketAbandoned).Single();
        Assert.Equal(AbandonReason.NoShowExpired, e.AsTicketAbandoned().Reason);
        Assert.Equal(RefusalReason.ToleranceMinutesExceeded, e.AsTicketAbandoned().ExpiredLimit);
    }
}
