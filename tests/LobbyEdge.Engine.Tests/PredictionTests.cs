namespace LobbyEdge.Engine.Tests;

public sealed class PredictionTests
{
    [Fact]
    public void Issue_PrintsPeopleAheadAndAWaitRangeFromOpenCountersAndServiceTime()
    {
        // Counter 1 serves only cash. Close 2 and 3 so one counter carries the queue at the seeded 5 minutes.
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        CommandResult first = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(0, first.PeopleAhead);
        Assert.Equal(0, first.TypicalWaitMs);
        Assert.True(first.UpperWaitMs >= TimeSpan.FromMinutes(5).TotalMilliseconds);

        lobby.Issue();
        lobby.Issue();
        CommandResult fourth = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(3, fourth.PeopleAhead);
        Assert.Equal(TimeSpan.FromMinutes(15).TotalMilliseconds, fourth.TypicalWaitMs);
        Assert.True(fourth.UpperWaitMs > fourth.TypicalWaitMs);
        LobbyEvent issued = lobby.LastOf(EventKind.TicketIssued).Single();
        Assert.Equal(3, issued.AsTicketIssued().PeopleAhead);
        Assert.Equal(fourth.TypicalWaitMs, issued.AsTicketIssued().TypicalWaitMs);
        Assert.Equal(fourth.UpperWaitMs, issued.AsTicketIssued().UpperWaitMs);
    }

    [Fact]
    public void Prediction_ShrinksWhenMoreCountersOpen()
    {
        var lobby = new Lobby();
        for (int i = 0; i < 6; i++)
        {
            lobby.Issue(Branches.Cash);
        }

        WaitPrediction allOpen = lobby.Engine.Predict(Branches.Cash, Tier.Normal);
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        WaitPrediction oneOpen = lobby.Engine.Predict(Branches.Cash, Tier.Normal);
        Assert.True(allOpen.TypicalMs < oneOpen.TypicalMs, $"{allOpen} vs {oneOpen}");
    }

    [Fact]
    public void Prediction_WithNoCounterForTheService_IsUnknown()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(3));
        CommandResult r = lobby.Ok(Command.Issue(Branches.Vip));
        Assert.Equal(-1, r.TypicalWaitMs);
        Assert.Equal(-1, r.UpperWaitMs);
    }

    [Fact]
    public void Prediction_ForAVip_CountsOnlyTicketsCalledBeforeIt()
    {
        var lobby = new Lobby();
        lobby.Issue(Branches.Cash);
        lobby.Issue(Branches.Cash);
        lobby.Issue(Branches.Cash, Tier.Vip);
        Assert.Equal(1, lobby.Ok(Command.Issue(Branches.Cash, Tier.Vip)).PeopleAhead);
        Assert.Equal(4, lobby.Ok(Command.Issue(Branches.Cash, Tier.Normal)).PeopleAhead);
    }

    [Fact]
    public void Prediction_LearnsFromServiceTimes()
    {
        var lobby = new Lobby();
        TimeSpan seeded = lobby.Engine.MeanServiceTime(Branches.Cash);
        for (int i = 0; i < 20; i++)
        {
            lobby.Issue();
            lobby.Ok(Command.CallNext(1));
            lobby.Ok(Command.Start(1));
            lobby.Minutes(1);
            lobby.Ok(Command.Finish(1));
        }

        TimeSpan learned = lobby.Engine.MeanServiceTime(Branches.Cash);
        Assert.True(learned < seeded && learned < TimeSpan.FromMinutes(1.5), $"{learned}");
    }

    [Fact]
    public void PredictionError_IsRecordedAtTheFirstCall()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        lobby.Issue();
        CommandResult second = lobby.Ok(Command.Issue(Branches.Cash));
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(7);
        lobby.Ok(Command.CallNext(1));
        LobbyEvent called = lobby.LastOf(EventKind.TicketCalled).Single();
        Assert.Equal(second.Ticket, called.Ticket);
        Assert.Equal(CallMeasures.Wait | CallMeasures.PredictionError, called.AsTicketCalled().Measured);
        Assert.Equal(TimeSpan.FromMinutes(7).TotalMilliseconds - second.TypicalWaitMs, called.AsTicketCalled().PredictionErrorMs);
    }
}
