namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    /// <summary>
    /// Applies an event from the log (replay). Events must come in sequence order with no gap; an event out of
    /// order, or a ticket of a service the configuration in force does not have (a configuration version that
    /// <see cref="ConfigurationResolver"/> did not give), throws <see cref="InvalidOperationException"/>, since the
    /// state it would give is not the branch's.
    /// </summary>
    /// <remarks>
    /// A fresh engine may also start at a <see cref="EventKind.DayOpened"/> event of any sequence: opening a day
    /// resets every piece of queue state, so folding from the day's first event gives the same state as folding
    /// from the beginning of the log. Start-up without a snapshot replays only the current day this way.
    /// </remarks>
    public void Apply(in LobbyEvent e)
    {
        bool freshAtDayStart = _lastSequence == 0 && _ticketCount == 0 && e.Kind == EventKind.DayOpened && e.Sequence > 0;
        if (e.Sequence != _lastSequence + 1 && !freshAtDayStart)
        {
            ThrowReplay($"Event sequence {e.Sequence} does not follow {_lastSequence}.");
        }

        if (e.Kind == EventKind.TicketIssued && e.Ticket != _ticketCount)
        {
            ThrowReplay($"Event {e.Sequence} issues ticket {e.Ticket} but the day has {_ticketCount} tickets.");
        }

        if (e.Kind == EventKind.TicketIssued && (uint)e.Service >= (uint)_services.Length)
        {
            // A log of a configuration this engine does not run with (its version was not resolved).
            ThrowReplay($"Event {e.Sequence} issues a ticket of service {e.Service} but configuration version {_config.Version} has {_services.Length} services.");
        }

        CheckAdviceEvent(in e);
        ApplyCore(in e);
    }

    /// <summary>The one place state changes. Deterministic: it reads only the event and the state before it.</summary>
    private void ApplyCore(in LobbyEvent e)
    {
        _lastSequence = e.Sequence;
        _lastEventTicks = e.TimeTicks;
        long t = e.TimeTicks;
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                ResolveDayConfiguration(e.AsDayOpened().ConfigurationVersion);
                ResetDay();
                _dayOpen = true;
                for (int i = 0; i < _counterState.Length; i++)
                {
                    // Counters start every day closed; the events that follow log them in.
                    _counterState[i].State = CounterState.Closed;
                }

                InvalidateCapacity();

                _businessDay = (int)e.A;
                DateOnly date = DateOnly.FromDayNumber(_businessDay);
                SetDayHours(date);
                for (int i = 0; i < _counterState.Length; i++)
                {
                    _counterState[i].StateSinceTicks = t;
                }

                break;

            case EventKind.DayClosed:
                _dayOpen = false;
                _timers.Clear();
                _nextAutoOpenTicks = 0;
                break;

            case EventKind.TicketIssued:
                ApplyIssued(in e);
                break;

            case EventKind.TicketCalled:
                ApplyCalled(in e);
                break;

            case EventKind.TicketRecalled:
                {
                    int recalls = e.AsTicketRecalled().Recalls;
                    _tickets[e.Ticket].Recalls = recalls;
                    NoteRecentCall(e.Ticket, e.Counter, t, recalls);
                    break;
                }

            case EventKind.TicketStarted:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    tk.State = TicketState.Serving;
                    tk.StartedTicks = t;
                    break;
                }

            case EventKind.TicketCompleted:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    ReleaseFromCounter(ref tk, e.Ticket);
                    tk.State = TicketState.Completed;
                    tk.FinishedTicks = t;
                    ObserveServiceTime(tk.Service, e.AsTicketCompleted().ServiceMs);
                    int ci = CounterIndex(e.Counter);
                    if (ci >= 0)
                    {
                        // The ticket a rating at this counter links to (finish, or the implied finish of call next).
                        _counterState[ci].LastFinished = e.Ticket;
                        _counterState[ci].LastFinishedTicks = t;
                    }

                    break;
                }

            case EventKind.TicketNoShow:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    int counter = tk.Counter;
                    ReleaseFromCounter(ref tk, e.Ticket);
                    tk.State = TicketState.NoShow;
                    tk.NoShowTicks = t;
                    tk.NoShowCallMark = _calls[tk.Service];
                    LinkLast(ref _noShows[tk.Service], e.Ticket);
                    int ci = CounterIndex(counter);
                    if (ci >= 0)
                    {
                        _counterState[ci].LastNoShow = e.Ticket;
                    }

                    _timers.Push(new TimerEntry(NoShowExpiryTicks(in tk), e.Ticket, TimerKind.NoShowExpiry));
                    break;
                }

            case EventKind.TicketRecovered:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    Unlink(ref _noShows[tk.Service], e.Ticket);
                    _timers.Cancel(e.Ticket, TimerKind.NoShowExpiry);
                    tk.Recoveries++;
                    Enqueue(e.Ticket, e.AsTicketRecovered().PlacesFromFront, t, t);
                    break;
                }

            case EventKind.RecoveryRefused:
                break;

            case EventKind.TicketTransferred:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    ReleaseFromCounter(ref tk, e.Ticket);
                    tk.Service = e.Service;
                    tk.Recalls = 0;
                    Enqueue(e.Ticket, e.AsTicketTransferred().PlacesFromFront, t, t);
                    break;
                }

            case EventKind.TicketCancelled:
            case EventKind.TicketAbandoned:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    if (tk.State == TicketState.Waiting)
                    {
                        CloseCareWait(ref tk, t);
                        _rates[tk.Service].QueueLeaves++;
                    }

                    Detach(ref tk, e.Ticket);
                    CancelTimers(e.Ticket);
                    tk.State = e.Kind == EventKind.TicketCancelled ? TicketState.Cancelled : TicketState.Abandoned;
                    tk.ExpiredBy = (RefusalReason)e.Detail;
                    break;
                }

            case EventKind.TicketParked:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    ReleaseFromCounter(ref tk, e.Ticket);
                    tk.State = TicketState.Parked;
                    tk.Counter = e.Counter;
                    int ci = CounterIndex(e.Counter);
                    LinkLast(ref _counterState[ci].Parked, e.Ticket);
                    break;
                }

            case EventKind.CareNeeded:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    tk.CareCount = e.AsCareNeeded().AlertNumber;
                    MarkCarePast(ref tk);
                    if (tk.CareAlertTicks == 0)
                    {
                        tk.CareAlertTicks = t;
                    }

                    long repeat = _services[tk.Service].CareRepeat.Ticks;
                    if (repeat > 0)
                    {
                        long next = tk.NextCareTicks + repeat;
                        tk.NextCareTicks = next > t ? next : t + repeat;
                        _timers.Push(new TimerEntry(tk.NextCareTicks, e.Ticket, TimerKind.Care));
                    }
                    else
                    {
                        tk.NextCareTicks = 0;
                        _timers.Cancel(e.Ticket, TimerKind.Care);
                    }

                    break;
                }

            case EventKind.SlaBreached:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    tk.SlaBreached = true;
                    _timers.Cancel(e.Ticket, TimerKind.Sla);
                    if (tk.State == TicketState.Waiting && LaneOf(in tk) != tk.Lane)
                    {
                        // Anti-starvation: a normal ticket past the SLA target is called as priority, among the
                        // priority tickets by its original issue time.
                        MoveToLane(e.Ticket, PositionByAge((tk.Service * LaneCount) + LaneOf(in tk), tk.IssuedTicks));
                    }

                    break;
                }

            case EventKind.CounterStateChanged:
                {
                    int ci = CounterIndex(e.Counter);
                    ref CounterRecord c = ref _counterState[ci];
                    if (c.StateSinceTicks > 0 && t > c.StateSinceTicks)
                    {
                        _counterStateMs[(ci * 5) + (int)c.State] += (t - c.StateSinceTicks) / TimeSpan.TicksPerMillisecond;
                    }

                    CounterState before = c.State;
                    c.State = e.AsCounterStateChanged().State;
                    c.StateSinceTicks = t;
                    if (CapacityClass(before) != CapacityClass(c.State))
                    {
                        InvalidateCapacityOfCounter(ci);
                    }

                    break;
                }

            case EventKind.CareGiven:
                ApplyCareGiven(in e);
                break;

            case EventKind.TierChanged:
                {
                    ref TicketRecord tk = ref _tickets[e.Ticket];
                    _waitingByTier[(tk.Service * LaneCount) + (int)tk.Tier]--;
                    tk.Tier = e.Tier;
                    _waitingByTier[(tk.Service * LaneCount) + (int)tk.Tier]++;
                    tk.PredictionPending = false; // the printed prediction was for the old lane
                    MoveToLane(e.Ticket, e.AsTierChanged().PlacesFromFront);
                    break;
                }

            case EventKind.TicketDiverted:
                ApplyDiverted(in e);
                break;

            case EventKind.TicketReprinted:
                _tickets[e.Ticket].Reprints = e.AsTicketReprinted().ReprintNumber;
                break;

            case EventKind.RatingRequested:
                ApplyRatingRequested(in e);
                break;

            case EventKind.TicketRated:
                ApplyTicketRated(in e);
                break;

            case EventKind.ConfigurationChanged:
                ApplyConfigurationChanged(in e);
                break;

            case EventKind.AdviceIssued:
            case EventKind.AdviceAnswered:
            case EventKind.SelfServiceChosen:
                ApplyAdvice(in e);
                break;

            case EventKind.DeviceStatusChanged:
            case EventKind.RequestDecided:
            case EventKind.None:
            default:
                break;
        }
    }

    private void ApplyIssued(in LobbyEvent e)
    {
        int id = _ticketCount++;
        int service = e.Service;
        ref TicketRecord tk = ref _tickets[id];
        ServiceConfig sc = _services[service];
        tk = new TicketRecord
        {
            State = TicketState.Waiting,
            Tier = e.Tier,
            Service = (short)service,
            NumberService = (short)service,
            Number = e.Number,
            IssuedTicks = e.TimeTicks,
            PredictedMs = e.AsTicketIssued().TypicalWaitMs,
            PredictedUpperMs = e.AsTicketIssued().UpperWaitMs,
            PredictionPending = e.AsTicketIssued().TypicalWaitMs >= 0,
            AheadAtIssue = e.AsTicketIssued().PeopleAhead,
            NextCareTicks = e.TimeTicks + sc.CareThreshold.Ticks,
            Prev = -1,
            Next = -1,
        };
        _ticketByNumber[service][e.Number - sc.FirstNumber] = id;
        _lastNumber[service] = e.Number;
        _issued[service]++;
        Enqueue(id, int.MaxValue, e.TimeTicks, e.TimeTicks);
        if (!e.AsTicketIssued().IsWalkIn)
        {
            NoteArrival(service, e.Tier, e.TimeTicks);
        }
    }

    /// <summary>
    /// A prompt to rate: the ticket's first prompt counts it as asked (<see cref="RatingFigures.Requested"/>) at the
    /// counter and for the service that served it; a re-prompt only counts up <see cref="TicketView.RatingPrompts"/>.
    /// </summary>
    private void ApplyRatingRequested(in LobbyEvent e)
    {
        ref TicketRecord tk = ref _tickets[e.Ticket];
        if (tk.RatingPrompts == 0)
        {
            int ci = CounterIndex(e.Counter);
            if (ci >= 0)
            {
                _ratingsByCounter[ci].Requested++;
            }

            _ratingsByService[e.Service].Requested++;
        }

        tk.RatingPrompts = e.AsRatingRequested().PromptNumber;
    }

    /// <summary>
    /// A rating: counted at its counter by score; a linked one also for the service that served the ticket, on the
    /// ticket, and as an answer when the ticket had been asked.
    /// </summary>
    private void ApplyTicketRated(in LobbyEvent e)
    {
        TicketRatedView rated = e.AsTicketRated();
        int slot = RatingTally.SlotOf(rated.Scale, rated.Score);
        int ci = CounterIndex(e.Counter);
        if (ci >= 0)
        {
            _ratingsByCounter[ci].Count(slot, rated.Linked);
        }

        if (!rated.Linked)
        {
            return;
        }

        ref TicketRecord tk = ref _tickets[e.Ticket];
        tk.RatingScore = rated.Score;
        tk.RatingScale = rated.Scale;
        _ratingsByService[e.Service].Count(slot, linked: true);
        if (tk.RatingPrompts > 0)
        {
            _ratingsByService[e.Service].Answered++;
            if (ci >= 0)
            {
                _ratingsByCounter[ci].Answered++;
            }
        }
    }

    private void ApplyCareGiven(in LobbyEvent e)
    {
        ref TicketRecord tk = ref _tickets[e.Ticket];
        ref CareTally care = ref _care[tk.Service];
        NoteCarePast(ref tk, e.TimeTicks);
        if (tk.CarePast && tk.CareGiven == 0)
        {
            care.UncaredWaiting--;
        }

        CareGivenView given = e.AsCareGiven();
        tk.CareGiven = given.CareNumber;
        tk.LastCareTicks = e.TimeTicks;
        tk.CareAlertTicks = 0;
        care.CareGiven++;
        if (given.Answered)
        {
            care.Responses++;
            care.ResponseMsTotal += given.ResponseMs;
        }

        // The care repeat restarts: the next alert a repeat from now, none when the service does not repeat. A
        // care timer entry due no later than the old due time is in the heap already (Tick moves it on to the new
        // due time), so only an earlier due time needs an entry: repeated care never grows the heap.
        long repeat = _services[tk.Service].CareRepeat.Ticks;
        long old = tk.NextCareTicks;
        tk.NextCareTicks = repeat > 0 ? e.TimeTicks + repeat : 0;
        if (tk.NextCareTicks > 0 && (old == 0 || tk.NextCareTicks < old))
        {
            _timers.Push(new TimerEntry(tk.NextCareTicks, e.Ticket, TimerKind.Care));
        }
        else if (tk.NextCareTicks == 0)
        {
            _timers.Cancel(e.Ticket, TimerKind.Care);
        }
    }

    private void ApplyDiverted(in LobbyEvent e)
    {
        int id = e.Ticket;
        ref TicketRecord tk = ref _tickets[id];
        long t = e.TimeTicks;

        // Past the threshold of the service it waited in so far? Then it stays past it (and uncared, counted) in
        // the new service; otherwise its first alert is timed by the new service's threshold, from its issue.
        NoteCarePast(ref tk, t);
        long oldCare = tk.NextCareTicks;
        long oldSla = tk.IssuedTicks + _services[tk.Service].SlaTarget.Ticks;
        Detach(ref tk, id);
        tk.Service = e.Service;
        tk.PredictionPending = false; // the printed prediction was for the other queue
        if (!tk.CarePast && tk.CareCount == 0 && tk.CareGiven == 0)
        {
            tk.NextCareTicks = tk.IssuedTicks + _services[tk.Service].CareThreshold.Ticks;
        }

        // Still waiting, with its timer entries in the heap (Tick moves an entry on to a later due time): only an
        // earlier due time needs a new entry, so diverting back and forth never grows the heap.
        Enqueue(id, e.AsTicketDiverted().PlacesFromFront, t, tk.QueuedTicks, armTimers: false);
        if (tk.NextCareTicks > 0 && (oldCare == 0 || tk.NextCareTicks < oldCare))
        {
            _timers.Push(new TimerEntry(tk.NextCareTicks, id, TimerKind.Care));
        }

        long sla = tk.IssuedTicks + _services[tk.Service].SlaTarget.Ticks;
        if (!tk.SlaBreached && sla < oldSla)
        {
            _timers.Push(new TimerEntry(sla, id, TimerKind.Sla));
        }
    }

    private void ApplyCalled(in LobbyEvent e)
    {
        int id = e.Ticket;
        ref TicketRecord tk = ref _tickets[id];
        int ci = CounterIndex(e.Counter);
        if (e.AsTicketCalled().Source == CallSource.Next && _counters[ci].Mode == CounterMode.Weighted)
        {
            // Smooth weighted round robin: every service with someone waiting earns its weight, the one called
            // pays the total. Done here, before the ticket leaves its lane, so replay sees the same candidates.
            IReadOnlyList<ServiceWeight> list = _counters[ci].Services;
            int[] credit = _weightCredit[ci];
            int total = 0;
            int picked = -1;
            for (int j = 0; j < list.Count; j++)
            {
                if (_waiting[list[j].Service] > 0)
                {
                    credit[j] += list[j].Weight;
                    total += list[j].Weight;
                }

                if (list[j].Service == tk.Service)
                {
                    picked = j;
                }
            }

            if (picked >= 0)
            {
                credit[picked] -= total;
            }
        }

        NoteCalled(ref tk, e.AsTicketCalled().Source, e.TimeTicks);
        CloseCareWait(ref tk, e.TimeTicks);
        Detach(ref tk, id);
        CancelTimers(id);
        _rates[tk.Service].Backlogged = _waiting[tk.Service] > 0;
        tk.State = TicketState.Called;
        tk.Counter = e.Counter;
        tk.CalledTicks = e.TimeTicks;
        tk.Recalls = 0;
        tk.PredictionPending = false;
        _counterState[ci].Current = id;
        _calls[tk.Service]++;
        NoteRecentCall(id, e.Counter, e.TimeTicks, 0);
    }

    /// <summary>
    /// Puts a ticket into its lane at a position from the front (clamped), counts it waiting since
    /// <paramref name="queuedTicks"/> and (unless it never stopped waiting) arms its timers.
    /// </summary>
    private void Enqueue(int id, int position, long t, long queuedTicks, bool armTimers = true)
    {
        ref TicketRecord tk = ref _tickets[id];
        tk.State = TicketState.Waiting;
        tk.Counter = 0;
        tk.QueuedTicks = queuedTicks;
        int lane = LaneOf(in tk);
        tk.Lane = (byte)lane;
        LinkInLane((tk.Service * LaneCount) + lane, id, position);
        if (++_waiting[tk.Service] == 1)
        {
            InvalidateCapacityOfNeighbours(tk.Service);
        }

        _waitingByTier[(tk.Service * LaneCount) + (int)tk.Tier]++;

        // Back in a queue past its care threshold without care: uncared again (recovery, transfer, divert).
        if (tk.CarePast && tk.CareGiven == 0)
        {
            _care[tk.Service].UncaredWaiting++;
        }
        else
        {
            NoteCarePast(ref tk, t);
        }

        if (!armTimers)
        {
            return;
        }

        // Care and SLA clocks run from the original issue; a ticket back in the queue after its due time is
        // alerted at the next tick.
        if (tk.NextCareTicks > 0)
        {
            _timers.Push(new TimerEntry(tk.NextCareTicks, id, TimerKind.Care));
        }

        if (!tk.SlaBreached)
        {
            _timers.Push(new TimerEntry(tk.IssuedTicks + _services[tk.Service].SlaTarget.Ticks, id, TimerKind.Sla));
        }
    }

    /// <summary>Takes a ticket out of whatever list holds it: its lane, the no-show list, a counter's parked list or a counter.</summary>
    private void Detach(ref TicketRecord tk, int id)
    {
        switch (tk.State)
        {
            case TicketState.Waiting:
                UnlinkFromLane((tk.Service * LaneCount) + tk.Lane, id);
                if (--_waiting[tk.Service] == 0)
                {
                    _rates[tk.Service].Backlogged = false;
                    InvalidateCapacityOfNeighbours(tk.Service);
                }

                _waitingByTier[(tk.Service * LaneCount) + (int)tk.Tier]--;
                if (tk.CarePast && tk.CareGiven == 0)
                {
                    _care[tk.Service].UncaredWaiting--;
                }

                break;
            case TicketState.NoShow:
                Unlink(ref _noShows[tk.Service], id);
                break;
            case TicketState.Parked:
                Unlink(ref _counterState[CounterIndex(tk.Counter)].Parked, id);
                break;
            case TicketState.Called:
            case TicketState.Serving:
                ReleaseFromCounter(ref tk, id);
                break;
            default:
                break;
        }
    }

    /// <summary>Moves a waiting ticket into the lane its tier and SLA state give, at a position from the front.</summary>
    private void MoveToLane(int id, int position)
    {
        ref TicketRecord tk = ref _tickets[id];
        UnlinkFromLane((tk.Service * LaneCount) + tk.Lane, id);
        int lane = LaneOf(in tk);
        tk.Lane = (byte)lane;
        LinkInLane((tk.Service * LaneCount) + lane, id, position);
    }

    /// <summary>
    /// Marks a waiting ticket past its care threshold when it is by <paramref name="t"/> (the first care alert
    /// marks it too, see <see cref="MarkCarePast"/>). Reads only the event's time and the state, so replay agrees.
    /// </summary>
    private void NoteCarePast(ref TicketRecord tk, long t)
    {
        if (!tk.CarePast && tk.State == TicketState.Waiting && IsPastCare(in tk, t))
        {
            MarkCarePast(ref tk);
        }
    }

    /// <summary>The ticket joins the care KPI's population; waiting without care, it counts as uncared.</summary>
    private void MarkCarePast(ref TicketRecord tk)
    {
        if (tk.CarePast)
        {
            return;
        }

        tk.CarePast = true;
        if (tk.State == TicketState.Waiting && tk.CareGiven == 0)
        {
            _care[tk.Service].UncaredWaiting++;
        }
    }

    /// <summary>
    /// A waiting ticket leaves the queue (called, cancelled, abandoned, the day closed): the first time it does so
    /// past its care threshold it is decided for the care KPI, covered when it had any care. A pending alert is
    /// void once it stops waiting.
    /// </summary>
    private void CloseCareWait(ref TicketRecord tk, long t)
    {
        NoteCarePast(ref tk, t);
        if (tk.CarePast && !tk.CareDecided)
        {
            tk.CareDecided = true;
            ref CareTally care = ref _care[tk.Service];
            care.Decided++;
            if (tk.CareGiven > 0)
            {
                care.Covered++;
            }
        }

        tk.CareAlertTicks = 0;
    }

    private void ReleaseFromCounter(ref TicketRecord tk, int id)
    {
        int ci = CounterIndex(tk.Counter);
        if (ci >= 0 && _counterState[ci].Current == id)
        {
            _counterState[ci].Current = -1;
        }
    }

    private void ObserveServiceTime(int service, long ms)
    {
        // Exponentially weighted mean and variance: recent customers count most, and the day's first
        // customers move the seeded figure quickly.
        const double Alpha = 0.15;
        double diff = ms - _meanServiceMs[service];
        _meanServiceMs[service] += Alpha * diff;
        _varServiceMs[service] = (1 - Alpha) * (_varServiceMs[service] + (Alpha * diff * diff));
    }

    private void NoteRecentCall(int ticket, int counter, long t, int recalls)
    {
        ref TicketRecord tk = ref _tickets[ticket];
        _recent[_recentHead] = new RecentCall(ticket, tk.NumberService, tk.Number, counter, t, recalls);
        _recentHead = (_recentHead + 1) % _recent.Length;
        _recentCount = Math.Min(_recentCount + 1, _recent.Length);
    }

    private void ResetDay()
    {
        for (int i = 0; i < _ticketCount; i++)
        {
            _tickets[i] = default;
        }

        _ticketCount = 0;
        Array.Fill(_lanes, Lane.Empty);
        _laneIndex.Clear();
        InvalidateCapacity();
        Array.Fill(_noShows, Lane.Empty);
        Array.Clear(_waitingByTier);
        Array.Clear(_waiting);
        Array.Clear(_issued);
        Array.Clear(_calls);
        Array.Clear(_counterStateMs);
        Array.Clear(_care);
        Array.Clear(_ratingsByService);
        Array.Clear(_ratingsByCounter);
        for (int s = 0; s < _services.Length; s++)
        {
            _lastNumber[s] = 0;
            Array.Fill(_ticketByNumber[s], -1);
            double seed = _services[s].SeedServiceTime.TotalMilliseconds;
            _meanServiceMs[s] = seed;
            _varServiceMs[s] = seed * seed / 4;
            _rates[s] = ServiceRates.Fresh(seed);
        }

        for (int c = 0; c < _counterState.Length; c++)
        {
            ref CounterRecord cr = ref _counterState[c];
            cr.Current = -1;
            cr.LastNoShow = -1;
            cr.LastFinished = -1;
            cr.LastFinishedTicks = 0;
            cr.Parked = Lane.Empty;
            Array.Clear(_weightCredit[c]);
        }

        _timers.Clear();
        _recentCount = 0;
        _recentHead = 0;
        ResetAdvice();
    }

    /// <summary>Appends a ticket at the end of <paramref name="lane"/>.</summary>
    private void LinkLast(ref Lane lane, int id)
    {
        ref TicketRecord tk = ref _tickets[id];
        tk.Prev = lane.Tail;
        tk.Next = -1;
        if (lane.Tail >= 0)
        {
            _tickets[lane.Tail].Next = id;
        }
        else
        {
            lane.Head = id;
        }

        lane.Tail = id;
        lane.Count++;
    }

    /// <summary>Inserts a ticket into <paramref name="lane"/> just before <paramref name="before"/>, a ticket in it.</summary>
    private void LinkBefore(ref Lane lane, int id, int before)
    {
        ref TicketRecord tk = ref _tickets[id];
        int after = _tickets[before].Prev;
        tk.Prev = after;
        tk.Next = before;
        _tickets[before].Prev = id;
        if (after >= 0)
        {
            _tickets[after].Next = id;
        }
        else
        {
            lane.Head = id;
        }

        lane.Count++;
    }

    /// <summary>
    /// Inserts a ticket into a waiting lane (<c>service * 3 + lane</c>) at <paramref name="position"/> places from
    /// the front, clamped to the end: the ticket it goes before is found in the lane's <see cref="LaneIndex"/>
    /// (O(log n)), never by walking the lane.
    /// </summary>
    private void LinkInLane(int laneIndex, int id, int position)
    {
        ref Lane lane = ref _lanes[laneIndex];
        position = Math.Clamp(position, 0, lane.Count);
        if (position == lane.Count)
        {
            LinkLast(ref lane, id);
        }
        else
        {
            LinkBefore(ref lane, id, _laneIndex.TicketAt(laneIndex, position));
        }

        _laneIndex.Insert(laneIndex, id, position, _tickets[id].IssuedTicks);
    }

    /// <summary>Takes a ticket out of a waiting lane (<c>service * 3 + lane</c>) and its index.</summary>
    private void UnlinkFromLane(int laneIndex, int id)
    {
        Unlink(ref _lanes[laneIndex], id);
        _laneIndex.Remove(laneIndex, id);
    }

    /// <summary>Disarms every timer of a ticket: it left the state they were for (called, cancelled, abandoned).</summary>
    private void CancelTimers(int id)
    {
        _timers.Cancel(id, TimerKind.Care);
        _timers.Cancel(id, TimerKind.Sla);
        _timers.Cancel(id, TimerKind.NoShowExpiry);
    }

    private void Unlink(ref Lane lane, int id)
    {
        ref TicketRecord tk = ref _tickets[id];
        if (tk.Prev >= 0)
        {
            _tickets[tk.Prev].Next = tk.Next;
        }
        else
        {
            lane.Head = tk.Next;
        }

        if (tk.Next >= 0)
        {
            _tickets[tk.Next].Prev = tk.Prev;
        }
        else
        {
            lane.Tail = tk.Prev;
        }

        tk.Prev = -1;
        tk.Next = -1;
        lane.Count--;
    }
}
