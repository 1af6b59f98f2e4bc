using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Persistence;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Keeps <see cref="LobbyMetrics"/> up to date from the engine's events, on the engine loop, without allocating.
/// Registered after the event log sink, so the batch it publishes is durable. A batch's events are kept and applied
/// at the batch's end in one step under the metrics' export lock, so a scrape sees whole batches only: the metrics
/// always agree with the engine at <c>lobby_eventlog_last_sequence</c>. The loop never waits for the lock: when a
/// scrape holds it, the batch stays pending and is applied at the end of a later batch (the loop ends one every
/// second at least), so a slow or stuck scraper costs the metrics a second's freshness, never the loop a command.
/// </summary>
public sealed class MetricsSink : IEngineEventSink
{
    private readonly LobbyMetrics _metrics;
    private readonly QueueEngine _engine;
    private readonly TimeProvider _time;
    private readonly int[] _counterNumbers;
    private readonly long[] _exportedStateMs;
    private readonly CounterState[] _shownState;
    private LobbyEvent[] _pending = new LobbyEvent[256];
    private int _pendingCount;

    /// <summary>Creates the sink over the restored branch.</summary>
    public MetricsSink(LobbyMetrics metrics, RestoredBranch branch, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(time);
        _metrics = metrics;
        _engine = branch.Engine;
        _time = time;
        BranchConfig config = _engine.Config;
        _counterNumbers = new int[config.Counters.Count];
        for (int i = 0; i < _counterNumbers.Length; i++)
        {
            _counterNumbers[i] = config.Counters[i].Number;
        }

        _exportedStateMs = new long[_counterNumbers.Length * LobbyMetrics.States.Length];
        _shownState = new CounterState[_counterNumbers.Length];

        // After a restart the process's counters start at zero: the day's history up to now is not re-counted
        // (Prometheus' rate() and increase() handle the reset); gauges are right from the first batch.
        Refresh(fromRestart: true);
    }

    /// <summary>Batches applied after a scrape held the export lock at their end (for tests and diagnosis).</summary>
    public long Deferred { get; private set; }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        if (_pendingCount + events.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingCount + events.Length));
        }

        events.CopyTo(_pending.AsSpan(_pendingCount));
        _pendingCount += events.Length;
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        if (!Monitor.TryEnter(_metrics.ExportLock))
        {
            // A scrape is serialising: keep the updates for a later batch rather than wait for it.
            Deferred++;
            return;
        }

        try
        {
            Count(_pending.AsSpan(0, _pendingCount));
            _pendingCount = 0;
            _metrics.ObservePendingCommits();
            Refresh(fromRestart: false);
        }
        finally
        {
            Monitor.Exit(_metrics.ExportLock);
        }
    }

    private void Count(ReadOnlySpan<LobbyEvent> events)
    {
        LobbyMetrics m = _metrics;
        foreach (ref readonly LobbyEvent e in events)
        {
            int s = e.Service;
            switch (e.Kind)
            {
                case EventKind.TicketIssued:
                    m.Issued[(s * 3) + (int)e.Tier].Inc();
                    break;
                case EventKind.TicketCalled:
                    TicketCalledView called = e.AsTicketCalled();
                    if (called.HasWait)
                    {
                        m.Wait[s].Observe(called.WaitMs / 1000.0);
                    }

                    if (called.HasPredictionError)
                    {
                        m.PredictionError[s].Observe(called.PredictionErrorMs / 1000.0);
                    }

                    break;
                case EventKind.TicketCompleted:
                    m.Service[s].Observe(e.AsTicketCompleted().ServiceMs / 1000.0);
                    m.Ended[(s * LobbyMetrics.Outcomes.Length) + (int)LobbyMetrics.Outcome.Completed].Inc();
                    break;
                case EventKind.TicketCancelled:
                case EventKind.TicketAbandoned:
                    m.Ended[(s * LobbyMetrics.Outcomes.Length) + LobbyMetrics.OutcomeOf(in e)].Inc();
                    break;
                case EventKind.TicketRecovered:
                    m.Recovered[s].Inc();
                    break;
                case EventKind.CareNeeded:
                    m.Care[s].Inc();
                    break;
                case EventKind.SlaBreached:
                    m.Sla[s].Inc();
                    break;
                case EventKind.ClockStepped:
                    m.ClockSteps[e.AsClockStepped().StepMs >= 0 ? 0 : 1].Inc();
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Gauges from the engine's state, and counter time per state as increments of the engine's own totals.</summary>
    private void Refresh(bool fromRestart)
    {
        LobbyMetrics m = _metrics;
        QueueEngine engine = _engine;
        for (int s = 0; s < engine.ServiceCount; s++)
        {
            m.Waiting[s * 3].Set(engine.WaitingCount(s, Tier.Normal));
            m.Waiting[(s * 3) + 1].Set(engine.WaitingCount(s, Tier.Priority));
            m.Waiting[(s * 3) + 2].Set(engine.WaitingCount(s, Tier.Vip));
        }

        DateTimeOffset now = _time.GetUtcNow();
        int states = LobbyMetrics.States.Length;
        for (int c = 0; c < _counterNumbers.Length; c++)
        {
            if (engine.TryGetCounter(_counterNumbers[c], out CounterView view) && view.State != _shownState[c])
            {
                m.CounterStateGauge[(c * states) + (int)_shownState[c]].Set(0);
                m.CounterStateGauge[(c * states) + (int)view.State].Set(1);
                _shownState[c] = view.State;
            }

            for (int st = 0; st < states; st++)
            {
                long ms = (long)engine.CounterTimeInState(_counterNumbers[c], (CounterState)st, now).TotalMilliseconds;
                ref long exported = ref _exportedStateMs[(c * states) + st];

                // The engine's totals restart with each business day; a smaller total is a new day.
                long delta = ms >= exported ? ms - exported : ms;
                exported = ms;
                if (!fromRestart && delta > 0)
                {
                    m.CounterStateSeconds[(c * states) + st].Inc(delta / 1000.0);
                }
            }
        }

        m.EventLogLastSequence.Set(engine.LastSequence);
        m.ClockSynchronized.Set(engine.ClockSynchronized ? 1 : 0);
        m.ClockAheadSeconds.Set(engine.ClockOffset.TotalSeconds);
    }
}
