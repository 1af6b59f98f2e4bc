namespace LobbyEdge.Engine.Tests;

/// <summary>A small driver over an engine with a clock that tests move by hand.</summary>
internal sealed class Lobby
{
    public Lobby(BranchConfig? config = null, bool open = true)
    {
        Engine = new QueueEngine(config ?? Branches.Small());
        Now = Branches.At(9, 0);
        if (open)
        {
            Ok(Command.OpenDay());
        }
    }

    public QueueEngine Engine { get; }

    public DateTimeOffset Now { get; set; }

    public List<LobbyEvent> Log { get; } = [];

    public LobbyEvent[] Last { get; private set; } = [];

    public void Advance(TimeSpan by) => Now += by;

    public void Minutes(double m) => Now += TimeSpan.FromMinutes(m);

    public CommandResult Do(Command command)
    {
        CommandResult r = Engine.Execute(command, Now);
        Last = Engine.LastEvents.ToArray();
        Log.AddRange(Last);
        return r;
    }

    public CommandResult Ok(Command command)
    {
        CommandResult r = Do(command);
        Assert.True(r.Accepted, $"{command.Kind} refused: {r.Refusal}");
        return r;
    }

    public RefusalReason Refused(Command command)
    {
        string before = Engine.DescribeState();
        CommandResult r = Do(command);
        Assert.False(r.Accepted, $"{command.Kind} was accepted");
        if (r.Refusal is not (RefusalReason.ToleranceCallsExceeded or RefusalReason.ToleranceMinutesExceeded or RefusalReason.MaxRecoveriesReached))
        {
            Assert.Empty(Last);
            Assert.Equal(before, Engine.DescribeState());
        }

        return r.Refusal;
    }

    public int Tick()
    {
        int n = Engine.Tick(Now);
        Last = Engine.LastEvents.ToArray();
        Log.AddRange(Last);
        return n;
    }

    public int Issue(int service = Branches.Cash, Tier tier = Tier.Normal) => Ok(Command.Issue(service, tier)).Ticket;

    public TicketView Ticket(int id)
    {
        Assert.True(Engine.TryGetTicket(id, out TicketView view));
        return view;
    }

    public CounterView Counter(int number)
    {
        Assert.True(Engine.TryGetCounter(number, out CounterView view));
        return view;
    }

    public int[] Queue(int service)
    {
        Span<int> buffer = stackalloc int[512];
        int n = Engine.CopyQueue(service, buffer);
        return buffer[..n].ToArray();
    }

    public string Format(int ticket) => Engine.FormatTicket(ticket);

    public LobbyEvent[] LastOf(EventKind kind) => Array.FindAll(Last, e => e.Kind == kind);
}
