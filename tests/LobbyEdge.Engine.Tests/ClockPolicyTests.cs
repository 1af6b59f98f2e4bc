namespace LobbyEdge.Engine.Tests;

/// <summary>The engine's half of the clock policy (README, "Clock policy"): what an unsynchronised clock and a branch clock running ahead decide.</summary>
public sealed class ClockPolicyTests
{
    [Fact]
    public void Unsynchronised_TheClockNeitherOpensNorClosesTheDay_NorCutsTicketingOff_CommandsStillDo()
    {
        var lobby = new Lobby(open: false) { Now = Branches.At(9, 1) };
        lobby.Engine.ClockSynchronized = false;
        Assert.Equal(0, lobby.Tick());
        Assert.False(lobby.Engine.IsDayOpen);

        lobby.Ok(Command.OpenDay());
        lobby.Now = Branches.At(16, 58);
        lobby.Issue();
        lobby.Now = Branches.At(17, 30);
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);
        Assert.Equal(1, lobby.Engine.WaitingCount(Branches.Cash));

        lobby.Engine.ClockSynchronized = true;
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);
    }

    [Fact]
    public void BranchClockAhead_TheCalendarIsJudgedOnTheWallClock()
    {
        var lobby = new Lobby(open: false);
        lobby.Engine.ClockOffset = TimeSpan.FromDays(1);

        // The branch clock reads Tuesday 09:01; the wall clock (civil time) Monday 09:01: Monday opens.
        lobby.Now = Branches.At(9, 1).AddDays(1);
        lobby.Tick();
        Assert.Equal(Branches.Day, lobby.Engine.BusinessDate);
        lobby.Issue();

        // Monday 16:50 civil is past the cut-off, not the branch clock's Tuesday morning.
        lobby.Now = Branches.At(16, 50).AddDays(1);
        Assert.Equal(RefusalReason.TicketingClosed, lobby.Refused(Command.Issue(Branches.Cash)));
        lobby.Now = Branches.At(17, 0).AddDays(1);
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);
        Assert.Single(lobby.LastOf(EventKind.TicketAbandoned));
    }

    [Fact]
    public void RecordClockStep_IsOneEventThatChangesNoQueueState_AndReplays()
    {
        var lobby = new Lobby();
        lobby.Issue();
        string before = lobby.Engine.DescribeState();
        lobby.Minutes(1);
        Assert.Equal(1, lobby.Engine.RecordClockStep(lobby.Now, TimeSpan.FromHours(-2), TimeSpan.FromHours(2), atStart: true, synchronized: true));
        LobbyEvent e = lobby.Engine.LastEvents[0];
        Assert.Equal(EventKind.ClockStepped, e.Kind);
        Assert.Equal(-7_200_000, e.AsClockStepped().StepMs);
        Assert.Equal(7_200_000, e.AsClockStepped().BranchClockAheadMs);
        Assert.True(e.AsClockStepped().AtStart);
        Assert.True(e.AsClockStepped().IsSynchronized);
        Assert.Equal(lobby.Now.UtcTicks, e.TimeTicks);
        Assert.Equal(before.Split('\n')[1..], lobby.Engine.DescribeState().Split('\n')[1..]);

        var replayed = new QueueEngine(Branches.Small());
        foreach (LobbyEvent logged in lobby.Log)
        {
            replayed.Apply(in logged);
        }

        replayed.Apply(in e);
        Assert.Equal(lobby.Engine.DescribeState(), replayed.DescribeState());
    }
}
