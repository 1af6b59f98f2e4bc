using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LobbyEdge.Engine;

/// <summary>
/// The branch's queue: a pure, single-writer state machine. <see cref="Execute"/> decides a command against the
/// current state and emits events; every event is applied by <see cref="Apply"/>, the only code that changes
/// state, so replaying the events gives exactly the state that running live gave (<c>state = fold(events)</c>).
/// No I/O, no threads, no clock of its own: the caller passes <c>now</c>.
/// </summary>
/// <remarks>
/// All storage is sized once from <see cref="BranchConfig"/>: tickets live in an arena indexed by their id of the
/// day, queues are intrusive doubly linked lists through that arena, events go to a pre-sized buffer. Commands,
/// timer ticks and event application therefore allocate nothing in steady state.
/// </remarks>
public sealed partial class QueueEngine
{
    internal const int LaneCount = 3;

    private BranchConfig _config;
    private ServiceConfig[] _services;
    private CounterConfig[] _counters;
    private int[] _counterIndexByNumber;

    // Tickets of the day.
    private TicketRecord[] _tickets;
    private int _ticketCount;

    // Per service.
    private Lane[] _lanes;            // [service * 3 + lane], lane 2 = VIP first
    private LaneIndex _laneIndex;     // order statistics over _lanes: position, rank, placement by age
    private Lane[] _noShows;          // [service], in no-show order
    private int[] _waitingByTier;     // [service * 3 + tier]
    private int[] _waiting;           // [service]
    private int[] _lastNumber;        // [service]
    private int[] _issued;            // [service]
    private int[] _calls;             // [service]
    private int[][] _ticketByNumber;  // [service][number - first] -> ticket id or -1
    private double[] _meanServiceMs;  // rolling, per service
    private double[] _varServiceMs;
    private CareTally[] _care;        // [service], the care KPI of the day
    private RatingTally[] _ratingsByService;  // [service], linked ratings of the day

    // Per counter (by index in config order).
    private CounterRecord[] _counterState;
    private long[] _counterStateMs;   // [counter * 5 + state], ms accumulated today
    private int[][] _weightCredit;    // smooth weighted round robin credit per listed service
    private RatingTally[] _ratingsByCounter;  // [counter index], every rating of the day at the counter

    // The capacity each service's prediction divides by (see Predict), cached until something it reads changes.
    private int[][] _countersServing;  // [service] -> counter indices that list it, in config order
    private int[][] _neighbours;       // [service] -> services sharing a counter with it (itself included)
    private double[] _openCapacity;    // [service]
    private double[] _standingCapacity; // [service]
    private bool[] _capacityStale;     // [service]

    private TimerHeap _timers;
    private RecentCall[] _recent;
    private int _recentCount;
    private int _recentHead;

    private LobbyEvent[] _out;
    private int _outCount;

    private long _lastSequence;
    private long _lastEventTicks;
    private bool _dayOpen;
    private int _businessDay;                  // DateOnly.DayNumber of the open (or last) day, 0 if none yet
    private long _cutoffTicks;
    private long _closeTicks;
    private long _nextAutoOpenTicks;
    private long _nextAutoOpenCloseTicks;     // close of the day _nextAutoOpenTicks opens
    private long _clockOffsetTicks;           // how far now runs ahead of civil time (ClockOffset)

    /// <summary>Creates an engine for a branch. Throws <see cref="ArgumentException"/> if the configuration is invalid.</summary>
    public QueueEngine(BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<(string Field, string Message)> errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid branch configuration: {errors[0].Field}: {errors[0].Message}", nameof(config));
        }

        Allocate(config);
        ResetDay();
    }

    /// <summary>
    /// Sizes every piece of storage for <paramref name="config"/> and puts it in force (the constructor, and a
    /// structural configuration change while no day is open). Allocates; the day's state starts empty.
    /// </summary>
    [MemberNotNull(nameof(_config), nameof(_services), nameof(_counters), nameof(_counterIndexByNumber), nameof(_tickets), nameof(_lanes), nameof(_laneIndex), nameof(_noShows), nameof(_waitingByTier), nameof(_waiting), nameof(_lastNumber), nameof(_issued), nameof(_calls), nameof(_ticketByNumber), nameof(_meanServiceMs), nameof(_varServiceMs), nameof(_care), nameof(_ratingsByService), nameof(_counterState), nameof(_counterStateMs), nameof(_weightCredit), nameof(_ratingsByCounter), nameof(_countersServing), nameof(_neighbours), nameof(_openCapacity), nameof(_standingCapacity), nameof(_capacityStale), nameof(_timers), nameof(_recent), nameof(_out))]
    private void Allocate(BranchConfig config)
    {
        _config = config;
        _services = [.. config.Services];
        _counters = [.. config.Counters];
        int s = _services.Length;
        int c = _counters.Length;

        _counterIndexByNumber = new int[1000];
        Array.Fill(_counterIndexByNumber, -1);
        for (int i = 0; i < c; i++)
        {
            _counterIndexByNumber[_counters[i].Number] = i;
        }

        _tickets = new TicketRecord[config.MaxTicketsPerDay];
        _lanes = new Lane[s * LaneCount];
        _laneIndex = new LaneIndex(s * LaneCount, config.MaxTicketsPerDay);
        _noShows = new Lane[s];
        _waitingByTier = new int[s * LaneCount];
        _waiting = new int[s];
        _lastNumber = new int[s];
        _issued = new int[s];
        _calls = new int[s];
        _ticketByNumber = new int[s][];
        _meanServiceMs = new double[s];
        _varServiceMs = new double[s];
        _rates = new ServiceRates[s];
        _care = new CareTally[s];
        _ratingsByService = new RatingTally[s];
        for (int i = 0; i < s; i++)
        {
            _ticketByNumber[i] = new int[_services[i].LastNumber - _services[i].FirstNumber + 1];
        }

        _counterState = new CounterRecord[c];
        _counterStateMs = new long[c * 5];
        _weightCredit = new int[c][];
        _ratingsByCounter = new RatingTally[c];
        for (int i = 0; i < c; i++)
        {
            _weightCredit[i] = new int[_counters[i].Services.Count];
            _counterState[i] = new CounterRecord { State = CounterState.Closed, Current = -1, LastNoShow = -1, Parked = Lane.Empty, LastFinished = -1 };
        }

        BuildCapacityTopology();
        AllocateAdvice(s);
        _timers = new TimerHeap(config.MaxTicketsPerDay);
        _recent = new RecentCall[Math.Max(1, config.RecentCallCount)];
        // The event buffer may hold this step's events already (a change applied while a command runs): it only grows.
        int outSize = config.MaxTicketsPerDay + (c * 4) + 64;
        if (_out is null)
        {
            _out = new LobbyEvent[outSize];
        }
        else if (_out.Length < outSize)
        {
            Array.Resize(ref _out, outSize);
        }

        _ticketCount = 0;
        _recentCount = 0;
        _recentHead = 0;
        ConfigFingerprint = Fingerprint(config);
        _nextAutoOpenTicks = 0;
    }

    /// <summary>The configuration the engine runs with.</summary>
    public BranchConfig Config => _config;

    /// <summary>
    /// Gives the configuration of a <see cref="BranchConfig.Version"/> (from the host's configuration store), or null
    /// when it is not known. Used when the engine applies a <see cref="EventKind.ConfigurationChanged"/> or
    /// <see cref="EventKind.DayOpened"/> of a version other than the one in force (replay, a snapshot taken under an
    /// older version). Without it, or when it gives null, the engine keeps the configuration it has. Not part of
    /// the replayed state; the host sets it before recovery.
    /// </summary>
    public Func<long, BranchConfig?>? ConfigurationResolver { get; set; }

    /// <summary>A configuration accepted <see cref="ConfigurationChange.AtNextOpening"/> and waiting for the next day to open, or null.</summary>
    public BranchConfig? PendingConfiguration => _pending;

    /// <summary>The hours of a local date by the calendar in force, or null when the branch is closed on it.</summary>
    public DayHours? HoursOn(DateOnly date) => _config.EffectiveCalendar.HoursOn(date);

    /// <summary>
    /// When the branch next opens by its calendar (UTC), judged on civil time (<c>now - </c><see cref="ClockOffset"/>):
    /// the opening of the first open date after the current (or last) business day whose close is still ahead, or
    /// <paramref name="now"/> itself (civil) when that date's hours are already running and its day is not open yet
    /// (never a time before now); null when the calendar does not open within a year. A day held and closed today
    /// is past: the next opening is then the next open date's. For "closed today, open again Monday 09:00" on the kiosk and
    /// signage; allocates nothing but reads the calendar, so call it once per page refresh, not per command.
    /// </summary>
    public DateTime? NextOpeningUtc(DateTimeOffset now)
    {
        long civil = now.UtcTicks - _clockOffsetTicks;
        return NextOpening(civil, out _, out long openTicks) ? new DateTime(openTicks, DateTimeKind.Utc) : null;
    }

    /// <summary>
    /// The next opening by the calendar of the configuration the next day opens with (<see cref="PendingConfiguration"/>
    /// when one waits, else <see cref="Config"/>) at civil time <paramref name="civil"/> (UTC ticks): the first open
    /// date after the current (or last) business day whose close is still ahead. False when the calendar does not
    /// open within a year. Allocates nothing once the calendar's index is built.
    /// </summary>
    private bool NextOpening(long civil, out DateOnly date, out long openTicks)
    {
        BranchConfig config = OpeningConfig;
        TimeZoneInfo zone = config.TimeZone;
        DateOnly from = DateOnly.FromDateTime(BusinessCalendar.ToLocal(zone, new DateTime(civil, DateTimeKind.Utc)));
        if (from.DayNumber <= _businessDay)
        {
            from = DateOnly.FromDayNumber(_businessDay + 1);
        }

        BranchCalendar calendar = config.EffectiveCalendar;
        for (int i = 0; i < 2; i++)
        {
            if (calendar.NextOpenDate(from) is not DateOnly open || calendar.HoursOn(open) is not DayHours hours)
            {
                break;
            }

            if (BusinessCalendar.ToUtc(zone, open, hours.Close).Ticks > civil)
            {
                date = open;
                // Today's hours already running while the day is not open (opened by hand, clock not yet
                // synchronised): the branch can open now, so the next opening is now, never a time in the past.
                openTicks = Math.Max(BusinessCalendar.ToUtc(zone, open, hours.Open).Ticks, civil);
                return true;
            }

            from = open.AddDays(1);
        }

        date = default;
        openTicks = 0;
        return false;
    }

    /// <summary>The events the last <see cref="Execute"/> or <see cref="Tick"/> produced, valid until the next call.</summary>
    public ReadOnlySpan<LobbyEvent> LastEvents => new(_out, 0, _outCount);

    /// <summary>The sequence number of the last event emitted or applied; 0 before the first.</summary>
    public long LastSequence => _lastSequence;

    /// <summary>When the last event happened (UTC), or <see cref="DateTime.MinValue"/> before the first.</summary>
    public DateTime LastEventUtc => new(_lastEventTicks, DateTimeKind.Utc);

    /// <summary>Whether a business day is open.</summary>
    public bool IsDayOpen => _dayOpen;

    /// <summary>
    /// Whether the host's wall clock is synchronised (README, "Clock policy"). While false, the clock decides
    /// nothing about the calendar: <see cref="Tick"/> neither opens nor closes the day and the ticketing cut-off is
    /// not applied (a box that booted without a real-time clock, or a clock set by hand, may read any day);
    /// commands still open and close the day, and care, SLA and no-show timers still run. Not part of the
    /// replayed state: the host sets it before every step. True by default.
    /// </summary>
    public bool ClockSynchronized { get; set; } = true;

    /// <summary>
    /// How far the <c>now</c> given to <see cref="Execute"/> and <see cref="Tick"/> runs ahead of civil (wall-clock)
    /// time, zero or more: after the wall clock stepped back the host's branch clock keeps going forward from the
    /// log's last event, and the business calendar (opening, closing, the ticketing cut-off and the business date)
    /// is judged on <c>now - ClockOffset</c>, the wall clock. Durations (waits, service times, timers) use
    /// <c>now</c>. Not part of the replayed state: the host sets it before every step.
    /// </summary>
    public TimeSpan ClockOffset
    {
        get => new(_clockOffsetTicks);
        set => _clockOffsetTicks = value.Ticks > 0 ? value.Ticks : 0;
    }

    /// <summary>The current (or last) business date, or <see cref="DateOnly.MinValue"/> if no day has opened.</summary>
    public DateOnly BusinessDate => _businessDay == 0 ? DateOnly.MinValue : DateOnly.FromDayNumber(_businessDay);

    /// <summary>When ticketing stops today (UTC).</summary>
    public DateTime TicketingCutoffUtc => new(_cutoffTicks, DateTimeKind.Utc);

    /// <summary>When the day closes (UTC).</summary>
    public DateTime CloseUtc => new(_closeTicks, DateTimeKind.Utc);

    /// <summary>Tickets created today.</summary>
    public int TicketCount => _ticketCount;

    /// <summary>Number of services.</summary>
    public int ServiceCount => _services.Length;

    /// <summary>Tickets waiting in a service's queue.</summary>
    public int WaitingCount(int service) => _waiting[service];

    /// <summary>Tickets of a tier waiting in a service's queue.</summary>
    public int WaitingCount(int service, Tier tier) => _waitingByTier[(service * LaneCount) + (int)tier];

    /// <summary>Tickets issued today in a service (walk-ins included).</summary>
    public int IssuedCount(int service) => _issued[service];

    /// <summary>Tickets waiting for any of the services a counter serves (what its keypad shows).</summary>
    public int WaitingForCounter(int counterNumber)
    {
        int ci = CounterIndex(counterNumber);
        if (ci < 0)
        {
            return 0;
        }

        int sum = 0;
        IReadOnlyList<ServiceWeight> list = _counters[ci].Services;
        for (int i = 0; i < list.Count; i++)
        {
            sum += _waiting[list[i].Service];
        }

        return sum;
    }

    /// <summary>The rolling mean service time of a service.</summary>
    public TimeSpan MeanServiceTime(int service) => TimeSpan.FromMilliseconds(_meanServiceMs[service]);

    /// <summary>
    /// The care KPI of one service today (index into <see cref="BranchConfig.Services"/>): kept by the events as
    /// they are applied, so reading it costs nothing and replay gives the same figures. An unknown index gives
    /// zeros. The figures of the last day stay readable after it closes, until the next day opens.
    /// </summary>
    public CareFigures CareFiguresOf(int service) =>
        (uint)service < (uint)_care.Length ? _care[service].Figures : default;

    /// <summary>The care KPI of the whole branch today: the sum over the services.</summary>
    public CareFigures CareFiguresTotal()
    {
        CareTally sum = default;
        for (int s = 0; s < _care.Length; s++)
        {
            sum.Add(in _care[s]);
        }

        return sum.Figures;
    }

    /// <summary>
    /// Customer ratings at a counter today (by counter number), linked and unlinked. An unknown counter gives zeros.
    /// The figures of the last day stay readable after it closes, until the next day opens.
    /// </summary>
    public RatingFigures RatingFiguresOfCounter(int counterNumber)
    {
        int ci = CounterIndex(counterNumber);
        return ci < 0 ? default : _ratingsByCounter[ci].Figures;
    }

    /// <summary>
    /// Customer ratings of a service today (index into <see cref="BranchConfig.Services"/>): the linked ratings of
    /// its tickets (the service that served them) and its tickets asked to rate. Unlinked ratings belong to no
    /// service. An unknown index gives zeros.
    /// </summary>
    public RatingFigures RatingFiguresOfService(int service) =>
        (uint)service < (uint)_ratingsByService.Length ? _ratingsByService[service].Figures : default;

    /// <summary>Customer ratings of the whole branch today: the sum over the counters (linked and unlinked).</summary>
    public RatingFigures RatingFiguresTotal()
    {
        RatingTally sum = default;
        for (int c = 0; c < _ratingsByCounter.Length; c++)
        {
            sum.Add(in _ratingsByCounter[c]);
        }

        return sum.Figures;
    }

    /// <summary>A ticket of today by id.</summary>
    public bool TryGetTicket(int ticket, out TicketView view)
    {
        if ((uint)ticket >= (uint)_ticketCount)
        {
            view = default;
            return false;
        }

        ref TicketRecord t = ref _tickets[ticket];
        view = new TicketView(ticket, t.State, t.Tier, t.Service, t.NumberService, t.Number, t.Counter, t.Recalls,
            t.Recoveries, t.IssuedTicks, t.QueuedTicks, t.SlaBreached, t.CareCount, t.CareGiven, t.LastCareTicks, t.CareAlertTicks, t.Reprints,
            t.RatingScale == RatingScale.None ? -1 : t.RatingScore, t.RatingScale, t.RatingPrompts, t.FinishedTicks);
        return true;
    }

    /// <summary>The live ticket of today that carries a printed number, or -1.</summary>
    public int FindTicket(int numberService, int number)
    {
        if ((uint)numberService >= (uint)_services.Length)
        {
            return -1;
        }

        int slot = number - _services[numberService].FirstNumber;
        int[] map = _ticketByNumber[numberService];
        return (uint)slot < (uint)map.Length ? map[slot] : -1;
    }

    /// <summary>A counter's state now.</summary>
    public bool TryGetCounter(int counterNumber, out CounterView view)
    {
        int ci = CounterIndex(counterNumber);
        if (ci < 0)
        {
            view = default;
            return false;
        }

        ref CounterRecord c = ref _counterState[ci];
        view = new CounterView(counterNumber, c.State, c.Current, c.Parked.Count, c.LastNoShow, c.StateSinceTicks, c.LastFinished, c.LastFinishedTicks);
        return true;
    }

    /// <summary>Time a counter has spent in a state today, including the current stretch up to <paramref name="now"/>.</summary>
    public TimeSpan CounterTimeInState(int counterNumber, CounterState state, DateTimeOffset now)
    {
        int ci = CounterIndex(counterNumber);
        if (ci < 0)
        {
            return TimeSpan.Zero;
        }

        long ms = _counterStateMs[(ci * 5) + (int)state];
        ref CounterRecord c = ref _counterState[ci];
        if (c.State == state && c.StateSinceTicks > 0 && now.UtcTicks > c.StateSinceTicks)
        {
            ms += (now.UtcTicks - c.StateSinceTicks) / TimeSpan.TicksPerMillisecond;
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Copies a service's waiting tickets in the order they will be called; returns how many.</summary>
    public int CopyQueue(int service, Span<int> destination)
    {
        int n = 0;
        for (int lane = LaneCount - 1; lane >= 0; lane--)
        {
            for (int t = _lanes[(service * LaneCount) + lane].Head; t >= 0 && n < destination.Length; t = _tickets[t].Next)
            {
                destination[n++] = t;
            }
        }

        return n;
    }

    /// <summary>Copies the most recent calls, newest first; returns how many.</summary>
    public int CopyRecentCalls(Span<RecentCall> destination)
    {
        int n = Math.Min(_recentCount, destination.Length);
        for (int i = 0; i < n; i++)
        {
            destination[i] = _recent[(_recentHead - 1 - i + _recent.Length) % _recent.Length];
        }

        return n;
    }

    /// <summary>The printed form of a ticket's number, e.g. <c>A023</c>. Allocates; for displays, not hot paths.</summary>
    public string FormatTicket(int ticket)
    {
        if ((uint)ticket >= (uint)_ticketCount)
        {
            return "";
        }

        ref TicketRecord t = ref _tickets[ticket];
        return FormatNumber(t.NumberService, t.Number);
    }

    /// <summary>The printed form of a number of a service, e.g. <c>A023</c>.</summary>
    public string FormatNumber(int numberService, int number) => _services[numberService].FormatNumber(number);

    /// <summary>
    /// The capacity for a service, as <see cref="Predict(int, Tier)"/> divides by it: each open counter that serves it gives the
    /// service its weight's share of the services it is busy with (those with customers waiting, and this one).
    /// Paused or away counters count (as <c>standing</c>) only when no counter is open, since they will be back.
    /// Summed over the counters that list the service in configuration order, the same additions in the same order
    /// as a loop over every counter, so the figure is the same to the last bit. Cached: only a counter moving between
    /// open, standing and neither, or a service sharing one of its counters starting or ceasing to have customers
    /// waiting, makes it stale.
    /// </summary>
    private void ComputeCapacity(int service)
    {
        double open = 0;
        double standing = 0;
        foreach (int i in _countersServing[service])
        {
            double share = ShareOf(i, service);
            if (share <= 0)
            {
                continue;
            }

            switch (CapacityClass(_counterState[i].State))
            {
                case 1:
                    open += share;
                    break;
                case 2:
                    standing += share;
                    break;
                default:
                    break;
            }
        }

        _openCapacity[service] = open;
        _standingCapacity[service] = standing;
        _capacityStale[service] = false;
    }

    /// <summary>How a counter in a state counts for the capacity: 1 open (standby, serving), 2 standing (paused, away), 0 not.</summary>
    private static int CapacityClass(CounterState state) => state switch
    {
        CounterState.Standby or CounterState.Serving => 1,
        CounterState.Paused or CounterState.Away => 2,
        _ => 0,
    };

    /// <summary>
    /// Which counters list each service and which services share a counter, from the counters in force (at
    /// allocation and on a live configuration change). Allocates; not a hot path. Every capacity is then stale.
    /// </summary>
    [MemberNotNull(nameof(_countersServing), nameof(_neighbours), nameof(_openCapacity), nameof(_standingCapacity), nameof(_capacityStale))]
    private void BuildCapacityTopology()
    {
        int s = _services.Length;
        var serving = new List<int>[s];
        var neighbours = new HashSet<int>[s];
        for (int i = 0; i < s; i++)
        {
            serving[i] = [];
            neighbours[i] = [i];
        }

        for (int c = 0; c < _counters.Length; c++)
        {
            IReadOnlyList<ServiceWeight> list = _counters[c].Services;
            for (int j = 0; j < list.Count; j++)
            {
                int service = list[j].Service;
                if ((uint)service >= (uint)s)
                {
                    continue;
                }

                if (serving[service].Count == 0 || serving[service][^1] != c)
                {
                    serving[service].Add(c);
                }

                for (int k = 0; k < list.Count; k++)
                {
                    if ((uint)list[k].Service < (uint)s)
                    {
                        neighbours[service].Add(list[k].Service);
                    }
                }
            }
        }

        _countersServing = new int[s][];
        _neighbours = new int[s][];
        for (int i = 0; i < s; i++)
        {
            _countersServing[i] = [.. serving[i]];
            int[] near = [.. neighbours[i]];
            Array.Sort(near);
            _neighbours[i] = near;
        }

        _openCapacity = new double[s];
        _standingCapacity = new double[s];
        _capacityStale = new bool[s];
        InvalidateCapacity();
    }

    /// <summary>Every service's capacity is to be recomputed (a new day, a snapshot, a configuration change).</summary>
    private void InvalidateCapacity() => Array.Fill(_capacityStale, true);

    /// <summary>A counter moved between open, standing and neither: the capacity of each service it lists is stale.</summary>
    private void InvalidateCapacityOfCounter(int counterIndex)
    {
        IReadOnlyList<ServiceWeight> list = _counters[counterIndex].Services;
        for (int j = 0; j < list.Count; j++)
        {
            if ((uint)list[j].Service < (uint)_capacityStale.Length)
            {
                _capacityStale[list[j].Service] = true;
            }
        }
    }

    /// <summary>
    /// A service started or ceased to have customers waiting: the share it takes of every counter it is listed at
    /// changed, so the capacity of each service sharing one of those counters is stale.
    /// </summary>
    private void InvalidateCapacityOfNeighbours(int service)
    {
        foreach (int near in _neighbours[service])
        {
            _capacityStale[near] = true;
        }
    }

    private int CounterIndex(int number) => (uint)number < 1000u ? _counterIndexByNumber[number] : -1;

    private bool Serves(int counterIndex, int service)
    {
        IReadOnlyList<ServiceWeight> list = _counters[counterIndex].Services;
        for (int j = 0; j < list.Count; j++)
        {
            if (list[j].Service == service)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The share of a counter's capacity a service can expect now: its weight over the busy services' weights. An
    /// ordered counter calls the services listed after this one only when it has nobody waiting, so they take no share.
    /// </summary>
    private double ShareOf(int counterIndex, int service)
    {
        IReadOnlyList<ServiceWeight> list = _counters[counterIndex].Services;
        bool ordered = _counters[counterIndex].Mode == CounterMode.Ordered;
        int own = 0;
        int total = 0;
        for (int j = 0; j < list.Count; j++)
        {
            int s = list[j].Service;
            if (s == service)
            {
                own = list[j].Weight;
                total += own;
                if (ordered)
                {
                    break;
                }
            }
            else if (_waiting[s] > 0)
            {
                total += list[j].Weight;
            }
        }

        return own == 0 ? 0 : (double)own / total;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowReplay(string message) => throw new InvalidOperationException(message);
}

/// <summary>
/// A read-only copy of a ticket's state. <c>RatingScore</c> is the customer's rating (-1 = not rated) on
/// <c>RatingScale</c>; <c>RatingPrompts</c> counts the times the customer was asked to rate; <c>FinishedTicks</c> is
/// when the ticket was completed (UTC ticks, 0 = not completed).
/// </summary>
public readonly record struct TicketView(
    int Id,
    TicketState State,
    Tier Tier,
    int Service,
    int NumberService,
    int Number,
    int Counter,
    int Recalls,
    int Recoveries,
    long IssuedTicks,
    long QueuedTicks,
    bool SlaBreached,
    int CareAlerts,
    int CareGiven,
    long LastCareTicks,
    long CareAlertTicks,
    int Reprints,
    int RatingScore,
    RatingScale RatingScale,
    int RatingPrompts,
    long FinishedTicks);

/// <summary>
/// The care KPI of a service (or the branch) today (DOMAIN: "anyone past 10 minutes gets at least one act of care").
/// A ticket is past the care threshold once it has waited its service's <see cref="ServiceConfig.CareThreshold"/>
/// since issue; it is covered when it received at least one act of care while waiting.
/// </summary>
/// <param name="Decided">Tickets past the threshold that have left waiting today (called, cancelled, abandoned, day closed).</param>
/// <param name="Covered">Of <paramref name="Decided"/>, those cared for while waiting.</param>
/// <param name="UncaredWaiting">Tickets waiting now, past the threshold, with no care yet.</param>
/// <param name="CareGiven">Acts of care recorded today.</param>
/// <param name="Responses">Acts of care that answered a pending care alert.</param>
/// <param name="ResponseMsTotal">The sum of those responses, in milliseconds (alert to care).</param>
public readonly record struct CareFigures(int Decided, int Covered, int UncaredWaiting, int CareGiven, int Responses, long ResponseMsTotal)
{
    /// <summary>Care coverage: the share (0..1) of decided tickets past the threshold that were cared for; 1 when none.</summary>
    public double Coverage => Decided == 0 ? 1.0 : (double)Covered / Decided;

    /// <summary>The mean care response in milliseconds, or -1 when no care answered an alert.</summary>
    public double MeanResponseMs => Responses == 0 ? -1 : (double)ResponseMsTotal / Responses;
}

/// <summary>A read-only copy of a counter's state.</summary>
/// <param name="Number">The counter number.</param>
/// <param name="State">Its state now.</param>
/// <param name="CurrentTicket">The ticket it holds (called or serving), or -1.</param>
/// <param name="ParkedCount">Tickets it has parked.</param>
/// <param name="LastNoShow">Its last no-show today, or -1.</param>
/// <param name="StateSinceTicks">When it entered its state (UTC ticks).</param>
/// <param name="LastFinished">The ticket it finished last today (the one a rating links to), or -1.</param>
/// <param name="LastFinishedTicks">When it finished that ticket (UTC ticks), 0 when none.</param>
public readonly record struct CounterView(int Number, CounterState State, int CurrentTicket, int ParkedCount, int LastNoShow, long StateSinceTicks,
    int LastFinished = -1, long LastFinishedTicks = 0);

/// <summary>A call shown on the main display.</summary>
public readonly record struct RecentCall(int Ticket, int NumberService, int Number, int Counter, long TimeTicks, int Recalls);

/// <summary>
/// A wait prediction: people ahead and a range in ms, typical = the median, upper = the 90th percentile (-1 both when no
/// counter serves the service now).
/// </summary>
public readonly record struct WaitPrediction(int PeopleAhead, long TypicalMs, long UpperMs);

internal struct TicketRecord
{
    public TicketState State;
    public Tier Tier;
    public byte Lane;
    public bool SlaBreached;
    public bool PredictionPending;
    public bool CarePast;        // seen past its care threshold while waiting (in the care KPI's population)
    public bool CareDecided;     // counted in the care KPI's Decided (once per ticket)
    public RefusalReason ExpiredBy;  // for a no-show abandoned by tolerance: which limit passed
    public short Service;
    public short NumberService;
    public int Number;
    public int Counter;          // counter number holding or parking it, 0 if none
    public int Recalls;
    public int Recoveries;
    public int NoShowCallMark;   // the service's call count at the no-show
    public int CareCount;        // care alerts so far
    public int CareGiven;        // acts of care so far
    public int Reprints;
    public int RatingScore;      // valid when RatingScale is not None
    public RatingScale RatingScale;  // None = not rated
    public int RatingPrompts;    // RatingRequested events for it
    public long FinishedTicks;   // when it was completed, 0 = not completed
    public long LastCareTicks;   // 0 = never cared
    public long CareAlertTicks;  // oldest unanswered care alert, 0 = none pending
    public long IssuedTicks;
    public long QueuedTicks;
    public long CalledTicks;
    public long StartedTicks;
    public long NoShowTicks;
    public long NextCareTicks;   // 0 when no further care alert is due
    public long PredictedMs;
    public long PredictedUpperMs;  // the printed upper bound (prediction statistics learn from both)
    public int AheadAtIssue;     // people ahead when it was issued (TicketIssued's Count): the level estimate's places
    public int Prev;
    public int Next;
}

/// <summary>The care KPI counters of one service; see <see cref="CareFigures"/>.</summary>
internal struct CareTally
{
    public int Decided;
    public int Covered;
    public int UncaredWaiting;
    public int CareGiven;
    public int Responses;
    public long ResponseMsTotal;

    public readonly CareFigures Figures => new(Decided, Covered, UncaredWaiting, CareGiven, Responses, ResponseMsTotal);

    public void Add(in CareTally other)
    {
        Decided += other.Decided;
        Covered += other.Covered;
        UncaredWaiting += other.UncaredWaiting;
        CareGiven += other.CareGiven;
        Responses += other.Responses;
        ResponseMsTotal += other.ResponseMsTotal;
    }
}

internal struct Lane
{
    public static readonly Lane Empty = new() { Head = -1, Tail = -1 };

    public int Head;
    public int Tail;
    public int Count;
}

internal struct CounterRecord
{
    public CounterState State;
    public long StateSinceTicks;
    public int Current;
    public int LastNoShow;
    public int LastFinished;       // ticket finished last, -1 = none today
    public long LastFinishedTicks; // when
    public Lane Parked;
}
