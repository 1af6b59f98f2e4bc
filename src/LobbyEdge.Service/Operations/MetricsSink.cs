using LobbyEdge.Engine;
using LobbyEdge.Service.Persistence;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Keeps <see cref="LobbyMetrics"/> up to date from the engine's events, on the engine loop, without allocating.
/// Registered after the event log sink, so the batch it publishes is durable. Holds the metrics' export lock from
/// the first event of a batch to the batch's end, so a scrape sees whole batches only: the metrics always agree
/// with the engine at <c>lobby_eventlog_last_sequence</c>.
/// </summary>
public sealed class MetricsSink : IEngineEventSink
{
    private readonly LobbyMetrics _metrics;
    private readonly QueueEngine _engine;
    private readonly TimeProvider _time;
    private readonly int[] _counterNumbers;
    private readonly long[] _exportedStateMs;
    private readonly CounterState[] _shownState;
    private bool _holding;

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

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        Hold();
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
                    if ((e.Reason & 1) != 0)
                    {
                        m.Wait[s].Observe(e.A / 1000.0);
                    }

                    if ((e.Reason & 2) != 0)
                    {
                        m.PredictionError[s].Observe(e.B / 1000.0);
                    }

                    break;
                case EventKind.TicketCompleted:
                    m.Service[s].Observe(e.A / 1000.0);
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
                default:
                    break;
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        Hold();
        try
        {
            Refresh(fromRestart: false);
        }
        finally
        {
            _holding = false;
            Monitor.Exit(_metrics.ExportLock);
        }
    }

    private void Hold()
    {
        if (!_holding)
        {
            Monitor.Enter(_metrics.ExportLock);
            _holding = true;
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
    }
}
