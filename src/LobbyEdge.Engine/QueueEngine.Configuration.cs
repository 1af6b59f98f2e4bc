namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    private BranchConfig? _pending;              // accepted AtNextOpening, waiting for the next day to open
    private ConfigurationSource _pendingSource;  // who changed it (the TookEffect event repeats it)
    private BranchConfig? _incoming;             // the configuration of the Reconfigure being decided, while its event applies

    /// <summary>The configuration the next day opens with: the one waiting for it, else the one in force.</summary>
    private BranchConfig OpeningConfig => _pending ?? _config;

    /// <summary>
    /// Decides a <see cref="CommandKind.Reconfigure"/>: refused <see cref="RefusalReason.InvalidCommand"/> when
    /// missing, invalid or of another branch, <see cref="RefusalReason.ConfigurationUnchanged"/> when it has the hash
    /// and the content of the configuration it would replace (the waiting one, else the one in force); otherwise one
    /// <see cref="EventKind.ConfigurationChanged"/>: <see cref="ConfigurationChange.AtNextOpening"/> when a day is open
    /// and something structural differs from the configuration in force, else <see cref="ConfigurationChange.Live"/>.
    /// Either replaces a configuration waiting for the next opening. Allocates (a rare command).
    /// </summary>
    private CommandResult Reconfigure(BranchConfig? config, ConfigurationSource source, long t)
    {
        if (config is null || source > ConfigurationSource.Rollback
            || !string.Equals(config.BranchId, _config.BranchId, StringComparison.Ordinal) || config.Validate().Count > 0)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        ConfigurationDiff diff = BranchConfig.Compare(_config, config);
        BranchConfig replaced = OpeningConfig;
        if (replaced.Hash == config.Hash && (ReferenceEquals(replaced, _config) ? diff : BranchConfig.Compare(replaced, config)).IsEmpty)
        {
            return CommandResult.Refused(RefusalReason.ConfigurationUnchanged);
        }

        ConfigurationChange change = _dayOpen && diff.NeedsOpening ? ConfigurationChange.AtNextOpening : ConfigurationChange.Live;
        _incoming = config;
        try
        {
            EmitConfigurationChanged(config, change, source, t);
        }
        finally
        {
            _incoming = null;
        }

        return Ok(-1);
    }

    private void EmitConfigurationChanged(BranchConfig config, ConfigurationChange change, ConfigurationSource source, long t) =>
        Emit(new LobbyEvent
        {
            Kind = EventKind.ConfigurationChanged,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            A = config.Version,
            B = config.Hash,
            Detail = (byte)change,
            Reason = (byte)source,
        }, t);

    /// <summary>
    /// A <see cref="EventKind.ConfigurationChanged"/>: <c>AtNextOpening</c> stores the configuration as waiting
    /// (replacing any); <c>Live</c> and <c>TookEffect</c> put it in force and drop any waiting one. The configuration
    /// is the one being decided (live), the waiting or the current one when the version and hash match, else
    /// <see cref="ConfigurationResolver"/>'s; when none gives it, the engine keeps what it has.
    /// </summary>
    private void ApplyConfigurationChanged(in LobbyEvent e)
    {
        ConfigurationChangedView change = e.AsConfigurationChanged();
        BranchConfig? next = Resolve(change.Version, change.Hash);
        switch (change.Change)
        {
            case ConfigurationChange.AtNextOpening:
                _pending = next;
                _pendingSource = change.Source;
                _nextAutoOpenTicks = 0;
                break;
            case ConfigurationChange.Live:
            case ConfigurationChange.TookEffect:
                _pending = null;
                _nextAutoOpenTicks = 0;
                if (next is not null)
                {
                    PutInForce(next, e.TimeTicks);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>
    /// A day opening that names a configuration version other than the one in force (replay from the day's start or
    /// from a snapshot taken under another version): the resolver's configuration is put in force before the day's
    /// state is reset. Nothing happens for version 0 (unversioned, old logs) or when the version is not known.
    /// </summary>
    private void ResolveDayConfiguration(long version)
    {
        if (version == 0 || version == _config.Version || _dayOpen)
        {
            return;
        }

        BranchConfig? next = _pending is { } p && p.Version == version ? p : ResolveThroughHost(version);
        if (next is not null)
        {
            _pending = null;
            PutInForce(next, _lastEventTicks);
        }
    }

    private BranchConfig? Resolve(long version, long hash)
    {
        if (_incoming is { } incoming && incoming.Version == version && incoming.Hash == hash)
        {
            return incoming;
        }

        if (_pending is { } pending && pending.Version == version && pending.Hash == hash)
        {
            return pending;
        }

        return _config.Version == version && _config.Hash == hash ? _config : ResolveThroughHost(version);
    }

    /// <summary>The host's configuration of a version, when it gives one this engine can run (same branch, valid).</summary>
    private BranchConfig? ResolveThroughHost(long version) =>
        ConfigurationResolver?.Invoke(version) is { } found
            && string.Equals(found.BranchId, _config.BranchId, StringComparison.Ordinal) && found.Validate().Count == 0
            ? found
            : null;

    /// <summary>
    /// Puts a configuration in force at <paramref name="t"/>. Structural differences re-size the storage (only while
    /// no day is open; during an open day the configuration waits for the next opening instead). Otherwise the
    /// services and counters are swapped in place: a counter whose calling profile changed starts its weighted
    /// round robin afresh, and during an open day every waiting ticket's care and SLA timers and every no-show's
    /// tolerance are re-timed from the new thresholds (<see cref="RetimeDay"/>).
    /// </summary>
    private void PutInForce(BranchConfig next, long t)
    {
        BranchConfig old = _config;
        if (ReferenceEquals(old, next))
        {
            return;
        }

        _nextAutoOpenTicks = 0;
        if (BranchConfig.Compare(old, next).NeedsOpening)
        {
            if (_dayOpen)
            {
                _pending = next;
                return;
            }

            Allocate(next);
            ResetDay();
            return;
        }

        _config = next;
        _services = [.. next.Services];
        _counters = [.. next.Counters];
        for (int i = 0; i < _counters.Length; i++)
        {
            CounterConfig before = old.Counters[i];
            CounterConfig now = _counters[i];
            if (before.Mode != now.Mode || !before.Services.SequenceEqual(now.Services))
            {
                _weightCredit[i] = new int[now.Services.Count];
            }
        }

        ConfigFingerprint = Fingerprint(next);
        BuildCapacityTopology();
        if (_dayOpen)
        {
            RetimeDay(old, t);
        }
    }

    /// <summary>
    /// Re-times the open day after a live change: a waiting ticket not yet alerted nor cared for gets its first care
    /// alert at issue + the new threshold, one already alerted or cared for its next alert at the last one + the new
    /// repeat (none when the new repeat is 0); its SLA timer runs to issue + the new target; a no-show expires after
    /// the new tolerance. A due time already past fires at the next <see cref="Tick"/>. The timer heap is rebuilt
    /// from the tickets, so it holds one entry per timer whatever the number of changes.
    /// </summary>
    private void RetimeDay(BranchConfig old, long t)
    {
        _timers.Clear();
        for (int id = 0; id < _ticketCount; id++)
        {
            ref TicketRecord tk = ref _tickets[id];
            if (tk.State == TicketState.NoShow)
            {
                _timers.Push(new TimerEntry(NoShowExpiryTicks(in tk), id, TimerKind.NoShowExpiry));
                continue;
            }

            if (tk.State != TicketState.Waiting)
            {
                continue;
            }

            ServiceConfig now = _services[tk.Service];
            if (tk.CareCount == 0 && tk.CareGiven == 0)
            {
                tk.NextCareTicks = tk.IssuedTicks + now.CareThreshold.Ticks;
            }
            else
            {
                long oldRepeat = old.Services[tk.Service].CareRepeat.Ticks;
                long last = tk.NextCareTicks > 0 && oldRepeat > 0 ? tk.NextCareTicks - oldRepeat : t;
                tk.NextCareTicks = now.CareRepeat.Ticks > 0 ? last + now.CareRepeat.Ticks : 0;
            }

            if (tk.NextCareTicks > 0)
            {
                _timers.Push(new TimerEntry(tk.NextCareTicks, id, TimerKind.Care));
            }

            if (!tk.SlaBreached)
            {
                _timers.Push(new TimerEntry(tk.IssuedTicks + now.SlaTarget.Ticks, id, TimerKind.Sla));
            }
        }
    }

    /// <summary>The day's close and ticketing cut-off from the calendar in force (the profile's hours for a date it closes: old logs).</summary>
    private void SetDayHours(DateOnly date)
    {
        TimeZoneInfo zone = _config.TimeZone;
        DayHours hours = _config.EffectiveCalendar.HoursOn(date) ?? new DayHours(_config.OpenTime, _config.CloseTime);
        long open = BusinessCalendar.ToUtc(zone, date, hours.Open).Ticks;
        _closeTicks = BusinessCalendar.ToUtc(zone, date, hours.Close).Ticks;
        _cutoffTicks = Math.Max(open, _closeTicks - _config.TicketingCutoff.Ticks);
    }
}
