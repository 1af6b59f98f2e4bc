namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    /// <summary>
    /// Advances the engine's clock: opens or closes the day at the configured times (when
    /// <see cref="BranchConfig.AutoOpenClose"/> is on and <see cref="ClockSynchronized"/>, judged on civil time,
    /// <c>now - </c><see cref="ClockOffset"/>) and emits the care, SLA and no-show-expiry events that are
    /// due. Pops only due timers, never scans the waiting tickets. Returns the number of events in
    /// <see cref="LastEvents"/>.
    /// </summary>
    public int Tick(DateTimeOffset now)
    {
        _outCount = 0;
        long t = now.UtcTicks;
        if (_config.AutoOpenClose && ClockSynchronized)
        {
            long civil = t - _clockOffsetTicks;
            if (_dayOpen && civil >= _closeTicks)
            {
                CloseDay(t);
                return _outCount;
            }

            if (!_dayOpen && civil >= NextAutoOpen(civil))
            {
                OpenDay(t);
            }
        }

        while (_timers.TryPeek(out TimerEntry due) && due.Due <= t)
        {
            // One entry per (ticket, kind): arming again moved it in place, so nothing here is a duplicate.
            _timers.Pop();

            ref TicketRecord tk = ref _tickets[due.Ticket];
            switch (due.Kind)
            {
                case TimerKind.Care when tk.State == TicketState.Waiting && tk.NextCareTicks == due.Due:
                    EmitTicket(EventKind.CareNeeded, due.Ticket, t, count: tk.CareCount + 1, a: ElapsedMs(tk.IssuedTicks, t));
                    break;
                case TimerKind.Care when tk.State == TicketState.Waiting && tk.NextCareTicks > due.Due:
                    // Care given since this was armed moved the next alert later: the entry moves on with it
                    // (so care never needs a new entry, and the heap does not grow under repeated care).
                    _timers.Push(new TimerEntry(tk.NextCareTicks, due.Ticket, TimerKind.Care));
                    break;
                case TimerKind.Sla when tk.State == TicketState.Waiting && !tk.SlaBreached:
                    {
                        long target = tk.IssuedTicks + _services[tk.Service].SlaTarget.Ticks;
                        if (due.Due == target)
                        {
                            EmitTicket(EventKind.SlaBreached, due.Ticket, t, a: ElapsedMs(tk.IssuedTicks, t));
                        }
                        else if (target > due.Due)
                        {
                            // Diverted into a service with a later target: the entry moves on to it.
                            _timers.Push(new TimerEntry(target, due.Ticket, TimerKind.Sla));
                        }

                        break;
                    }

                case TimerKind.NoShowExpiry when tk.State == TicketState.NoShow
                        && NoShowExpiryTicks(in tk) == due.Due:
                    EmitTicket(EventKind.TicketAbandoned, due.Ticket, t, reason: (byte)AbandonReason.NoShowExpired, detail: (byte)RefusalReason.ToleranceMinutesExceeded);
                    break;
                default:
                    // Stale: the ticket moved on since this was armed.
                    break;
            }
        }

        return _outCount;
    }

    /// <summary>
    /// Records a step of the host's wall clock as one <see cref="EventKind.ClockStepped"/> event at
    /// <paramref name="now"/> (the branch clock's time, never earlier than the last event). Changes no queue state.
    /// Returns the number of events in <see cref="LastEvents"/> (1).
    /// </summary>
    /// <param name="now">The branch clock's reading.</param>
    /// <param name="step">How far the wall clock jumped (negative: backwards).</param>
    /// <param name="offset">How far <paramref name="now"/> runs ahead of the wall clock after the step (0 or more).</param>
    /// <param name="atStart">Found at start, against the log's last event.</param>
    /// <param name="synchronized">Whether the wall clock is synchronised.</param>
    public int RecordClockStep(DateTimeOffset now, TimeSpan step, TimeSpan offset, bool atStart, bool synchronized)
    {
        _outCount = 0;
        Emit(new LobbyEvent
        {
            Kind = EventKind.ClockStepped,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            A = (long)step.TotalMilliseconds,
            B = (long)offset.TotalMilliseconds,
            Detail = atStart ? (byte)1 : (byte)0,
            Reason = synchronized ? (byte)1 : (byte)0,
        }, now.UtcTicks);
        return _outCount;
    }

    /// <summary>
    /// The next instant the day opens by the clock: the opening of the first date the calendar opens that has not had
    /// a business day and is not past its close (<see cref="NextOpening"/>). Computed once per closed stretch, not
    /// per tick; a configuration change clears it.
    /// </summary>
    private long NextAutoOpen(long t)
    {
        // A cached instant whose day closed without a tick (host suspended, clock stepped) is stale: recompute.
        if (_nextAutoOpenTicks == 0 || t >= _nextAutoOpenCloseTicks)
        {
            BranchConfig config = OpeningConfig;
            if (NextOpening(t, out DateOnly date, out long open) && config.EffectiveCalendar.HoursOn(date) is DayHours hours)
            {
                _nextAutoOpenTicks = open;
                _nextAutoOpenCloseTicks = BusinessCalendar.ToUtc(config.TimeZone, date, hours.Close).Ticks;
            }
            else
            {
                // The calendar does not open within a year: look again in a day.
                _nextAutoOpenTicks = long.MaxValue;
                _nextAutoOpenCloseTicks = t + TimeSpan.TicksPerDay;
            }
        }

        return _nextAutoOpenTicks;
    }

    /// <summary>
    /// When a no-show's tolerance time has passed: just after <c>ToleranceTime</c>, since recovery is allowed "at most
    /// ToleranceMinutes since the no-show" (the same boundary <see cref="Execute"/> applies to a recovery).
    /// </summary>
    private long NoShowExpiryTicks(in TicketRecord tk) => tk.NoShowTicks + _services[tk.Service].ToleranceTime.Ticks + 1;
}
