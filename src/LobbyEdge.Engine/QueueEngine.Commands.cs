namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    /// <summary>
    /// Decides a command at <paramref name="now"/>. An accepted command's events are applied and left in
    /// <see cref="LastEvents"/>; a refused one changes nothing (a refused recovery still records one
    /// <see cref="EventKind.RecoveryRefused"/> event, which changes no queue state). A command that carries a
    /// <see cref="Command.Request"/> identity, accepted or refused, ends its step with one
    /// <see cref="EventKind.RequestDecided"/> event, which changes no queue state either.
    /// </summary>
    public CommandResult Execute(in Command command, DateTimeOffset now)
    {
        _outCount = 0;
        long t = now.UtcTicks;
        CommandResult result = (uint)command.Staff > MaxStaffId ? CommandResult.Refused(RefusalReason.InvalidCommand) : command.Kind switch
        {
            CommandKind.OpenDay => OpenDay(t),
            CommandKind.CloseDay => CloseDay(t),
            CommandKind.Issue => Issue(command.Service, command.Tier, t),
            CommandKind.CallNext => CallNext(command.Counter, t),
            CommandKind.Recall => Recall(command.Counter, t),
            CommandKind.Start => Start(command.Counter, t),
            CommandKind.Finish => Finish(command.Counter, t),
            CommandKind.NoShow => NoShow(command.Counter, t),
            CommandKind.Recover => Recover(in command, t),
            CommandKind.Transfer => Transfer(command.Counter, command.Service, command.Placement, t),
            CommandKind.WalkIn => WalkIn(command.Counter, command.Service, command.Tier, t),
            CommandKind.Cancel => Cancel(in command, t),
            CommandKind.Park => Park(command.Counter, t),
            CommandKind.CallBack => CallBack(command.Counter, command.Ticket, t),
            CommandKind.OpenCounter or CommandKind.CloseCounter or CommandKind.Pause or CommandKind.Away or CommandKind.Resume =>
                ChangeCounter(command.Counter, command.Kind, t),
            CommandKind.ReportDevice => ReportDevice(command.Device, command.DeviceStatus, t),
            CommandKind.Note when !command.Request.IsNone => Ok(-1),
            CommandKind.GiveCare => GiveCare(command.Ticket, command.Staff, t),
            CommandKind.ChangeTier => ChangeTier(command.Ticket, command.Tier, command.Staff, t),
            CommandKind.Divert => Divert(command.Ticket, command.Service, command.Placement, command.Staff, t),
            CommandKind.Reprint => Reprint(command.Ticket, command.Staff, t),
            CommandKind.RequestRating => RequestRating(command.Counter, t),
            CommandKind.Rate => Rate(in command, t),
            CommandKind.Reconfigure => Reconfigure(command.Configuration, command.ConfigurationSource, t),
            CommandKind.Advise => Advise(command.Counter, command.Service, command.Advice, t),
            CommandKind.AnswerAdvice => AnswerAdvice(command.AdviceId, command.AdviceAnswer, command.Staff, t),
            CommandKind.ChooseSelfService => ChooseSelfService(command.Service, t),
            _ => CommandResult.Refused(RefusalReason.InvalidCommand),
        };
        if (!command.Request.IsNone)
        {
            EmitRequestDecided(in command, in result, t);
        }

        return result with { EventCount = _outCount };
    }

    /// <summary>Records an outside request and its outcome, after the events of its effect.</summary>
    private void EmitRequestDecided(in Command command, in CommandResult result, long t)
    {
        bool ticket = (uint)result.Ticket < (uint)_ticketCount && result.Number > 0;
        Emit(new LobbyEvent
        {
            Kind = EventKind.RequestDecided,
            A = command.Request.Id,
            B = command.Request.Fingerprint,
            Detail = (byte)command.Kind,
            Reason = (byte)result.Refusal,
            Count = _outCount,
            Ticket = ticket ? result.Ticket : -1,
            Number = ticket ? result.Number : 0,
            NumberService = (short)(ticket ? result.NumberService : -1),
            Service = (short)(ticket ? result.NumberService : -1),
            Tier = ticket ? _tickets[result.Ticket].Tier : Tier.Normal,
        }, t);
    }

    private CommandResult OpenDay(long t)
    {
        if (_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayAlreadyOpen);
        }

        // The day opens with the configuration waiting for it, if any. The business date and the hours are civil
        // time: the wall clock, not the branch clock running ahead of it.
        BranchConfig config = OpeningConfig;
        long civil = t - _clockOffsetTicks;
        DateOnly date = DateOnly.FromDateTime(BusinessCalendar.ToLocal(config.TimeZone, new DateTime(civil, DateTimeKind.Utc)));
        if (date.DayNumber <= _businessDay)
        {
            // Today's day was already held: opening again would hand out its numbers a second time.
            return CommandResult.Refused(RefusalReason.DayAlreadyClosed);
        }

        if (config.EffectiveCalendar.HoursOn(date) is not DayHours hours)
        {
            return CommandResult.Refused(RefusalReason.ClosedByCalendar);
        }

        if (civil >= BusinessCalendar.ToUtc(config.TimeZone, date, hours.Close).Ticks)
        {
            return CommandResult.Refused(RefusalReason.TicketingClosed);
        }

        if (_pending is { } pending)
        {
            EmitConfigurationChanged(pending, ConfigurationChange.TookEffect, _pendingSource, t);
        }

        Emit(new LobbyEvent { Kind = EventKind.DayOpened, A = date.DayNumber, B = _config.Version }, t);
        for (int i = 0; i < _counters.Length; i++)
        {
            if (_counters[i].OpenAtDayStart)
            {
                EmitCounterState(i, CounterState.Standby, t);
            }
        }

        return Ok(-1);
    }

    private CommandResult CloseDay(long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        for (int id = 0; id < _ticketCount; id++)
        {
            ref TicketRecord tk = ref _tickets[id];
            switch (tk.State)
            {
                case TicketState.Waiting:
                    EmitTicket(EventKind.TicketAbandoned, id, t, reason: (byte)AbandonReason.WaitingAtClose);
                    break;
                case TicketState.Parked:
                    EmitTicket(EventKind.TicketAbandoned, id, t, reason: (byte)AbandonReason.ParkedAtClose);
                    break;
                case TicketState.NoShow:
                    EmitTicket(EventKind.TicketAbandoned, id, t, reason: (byte)AbandonReason.NoShowAtClose);
                    break;
                case TicketState.Called:
                    EmitTicket(EventKind.TicketAbandoned, id, t, reason: (byte)AbandonReason.CalledAtClose, counter: tk.Counter);
                    break;
                case TicketState.Serving:
                    EmitTicket(EventKind.TicketCompleted, id, t, counter: tk.Counter, a: ElapsedMs(tk.StartedTicks, t));
                    break;
                default:
                    break;
            }
        }

        for (int i = 0; i < _counters.Length; i++)
        {
            EmitCounterState(i, CounterState.Closed, t);
        }

        Emit(new LobbyEvent { Kind = EventKind.DayClosed, A = _businessDay }, t);
        return Ok(-1);
    }

    private CommandResult Issue(int service, Tier tier, long t)
    {
        RefusalReason refusal = CheckIssue(service, tier, t, walkIn: false, out int number);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        WaitPrediction p = PredictAt(service, tier, t);
        int id = _ticketCount;
        Emit(new LobbyEvent
        {
            Kind = EventKind.TicketIssued,
            Ticket = id,
            Service = (short)service,
            NumberService = (short)service,
            Number = number,
            Tier = tier,
            Count = p.PeopleAhead,
            A = p.TypicalMs,
            B = p.UpperMs,
        }, t);
        return new CommandResult
        {
            Ticket = id,
            Number = number,
            NumberService = service,
            PeopleAhead = p.PeopleAhead,
            TypicalWaitMs = p.TypicalMs,
            UpperWaitMs = p.UpperMs,
        };
    }

    private RefusalReason CheckIssue(int service, Tier tier, long t, bool walkIn, out int number)
    {
        number = 0;
        if (!_dayOpen)
        {
            return RefusalReason.DayNotOpen;
        }

        if ((uint)service >= (uint)_services.Length)
        {
            return RefusalReason.UnknownService;
        }

        if ((uint)tier > (uint)Tier.Vip)
        {
            return RefusalReason.InvalidCommand;
        }

        ServiceConfig sc = _services[service];
        if (!walkIn)
        {
            // An unsynchronised clock decides nothing about the calendar, the cut-off included (README, "Clock policy").
            if (ClockSynchronized && t - _clockOffsetTicks >= _cutoffTicks)
            {
                return RefusalReason.TicketingClosed;
            }

            if (sc.DailyCap > 0 && _issued[service] >= sc.DailyCap)
            {
                return RefusalReason.DailyCapReached;
            }
        }

        if (_ticketCount >= _tickets.Length)
        {
            return RefusalReason.CapacityExhausted;
        }

        // Next number, wrapping at the end of the range and skipping numbers still held by a live ticket.
        int first = sc.FirstNumber;
        int size = sc.LastNumber - first + 1;
        int candidate = _lastNumber[service];
        int[] map = _ticketByNumber[service];
        for (int tries = 0; tries < size; tries++)
        {
            candidate = candidate >= sc.LastNumber || candidate < first ? first : candidate + 1;
            int holder = map[candidate - first];
            if (holder < 0 || !IsLive(_tickets[holder].State))
            {
                number = candidate;
                return RefusalReason.None;
            }
        }

        return RefusalReason.NumbersExhausted;
    }

    private CommandResult CallNext(int counter, long t)
    {
        RefusalReason refusal = CheckCalling(counter, out int ci);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        ref CounterRecord c = ref _counterState[ci];
        int next = PickNext(ci);
        int current = c.Current;
        if (current < 0 && next < 0)
        {
            return CommandResult.Refused(RefusalReason.NothingWaiting);
        }

        if (current >= 0)
        {
            // Calling next ends the current ticket: served (the customer came, start implied) or, for a
            // button-only caller whose call was never started, a no-show.
            if (_tickets[current].State == TicketState.Called && _counters[ci].ButtonOnly)
            {
                EmitNoShow(current, counter, t);
            }
            else
            {
                EmitFinish(current, counter, t);
            }
        }

        if (next < 0)
        {
            EmitCounterState(ci, CounterState.Standby, t);
            return Ok(-1);
        }

        EmitCounterState(ci, CounterState.Serving, t);
        EmitCall(next, counter, CallSource.Next, t);
        return Ok(next);
    }

    private CommandResult Recall(int counter, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out int ci, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        ref TicketRecord tk = ref _tickets[current];
        if (tk.State != TicketState.Called)
        {
            return CommandResult.Refused(RefusalReason.WrongTicketState);
        }

        if (tk.Recalls >= _services[tk.Service].MaxRecalls)
        {
            EmitNoShow(current, counter, t);
            EmitCounterState(ci, CounterState.Standby, t);
            return Ok(current);
        }

        EmitTicket(EventKind.TicketRecalled, current, t, counter: counter, count: tk.Recalls + 1);
        return Ok(current);
    }

    private CommandResult Start(int counter, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out _, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        if (_tickets[current].State != TicketState.Called)
        {
            return CommandResult.Refused(RefusalReason.WrongTicketState);
        }

        EmitTicket(EventKind.TicketStarted, current, t, counter: counter);
        return Ok(current);
    }

    private CommandResult Finish(int counter, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out int ci, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        EmitFinish(current, counter, t);
        EmitCounterState(ci, CounterState.Standby, t);
        return Ok(current);
    }

    private CommandResult NoShow(int counter, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out int ci, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        if (_tickets[current].State != TicketState.Called)
        {
            // The customer is at the counter: that is not an empty number.
            return CommandResult.Refused(RefusalReason.WrongTicketState);
        }

        EmitNoShow(current, counter, t);
        EmitCounterState(ci, CounterState.Standby, t);
        return Ok(current);
    }

    private CommandResult Recover(in Command command, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        int id = command.Ticket;
        if (id < 0 && command.NumberService >= 0)
        {
            id = FindTicket(command.NumberService, command.Number);
        }
        else if (id < 0 && command.Counter > 0)
        {
            int ci = CounterIndex(command.Counter);
            if (ci < 0)
            {
                return CommandResult.Refused(RefusalReason.UnknownCounter);
            }

            id = _counterState[ci].LastNoShow;
        }

        if ((uint)id >= (uint)_ticketCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownTicket);
        }

        ref TicketRecord tk = ref _tickets[id];
        if (tk.State != TicketState.NoShow && tk.ExpiredBy == RefusalReason.None)
        {
            return CommandResult.Refused(RefusalReason.TicketNotNoShow);
        }

        ServiceConfig sc = _services[tk.Service];
        RefusalReason outside =
            tk.State != TicketState.NoShow ? tk.ExpiredBy
            : tk.Recoveries >= sc.MaxRecoveries ? RefusalReason.MaxRecoveriesReached
            : _calls[tk.Service] - tk.NoShowCallMark > sc.ToleranceCalls ? RefusalReason.ToleranceCallsExceeded
            : t - tk.NoShowTicks > sc.ToleranceTime.Ticks ? RefusalReason.ToleranceMinutesExceeded
            : RefusalReason.None;
        if (outside != RefusalReason.None)
        {
            EmitTicket(EventKind.RecoveryRefused, id, t, reason: (byte)outside, b: command.Staff);
            return CommandResult.Refused(outside) with { EventCount = 1, Ticket = id, Number = tk.Number, NumberService = tk.NumberService };
        }

        int lane = LaneOf(in tk);
        int position = Math.Min(sc.RecoverOffset, _lanes[(tk.Service * LaneCount) + lane].Count);
        EmitTicket(EventKind.TicketRecovered, id, t, count: position, b: command.Staff);
        return Ok(id);
    }

    private CommandResult Transfer(int counter, int service, Placement placement, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out int ci, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        if ((uint)service >= (uint)_services.Length)
        {
            return CommandResult.Refused(RefusalReason.UnknownService);
        }

        ref TicketRecord tk = ref _tickets[current];
        if (tk.Service == service)
        {
            return CommandResult.Refused(RefusalReason.SameService);
        }

        int position = PlaceInService(service, ref placement, in tk);
        EmitTicket(EventKind.TicketTransferred, current, t, counter: counter, count: position, detail: (byte)placement,
            b: tk.Service, service: service);
        EmitCounterState(ci, CounterState.Standby, t);
        return Ok(current);
    }

    /// <summary>
    /// Where a ticket moving into another service's queue goes (transfer and divert): its lane there, at the front,
    /// the end or by original issue time; <see cref="Placement.Default"/> (or an unknown value) becomes the target
    /// service's <see cref="ServiceConfig.TransferPlacement"/>. Returns places from the front of that lane.
    /// </summary>
    private int PlaceInService(int service, ref Placement placement, in TicketRecord tk)
    {
        if (placement is Placement.Default or > Placement.ByAge)
        {
            placement = _services[service].TransferPlacement;
        }

        int target = (service * LaneCount) + LaneOf(in tk);
        return placement switch
        {
            Placement.Front => 0,
            Placement.End => _lanes[target].Count,
            _ => PositionByAge(target, tk.IssuedTicks),
        };
    }

    private CommandResult GiveCare(int ticket, int staff, long t)
    {
        RefusalReason refusal = CheckWaitingTicket(ticket);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        long response = tk.CareAlertTicks > 0 ? ElapsedMs(tk.CareAlertTicks, t) : -1;
        EmitTicket(EventKind.CareGiven, ticket, t, count: tk.CareGiven + 1, detail: IsPastCare(in tk, t) ? (byte)1 : (byte)0, a: response, b: staff);
        return Ok(ticket);
    }

    private CommandResult ChangeTier(int ticket, Tier tier, int staff, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if ((uint)tier > (uint)Tier.Vip)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        RefusalReason refusal = CheckWaitingTicket(ticket);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        if (tk.Tier == tier)
        {
            return CommandResult.Refused(RefusalReason.SameTier);
        }

        // Into the new tier's lane by original issue time, as a transfer by age; the ticket itself may already
        // be in that lane (a normal ticket past its SLA waits among the priority tickets).
        int target = (tk.Service * LaneCount) + LaneOf(tier, tk.SlaBreached);
        int position = PositionByAge(target, tk.IssuedTicks, except: ticket);
        EmitTicket(EventKind.TierChanged, ticket, t, count: position, detail: (byte)tk.Tier, b: staff, tier: tier);
        return Ok(ticket);
    }

    private CommandResult Divert(int ticket, int service, Placement placement, int staff, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if ((uint)ticket >= (uint)_ticketCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownTicket);
        }

        if ((uint)service >= (uint)_services.Length)
        {
            return CommandResult.Refused(RefusalReason.UnknownService);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        if (tk.State != TicketState.Waiting)
        {
            return CommandResult.Refused(RefusalReason.TicketNotWaiting);
        }

        if (tk.Service == service)
        {
            return CommandResult.Refused(RefusalReason.SameService);
        }

        int position = PlaceInService(service, ref placement, in tk);
        EmitTicket(EventKind.TicketDiverted, ticket, t, count: position, detail: (byte)placement, a: tk.Service, b: staff, service: service);
        return Ok(ticket);
    }

    private CommandResult Reprint(int ticket, int staff, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if ((uint)ticket >= (uint)_ticketCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownTicket);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        if (!IsLive(tk.State))
        {
            return CommandResult.Refused(RefusalReason.TicketEnded);
        }

        EmitTicket(EventKind.TicketReprinted, ticket, t, counter: tk.Counter, count: tk.Reprints + 1, b: staff);
        return Ok(ticket);
    }

    private CommandResult RequestRating(int counter, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        int ci = CounterIndex(counter);
        if (ci < 0)
        {
            return CommandResult.Refused(RefusalReason.UnknownCounter);
        }

        int ticket = _counterState[ci].LastFinished;
        if (ticket < 0 || !WithinRatingWindow(_tickets[ticket].FinishedTicks, t))
        {
            return CommandResult.Refused(RefusalReason.NothingToRate);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        if (tk.RatingScale != RatingScale.None)
        {
            return CommandResult.Refused(RefusalReason.AlreadyRated);
        }

        EmitTicket(EventKind.RatingRequested, ticket, t, counter: counter, count: tk.RatingPrompts + 1, a: Math.Max(0, ElapsedMs(tk.FinishedTicks, t)));
        return Ok(ticket);
    }

    /// <summary>
    /// A customer's rating at a counter. The pad (<see cref="Command.Rate"/>, <c>Ticket = -1</c>) cannot say which
    /// ticket it rates: linked to the counter's last finished ticket when it comes within the rating window of that
    /// finish and the ticket is not rated yet (rated: <see cref="RefusalReason.AlreadyRated"/>); otherwise an unlinked
    /// rating of the counter. The page (<see cref="Command.RateTicket"/>) names its ticket: always linked to it,
    /// whatever the time since the finish, when this counter completed it today and it is not rated yet; a rated
    /// one is refused <see cref="RefusalReason.AlreadyRated"/>, so a named ticket is never counted twice and never
    /// gives an unlinked rating. Any negative id other than -1 is unknown.
    /// </summary>
    private CommandResult Rate(in Command command, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        int ci = CounterIndex(command.Counter);
        if (ci < 0)
        {
            return CommandResult.Refused(RefusalReason.UnknownCounter);
        }

        if (RatingTally.SlotOf(command.Scale, command.Score) < 0)
        {
            return CommandResult.Refused(RefusalReason.ScoreOutOfRange);
        }

        if ((command.Reasons & ~RatingReasons.All) != 0)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        int ticket = command.Ticket;
        if (ticket == -1)
        {
            // The pad: the counter's last finished ticket, when within the window (a second press is refused).
            ticket = _counterState[ci].LastFinished;
            if (ticket >= 0 && !WithinRatingWindow(_tickets[ticket].FinishedTicks, t))
            {
                ticket = -1;
            }
        }
        else
        {
            // The page: the ticket it was shown for, which this counter must have completed today.
            if ((uint)ticket >= (uint)_ticketCount)
            {
                return CommandResult.Refused(RefusalReason.UnknownTicket);
            }

            // No window: the window is there only because a pad cannot say which ticket it rates.
            ref TicketRecord named = ref _tickets[ticket];
            if (named.State != TicketState.Completed || named.Counter != command.Counter)
            {
                return CommandResult.Refused(RefusalReason.WrongTicketState);
            }
        }

        if (ticket >= 0 && _tickets[ticket].RatingScale != RatingScale.None)
        {
            return CommandResult.Refused(RefusalReason.AlreadyRated);
        }

        if (ticket < 0)
        {
            Emit(new LobbyEvent
            {
                Kind = EventKind.TicketRated,
                Ticket = -1,
                Service = -1,
                NumberService = -1,
                Counter = (short)command.Counter,
                Count = command.Score,
                Detail = (byte)command.Scale,
                Reason = (byte)command.Reasons,
                A = -1,
            }, t);
            return Ok(-1);
        }

        ref TicketRecord tk = ref _tickets[ticket];
        EmitTicket(EventKind.TicketRated, ticket, t, counter: command.Counter, count: command.Score, detail: (byte)command.Scale,
            reason: (byte)command.Reasons, a: Math.Max(0, ElapsedMs(tk.IssuedTicks, tk.CalledTicks)), b: tk.CareGiven);
        return Ok(ticket);
    }

    /// <summary>
    /// Whether a rating at <paramref name="t"/> is within the rating window of a finish at
    /// <paramref name="finishedTicks"/>: inclusive, so a rating exactly <see cref="BranchConfig.RatingWindow"/>
    /// after the finish is still linked. An event time before the finish counts as within.
    /// </summary>
    private bool WithinRatingWindow(long finishedTicks, long t) =>
        finishedTicks > 0 && t - finishedTicks <= _config.RatingWindow.Ticks;

    /// <summary>The checks of a command on a waiting ticket: the day is open, the ticket exists and waits.</summary>
    private RefusalReason CheckWaitingTicket(int ticket) =>
        !_dayOpen ? RefusalReason.DayNotOpen
        : (uint)ticket >= (uint)_ticketCount ? RefusalReason.UnknownTicket
        : _tickets[ticket].State != TicketState.Waiting ? RefusalReason.TicketNotWaiting
        : RefusalReason.None;

    private CommandResult WalkIn(int counter, int service, Tier tier, long t)
    {
        RefusalReason refusal = CheckCalling(counter, out int ci);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        if (_counterState[ci].Current >= 0)
        {
            return CommandResult.Refused(RefusalReason.CounterBusy);
        }

        if ((uint)service < (uint)_services.Length && !Serves(ci, service))
        {
            return CommandResult.Refused(RefusalReason.ServiceNotServedHere);
        }

        refusal = CheckIssue(service, tier, t, walkIn: true, out int number);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        int id = _ticketCount;
        Emit(new LobbyEvent
        {
            Kind = EventKind.TicketIssued,
            Ticket = id,
            Service = (short)service,
            NumberService = (short)service,
            Number = number,
            Tier = tier,
            A = -1,
            B = -1,
            Detail = 1,
        }, t);
        EmitCounterState(ci, CounterState.Serving, t);
        EmitCall(id, counter, CallSource.WalkIn, t);
        EmitTicket(EventKind.TicketStarted, id, t, counter: counter, detail: 1);
        return Ok(id);
    }

    private CommandResult Cancel(in Command command, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        int id = command.Ticket >= 0 ? command.Ticket : FindTicket(command.NumberService, command.Number);
        if ((uint)id >= (uint)_ticketCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownTicket);
        }

        if (_tickets[id].State is not (TicketState.Waiting or TicketState.Parked))
        {
            return CommandResult.Refused(RefusalReason.TicketNotWaiting);
        }

        if (command.CancelReason > CancelReason.PrintFailed)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        EmitTicket(EventKind.TicketCancelled, id, t, counter: _tickets[id].Counter, reason: (byte)command.CancelReason, b: command.Staff);
        return Ok(id);
    }

    private CommandResult Park(int counter, long t)
    {
        RefusalReason refusal = CheckCurrent(counter, out int ci, out int current);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        EmitTicket(EventKind.TicketParked, current, t, counter: counter);
        EmitCounterState(ci, CounterState.Standby, t);
        return Ok(current);
    }

    private CommandResult CallBack(int counter, int ticket, long t)
    {
        RefusalReason refusal = CheckCalling(counter, out int ci);
        if (refusal != RefusalReason.None)
        {
            return CommandResult.Refused(refusal);
        }

        ref CounterRecord c = ref _counterState[ci];
        if (c.Current >= 0)
        {
            return CommandResult.Refused(RefusalReason.CounterBusy);
        }

        int id = ticket >= 0 ? ticket : c.Parked.Head;
        if (id < 0)
        {
            return CommandResult.Refused(RefusalReason.NoParkedTicket);
        }

        if ((uint)id >= (uint)_ticketCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownTicket);
        }

        if (_tickets[id].State != TicketState.Parked)
        {
            return CommandResult.Refused(RefusalReason.NoParkedTicket);
        }

        EmitCounterState(ci, CounterState.Serving, t);
        EmitCall(id, counter, CallSource.CallBack, t);
        return Ok(id);
    }

    private CommandResult ChangeCounter(int counter, CommandKind kind, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        int ci = CounterIndex(counter);
        if (ci < 0)
        {
            return CommandResult.Refused(RefusalReason.UnknownCounter);
        }

        ref CounterRecord c = ref _counterState[ci];
        if (c.Current >= 0)
        {
            return CommandResult.Refused(RefusalReason.CounterBusy);
        }

        // Log-in only from closed; pause and away only when logged in; resume only from pause or away.
        (CounterState target, bool allowed) = kind switch
        {
            CommandKind.OpenCounter => (CounterState.Standby, c.State == CounterState.Closed),
            CommandKind.CloseCounter => (CounterState.Closed, c.State != CounterState.Closed),
            CommandKind.Pause => (CounterState.Paused, c.State is CounterState.Standby or CounterState.Away),
            CommandKind.Away => (CounterState.Away, c.State is CounterState.Standby or CounterState.Paused),
            _ => (CounterState.Standby, c.State is CounterState.Paused or CounterState.Away),
        };
        if (c.State == target)
        {
            return CommandResult.Refused(RefusalReason.AlreadyInState);
        }

        if (!allowed)
        {
            return CommandResult.Refused(RefusalReason.CounterNotCalling);
        }

        EmitCounterState(ci, target, t);
        return Ok(-1);
    }

    private CommandResult ReportDevice(int device, DeviceStatus status, long t)
    {
        if (device < 0 || (uint)status > (uint)DeviceStatus.Error)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        Emit(new LobbyEvent { Kind = EventKind.DeviceStatusChanged, Ticket = -1, Service = -1, NumberService = -1, Count = device, Detail = (byte)status }, t);
        return Ok(-1);
    }

    private RefusalReason CheckCalling(int counter, out int ci)
    {
        ci = CounterIndex(counter);
        if (!_dayOpen)
        {
            return RefusalReason.DayNotOpen;
        }

        if (ci < 0)
        {
            return RefusalReason.UnknownCounter;
        }

        CounterState st = _counterState[ci].State;
        return st is CounterState.Standby or CounterState.Serving ? RefusalReason.None : RefusalReason.CounterNotCalling;
    }

    private RefusalReason CheckCurrent(int counter, out int ci, out int current)
    {
        current = -1;
        RefusalReason refusal = CheckCalling(counter, out ci);
        if (refusal != RefusalReason.None)
        {
            return refusal;
        }

        current = _counterState[ci].Current;
        return current < 0 ? RefusalReason.NoCurrentTicket : RefusalReason.None;
    }

    /// <summary>The ticket the counter's profile picks now, or -1. Reads state only.</summary>
    private int PickNext(int ci)
    {
        CounterConfig cc = _counters[ci];
        IReadOnlyList<ServiceWeight> list = cc.Services;
        switch (cc.Mode)
        {
            case CounterMode.LongestWait:
                {
                    int best = -1;
                    for (int j = 0; j < list.Count; j++)
                    {
                        int head = HeadOf(list[j].Service);
                        if (head >= 0 && (best < 0 || _tickets[head].QueuedTicks < _tickets[best].QueuedTicks))
                        {
                            best = head;
                        }
                    }

                    return best;
                }

            case CounterMode.Weighted:
                {
                    int[] credit = _weightCredit[ci];
                    int bestJ = -1;
                    int bestCredit = int.MinValue;
                    for (int j = 0; j < list.Count; j++)
                    {
                        if (_waiting[list[j].Service] > 0 && credit[j] + list[j].Weight > bestCredit)
                        {
                            bestCredit = credit[j] + list[j].Weight;
                            bestJ = j;
                        }
                    }

                    return bestJ < 0 ? -1 : HeadOf(list[bestJ].Service);
                }

            default:
                {
                    for (int j = 0; j < list.Count; j++)
                    {
                        int head = HeadOf(list[j].Service);
                        if (head >= 0)
                        {
                            return head;
                        }
                    }

                    return -1;
                }
        }
    }

    /// <summary>The ticket a service calls next: VIP lane, then priority (including starved normals), then normal.</summary>
    private int HeadOf(int service)
    {
        for (int lane = LaneCount - 1; lane >= 0; lane--)
        {
            int head = _lanes[(service * LaneCount) + lane].Head;
            if (head >= 0)
            {
                return head;
            }
        }

        return -1;
    }

    /// <summary>
    /// Places from the front of a waiting lane (<c>service * 3 + lane</c>) for a ticket issued at
    /// <paramref name="issuedTicks"/>: behind every ticket from the head on issued at or before it, not counting
    /// <paramref name="except"/> (the ticket itself when it is already in the lane; it was issued at
    /// <paramref name="issuedTicks"/>). The one placement by age: transfer, divert, tier change and the SLA lift use
    /// it. O(log n): the first ticket issued later is found in the lane's <see cref="LaneIndex"/>.
    /// </summary>
    private int PositionByAge(int laneIndex, long issuedTicks, int except = -1)
    {
        int position = _laneIndex.FirstIssuedAfter(laneIndex, issuedTicks);
        if (except >= 0)
        {
            ref TicketRecord tk = ref _tickets[except];
            if (tk.State == TicketState.Waiting && (tk.Service * LaneCount) + tk.Lane == laneIndex && _laneIndex.Rank(except) < position)
            {
                position--;
            }
        }

        return position;
    }

    private void EmitFinish(int ticket, int counter, long t)
    {
        ref TicketRecord tk = ref _tickets[ticket];
        long serviceMs;
        if (tk.State == TicketState.Called)
        {
            // Start implied by finishing: the service ran from the call.
            EmitTicket(EventKind.TicketStarted, ticket, t, counter: counter, detail: 1);
            serviceMs = ElapsedMs(tk.CalledTicks, t);
        }
        else
        {
            serviceMs = ElapsedMs(tk.StartedTicks, t);
        }

        EmitTicket(EventKind.TicketCompleted, ticket, t, counter: counter, a: serviceMs);
    }

    private void EmitNoShow(int ticket, int counter, long t) =>
        EmitTicket(EventKind.TicketNoShow, ticket, t, counter: counter, count: _tickets[ticket].Recalls);

    private void EmitCall(int ticket, int counter, CallSource source, long t)
    {
        ref TicketRecord tk = ref _tickets[ticket];
        byte flags = 0;
        long wait = 0;
        long error = 0;
        if (source != CallSource.CallBack)
        {
            flags |= 1;
            wait = ElapsedMs(tk.QueuedTicks, t);
        }

        if (tk.PredictionPending)
        {
            flags |= 2;
            error = ElapsedMs(tk.IssuedTicks, t) - tk.PredictedMs;
        }

        int service = tk.Service;
        EmitTicket(EventKind.TicketCalled, ticket, t, counter: counter, detail: (byte)source, reason: flags, a: wait, b: error);

        // A call of the service may take a no-show past its tolerance of calls.
        ServiceConfig sc = _services[service];
        while (_noShows[service].Head >= 0)
        {
            int head = _noShows[service].Head;
            if (_calls[service] - _tickets[head].NoShowCallMark <= sc.ToleranceCalls)
            {
                break;
            }

            EmitTicket(EventKind.TicketAbandoned, head, t, reason: (byte)AbandonReason.NoShowExpired, detail: (byte)RefusalReason.ToleranceCallsExceeded);
        }
    }

    private void EmitCounterState(int ci, CounterState target, long t)
    {
        ref CounterRecord c = ref _counterState[ci];
        if (c.State == target)
        {
            return;
        }

        Emit(new LobbyEvent
        {
            Kind = EventKind.CounterStateChanged,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            Counter = (short)_counters[ci].Number,
            Detail = (byte)target,
            Reason = (byte)c.State,
            A = c.StateSinceTicks > 0 ? ElapsedMs(c.StateSinceTicks, t) : 0,
        }, t);
    }

    private void EmitTicket(EventKind kind, int ticket, long t, int counter = 0, int count = 0, byte detail = 0, byte reason = 0, long a = 0, long b = 0, int service = -1, Tier? tier = null)
    {
        ref TicketRecord tk = ref _tickets[ticket];
        Emit(new LobbyEvent
        {
            Kind = kind,
            Ticket = ticket,
            Service = (short)(service >= 0 ? service : tk.Service),
            NumberService = tk.NumberService,
            Number = tk.Number,
            Tier = tier ?? tk.Tier,
            Counter = (short)counter,
            Count = count,
            Detail = detail,
            Reason = reason,
            A = a,
            B = b,
        }, t);
    }

    private void Emit(LobbyEvent e, long t)
    {
        e = e with { Sequence = _lastSequence + 1, TimeTicks = t };
        ApplyCore(in e);
        if (_outCount == _out.Length)
        {
            Array.Resize(ref _out, _out.Length * 2);
        }

        _out[_outCount++] = e;
    }

    private CommandResult Ok(int ticket)
    {
        if (ticket < 0)
        {
            return new CommandResult { Ticket = -1, NumberService = -1 };
        }

        ref TicketRecord tk = ref _tickets[ticket];
        return new CommandResult { Ticket = ticket, Number = tk.Number, NumberService = tk.NumberService };
    }

    /// <summary>The largest staff id (staff ids are 1..999999; 0 = not a staff act).</summary>
    private const uint MaxStaffId = 999_999;

    private static long ElapsedMs(long from, long to) => (to - from) / TimeSpan.TicksPerMillisecond;

    private static bool IsLive(TicketState s) =>
        s is TicketState.Waiting or TicketState.Called or TicketState.Serving or TicketState.Parked or TicketState.NoShow;

    private static int LaneOf(in TicketRecord tk) => LaneOf(tk.Tier, tk.SlaBreached);

    private static int LaneOf(Tier tier, bool slaBreached) =>
        tier == Tier.Normal && slaBreached ? (int)Tier.Priority : (int)tier;

    /// <summary>
    /// Whether a ticket is past its care threshold at <paramref name="t"/>: seen past it before, or waited since
    /// issue at least the <see cref="ServiceConfig.CareThreshold"/> of the service it waits in.
    /// </summary>
    private bool IsPastCare(in TicketRecord tk, long t) =>
        tk.CarePast || t - tk.IssuedTicks >= _services[tk.Service].CareThreshold.Ticks;
}
