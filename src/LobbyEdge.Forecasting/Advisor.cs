using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// Staffing advice from the forecasts: fed the branch's events (the retained days, then live), asked on the engine's
/// thread whether advice is due. Holds the arrival history, one reusable forecast workspace and the last forecast for
/// the console and metrics.
/// </summary>
/// <remarks>
/// <para>When advice is due (<see cref="TryAdvise"/>): the forecast service level over <see cref="AdviceOptions.Horizon"/>
/// is below <see cref="AdviceOptions.ServiceLevelTarget"/> and opening a closed counter or resuming a paused/away one
/// raises it by at least <see cref="MinimumGain"/> (or saves a customer from the care threshold): the change with the
/// largest gain, a resume preferred to an open when it reaches the target or comes within <see cref="ResumePreference"/>
/// of the best open. Or, with <see cref="AdviceOptions.AdvisePause"/>, the level is at or above target over the horizon
/// and the whole 60-minute window, and pausing one open counter keeps both there with no more customers past the care
/// threshold and no service below the lower of the target and its level now; the same pause, forecast with
/// <see cref="PauseSurge"/> times the arrivals, keeps the target in each half of the window; the counters left open
/// would be busy at most <see cref="PauseUtilisation"/> of the hour; every service keeps another open counter; and
/// pause advice goes one at a time (none while any advice is unanswered, none within
/// <see cref="AdviceOptions.RepeatAfter"/> of any advice, none while an open or resume advice is on its way, none
/// within the window after an open or resume advice was accepted). It waits for <see cref="PauseHistoryDays"/> days of
/// history and the first 30 minutes of the day. A pause's figures are over the window (its horizon is 60 minutes: the
/// counter-minutes it frees).</para>
/// <para>Advice on its way: accepted advice whose counter still fits it, has not changed state since the answer and
/// was answered within the horizon is taken as made in every forecast (an open or resume calls
/// <see cref="QueueForecaster.StartDelay"/> after the answer), so further advice is given only when still needed.</para>
/// <para>Never advised: the same kind for the same counter again within <see cref="AdviceOptions.RepeatAfter"/>; any
/// advice for a counter whose advice is unanswered and younger than the horizon, or on its way; a pause of a counter
/// advised to open or resume within <see cref="AdviceOptions.RepeatAfter"/>; a change the engine would refuse (Open
/// needs a closed counter, Resume a paused or away one, Pause a standby or serving one). Judged from the engine's
/// advice list (<see cref="QueueEngine.CopyAdvice"/>), so the rules hold across a restart.</para>
/// <para>When: only while the day is open and before its close. No open advice in the last
/// <see cref="NoOpenBeforeCutoff"/> before the ticketing cutoff (staff would arrive as the last tickets are issued;
/// the queue then only drains); resume advice until the cutoff; after the cutoff only pauses.</para>
/// <para>Close is never advised: a pause says the same and keeps the counter's staff at hand.</para>
/// </remarks>
public sealed class Advisor
{
    /// <summary>The least service-level gain (0..1) a change must bring to be advised: 2 percentage points.</summary>
    public const double MinimumGain = 0.02;

    /// <summary>How close (0..1) a resume's gain must come to the best open's to be preferred: 5 percentage points.</summary>
    public const double ResumePreference = 0.05;

    /// <summary>
    /// A pause is advised only when the counters left open would be busy at most this share (0..1) of the window:
    /// the work of the customers waiting now and forecast within 60 minutes over their time. 0.7.
    /// </summary>
    public const double PauseUtilisation = 0.7;

    /// <summary>
    /// Past days the arrival history must hold before a pause is advised: 5 (a working week). On a new box, or after the
    /// history was lost, the forecast knows only today's rate so far, and a pause advised on a quiet morning lands in
    /// the peak that follows; opening and resuming need no history.
    /// </summary>
    public const int PauseHistoryDays = 5;

    /// <summary>
    /// How many more customers than forecast a pause must cope with: 1.25 (a quarter more). The forecast's arrivals are
    /// a mean; a pause judged on the mean alone is reversed by the first busy quarter hour, so a pause must keep the
    /// target with this many more arrivals, while open and resume advice comes as soon as the mean forecast falls below
    /// it (the gap between the two is the hysteresis against a resume soon after a pause).
    /// </summary>
    public const double PauseSurge = 1.25;

    /// <summary>No open advice this close to the ticketing cutoff: 30 minutes.</summary>
    public static readonly TimeSpan NoOpenBeforeCutoff = TimeSpan.FromMinutes(30);

    private const int MaxAdvice = 1024;
    private const int MaxCounterNumber = 1024;
    private const double HandoverAlpha = 0.05;

    private readonly AdviceOptions _options;
    private readonly ArrivalForecast _arrivals;
    private readonly ForecastWorkspace _workspace = new();
    private readonly QueueForecast _current = new();
    private readonly QueueForecast _candidate = new();
    private readonly AdviceView[] _advice = new AdviceView[MaxAdvice];
    private readonly long[] _calledTicks = new long[MaxCounterNumber];
    private readonly long[] _finishedTicks = new long[MaxCounterNumber];
    private BranchConfig _config;
    private double _callToStartSeconds = -1;
    private double _finishToCallSeconds = -1;
    private long _lastEvaluationTicks;
    private AdviceKind[] _onTheWay = [];
    private int[] _onTheWayStart = [];
    private bool _moreOnTheWay;
    private volatile Snapshot? _last;

    /// <summary>An advisor for a branch.</summary>
    /// <param name="config">The branch (services, counters, time zone, hours).</param>
    /// <param name="options">The advice options (see <see cref="AdviceOptions.Validate"/>).</param>
    /// <exception cref="ArgumentException">When the options are not usable.</exception>
    public Advisor(BranchConfig config, AdviceOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<(string Field, string Message)> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Advice:{problems[0].Field} {problems[0].Message}", nameof(options));
        }

        _config = config;
        _options = options;
        History = new ArrivalHistory(config, options.RetainedDays);
        _arrivals = ArrivalForecast.From(History, config, DateTimeOffset.UnixEpoch);
    }

    /// <summary>The options it advises with.</summary>
    public AdviceOptions Options => _options;

    /// <summary>The branch's arrival history the forecast reads.</summary>
    public ArrivalHistory History { get; private set; }

    /// <summary>The forecast of every service under the current staffing at the last evaluation, or null before one.
    /// A fresh list per evaluation: safe to read from any thread.</summary>
    public IReadOnlyList<ServiceForecast>? LastForecast => _last?.Services;

    /// <summary>The branch's forecast service level (0..1) over the horizon at the last evaluation, or null before one.</summary>
    public double? LastServiceLevel => _last?.ServiceLevel;

    /// <summary>Customers forecast past the care threshold over the horizon at the last evaluation, or null before one.</summary>
    public int? LastPastCareThreshold => _last?.PastCare;

    /// <summary>When the last evaluation was made, or null before one.</summary>
    public DateTimeOffset? LastEvaluated => _last?.At;

    /// <summary>The hand-over time per customer (calling, walking, no-shows) the forecast uses, measured from the events.</summary>
    public TimeSpan Handover =>
        _callToStartSeconds < 0 ? QueueForecaster.DefaultHandover
        : TimeSpan.FromSeconds(_callToStartSeconds + Math.Max(0, _finishToCallSeconds));

    /// <summary>
    /// Feeds events in log order (the retained days first, then live batches): the arrival history and the measured
    /// hand-over time. A day opened with a different number of services starts a fresh history (the old counts no
    /// longer map to the services). Allocation-free except on that change.
    /// </summary>
    public void Observe(ReadOnlySpan<LobbyEvent> events)
    {
        for (int i = 0; i < events.Length; i++)
        {
            ref readonly LobbyEvent e = ref events[i];
            History.Observe(in e);
            int counter = e.Counter;
            if ((uint)counter >= MaxCounterNumber)
            {
                continue;
            }

            switch (e.Kind)
            {
                case EventKind.TicketCalled:
                    if (_finishedTicks[counter] > 0)
                    {
                        double gap = (e.TimeTicks - _finishedTicks[counter]) / (double)TimeSpan.TicksPerSecond;
                        if (gap is >= 0 and < 90)
                        {
                            _finishToCallSeconds = Blend(_finishToCallSeconds, gap);
                        }
                    }

                    _calledTicks[counter] = e.TimeTicks;
                    _finishedTicks[counter] = 0;
                    break;
                case EventKind.TicketStarted or EventKind.TicketNoShow:
                    if (_calledTicks[counter] > 0)
                    {
                        double walk = (e.TimeTicks - _calledTicks[counter]) / (double)TimeSpan.TicksPerSecond;
                        if (walk is >= 0 and < 600)
                        {
                            _callToStartSeconds = Blend(_callToStartSeconds, walk);
                        }

                        _calledTicks[counter] = 0;
                    }

                    if (e.Kind == EventKind.TicketNoShow)
                    {
                        _finishedTicks[counter] = e.TimeTicks;
                    }

                    break;
                case EventKind.TicketCompleted or EventKind.TicketParked or EventKind.TicketTransferred:
                    _finishedTicks[counter] = e.TimeTicks;
                    break;
                case EventKind.CounterStateChanged:
                    _finishedTicks[counter] = 0;
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Called on the engine's thread (it reads the engine's state). At most once per
    /// <see cref="AdviceOptions.EvaluateEvery"/> of <paramref name="now"/> it forecasts the current staffing (kept in
    /// <see cref="LastForecast"/>) and, when advice is due (see the class remarks), gives the engine's Advise command
    /// with the figures: kind, service level over the horizon without and with the change (basis points), customers
    /// past the care threshold avoided (negative for a pause that adds some) and the horizon in minutes; the service
    /// is the one whose forecast the change fixes most (-1 none, always for a pause). False when no advice is due.
    /// </summary>
    public bool TryAdvise(QueueEngine engine, DateTimeOffset now, out Command advise)
    {
        ArgumentNullException.ThrowIfNull(engine);
        advise = default;
        if (!engine.IsDayOpen || now.UtcTicks >= engine.CloseUtc.Ticks)
        {
            return false;
        }

        if (_lastEvaluationTicks != 0 && now.UtcTicks - _lastEvaluationTicks < _options.EvaluateEvery.Ticks && now.UtcTicks >= _lastEvaluationTicks)
        {
            return false;
        }

        _lastEvaluationTicks = now.UtcTicks;
        BranchConfig config = engine.Config;
        if (config.Services.Count != History.ServiceCount || config.TimeZone != History.TimeZone)
        {
            History = new ArrivalHistory(config, _options.RetainedDays);
        }

        _config = config;
        _arrivals.Refresh(History, config, now);
        int adviceCount = engine.CopyAdvice(_advice);
        FindAdviceOnTheWay(engine, now, adviceCount);
        _workspace.Prepare(engine, _arrivals, now, QueueForecaster.DefaultWindow, Handover);
        AssumeAdviceOnTheWay();
        _workspace.Run(engine, StaffingChange.None, _current);
        TimeSpan horizon = _options.Horizon;
        double levelNow = _current.ServiceLevel(horizon);
        int pastNow = _current.PastCareThreshold(horizon);
        _last = new Snapshot(_current.ToArray(), levelNow, pastNow, now);
        if (!_options.Enabled)
        {
            return false;
        }

        bool afterCutoff = now.UtcTicks >= engine.TicketingCutoffUtc.Ticks;
        bool openAllowed = now.UtcTicks < engine.TicketingCutoffUtc.Ticks - NoOpenBeforeCutoff.Ticks;
        if (levelNow < _options.ServiceLevelTarget && !afterCutoff)
        {
            return TryAdviseMore(engine, now, adviceCount, levelNow, pastNow, openAllowed, out advise);
        }

        if (levelNow >= _options.ServiceLevelTarget && _options.AdvisePause && ForecastIsGrounded(engine, now))
        {
            return TryAdvisePause(engine, now, adviceCount, levelNow, pastNow, out advise);
        }

        return false;
    }

    private bool TryAdviseMore(QueueEngine engine, DateTimeOffset now, int adviceCount, double levelNow, int pastNow,
        bool openAllowed, out Command advise)
    {
        advise = default;
        TimeSpan horizon = _options.Horizon;
        StaffingChange bestOpen = default;
        StaffingChange bestResume = default;
        double openLevel = -1;
        double resumeLevel = -1;
        int openPast = 0;
        int resumePast = 0;
        for (int c = 0; c < _config.Counters.Count; c++)
        {
            CounterConfig cc = _config.Counters[c];
            if (!engine.TryGetCounter(cc.Number, out CounterView view))
            {
                continue;
            }

            AdviceKind kind = view.State switch
            {
                CounterState.Closed when openAllowed => AdviceKind.Open,
                CounterState.Paused or CounterState.Away => AdviceKind.Resume,
                _ => AdviceKind.None,
            };
            if (kind == AdviceKind.None || _onTheWay[c] != AdviceKind.None || Blocked(kind, cc.Number, now, adviceCount))
            {
                continue;
            }

            var change = new StaffingChange(kind, cc.Number);
            _workspace.Run(engine, change, _candidate);
            double level = _candidate.ServiceLevel(horizon);
            int past = _candidate.PastCareThreshold(horizon);
            bool helps = level - levelNow >= MinimumGain || (level > levelNow && past < pastNow);
            if (!helps)
            {
                continue;
            }

            if (kind == AdviceKind.Open && (level > openLevel || (level == openLevel && past < openPast)))
            {
                (bestOpen, openLevel, openPast) = (change, level, past);
            }
            else if (kind == AdviceKind.Resume && (level > resumeLevel || (level == resumeLevel && past < resumePast)))
            {
                (bestResume, resumeLevel, resumePast) = (change, level, past);
            }
        }

        StaffingChange best;
        double bestLevel;
        int bestPast;
        if (resumeLevel >= 0 && (openLevel < 0 || resumeLevel >= _options.ServiceLevelTarget || resumeLevel >= openLevel - ResumePreference))
        {
            (best, bestLevel, bestPast) = (bestResume, resumeLevel, resumePast);
        }
        else if (openLevel >= 0)
        {
            (best, bestLevel, bestPast) = (bestOpen, openLevel, openPast);
        }
        else
        {
            return false;
        }

        // The figures come from the chosen change's own run (the candidate buffer holds the last one tried).
        _workspace.Run(engine, best, _candidate);
        int service = MostFixedService(best.CounterNumber, horizon);
        advise = Command.Advise(best.CounterNumber, service,
            new AdviceFigures(best.Kind, ToBasisPoints(levelNow), ToBasisPoints(bestLevel), pastNow - bestPast, (int)horizon.TotalMinutes));
        return true;
    }

    private bool TryAdvisePause(QueueEngine engine, DateTimeOffset now, int adviceCount, double levelNow, int pastNow, out Command advise)
    {
        advise = default;
        TimeSpan horizon = _options.Horizon;
        TimeSpan window = QueueForecaster.DefaultWindow;
        double target = _options.ServiceLevelTarget;
        double windowLevelNow = _current.ServiceLevel(window);
        int windowPastNow = _current.PastCareThreshold(window);
        if (levelNow < target || windowLevelNow < target || _moreOnTheWay || !PauseIsPaced(now, adviceCount)
            || _workspace.WorkSeconds() > PauseUtilisation * (OpenCounters(engine) - 1) * window.TotalSeconds)
        {
            return false;
        }

        // First the forecast as it is: the candidates that keep the target over the horizon and the whole window.
        int counters = _config.Counters.Count;
        Span<int> candidates = counters <= 256 ? stackalloc int[counters] : new int[counters];
        Span<double> levels = counters <= 256 ? stackalloc double[counters] : new double[counters];
        Span<int> pasts = counters <= 256 ? stackalloc int[counters] : new int[counters];
        int found = 0;
        for (int c = 0; c < counters; c++)
        {
            CounterConfig cc = _config.Counters[c];
            if (!engine.TryGetCounter(cc.Number, out CounterView view) || view.State is not (CounterState.Standby or CounterState.Serving)
                || _onTheWay[c] != AdviceKind.None)
            {
                continue;
            }

            if (!OthersServe(engine, cc) || Blocked(AdviceKind.Pause, cc.Number, now, adviceCount))
            {
                continue;
            }

            _workspace.Run(engine, new StaffingChange(AdviceKind.Pause, cc.Number), _candidate);
            double level = _candidate.ServiceLevel(window);
            int past = _candidate.PastCareThreshold(window);
            bool keeps = level >= target && _candidate.ServiceLevel(horizon) >= target
                && past <= windowPastNow && _candidate.PastCareThreshold(horizon) <= pastNow
                && NoServiceLoses(horizon) && NoServiceLoses(window);
            if (keeps)
            {
                (candidates[found], levels[found], pasts[found]) = (c, level, past);
                found++;
            }
        }

        if (found == 0)
        {
            return false;
        }

        // Then with a quarter more customers than forecast: each half of the window must still keep the target (a
        // peak in the second half-hour is not hidden by a quiet first one).
        _workspace.Prepare(engine, _arrivals, now, window, Handover, PauseSurge);
        AssumeAdviceOnTheWay();
        int half = _workspace.WindowMinutes / 2;
        int best = -1;
        double bestLevel = -1;
        int bestPast = 0;
        bool bestStandby = false;
        for (int i = 0; i < found; i++)
        {
            CounterConfig cc = _config.Counters[candidates[i]];
            _workspace.Run(engine, new StaffingChange(AdviceKind.Pause, cc.Number), _candidate);
            if (_candidate.ServiceLevelOfArrivals(0, half) < target || _candidate.ServiceLevelOfArrivals(half + 1, _workspace.WindowMinutes) < target)
            {
                continue;
            }

            bool standby = engine.TryGetCounter(cc.Number, out CounterView view) && view.State == CounterState.Standby;
            if (levels[i] > bestLevel || (levels[i] == bestLevel && standby && !bestStandby))
            {
                (best, bestLevel, bestPast, bestStandby) = (cc.Number, levels[i], pasts[i], standby);
            }
        }

        if (best < 0)
        {
            return false;
        }

        // A pause's figures are over the whole window it was judged on: the counter-minutes it frees are the window.
        advise = Command.Advise(best, -1,
            new AdviceFigures(AdviceKind.Pause, ToBasisPoints(windowLevelNow), ToBasisPoints(bestLevel), windowPastNow - bestPast, _workspace.WindowMinutes));
        return true;
    }

    /// <summary>
    /// Accepted advice the counter has not carried out yet (and open or resume advice not answered yet): its state
    /// still fits the advice and has not changed since the answer (or the advice), and that is younger than the horizon. The forecast takes it as made (an open or resume starts
    /// calling <see cref="QueueForecaster.StartDelay"/> after the answer), no other advice is given for that counter,
    /// and while an open or resume is on its way no pause is advised.
    /// </summary>
    private void FindAdviceOnTheWay(QueueEngine engine, DateTimeOffset now, int adviceCount)
    {
        int counters = _config.Counters.Count;
        if (_onTheWay.Length != counters)
        {
            _onTheWay = new AdviceKind[counters];
            _onTheWayStart = new int[counters];
        }

        Array.Clear(_onTheWay);
        _moreOnTheWay = false;
        long from = now.UtcTicks - _options.Horizon.Ticks;
        for (int i = 0; i < adviceCount; i++)
        {
            ref readonly AdviceView a = ref _advice[i];

            // Accepted, or (open and resume) not answered yet: the manager is reading it; a second counter is asked
            // for only when one more is still needed.
            bool unanswered = a.Answer == AdviceAnswer.None && a.Kind is AdviceKind.Open or AdviceKind.Resume;
            long answered = unanswered ? a.IssuedUtc.Ticks : a.AnsweredUtc.Ticks;
            if ((a.Answer != AdviceAnswer.Accepted && !unanswered) || answered <= from || answered > now.UtcTicks)
            {
                continue;
            }

            int c = IndexOf(a.CounterNumber);
            if (c < 0 || !engine.TryGetCounter(a.CounterNumber, out CounterView view) || view.StateSinceTicks > answered)
            {
                continue;
            }

            bool fits = a.Kind switch
            {
                AdviceKind.Open => view.State == CounterState.Closed,
                AdviceKind.Resume => view.State is CounterState.Paused or CounterState.Away,
                AdviceKind.Pause or AdviceKind.Close => view.State is CounterState.Standby or CounterState.Serving,
                _ => false,
            };
            if (!fits)
            {
                continue;
            }

            _onTheWay[c] = a.Kind;
            _onTheWayStart[c] = (int)((answered + QueueForecaster.StartDelay.Ticks - now.UtcTicks) / TimeSpan.TicksPerSecond);
            _moreOnTheWay |= a.Kind is AdviceKind.Open or AdviceKind.Resume;
        }
    }

    private void AssumeAdviceOnTheWay()
    {
        for (int c = 0; c < _onTheWay.Length; c++)
        {
            if (_onTheWay[c] != AdviceKind.None)
            {
                _workspace.Assume(c, _onTheWay[c], _onTheWayStart[c]);
            }
        }
    }

    private int IndexOf(int counterNumber)
    {
        for (int c = 0; c < _config.Counters.Count; c++)
        {
            if (_config.Counters[c].Number == counterNumber)
            {
                return c;
            }
        }

        return -1;
    }

    /// <summary>Whether the repeat rules forbid advice of this kind for this counter now (see the class remarks).</summary>
    private bool Blocked(AdviceKind kind, int counter, DateTimeOffset now, int adviceCount)
    {
        long repeatFrom = now.UtcTicks - _options.RepeatAfter.Ticks;
        long pendingFrom = now.UtcTicks - _options.Horizon.Ticks;
        for (int i = 0; i < adviceCount; i++)
        {
            ref readonly AdviceView a = ref _advice[i];
            if (a.CounterNumber != counter)
            {
                continue;
            }

            long issued = a.IssuedUtc.Ticks;
            if (a.Kind == kind && issued > repeatFrom)
            {
                return true;
            }

            if (a.Answer == AdviceAnswer.None && issued > pendingFrom)
            {
                return true;
            }

            if (kind is AdviceKind.Pause or AdviceKind.Close && a.Kind is AdviceKind.Open or AdviceKind.Resume && issued > repeatFrom)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Pause advice is one at a time for the branch: none while any advice is unanswered and younger than the horizon,
    /// none within <see cref="AdviceOptions.RepeatAfter"/> of any pause, open or resume advice, and none within the
    /// forecast window (60 minutes) of an open or resume advice the lobby manager accepted (staff just called to the
    /// counters are not sent away again on the next quiet quarter hour) or of a pause advice not dismissed (each pause
    /// was judged over the hour with the counters then open; pauses one after another would stack the forecast's
    /// errors).
    /// </summary>
    private bool PauseIsPaced(DateTimeOffset now, int adviceCount)
    {
        long repeatFrom = now.UtcTicks - _options.RepeatAfter.Ticks;
        long pendingFrom = now.UtcTicks - _options.Horizon.Ticks;
        long calledFrom = now.UtcTicks - QueueForecaster.DefaultWindow.Ticks;
        for (int i = 0; i < adviceCount; i++)
        {
            ref readonly AdviceView a = ref _advice[i];
            long issued = a.IssuedUtc.Ticks;
            if ((a.Answer == AdviceAnswer.None && issued > pendingFrom) || issued > repeatFrom)
            {
                return false;
            }

            if (a.Kind is AdviceKind.Open or AdviceKind.Resume && a.Answer == AdviceAnswer.Accepted && a.AnsweredUtc.Ticks > calledFrom)
            {
                return false;
            }

            if (a.Kind is AdviceKind.Pause or AdviceKind.Close && a.Answer != AdviceAnswer.Dismissed && issued > calledFrom)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every service's level with the candidate stays at or above the lower of the target and its level now.</summary>
    private bool NoServiceLoses(TimeSpan horizon)
    {
        for (int s = 0; s < _current.ServiceCount; s++)
        {
            double with = _candidate.ServiceLevelOf(s, horizon);
            if (with < Math.Min(_options.ServiceLevelTarget, _current.ServiceLevelOf(s, horizon)) - 1e-9)
            {
                return false;
            }
        }

        return true;
    }

    private int OpenCounters(QueueEngine engine)
    {
        int open = 0;
        for (int c = 0; c < _config.Counters.Count; c++)
        {
            if (engine.TryGetCounter(_config.Counters[c].Number, out CounterView view) && view.State is CounterState.Standby or CounterState.Serving
                && _onTheWay[c] is not (AdviceKind.Pause or AdviceKind.Close))
            {
                open++;
            }
        }

        return open;
    }

    /// <summary>Whether every service the counter serves has another counter open (standby or serving) for it.</summary>
    private bool OthersServe(QueueEngine engine, CounterConfig counter)
    {
        for (int j = 0; j < counter.Services.Count; j++)
        {
            ServiceWeight sw = counter.Services[j];
            bool covered = false;
            for (int o = 0; o < _config.Counters.Count; o++)
            {
                CounterConfig other = _config.Counters[o];
                if (other.Number == counter.Number || !engine.TryGetCounter(other.Number, out CounterView view)
                    || view.State is not (CounterState.Standby or CounterState.Serving) || _onTheWay[o] is AdviceKind.Pause or AdviceKind.Close)
                {
                    continue;
                }

                for (int k = 0; k < other.Services.Count; k++)
                {
                    ServiceWeight osw = other.Services[k];
                    if (osw.Service == sw.Service)
                    {
                        covered = true;
                        break;
                    }
                }

                if (covered)
                {
                    break;
                }
            }

            if (!covered)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A pause needs a forecast that knows the day: at least <see cref="PauseHistoryDays"/> past days in the history
    /// (without them the forecast knows only today's rate so far and cannot see a peak coming) and at least 30 minutes
    /// of today (its first customers seen).
    /// </summary>
    private bool ForecastIsGrounded(QueueEngine engine, DateTimeOffset now)
    {
        if (History.DaysObserved < PauseHistoryDays)
        {
            return false;
        }

        DayHours? hours = engine.HoursOn(engine.BusinessDate);
        if (hours is null)
        {
            return false;
        }

        DateTime local = TimeZoneInfo.ConvertTimeFromUtc(now.UtcDateTime, _config.TimeZone);
        return local.TimeOfDay - hours.Value.Open.ToTimeSpan() >= TimeSpan.FromMinutes(30);
    }

    /// <summary>
    /// Of the services the counter serves, the one whose customers within target the candidate raises most over the
    /// horizon, or -1 (the engine takes only a service the counter serves).
    /// </summary>
    private int MostFixedService(int counterNumber, TimeSpan horizon)
    {
        int best = -1;
        int bestGain = 0;
        CounterConfig? counter = null;
        for (int c = 0; c < _config.Counters.Count; c++)
        {
            CounterConfig cc = _config.Counters[c];
            if (cc.Number == counterNumber)
            {
                counter = cc;
            }
        }

        if (counter is null)
        {
            return -1;
        }

        for (int j = 0; j < counter.Services.Count; j++)
        {
            ServiceWeight sw = counter.Services[j];
            int s = sw.Service;
            int gain = _candidate.MetOf(s, horizon) - _current.MetOf(s, horizon);
            if (gain > bestGain)
            {
                (best, bestGain) = (s, gain);
            }
        }

        return best;
    }

    private static int ToBasisPoints(double share) => (int)Math.Round(Math.Clamp(share, 0, 1) * 10_000);

    private static double Blend(double mean, double sample) => mean < 0 ? sample : mean + (HandoverAlpha * (sample - mean));

    private sealed record Snapshot(ServiceForecast[] Services, double ServiceLevel, int PastCare, DateTimeOffset At);
}
