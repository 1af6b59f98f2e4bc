using LobbyEdge.Engine;

namespace LobbyEdge.TestSupport.Baseline;

/// <summary>
/// The engine and <see cref="BaselineQueue"/> fed the same commands at the same instants, compared step by step: the
/// same acceptance or refusal reason, the same ticket for every accepted command (the call order), and the same
/// number of events for every command and tick. The full-day benchmark's setup and the engine's property tests
/// (<c>BaselineOracleProperties</c>) both use it, so the baseline the benchmarks measure is the one the tests hold
/// to the engine's decisions.
/// </summary>
public sealed class BaselineOracle(BranchConfig config)
{
    private readonly Dictionary<string, int> _engineKinds = [];
    private readonly Dictionary<string, int> _baselineKinds = [];

    /// <summary>The engine under test.</summary>
    public QueueEngine Engine { get; } = new(config);

    /// <summary>The baseline it is compared with.</summary>
    public BaselineQueue Baseline { get; } = new(config);

    /// <summary>Runs <paramref name="command"/> on both; returns what differs, or null when they agree.</summary>
    public string? Execute(in Command command, DateTimeOffset at)
    {
        CommandResult ours = Engine.Execute(in command, at);
        BaselineResult theirs = Baseline.Execute(in command, at);
        string ourTicket = ours.Accepted && ours.Ticket >= 0 ? Engine.FormatTicket(ours.Ticket) : "-";
        string theirTicket = theirs.Accepted ? theirs.Ticket?.Number ?? "-" : "-";
        if (ours.Refusal != theirs.Refusal || ourTicket != theirTicket)
        {
            return $"engine {ours.Refusal} {ourTicket}, baseline {theirs.Refusal} {theirTicket}";
        }

        return CompareEvents(theirs);
    }

    /// <summary>Runs the timer on both; returns what differs, or null when they agree.</summary>
    public string? Tick(DateTimeOffset at)
    {
        Engine.Tick(at);
        return CompareEvents(Baseline.Tick(at));
    }

    /// <summary>Event kinds whose counts differ over everything run so far (engine, baseline), or none.</summary>
    public IEnumerable<(string Kind, int Engine, int Baseline)> KindCountDifferences() =>
        _engineKinds.Keys.Union(_baselineKinds.Keys)
            .Select(k => (k, _engineKinds.GetValueOrDefault(k), _baselineKinds.GetValueOrDefault(k)))
            .Where(d => d.Item2 != d.Item3);

    /// <summary>How many events of <paramref name="kind"/> the engine emitted so far.</summary>
    public int EngineCount(EventKind kind) => _engineKinds.GetValueOrDefault(kind.ToString());

    private string? CompareEvents(BaselineResult theirs)
    {
        ReadOnlySpan<LobbyEvent> events = Engine.LastEvents;
        foreach (LobbyEvent e in events)
        {
            string kind = e.Kind.ToString();
            _engineKinds[kind] = _engineKinds.GetValueOrDefault(kind) + 1;
        }

        foreach (QueueEvent e in theirs.Events)
        {
            _baselineKinds[e.Kind] = _baselineKinds.GetValueOrDefault(e.Kind) + 1;
        }

        if (events.Length == theirs.Events.Count)
        {
            return null;
        }

        var ourKinds = new List<string>();
        foreach (LobbyEvent e in events)
        {
            ourKinds.Add(e.Kind.ToString());
        }

        return $"engine {events.Length} events ({string.Join(", ", ourKinds)}), baseline {theirs.Events.Count} ({string.Join(", ", theirs.Events.Select(e => e.Kind))})";
    }
}
