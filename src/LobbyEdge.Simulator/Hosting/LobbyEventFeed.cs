using LobbyEdge.Engine;
using LobbyEdge.Runtime;

namespace LobbyEdge.Simulator.Hosting;

/// <summary>
/// Hands the engine's events to the simulated lobby manager (as her console would show them) and to the customers at
/// the rating stations (who answer the prompts) under <c>--simulate</c>: an <see cref="IEngineEventSink"/> (called on the engine loop) that keeps the events until the
/// <see cref="SimulationDriver"/> drains them on its own thread, and wakes the driver when events arrive that it did
/// not cause (a timer's care alert, the host's rating prompt, a console or device command).
/// </summary>
/// <remarks>Keeps a copy of each event until drained; not a hot path (registered only under <c>--simulate</c>).</remarks>
public sealed class LobbyEventFeed : IEngineEventSink
{
    private readonly Lock _lock = new();
    private List<LobbyEvent> _events = [];
    private List<LobbyEvent> _spare = [];
    private TaskCompletionSource _arrived = NewSignal();

    /// <summary>Completes when events arrive after the last <see cref="Drain"/>.</summary>
    public Task Arrived
    {
        get
        {
            lock (_lock)
            {
                return _arrived.Task;
            }
        }
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        TaskCompletionSource signal;
        lock (_lock)
        {
            foreach (ref readonly LobbyEvent e in events)
            {
                _events.Add(e);
            }

            signal = _arrived;
        }

        signal.TrySetResult();
    }

    /// <summary>Gives every event kept since the last call to <paramref name="traffic"/>, in order, and re-arms <see cref="Arrived"/>.</summary>
    public void Drain(LobbyTraffic traffic)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        List<LobbyEvent> events;
        lock (_lock)
        {
            events = _events;
            _events = _spare;
            _spare = events;
            if (_arrived.Task.IsCompleted)
            {
                _arrived = NewSignal();
            }
        }

        traffic.OnEvents(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events));
        events.Clear();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
