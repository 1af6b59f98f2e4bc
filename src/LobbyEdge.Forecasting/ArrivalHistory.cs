using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// The branch's arrivals to the queue: per service, per 15-minute slot of the local day, for each of the retained
/// business days and for today. An arrival is a <see cref="EventKind.TicketIssued"/> that is not a walk-in (a walk-in
/// is created and called at the counter at once and never queues); its slot is the local time (branch time zone) of
/// the event, its day the business date of the last <see cref="EventKind.DayOpened"/>. A customer who takes the
/// self-service alternative at the kiosk gets no ticket and is not an arrival: the demand the counters see already
/// excludes the share that diverts, so history and today are counted alike. Transfers between services are not
/// arrivals either (the customer arrived once).
/// </summary>
/// <remarks>
/// Memory is bounded: <c>(retainedDays + 1) x services x 96</c> counters, allocated up front; feeding it allocates
/// nothing. The oldest day is dropped when a new day opens past <c>retainedDays</c>. Feed it in log order, oldest day
/// first: within a day, events whose <see cref="LobbyEvent.Sequence"/> is at or below the last one observed are
/// skipped (a history load and the live feed may overlap); a <see cref="EventKind.DayOpened"/> of today again counts
/// today afresh; one of a date older than today is ignored with its day. Service indexes are those of the configuration it was built
/// with; arrivals of a service index beyond it are ignored. Not thread-safe: one thread feeds and reads it.
/// </remarks>
public sealed class ArrivalHistory
{
    /// <summary>Slots per day: 15 minutes each.</summary>
    public const int SlotsPerDay = 96;

    /// <summary>The length of a slot.</summary>
    public static readonly TimeSpan SlotLength = TimeSpan.FromMinutes(15);

    private readonly TimeZoneInfo _zone;
    private readonly int _services;
    private readonly int[][] _days;          // ring of retained days, [day][service * 96 + slot]
    private readonly int[] _dayNumbers;      // their business dates (DateOnly.DayNumber), 0 = empty
    private readonly int[] _today;
    private int _todayNumber;                // 0 = no day seen yet
    private int _ringNext;
    private int _ringCount;
    private bool _todayClosed;
    private long _lastSequence;
    private bool _skipping;                  // inside a day older than today

    /// <summary>A history for a branch's services and time zone, keeping the last <paramref name="retainedDays"/> days.</summary>
    /// <param name="config">The branch (its services and time zone).</param>
    /// <param name="retainedDays">Closed business days kept, 1..366 (28 = four of each weekday).</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="retainedDays"/> is outside 1..366.</exception>
    public ArrivalHistory(BranchConfig config, int retainedDays = 28)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(retainedDays, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(retainedDays, 366);
        _zone = config.TimeZone;
        _services = config.Services.Count;
        RetainedDays = retainedDays;
        _days = new int[retainedDays][];
        _dayNumbers = new int[retainedDays];
        for (int i = 0; i < retainedDays; i++)
        {
            _days[i] = new int[_services * SlotsPerDay];
        }

        _today = new int[_services * SlotsPerDay];
    }

    /// <summary>How many past days are kept at most.</summary>
    public int RetainedDays { get; }

    /// <summary>The number of services counted (the configuration's service count when built).</summary>
    public int ServiceCount => _services;

    /// <summary>Past business days held now (0..<see cref="RetainedDays"/>), today not included.</summary>
    public int DaysObserved => _ringCount;

    /// <summary>
    /// Whole business days counted (0..<see cref="RetainedDays"/>): the past days held, plus the last day opened once it
    /// has closed (<see cref="EventKind.DayClosed"/>). Between two days, or after a restart before the next opening,
    /// the day that just ended counts; <see cref="DaysObserved"/> takes it only once the next day opens.
    /// </summary>
    public int DaysCompleted => Math.Min(RetainedDays, _ringCount + (_todayClosed ? 1 : 0));

    /// <summary>Today's business date (the last day opened), or null before any day was observed.</summary>
    public DateOnly? Today => _todayNumber == 0 ? null : DateOnly.FromDayNumber(_todayNumber);

    /// <summary>The time zone slots are counted in (the branch's).</summary>
    public TimeZoneInfo TimeZone => _zone;

    /// <summary>
    /// Counts a batch of events, in log order: <see cref="EventKind.DayOpened"/> starts a day (the previous one moves
    /// into the retained days), <see cref="EventKind.TicketIssued"/> (walk-ins excluded) counts an arrival,
    /// <see cref="EventKind.DayClosed"/> marks the day complete (<see cref="DaysCompleted"/>). Other kinds are ignored.
    /// Allocation-free.
    /// </summary>
    public void Observe(ReadOnlySpan<LobbyEvent> events)
    {
        for (int i = 0; i < events.Length; i++)
        {
            Observe(in events[i]);
        }
    }

    /// <summary>Counts one event (see <see cref="Observe(ReadOnlySpan{LobbyEvent})"/>).</summary>
    public void Observe(in LobbyEvent e)
    {
        if (e.Kind == EventKind.DayOpened)
        {
            // A day's opening starts its count afresh, whatever came before (a log read again from a day's start,
            // or the days of separate engines in a simulation); a date older than today is not counted again.
            _lastSequence = e.Sequence;
            int day = e.AsDayOpened().BusinessDate.DayNumber;
            _skipping = _todayNumber != 0 && day < _todayNumber;
            if (!_skipping)
            {
                OpenDay(day);
            }

            return;
        }

        if (e.Sequence > 0)
        {
            if (e.Sequence <= _lastSequence)
            {
                return;
            }

            _lastSequence = e.Sequence;
        }

        switch (e.Kind)
        {
            case EventKind.DayClosed:
                _todayClosed = !_skipping && _todayNumber != 0;
                break;
            case EventKind.TicketIssued:
                if (!_skipping && !e.AsTicketIssued().IsWalkIn && _todayNumber != 0 && (uint)e.Service < (uint)_services)
                {
                    _today[(e.Service * SlotsPerDay) + SlotOf(e.TimeTicks)]++;
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Arrivals of a service on a retained day or today in one slot; 0 when the day is not held.</summary>
    public int Arrivals(DateOnly date, int service, int slot)
    {
        if ((uint)service >= (uint)_services || (uint)slot >= SlotsPerDay)
        {
            return 0;
        }

        int[]? day = DayOf(date.DayNumber);
        return day is null ? 0 : day[(service * SlotsPerDay) + slot];
    }

    /// <summary>The slot (0..95) of a UTC instant in the branch's local day.</summary>
    public int SlotOf(long utcTicks)
    {
        DateTime local = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), _zone);
        return (int)(local.TimeOfDay.Ticks / SlotLength.Ticks);
    }

    /// <summary>The retained days' dates, newest first, into <paramref name="destination"/>; returns how many.</summary>
    public int CopyDays(Span<DateOnly> destination)
    {
        int n = Math.Min(_ringCount, destination.Length);
        for (int i = 0; i < n; i++)
        {
            destination[i] = DateOnly.FromDayNumber(_dayNumbers[RingIndex(i)]);
        }

        return n;
    }

    internal int[] TodayCounts => _today;

    internal int RetainedCount => _ringCount;

    /// <summary>The i-th retained day, newest first (i below <see cref="DaysObserved"/>).</summary>
    internal int[] RetainedDay(int i, out DayOfWeek weekday)
    {
        int r = RingIndex(i);
        weekday = DateOnly.FromDayNumber(_dayNumbers[r]).DayOfWeek;
        return _days[r];
    }

    private int RingIndex(int newestFirst) => (_ringNext - 1 - newestFirst + (2 * _days.Length)) % _days.Length;

    private int[]? DayOf(int dayNumber)
    {
        if (dayNumber == _todayNumber && dayNumber != 0)
        {
            return _today;
        }

        for (int i = 0; i < _ringCount; i++)
        {
            int r = RingIndex(i);
            if (_dayNumbers[r] == dayNumber)
            {
                return _days[r];
            }
        }

        return null;
    }

    private void OpenDay(int dayNumber)
    {
        if (dayNumber == _todayNumber)
        {
            // The same day opened again (a restart's replay): count it afresh.
            Array.Clear(_today);
            _todayClosed = false;
            return;
        }

        if (_todayNumber != 0)
        {
            int r = -1;
            for (int i = 0; i < _ringCount; i++)
            {
                if (_dayNumbers[RingIndex(i)] == _todayNumber)
                {
                    r = RingIndex(i);
                }
            }

            if (r < 0)
            {
                r = _ringNext;
                _ringNext = (_ringNext + 1) % _days.Length;
                _ringCount = Math.Min(_ringCount + 1, _days.Length);
            }

            Array.Copy(_today, _days[r], _today.Length);
            _dayNumbers[r] = _todayNumber;
        }

        Array.Clear(_today);
        _todayNumber = dayNumber;
        _todayClosed = false;
    }
}
