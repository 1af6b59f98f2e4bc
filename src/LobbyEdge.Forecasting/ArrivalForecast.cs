using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// Expected arrivals per service for the rest of a business day: for each 15-minute slot, the mean of the same
/// weekday's slot over the retained days (all retained days when fewer than <see cref="MinSameWeekdayDays"/> of them
/// are the same weekday), scaled by today's observed rate; with no retained day at all, today's rate over the last
/// 45 to 60 minutes, held until the ticketing cutoff.
/// </summary>
/// <remarks>
/// Today's rate is the ratio of today's arrivals so far to what history expected so far, shrunk towards 1 by
/// <see cref="Shrinkage"/> customers of pseudo-observations (<c>(observed + k) / (expected + k)</c>), first for the
/// whole branch, then per service towards the branch's ratio: a quiet first hour moves the forecast a little, a
/// morning twice as busy as usual moves it most of the way. A snapshot: later arrivals need a new forecast. Pure,
/// I/O-free; <see cref="From"/> allocates one array of <c>services x 96</c> doubles (the advisor reuses one).
/// </remarks>
public sealed class ArrivalForecast
{
    /// <summary>Same-weekday days needed before the forecast uses only that weekday.</summary>
    public const int MinSameWeekdayDays = 2;

    /// <summary>Pseudo-customers that pull today's ratio towards 1 (and a service's towards the branch's).</summary>
    public const double Shrinkage = 10;

    private double[] _expected;               // [service * 96 + slot], customers per slot today
    private int _services;
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    private DateOnly _date;

    private ArrivalForecast(int services)
    {
        _services = services;
        _expected = new double[services * ArrivalHistory.SlotsPerDay];
    }

    /// <summary>The business date forecast (local, branch time zone).</summary>
    public DateOnly Date => _date;

    /// <summary>True when no retained day fed it: the forecast is today's recent rate only.</summary>
    public bool FromTodayOnly { get; private set; }

    /// <summary>Today's rate factor for the branch (1 = as history expects; today's rate only: 1).</summary>
    public double TodayFactor { get; private set; } = 1;

    /// <summary>
    /// The forecast for the local business day of <paramref name="now"/>, from <paramref name="history"/> (its
    /// retained days and today's arrivals so far).
    /// </summary>
    /// <param name="history">The branch's arrival history, fed up to <paramref name="now"/>.</param>
    /// <param name="config">The branch: its opening hours (calendar) and ticketing cutoff.</param>
    /// <param name="now">The instant the forecast is made.</param>
    public static ArrivalForecast From(ArrivalHistory history, BranchConfig config, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(config);
        var forecast = new ArrivalForecast(history.ServiceCount);
        forecast.Refresh(history, config, now);
        return forecast;
    }

    /// <summary>
    /// Expected customers of <paramref name="service"/> arriving in [<paramref name="from"/>, <paramref name="to"/>)
    /// today (a mean, not a whole number); 0 for an unknown service or an empty interval. Slots are taken pro rata.
    /// </summary>
    public double ExpectedArrivals(int service, DateTimeOffset from, DateTimeOffset to)
    {
        if ((uint)service >= (uint)_services || to <= from)
        {
            return 0;
        }

        double a = LocalMinutes(from.UtcTicks);
        double b = LocalMinutes(to.UtcTicks);
        return Integrate(service, a, b);
    }

    /// <summary>Expected arrivals per 15-minute slot of a service today (slot 0 starts at local midnight).</summary>
    public double ExpectedInSlot(int service, int slot) =>
        (uint)service < (uint)_services && (uint)slot < ArrivalHistory.SlotsPerDay ? _expected[(service * ArrivalHistory.SlotsPerDay) + slot] : 0;

    /// <summary>Minutes since the local midnight of <see cref="Date"/> (may exceed a day or be negative).</summary>
    internal double LocalMinutes(long utcTicks)
    {
        DateTime local = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), _zone);
        return (local - _date.ToDateTime(TimeOnly.MinValue)).TotalMinutes;
    }

    /// <summary>Expected arrivals of a service between two local minutes of the day.</summary>
    internal double Integrate(int service, double fromMinutes, double toMinutes)
    {
        const double SlotMinutes = 15;
        fromMinutes = Math.Max(0, fromMinutes);
        toMinutes = Math.Min(ArrivalHistory.SlotsPerDay * SlotMinutes, toMinutes);
        double sum = 0;
        int baseIndex = service * ArrivalHistory.SlotsPerDay;
        while (fromMinutes < toMinutes)
        {
            int slot = (int)(fromMinutes / SlotMinutes);
            double slotEnd = (slot + 1) * SlotMinutes;
            double end = Math.Min(slotEnd, toMinutes);
            sum += _expected[baseIndex + slot] * (end - fromMinutes) / SlotMinutes;
            fromMinutes = end;
        }

        return sum;
    }

    /// <summary>Recomputes this forecast in place (no allocation unless the service count changed).</summary>
    internal void Refresh(ArrivalHistory history, BranchConfig config, DateTimeOffset now)
    {
        const int Slots = ArrivalHistory.SlotsPerDay;
        _zone = history.TimeZone;
        if (_services != history.ServiceCount)
        {
            _services = history.ServiceCount;
            _expected = new double[_services * Slots];
        }

        DateTime localNow = TimeZoneInfo.ConvertTimeFromUtc(now.UtcDateTime, _zone);
        _date = DateOnly.FromDateTime(localNow);
        double nowMinutes = localNow.TimeOfDay.TotalMinutes;
        int nowSlot = Math.Min(Slots - 1, (int)(nowMinutes / 15));
        double nowFraction = (nowMinutes - (nowSlot * 15)) / 15;
        int[] today = history.Today == _date ? history.TodayCounts : [];
        Array.Clear(_expected);

        // Same weekday when there are enough of them; else every retained day.
        int sameWeekday = 0;
        for (int d = 0; d < history.RetainedCount; d++)
        {
            history.RetainedDay(d, out DayOfWeek weekday);
            if (weekday == _date.DayOfWeek)
            {
                sameWeekday++;
            }
        }

        bool onlySame = sameWeekday >= MinSameWeekdayDays;
        int used = 0;
        for (int d = 0; d < history.RetainedCount; d++)
        {
            int[] counts = history.RetainedDay(d, out DayOfWeek weekday);
            if (onlySame && weekday != _date.DayOfWeek)
            {
                continue;
            }

            used++;
            for (int i = 0; i < _expected.Length; i++)
            {
                _expected[i] += counts[i];
            }
        }

        FromTodayOnly = used == 0;
        if (FromTodayOnly)
        {
            TodayFactor = 1;
            FillFromRecentRate(config, today, nowMinutes, nowSlot);
            return;
        }

        for (int i = 0; i < _expected.Length; i++)
        {
            _expected[i] /= used;
        }

        if (today.Length == 0)
        {
            TodayFactor = 1;
            return;
        }

        // Today's rate: observed so far against expected so far (the current slot pro rata).
        double observedAll = 0;
        double expectedAll = 0;
        Span<double> observed = _services <= 64 ? stackalloc double[_services] : new double[_services];
        Span<double> expectedSoFar = _services <= 64 ? stackalloc double[_services] : new double[_services];
        for (int s = 0; s < _services; s++)
        {
            int b = s * Slots;
            double o = 0;
            double e = 0;
            for (int slot = 0; slot < nowSlot; slot++)
            {
                o += today[b + slot];
                e += _expected[b + slot];
            }

            o += today[b + nowSlot];
            e += _expected[b + nowSlot] * nowFraction;
            observed[s] = o;
            expectedSoFar[s] = e;
            observedAll += o;
            expectedAll += e;
        }

        double branchFactor = (observedAll + Shrinkage) / (expectedAll + Shrinkage);
        TodayFactor = branchFactor;
        for (int s = 0; s < _services; s++)
        {
            double factor = (observed[s] + (Shrinkage * branchFactor)) / (expectedSoFar[s] + Shrinkage);
            int b = s * Slots;
            for (int slot = 0; slot < Slots; slot++)
            {
                _expected[b + slot] *= factor;
            }
        }
    }

    /// <summary>No history: today's arrivals over the last 45-60 minutes (the current slot and the three before it),
    /// as a rate held from now until the ticketing cutoff.</summary>
    private void FillFromRecentRate(BranchConfig config, int[] today, double nowMinutes, int nowSlot)
    {
        const int Slots = ArrivalHistory.SlotsPerDay;
        DayHours? hours = config.EffectiveCalendar.HoursOn(_date);
        if (today.Length == 0 || hours is null)
        {
            return;
        }

        double open = hours.Value.Open.ToTimeSpan().TotalMinutes;
        double cutoff = hours.Value.Close.ToTimeSpan().TotalMinutes - config.TicketingCutoff.TotalMinutes;
        int firstSlot = Math.Max(0, nowSlot - 3);
        double windowStart = Math.Max(open, firstSlot * 15.0);
        double window = nowMinutes - windowStart;
        if (window < 5)
        {
            return; // too little of today to judge a rate
        }

        for (int s = 0; s < _services; s++)
        {
            int b = s * Slots;
            int count = 0;
            for (int slot = firstSlot; slot <= nowSlot; slot++)
            {
                count += today[b + slot];
            }

            double perMinute = count / window;
            for (int slot = 0; slot < Slots; slot++)
            {
                double start = Math.Max(slot * 15.0, Math.Max(open, windowStart));
                double end = Math.Min((slot + 1) * 15.0, cutoff);
                if (end > start)
                {
                    _expected[b + slot] = perMinute * (end - start);
                }
            }
        }
    }
}
