using LobbyEdge.Engine;
using LobbyEdge.Runtime;

namespace LobbyEdge.Simulator.Hosting;

/// <summary>
/// Hands the engine's events to the simulated lobby manager (as her console would show them) and to the customers at
/// the rating stations (who answer the prompts) under <c>--simulate</c>: an <see cref="IEngineEventSink"/> (called on the engine loop) that keeps the events until the
/// <see cref="SimulationDriver"/> drains them on its own thread, and wakes the driver when events arrive that it did
/// not cause (a timer's care alert, the host's rating prompt, a console or device command).
/// </summary>
/// <remarks>
/// <para>Keeps a copy of each event until drained; not a hot path (registered only under <c>--simulate</c>).</para>
/// <para>After a restart the staff's console still shows the advice given before it: at the end of the engine's first
/// batch (on its thread) the feed copies the day's advice from the engine, and <see cref="TakeAdviceBeforeStart"/>
/// hands it to the driver, which gives it to the day's traffic (<see cref="LobbyTraffic.PickUpAdvice"/>).</para>
/// </remarks>
public sealed class LobbyEventFeed : IEngineEventSink
{
    private readonly Lock _lock = new();
    private readonly QueueEngine? _engine;
    private List<LobbyEvent> _events = [];
    private List<LobbyEvent> _spare = [];
    private TaskCompletionSource _arrived = NewSignal();
    private bool _adviceRead;
    private AdviceView[]? _adviceBeforeStart;

    /// <summary>A feed without the engine: advice given before the start is not picked up.</summary>
    public LobbyEventFeed()
    {
    }

    /// <summary>A feed that also reads, once, the advice the restored <paramref name="engine"/> holds from before the start.</summary>
    public LobbyEventFeed(QueueEngine engine)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
    }

    /// <summary>
    /// The day's advice the engine held when it started (copied at the end of its first batch), once: null before
    /// that batch, when already taken, or without an engine; empty when there was none.
    /// </summary>
    public AdviceView[]? TakeAdviceBeforeStart()
    {
        lock (_lock)
        {
            AdviceView[]? advice = _adviceBeforeStart;
            _adviceBeforeStart = null;
            return advice;
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        if (_adviceRead || _engine is null)
        {
            return;
        }

        // On the engine's thread: its state may be read here.
        _adviceRead = true;
        var advice = new AdviceView[_engine.AdviceCount];
        int n = _engine.CopyAdvice(advice);
        TaskCompletionSource signal;
        lock (_lock)
        {
            _adviceBeforeStart = n == advice.Length ? advice : advice[..n];
            signal = _arrived;
        }

        signal.TrySetResult();
    }

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
