using LobbyEdge.Engine;

namespace LobbyEdge.TestSupport.Baseline;

/// <summary>
/// The comparison point for the engine: a lobby queue written the way most queue systems are written. Tickets
/// are class objects in a <see cref="List{T}"/>, the waiting queue is a list searched and sorted with LINQ on
/// every call, ticket numbers are strings (<c>A023</c>), every change allocates an event object, and the timer
/// tick scans every waiting ticket. It takes the same <see cref="BranchConfig"/> and the same
/// <see cref="Command"/> stream as <see cref="QueueEngine"/> and makes the same decisions (the full-day benchmark
/// checks that command by command); what differs is only the design.
/// </summary>
/// <remarks>
/// Not a strawman: no sleeps, no needless copies, no exceptions for refusals, no serialisation. It is what a
/// competent developer writes first when a lobby of a few hundred customers "is small enough for LINQ".
/// </remarks>
public sealed class BaselineQueue
{
    private readonly BranchConfig _config;
    private readonly List<Ticket> _tickets = [];      // every ticket of the business day, in issue order
    private readonly List<Ticket> _queue = [];        // waiting tickets, front first (per service and tier)
    private readonly List<Counter> _counters;
    private readonly List<ServiceDay> _services;
    private readonly List<string> _recentCalls = [];  // "A023 -> 3", newest first, for the main display
    private long _sequence;
    private bool _dayOpen;
    private DateOnly? _businessDate;
    private DateTime _closeUtc;
    private DateTime _cutoffUtc;

    public BaselineQueue(BranchConfig config)
    {
        _config = config;
        _counters = config.Counters.Select(c => new Counter(c)).ToList();
        _services = config.Services.Select(s => new ServiceDay(s)).ToList();
    }

    public bool IsDayOpen => _dayOpen;

    public IReadOnlyList<Ticket> Tickets => _tickets;

    public IReadOnlyList<string> RecentCalls => _recentCalls;

    public int WaitingCount(int service) => _queue.Count(t => t.Service == service);

    /// <summary>Carries out one command at <paramref name="now"/>.</summary>
    public BaselineResult Execute(in Command command, DateTimeOffset now)
    {
        DateTime utc = now.UtcDateTime;
        return command.Kind switch
        {
            CommandKind.OpenDay => OpenDay(utc),
            CommandKind.CloseDay => CloseDay(utc),
            CommandKind.Issue => Issue(command.Service, command.Tier, utc),
            CommandKind.CallNext => CallNext(command.Counter, utc),
            CommandKind.Recall => Recall(command.Counter, utc),
            CommandKind.Start => Start(command.Counter, utc),
            CommandKind.Finish => Finish(command.Counter, utc),
            CommandKind.NoShow => NoShow(command.Counter, utc),
            CommandKind.Recover => Recover(command.Ticket, command.NumberService, command.Number, command.Counter, utc),
            CommandKind.Transfer => Transfer(command.Counter, command.Service, command.Placement, utc),
            CommandKind.WalkIn => WalkIn(command.Counter, command.Service, command.Tier, utc),
            CommandKind.Cancel => Cancel(command.Ticket, command.NumberService, command.Number, utc),
            CommandKind.Park => Park(command.Counter, utc),
            CommandKind.CallBack => CallBack(command.Counter, command.Ticket, utc),
            CommandKind.OpenCounter => ChangeCounter(command.Counter, CounterState.Standby, utc),
            CommandKind.CloseCounter => ChangeCounter(command.Counter, CounterState.Closed, utc),
            CommandKind.Pause => ChangeCounter(command.Counter, CounterState.Paused, utc),
            CommandKind.Away => ChangeCounter(command.Counter, CounterState.Away, utc),
            CommandKind.Resume => ChangeCounter(command.Counter, CounterState.Standby, utc, resume: true),
            CommandKind.ReportDevice => ReportDevice(command.Device, command.DeviceStatus, utc),
            _ => Refused(RefusalReason.InvalidCommand),
        };
    }

    /// <summary>The timer: opens and closes the day by the clock, then checks every waiting ticket for care and SLA.</summary>
    public BaselineResult Tick(DateTimeOffset now)
    {
        DateTime utc = now.UtcDateTime;
        var result = new BaselineResult();
        if (_config.AutoOpenClose)
        {
            if (_dayOpen && utc >= _closeUtc)
            {
                return CloseDay(utc);
            }

            if (!_dayOpen && IsOpeningTime(utc))
            {
                result = OpenDay(utc);
            }
        }

        if (!_dayOpen)
        {
            return result;
        }

        // Oldest ticket first, so that the customer who has waited longest is attended to first.
        foreach (Ticket ticket in _queue.OrderBy(t => t.Id).ToList())
        {
            ServiceConfig service = _services[ticket.Service].Config;
            if (ticket.NextCareAt is DateTime careDue && utc >= careDue)
            {
                ticket.CareAlerts++;
                if (service.CareRepeat > TimeSpan.Zero)
                {
                    DateTime next = careDue + service.CareRepeat;
                    ticket.NextCareAt = next > utc ? next : utc + service.CareRepeat;
                }
                else
                {
                    ticket.NextCareAt = null;
                }

                Raise(result, utc, "CareNeeded", ticket, count: ticket.CareAlerts, value: (long)(utc - ticket.IssuedAt).TotalMilliseconds);
            }

            if (!ticket.SlaBreached && utc >= ticket.IssuedAt + service.SlaTarget)
            {
                Tier before = ticket.EffectiveTier;
                ticket.SlaBreached = true;
                if (ticket.EffectiveTier != before)
                {
                    // Anti-starvation: a normal ticket past its SLA is called as priority, placed by its issue time.
                    _queue.Remove(ticket);
                    List<Ticket> lane = Lane(ticket.Service, ticket.EffectiveTier);
                    InsertIntoLane(ticket, lane, lane.TakeWhile(t => t.IssuedAt <= ticket.IssuedAt).Count());
                }

                Raise(result, utc, "SlaBreached", ticket, value: (long)(utc - ticket.IssuedAt).TotalMilliseconds);
            }
        }

        List<Ticket> expired = _tickets
            .Where(t => t.State == TicketState.NoShow && utc >= t.NoShowAt!.Value + _services[t.Service].Config.ToleranceTime)
            .ToList();
        foreach (Ticket ticket in expired)
        {
            Abandon(result, ticket, AbandonReason.NoShowExpired, RefusalReason.ToleranceMinutesExceeded, utc);
        }

        return result;
    }

    public BaselineResult OpenDay(DateTime now)
    {
        if (_dayOpen)
        {
            return Refused(RefusalReason.DayAlreadyOpen);
        }

        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, _config.TimeZone));
        if (_businessDate is DateOnly last && date <= last)
        {
            return Refused(RefusalReason.DayAlreadyClosed);
        }

        DateTime close = BusinessCalendar.ToUtc(_config.TimeZone, date, _config.CloseTime);
        if (now >= close)
        {
            return Refused(RefusalReason.TicketingClosed);
        }

        _tickets.Clear();
        _queue.Clear();
        _recentCalls.Clear();
        foreach (ServiceDay service in _services)
        {
            service.LastNumber = 0;
            service.Issued = 0;
            service.Calls = 0;
        }

        foreach (Counter counter in _counters)
        {
            counter.Current = null;
            counter.LastNoShow = null;
            counter.Parked.Clear();
            counter.TimeInState.Clear();
            Array.Clear(counter.Credits);
            counter.StateSince = now;
        }

        _dayOpen = true;
        _businessDate = date;
        _closeUtc = close;
        _cutoffUtc = close - _config.TicketingCutoff;

        var result = new BaselineResult();
        Raise(result, now, "DayOpened", detail: date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        foreach (Counter counter in _counters.Where(c => c.Config.OpenAtDayStart))
        {
            SetCounterState(result, counter, CounterState.Standby, now);
        }

        return result;
    }

    public BaselineResult CloseDay(DateTime now)
    {
        if (!_dayOpen)
        {
            return Refused(RefusalReason.DayNotOpen);
        }

        var result = new BaselineResult();
        foreach (Ticket ticket in _tickets)
        {
            switch (ticket.State)
            {
                case TicketState.Waiting:
                    Abandon(result, ticket, AbandonReason.WaitingAtClose, RefusalReason.None, now);
                    break;
                case TicketState.Parked:
                    Abandon(result, ticket, AbandonReason.ParkedAtClose, RefusalReason.None, now);
                    break;
                case TicketState.NoShow:
                    Abandon(result, ticket, AbandonReason.NoShowAtClose, RefusalReason.None, now);
                    break;
                case TicketState.Called:
                    Abandon(result, ticket, AbandonReason.CalledAtClose, RefusalReason.None, now);
                    break;
                case TicketState.Serving:
                    Complete(result, ticket, now);
                    break;
                default:
                    break;
            }
        }

        foreach (Counter counter in _counters)
        {
            SetCounterState(result, counter, CounterState.Closed, now);
        }

        Raise(result, now, "DayClosed");
        _dayOpen = false;
        return result;
    }

    public BaselineResult Issue(int service, Tier tier, DateTime now)
    {
        BaselineResult? refused = CheckIssue(service, tier, now, walkIn: false);
        if (refused != null)
        {
            return refused;
        }

        string? number = NextNumber(_services[service], out int value);
        if (number == null)
        {
            return Refused(RefusalReason.NumbersExhausted);
        }

        (int ahead, long typical, long upper) = Predict(service, tier);
        Ticket ticket = NewTicket(service, tier, number, value, now);
        ticket.PredictedWaitMs = typical >= 0 ? typical : null;

        var result = new BaselineResult { Ticket = ticket, PeopleAhead = ahead, TypicalWaitMs = typical, UpperWaitMs = upper };
        Raise(result, now, "TicketIssued", ticket, count: ahead, value: typical);
        return result;
    }

    public BaselineResult CallNext(int counterNumber, DateTime now)
    {
        Counter? counter = FindCallingCounter(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        Ticket? next = PickNext(counter);
        Ticket? current = counter.Current;
        if (current == null && next == null)
        {
            return Refused(RefusalReason.NothingWaiting);
        }

        var result = new BaselineResult();
        if (current != null)
        {
            // Calling next ends the current ticket: served, or a no-show for a button-only caller that never started it.
            if (current.State == TicketState.Called && counter.Config.ButtonOnly)
            {
                MarkNoShow(result, counter, current, now);
            }
            else
            {
                Complete(result, current, now);
            }
        }

        if (next == null)
        {
            SetCounterState(result, counter, CounterState.Standby, now);
            return result;
        }

        SetCounterState(result, counter, CounterState.Serving, now);
        CallTicket(result, counter, next, CallSource.Next, now);
        result.Ticket = next;
        return result;
    }

    public BaselineResult Recall(int counterNumber, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        Ticket ticket = counter.Current!;
        if (ticket.State != TicketState.Called)
        {
            return Refused(RefusalReason.WrongTicketState);
        }

        var result = new BaselineResult { Ticket = ticket };
        if (ticket.Recalls >= _services[ticket.Service].Config.MaxRecalls)
        {
            MarkNoShow(result, counter, ticket, now);
            SetCounterState(result, counter, CounterState.Standby, now);
            return result;
        }

        ticket.Recalls++;
        NoteRecentCall(ticket, counter);
        Raise(result, now, "TicketRecalled", ticket, counter.Number, count: ticket.Recalls);
        return result;
    }

    public BaselineResult Start(int counterNumber, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        Ticket ticket = counter.Current!;
        if (ticket.State != TicketState.Called)
        {
            return Refused(RefusalReason.WrongTicketState);
        }

        var result = new BaselineResult { Ticket = ticket };
        ticket.State = TicketState.Serving;
        ticket.StartedAt = now;
        Raise(result, now, "TicketStarted", ticket, counter.Number);
        return result;
    }

    public BaselineResult Finish(int counterNumber, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        var result = new BaselineResult { Ticket = counter.Current };
        Complete(result, counter.Current!, now);
        SetCounterState(result, counter, CounterState.Standby, now);
        return result;
    }

    public BaselineResult NoShow(int counterNumber, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        Ticket ticket = counter.Current!;
        if (ticket.State != TicketState.Called)
        {
            return Refused(RefusalReason.WrongTicketState);
        }

        var result = new BaselineResult { Ticket = ticket };
        MarkNoShow(result, counter, ticket, now);
        SetCounterState(result, counter, CounterState.Standby, now);
        return result;
    }

    public BaselineResult Recover(int ticketId, int numberService, int number, int counterNumber, DateTime now)
    {
        if (!_dayOpen)
        {
            return Refused(RefusalReason.DayNotOpen);
        }

        Ticket? ticket;
        if (ticketId >= 0)
        {
            ticket = _tickets.FirstOrDefault(t => t.Id == ticketId);
        }
        else if (numberService >= 0)
        {
            ticket = FindByNumber(numberService, number);
        }
        else if (counterNumber > 0)
        {
            Counter? counter = _counters.FirstOrDefault(c => c.Number == counterNumber);
            if (counter == null)
            {
                return Refused(RefusalReason.UnknownCounter);
            }

            ticket = counter.LastNoShow;
        }
        else
        {
            ticket = null;
        }

        if (ticket == null)
        {
            return Refused(RefusalReason.UnknownTicket);
        }

        if (ticket.State != TicketState.NoShow && ticket.ExpiredBy == RefusalReason.None)
        {
            return Refused(RefusalReason.TicketNotNoShow);
        }

        ServiceConfig service = _services[ticket.Service].Config;
        RefusalReason outside = RefusalReason.None;
        if (ticket.State != TicketState.NoShow)
        {
            outside = ticket.ExpiredBy;
        }
        else if (ticket.Recoveries >= service.MaxRecoveries)
        {
            outside = RefusalReason.MaxRecoveriesReached;
        }
        else if (_services[ticket.Service].Calls - ticket.NoShowCallMark > service.ToleranceCalls)
        {
            outside = RefusalReason.ToleranceCallsExceeded;
        }
        else if (now - ticket.NoShowAt!.Value > service.ToleranceTime)
        {
            outside = RefusalReason.ToleranceMinutesExceeded;
        }

        if (outside != RefusalReason.None)
        {
            BaselineResult refusal = Refused(outside);
            refusal.Ticket = ticket;
            Raise(refusal, now, "RecoveryRefused", ticket, detail: outside.ToString());
            return refusal;
        }

        int position = Math.Min(service.RecoverOffset, Lane(ticket.Service, ticket.EffectiveTier).Count);
        var result = new BaselineResult { Ticket = ticket };
        ticket.Recoveries++;
        Enqueue(ticket, position, now);
        Raise(result, now, "TicketRecovered", ticket, count: position);
        return result;
    }

    public BaselineResult Transfer(int counterNumber, int service, Placement placement, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        if (service < 0 || service >= _services.Count)
        {
            return Refused(RefusalReason.UnknownService);
        }

        Ticket ticket = counter.Current!;
        if (ticket.Service == service)
        {
            return Refused(RefusalReason.SameService);
        }

        if (placement is Placement.Default or > Placement.ByAge)
        {
            placement = _services[service].Config.TransferPlacement;
        }

        List<Ticket> lane = Lane(service, ticket.EffectiveTier);
        int position = placement switch
        {
            Placement.Front => 0,
            Placement.End => lane.Count,
            _ => lane.TakeWhile(t => t.IssuedAt <= ticket.IssuedAt).Count(),
        };

        var result = new BaselineResult { Ticket = ticket };
        int from = ticket.Service;
        counter.Current = null;
        ticket.Service = service;
        ticket.Recalls = 0;
        Enqueue(ticket, position, now);
        Raise(result, now, "TicketTransferred", ticket, counterNumber, count: position, detail: $"{_services[from].Config.Id} -> {_services[service].Config.Id}");
        SetCounterState(result, counter, CounterState.Standby, now);
        return result;
    }

    public BaselineResult WalkIn(int counterNumber, int service, Tier tier, DateTime now)
    {
        Counter? counter = FindCallingCounter(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        if (counter.Current != null)
        {
            return Refused(RefusalReason.CounterBusy);
        }

        // A walk-in is served where it walked in: the counter must serve the service (found by the oracle tests).
        if (service >= 0 && service < _services.Count && !counter.Config.Services.Any(w => w.Service == service))
        {
            return Refused(RefusalReason.ServiceNotServedHere);
        }

        refused = CheckIssue(service, tier, now, walkIn: true);
        if (refused != null)
        {
            return refused;
        }

        string? number = NextNumber(_services[service], out int value);
        if (number == null)
        {
            return Refused(RefusalReason.NumbersExhausted);
        }

        Ticket ticket = NewTicket(service, tier, number, value, now);
        var result = new BaselineResult { Ticket = ticket };
        Raise(result, now, "TicketIssued", ticket, detail: "walk-in");
        SetCounterState(result, counter, CounterState.Serving, now);
        CallTicket(result, counter, ticket, CallSource.WalkIn, now);
        ticket.State = TicketState.Serving;
        ticket.StartedAt = now;
        Raise(result, now, "TicketStarted", ticket, counterNumber);
        return result;
    }

    public BaselineResult Cancel(int ticketId, int numberService, int number, DateTime now)
    {
        if (!_dayOpen)
        {
            return Refused(RefusalReason.DayNotOpen);
        }

        Ticket? ticket = ticketId >= 0 ? _tickets.FirstOrDefault(t => t.Id == ticketId) : FindByNumber(numberService, number);
        if (ticket == null)
        {
            return Refused(RefusalReason.UnknownTicket);
        }

        if (ticket.State is not (TicketState.Waiting or TicketState.Parked))
        {
            return Refused(RefusalReason.TicketNotWaiting);
        }

        var result = new BaselineResult { Ticket = ticket };
        Raise(result, now, "TicketCancelled", ticket, ticket.Counter ?? 0);
        Detach(ticket);
        ticket.State = TicketState.Cancelled;
        return result;
    }

    public BaselineResult Park(int counterNumber, DateTime now)
    {
        Counter? counter = FindCurrentTicket(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        Ticket ticket = counter.Current!;
        var result = new BaselineResult { Ticket = ticket };
        counter.Current = null;
        ticket.State = TicketState.Parked;
        ticket.Counter = counter.Number;
        counter.Parked.Add(ticket);
        Raise(result, now, "TicketParked", ticket, counter.Number);
        SetCounterState(result, counter, CounterState.Standby, now);
        return result;
    }

    public BaselineResult CallBack(int counterNumber, int ticketId, DateTime now)
    {
        Counter? counter = FindCallingCounter(counterNumber, out BaselineResult? refused);
        if (counter == null)
        {
            return refused!;
        }

        if (counter.Current != null)
        {
            return Refused(RefusalReason.CounterBusy);
        }

        Ticket? ticket;
        if (ticketId >= 0)
        {
            ticket = _tickets.FirstOrDefault(t => t.Id == ticketId);
            if (ticket == null)
            {
                return Refused(RefusalReason.UnknownTicket);
            }
        }
        else
        {
            ticket = counter.Parked.FirstOrDefault();
            if (ticket == null)
            {
                return Refused(RefusalReason.NoParkedTicket);
            }
        }

        if (ticket.State != TicketState.Parked)
        {
            return Refused(RefusalReason.NoParkedTicket);
        }

        var result = new BaselineResult { Ticket = ticket };
        SetCounterState(result, counter, CounterState.Serving, now);
        CallTicket(result, counter, ticket, CallSource.CallBack, now);
        return result;
    }

    public BaselineResult ChangeCounter(int counterNumber, CounterState target, DateTime now, bool resume = false)
    {
        if (!_dayOpen)
        {
            return Refused(RefusalReason.DayNotOpen);
        }

        Counter? counter = _counters.FirstOrDefault(c => c.Number == counterNumber);
        if (counter == null)
        {
            return Refused(RefusalReason.UnknownCounter);
        }

        if (counter.Current != null)
        {
            return Refused(RefusalReason.CounterBusy);
        }

        if (counter.State == target)
        {
            return Refused(RefusalReason.AlreadyInState);
        }

        // Log-in only from closed, pause and away only when logged in, resume only from pause or away (the
        // engine's rule; found by the oracle tests: Standby is both a log-in's and a resume's target).
        bool allowed = (target, resume) switch
        {
            (CounterState.Standby, false) => counter.State == CounterState.Closed,
            (CounterState.Standby, true) => counter.State is CounterState.Paused or CounterState.Away,
            (CounterState.Paused, _) => counter.State is CounterState.Standby or CounterState.Away,
            (CounterState.Away, _) => counter.State is CounterState.Standby or CounterState.Paused,
            _ => true,
        };
        if (!allowed)
        {
            return Refused(RefusalReason.CounterNotCalling);
        }

        var result = new BaselineResult();
        SetCounterState(result, counter, target, now);
        return result;
    }

    public BaselineResult ReportDevice(int device, DeviceStatus status, DateTime now)
    {
        if (device < 0 || status > DeviceStatus.Error)
        {
            return Refused(RefusalReason.InvalidCommand);
        }

        var result = new BaselineResult();
        Raise(result, now, "DeviceStatusChanged", detail: $"device {device}: {status}");
        return result;
    }

    private bool IsOpeningTime(DateTime now)
    {
        DateTime local = TimeZoneInfo.ConvertTimeFromUtc(now, _config.TimeZone);
        var date = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);
        return (_businessDate == null || date > _businessDate) && time >= _config.OpenTime && time < _config.CloseTime;
    }

    private BaselineResult? CheckIssue(int service, Tier tier, DateTime now, bool walkIn)
    {
        if (!_dayOpen)
        {
            return Refused(RefusalReason.DayNotOpen);
        }

        if (service < 0 || service >= _services.Count)
        {
            return Refused(RefusalReason.UnknownService);
        }

        if (tier > Tier.Vip)
        {
            return Refused(RefusalReason.InvalidCommand);
        }

        ServiceDay day = _services[service];
        if (!walkIn && now >= _cutoffUtc)
        {
            return Refused(RefusalReason.TicketingClosed);
        }

        if (!walkIn && day.Config.DailyCap > 0 && day.Issued >= day.Config.DailyCap)
        {
            return Refused(RefusalReason.DailyCapReached);
        }

        if (_tickets.Count >= _config.MaxTicketsPerDay)
        {
            return Refused(RefusalReason.CapacityExhausted);
        }

        return null;
    }

    /// <summary>The next number of a service, wrapping at the end of its range and skipping numbers still in use.</summary>
    private string? NextNumber(ServiceDay service, out int value)
    {
        ServiceConfig config = service.Config;
        int candidate = service.LastNumber;
        for (int tries = 0; tries <= config.LastNumber - config.FirstNumber; tries++)
        {
            candidate = candidate >= config.LastNumber || candidate < config.FirstNumber ? config.FirstNumber : candidate + 1;
            string text = FormatNumber(config, candidate);
            if (!_tickets.Any(t => t.Number == text && t.IsLive))
            {
                value = candidate;
                return text;
            }
        }

        value = 0;
        return null;
    }

    private Ticket NewTicket(int service, Tier tier, string number, int value, DateTime now)
    {
        ServiceDay day = _services[service];
        var ticket = new Ticket
        {
            Id = _tickets.Count,
            Number = number,
            NumberValue = value,
            NumberService = service,
            Service = service,
            Tier = tier,
            State = TicketState.Waiting,
            IssuedAt = now,
            QueuedAt = now,
            NextCareAt = now + day.Config.CareThreshold,
        };
        _tickets.Add(ticket);
        _queue.Add(ticket);   // the end of its lane
        day.LastNumber = value;
        day.Issued++;
        return ticket;
    }

    /// <summary>People ahead and a predicted wait (typical and upper, ms; -1 when no counter serves the service).</summary>
    private (int Ahead, long Typical, long Upper) Predict(int service, Tier tier)
    {
        int ahead = _queue.Count(t => t.Service == service && t.EffectiveTier >= tier);
        double open = _counters.Where(c => c.CanCall).Sum(c => ShareOf(c, service));
        double standing = _counters.Where(c => c.State is CounterState.Paused or CounterState.Away).Sum(c => ShareOf(c, service));
        double counters = open > 0 ? open : standing;
        if (counters <= 0)
        {
            return (ahead, -1, -1);
        }

        // Recent service times: the last 20 customers served in this service, or the configured seed.
        List<double> recent = _tickets
            .Where(t => t.Service == service && t.State == TicketState.Completed)
            .Select(t => t.ServiceTime.TotalMilliseconds)
            .TakeLast(20)
            .ToList();
        double seed = _services[service].Config.SeedServiceTime.TotalMilliseconds;
        double mean = recent.Count > 0 ? recent.Average() : seed;
        double std = recent.Count > 1 ? Math.Sqrt(recent.Sum(x => (x - mean) * (x - mean)) / recent.Count) : seed / 2;
        long typical = (long)(ahead * mean / counters);
        long upper = (long)((ahead + Math.Ceiling(counters)) * (mean + std) / counters);
        return (ahead, typical, upper);
    }

    private double ShareOf(Counter counter, int service)
    {
        ServiceWeight? own = counter.Config.Services.Where(s => s.Service == service).Select(s => (ServiceWeight?)s).FirstOrDefault();
        if (own == null)
        {
            return 0;
        }

        int total = counter.Config.Services
            .Where(s => s.Service == service || _queue.Any(t => t.Service == s.Service))
            .Sum(s => s.Weight);
        return (double)own.Value.Weight / total;
    }

    private Ticket? PickNext(Counter counter)
    {
        IReadOnlyList<ServiceWeight> services = counter.Config.Services;
        switch (counter.Config.Mode)
        {
            case CounterMode.LongestWait:
                return services
                    .Select(s => HeadOf(s.Service))
                    .Where(t => t != null)
                    .OrderBy(t => t!.QueuedAt)
                    .FirstOrDefault();

            case CounterMode.Weighted:
                // Smooth weighted round robin: the service with the most credit plus weight goes next.
                int best = services
                    .Select((s, j) => (Index: j, Score: counter.Credits[j] + s.Weight, Waiting: _queue.Any(t => t.Service == s.Service)))
                    .Where(x => x.Waiting)
                    .OrderByDescending(x => x.Score)
                    .Select(x => x.Index)
                    .DefaultIfEmpty(-1)
                    .First();
                return best < 0 ? null : HeadOf(services[best].Service);

            default:
                return services.Select(s => HeadOf(s.Service)).FirstOrDefault(t => t != null);
        }
    }

    /// <summary>The ticket a service calls next: VIP first, then priority (including starved normals), then queue order.</summary>
    private Ticket? HeadOf(int service) =>
        _queue.Where(t => t.Service == service).OrderByDescending(t => t.EffectiveTier).FirstOrDefault();

    private List<Ticket> Lane(int service, Tier tier) =>
        _queue.Where(t => t.Service == service && t.EffectiveTier == tier).ToList();

    private void CallTicket(BaselineResult result, Counter counter, Ticket ticket, CallSource source, DateTime now)
    {
        if (source == CallSource.Next && counter.Config.Mode == CounterMode.Weighted)
        {
            // Every service with someone waiting earns its weight; the one called pays the total.
            IReadOnlyList<ServiceWeight> services = counter.Config.Services;
            int total = 0;
            for (int j = 0; j < services.Count; j++)
            {
                if (_queue.Any(t => t.Service == services[j].Service))
                {
                    counter.Credits[j] += services[j].Weight;
                    total += services[j].Weight;
                }
            }

            int picked = services.ToList().FindIndex(s => s.Service == ticket.Service);
            if (picked >= 0)
            {
                counter.Credits[picked] -= total;
            }
        }

        long? wait = source == CallSource.CallBack ? null : (long)(now - ticket.QueuedAt).TotalMilliseconds;
        long? predictionError = ticket.PredictedWaitMs is long predicted ? (long)(now - ticket.IssuedAt).TotalMilliseconds - predicted : null;
        Detach(ticket);
        ticket.State = TicketState.Called;
        ticket.Counter = counter.Number;
        ticket.CalledAt = now;
        ticket.Recalls = 0;
        ticket.PredictedWaitMs = null;
        ticket.LastPredictionErrorMs = predictionError;
        counter.Current = ticket;
        ServiceDay service = _services[ticket.Service];
        service.Calls++;
        NoteRecentCall(ticket, counter);
        Raise(result, now, "TicketCalled", ticket, counter.Number, value: wait, detail: source.ToString());

        // A call of the service may take no-shows past their tolerance of calls.
        List<Ticket> expired = _tickets
            .Where(t => t.State == TicketState.NoShow && t.Service == ticket.Service && service.Calls - t.NoShowCallMark > service.Config.ToleranceCalls)
            .ToList();
        foreach (Ticket noShow in expired)
        {
            Abandon(result, noShow, AbandonReason.NoShowExpired, RefusalReason.ToleranceCallsExceeded, now);
        }
    }

    private void Complete(BaselineResult result, Ticket ticket, DateTime now)
    {
        Counter? counter = _counters.FirstOrDefault(c => c.Current == ticket);
        if (ticket.State == TicketState.Called)
        {
            // Start implied by finishing: the service ran from the call.
            ticket.State = TicketState.Serving;
            ticket.StartedAt = now;
            ticket.ServiceTime = now - ticket.CalledAt!.Value;
            Raise(result, now, "TicketStarted", ticket, counter?.Number ?? 0, detail: "implied");
        }
        else
        {
            ticket.ServiceTime = now - ticket.StartedAt!.Value;
        }

        if (counter != null)
        {
            counter.Current = null;
        }

        ticket.State = TicketState.Completed;
        ticket.CompletedAt = now;
        Raise(result, now, "TicketCompleted", ticket, counter?.Number ?? 0, value: (long)ticket.ServiceTime.TotalMilliseconds);
    }

    private void MarkNoShow(BaselineResult result, Counter counter, Ticket ticket, DateTime now)
    {
        counter.Current = null;
        counter.LastNoShow = ticket;
        ticket.State = TicketState.NoShow;
        ticket.NoShowAt = now;
        ticket.NoShowCallMark = _services[ticket.Service].Calls;
        Raise(result, now, "TicketNoShow", ticket, counter.Number, count: ticket.Recalls);
    }

    private void Abandon(BaselineResult result, Ticket ticket, AbandonReason reason, RefusalReason expiredBy, DateTime now)
    {
        Detach(ticket);
        ticket.State = TicketState.Abandoned;
        ticket.ExpiredBy = expiredBy;
        Raise(result, now, "TicketAbandoned", ticket, detail: reason.ToString());
    }

    /// <summary>Puts a ticket back into the queue <paramref name="position"/> places from the front of its lane.</summary>
    private void Enqueue(Ticket ticket, int position, DateTime now)
    {
        ticket.State = TicketState.Waiting;
        ticket.Counter = null;
        ticket.QueuedAt = now;
        InsertIntoLane(ticket, Lane(ticket.Service, ticket.EffectiveTier), position);
    }

    private void InsertIntoLane(Ticket ticket, List<Ticket> lane, int position)
    {
        if (position >= lane.Count)
        {
            _queue.Add(ticket);
        }
        else
        {
            _queue.Insert(_queue.IndexOf(lane[position]), ticket);
        }
    }

    /// <summary>Takes a ticket out of wherever it is: the queue, a counter's parked list, or a counter.</summary>
    private void Detach(Ticket ticket)
    {
        switch (ticket.State)
        {
            case TicketState.Waiting:
                _queue.Remove(ticket);
                break;
            case TicketState.Parked:
                _counters.FirstOrDefault(c => c.Number == ticket.Counter)?.Parked.Remove(ticket);
                break;
            case TicketState.Called:
            case TicketState.Serving:
                Counter? counter = _counters.FirstOrDefault(c => c.Current == ticket);
                if (counter != null)
                {
                    counter.Current = null;
                }

                break;
            default:
                break;
        }
    }

    private void SetCounterState(BaselineResult result, Counter counter, CounterState target, DateTime now)
    {
        if (counter.State == target)
        {
            return;
        }

        CounterState old = counter.State;
        TimeSpan spent = now > counter.StateSince ? now - counter.StateSince : TimeSpan.Zero;
        counter.TimeInState[old] = counter.TimeInState.GetValueOrDefault(old) + spent;
        counter.State = target;
        counter.StateSince = now;
        Raise(result, now, "CounterStateChanged", counter: counter.Number, value: (long)spent.TotalMilliseconds, detail: $"{old} -> {target}");
    }

    private void NoteRecentCall(Ticket ticket, Counter counter)
    {
        _recentCalls.Insert(0, $"{ticket.Number} -> {counter.Number}");
        if (_recentCalls.Count > _config.RecentCallCount)
        {
            _recentCalls.RemoveAt(_recentCalls.Count - 1);
        }
    }

    private Ticket? FindByNumber(int numberService, int number)
    {
        if (numberService < 0 || numberService >= _services.Count)
        {
            return null;
        }

        string text = FormatNumber(_services[numberService].Config, number);
        return _tickets.LastOrDefault(t => t.Number == text);
    }

    private Counter? FindCallingCounter(int counterNumber, out BaselineResult? refused)
    {
        Counter? counter = _counters.FirstOrDefault(c => c.Number == counterNumber);
        refused = !_dayOpen ? Refused(RefusalReason.DayNotOpen)
            : counter == null ? Refused(RefusalReason.UnknownCounter)
            : !counter.CanCall ? Refused(RefusalReason.CounterNotCalling)
            : null;
        return refused == null ? counter : null;
    }

    private Counter? FindCurrentTicket(int counterNumber, out BaselineResult? refused)
    {
        Counter? counter = FindCallingCounter(counterNumber, out refused);
        if (counter != null && counter.Current == null)
        {
            refused = Refused(RefusalReason.NoCurrentTicket);
            return null;
        }

        return counter;
    }

    private void Raise(BaselineResult result, DateTime now, string kind, Ticket? ticket = null, int counter = 0, int count = 0, long? value = null, string? detail = null) =>
        result.Events.Add(new QueueEvent
        {
            Sequence = ++_sequence,
            TimeUtc = now,
            Kind = kind,
            TicketId = ticket?.Id,
            TicketNumber = ticket?.Number,
            Service = ticket == null ? null : _services[ticket.Service].Config.Id,
            Tier = ticket?.Tier,
            Counter = counter,
            Count = count,
            Value = value,
            Detail = detail,
        });

    private static BaselineResult Refused(RefusalReason reason) => new() { Refusal = reason };

    private static string FormatNumber(ServiceConfig service, int number) =>
        service.LastNumber >= 1000 ? $"{service.Prefix}{number:D4}" : $"{service.Prefix}{number:D3}";
}

/// <summary>A customer's ticket in the baseline.</summary>
public sealed class Ticket
{
    public int Id { get; set; }

    public string Number { get; set; } = "";

    public int NumberValue { get; set; }

    public int NumberService { get; set; }

    public int Service { get; set; }

    public Tier Tier { get; set; }

    public TicketState State { get; set; }

    public DateTime IssuedAt { get; set; }

    public DateTime QueuedAt { get; set; }

    public DateTime? CalledAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime? NoShowAt { get; set; }

    public TimeSpan ServiceTime { get; set; }

    public int? Counter { get; set; }

    public int Recalls { get; set; }

    public int Recoveries { get; set; }

    public int NoShowCallMark { get; set; }

    public int CareAlerts { get; set; }

    public DateTime? NextCareAt { get; set; }

    public bool SlaBreached { get; set; }

    public RefusalReason ExpiredBy { get; set; }

    public long? PredictedWaitMs { get; set; }

    public long? LastPredictionErrorMs { get; set; }

    public Tier EffectiveTier => Tier == Tier.Normal && SlaBreached ? Tier.Priority : Tier;

    public bool IsLive => State is TicketState.Waiting or TicketState.Called or TicketState.Serving or TicketState.Parked or TicketState.NoShow;
}

/// <summary>A counter in the baseline.</summary>
public sealed class Counter(CounterConfig config)
{
    public CounterConfig Config { get; } = config;

    public int Number => Config.Number;

    public CounterState State { get; set; }

    public DateTime StateSince { get; set; }

    public Ticket? Current { get; set; }

    public Ticket? LastNoShow { get; set; }

    public List<Ticket> Parked { get; } = [];

    public int[] Credits { get; } = new int[config.Services.Count];

    public Dictionary<CounterState, TimeSpan> TimeInState { get; } = [];

    public bool CanCall => State is CounterState.Standby or CounterState.Serving;
}

/// <summary>A service's numbering and counts for the day in the baseline.</summary>
public sealed class ServiceDay(ServiceConfig config)
{
    public ServiceConfig Config { get; } = config;

    public int LastNumber { get; set; }

    public int Issued { get; set; }

    public int Calls { get; set; }
}

/// <summary>One change, as the baseline reports it.</summary>
public sealed class QueueEvent
{
    public long Sequence { get; init; }

    public DateTime TimeUtc { get; init; }

    public string Kind { get; init; } = "";

    public int? TicketId { get; init; }

    public string? TicketNumber { get; init; }

    public string? Service { get; init; }

    public Tier? Tier { get; init; }

    public int Counter { get; init; }

    public int Count { get; init; }

    public long? Value { get; init; }

    public string? Detail { get; init; }
}

/// <summary>The answer to a baseline command, with the events it produced.</summary>
public sealed class BaselineResult
{
    public RefusalReason Refusal { get; init; }

    public bool Accepted => Refusal == RefusalReason.None;

    public Ticket? Ticket { get; set; }

    public int PeopleAhead { get; init; }

    public long TypicalWaitMs { get; init; } = -1;

    public long UpperWaitMs { get; init; } = -1;

    public List<QueueEvent> Events { get; } = [];
}
