namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    /// <summary>
    /// Advances the engine's clock: opens or closes the day at the configured times (when
    /// <see cref="BranchConfig.AutoOpenClose"/> is on) and emits the care, SLA and no-show-expiry events that are
    /// due. Pops only due timers, never scans the waiting tickets. Returns the number of events in
    /// <see cref="LastEvents"/>.
    /// </summary>
    public int Tick(DateTimeOffset now)
    {
        _outCount = 0;
        long t = now.UtcTicks;
        if (_config.AutoOpenClose)
        {
            if (_dayOpen && t >= _closeTicks)
            {
                CloseDay(t);
                return _outCount;
            }

            if (!_dayOpen && t >= NextAutoOpen(t))
            {
                OpenDay(t);
            }
        }

        while (_timers.TryPeek(out TimerEntry due) && due.Due <= t)
        {
            _timers.Pop();
            ref TicketRecord tk = ref _tickets[due.Ticket];
            switch (due.Kind)
            {
                case TimerKind.Care when tk.State == TicketState.Waiting && tk.NextCareTicks == due.Due:
                    EmitTicket(EventKind.CareNeeded, due.Ticket, t, count: tk.CareCount + 1, a: ElapsedMs(tk.IssuedTicks, t));
                    break;
                case TimerKind.Sla when tk.State == TicketState.Waiting && !tk.SlaBreached
                        && due.Due == tk.IssuedTicks + _services[tk.Service].SlaTarget.Ticks:
                    EmitTicket(EventKind.SlaBreached, due.Ticket, t, a: ElapsedMs(tk.IssuedTicks, t));
                    break;
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
    /// The next instant the day opens by the clock: today's open time if today has not had a business day and is
    /// not past close, else tomorrow's. Computed once per closed stretch, not per tick.
    /// </summary>
    private long NextAutoOpen(long t)
    {
        // A cached instant whose day closed without a tick (host suspended, clock stepped) is stale: recompute.
        if (_nextAutoOpenTicks == 0 || t >= _nextAutoOpenCloseTicks)
        {
            TimeZoneInfo zone = _config.TimeZone;
            DateOnly date = DateOnly.FromDateTime(BusinessCalendar.ToLocal(zone, new DateTime(t, DateTimeKind.Utc)));
            if (date.DayNumber <= _businessDay)
            {
                date = DateOnly.FromDayNumber(_businessDay + 1);
            }

            if (t >= BusinessCalendar.ToUtc(zone, date, _config.CloseTime).Ticks)
            {
                date = date.AddDays(1);
            }

            _nextAutoOpenTicks = BusinessCalendar.ToUtc(zone, date, _config.OpenTime).Ticks;
            _nextAutoOpenCloseTicks = BusinessCalendar.ToUtc(zone, date, _config.CloseTime).Ticks;
        }

        return _nextAutoOpenTicks;
    }

    /// <summary>
    /// When a no-show's tolerance time has passed: just after <c>ToleranceTime</c>, since recovery is allowed "at most
    /// ToleranceMinutes since the no-show" (the same boundary <see cref="Execute"/> applies to a recovery).
    /// </summary>
    private long NoShowExpiryTicks(in TicketRecord tk) => tk.NoShowTicks + _services[tk.Service].ToleranceTime.Ticks + 1;
}
