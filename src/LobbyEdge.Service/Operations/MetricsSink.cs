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
/// <remarks>
/// The care families and the lobby manager's acts (issue 12) are today's figures, not counts since the process
/// started: care given, decided and covered follow the engine's <see cref="QueueEngine.CareFiguresOf"/> (so they
/// equal it at every batch's end, after a restart too); the care response histogram, tier changes, diversions and
/// reprints, and the customer ratings (issue 13: ratings, requests to rate and their answers, ratings by wait band and
/// care) are counted from the events, and at start from today's events read back from the log (the newest segment,
/// which starts with the day's opening), so they equal the engine's <see cref="RatingFigures"/> after a restart too.
/// All of them start again from 0 when a business day opens.
/// </remarks>
public sealed class MetricsSink : IEngineEventSink
{
    private readonly LobbyMetrics _metrics;
    private readonly QueueEngine _engine;
    private readonly TimeProvider _time;
    private readonly int[] _counterNumbers;
    private readonly long[] _exportedStateMs;
    private readonly CounterState[] _shownState;
    private readonly int[] _exportedCareGiven;
    private readonly int[] _exportedDecided;
    private readonly int[] _exportedCovered;
    private readonly bool[] _asked;   // by ticket id: asked to rate today (a RatingRequested seen)
    private readonly byte[] _adviceKind = new byte[1025];   // by advice id: its kind (the answer's event does not carry it)
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
        _exportedCareGiven = new int[_engine.ServiceCount];
        _exportedDecided = new int[_engine.ServiceCount];
        _exportedCovered = new int[_engine.ServiceCount];
        _asked = new bool[Math.Max(1, config.MaxTicketsPerDay)];

        // After a restart the process's counters start at zero: the day's history up to now is not re-counted
        // (Prometheus' rate() and increase() handle the reset); gauges are right from the first batch. The day's
        // families are the exception: they are today's figures, so today's events are counted again from the log.
        lock (_metrics.ExportLock)
        {
            CountToday(branch);
            Refresh(fromRestart: true);
        }
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

    /// <summary>Counts the event-built day families from the current day's events in the log, up to the engine's last event.</summary>
    private void CountToday(RestoredBranch branch)
    {
        CountDay(branch.TodaysEvents());
    }

    private void Count(ReadOnlySpan<LobbyEvent> events)
    {
        CountDay(events);
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

    /// <summary>
    /// The day's families built from events: a day's opening starts them again; care response, tier changes,
    /// diversions, reprints, self-service diversions, customer ratings and requests to rate, advice issued and answered.
    /// </summary>
    private void CountDay(ReadOnlySpan<LobbyEvent> events)
    {
        LobbyMetrics m = _metrics;
        foreach (ref readonly LobbyEvent e in events)
        {
            int s = e.Service;
            switch (e.Kind)
            {
                case EventKind.DayOpened:
                    m.StartDay();
                    Array.Clear(_exportedCareGiven);
                    Array.Clear(_exportedDecided);
                    Array.Clear(_exportedCovered);
                    Array.Clear(_asked);
                    Array.Clear(_adviceKind);
                    break;
                case EventKind.AdviceIssued:
                case EventKind.AdviceAnswered:
                    CountAdvice(in e);
                    break;
                case EventKind.RatingRequested:
                    CountRequest(in e);
                    break;
                case EventKind.TicketRated:
                    CountRating(in e);
                    break;
                case EventKind.CareGiven:
                    CareGivenView care = e.AsCareGiven();
                    if (care.Answered)
                    {
                        m.CareResponse[s].Observe(care.ResponseMs / 1000.0);
                    }

                    break;
                case EventKind.TierChanged:
                    m.TierChanges[(s * 3) + (int)e.Tier].Inc();
                    break;
                case EventKind.TicketDiverted:
                    m.Diversions[(e.AsTicketDiverted().FromService * _engine.ServiceCount) + s].Inc();
                    break;
                case EventKind.TicketReprinted:
                    m.Reprints[s].Inc();
                    break;
                case EventKind.SelfServiceChosen:
                    m.Diverted[s].Inc();
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Advice issued (by kind) and answered (by the advice's kind, noted when it was issued, and the answer).</summary>
    private void CountAdvice(in LobbyEvent e)
    {
        if (e.Kind == EventKind.AdviceIssued)
        {
            AdviceIssuedView issued = e.AsAdviceIssued();
            int kind = (int)issued.Kind;
            if ((uint)kind < (uint)_metrics.Advice.Length && kind > 0)
            {
                _metrics.Advice[kind].Inc();
                if ((uint)issued.AdviceId < (uint)_adviceKind.Length)
                {
                    _adviceKind[issued.AdviceId] = (byte)kind;
                }
            }

            return;
        }

        AdviceAnsweredView answered = e.AsAdviceAnswered();
        int k = (uint)answered.AdviceId < (uint)_adviceKind.Length ? _adviceKind[answered.AdviceId] : 0;
        int a = (int)answered.Answer;
        if (k > 0 && a is 1 or 2)
        {
            _metrics.AdviceAnswered[(k * 3) + a].Inc();
        }
    }

    /// <summary>A customer asked to rate: counted once per ticket (the first prompt), by counter and the ticket's service.</summary>
    private void CountRequest(in LobbyEvent e)
    {
        int c = _metrics.CounterIndex(e.Counter);
        if (c < 0 || (uint)e.Service >= (uint)_engine.ServiceCount || e.AsRatingRequested().PromptNumber != 1)
        {
            return;
        }

        _metrics.RatingRequest(c, e.Service).Inc();
        if ((uint)e.Ticket < (uint)_asked.Length)
        {
            _asked[e.Ticket] = true;
        }
    }

    /// <summary>
    /// A rating: by counter, the ticket's service (none when unlinked), scale and score; a linked one also by wait
    /// band, care and verdict, and as an answer when its ticket was asked to rate.
    /// </summary>
    private void CountRating(in LobbyEvent e)
    {
        LobbyMetrics m = _metrics;
        TicketRatedView rated = e.AsTicketRated();
        int c = m.CounterIndex(e.Counter);
        int slot = LobbyMetrics.RatingSlot(rated.Scale, rated.Score);
        int services = _engine.ServiceCount;
        bool linked = rated.Linked && (uint)e.Service < (uint)services;
        if (c < 0 || slot < 0)
        {
            return;
        }

        m.Rating(c, linked ? e.Service : services, slot).Inc();
        if (!linked)
        {
            return;
        }

        int band = LobbyMetrics.WaitBandOf(rated.WaitMs);
        m.RatingsByWait[LobbyMetrics.RatingByWait(e.Service, band, rated.CareGiven > 0, LobbyMetrics.VerdictOf(slot))].Inc();
        if ((uint)e.Ticket < (uint)_asked.Length && _asked[e.Ticket])
        {
            m.RatingAnsweredChild(c, e.Service).Inc();
        }
    }

    /// <summary>Brings a counter of today's figures up to the engine's <paramref name="figure"/> (they only grow within a day).</summary>
    private static void Follow(Prometheus.Counter.Child counter, ref int exported, int figure)
    {
        if (figure > exported)
        {
            counter.Inc(figure - exported);
        }

        exported = figure;
    }

    /// <summary>Gauges from the engine's state, and counter time per state as increments of the engine's own totals.</summary>
    private void Refresh(bool fromRestart)
    {
        LobbyMetrics m = _metrics;
        QueueEngine engine = _engine;

        // The services this host was built with: a structural configuration in force restarts the host, and until
        // then the families keep their labels.
        int services = Math.Min(engine.ServiceCount, _exportedCareGiven.Length);
        for (int s = 0; s < services; s++)
        {
            m.Waiting[s * 3].Set(engine.WaitingCount(s, Tier.Normal));
            m.Waiting[(s * 3) + 1].Set(engine.WaitingCount(s, Tier.Priority));
            m.Waiting[(s * 3) + 2].Set(engine.WaitingCount(s, Tier.Vip));
            CareFigures care = engine.CareFiguresOf(s);
            m.CareUncaredWaiting[s].Set(care.UncaredWaiting);
            Follow(m.CareGiven[s], ref _exportedCareGiven[s], care.CareGiven);
            Follow(m.CareDecided[s], ref _exportedDecided[s], care.Decided);
            Follow(m.CareCovered[s], ref _exportedCovered[s], care.Covered);
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
