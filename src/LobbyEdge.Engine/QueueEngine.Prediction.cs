using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LobbyEdge.Engine;

public sealed partial class QueueEngine
{
    // How the wait printed on a ticket is predicted (see Predict and the engine README's "Wait prediction").
    private const double CallAlpha = 0.15;             // weight of a new gap between calls in the call cost
    private const double MaxCallCost = 4;              // one gap counts at most 4 mean service times per counter
    private const double PriorLeaveWeight = 20;        // calls of evidence before the share who leave the queue counts fully
    private const double DriftShare = 0.35;            // the service rate may drift by this share over a wait (counters, breaks)
    private const double OffsetMs = 60_000;            // the log-scale models the wait plus one minute (short waits stay sane)
    private const double UpperStep = 0.2;              // learning step of the p90 correction (log scale)
    private const double Z90 = 1.2815515655446004;     // the standard normal's 90th percentile
    private const double LevelWeight = 0.2;            // weight of the level estimate (wait per place) in the typical wait
    private const double BreakMs = 15 * 60_000;        // a paused or away counter is expected back after a break this long
    private const double LevelAlpha = 0.3;             // weight of a new observation in the wait per place
    private const double MedianStep = 0.005;           // learning step of the typical wait's correction (log scale)
    private const double MinCv2 = 0.01;                // service times vary at least this much (squared CV) in the rest of one

    private ServiceRates[] _rates = [];  // [service]: reset at day open, rebuilt by Apply, in the snapshot (format 9)

    /// <summary>
    /// The prediction a new ticket of this service and tier would get now: people ahead (in its lane and the lanes
    /// called before it) and a wait range in milliseconds, typical = the median, upper = the 90th percentile, both -1
    /// when no counter serves the service (none open, paused or away). Reads "now" as the time of the last event.
    /// Changes no queue state; O(1) apart from one pass over the counters that serve the service (and, when
    /// something they read changed, the capacity cache, see <c>ComputeCapacity</c>), so like every member it is
    /// called on the engine's thread. Allocates nothing.
    /// </summary>
    /// <remarks>
    /// The model: the customer is called at the queue's (people ahead + 1)-th call, fewer the counters idle now and
    /// the share of people ahead who leave without a call; calls come at the rolling mean service time divided by the
    /// service's open capacity, scaled by the call cost the day has shown (the observed gaps between the queue's
    /// calls while it had customers: calling, walking, no-shows, recalls, shared counters); counters on a break (paused
    /// or away while others work) are back after what is left of a 15-minute break, and the calls still to come by then
    /// come at the larger capacity; higher tiers arriving
    /// while the customer waits (at their observed rate) are called first. The spread comes from the service-time
    /// variance and a drift of the rate. The typical wait blends that estimate with the lane's level estimate (the
    /// wait per place ahead its called tickets showed, times the new ticket's places); the upper bound is the 90th
    /// percentile of a log-normal around it, widened or narrowed by what the day's calls showed until it covers 90 %.
    /// Both are then moved by the service's median correction for the new ticket's people ahead (0, 1-2, 3-5, 6-11,
    /// 12 or more): learned from the day's called tickets (printed typical against actual wait) until the printed
    /// typical wait is the median of the actual ones.
    /// </remarks>
    public WaitPrediction Predict(int service, Tier tier) => PredictAt(service, tier, _lastEventTicks);

    /// <summary>
    /// The prediction a ticket of this service and tier issued at <paramref name="now"/> would get (what the dispenser
    /// would print then, to the millisecond): as <see cref="Predict(int, Tier)"/>, with the rates read at
    /// <paramref name="now"/> instead of the last event's time.
    /// </summary>
    public WaitPrediction Predict(int service, Tier tier, DateTimeOffset now) => PredictAt(service, tier, now.UtcTicks);

    private WaitPrediction PredictAt(int service, Tier tier, long nowTicks)
    {
        if ((uint)service >= (uint)_services.Length)
        {
            return new WaitPrediction(0, -1, -1);
        }

        int lane = (int)tier;
        int ahead = 0;
        for (int l = LaneCount - 1; l >= lane; l--)
        {
            ahead += _lanes[(service * LaneCount) + l].Count;
        }

        if (_capacityStale[service])
        {
            ComputeCapacity(service);
        }

        double open = _openCapacity[service];
        double counters = open > 0 ? open : _standingCapacity[service];
        if (counters <= 0)
        {
            return new WaitPrediction(ahead, -1, -1);
        }

        ref ServiceRates r = ref _rates[service];
        double mean = _meanServiceMs[service];
        double cv2 = mean > 0 ? Math.Clamp(_varServiceMs[service] / (mean * mean), 0, 4) : 1;

        // The gap between the queue's calls; the first call comes when a counter that serves the service is free.
        double gap = r.CallCost / counters;
        double leave = r.QueueLeaves / (r.QueueLeaves + r.QueueCalls + PriorLeaveWeight);
        double before = ahead * (1 - leave);
        double first = FirstCallMs(service, open > 0, nowTicks, out int idle, out double backShare, out double backMs);
        double m;
        double variance;
        if (idle > 0)
        {
            // Idle counters call at once: only the customers beyond them wait for a gap each.
            double calls = Math.Max(0, before + 1 - idle);
            m = calls * gap;
            variance = calls * cv2 * gap * gap;
        }
        else
        {
            m = first + (before * gap);
            variance = (first * first) + (before * cv2 * gap * gap);
        }

        if (backShare > 0 && m > backMs)
        {
            // Counters on a break come back during the wait: the calls left by then come at the larger capacity.
            m = backMs + ((m - backMs) * counters / (counters + backShare));
        }

        // Higher tiers arriving meanwhile are called first, each taking a gap, until the customer's own service level
        // target passes: then the ticket moves up by age (the SLA lift) and nobody newer passes it any more.
        double pass = 0;
        for (int l = lane + 1; l < LaneCount; l++)
        {
            pass += r.ArrivalRate(l, nowTicks);
        }

        double sla = _services[service].SlaTarget.TotalMilliseconds;
        double passed = pass * gap;
        double stretched = m / Math.Max(0.5, 1 - passed);
        double extra = (stretched <= sla ? stretched : Math.Max(m, m + (passed * sla))) - m;
        m += extra;
        variance += (extra * gap) + (DriftShare * m * DriftShare * m);

        // Log-normal over (wait + offset) with the spread of the model, its median the model's estimate blended with
        // the lane's level estimate; the upper bound its 90th percentile with the shift learned from the day's calls.
        double scale = m + OffsetMs;
        double sigma2 = Math.Log(1 + (variance / (scale * scale)));
        double sigma = Math.Sqrt(sigma2);
        double typical = Math.Max(0, ((BlendLevel(service, lane, ahead, m) + OffsetMs) * Math.Exp(r.Median(ahead))) - OffsetMs);
        double upper = ((typical + OffsetMs) * Math.Exp(Math.Max(0, (Z90 * sigma) + r.UpperShift))) - OffsetMs;
        return new WaitPrediction(ahead, (long)typical, (long)Math.Max(typical, upper));
    }

    /// <summary>
    /// When the next call of the service is expected (ms from now) while every counter that serves it is busy: each
    /// serving counter frees at its customer's expected counter time (the service's mean times its call cost) less
    /// what has run (a quarter of it at least), and then calls this service by its share; the first of them comes
    /// at the summed rate. <paramref name="idle"/> counts the open counters that serve the service with nobody at
    /// them (they call at once). Standing (paused or away) counters count only when <paramref name="open"/> is false;
    /// while some are open, the standing ones that serve the service are counted as on a break instead:
    /// <paramref name="backShare"/> is the capacity they give back (their shares summed) and <paramref name="backMs"/>
    /// when (ms from now, share-weighted): what is left of a <see cref="BreakMs"/> break since they stopped, a quarter
    /// of one at least once they have been away longer.
    /// </summary>
    private double FirstCallMs(int service, bool open, long nowTicks, out int idle, out double backShare, out double backMs)
    {
        idle = 0;
        backShare = 0;
        backMs = 0;
        double rate = 0;
        foreach (int i in _countersServing[service])
        {
            ref CounterRecord c = ref _counterState[i];
            int cls = CapacityClass(c.State);
            if (open && cls == 2)
            {
                // On a break while others work: back after what is left of a break (a quarter of one at least).
                double back = ShareOf(i, service);
                if (back > 0)
                {
                    double away = (nowTicks - c.StateSinceTicks) / (double)TimeSpan.TicksPerMillisecond;
                    backMs = ((backMs * backShare) + (back * Math.Max(BreakMs - away, BreakMs / 4))) / (backShare + back);
                    backShare += back;
                }

                continue;
            }

            if (cls == 0 || (open && cls != 1))
            {
                continue;
            }

            double share = ShareOf(i, service);
            if (share <= 0)
            {
                continue;
            }

            if (c.State == CounterState.Standby && c.Current < 0)
            {
                idle++;
                continue;
            }

            // The customer at the counter: what is left of a service that has started (its service's log-normal
            // given the time it has run); before it starts (being called, walking up), or for a paused or away
            // counter, a whole customer's counter time.
            int cs = c.Current >= 0 ? _tickets[c.Current].Service : service;
            double rest;
            if (c.Current >= 0 && c.State == CounterState.Serving && _tickets[c.Current].StartedTicks > 0)
            {
                double ran = (nowTicks - _tickets[c.Current].StartedTicks) / (double)TimeSpan.TicksPerMillisecond;
                double csMean = _meanServiceMs[cs];
                double csCv2 = csMean > 0 ? Math.Clamp(_varServiceMs[cs] / (csMean * csMean), MinCv2, 4) : 1;
                rest = ResidualServiceMs(ran, csMean, csCv2);
            }
            else
            {
                double full = _rates[cs].CallCost;
                double ran = c.Current >= 0 && c.State == CounterState.Serving
                    ? (nowTicks - _tickets[c.Current].CalledTicks) / (double)TimeSpan.TicksPerMillisecond : 0;
                rest = Math.Max(full - ran, full / 4);
            }

            rate += share / rest;
        }

        return rate > 0 ? 1 / rate : 0;
    }

    /// <summary>
    /// The expected rest of a service that has run <paramref name="ranMs"/> ms, for service times log-normal with this
    /// mean (ms) and squared coefficient of variation: E[T - x | T &gt; x] = mean * Phi(sigma - z) / Phi(-z) - x, where
    /// sigma^2 = ln(1 + cv2), mu = ln(mean) - sigma^2 / 2 and z = (ln x - mu) / sigma (the log-normal's partial
    /// expectation; Johnson, Kotz and Balakrishnan, Continuous Univariate Distributions vol. 1, ch. 14). It shrinks
    /// with the time run at first and then grows again (a long transaction tends to run on), unlike "mean - x". At
    /// least a fiftieth of the mean; pure, allocates nothing.
    /// </summary>
    internal static double ResidualServiceMs(double ranMs, double mean, double cv2)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (ranMs <= 0)
        {
            return mean;
        }

        double sigma = Math.Sqrt(Math.Log(1 + cv2));
        double mu = Math.Log(mean) - (sigma * sigma / 2);
        double z = (Math.Log(ranMs) - mu) / sigma;
        double tail = NormalUpperTail(z);

        // Far in the tail the ratio of two tiny tails is lost to rounding: use its limit (Mills ratio), x sigma / z.
        double expected = tail > 1e-12 ? mean * NormalUpperTail(z - sigma) / tail : ranMs * (1 + (sigma / z));
        return Math.Max(expected - ranMs, mean / 50);
    }

    /// <summary>
    /// P(Z &gt; z) for a standard normal Z: erfc(z / sqrt 2) / 2 by the Chebyshev fit of Numerical Recipes (3rd ed.,
    /// section 6.2.2, erfccheb's predecessor erfcc), relative error under 1.2e-7 everywhere.
    /// </summary>
    internal static double NormalUpperTail(double z)
    {
        double x = Math.Abs(z) / Math.Sqrt(2);
        double t = 1 / (1 + (0.5 * x));
        double poly = -0.82215223 + (t * 0.17087277);
        poly = 1.48851587 + (t * poly);
        poly = -1.13520398 + (t * poly);
        poly = 0.27886807 + (t * poly);
        poly = -0.18628806 + (t * poly);
        poly = 0.09678418 + (t * poly);
        poly = 0.37409196 + (t * poly);
        poly = 1.00002368 + (t * poly);
        double erfc = t * Math.Exp(-(x * x) - 1.26551223 + (t * poly));
        return (z >= 0 ? erfc : 2 - erfc) / 2;
    }

    /// <summary>
    /// The level estimate (Ibrahim and Whitt's LES, per place ahead) blended into the model's estimate: the lane's
    /// observed wait per place times the places of the new ticket, at <see cref="LevelWeight"/> once the lane has
    /// observations (less while it has few).
    /// </summary>
    private double BlendLevel(int service, int lane, int ahead, double model)
    {
        ref PlaceLevel lv = ref _rates[service].Level(lane);
        if (lv.Count == 0)
        {
            return model;
        }

        double w = LevelWeight * lv.Count / (lv.Count + 1.0);
        return (w * (ahead + 1) * lv.PlaceMs) + ((1 - w) * model);
    }

    /// <summary>A ticket issued at the kiosk (not a walk-in): counts its tier's arrival rate.</summary>
    private void NoteArrival(int service, Tier tier, long t) => _rates[service].Arrive((int)tier, t);

    /// <summary>
    /// A ticket called (before it leaves its lane): a call from the queue measures the gap since the previous one
    /// while the queue had customers throughout, in counter time per mean service time; a call that settles a
    /// printed prediction moves the upper bound's correction, the typical wait's correction for its people ahead at
    /// issue (a stochastic-approximation median: up a step when the wait was longer than printed, down one when not)
    /// and its lane's wait per place (the level estimate).
    /// </summary>
    private void NoteCalled(ref TicketRecord tk, CallSource source, long t)
    {
        ref ServiceRates r = ref _rates[tk.Service];
        if (tk.PredictionPending)
        {
            double actual = (t - tk.IssuedTicks) / (double)TimeSpan.TicksPerMillisecond;
            r.UpperShift += actual > tk.PredictedUpperMs ? UpperStep * 0.9 : -UpperStep * 0.1;
            r.Median(tk.AheadAtIssue) += actual > tk.PredictedMs ? MedianStep : -MedianStep;
            ref PlaceLevel lv = ref r.Level(tk.Lane);
            double place = actual / (tk.AheadAtIssue + 1);
            lv.PlaceMs = lv.Count == 0 ? place : lv.PlaceMs + (LevelAlpha * (place - lv.PlaceMs));
            lv.Count++;
        }

        if (source != CallSource.Next || tk.State != TicketState.Waiting)
        {
            return;
        }

        int service = tk.Service;
        if (r.Backlogged && r.LastCallTicks > 0 && t > r.LastCallTicks)
        {
            if (_capacityStale[service])
            {
                ComputeCapacity(service);
            }

            double counters = _openCapacity[service] > 0 ? _openCapacity[service] : _standingCapacity[service];
            if (counters > 0)
            {
                double sample = (t - r.LastCallTicks) / (double)TimeSpan.TicksPerMillisecond * counters;
                r.CallCost += CallAlpha * (Math.Min(sample, MaxCallCost * _meanServiceMs[service]) - r.CallCost);
            }
        }

        r.LastCallTicks = t;
        r.QueueCalls++;
    }
}

/// <summary>
/// What one service's day has shown for its wait predictions: kept by <see cref="QueueEngine"/>'s Apply from the
/// events, reset at day open, stored raw in the snapshot (blittable).
/// </summary>
internal struct ServiceRates
{
    /// <summary>No history: a call costs the seeded service time, nobody leaves, no corrections.</summary>
    public static ServiceRates Fresh(double seedServiceMs) => new() { CallCost = seedServiceMs, UpperShift = InitialUpperShift };

    /// <summary>Counter time per call from the queue (ms): the observed gaps between calls times the counters serving.</summary>
    public double CallCost;

    /// <summary>Correction of the printed upper bound so it covers 90 % of the waits (log scale).</summary>
    public double UpperShift;

    /// <summary>Decayed counts of kiosk arrivals per tier (normal, priority, VIP).</summary>
    public double ArrivalsNormal;

    /// <summary>See <see cref="ArrivalsNormal"/>.</summary>
    public double ArrivalsPriority;

    /// <summary>See <see cref="ArrivalsNormal"/>.</summary>
    public double ArrivalsVip;

    /// <summary>When the decayed counts were last brought up to date (UTC ticks), 0 = no arrival today.</summary>
    public long ArrivalTicks;

    /// <summary>The first arrival today (UTC ticks).</summary>
    public long FirstArrivalTicks;

    /// <summary>The last call from the queue today (UTC ticks), 0 = none.</summary>
    public long LastCallTicks;

    /// <summary>Calls from the queue today.</summary>
    public int QueueCalls;

    /// <summary>Waiting tickets cancelled or abandoned today (they leave without a call).</summary>
    public int QueueLeaves;

    /// <summary>Customers have waited without a break since <see cref="LastCallTicks"/> (the gap measures the counters, not the arrivals).</summary>
    public bool Backlogged;

    /// <summary>The level estimate of the normal lane: time per place from the waits of its called tickets.</summary>
    public PlaceLevel LevelNormal;

    /// <summary>See <see cref="LevelNormal"/> (priority lane).</summary>
    public PlaceLevel LevelPriority;

    /// <summary>See <see cref="LevelNormal"/> (VIP lane).</summary>
    public PlaceLevel LevelVip;

    /// <summary>
    /// The typical wait's correction (log scale of wait + 1 min) per bucket of people ahead at issue: 0, 1-2, 3-5,
    /// 6-11, 12 or more.
    /// </summary>
    public AheadBuckets MedianShift;

    /// <summary>The typical wait's correction for a ticket with <paramref name="ahead"/> people ahead (see <see cref="MedianShift"/>).</summary>
    [UnscopedRef]
    public ref double Median(int ahead) => ref MedianShift[ahead <= 0 ? 0 : ahead <= 2 ? 1 : ahead <= 5 ? 2 : ahead <= 11 ? 3 : 4];

    /// <summary>The level estimate of a lane (0 normal, 1 priority, 2 VIP).</summary>
    [UnscopedRef]
    public ref PlaceLevel Level(int lane)
    {
        if (lane == 0)
        {
            return ref LevelNormal;
        }

        if (lane == 1)
        {
            return ref LevelPriority;
        }

        return ref LevelVip;
    }

    /// <summary>Counts an arrival of a tier (0 normal, 1 priority, 2 VIP) at <paramref name="t"/>.</summary>
    public void Arrive(int tier, long t)
    {
        if (ArrivalTicks == 0)
        {
            FirstArrivalTicks = t;
        }
        else
        {
            double decay = Decay(t);
            ArrivalsNormal *= decay;
            ArrivalsPriority *= decay;
            ArrivalsVip *= decay;
        }

        ArrivalTicks = t;
        switch (tier)
        {
            case 0:
                ArrivalsNormal++;
                break;
            case 1:
                ArrivalsPriority++;
                break;
            default:
                ArrivalsVip++;
                break;
        }
    }

    /// <summary>Arrivals of a tier per millisecond at <paramref name="now"/> (0 before the day's first).</summary>
    public readonly double ArrivalRate(int tier, long now)
    {
        if (ArrivalTicks == 0)
        {
            return 0;
        }

        double count = tier switch { 0 => ArrivalsNormal, 1 => ArrivalsPriority, _ => ArrivalsVip };
        double span = Math.Max(MinSpanMs, (now - FirstArrivalTicks) / (double)TimeSpan.TicksPerMillisecond);
        double window = WindowMs * (1 - Math.Exp(-span / WindowMs));
        return count * Decay(now) / window;
    }

    /// <inheritdoc/>
    public override readonly string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rates={CallCost:R}/{UpperShift:R}/{ArrivalsNormal:R},{ArrivalsPriority:R},{ArrivalsVip:R}@{ArrivalTicks}/{FirstArrivalTicks}/{LastCallTicks}/{QueueCalls}/{QueueLeaves}/{Backlogged} level={LevelNormal.PlaceMs:R}#{LevelNormal.Count},{LevelPriority.PlaceMs:R}#{LevelPriority.Count},{LevelVip.PlaceMs:R}#{LevelVip.Count} median={MedianShift[0]:R},{MedianShift[1]:R},{MedianShift[2]:R},{MedianShift[3]:R},{MedianShift[4]:R}");

    // The upper bound starts this much wider (log scale) than the model's own p90: the model knows the service times'
    // spread, not the lobby's (calling, walking, breaks); the day's calls then move it to 90 % coverage.
    private const double InitialUpperShift = 0.4;
    private const double WindowMs = 60 * 60_000;  // arrivals exponentially decayed over an hour
    private const double MinSpanMs = 15 * 60_000;  // the day's first arrivals are judged over 15 minutes at least

    private readonly double Decay(long t) =>
        t > ArrivalTicks ? Math.Exp(-(t - ArrivalTicks) / (double)TimeSpan.TicksPerMillisecond / WindowMs) : 1;
}

/// <summary>
/// A lane's level estimate (the LES idea: the delay of the last customers predicts the next one's): the time per place
/// ahead its called tickets waited, exponentially weighted.
/// </summary>
internal struct PlaceLevel
{
    /// <summary>Wait per place (ms): actual wait / (people ahead at issue + 1), exponentially weighted.</summary>
    public double PlaceMs;

    /// <summary>Observations today.</summary>
    public int Count;
}

/// <summary>One double per bucket of people ahead at issue (0, 1-2, 3-5, 6-11, 12 or more): blittable, no allocation.</summary>
[System.Runtime.CompilerServices.InlineArray(5)]
internal struct AheadBuckets
{
    private double _first;
}
