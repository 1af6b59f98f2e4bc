namespace LobbyEdge.Engine.Tests;

/// <summary>
/// A command with an outside request's identity (<see cref="Command.Request"/>) ends its step with one
/// <see cref="EventKind.RequestDecided"/> event, after its effect, accepted or refused, changing no queue state.
/// </summary>
public sealed class RequestDecidedTests
{
    private static readonly RequestKey s_key = new(0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321);

    [Fact]
    public void IssueWithAnIdentity_RecordsTheRequestAfterTheTicket_WithTheTicket()
    {
        var lobby = new Lobby();
        lobby.Minutes(1);
        CommandResult r = lobby.Ok(Command.Issue(Branches.NonCash, Tier.Vip) with { Request = s_key });

        Assert.Equal(2, r.EventCount);
        Assert.Equal([EventKind.TicketIssued, EventKind.RequestDecided], lobby.Last.Select(e => e.Kind));
        LobbyEvent issued = lobby.Last[0];
        LobbyEvent decided = lobby.Last[1];
        Assert.Equal(issued.Sequence + 1, decided.Sequence);
        Assert.Equal(issued.TimeTicks, decided.TimeTicks);
        Assert.Equal(s_key.Id, decided.AsRequestDecided().Request.Id);
        Assert.Equal(s_key.Fingerprint, decided.AsRequestDecided().Request.Fingerprint);
        Assert.Equal(CommandKind.Issue, decided.AsRequestDecided().Command);
        Assert.Equal(RefusalReason.None, decided.AsRequestDecided().Refusal);
        Assert.Equal(1, decided.AsRequestDecided().EffectEvents);
        Assert.Equal((issued.Ticket, issued.Number, issued.NumberService, issued.Service, issued.Tier), (decided.Ticket, decided.Number, decided.NumberService, decided.Service, decided.Tier));
        Assert.Equal(r.Ticket, decided.Ticket);
    }

    [Fact]
    public void RefusedCommandWithAnIdentity_RecordsOnlyTheRefusal_AndChangesNoQueueState()
    {
        var lobby = new Lobby(open: false);
        string before = lobby.Engine.DescribeState();

        CommandResult r = lobby.Do(Command.Issue(Branches.Cash) with { Request = s_key });

        Assert.Equal(RefusalReason.DayNotOpen, r.Refusal);
        LobbyEvent decided = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.RequestDecided, decided.Kind);
        Assert.Equal(RefusalReason.DayNotOpen, decided.AsRequestDecided().Refusal);
        Assert.Equal((0, -1, 0, (short)-1), (decided.AsRequestDecided().EffectEvents, decided.Ticket, decided.Number, decided.NumberService));
        Assert.Equal(1, lobby.Engine.LastSequence);

        // Only the sequence moved on: every queue, counter and ticket is as it was.
        Assert.Equal(WithoutSequence(before), WithoutSequence(lobby.Engine.DescribeState()));
    }

    [Fact]
    public void Note_NeedsAnIdentity_AndRecordsOnlyTheRequest()
    {
        var lobby = new Lobby();
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Note(RequestKey.None)));

        lobby.Ok(Command.Note(s_key));
        LobbyEvent decided = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.RequestDecided, decided.Kind);
        Assert.Equal((CommandKind.Note, 0), (decided.AsRequestDecided().Command, decided.AsRequestDecided().EffectEvents));
    }

    [Fact]
    public void Replay_WithRequestEvents_GivesTheLiveState()
    {
        var lobby = new Lobby(open: false);
        lobby.Do(Command.Issue(Branches.Cash) with { Request = s_key });
        lobby.Ok(Command.OpenDay() with { Request = s_key with { Id = 2 } });
        lobby.Ok(Command.Issue(Branches.Cash) with { Request = s_key with { Id = 3 } });
        lobby.Ok(Command.Note(s_key with { Id = 4 }));
        lobby.Ok(Command.CloseDay() with { Request = s_key with { Id = 5 } });

        var replayed = new QueueEngine(lobby.Engine.Config);
        foreach (LobbyEvent e in lobby.Log)
        {
            replayed.Apply(in e);
        }

        Assert.Equal(lobby.Engine.DescribeState(), replayed.DescribeState());
        Assert.Equal(5, lobby.Log.Count(e => e.Kind == EventKind.RequestDecided));
    }

    private static string WithoutSequence(string state) => System.Text.RegularExpressions.Regex.Replace(state, @"^seq=\d+ at=\d+ ", "");
}
