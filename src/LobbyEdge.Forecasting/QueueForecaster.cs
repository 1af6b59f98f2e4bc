using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// The queue forecast: a fast deterministic simulation of the engine's calling rules over the next minutes.
/// </summary>
/// <remarks>
/// <para>Who is in it: the people waiting now, in each service's calling order (VIP lane, priority, normal) with
/// their issue and queue times, then the forecast arrivals of each service spread over the window (the k-th customer
/// arrives when the expected arrivals reach k - 1/2; they join the normal lane).</para>
/// <para>Who calls: every counter that is open now (standby: at once; serving: when its customer's mean service time
/// since the call has passed, at least a fifth of it from now). Paused, away and closed counters stay so, unless the
/// change opens or resumes one: it starts calling after <see cref="StartDelay"/> (staff walk to it). A paused or
/// closed counter finishes its customer and calls nobody else. Each counter picks as the engine does: ordered (first
/// service with someone waiting), longest wait (the head queued longest) or weighted (smooth weighted round robin,
/// credits from zero).</para>
/// <para>How long: the engine's rolling mean service time of the service (<see cref="QueueEngine.MeanServiceTime"/>)
/// plus the hand-over (calling, walking, no-shows; the advisor measures it from the day's events).</para>
/// <para>What it gives: per service the customers waiting 30 and 60 minutes from now, the service level (share of
/// the customers waiting now or arriving within 30/60 minutes called within their SLA target), their mean wait and
/// how many wait past the care threshold. The simulation runs the window plus the longest SLA target so every
/// customer of the window is judged. Deterministic: the same engine state and arrivals give the same figures.</para>
/// <para>Cost: O(calls x counters x services) per staffing, a fraction of a millisecond for a branch of 8
/// counters; <see cref="Forecast"/> allocates its result and working arrays; the advisor reuses one workspace and
/// allocates nothing in steady state.</para>
/// </remarks>
public static class QueueForecaster
{
    /// <summary>The forecast window when none is given: 60 minutes.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(60);

    /// <summary>Calling, walking and no-show time per customer when nothing better is known: 30 seconds.</summary>
    public static readonly TimeSpan DefaultHandover = TimeSpan.FromSeconds(30);

    /// <summary>How long an opened or resumed counter takes to start calling: 3 minutes.</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromMinutes(3);

    /// <summary>The longest window: 120 minutes.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromMinutes(120);

    /// <summary>
    /// The forecast of every service over <paramref name="horizon"/> (the window: 1 to 120 minutes, 60 usual) from
    /// <paramref name="now"/>, under the current staffing with <paramref name="change"/> applied. A change that does
    /// not fit the counter's state (opening an open counter, an unknown counter) changes nothing. Reads the engine
    /// (on its thread); changes nothing in it.
    /// </summary>
    /// <param name="engine">The live engine (state now: counters, queues, mean service times).</param>
    /// <param name="arrivals">The arrival forecast for today.</param>
    /// <param name="now">The instant forecast from (the branch clock).</param>
    /// <param name="change">The staffing change, or <see cref="StaffingChange.None"/>.</param>
    /// <param name="horizon">The window; clamped to 1..120 minutes.</param>
    /// <param name="handover">Time per customer beyond the mean service time (calling, walking, no-shows); null:
    /// <see cref="DefaultHandover"/>.</param>
    public static QueueForecast Forecast(QueueEngine engine, ArrivalForecast arrivals, DateTimeOffset now,
        StaffingChange change, TimeSpan horizon, TimeSpan? handover = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(arrivals);
        var workspace = new ForecastWorkspace();
        workspace.Prepare(engine, arrivals, now, horizon, handover ?? DefaultHandover);
        var result = new QueueForecast();
        workspace.Run(engine, change, result);
        return result;
    }
}

/// <summary>
/// The simulation's working state, reused between evaluations: the customers (waiting now and forecast) prepared
/// once per evaluation, then one run per staffing. Grows its arrays as needed and never shrinks them.
/// </summary>
internal sealed class ForecastWorkspace
{
    private const int NotCalled = int.MaxValue;

    // Customers, grouped by service: [_start[s], _end[s]) in calling order. Times in seconds from now.
    private int[] _issued = new int[256];
    private int[] _queued = new int[256];
    private int[] _arrive = new int[256];
    private int[] _called = new int[256];
    private int _customerCount;
    private int[] _start = [];
    private int[] _end = [];
    private int[] _head = [];
    private int[] _serviceSeconds = [];
    private int[] _slaSeconds = [];
    private int[] _careSeconds = [];
    private int[] _ticketBuffer = new int[256];

    // Counters: index into the configuration's counters.
    private int[] _free = [];          // seconds from now the counter next looks for a customer; NotCalled = done
    private int[] _stopAfter = [];     // 1 = stops after its current customer (pause/close)
    private int[][] _credit = [];
    private AdviceKind[] _assumed = [];  // accepted advice not carried out yet, taken as made (None: none)
    private int[] _assumedStart = [];    // when an assumed open/resume starts calling, seconds from now

    private int _windowSeconds;
    private int _endSeconds;
    private int _handoverSeconds;
    private int _services;

    /// <summary>The window in whole minutes of the last preparation.</summary>
    public int WindowMinutes => _windowSeconds / 60;

    /// <summary>The instant of the last preparation.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>
    /// Reads the engine's queues and spreads the forecast arrivals, each minute's expectation times
    /// <paramref name="arrivalScale"/> (1: as forecast; 1.25: a quarter more customers than forecast): once per
    /// evaluation, for every staffing. Clears the assumed changes (<see cref="Assume"/>).
    /// </summary>
    public void Prepare(QueueEngine engine, ArrivalForecast arrivals, DateTimeOffset now, TimeSpan window, TimeSpan handover, double arrivalScale = 1)
    {
        BranchConfig config = engine.Config;
        Now = now;
        _services = config.Services.Count;
        EnsureServices(_services);
        _windowSeconds = (int)Math.Clamp(Math.Round(window.TotalMinutes), 1, QueueForecaster.MaxWindow.TotalMinutes) * 60;
        int maxSla = 0;
        for (int s = 0; s < _services; s++)
        {
            ServiceConfig sc = config.Services[s];
            _slaSeconds[s] = (int)Math.Min(sc.SlaTarget.TotalSeconds, 7200);
            _careSeconds[s] = (int)Math.Min(sc.CareThreshold.TotalSeconds, 7200);
            _serviceSeconds[s] = Math.Max(1, (int)engine.MeanServiceTime(s).TotalSeconds);
            maxSla = Math.Max(maxSla, _slaSeconds[s]);
        }

        _handoverSeconds = Math.Max(0, (int)handover.TotalSeconds);
        _endSeconds = _windowSeconds + maxSla;
        long nowTicks = now.UtcTicks;
        double nowLocal = arrivals.LocalMinutes(nowTicks);
        _customerCount = 0;
        for (int s = 0; s < _services; s++)
        {
            _start[s] = _customerCount;

            // Waiting now, in calling order.
            int waiting = engine.WaitingCount(s);
            if (_ticketBuffer.Length < waiting)
            {
                _ticketBuffer = new int[Math.Max(waiting, _ticketBuffer.Length * 2)];
            }

            int n = engine.CopyQueue(s, _ticketBuffer);
            for (int i = 0; i < n; i++)
            {
                if (engine.TryGetTicket(_ticketBuffer[i], out TicketView t))
                {
                    Add(ToSeconds(t.IssuedTicks - nowTicks), ToSeconds(t.QueuedTicks - nowTicks), 0);
                }
            }

            // Forecast arrivals: the k-th when the expectation reaches k - 1/2, linear within each minute.
            double cumulative = 0;
            double next = 0.5;
            int endMinutes = _endSeconds / 60;
            for (int m = 0; m < endMinutes; m++)
            {
                double inMinute = arrivals.Integrate(s, nowLocal + m, nowLocal + m + 1) * arrivalScale;
                while (inMinute > 0 && cumulative + inMinute >= next)
                {
                    int at = (int)((m + ((next - cumulative) / inMinute)) * 60);
                    at = Math.Max(1, at);
                    Add(at, at, at);
                    next += 1;
                }

                cumulative += inMinute;
            }

            _end[s] = _customerCount;
        }

        int counters = config.Counters.Count;
        if (_free.Length < counters)
        {
            _free = new int[counters];
            _stopAfter = new int[counters];
            _assumed = new AdviceKind[counters];
            _assumedStart = new int[counters];
        }

        Array.Clear(_assumed);

        if (_credit.Length < counters)
        {
            _credit = new int[counters][];
        }

        for (int c = 0; c < counters; c++)
        {
            int listed = config.Counters[c].Services.Count;
            if (_credit[c] is null || _credit[c].Length < listed)
            {
                _credit[c] = new int[listed];
            }
        }
    }

    /// <summary>
    /// Takes a change as made in every run until the next <see cref="Prepare"/>: accepted advice the counter has not
    /// carried out yet (<paramref name="counterIndex"/> into the configuration's counters). An assumed open or resume
    /// starts calling <paramref name="startSeconds"/> from now (at least 0); a pause or close stops the counter
    /// calling. A run's own change for the same counter takes its place.
    /// </summary>
    public void Assume(int counterIndex, AdviceKind kind, int startSeconds)
    {
        if ((uint)counterIndex < (uint)_assumed.Length)
        {
            _assumed[counterIndex] = kind;
            _assumedStart[counterIndex] = Math.Max(0, startSeconds);
        }
    }

    /// <summary>
    /// The counter time (seconds) the customers waiting now and those forecast within the window need: each service's
    /// mean time plus the hand-over, summed.
    /// </summary>
    public double WorkSeconds()
    {
        double work = 0;
        for (int s = 0; s < _services; s++)
        {
            for (int i = _start[s]; i < _end[s] && _arrive[i] <= _windowSeconds; i++)
            {
                work += _serviceSeconds[s] + _handoverSeconds;
            }
        }

        return work;
    }

    /// <summary>Simulates one staffing over the prepared customers and fills <paramref name="result"/>.</summary>
    public void Run(QueueEngine engine, StaffingChange change, QueueForecast result)
    {
        BranchConfig config = engine.Config;
        long nowTicks = Now.UtcTicks;
        int counters = config.Counters.Count;
        int startDelay = (int)QueueForecaster.StartDelay.TotalSeconds;
        for (int c = 0; c < counters; c++)
        {
            CounterConfig cc = config.Counters[c];
            Array.Clear(_credit[c]);
            _stopAfter[c] = 0;
            _free[c] = NotCalled;
            bool own = change.Kind != AdviceKind.None && change.CounterNumber == cc.Number;
            AdviceKind kind = own ? change.Kind : _assumed[c];
            int start = own ? startDelay : _assumedStart[c];
            bool changed = kind != AdviceKind.None;
            if (!engine.TryGetCounter(cc.Number, out CounterView view))
            {
                continue;
            }

            switch (view.State)
            {
                case CounterState.Standby:
                    _free[c] = 0;
                    break;
                case CounterState.Serving:
                    _free[c] = RemainingSeconds(engine, view, nowTicks);
                    break;
                case CounterState.Paused or CounterState.Away:
                    if (changed && kind == AdviceKind.Resume)
                    {
                        _free[c] = start;
                    }

                    break;
                default:
                    if (changed && kind == AdviceKind.Open)
                    {
                        _free[c] = start;
                    }

                    break;
            }

            if (changed && kind is AdviceKind.Pause or AdviceKind.Close && view.State is CounterState.Standby or CounterState.Serving)
            {
                _free[c] = NotCalled; // a serving counter finishes its customer; nobody else is called there
            }
        }

        for (int s = 0; s < _services; s++)
        {
            _head[s] = _start[s];
        }

        Array.Fill(_called, NotCalled, 0, _customerCount);
        Simulate(config, counters);
        Summarise(result, change);
    }

    private void Simulate(BranchConfig config, int counters)
    {
        while (true)
        {
            int c = -1;
            int t = NotCalled;
            for (int i = 0; i < counters; i++)
            {
                if (_free[i] < t)
                {
                    t = _free[i];
                    c = i;
                }
            }

            if (c < 0 || t >= _endSeconds)
            {
                return;
            }

            CounterConfig cc = config.Counters[c];
            int service = Pick(cc, c, t);
            if (service >= 0)
            {
                int customer = _head[service]++;
                _called[customer] = t;
                _free[c] = t + _serviceSeconds[service] + _handoverSeconds;
                continue;
            }

            // Nobody waiting for it yet: look again when the next customer of its services arrives.
            int nextArrival = NotCalled;
            for (int j = 0; j < cc.Services.Count; j++)
            {
                int s = cc.Services[j].Service;
                if ((uint)s < (uint)_services && _head[s] < _end[s])
                {
                    nextArrival = Math.Min(nextArrival, _arrive[_head[s]]);
                }
            }

            _free[c] = nextArrival;
        }
    }

    private int Pick(CounterConfig cc, int c, int t)
    {
        IReadOnlyList<ServiceWeight> list = cc.Services;
        switch (cc.Mode)
        {
            case CounterMode.LongestWait:
                {
                    int best = -1;
                    for (int j = 0; j < list.Count; j++)
                    {
                        int s = list[j].Service;
                        if (HasWaiting(s, t) && (best < 0 || _queued[_head[s]] < _queued[_head[best]]))
                        {
                            best = s;
                        }
                    }

                    return best;
                }

            case CounterMode.Weighted:
                {
                    int[] credit = _credit[c];
                    int bestJ = -1;
                    int bestCredit = int.MinValue;
                    int total = 0;
                    for (int j = 0; j < list.Count; j++)
                    {
                        if (HasWaiting(list[j].Service, t))
                        {
                            credit[j] += list[j].Weight;
                            total += list[j].Weight;
                            if (credit[j] > bestCredit)
                            {
                                bestCredit = credit[j];
                                bestJ = j;
                            }
                        }
                    }

                    if (bestJ < 0)
                    {
                        return -1;
                    }

                    credit[bestJ] -= total;
                    return list[bestJ].Service;
                }

            default:
                for (int j = 0; j < list.Count; j++)
                {
                    if (HasWaiting(list[j].Service, t))
                    {
                        return list[j].Service;
                    }
                }

                return -1;
        }
    }

    private bool HasWaiting(int service, int t) =>
        (uint)service < (uint)_services && _head[service] < _end[service] && _arrive[_head[service]] <= t;

    private void Summarise(QueueForecast result, StaffingChange change)
    {
        int window = _windowSeconds / 60;
        result.Reset(_services, window);
        result.Change = change;
        result.Now = Now;
        int at30 = Math.Min(30 * 60, _windowSeconds);
        int at60 = Math.Min(60 * 60, _windowSeconds);
        for (int s = 0; s < _services; s++)
        {
            int waiting30 = 0;
            int waiting60 = 0;
            int population30 = 0;
            int met30 = 0;
            int population60 = 0;
            int met60 = 0;
            int pastCare30 = 0;
            long waitSum30 = 0;
            for (int i = _start[s]; i < _end[s]; i++)
            {
                int arrive = _arrive[i];
                int called = _called[i];
                if (arrive <= at30 && called > at30)
                {
                    waiting30++;
                }

                if (arrive <= at60 && called > at60)
                {
                    waiting60++;
                }

                if (arrive > _windowSeconds)
                {
                    continue;
                }

                int wait = (called == NotCalled ? _endSeconds : called) - _issued[i];
                bool met = called != NotCalled && wait <= _slaSeconds[s];
                bool past = wait > _careSeconds[s];
                int minute = arrive <= 0 ? 0 : Math.Min(window, (arrive + 59) / 60);
                result.Count(s, minute, met, past);
                if (arrive <= at30)
                {
                    population30++;
                    met30 += met ? 1 : 0;
                    pastCare30 += past ? 1 : 0;
                    waitSum30 += wait;
                }

                if (arrive <= at60)
                {
                    population60++;
                    met60 += met ? 1 : 0;
                }
            }

            result.Set(s, new ServiceForecast(s, waiting30, waiting60,
                population30 == 0 ? 1.0 : (double)met30 / population30,
                population60 == 0 ? 1.0 : (double)met60 / population60,
                population30 == 0 ? 0 : waitSum30 / 60.0 / population30,
                pastCare30));
        }
    }

    private int RemainingSeconds(QueueEngine engine, CounterView view, long nowTicks)
    {
        int service = engine.TryGetTicket(view.CurrentTicket, out TicketView t) ? t.Service : -1;
        int mean = (uint)service < (uint)_services ? _serviceSeconds[service] : 0;
        int elapsed = view.StateSinceTicks > 0 ? ToSeconds(nowTicks - view.StateSinceTicks) : 0;
        int remaining = mean + _handoverSeconds - elapsed;
        return Math.Max(Math.Max(mean / 5, 1), remaining);
    }

    private static int ToSeconds(long ticks) => (int)Math.Clamp(ticks / TimeSpan.TicksPerSecond, -86_400, 86_400);

    private void Add(int issued, int queued, int arrive)
    {
        if (_customerCount == _issued.Length)
        {
            int n = _issued.Length * 2;
            Array.Resize(ref _issued, n);
            Array.Resize(ref _queued, n);
            Array.Resize(ref _arrive, n);
            Array.Resize(ref _called, n);
        }

        _issued[_customerCount] = issued;
        _queued[_customerCount] = queued;
        _arrive[_customerCount] = arrive;
        _customerCount++;
    }

    private void EnsureServices(int services)
    {
        if (_start.Length < services)
        {
            _start = new int[services];
            _end = new int[services];
            _head = new int[services];
            _serviceSeconds = new int[services];
            _slaSeconds = new int[services];
            _careSeconds = new int[services];
        }
    }
}
