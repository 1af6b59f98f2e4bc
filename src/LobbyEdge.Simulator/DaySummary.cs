using System.Globalization;
using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// Totals of a business day built from its events: what a lobby manager reads at close (tickets, waits,
/// no-shows, recoveries, care alerts, care given and its response, tier changes, diversions, reprints, prediction
/// error, customer ratings per counter, service and wait band with and without care), and the day's care coverage
/// as the engine decided it (<see cref="TakeCareFigures"/>, at close). Not a hot path; it keeps every wait and care
/// response to give percentiles.
/// </summary>
/// <remarks>
/// Coverage comes from the engine rather than the events: whether a ticket crossed the care threshold depends on
/// how long it waited since issue across diversions, tier changes and recoveries, which the engine alone keeps.
/// </remarks>
public sealed class DaySummary
{
    private readonly List<long> _waitsMs = [];
    private readonly List<long> _predictionErrorsMs = [];
    private readonly List<long> _careResponsesMs = [];
    private readonly int[] _byKind = new int[32];
    private readonly SortedDictionary<int, RatingTotals> _ratingsByCounter = [];
    private readonly SortedDictionary<int, RatingTotals> _ratingsByService = [];
    private readonly RatingTotals[] _ratingsByWait = [.. Enumerable.Range(0, 8).Select(_ => new RatingTotals())];
    private readonly HashSet<int> _askedToRate = [];
    private readonly Dictionary<int, (long IssuedTicks, int Service)> _notYetCalled = [];
    private readonly TimeSpan[] _slaTargets;

    /// <summary>
    /// A summary of a day of <paramref name="config"/>'s branch, whose services' SLA targets judge the service level
    /// (<see cref="ServiceLevel"/>); without it every service is judged against 15 minutes.
    /// </summary>
    public DaySummary(BranchConfig? config = null) =>
        _slaTargets = config is null ? [] : [.. config.Services.Select(s => s.SlaTarget)];

    /// <summary>Counts events by kind.</summary>
    public int Count(EventKind kind) => _byKind[(int)kind];

    /// <summary>Tickets issued (walk-ins included).</summary>
    public int Issued => Count(EventKind.TicketIssued);

    /// <summary>Tickets served to the end.</summary>
    public int Completed => Count(EventKind.TicketCompleted);

    /// <summary>Calls that ended as no-shows.</summary>
    public int NoShows => Count(EventKind.TicketNoShow);

    /// <summary>No-shows recovered.</summary>
    public int Recovered => Count(EventKind.TicketRecovered);

    /// <summary>Recoveries refused (outside tolerance).</summary>
    public int RecoveriesRefused => Count(EventKind.RecoveryRefused);

    /// <summary>Tickets abandoned, for any reason.</summary>
    public int Abandoned => Count(EventKind.TicketAbandoned);

    /// <summary>Tickets cancelled.</summary>
    public int Cancelled => Count(EventKind.TicketCancelled);

    /// <summary>Care alerts raised.</summary>
    public int CareAlerts => Count(EventKind.CareNeeded);

    /// <summary>SLA breaches.</summary>
    public int SlaBreaches => Count(EventKind.SlaBreached);

    /// <summary>Acts of care recorded.</summary>
    public int CareGiven => Count(EventKind.CareGiven);

    /// <summary>Acts of care that answered a pending care alert (those with a response time).</summary>
    public int CareResponses => _careResponsesMs.Count;

    /// <summary>Waiting tickets moved to another tier (VIP recognised, green channel, back to normal).</summary>
    public int TierChanges => Count(EventKind.TierChanged);

    /// <summary>Waiting tickets diverted to another service.</summary>
    public int Diversions => Count(EventKind.TicketDiverted);

    /// <summary>Ticket slips printed again.</summary>
    public int Reprints => Count(EventKind.TicketReprinted);

    /// <summary>
    /// The engine's care figures of the whole branch for the day (<see cref="QueueEngine.CareFiguresTotal"/>), as
    /// last taken with <see cref="TakeCareFigures"/>; default (nothing decided) until then.
    /// </summary>
    public CareFigures Care { get; private set; }

    /// <summary>Care coverage: the share (0..1) of tickets past the care threshold that were cared for while waiting; 1 when none.</summary>
    public double CareCoverage => Care.Coverage;

    /// <summary>Tickets that waited past the care threshold and left waiting without any care.</summary>
    public int Uncared => Care.Decided - Care.Covered;

    /// <summary>Queue waits measured at call.</summary>
    public int Calls => _waitsMs.Count;

    /// <summary>Customer ratings of the whole branch today (every counter, linked and unlinked), from the events.</summary>
    public RatingTotals Ratings { get; } = new();

    /// <summary>Counters (by number) where a customer was asked to rate or rated today, in order.</summary>
    public IEnumerable<int> RatedCounters => _ratingsByCounter.Keys;

    /// <summary>Services (by index) with a ticket asked to rate or a linked rating today, in order.</summary>
    public IEnumerable<int> RatedServices => _ratingsByService.Keys;

    /// <summary>Customer ratings at a counter (by number): every rating there, linked and unlinked, and its prompts.</summary>
    public RatingTotals RatingsOfCounter(int counter) => _ratingsByCounter.GetValueOrDefault(counter) ?? new RatingTotals();

    /// <summary>Customer ratings of a service (by index): the linked ratings and prompts of tickets it served.</summary>
    public RatingTotals RatingsOfService(int service) => _ratingsByService.GetValueOrDefault(service) ?? new RatingTotals();

    /// <summary>
    /// Linked ratings of tickets that waited within <paramref name="band"/> (issue to the call that brought them to the
    /// counter, as the engine measured it) and did (<paramref name="cared"/>) or did not receive care while waiting.
    /// Prompts are not split by band (the response rate is the branch's).
    /// </summary>
    public RatingTotals RatingsByWait(WaitBand band, bool cared) => _ratingsByWait[((int)band * 2) + (cared ? 1 : 0)];

    /// <summary>Takes in a batch of events.</summary>
    public void Observe(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            _byKind[(int)e.Kind]++;
            JudgeServiceLevel(in e);
            if (e.Kind == EventKind.TicketCalled)
            {
                TicketCalledView called = e.AsTicketCalled();
                if (called.HasWait)
                {
                    _waitsMs.Add(called.WaitMs);
                }

                if (called.HasPredictionError)
                {
                    _predictionErrorsMs.Add(called.PredictionErrorMs);
                }
            }
            else if (e.Kind == EventKind.CareGiven && e.AsCareGiven().Answered)
            {
                _careResponsesMs.Add(e.AsCareGiven().ResponseMs);
            }
            else if (e.Kind is EventKind.RatingRequested or EventKind.TicketRated)
            {
                ObserveRating(in e);
            }
        }
    }

    /// <summary>
    /// Customers judged for the service level: those called (first call), and those who left waiting (cancelled,
    /// abandoned, still waiting at close) after their service's SLA target had passed. A customer who left before the
    /// target is not judged. The wait runs from issue, whatever the ticket went through (diversion, tier change).
    /// </summary>
    public int ServiceLevelJudged { get; private set; }

    /// <summary>Of <see cref="ServiceLevelJudged"/>, the customers called within their service's SLA target.</summary>
    public int CalledWithinTarget { get; private set; }

    /// <summary>
    /// The day's service level (0..1): the share of judged customers (<see cref="ServiceLevelJudged"/>) called within
    /// their service's SLA target (<see cref="ServiceConfig.SlaTarget"/> of the service they took the ticket for);
    /// 1 when nobody was judged.
    /// </summary>
    public double ServiceLevel => ServiceLevelJudged == 0 ? 1.0 : (double)CalledWithinTarget / ServiceLevelJudged;

    /// <summary>
    /// Customers who waited past their service's care threshold (<see cref="ServiceConfig.CareThreshold"/>), as the
    /// engine decided (<see cref="CareFigures.Decided"/> plus those still waiting uncared); read after
    /// <see cref="TakeCareFigures"/>.
    /// </summary>
    public int PastCareThreshold => Care.Decided + Care.UncaredWaiting;

    /// <summary>
    /// Counter-hours used: the time the branch's counters were logged in and calling or serving
    /// (<see cref="CounterState.Standby"/> and <see cref="CounterState.Serving"/>), summed over the counters, as last
    /// taken with <see cref="TakeCounterHours"/>; paused, away and closed time is not counted.
    /// </summary>
    public TimeSpan CounterHours { get; private set; }

    /// <summary>Advice issued today (<see cref="EventKind.AdviceIssued"/>).</summary>
    public int AdviceIssued => Count(EventKind.AdviceIssued);

    /// <summary>Advice answered (accepted or dismissed) today.</summary>
    public int AdviceAnswered => Count(EventKind.AdviceAnswered);

    /// <summary>Advice the lobby manager (or staff) accepted today.</summary>
    public int AdviceAccepted { get; private set; }

    /// <summary>Customers who took a service's self-service alternative at the kiosk instead of a ticket.</summary>
    public int SelfServiceChosen => Count(EventKind.SelfServiceChosen);

    /// <summary>
    /// Takes the counters' time in each state from <paramref name="engine"/> up to <paramref name="now"/>
    /// (<see cref="QueueEngine.CounterTimeInState"/>, kept since the day opened) into <see cref="CounterHours"/>.
    /// </summary>
    public void TakeCounterHours(QueueEngine engine, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(engine);
        TimeSpan used = TimeSpan.Zero;
        foreach (CounterConfig counter in engine.Config.Counters)
        {
            used += engine.CounterTimeInState(counter.Number, CounterState.Standby, now);
            used += engine.CounterTimeInState(counter.Number, CounterState.Serving, now);
        }

        CounterHours = used;
    }

    private void JudgeServiceLevel(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.TicketIssued:
                _notYetCalled[e.Ticket] = (e.TimeTicks, e.Service);
                break;

            case EventKind.TicketCalled:
                if (_notYetCalled.Remove(e.Ticket, out (long IssuedTicks, int Service) called))
                {
                    ServiceLevelJudged++;
                    if (e.TimeTicks - called.IssuedTicks <= SlaTarget(called.Service).Ticks)
                    {
                        CalledWithinTarget++;
                    }
                }

                break;

            case EventKind.TicketCancelled:
            case EventKind.TicketAbandoned:
                if (_notYetCalled.Remove(e.Ticket, out (long IssuedTicks, int Service) left) && e.TimeTicks - left.IssuedTicks > SlaTarget(left.Service).Ticks)
                {
                    ServiceLevelJudged++;
                }

                break;

            case EventKind.DayClosed:
                foreach ((long issued, int service) in _notYetCalled.Values)
                {
                    ServiceLevelJudged += e.TimeTicks - issued > SlaTarget(service).Ticks ? 1 : 0;
                }

                _notYetCalled.Clear();
                break;

            case EventKind.AdviceAnswered:
                AdviceAccepted += e.AsAdviceAnswered().Answer == AdviceAnswer.Accepted ? 1 : 0;
                break;

            default:
                break;
        }
    }

    private TimeSpan SlaTarget(int service) => (uint)service < (uint)_slaTargets.Length ? _slaTargets[service] : TimeSpan.FromMinutes(15);

    private void ObserveRating(in LobbyEvent e)
    {
        RatingTotals counter = Row(_ratingsByCounter, e.Counter);
        RatingTotals? service = e.Service >= 0 ? Row(_ratingsByService, e.Service) : null;
        if (e.Kind == EventKind.RatingRequested)
        {
            // A ticket is asked once however often it is prompted; a re-prompt is not a new request.
            if (_askedToRate.Add(e.Ticket))
            {
                Ratings.Ask();
                counter.Ask();
                service?.Ask();
            }

            return;
        }

        TicketRatedView rating = e.AsTicketRated();
        bool answered = rating.Linked && _askedToRate.Contains(e.Ticket);
        Ratings.Rate(in rating, answered);
        counter.Rate(in rating, answered);
        if (rating.Linked)
        {
            service?.Rate(in rating, answered);
            RatingsByWait(RatingTotals.BandOf(rating.WaitMs), rating.CareGiven > 0).Rate(in rating, answered);
        }
    }

    private static RatingTotals Row(SortedDictionary<int, RatingTotals> rows, int key)
    {
        if (!rows.TryGetValue(key, out RatingTotals? row))
        {
            row = new RatingTotals();
            rows.Add(key, row);
        }

        return row;
    }

    /// <summary>Takes the engine's care figures of the day; call when the day closes (or whenever the summary is read).</summary>
    public void TakeCareFigures(in CareFigures figures) => Care = figures;

    /// <summary>Mean queue wait.</summary>
    public TimeSpan MeanWait => _waitsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_waitsMs.Average());

    /// <summary>A percentile (0..100) of queue waits.</summary>
    public TimeSpan WaitPercentile(double p) => Percentile(_waitsMs, p);

    /// <summary>Mean care response (care alert to the care that answered it), zero when no care answered an alert.</summary>
    public TimeSpan MeanCareResponse => _careResponsesMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_careResponsesMs.Average());

    /// <summary>A percentile (0..100) of care responses, zero when no care answered an alert.</summary>
    public TimeSpan CareResponsePercentile(double p) => Percentile(_careResponsesMs, p);

    /// <summary>Mean absolute prediction error (actual wait minus predicted typical).</summary>
    public TimeSpan MeanAbsolutePredictionError =>
        _predictionErrorsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_predictionErrorsMs.Average(e => Math.Abs(e)));

    /// <summary>Mean signed prediction error: positive when customers waited longer than printed.</summary>
    public TimeSpan MeanPredictionBias =>
        _predictionErrorsMs.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(_predictionErrorsMs.Average());

    /// <summary>The summary as a few lines for a log.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"tickets {Issued}, completed {Completed}, no-shows {NoShows} ({Rate(NoShows, Calls)}), recovered {Recovered}, ");
        sb.Append(ci, $"recoveries refused {RecoveriesRefused}, cancelled {Cancelled}, abandoned {Abandoned}; ");
        sb.Append(ci, $"wait mean {Min(MeanWait)}, p50 {Min(WaitPercentile(50))}, p90 {Min(WaitPercentile(90))}, max {Min(WaitPercentile(100))}; ");
        sb.Append(ci, $"care alerts {CareAlerts}, SLA breaches {SlaBreaches}; ");
        sb.Append(ci, $"prediction error mean |e| {Min(MeanAbsolutePredictionError)}, bias {(MeanPredictionBias < TimeSpan.Zero ? "-" : "+")}{Min(MeanPredictionBias.Duration())}; ");
        sb.Append(ci, $"care coverage {Rate(Care.Covered, Care.Decided, whenNone: "100%")} ({Care.Covered} of {Care.Decided}), uncared {Uncared}, care given {CareGiven}, ");
        sb.Append(ci, $"care response mean {Min(MeanCareResponse)}, p90 {Min(CareResponsePercentile(90))}; ");
        sb.Append(ci, $"tier changes {TierChanges}, diversions {Diversions}, reprints {Reprints}; ");
        sb.Append(ci, $"customer ratings: {Ratings}");
        return sb.ToString();
    }

    /// <summary>
    /// The day's customer ratings as a table for a report: the branch, each counter, each service (named from
    /// <paramref name="config"/> when given) and the wait bands (under 5, 5-10, 10-20, 20 and more minutes) with and
    /// without care: ratings, satisfaction (pads 1-5), NPS (0-10 page) and the mean normalized score.
    /// </summary>
    public string RatingReport(BranchConfig? config = null)
    {
        var sb = new StringBuilder();
        CultureInfo ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"Customer ratings: {Ratings}").AppendLine();
        foreach (int counter in RatedCounters)
        {
            sb.Append(ci, $"  counter {counter}: {RatingsOfCounter(counter)}").AppendLine();
        }

        foreach (int service in RatedServices)
        {
            string name = config is not null && service < config.Services.Count ? $"{config.Services[service].Name} ({config.Services[service].NameZh})" : $"service {service}";
            sb.Append(ci, $"  {name}: {RatingsOfService(service)}").AppendLine();
        }

        sb.Append(ci, $"  {"wait",-16} {"care",-8} {"ratings",7} {"satisfaction",12} {"NPS",7} {"mean",5}").AppendLine();
        foreach (WaitBand band in Enum.GetValues<WaitBand>())
        {
            foreach (bool cared in (bool[])[false, true])
            {
                RatingTotals row = RatingsByWait(band, cared);
                string mean = row.Total == 0 ? "-" : row.MeanNormalized.ToString("0.00", ci);
                sb.Append(ci, $"  {RatingTotals.Describe(band),-16} {(cared ? "cared" : "no care"),-8} {row.Total,7} {RatingTotals.Percent(row.Satisfaction),12} {RatingTotals.Nps(row.NetPromoterScore),7} {mean,5}").AppendLine();
            }
        }

        return sb.ToString();
    }

    private static TimeSpan Percentile(List<long> valuesMs, double p)
    {
        if (valuesMs.Count == 0)
        {
            return TimeSpan.Zero;
        }

        long[] sorted = [.. valuesMs];
        Array.Sort(sorted);
        int index = (int)Math.Clamp(Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return TimeSpan.FromMilliseconds(sorted[index]);
    }

    private static string Min(TimeSpan t) => t.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " min";

    private static string Rate(int part, int whole, string whenNone = "0%") =>
        whole == 0 ? whenNone : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
