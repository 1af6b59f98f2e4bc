namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>Example-based tests for behaviour the engine properties found.</summary>
public sealed class FoundByPropertiesTests
{
    /// <summary>Non-cash has a 2-minute SLA target; cash keeps the default 15 minutes.</summary>
    private static BranchConfig ShortNonCashSla() => Branches.Small(s => new ServiceConfig
    {
        Prefix = s.Prefix,
        Id = s.Id,
        SlaTarget = s.Id == "noncash" ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(15),
    });

    [Fact]
    public void TransferredTicket_BreachesTheSlaOfTheServiceItWaitsIn_NotOfTheServiceItLeft()
    {
        var lobby = new Lobby(ShortNonCashSla());
        int id = lobby.Issue(Branches.NonCash);
        lobby.Minutes(1);
        Assert.Equal(id, lobby.Ok(Command.CallNext(2)).Ticket);
        lobby.Ok(Command.Transfer(2, Branches.Cash, Placement.End));

        // Three minutes after issue: past non-cash's target, well inside cash's.
        lobby.Minutes(2);
        lobby.Tick();

        Assert.Empty(lobby.LastOf(EventKind.SlaBreached));
        Assert.False(lobby.Ticket(id).SlaBreached);

        lobby.Minutes(12);
        lobby.Tick();
        Assert.Equal(id, lobby.LastOf(EventKind.SlaBreached).Single().Ticket);
    }

    [Fact]
    public void AutoOpen_AfterADayWithNoTickBetweenOpenAndClose_OpensTheNextDayAtOpenTime_NotAtMidnight()
    {
        var engine = new QueueEngine(Branches.Small());
        Assert.Equal(0, engine.Tick(Branches.At(8, 59)));

        // No tick during the whole business day (host suspended, clock stepped): nothing to open any more.
        Assert.Equal(0, engine.Tick(Branches.At(17, 30)));
        Assert.False(engine.IsDayOpen);

        Assert.Equal(0, engine.Tick(Branches.At(0, 0, 1).AddDays(1)));
        Assert.False(engine.IsDayOpen);
        Assert.Equal(0, engine.Tick(Branches.At(8, 59).AddDays(1)));
        Assert.False(engine.IsDayOpen);

        engine.Tick(Branches.At(9, 0).AddDays(1));
        Assert.True(engine.IsDayOpen);
        Assert.Equal(Branches.Day.AddDays(1), engine.BusinessDate);
    }

    [Fact]
    public void NoShow_AtExactlyItsToleranceTime_IsRecoverable_WhetherOrNotATickCameFirst()
    {
        var untouched = new Lobby();
        var ticked = new Lobby();
        foreach (Lobby lobby in (Lobby[])[untouched, ticked])
        {
            lobby.Issue();
            lobby.Ok(Command.CallNext(1));
            lobby.Ok(Command.NoShow(1));
            lobby.Minutes(20);
        }

        // "At most ToleranceMinutes since the no-show": at exactly 20 minutes recovery is still allowed.
        Assert.True(untouched.Do(Command.RecoverLastAt(1)).Accepted);

        ticked.Tick();
        Assert.Empty(ticked.LastOf(EventKind.TicketAbandoned));
        Assert.True(ticked.Do(Command.RecoverLastAt(1)).Accepted);
    }
}
