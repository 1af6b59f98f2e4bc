using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>Which invariant families a run checks; each property test enables one.</summary>
[Flags]
internal enum Checks
{
    None = 0,

    /// <summary>Who holds which ticket, waiting counts and queues, numbers, daily caps, day close.</summary>
    Holding = 1,

    /// <summary>Sequence and time of events, refused commands, replay, restart from the log or from a snapshot.</summary>
    EventLog = 2,

    /// <summary>Lane order of the queues, call-next picks, recovery tolerance, recovery and transfer placement.</summary>
    QueueRules = 4,

    /// <summary>
    /// Every prediction (each service and tier) equals the one an engine restored from a snapshot of the live one
    /// gives: that engine computes every capacity afresh, so the live engine's cached capacity was never stale.
    /// </summary>
    Predictions = 8,
}

/// <summary>Thrown when an invariant does not hold; carries the trace of the run so far.</summary>
internal sealed class InvariantViolation(string message) : Exception(message);

/// <summary>
/// Runs one generated <see cref="Scenario"/> against a live engine and two followers, and checks the invariants after
/// every step and at the end. The twin replays the live engine's events until <see cref="Scenario.RestartAt"/>, then
/// (as a branch restarted from its log would) executes the same commands itself; from that step on, an engine restored
/// from a snapshot of the live one does the same.
/// </summary>
internal sealed class LobbyRun
{
    private readonly Scenario _scenario;
    private readonly Checks _checks;
    private readonly ConcurrentDictionary<string, int>? _tally;
    private readonly BranchConfig _config;
    private readonly QueueEngine _engine;
    private readonly QueueEngine _twin;
    private readonly List<LobbyEvent> _log = [];
    private readonly StringBuilder _trace = new();

    // Per business day, from the events.
    private readonly List<int> _endings = [];
    private readonly HashSet<int> _slaBreached = [];
    private readonly HashSet<int> _namedRatings = [];   // tickets named by an accepted RateTicket today
    private readonly Dictionary<int, (long Ticks, int CallMark)> _noShowAt = [];
    private readonly List<RecentCall> _calls = [];
    private readonly CareRecount _care;
    private readonly RatingRecount _ratings;
    private readonly Dictionary<int, long> _careThresholdMs = [];   // the smallest care threshold of the services a ticket waited in
    private readonly Dictionary<int, long> _lastCareTicks = [];
    private readonly Dictionary<int, long> _careRepeatTicks = [];   // the smallest care repeat of those services (a care's repeat is its service's)
    private long _openedTicks;
    private int[] _dispenserIssued;
    private int[] _callsOf;

    private QueueEngine? _restored;
    private QueueEngine? _fresh;
    private DateTimeOffset _now;
    private long _lastSequence;
    private bool _twinDriven;
    private int _stepIndex;

    private LobbyRun(Scenario scenario, Checks checks, ConcurrentDictionary<string, int>? tally)
    {
        _scenario = scenario;
        _checks = checks;
        _tally = tally;
        _config = scenario.Rules.Build();
        _engine = new QueueEngine(_config);
        _twin = new QueueEngine(_config);
        _dispenserIssued = new int[_config.Services.Count];
        _callsOf = new int[_config.Services.Count];
        _care = new CareRecount(_config);
        _ratings = new RatingRecount(_config);
        _now = Branches.At(9, 0);
    }

    /// <summary>
    /// Runs the scenario; throws <see cref="InvariantViolation"/> with a repro trace when an invariant breaks. When
    /// given a tally, counts each command's outcome and each event kind in it, to show what the runs reached.
    /// </summary>
    public static void Run(Scenario scenario, Checks checks, ConcurrentDictionary<string, int>? tally = null) =>
        new LobbyRun(scenario, checks, tally).RunAll();

    private void RunAll()
    {
        _trace.Append(_scenario.Rules);
        try
        {
            Execute(Command.OpenDay(), "the day opens");
            for (_stepIndex = 0; _stepIndex < _scenario.Steps.Length; _stepIndex++)
            {
                if (_stepIndex == _scenario.RestartAt)
                {
                    Restart();
                }

                RunStep(_scenario.Steps[_stepIndex]);
            }

            if (!_twinDriven)
            {
                Restart();
            }

            if (_engine.IsDayOpen)
            {
                Execute(Command.CloseDay(), "the end");
            }

            if (Has(Checks.EventLog))
            {
                var fresh = new QueueEngine(_config);
                foreach (LobbyEvent e in _log)
                {
                    fresh.Apply(in e);
                }

                Require(fresh.DescribeState() == _engine.DescribeState(), "replaying the whole log into a fresh engine gives the live state");
            }
        }
        catch (InvariantViolation)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new InvariantViolation($"unexpected {ex.GetType().Name} at step {_stepIndex}: {ex.Message}\n{ex.StackTrace}\n{TraceHeader}{_trace}");
        }
    }

    private bool Has(Checks c) => (_checks & c) != 0;

    private void RunStep(in Step step)
    {
        _now += TimeSpan.FromSeconds(step.Seconds);
        switch (step.Op)
        {
            case Op.Tick:
                Tick();
                return;
            case Op.NextMorning:
                {
                    // Jump to around 09:00 of the next local day (a little before or after) and tick twice: the first
                    // tick closes a day still open, the second opens the new one by the clock. Before 09:00, or
                    // without auto open, the day is opened by command.
                    DateTime local = BusinessCalendar.ToLocal(_config.TimeZone, _now.UtcDateTime);
                    DateTime open = BusinessCalendar.ToUtc(_config.TimeZone, DateOnly.FromDateTime(local).AddDays(1), _config.OpenTime);
                    _now = new DateTimeOffset(open, TimeSpan.Zero).AddSeconds((step.A % 240) - 120);
                    _trace.Append(CultureInfo.InvariantCulture, $"// next morning: now = {Local(_now)}\n");
                    Tick();
                    Tick();
                    if (!_engine.IsDayOpen)
                    {
                        Execute(Command.OpenDay(), "next morning");
                    }

                    return;
                }

            case Op.FinishAndRate:
                FinishAndRate(in step);
                return;

            default:
                Execute(Resolve(in step), null);
                return;
        }
    }

    /// <summary>
    /// The keypad's finish-and-rate: a counter finishes its ticket (calling one first when it holds none) and prompts; then, a little later, exactly at the
    /// end of the rating window, or just after it, the customer presses a pad key, answers on the page (naming the
    /// ticket), or is prompted again; now and then the pad is pressed a second time, or the page's answer is posted
    /// again (a page answer repeated after the window once counted several times).
    /// </summary>
    private void FinishAndRate(in Step step)
    {
        int counter = CounterWhere(step.A, cv => cv.CurrentTicket >= 0);
        if (_engine.TryGetCounter(counter, out CounterView holding) && holding.CurrentTicket < 0)
        {
            Execute(Command.CallNext(counter), "call, finish and rate");
        }

        Execute(Command.Finish(counter), "finish and rate");
        Execute(Command.RequestRating(counter), null);
        _now += (step.B % 6) switch
        {
            0 => _config.RatingWindow,
            1 => _config.RatingWindow + TimeSpan.FromMilliseconds(1),
            _ => TimeSpan.FromSeconds(step.B % 45),
        };
        int last = _engine.TryGetCounter(counter, out CounterView cv) ? cv.LastFinished : -1;
        Execute((step.C % 3) switch
        {
            0 => Command.Rate(counter, ScoreArg(step.B / 6, step.C), ScaleArg(step.C), ReasonsArg(step.C)),
            1 => Command.RateTicket(counter, last, ScoreArg(step.B / 6, step.C), ScaleArg(step.C), ReasonsArg(step.C)),
            _ => Command.RequestRating(counter),
        }, "the customer");
        if (step.C % 5 == 0)
        {
            Execute(step.C % 3 == 1
                ? Command.RateTicket(counter, last, ScoreArg(step.B / 6, step.C), ScaleArg(step.C), ReasonsArg(step.C))
                : Command.Rate(counter, ScoreArg(step.A, step.C), RatingScale.Pad5), "a second press");
        }
    }

    // ---- resolving raw step arguments against the engine's state ----

    private Command Resolve(in Step step)
    {
        int counter = CounterArg(step.A);
        int holding = step.C % 4 == 0 ? counter : CounterWhere(step.A, cv => cv.CurrentTicket >= 0);
        int service = ServiceArg(step.B);
        Tier tier = (step.C % 6) switch
        {
            4 => Tier.Priority,
            5 => Tier.Vip,
            _ => Tier.Normal,
        };
        return step.Op switch
        {
            Op.Issue => Command.Issue(service, tier),
            Op.CallNext => Command.CallNext(counter),
            Op.Recall => Command.Recall(holding),
            Op.Start => Command.Start(holding),
            Op.Finish => Command.Finish(holding),
            Op.NoShow => Command.NoShow(holding),
            Op.RecoverTicket => Command.Recover(TicketArg(step.B, step.C, TicketState.NoShow)) with { Staff = StaffArg(step.A) % 1_000_000 },
            Op.RecoverNumber => RecoverNumber(TicketArg(step.B, step.C, TicketState.NoShow)) with { Staff = StaffArg(step.A) % 1_000_000 },
            Op.RecoverLastAt => Command.RecoverLastAt(step.B % 3 == 0 ? counter : CounterWhere(step.A, cv => IsNoShow(cv.LastNoShow))),
            Op.Transfer => Command.Transfer(holding, service, (Placement)(step.C / 4 % 4)),
            Op.Cancel => Command.Cancel(TicketArg(step.B, step.C, TicketState.Waiting), step.C % 3 == 0 ? CancelReason.PrintFailed : CancelReason.None) with { Staff = StaffArg(step.A) },
            Op.CancelNumber => CancelNumber(TicketArg(step.B, step.C, TicketState.Waiting)) with { Staff = StaffArg(step.A) },
            Op.Park => Command.Park(holding),
            Op.CallBack => CallBack(in step, counter),
            Op.WalkIn => Command.WalkIn(counter, service, tier),
            Op.Pause => Command.Pause(counter),
            Op.Away => Command.Away(counter),
            Op.Resume => Command.Resume(counter),
            Op.OpenCounter => Command.OpenCounter(counter),
            Op.CloseCounter => Command.CloseCounter(counter),
            Op.OpenDay => Command.OpenDay(),
            Op.CloseDay => Command.CloseDay(),
            Op.GiveCare => Command.GiveCare(TicketArg(step.B, step.C, TicketState.Waiting), StaffArg(step.A)),
            Op.ChangeTier => Command.ChangeTier(TicketArg(step.B, step.C, TicketState.Waiting), step.A % 20 == 19 ? (Tier)3 : (Tier)(step.A % 3), StaffArg(step.C)),
            Op.Divert => Command.Divert(TicketArg(step.B, step.C, TicketState.Waiting), ServiceArg(step.A), (Placement)(step.C / 4 % 4), StaffArg(step.B)),
            Op.Reprint => Command.Reprint(TicketArg(step.B, step.C, step.A % 2 == 0 ? TicketState.Waiting : TicketState.NoShow), StaffArg(step.A)),
            Op.RequestRating => Command.RequestRating(step.B % 4 == 0 ? counter : RatingCounter(step.A)),
            Op.Rate => Command.Rate(step.B % 4 == 0 ? counter : RatingCounter(step.A), ScoreArg(step.B, step.C), ScaleArg(step.C), ReasonsArg(step.C)),
            Op.RateTicket => RateTicket(in step, counter),
            _ => throw new InvalidOperationException(step.Op.ToString()),
        };
    }

    /// <summary>
    /// Where a customer rates: usually a counter that finished a ticket within the rating window, else one that
    /// finished one today, else any counter.
    /// </summary>
    private int RatingCounter(int a)
    {
        long window = _config.RatingWindow.Ticks;
        return a % 3 != 0
            ? CounterWhere(a, cv => cv.LastFinished >= 0 && _now.UtcTicks - cv.LastFinishedTicks <= window)
            : CounterWhere(a, cv => cv.LastFinished >= 0);
    }

    /// <summary>A rating scale: mostly the pad's or the 0..10 one, now and then none or one that does not exist.</summary>
    private static RatingScale ScaleArg(int c) => (c % 20) switch
    {
        < 9 => RatingScale.Pad5,
        < 18 => RatingScale.Nps11,
        18 => RatingScale.None,
        _ => (RatingScale)3,
    };

    /// <summary>A score for <see cref="ScaleArg"/>: mostly on its scale, now and then one past either end.</summary>
    private static int ScoreArg(int b, int c)
    {
        bool pad = ScaleArg(c) == RatingScale.Pad5;
        return (b % 16) switch
        {
            7 => pad ? 0 : -1,
            15 => pad ? 6 : 11,
            _ => pad ? 1 + (b % 5) : b % 11,
        };
    }

    /// <summary>The reason chips: any mix of the four, now and then a bit that is not a reason.</summary>
    private static RatingReasons ReasonsArg(int c) => c / 10 % 25 == 24 ? (RatingReasons)(16 << (c % 4)) : (RatingReasons)(c / 10 % 16);

    /// <summary>
    /// The rating page: usually a ticket completed today at the counter that completed it, sometimes at another
    /// counter, and now and then a ticket that is not completed or does not exist.
    /// </summary>
    private Command RateTicket(in Step step, int counter)
    {
        int ticket = step.B % 11 == 10 ? -2 - (step.B % 3) : TicketArg(step.B, step.C, TicketState.Completed);
        if (step.A % 4 != 0 && _engine.TryGetTicket(ticket, out TicketView v) && v.State == TicketState.Completed)
        {
            counter = v.Counter;
        }

        return Command.RateTicket(counter, ticket, ScoreArg(step.A, step.C), ScaleArg(step.C), ReasonsArg(step.C));
    }

    /// <summary>A configured counter number, or now and then one that does not exist.</summary>
    private int CounterArg(int a) => a % 20 == 19 ? 99 : _config.Counters[a % _config.Counters.Count].Number;

    /// <summary>A staff id: often none (0), usually 1..999, now and then one out of range.</summary>
    private static int StaffArg(int a) => a % 50 == 49 ? 1_000_000 : a % 4 == 0 ? 0 : a;

    /// <summary>A service index, or now and then one that does not exist.</summary>
    private int ServiceArg(int b) => b % 20 == 19 ? _config.Services.Count : b % _config.Services.Count;

    /// <summary>
    /// A ticket id of today: usually one in the preferred state if there is one (a no-show to recover, a waiting
    /// ticket to cancel), otherwise any earlier ticket, and now and then an id that does not exist.
    /// </summary>
    private int TicketArg(int b, int c, TicketState preferred)
    {
        int n = _engine.TicketCount;
        if (b % 3 != 0)
        {
            var candidates = new List<int>();
            for (int i = 0; i < n; i++)
            {
                if (_engine.TryGetTicket(i, out TicketView v) && (v.State == preferred || (preferred == TicketState.Waiting && v.State == TicketState.Parked)))
                {
                    candidates.Add(i);
                }
            }

            if (candidates.Count > 0)
            {
                return candidates[c % candidates.Count];
            }
        }

        return c % (n + 1);
    }

    /// <summary>Usually a counter for which the condition holds, if any; otherwise any configured counter.</summary>
    private int CounterWhere(int a, Func<CounterView, bool> condition)
    {
        int[] matching = [.. _config.Counters.Select(c => c.Number).Where(n => _engine.TryGetCounter(n, out CounterView cv) && condition(cv))];
        return matching.Length > 0 ? matching[a % matching.Length] : CounterArg(a);
    }

    private bool IsNoShow(int ticket) => _engine.TryGetTicket(ticket, out TicketView v) && v.State == TicketState.NoShow;

    /// <summary>Call back: mostly at a counter with a parked ticket, by default or naming one of the parked tickets.</summary>
    private Command CallBack(in Step step, int counter)
    {
        int ticket = TicketArg(step.B / 2, step.C, TicketState.Parked);
        if (step.A % 3 != 0 && _engine.TryGetTicket(ticket, out TicketView v) && v.State == TicketState.Parked)
        {
            counter = v.Counter;
        }

        return step.B % 2 == 0 ? Command.CallBack(counter) : Command.CallBack(counter, ticket);
    }

    private Command RecoverNumber(int ticket) =>
        _engine.TryGetTicket(ticket, out TicketView v) ? Command.RecoverNumber(v.NumberService, v.Number) : Command.RecoverNumber(0, ticket + 1);

    private Command CancelNumber(int ticket) =>
        _engine.TryGetTicket(ticket, out TicketView v) ? Command.CancelNumber(v.NumberService, v.Number) : Command.CancelNumber(0, ticket + 1);

    // ---- running a command or a tick, with the followers ----

    private void Tick()
    {
        _engine.Tick(_now);
        LobbyEvent[] events = _engine.LastEvents.ToArray();
        TraceLine($"e.Tick({Time(_now)});", events);
        Follow(events, null, follower =>
        {
            follower.Tick(_now);
            return null;
        });
        CheckEvents(events, isTick: true);
        CheckState();
    }

    private void Execute(in Command command, string? note)
    {
        Before before = Snapshot();
        CommandResult result = _engine.Execute(in command, _now);
        LobbyEvent[] events = _engine.LastEvents.ToArray();
        TraceLine($"e.Execute({Format(in command)}, {Time(_now)}); // {(note is null ? "" : note + ": ")}{Format(in result)}", events);
        Command copy = command;
        Follow(events, result, follower => follower.Execute(in copy, _now));
        Count(result.Accepted ? $"{command.Kind} accepted" : $"{command.Kind} refused {result.Refusal}");
        CheckEvents(events, isTick: false);
        CheckCommand(in command, in result, events, before);
        CheckState();
    }

    /// <summary>
    /// Before the restart the twin applies the live events (replay); after it, the twin and the engine restored from
    /// a snapshot run the same step themselves and must give the same result, the same events and the same state.
    /// </summary>
    private void Follow(LobbyEvent[] events, CommandResult? result, Func<QueueEngine, CommandResult?> step)
    {
        if (!Has(Checks.EventLog))
        {
            return;
        }

        if (!_twinDriven)
        {
            foreach (LobbyEvent e in events)
            {
                _twin.Apply(in e);
            }

            Require(_twin.DescribeState() == _engine.DescribeState(), "replaying every event so far gives the live state");
            return;
        }

        Compare(_twin, "twin restarted from the log");
        Compare(_restored!, "engine restored from a snapshot");

        void Compare(QueueEngine follower, string name)
        {
            CommandResult? followed = step(follower);
            Require(followed == result, $"the {name} gives the same result ({(followed is { } r ? Format(in r) : "tick")})");
            LobbyEvent[] emitted = follower.LastEvents.ToArray();
            Require(emitted.SequenceEqual(events), $"the {name} emits the same events (it emitted {string.Join(", ", emitted.Select(FormatEvent))})");
            Require(follower.DescribeState() == _engine.DescribeState(), $"the {name} stays in the live state");
        }
    }

    /// <summary>From now on the twin replayed from the log and an engine restored from a snapshot run the steps themselves.</summary>
    private void CheckPredictions()
    {
        _fresh ??= new QueueEngine(_config);
        Require(_fresh.TryRestoreSnapshot(_engine.CreateSnapshot()), "a snapshot of the live engine restores");
        for (int s = 0; s < _config.Services.Count; s++)
        {
            for (Tier tier = Tier.Normal; tier <= Tier.Vip; tier++)
            {
                WaitPrediction live = _engine.Predict(s, tier);
                WaitPrediction fresh = _fresh.Predict(s, tier);
                Require(live == fresh, $"the prediction for service {s} tier {tier} is {live}; computed afresh it is {fresh}");
            }
        }
    }

    private void Restart()
    {
        _twinDriven = true;
        if (Has(Checks.EventLog))
        {
            _trace.Append("// restart: from here a twin replayed from the log and an engine restored from a snapshot run the same steps\n");
            _restored = new QueueEngine(_config);
            Require(_restored.TryRestoreSnapshot(_engine.CreateSnapshot()), "a snapshot of the live engine restores into a fresh one");
            Require(_restored.DescribeState() == _engine.DescribeState(), "a restored snapshot gives the live state");
        }
    }

    // ---- checks ----

    /// <summary>What the checks need from before a command.</summary>
    private sealed record Before(string State, TicketView[] Tickets, int[][] Queues, CounterView[] Counters);

    private Before Snapshot()
    {
        int n = _engine.TicketCount;
        var tickets = new TicketView[n];
        for (int i = 0; i < n; i++)
        {
            _engine.TryGetTicket(i, out tickets[i]);
        }

        var queues = new int[_config.Services.Count][];
        for (int s = 0; s < queues.Length; s++)
        {
            queues[s] = Queue(s);
        }

        var counters = new CounterView[_config.Counters.Count];
        for (int c = 0; c < counters.Length; c++)
        {
            _engine.TryGetCounter(_config.Counters[c].Number, out counters[c]);
        }

        return new Before(Has(Checks.EventLog) ? _engine.DescribeState() : "", tickets, queues, counters);
    }

    private int[] Queue(int service)
    {
        int[] buffer = new int[_engine.TicketCount + 1];
        int count = _engine.CopyQueue(service, buffer);
        return buffer[..count];
    }

    private void CheckEvents(LobbyEvent[] events, bool isTick)
    {
        foreach (LobbyEvent e in events)
        {
            _log.Add(e);
            Count(e.Kind == EventKind.TicketAbandoned ? $"event {e.Kind} {e.AsTicketAbandoned().Reason}"
                : e.Kind == EventKind.TicketRated ? $"event {e.Kind} {(e.AsTicketRated().Linked ? "linked" : "unlinked")}"
                : e.Kind == EventKind.RatingRequested ? $"event {e.Kind} {(e.AsRatingRequested().PromptNumber == 1 ? "first" : "again")}"
                : $"event {e.Kind}");
            if (Has(Checks.EventLog))
            {
                Require(e.Sequence == _lastSequence + 1, $"event #{e.Sequence} follows #{_lastSequence} without a gap");
                Require(e.TimeTicks == _now.UtcTicks, $"event #{e.Sequence} {e.Kind} is stamped with the step's time");
            }

            _lastSequence = e.Sequence;
            string? careWrong = _care.Add(in e);
            string? ratingWrong = _ratings.Add(in e);
            if (e.Kind is EventKind.TicketIssued or EventKind.TicketTransferred or EventKind.TicketDiverted or EventKind.TicketRecovered)
            {
                long ms = (long)_config.Services[e.Service].CareThreshold.TotalMilliseconds;
                _careThresholdMs[e.Ticket] = Math.Min(ms, _careThresholdMs.GetValueOrDefault(e.Ticket, ms));
                long repeat = _config.Services[e.Service].CareRepeat.Ticks;
                _careRepeatTicks[e.Ticket] = Math.Min(repeat, _careRepeatTicks.GetValueOrDefault(e.Ticket, repeat));
            }
            else if (e.Kind == EventKind.CareGiven)
            {
                _lastCareTicks[e.Ticket] = e.TimeTicks;
            }
            else if (e.Kind == EventKind.DayOpened)
            {
                _careThresholdMs.Clear();
                _lastCareTicks.Clear();
                _careRepeatTicks.Clear();
            }

            if (Has(Checks.Holding))
            {
                Require(careWrong is null, careWrong ?? "");
                Require(ratingWrong is null, ratingWrong ?? "");
            }

            switch (e.Kind)
            {
                case EventKind.DayOpened:
                    _endings.Clear();
                    _slaBreached.Clear();
                    _namedRatings.Clear();
                    _dispenserIssued = new int[_config.Services.Count];
                    _callsOf = new int[_config.Services.Count];
                    _noShowAt.Clear();
                    _calls.Clear();
                    _openedTicks = e.TimeTicks;
                    break;
                case EventKind.TicketCalled:
                    _callsOf[e.Service]++;
                    _calls.Add(new RecentCall(e.Ticket, e.NumberService, e.Number, e.Counter, e.TimeTicks, 0));
                    break;
                case EventKind.TicketRecalled:
                    _calls.Add(new RecentCall(e.Ticket, e.NumberService, e.Number, e.Counter, e.TimeTicks, e.AsTicketRecalled().Recalls));
                    break;
                case EventKind.TicketNoShow:
                    _noShowAt[e.Ticket] = (e.TimeTicks, _callsOf[e.Service]);
                    break;
                case EventKind.TicketIssued:
                    Require(e.Ticket == _endings.Count, $"ticket {e.Ticket} is issued with the next id of the day");
                    _endings.Add(0);
                    if (!e.AsTicketIssued().IsWalkIn)
                    {
                        _dispenserIssued[e.Service]++;
                    }

                    break;
                case EventKind.TicketCompleted:
                case EventKind.TicketCancelled:
                case EventKind.TicketAbandoned:
                    Require((uint)e.Ticket < (uint)_endings.Count, $"ending event #{e.Sequence} is for a ticket issued today");
                    _endings[e.Ticket]++;
                    Require(_endings[e.Ticket] == 1, $"ticket {e.Ticket} ends only once (again by #{e.Sequence} {e.Kind})");
                    if (e.Kind == EventKind.TicketAbandoned && e.AsTicketAbandoned().Reason == AbandonReason.NoShowExpired && Has(Checks.QueueRules))
                    {
                        CheckNoShowExpired(in e);
                    }

                    break;
                case EventKind.SlaBreached:
                    Require(isTick, "sla-breached comes from a timer tick");
                    if (Has(Checks.Holding))
                    {
                        Require(_slaBreached.Add(e.Ticket), $"ticket {e.Ticket} breaches the SLA only once");
                        Require(e.AsSlaBreached().WaitedMs >= (long)_config.Services[e.Service].SlaTarget.TotalMilliseconds, $"ticket {e.Ticket} breaches only after the SLA target");
                    }

                    break;
                case EventKind.CareNeeded:
                    Require(isTick, "care-needed comes from a timer tick");
                    if (Has(Checks.Holding))
                    {
                        // The engine times the first alert by the threshold of the service that issued the
                        // ticket; after a transfer the service it waits in may have another, and a divert times it
                        // by the new service's. Any of them is accepted. Care given restarts the repeat: the next
                        // alert may come a repeat after the care, before the threshold (API12).
                        long threshold = _careThresholdMs.GetValueOrDefault(e.Ticket, long.MaxValue);
                        bool afterCare = _lastCareTicks.TryGetValue(e.Ticket, out long cared)
                            && e.TimeTicks - cared >= _careRepeatTicks.GetValueOrDefault(e.Ticket, long.MaxValue);
                        Require(e.AsCareNeeded().WaitedMs >= threshold || afterCare, $"ticket {e.Ticket} needs care only after the care threshold, or a repeat after its last care");
                    }

                    break;
                default:
                    break;
            }
        }

        if (Has(Checks.Holding))
        {
            foreach (LobbyEvent e in events)
            {
                if (e.Kind is EventKind.SlaBreached or EventKind.CareNeeded)
                {
                    Require(_engine.TryGetTicket(e.Ticket, out TicketView v) && v.State == TicketState.Waiting,
                        $"{e.Kind} #{e.Sequence} is for a ticket that is waiting");
                }
            }

            if (events.Any(e => e.Kind == EventKind.DayClosed))
            {
                CheckDayClosed();
            }
        }

        if (Has(Checks.QueueRules))
        {
            foreach (LobbyEvent e in events)
            {
                if (e.Kind == EventKind.SlaBreached && e.Tier == Tier.Normal)
                {
                    CheckLiftedToPriority(e.Ticket, e.Service);
                }
            }
        }
    }

    /// <summary>A no-show ends as expired only once it is outside tolerance (calls or time since the no-show).</summary>
    private void CheckNoShowExpired(in LobbyEvent e)
    {
        ServiceConfig sc = _config.Services[e.Service];
        (long ticks, int mark) = _noShowAt[e.Ticket];
        int calls = _callsOf[e.Service] - mark;
        TimeSpan since = TimeSpan.FromTicks(e.TimeTicks - ticks);
        bool byCalls = e.AsTicketAbandoned().ExpiredLimit == RefusalReason.ToleranceCallsExceeded;
        Require(byCalls ? calls > sc.ToleranceCalls : PastToleranceTime(since, sc),
            $"no-show {e.Ticket} expires ({e.AsTicketAbandoned().ExpiredLimit}) only outside tolerance ({calls} further calls, tolerance {sc.ToleranceCalls}; {since} since, tolerance {sc.ToleranceTime})");
    }

    /// <summary>
    /// DOMAIN.md: recovery is allowed "at most ToleranceMinutes since the no-show", so at exactly the tolerance a
    /// no-show can still be recovered and has not expired. Recovery and expiry must agree on this one boundary.
    /// </summary>
    private static bool PastToleranceTime(TimeSpan since, ServiceConfig sc) => since > sc.ToleranceTime;

    /// <summary>A normal ticket past its SLA waits among the priority tickets, by its original issue time.</summary>
    private void CheckLiftedToPriority(int id, int service)
    {
        _engine.TryGetTicket(id, out TicketView lifted);
        var ahead = new List<int>();
        foreach (int t in Queue(service))
        {
            if (t == id)
            {
                Require(ahead.All(a => TicketAt(a).IssuedTicks <= lifted.IssuedTicks),
                    $"normal ticket {id} past its SLA is placed among the priority tickets by issue time (priority lane ahead of it: [{string.Join(",", ahead)}])");
                return;
            }

            TicketView other = TicketAt(t);
            if (LaneOf(in other) == 1)
            {
                ahead.Add(t);
            }
            else if (LaneOf(in other) == 0)
            {
                Require(false, $"normal ticket {id} past its SLA is called before normal ticket {t} (queue [{string.Join(",", Queue(service))}])");
            }
        }

        Require(false, $"normal ticket {id} past its SLA is still in service {service}'s queue");
    }

    private TicketView TicketAt(int id)
    {
        _engine.TryGetTicket(id, out TicketView v);
        return v;
    }

    private void CheckDayClosed()
    {
        Require(!_engine.IsDayOpen, "the day is closed after day-closed");
        Require(_endings.Count == _engine.TicketCount, "every ticket of the day was issued by an event");
        for (int i = 0; i < _endings.Count; i++)
        {
            Require(_endings[i] == 1, $"at day close ticket {i} has exactly one ending event (has {_endings[i]})");
            _engine.TryGetTicket(i, out TicketView v);
            Require(v.State is TicketState.Completed or TicketState.Cancelled or TicketState.Abandoned, $"at day close ticket {i} is not live ({v.State})");
        }

        foreach (CounterConfig c in _config.Counters)
        {
            _engine.TryGetCounter(c.Number, out CounterView cv);
            Require(cv.State == CounterState.Closed && cv.CurrentTicket < 0 && cv.ParkedCount == 0, $"at day close counter {c.Number} is closed and empty");
        }

        for (int s = 0; s < _config.Services.Count; s++)
        {
            Require(_engine.WaitingCount(s) == 0, $"at day close nobody waits for service {s}");
        }
    }

    private void CheckCommand(in Command command, in CommandResult result, LobbyEvent[] events, Before before)
    {
        Require(result.EventCount == events.Length, "the result counts the events in LastEvents");
        if (!result.Accepted)
        {
            if (Has(Checks.EventLog))
            {
                if (command.Kind == CommandKind.Recover && events.Length > 0)
                {
                    Require(events.Length == 1 && events[0].Kind == EventKind.RecoveryRefused, "a refused recovery records one recovery-refused event");
                    Require(events[0].AsRecoveryRefused().Refusal == result.Refusal && events[0].Ticket == result.Ticket, "recovery-refused names the ticket and the reason");
                    Require(result.Refusal is RefusalReason.MaxRecoveriesReached or RefusalReason.ToleranceCallsExceeded or RefusalReason.ToleranceMinutesExceeded,
                        "only a recovery outside tolerance is recorded");
                }
                else
                {
                    Require(events.Length == 0, "a refused command emits no events");
                }

                Require(WithoutSequence(_engine.DescribeState()) == WithoutSequence(before.State), "a refused command changes no state");
            }

            if (Has(Checks.QueueRules) && command.Kind == CommandKind.Recover)
            {
                CheckRecoveryTolerance(in result, before);
            }

            if (Has(Checks.QueueRules))
            {
                CheckLobbyManagerRefusal(in command, in result, before);
                CheckRatingDecision(in command, in result, events, before);
            }

            if (Has(Checks.QueueRules) && command.Kind == CommandKind.CallNext && result.Refusal == RefusalReason.NothingWaiting)
            {
                int ci = CounterIndex(command.Counter);
                Require(_config.Counters[ci].Services.All(sw => before.Queues[sw.Service].Length == 0), "call-next finds nothing only when nobody waits for the counter's services");
            }

            return;
        }

        Require(events.Length > 0, "an accepted command emits at least one event");
        if (Has(Checks.QueueRules))
        {
            switch (command.Kind)
            {
                case CommandKind.CallNext:
                    CheckCallNext(in command, events, before);
                    break;
                case CommandKind.Recover:
                    CheckRecoveryTolerance(in result, before);
                    CheckRecovered(in result, events, before);
                    break;
                case CommandKind.Transfer:
                    CheckTransferred(in command, in result, events, before);
                    break;
                case CommandKind.ChangeTier:
                case CommandKind.Divert:
                case CommandKind.GiveCare:
                case CommandKind.Reprint:
                    CheckLobbyManagerRefusal(in command, in result, before);
                    CheckLobbyManagerAct(in command, events, before);
                    break;
                case CommandKind.RequestRating:
                case CommandKind.Rate:
                    CheckRatingDecision(in command, in result, events, before);
                    break;
                case CommandKind.Issue:
                    {
                        int[] queue = Queue(command.Service);
                        Require(Array.IndexOf(queue, result.Ticket) == result.PeopleAhead,
                            $"new ticket {result.Ticket} is told {result.PeopleAhead} people are ahead, its place in the queue [{string.Join(",", queue)}]");
                        break;
                    }

                default:
                    break;
            }
        }
    }

    private void CheckCallNext(in Command command, LobbyEvent[] events, Before before)
    {
        int ci = CounterIndex(command.Counter);
        CounterConfig cc = _config.Counters[ci];
        int previous = before.Counters[ci].CurrentTicket;
        if (previous >= 0)
        {
            bool noShow = cc.ButtonOnly && before.Tickets[previous].State == TicketState.Called;
            EventKind ending = noShow ? EventKind.TicketNoShow : EventKind.TicketCompleted;
            Require(events.Any(e => e.Kind == ending && e.Ticket == previous), $"call-next ends the counter's ticket {previous} as {ending}");
        }

        LobbyEvent[] calls = [.. events.Where(e => e.Kind == EventKind.TicketCalled)];
        Require(calls.Length <= 1, "call-next calls at most one ticket");
        if (calls.Length == 0)
        {
            Require(cc.Services.All(sw => before.Queues[sw.Service].Length == 0), "call-next calls someone when anyone waits for the counter's services");
            return;
        }

        LobbyEvent call = calls[0];
        int service = call.Service;
        Require(call.Counter == command.Counter && call.AsTicketCalled().Source == CallSource.Next, "the call is at the counter, as call-next");
        Require(cc.Services.Any(sw => sw.Service == service), $"counter {cc.Number} serves service {service} that it called");
        Require(before.Queues[service].Length > 0 && before.Queues[service][0] == call.Ticket,
            $"call-next calls the head of service {service}'s queue (was [{string.Join(",", before.Queues[service])}], called {call.Ticket})");
        switch (cc.Mode)
        {
            case CounterMode.Ordered:
                {
                    int first = cc.Services.First(sw => before.Queues[sw.Service].Length > 0).Service;
                    Require(first == service, $"an ordered counter calls the first listed service with anyone waiting ({first})");
                    break;
                }

            case CounterMode.LongestWait:
                {
                    long oldest = cc.Services.Where(sw => before.Queues[sw.Service].Length > 0)
                        .Min(sw => before.Tickets[before.Queues[sw.Service][0]].QueuedTicks);
                    Require(before.Tickets[call.Ticket].QueuedTicks == oldest, "a longest-wait counter calls the head that has waited longest");
                    break;
                }

            default:
                break;
        }
    }

    /// <summary>
    /// A no-show is recovered exactly when it is inside tolerance: at most ToleranceCalls further calls of its
    /// service, at most ToleranceTime since the no-show, fewer than MaxRecoveries recoveries so far.
    /// </summary>
    private void CheckRecoveryTolerance(in CommandResult result, Before before)
    {
        int id = result.Ticket;
        if (id < 0 || id >= before.Tickets.Length || before.Tickets[id].State != TicketState.NoShow)
        {
            return;
        }

        TicketView was = before.Tickets[id];
        ServiceConfig sc = _config.Services[was.Service];
        (long ticks, int mark) = _noShowAt[id];
        int calls = _callsOf[was.Service] - mark;
        TimeSpan since = TimeSpan.FromTicks(_now.UtcTicks - ticks);
        var outside = new List<RefusalReason>();
        if (was.Recoveries >= sc.MaxRecoveries)
        {
            outside.Add(RefusalReason.MaxRecoveriesReached);
        }

        if (calls > sc.ToleranceCalls)
        {
            outside.Add(RefusalReason.ToleranceCallsExceeded);
        }

        if (PastToleranceTime(since, sc))
        {
            outside.Add(RefusalReason.ToleranceMinutesExceeded);
        }

        string situation = $"no-show {id}: {calls} further calls (tolerance {sc.ToleranceCalls}), {since} since (tolerance {sc.ToleranceTime}), {was.Recoveries} recoveries (max {sc.MaxRecoveries})";
        Require(outside.Count == 0 ? result.Accepted : outside.Contains(result.Refusal),
            $"a recovery is accepted exactly inside tolerance ({situation}; got {(result.Accepted ? "accepted" : result.Refusal.ToString())})");
    }

    private void CheckRecovered(in CommandResult result, LobbyEvent[] events, Before before)
    {
        int id = result.Ticket;
        TicketView was = before.Tickets[id];
        int service = was.Service;
        int lane = LaneOf(in was);
        int ahead = before.Queues[service].Count(t => LaneOf(in before.Tickets[t]) == lane);
        int expected = Math.Min(_config.Services[service].RecoverOffset, ahead);
        LobbyEvent recovered = events.Single(e => e.Kind == EventKind.TicketRecovered);
        Require(recovered.Ticket == id && recovered.AsTicketRecovered().PlacesFromFront == expected,
            $"ticket {id} is recovered min(offset {_config.Services[service].RecoverOffset}, {ahead} waiting in its lane) = {expected} places from the front (event says {recovered.AsTicketRecovered().PlacesFromFront})");
        int position = PositionInLane(service, id, out TicketView now);
        Require(now.State == TicketState.Waiting && position == expected,
            $"recovered ticket {id} sits {expected} places from the front of its lane (sits {position}; queue [{string.Join(",", Queue(service))}])");
    }

    private void CheckTransferred(in Command command, in CommandResult result, LobbyEvent[] events, Before before)
    {
        int id = result.Ticket;
        int service = command.Service;
        LobbyEvent moved = events.Single(e => e.Kind == EventKind.TicketTransferred);
        Placement placement = command.Placement == Placement.Default ? _config.Services[service].TransferPlacement : command.Placement;
        int lane = LaneOf(in before.Tickets[id]);
        int inLane = before.Queues[service].Count(t => LaneOf(in before.Tickets[t]) == lane);
        int position = PositionInLane(service, id, out TicketView now);
        Require(now.State == TicketState.Waiting && now.Service == service && moved.AsTicketTransferred().Placement == placement, $"ticket {id} waits in service {service}, placed {placement}");
        Require(position == moved.AsTicketTransferred().PlacesFromFront, $"transferred ticket {id} sits where the event says ({moved.AsTicketTransferred().PlacesFromFront}, sits {position})");
        if (placement == Placement.Front)
        {
            Require(position == 0, "a ticket transferred to the front sits at the front of its lane");
        }
        else if (placement == Placement.End)
        {
            Require(position == inLane, "a ticket transferred to the end sits behind everyone in its lane");
        }
    }

    /// <summary>
    /// The lobby manager's commands (care, tier, divert, reprint) are refused exactly for the reasons API12 lists,
    /// in its order, and accepted otherwise; a bad staff id is an invalid command.
    /// </summary>
    private void CheckLobbyManagerRefusal(in Command command, in CommandResult result, Before before)
    {
        if (command.Kind is not (CommandKind.GiveCare or CommandKind.ChangeTier or CommandKind.Divert or CommandKind.Reprint))
        {
            return;
        }

        int id = command.Ticket;
        bool known = (uint)id < (uint)before.Tickets.Length;
        TicketState state = known ? before.Tickets[id].State : TicketState.Waiting;
        RefusalReason expected =
            (uint)command.Staff > 999_999 ? RefusalReason.InvalidCommand
            : !_engine.IsDayOpen && !result.Accepted ? RefusalReason.DayNotOpen
            : command.Kind == CommandKind.ChangeTier && (uint)command.Tier > (uint)Tier.Vip ? RefusalReason.InvalidCommand
            : !known ? RefusalReason.UnknownTicket
            : command.Kind == CommandKind.Divert && (uint)command.Service >= (uint)_config.Services.Count ? RefusalReason.UnknownService
            : command.Kind == CommandKind.Reprint
                ? (state is TicketState.Waiting or TicketState.Called or TicketState.Serving or TicketState.Parked or TicketState.NoShow ? RefusalReason.None : RefusalReason.TicketEnded)
            : state != TicketState.Waiting ? RefusalReason.TicketNotWaiting
            : command.Kind == CommandKind.ChangeTier && before.Tickets[id].Tier == command.Tier ? RefusalReason.SameTier
            : command.Kind == CommandKind.Divert && before.Tickets[id].Service == command.Service ? RefusalReason.SameService
            : RefusalReason.None;
        Require(result.Refusal == expected, $"{command.Kind} of ticket {id} ({(known ? state.ToString() : "unknown")}) is {(expected == RefusalReason.None ? "accepted" : "refused " + expected)} (got {(result.Accepted ? "accepted" : result.Refusal.ToString())})");
    }

    /// <summary>
    /// A prompt or a rating is decided as API13 says, from the state before it: refused for the reasons it lists in
    /// its order; a pad rating is linked to the counter's last finished ticket when within the rating window and not
    /// yet rated, refused as a second press when rated, unlinked otherwise; a page rating (RateTicket) is linked to
    /// the ticket it names whatever the time since the finish, or refused, never unlinked, and no ticket is named by
    /// more than one accepted RateTicket; one event of its kind.
    /// </summary>
    private void CheckRatingDecision(in Command command, in CommandResult result, LobbyEvent[] events, Before before)
    {
        if (command.Kind is not (CommandKind.RequestRating or CommandKind.Rate))
        {
            return;
        }

        long window = _config.RatingWindow.Ticks;
        int ci = CounterIndex(command.Counter);
        bool Within(long finished) => finished > 0 && _now.UtcTicks - finished <= window;
        bool Rated(int id) => before.Tickets[id].RatingScale != RatingScale.None;
        bool onScale = command.Scale switch
        {
            RatingScale.Pad5 => command.Score is >= 1 and <= 5,
            RatingScale.Nps11 => command.Score is >= 0 and <= 10,
            _ => false,
        };
        int last = ci >= 0 ? before.Counters[ci].LastFinished : -1;
        long lastTicks = ci >= 0 ? before.Counters[ci].LastFinishedTicks : 0;
        int named = command.Ticket;
        bool knownNamed = (uint)named < (uint)before.Tickets.Length;
        int linked = -1;
        RefusalReason expected =
            (uint)command.Staff > 999_999 ? RefusalReason.InvalidCommand
            : !_engine.IsDayOpen ? RefusalReason.DayNotOpen
            : ci < 0 ? RefusalReason.UnknownCounter
            : RefusalReason.None;
        if (expected == RefusalReason.None && command.Kind == CommandKind.RequestRating)
        {
            expected = last < 0 || !Within(lastTicks) ? RefusalReason.NothingToRate : Rated(last) ? RefusalReason.AlreadyRated : RefusalReason.None;
            linked = last;
        }
        else if (expected == RefusalReason.None)
        {
            expected =
                !onScale ? RefusalReason.ScoreOutOfRange
                : (command.Reasons & ~RatingReasons.All) != 0 ? RefusalReason.InvalidCommand
                : named == -1 ? (last >= 0 && Within(lastTicks) && Rated(last) ? RefusalReason.AlreadyRated : RefusalReason.None)
                : !knownNamed ? RefusalReason.UnknownTicket
                : before.Tickets[named].State != TicketState.Completed || before.Tickets[named].Counter != command.Counter ? RefusalReason.WrongTicketState
                : Rated(named) ? RefusalReason.AlreadyRated
                : RefusalReason.None;
            linked = named == -1 ? (last >= 0 && Within(lastTicks) ? last : -1) : named;
        }

        string what = $"{command.Kind} at counter {command.Counter} (ticket {named}, last finished {last} at {lastTicks}, now {_now.UtcTicks}, window {_config.RatingWindow})";
        Require(result.Refusal == expected, $"{what} is {(expected == RefusalReason.None ? "accepted" : "refused " + expected)} (got {(result.Accepted ? "accepted" : result.Refusal.ToString())})");
        if (!result.Accepted)
        {
            return;
        }

        if (command.Kind == CommandKind.Rate && named != -1)
        {
            Require(_namedRatings.Add(named), $"{what}: ticket {named} is named by only one accepted RateTicket a day");
        }

        EventKind kind = command.Kind == CommandKind.RequestRating ? EventKind.RatingRequested : EventKind.TicketRated;
        Require(events.Count(e => e.Kind != EventKind.RequestDecided) == 1 && events[0].Kind == kind && events[0].Counter == command.Counter && events[0].Ticket == linked && result.Ticket == linked,
            $"{what} emits one {kind} event for ticket {linked} (got {string.Join(", ", events.Select(FormatEvent))})");
        if (kind == EventKind.TicketRated)
        {
            TicketRatedView rated = events[0].AsTicketRated();
            Require(rated.Score == command.Score && rated.Scale == command.Scale && rated.Reasons == command.Reasons && rated.Linked == (linked >= 0),
                $"{what}: the rating event carries the score, scale and reasons given");
            Require(linked < 0 || (TicketAt(linked).RatingScore == command.Score && TicketAt(linked).RatingScale == command.Scale),
                $"{what}: the linked ticket {linked} holds the rating");
        }
        else
        {
            Require(TicketAt(linked).RatingPrompts == before.Tickets[linked].RatingPrompts + 1, $"{what}: the ticket's prompts count up");
        }
    }

    /// <summary>
    /// An accepted care, tier change, divert or reprint: one event of its kind, with the staff id; a ticket moved
    /// by a tier change or a divert sits where the event says, in the right lane, in issue-time order when placed
    /// by age; care and reprint counts go up by one.
    /// </summary>
    private void CheckLobbyManagerAct(in Command command, LobbyEvent[] events, Before before)
    {
        int id = command.Ticket;
        EventKind kind = command.Kind switch
        {
            CommandKind.GiveCare => EventKind.CareGiven,
            CommandKind.ChangeTier => EventKind.TierChanged,
            CommandKind.Divert => EventKind.TicketDiverted,
            _ => EventKind.TicketReprinted,
        };
        Require(events.Count(e => e.Kind != EventKind.RequestDecided) == 1 && events[0].Kind == kind && events[0].Ticket == id && events[0].B == command.Staff,
            $"{command.Kind} of ticket {id} emits one {kind} event for it with staff {command.Staff}");
        TicketView was = before.Tickets[id];
        TicketView now = TicketAt(id);
        switch (command.Kind)
        {
            case CommandKind.GiveCare:
                Require(now.CareGiven == was.CareGiven + 1 && now.LastCareTicks == _now.UtcTicks && now.CareAlertTicks == 0 && now.State == TicketState.Waiting,
                    $"care of ticket {id} counts one more care at {_now.UtcTicks} and answers its alerts");
                break;
            case CommandKind.Reprint:
                Require(now.Reprints == was.Reprints + 1 && events[0].AsTicketReprinted().ReprintNumber == now.Reprints && now.State == was.State,
                    $"reprint of ticket {id} counts one more reprint and changes nothing else");
                break;
            case CommandKind.ChangeTier:
                Require(now.Tier == command.Tier && events[0].AsTierChanged().OldTier == was.Tier && now.Service == was.Service && now.State == TicketState.Waiting,
                    $"ticket {id} is now {command.Tier} (was {was.Tier}) in the same queue");
                CheckPlacedByAge(id, events[0].AsTierChanged().PlacesFromFront, byAge: true);
                break;
            default:
                {
                    TicketDivertedView diverted = events[0].AsTicketDiverted();
                    Placement placement = command.Placement is Placement.Default or > Placement.ByAge ? _config.Services[command.Service].TransferPlacement : command.Placement;
                    Require(now.Service == command.Service && diverted.FromService == was.Service && diverted.Placement == placement
                        && now.NumberService == was.NumberService && now.Number == was.Number && now.QueuedTicks == was.QueuedTicks && now.IssuedTicks == was.IssuedTicks,
                        $"diverted ticket {id} waits in service {command.Service} (from {was.Service}, placed {placement}), keeps its number, issue and queue times");
                    int inLane = before.Queues[command.Service].Count(t => LaneOf(in before.Tickets[t]) == LaneOf(in was));
                    int position = CheckPlacedByAge(id, diverted.PlacesFromFront, byAge: placement == Placement.ByAge);
                    Require(placement != Placement.Front || position == 0, "a ticket diverted to the front sits at the front of its lane");
                    Require(placement != Placement.End || position == inLane, "a ticket diverted to the end sits behind everyone in its lane");
                    break;
                }
        }
    }

    /// <summary>
    /// A moved ticket sits where its event says in the lane its tier and SLA state give; placed by age, it sits behind
    /// the tickets issued no later than it and ahead of the first issued after it. Returns its place.
    /// </summary>
    private int CheckPlacedByAge(int id, int placesFromFront, bool byAge)
    {
        int position = PositionInLane(TicketAt(id).Service, id, out TicketView view);
        Require(view.State == TicketState.Waiting && position == placesFromFront, $"moved ticket {id} sits {placesFromFront} places from the front of its lane (sits {position})");
        if (byAge)
        {
            int lane = LaneOf(in view);
            int[] order = [.. Queue(view.Service).Where(t => LaneOf(TicketAt(t)) == lane)];
            Require(order.Take(position).All(t => TicketAt(t).IssuedTicks <= view.IssuedTicks),
                $"moved ticket {id} sits behind tickets issued no later than it ([{string.Join(",", order)}])");
            Require(position == order.Length - 1 || TicketAt(order[position + 1]).IssuedTicks > view.IssuedTicks,
                $"moved ticket {id} sits ahead of the first ticket issued after it ([{string.Join(",", order)}])");
        }

        return position;
    }

    private int PositionInLane(int service, int id, out TicketView view)
    {
        _engine.TryGetTicket(id, out view);
        int lane = LaneOf(in view);
        int position = 0;
        foreach (int t in Queue(service))
        {
            if (t == id)
            {
                return position;
            }

            _engine.TryGetTicket(t, out TicketView other);
            if (LaneOf(in other) == lane)
            {
                position++;
            }
        }

        return -1;
    }

    /// <summary>The lane a waiting ticket belongs in: VIP, then priority (with normal tickets past their SLA), then normal.</summary>
    private static int LaneOf(in TicketView v) =>
        v.Tier == Tier.Vip ? 2 : v.Tier == Tier.Priority || v.SlaBreached ? 1 : 0;

    private void CheckState()
    {
        if (Has(Checks.Predictions))
        {
            CheckPredictions();
        }

        int n = _engine.TicketCount;
        var tickets = new TicketView[n];
        for (int i = 0; i < n; i++)
        {
            Require(_engine.TryGetTicket(i, out tickets[i]) && tickets[i].Id == i, $"ticket {i} can be read");
        }

        if (Has(Checks.Holding))
        {
            CheckCareFigures();
            CheckRatingFigures(tickets);
            CheckHolding(tickets);
            CheckWaiting(tickets);
            CheckNumbers(tickets);
            CheckDisplaysAndClocks();
        }

        if (Has(Checks.QueueRules))
        {
            for (int s = 0; s < _config.Services.Count; s++)
            {
                int[] queue = Queue(s);
                for (int k = 1; k < queue.Length; k++)
                {
                    Require(LaneOf(in tickets[queue[k - 1]]) >= LaneOf(in tickets[queue[k]]),
                        $"service {s}'s queue calls VIP, then priority (incl. normal past SLA), then normal: [{string.Join(",", queue.Select(t => $"{t}:{tickets[t].Tier}{(tickets[t].SlaBreached ? "+sla" : "")}"))}]");
                }
            }
        }
    }

    /// <summary>The engine's care KPI equals the recount from the event stream, per service and in total; covered never exceeds decided.</summary>
    private void CheckCareFigures()
    {
        var sum = new CareFigures();
        for (int s = 0; s < _config.Services.Count; s++)
        {
            CareFigures live = _engine.CareFiguresOf(s);
            CareFigures recount = _care.Of(s);
            Require(live == recount, $"CareFiguresOf({s}) = {live} equals the recount from the events {recount}");
            Require(live.Covered <= live.Decided && live.UncaredWaiting >= 0 && live.Responses <= live.CareGiven && live.ResponseMsTotal >= 0,
                $"service {s}'s care figures are consistent (covered <= decided, responses <= care given): {live}");
            sum = new CareFigures(sum.Decided + live.Decided, sum.Covered + live.Covered, sum.UncaredWaiting + live.UncaredWaiting,
                sum.CareGiven + live.CareGiven, sum.Responses + live.Responses, sum.ResponseMsTotal + live.ResponseMsTotal);
        }

        Require(_engine.CareFiguresTotal() == sum, $"CareFiguresTotal() = {_engine.CareFiguresTotal()} is the sum over services {sum}");
    }

    /// <summary>
    /// The engine's rating figures equal the recount from the TicketRated and RatingRequested events, per counter and
    /// per service (the linked ratings of the service); the total is the sum over the counters; answers never exceed
    /// requests; the ticket and counter views say what the stream says.
    /// </summary>
    private void CheckRatingFigures(TicketView[] tickets)
    {
        var counters = new List<RatingRecount.Tally>();
        foreach (CounterConfig c in _config.Counters)
        {
            RatingFigures live = _engine.RatingFiguresOfCounter(c.Number);
            RatingRecount.Tally recount = _ratings.OfCounter(c.Number);
            var tally = RatingRecount.Tally.Of(live);
            counters.Add(tally);
            Require(tally.SameAs(recount), $"RatingFiguresOfCounter({c.Number}) = {tally} equals the recount from the events {recount}");
            Require(live.Answered <= live.Requested && live.Total == live.Linked + live.Unlinked && live.Total == live.Rated(RatingScale.Pad5) + live.Rated(RatingScale.Nps11),
                $"counter {c.Number}'s rating figures are consistent (answered <= requested, total = linked + unlinked = pad + 0..10): {live}");
            Require(_engine.TryGetCounter(c.Number, out CounterView cv) && (cv.LastFinished, cv.LastFinishedTicks) == _ratings.LastFinished(c.Number),
                $"counter {c.Number}'s last finished ticket ({cv.LastFinished} at {cv.LastFinishedTicks}) is the stream's {_ratings.LastFinished(c.Number)}");
        }

        var total = RatingRecount.Tally.Of(_engine.RatingFiguresTotal());
        var sum = RatingRecount.Tally.Sum(counters);
        Require(total.SameAs(sum), $"RatingFiguresTotal() = {total} is the sum over the counters {sum}");
        int linkedOfServices = 0;
        for (int s = 0; s < _config.Services.Count; s++)
        {
            RatingFigures live = _engine.RatingFiguresOfService(s);
            var tally = RatingRecount.Tally.Of(live);
            RatingRecount.Tally recount = _ratings.OfService(s);
            Require(tally.SameAs(recount), $"RatingFiguresOfService({s}) = {tally} equals the sum over the linked ratings of the service {recount}");
            Require(live.Unlinked == 0 && live.Answered <= live.Requested, $"service {s}'s rating figures have no unlinked ratings and answered <= requested: {live}");
            linkedOfServices += live.Linked;
        }

        Require(linkedOfServices == total.Linked, $"every linked rating belongs to one service ({linkedOfServices} over the services, {total.Linked} in all)");
        int rated = 0;
        for (int i = 0; i < tickets.Length; i++)
        {
            TicketView t = tickets[i];
            (int score, RatingScale scale, int prompts, long finished) = _ratings.TicketRating(i);
            Require((t.RatingScore, t.RatingScale, t.RatingPrompts, t.FinishedTicks) == (score, scale, prompts, finished),
                $"ticket {i}'s rating {t.RatingScore}/{t.RatingScale}, prompts {t.RatingPrompts}, finished {t.FinishedTicks} are the stream's {score}/{scale}, {prompts}, {finished}");
            Require(t.RatingScale == RatingScale.None || t.State == TicketState.Completed, $"rated ticket {i} was completed ({t.State})");
            rated += t.RatingScale == RatingScale.None ? 0 : 1;
        }

        Require(rated == total.Linked, $"each linked rating rates one ticket, at most once ({rated} rated tickets, {total.Linked} linked ratings)");
    }

    private void CheckHolding(TicketView[] tickets)
    {
        int[] holder = new int[tickets.Length];
        foreach (CounterConfig c in _config.Counters)
        {
            Require(_engine.TryGetCounter(c.Number, out CounterView cv), $"counter {c.Number} can be read");
            int current = cv.CurrentTicket;
            if (current >= 0)
            {
                Require(current < tickets.Length, $"counter {c.Number} holds a ticket of today");
                TicketView t = tickets[current];
                Require(t.State is TicketState.Called or TicketState.Serving, $"counter {c.Number}'s ticket {current} is called or serving ({t.State})");
                Require(t.Counter == c.Number, $"counter {c.Number}'s ticket {current} says it is at counter {c.Number} (says {t.Counter})");
                Require(holder[current] == 0, $"ticket {current} is held by counters {holder[current]} and {c.Number}");
                holder[current] = c.Number;
            }

            Require((current >= 0) == (cv.State == CounterState.Serving), $"counter {c.Number} is serving exactly when it holds a ticket ({cv.State}, ticket {current})");
            int parked = tickets.Count(t => t.State == TicketState.Parked && t.Counter == c.Number);
            Require(cv.ParkedCount == parked, $"counter {c.Number} has {parked} parked tickets (says {cv.ParkedCount})");
        }

        for (int i = 0; i < tickets.Length; i++)
        {
            if (tickets[i].State is TicketState.Called or TicketState.Serving)
            {
                Require(holder[i] != 0, $"{tickets[i].State} ticket {i} is held by a counter");
            }
        }
    }

    /// <summary>
    /// The main display shows the day's last calls and recalls, newest first; each open counter's time per state
    /// adds up to the time since the day opened.
    /// </summary>
    private void CheckDisplaysAndClocks()
    {
        var shown = new RecentCall[_config.RecentCallCount + 1];
        int n = _engine.CopyRecentCalls(shown);
        RecentCall[] expected = [.. Enumerable.Reverse(_calls).Take(_config.RecentCallCount)];
        Require(shown[..n].SequenceEqual(expected),
            $"the main display shows the last calls newest first ([{string.Join(", ", shown[..n])}], expected [{string.Join(", ", expected)}])");

        if (!_engine.IsDayOpen)
        {
            return;
        }

        foreach (CounterConfig c in _config.Counters)
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (CounterState state in Enum.GetValues<CounterState>())
            {
                total += _engine.CounterTimeInState(c.Number, state, _now);
            }

            Require(total.Ticks == _now.UtcTicks - _openedTicks, $"counter {c.Number}'s time per state adds up to the time since the day opened ({total})");
        }
    }

    private void CheckWaiting(TicketView[] tickets)
    {
        for (int s = 0; s < _config.Services.Count; s++)
        {
            int[] expected = [.. tickets.Where(t => t.State == TicketState.Waiting && t.Service == s).Select(t => t.Id)];
            Require(_engine.WaitingCount(s) == expected.Length, $"WaitingCount({s}) = {_engine.WaitingCount(s)} counts the {expected.Length} waiting tickets");
            foreach (Tier tier in (Tier[])[Tier.Normal, Tier.Priority, Tier.Vip])
            {
                int count = tickets.Count(t => t.State == TicketState.Waiting && t.Service == s && t.Tier == tier);
                Require(_engine.WaitingCount(s, tier) == count, $"WaitingCount({s}, {tier}) = {_engine.WaitingCount(s, tier)} counts the {count} waiting tickets");
            }

            int[] queue = Queue(s);
            Require(queue.Length == expected.Length && queue.Order().SequenceEqual(expected),
                $"CopyQueue({s}) = [{string.Join(",", queue)}] lists exactly the waiting tickets [{string.Join(",", expected)}]");
        }
    }

    private void CheckNumbers(TicketView[] tickets)
    {
        var held = new Dictionary<(int, int), int>();
        for (int i = 0; i < tickets.Length; i++)
        {
            TicketView t = tickets[i];
            ServiceConfig sc = _config.Services[t.NumberService];
            Require(t.Number >= sc.FirstNumber && t.Number <= sc.LastNumber, $"ticket {i}'s number {t.Number} is in its service's range");
            if (t.State is TicketState.Waiting or TicketState.Called or TicketState.Serving or TicketState.Parked or TicketState.NoShow)
            {
                Require(held.TryAdd((t.NumberService, t.Number), i),
                    $"live tickets {held.GetValueOrDefault((t.NumberService, t.Number))} and {i} share number {_engine.FormatNumber(t.NumberService, t.Number)}");
                Require(_engine.FindTicket(t.NumberService, t.Number) == i, $"FindTicket finds live ticket {i} by its number");
            }
        }

        for (int s = 0; s < _config.Services.Count; s++)
        {
            int cap = _config.Services[s].DailyCap;
            Require(cap == 0 || _dispenserIssued[s] <= cap, $"the dispenser issued {_dispenserIssued[s]} tickets of service {s}, at most its cap {cap}");
            Require(_engine.IssuedCount(s) == tickets.Count(t => t.NumberService == s), $"IssuedCount({s}) counts the tickets with its prefix");
        }
    }

    // ---- helpers ----

    private int CounterIndex(int number)
    {
        for (int i = 0; i < _config.Counters.Count; i++)
        {
            if (_config.Counters[i].Number == number)
            {
                return i;
            }
        }

        return -1;
    }

    private void Count(string what)
    {
        if (_tally is not null)
        {
            _tally.AddOrUpdate(what, 1, (_, n) => n + 1);
        }
    }

    /// <summary>
    /// The state without what a recorded refusal moves: the sequence number and the time of the last event (the
    /// <c>seq=</c> and <c>at=</c> fields of the first line).
    /// </summary>
    private static string WithoutSequence(string state)
    {
        int endOfLine = state.IndexOf('\n', StringComparison.Ordinal);
        IEnumerable<string> fields = state[..endOfLine].Split(' ')
            .Where(f => !f.StartsWith("seq=", StringComparison.Ordinal) && !f.StartsWith("at=", StringComparison.Ordinal));
        return string.Join(' ', fields) + state[endOfLine..];
    }

    private void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolation($"violated at step {_stepIndex}: {what}\n{TraceHeader}{_trace}");
        }
    }

    private const string TraceHeader = "--- rules, then the engine calls (e = new QueueEngine(rules), At = Branches.At) and their events ---\n";

    private void TraceLine(string line, LobbyEvent[] events)
    {
        _trace.Append(line);
        if (events.Length > 0)
        {
            _trace.Append(" // ").AppendJoin(", ", events.Select(FormatEvent));
        }

        _trace.Append('\n');
    }

    private string Local(DateTimeOffset t) =>
        BusinessCalendar.ToLocal(_config.TimeZone, t.UtcDateTime).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private string Time(DateTimeOffset t)
    {
        DateTime local = BusinessCalendar.ToLocal(_config.TimeZone, t.UtcDateTime);
        int days = DateOnly.FromDateTime(local).DayNumber - Branches.Day.DayNumber;
        string time = string.Create(CultureInfo.InvariantCulture, $"At({local.Hour}, {local.Minute}, {local.Second})");
        return days == 0 ? time : string.Create(CultureInfo.InvariantCulture, $"{time}.AddDays({days})");
    }

    private static string FormatEvent(LobbyEvent e) => e.Kind switch
    {
        EventKind.CounterStateChanged => string.Create(CultureInfo.InvariantCulture, $"#{e.Sequence} c{e.Counter}:{e.AsCounterStateChanged().PreviousState}->{e.AsCounterStateChanged().State}"),
        EventKind.DayOpened or EventKind.DayClosed or EventKind.DeviceStatusChanged => string.Create(CultureInfo.InvariantCulture, $"#{e.Sequence} {e.Kind}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"#{e.Sequence} {e.Kind} t{e.Ticket}({(char)('A' + e.NumberService)}{e.Number} {e.Tier} s{e.Service}) c{e.Counter}{FormatFields(e)}"),
    };

    /// <summary>The kind's own fields, by name, for a failure message.</summary>
    private static string FormatFields(LobbyEvent e) => e.Kind switch
    {
        EventKind.TicketIssued => string.Create(CultureInfo.InvariantCulture, $" ahead {e.AsTicketIssued().PeopleAhead}{(e.AsTicketIssued().IsWalkIn ? " walk-in" : "")}"),
        EventKind.TicketCalled => $" {e.AsTicketCalled().Source}",
        EventKind.TicketRecalled => string.Create(CultureInfo.InvariantCulture, $" recalls {e.AsTicketRecalled().Recalls}"),
        EventKind.TicketStarted => e.AsTicketStarted().IsImplied ? " implied" : "",
        EventKind.TicketNoShow => string.Create(CultureInfo.InvariantCulture, $" recalls {e.AsTicketNoShow().Recalls}"),
        EventKind.TicketRecovered => string.Create(CultureInfo.InvariantCulture, $" at {e.AsTicketRecovered().PlacesFromFront}"),
        EventKind.RecoveryRefused => $" {e.AsRecoveryRefused().Refusal}",
        EventKind.TicketTransferred => string.Create(CultureInfo.InvariantCulture, $" from s{e.AsTicketTransferred().FromService} at {e.AsTicketTransferred().PlacesFromFront} {e.AsTicketTransferred().Placement}"),
        EventKind.TicketCancelled => $" {e.AsTicketCancelled().Reason}",
        EventKind.TicketAbandoned => $" {e.AsTicketAbandoned().Reason} {e.AsTicketAbandoned().ExpiredLimit}",
        EventKind.CareNeeded => string.Create(CultureInfo.InvariantCulture, $" alert {e.AsCareNeeded().AlertNumber}"),
        EventKind.CareGiven => string.Create(CultureInfo.InvariantCulture, $" care {e.AsCareGiven().CareNumber} response {e.AsCareGiven().ResponseMs} staff {e.AsCareGiven().Staff}{(e.AsCareGiven().PastThreshold ? " past" : "")}"),
        EventKind.TierChanged => string.Create(CultureInfo.InvariantCulture, $" from {e.AsTierChanged().OldTier} at {e.AsTierChanged().PlacesFromFront} staff {e.AsTierChanged().Staff}"),
        EventKind.TicketDiverted => string.Create(CultureInfo.InvariantCulture, $" from s{e.AsTicketDiverted().FromService} at {e.AsTicketDiverted().PlacesFromFront} {e.AsTicketDiverted().Placement} staff {e.AsTicketDiverted().Staff}"),
        EventKind.TicketReprinted => string.Create(CultureInfo.InvariantCulture, $" reprint {e.AsTicketReprinted().ReprintNumber} staff {e.AsTicketReprinted().Staff}"),
        EventKind.RatingRequested => string.Create(CultureInfo.InvariantCulture, $" prompt {e.AsRatingRequested().PromptNumber} after {e.AsRatingRequested().SinceFinishMs} ms"),
        EventKind.TicketRated => string.Create(CultureInfo.InvariantCulture, $" {e.AsTicketRated().Score}/{e.AsTicketRated().Scale} {e.AsTicketRated().Reasons} wait {e.AsTicketRated().WaitMs} care {e.AsTicketRated().CareGiven}"),
        EventKind.RequestDecided => string.Create(CultureInfo.InvariantCulture, $" {e.AsRequestDecided().Command} {e.AsRequestDecided().Refusal} after {e.AsRequestDecided().EffectEvents}"),
        _ => "",
    };

    private static string Format(in CommandResult r) => r.Accepted
        ? string.Create(CultureInfo.InvariantCulture, $"ok t{r.Ticket}")
        : string.Create(CultureInfo.InvariantCulture, $"refused {r.Refusal}");

    private static string Format(in Command c) =>
        c.Staff != 0 && c.Kind is CommandKind.Cancel or CommandKind.Recover
            ? string.Create(CultureInfo.InvariantCulture, $"{FormatCore(in c)} with {{ Staff = {c.Staff} }}")
            : FormatCore(in c);

    private static string FormatCore(in Command c) => c.Kind switch
    {
        CommandKind.OpenDay => "Command.OpenDay()",
        CommandKind.CloseDay => "Command.CloseDay()",
        CommandKind.Issue => $"Command.Issue({c.Service}, Tier.{c.Tier})",
        CommandKind.CallNext => $"Command.CallNext({c.Counter})",
        CommandKind.Recall => $"Command.Recall({c.Counter})",
        CommandKind.Start => $"Command.Start({c.Counter})",
        CommandKind.Finish => $"Command.Finish({c.Counter})",
        CommandKind.NoShow => $"Command.NoShow({c.Counter})",
        CommandKind.Recover when c.Ticket >= 0 => $"Command.Recover({c.Ticket})",
        CommandKind.Recover when c.NumberService >= 0 => $"Command.RecoverNumber({c.NumberService}, {c.Number})",
        CommandKind.Recover => $"Command.RecoverLastAt({c.Counter})",
        CommandKind.Transfer => $"Command.Transfer({c.Counter}, {c.Service}, Placement.{c.Placement})",
        CommandKind.WalkIn => $"Command.WalkIn({c.Counter}, {c.Service}, Tier.{c.Tier})",
        CommandKind.Cancel when c.Ticket >= 0 => $"Command.Cancel({c.Ticket}, CancelReason.{c.CancelReason})",
        CommandKind.Cancel => $"Command.CancelNumber({c.NumberService}, {c.Number})",
        CommandKind.Park => $"Command.Park({c.Counter})",
        CommandKind.CallBack => $"Command.CallBack({c.Counter}, {c.Ticket})",
        CommandKind.OpenCounter => $"Command.OpenCounter({c.Counter})",
        CommandKind.CloseCounter => $"Command.CloseCounter({c.Counter})",
        CommandKind.Pause => $"Command.Pause({c.Counter})",
        CommandKind.Away => $"Command.Away({c.Counter})",
        CommandKind.Resume => $"Command.Resume({c.Counter})",
        CommandKind.GiveCare => $"Command.GiveCare({c.Ticket}, {c.Staff})",
        CommandKind.ChangeTier => $"Command.ChangeTier({c.Ticket}, (Tier){(int)c.Tier}, {c.Staff})",
        CommandKind.Divert => $"Command.Divert({c.Ticket}, {c.Service}, Placement.{c.Placement}, {c.Staff})",
        CommandKind.Reprint => $"Command.Reprint({c.Ticket}, {c.Staff})",
        CommandKind.RequestRating => $"Command.RequestRating({c.Counter})",
        CommandKind.Rate when c.Ticket == -1 => $"Command.Rate({c.Counter}, {c.Score}, (RatingScale){(int)c.Scale}, (RatingReasons){(int)c.Reasons})",
        CommandKind.Rate => $"Command.RateTicket({c.Counter}, {c.Ticket}, {c.Score}, (RatingScale){(int)c.Scale}, (RatingReasons){(int)c.Reasons})",
        _ => c.ToString(),
    };
}
