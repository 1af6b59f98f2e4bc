using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Prometheus;

namespace LobbyEdge.Service.Monitoring;

/// <summary>
/// The metrics of CONTRACTS.md ("Metrics"), in one registry of their own. Created once; every labelled child the
/// engine path touches is created here and cached in arrays indexed by service, tier, outcome, counter and state,
/// so updating a metric from an event is an array index and an interlocked add: no allocation, no label lookup.
/// Never labelled by ticket number or customer.
/// </summary>
public sealed partial class LobbyMetrics : ILogCommitObserver
{
    /// <summary>Outcomes of <c>lobby_tickets_ended_total</c>, in the order of <see cref="Outcome"/>.</summary>
    public static readonly string[] Outcomes = ["completed", "no_show", "abandoned", "cancelled"];

    /// <summary>Counter states as label values, indexed by <see cref="CounterState"/>.</summary>
    public static readonly string[] States = ["closed", "standby", "serving", "paused", "away"];

    /// <summary>Tiers as label values, indexed by <see cref="Tier"/>.</summary>
    public static readonly string[] Tiers = ["normal", "priority", "vip"];

    private static readonly double[] s_waitBuckets = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200];
    private static readonly double[] s_serviceBuckets = [30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 3600];
    private static readonly double[] s_errorBuckets = [-1800, -900, -600, -300, -120, -60, 0, 60, 120, 300, 600, 900, 1800, 3600];
    private static readonly double[] s_commitBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>Rating scales as label values, indexed by <see cref="RatingScale"/> (<c>None</c> never labels a series).</summary>
    public static readonly string[] Scales = ["none", "pad5", "nps11"];

    /// <summary>Wait bands of <c>lobby_ratings_by_wait_total</c>: under 5, 5 to 10, 10 to 20, 20 minutes and more.</summary>
    public static readonly string[] WaitBands = ["0-5m", "5-10m", "10-20m", "20m+"];

    /// <summary>
    /// Verdicts of <c>lobby_ratings_by_wait_total</c>, indexed by <see cref="VerdictOf"/>: a pad's 1-2, 3, 4-5 and the
    /// Net Promoter scale's 0-6, 7-8, 9-10.
    /// </summary>
    public static readonly string[] Verdicts = ["dissatisfied", "neutral", "satisfied", "detractor", "passive", "promoter"];

    /// <summary>The <c>service</c> label of a rating linked to no ticket (given after the rating window).</summary>
    public const string NoService = "none";

    /// <summary>Score slots of a counter and service in <c>lobby_ratings_total</c>: pad 1..5, then 0..10 (<see cref="RatingSlot"/>).</summary>
    public const int RatingSlots = 16;

    /// <summary>Wait band upper bounds in milliseconds (the last band has none).</summary>
    private static readonly long[] s_waitBandEndsMs = [5 * 60_000, 10 * 60_000, 20 * 60_000];

    /// <summary>Care response buckets in seconds: 15 s, 30 s, 1, 2, 3, 5, 10 and 15 minutes.</summary>
    private static readonly double[] s_careResponseBuckets = [15, 30, 60, 120, 180, 300, 600, 900];

    /// <summary>What the day's families say in their HELP about their reset.</summary>
    private const string Today = " Today's count: rebuilt from the log at start, and starts again from 0 when the business day opens (a counter reset to rate() and increase()).";

    private readonly Counter _deviceReconnects;
    private readonly Counter _framesRejected;
    private readonly Gauge _deviceUp;
    private readonly Gauge _printerPaper;
    private readonly Counter.Child[] _writeFailures;
    private readonly string[] _serviceIds;
    private readonly Counter _careGiven;
    private readonly Counter _careDecided;
    private readonly Counter _careCovered;
    private readonly Histogram _careResponse;
    private readonly Counter _tierChanges;
    private readonly Counter _diversions;
    private readonly Counter _reprints;
    private readonly Counter _diverted;
    private readonly Counter _ratings;
    private readonly Counter _ratingRequests;
    private readonly Counter _ratingAnswered;
    private readonly Counter _ratingsByWait;
    private readonly string[] _counterLabels;
    private readonly int[][] _counterServices;
    private readonly int[] _counterIndex;
    private double[] _pendingCommits = new double[16];
    private int _pendingCommitCount;

    /// <summary>Creates the registry and every metric for the branch's services and counters.</summary>
    public LobbyMetrics(BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Registry = Metrics.NewCustomRegistry();
        MetricFactory f = Metrics.WithCustomRegistry(Registry);
        int services = config.Services.Count;
        int counters = config.Counters.Count;

        Counter issued = f.CreateCounter("lobby_tickets_issued_total", "Tickets issued (walk-ins included).", "service", "tier");
        Counter ended = f.CreateCounter("lobby_tickets_ended_total", "Tickets ended, by outcome. A no-show ends when its recovery tolerance passes or the day closes.", "service", "outcome");
        Counter recovered = f.CreateCounter("lobby_tickets_recovered_total", "No-shows recovered into the queue.", "service");
        Gauge waiting = f.CreateGauge("lobby_queue_waiting", "Tickets waiting now.", "service", "tier");
        Histogram wait = f.CreateHistogram("lobby_wait_seconds", "Wait from entering the queue to the call.", new HistogramConfiguration { LabelNames = ["service"], Buckets = s_waitBuckets });
        Histogram service = f.CreateHistogram("lobby_service_seconds", "Service time from start to finish.", new HistogramConfiguration { LabelNames = ["service"], Buckets = s_serviceBuckets });
        Counter care = f.CreateCounter("lobby_care_alerts_total", "Care alerts: a waiting customer crossed the care threshold.", "service");
        Counter sla = f.CreateCounter("lobby_sla_breaches_total", "Tickets that waited past the service's SLA target.", "service");
        Histogram error = f.CreateHistogram("lobby_prediction_error_seconds", "Actual wait minus the typical wait printed on the ticket.", new HistogramConfiguration { LabelNames = ["service"], Buckets = s_errorBuckets });
        Gauge state = f.CreateGauge("lobby_counter_state", "1 for the counter's current state, 0 for the others.", "counter", "state");
        Counter stateSeconds = f.CreateCounter("lobby_counter_state_seconds_total", "Time counters spent in each state.", "counter", "state");
        _deviceUp = f.CreateGauge("lobby_device_up", "1 when the device answers, 0 when it is down.", "device", "kind");
        _deviceReconnects = f.CreateCounter("lobby_device_reconnects_total", "Times a device's line (serial port, USB printer, TCP connection, UDP endpoint) was reopened.", "device");
        _framesRejected = f.CreateCounter("lobby_device_frames_rejected_total", "Corrupt frames counted and dropped.", "device", "reason");
        _printerPaper = f.CreateGauge("lobby_printer_paper", "1 for the printer's current paper status.", "device", "status");
        EventLogLastSequence = f.CreateGauge("lobby_eventlog_last_sequence", "The last durable event's sequence.");
        EventLogDamagedRecords = f.CreateGauge("lobby_eventlog_damaged_records", "Damaged record slots found at start in closed log segments the branch no longer needs (it runs; restore the file named in the log from a backup).");
        EventLogCommitSeconds = f.CreateHistogram("lobby_eventlog_commit_seconds", "Time of one group commit (write and fsync).", new HistogramConfiguration { Buckets = s_commitBuckets });
        Counter writeFailures = f.CreateCounter("lobby_eventlog_write_failures_total",
            "Writes or fsyncs of the branch's storage that failed (disk full, I/O error, read-only), by file: segment and new_segment stop the engine; snapshot, cursor and prune are retried.", "file");
        _writeFailures = [.. Enum.GetValues<LogWriteSite>().Select(site => writeFailures.WithLabels(FileLabel(site)))];
        EventLogRetentionBlocked = f.CreateGauge("lobby_eventlog_retention_blocked", "Closed day segments older than the retention that are kept because a consumer's cursor has not passed them.");
        EventLogRetentionBlockedBytes = f.CreateGauge("lobby_eventlog_retention_blocked_bytes", "Size of the segments retention keeps for a consumer's cursor.");
        EventLogStorageFreeBytes = f.CreateGauge("lobby_eventlog_storage_free_bytes", "Bytes the data directory's file system has free for the service, read at each scrape.");
        HeadOfficeConnected = f.CreateGauge("lobby_headoffice_connected", "1 while connected to the head-office broker.");
        HeadOfficePendingEvents = f.CreateGauge("lobby_headoffice_pending_events", "Durable events not yet acknowledged by head office.");
        HeadOfficeCommandsRepeated = f.CreateCounter("lobby_headoffice_commands_repeated_total", "Head-office commands that repeated a request already decided: answered as the first time, not carried out again.");
        HeadOfficeMissedEvents = f.CreateCounter("lobby_headoffice_missed_events_total", "Events retention deleted before head office had them: head office never receives them.");
        HeadOfficeResentEvents = f.CreateCounter("lobby_headoffice_resent_events_total", "Events sent again on events/resent for head office's resend-events commands, acknowledged by the broker.");
        Counter steps = f.CreateCounter("lobby_clock_steps_total", "Steps of the wall clock the branch clock found (a ClockStepped event each), by direction.", "direction");
        ClockSteps = [steps.WithLabels("forward"), steps.WithLabels("backward")];
        ClockSynchronized = f.CreateGauge("lobby_clock_synchronized", "1 while the wall clock is synchronised (NTP); 0 while it is not, and the day does not open or close by the clock.");
        ClockAheadSeconds = f.CreateGauge("lobby_clock_ahead_seconds", "How far the branch clock (event times) runs ahead of the wall clock after a step back.");

        // The care KPI and the lobby manager's acts (issue 12): today's figures, equal to the engine's CareFigures.
        _careGiven = f.CreateCounter("lobby_care_given_total", "Acts of care recorded for waiting customers, by the ticket's service." + Today, "service");
        _careDecided = f.CreateCounter("lobby_care_decided_total", "Tickets that waited past the care threshold and have left waiting (called, cancelled, abandoned, day closed). Care coverage = lobby_care_covered_total / lobby_care_decided_total." + Today, "service");
        _careCovered = f.CreateCounter("lobby_care_covered_total", "Of lobby_care_decided_total, the tickets cared for at least once while waiting. Care coverage = lobby_care_covered_total / lobby_care_decided_total." + Today, "service");
        _careResponse = f.CreateHistogram("lobby_care_response_seconds", "Care response: from a ticket's oldest unanswered care alert to the care that answered it (care given with no alert pending is not observed)." + Today, new HistogramConfiguration { LabelNames = ["service"], Buckets = s_careResponseBuckets });
        Gauge uncared = f.CreateGauge("lobby_care_uncared_waiting", "Tickets waiting now past the care threshold with no care yet.", "service");
        _tierChanges = f.CreateCounter("lobby_tier_changes_total", "Waiting tickets moved to another tier (VIP recognised, green channel, back to normal), by the new tier." + Today, "service", "tier");
        _diversions = f.CreateCounter("lobby_diversions_total", "Waiting tickets diverted from from_service to service's queue." + Today, "from_service", "service");
        _reprints = f.CreateCounter("lobby_reprints_total", "Ticket slips printed again, by the ticket's service." + Today, "service");
        _diverted = f.CreateCounter("lobby_diverted_total", "Customers who took the service's self-service alternative the kiosk suggested (smart diversion) instead of a ticket." + Today, "service");
        CreateAdviceFamilies(f);

        // Customer ratings (issue 13): today's figures, equal to the engine's RatingFigures of the counter and service.
        _ratings = f.CreateCounter("lobby_ratings_total",
            "Customer ratings at the counter, by the rated ticket's service (\"none\" for a rating after the rating window, linked to no ticket), scale (pad5: 1..5, nps11: 0..10) and score." + Today,
            "counter", "service", "scale", "score");
        _ratingRequests = f.CreateCounter("lobby_rating_requests_total",
            "Tickets whose customer the counter asked to rate the visit (counted once per ticket, however often prompted). Response rate = lobby_rating_requests_answered_total / lobby_rating_requests_total." + Today,
            "counter", "service");
        _ratingAnswered = f.CreateCounter("lobby_rating_requests_answered_total",
            "Of lobby_rating_requests_total, the tickets that were rated." + Today, "counter", "service");
        _ratingsByWait = f.CreateCounter("lobby_ratings_by_wait_total",
            "Ratings linked to a ticket, by its service, its wait before the call (wait_band), whether it received care while waiting (cared), the scale and the verdict (pad5: dissatisfied 1-2, neutral 3, satisfied 4-5; nps11: detractor 0-6, passive 7-8, promoter 9-10)." + Today,
            "service", "wait_band", "cared", "scale", "verdict");
        _serviceIds = [.. config.Services.Select(sc => sc.Id)];
        _counterLabels = [.. config.Counters.Select(cc => cc.Number.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        _counterServices = [.. config.Counters.Select(cc => cc.Services.Select(sw => sw.Service).ToArray())];
        _counterIndex = new int[config.Counters.Count == 0 ? 1 : config.Counters.Max(cc => cc.Number) + 1];
        Array.Fill(_counterIndex, -1);
        for (int c = 0; c < counters; c++)
        {
            _counterIndex[config.Counters[c].Number] = c;
        }

        Ratings = new Counter.Child?[counters * (services + 1) * RatingSlots];
        RatingRequests = new Counter.Child?[counters * services];
        RatingAnswered = new Counter.Child?[counters * services];
        RatingsByWait = new Counter.Child[services * WaitBands.Length * 2 * Verdicts.Length];
        CareGiven = new Counter.Child[services];
        CareDecided = new Counter.Child[services];
        CareCovered = new Counter.Child[services];
        CareResponse = new Histogram.Child[services];
        CareUncaredWaiting = new Gauge.Child[services];
        TierChanges = new Counter.Child[services * 3];
        Diversions = new Counter.Child[services * services];
        Reprints = new Counter.Child[services];
        Diverted = new Counter.Child[services];
        for (int s = 0; s < services; s++)
        {
            CareUncaredWaiting[s] = uncared.WithLabels(_serviceIds[s]);
        }

        CreateDayChildren();

        Issued = new Counter.Child[services * 3];
        Waiting = new Gauge.Child[services * 3];
        Ended = new Counter.Child[services * Outcomes.Length];
        Recovered = new Counter.Child[services];
        Wait = new Histogram.Child[services];
        Service = new Histogram.Child[services];
        Care = new Counter.Child[services];
        Sla = new Counter.Child[services];
        PredictionError = new Histogram.Child[services];
        for (int s = 0; s < services; s++)
        {
            string id = config.Services[s].Id;
            for (int t = 0; t < 3; t++)
            {
                Issued[(s * 3) + t] = issued.WithLabels(id, Tiers[t]);
                Waiting[(s * 3) + t] = waiting.WithLabels(id, Tiers[t]);
            }

            for (int o = 0; o < Outcomes.Length; o++)
            {
                Ended[(s * Outcomes.Length) + o] = ended.WithLabels(id, Outcomes[o]);
            }

            Recovered[s] = recovered.WithLabels(id);
            Wait[s] = wait.WithLabels(id);
            Service[s] = service.WithLabels(id);
            Care[s] = care.WithLabels(id);
            Sla[s] = sla.WithLabels(id);
            PredictionError[s] = error.WithLabels(id);
        }

        CounterStateGauge = new Gauge.Child[counters * States.Length];
        CounterStateSeconds = new Counter.Child[counters * States.Length];
        for (int c = 0; c < counters; c++)
        {
            string number = config.Counters[c].Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (int st = 0; st < States.Length; st++)
            {
                CounterStateGauge[(c * States.Length) + st] = state.WithLabels(number, States[st]);
                CounterStateSeconds[(c * States.Length) + st] = stateSeconds.WithLabels(number, States[st]);
            }

            CounterStateGauge[c * States.Length].Set(1);
        }
    }

    /// <summary>What an ended ticket counts as.</summary>
    public enum Outcome
    {
        /// <summary>Served to the end.</summary>
        Completed = 0,

        /// <summary>An empty number whose tolerance passed (or the day closed on it).</summary>
        NoShow = 1,

        /// <summary>Left without service for any other reason.</summary>
        Abandoned = 2,

        /// <summary>Cancelled.</summary>
        Cancelled = 3,
    }

    /// <summary>The registry to export.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>
    /// Guards a consistent view. A scrape holds it while it serialises the registry into memory (never while it
    /// writes to its client); the engine loop only ever tries it (<c>Operations.MetricsSink</c>): when a scrape holds
    /// it, the loop keeps the batch's updates and applies them after a later batch, so the loop never waits on an
    /// HTTP client and a scrape never sees half a batch.
    /// </summary>
    public object ExportLock { get; } = new();

    internal Counter.Child[] Issued { get; }

    internal Counter.Child[] Ended { get; }

    internal Counter.Child[] Recovered { get; }

    internal Gauge.Child[] Waiting { get; }

    internal Histogram.Child[] Wait { get; }

    internal Histogram.Child[] Service { get; }

    internal Counter.Child[] Care { get; }

    internal Counter.Child[] Sla { get; }

    internal Histogram.Child[] PredictionError { get; }

    internal Gauge.Child[] CounterStateGauge { get; }

    /// <summary><c>lobby_care_given_total</c> by service index.</summary>
    internal Counter.Child[] CareGiven { get; }

    /// <summary><c>lobby_care_decided_total</c> by service index.</summary>
    internal Counter.Child[] CareDecided { get; }

    /// <summary><c>lobby_care_covered_total</c> by service index.</summary>
    internal Counter.Child[] CareCovered { get; }

    /// <summary><c>lobby_care_response_seconds</c> by service index.</summary>
    internal Histogram.Child[] CareResponse { get; }

    /// <summary><c>lobby_care_uncared_waiting</c> by service index.</summary>
    internal Gauge.Child[] CareUncaredWaiting { get; }

    /// <summary><c>lobby_tier_changes_total</c> at <c>service * 3 + new tier</c>.</summary>
    internal Counter.Child[] TierChanges { get; }

    /// <summary><c>lobby_diversions_total</c> at <c>from_service * services + service</c>.</summary>
    internal Counter.Child[] Diversions { get; }

    /// <summary><c>lobby_reprints_total</c> by service index.</summary>
    internal Counter.Child[] Reprints { get; }

    /// <summary><c>lobby_diverted_total</c> by service index.</summary>
    internal Counter.Child[] Diverted { get; }

    internal Counter.Child[] CounterStateSeconds { get; }

    /// <summary>
    /// <c>lobby_ratings_total</c> at <c>(counter index * (services + 1) + service) * RatingSlots + slot</c>, service
    /// <c>services</c> being <see cref="NoService"/>; created for the services each counter serves, the rest on first
    /// use (<see cref="Rating"/>).
    /// </summary>
    internal Counter.Child?[] Ratings { get; }

    /// <summary><c>lobby_rating_requests_total</c> at <c>counter index * services + service</c> (<see cref="RatingRequest"/>).</summary>
    internal Counter.Child?[] RatingRequests { get; }

    /// <summary><c>lobby_rating_requests_answered_total</c> at <c>counter index * services + service</c> (<see cref="RatingAnsweredChild"/>).</summary>
    internal Counter.Child?[] RatingAnswered { get; }

    /// <summary>
    /// <c>lobby_ratings_by_wait_total</c> at <c>((service * bands + band) * 2 + cared) * verdicts + verdict</c>
    /// (<see cref="RatingByWait"/>).
    /// </summary>
    internal Counter.Child[] RatingsByWait { get; }

    /// <summary><c>lobby_eventlog_last_sequence</c>.</summary>
    public Gauge EventLogLastSequence { get; }

    /// <summary><c>lobby_eventlog_damaged_records</c>.</summary>
    public Gauge EventLogDamagedRecords { get; }

    /// <summary><c>lobby_eventlog_commit_seconds</c>.</summary>
    public Histogram EventLogCommitSeconds { get; }

    /// <summary><c>lobby_eventlog_retention_blocked</c>.</summary>
    public Gauge EventLogRetentionBlocked { get; }

    /// <summary><c>lobby_eventlog_retention_blocked_bytes</c>.</summary>
    public Gauge EventLogRetentionBlockedBytes { get; }

    /// <summary><c>lobby_eventlog_storage_free_bytes</c>.</summary>
    public Gauge EventLogStorageFreeBytes { get; }

    /// <summary><c>lobby_headoffice_connected</c>.</summary>
    public Gauge HeadOfficeConnected { get; }

    /// <summary><c>lobby_headoffice_pending_events</c>.</summary>
    public Gauge HeadOfficePendingEvents { get; }

    /// <summary><c>lobby_headoffice_commands_repeated_total</c>: redeliveries and retries of decided requests.</summary>
    public Counter HeadOfficeCommandsRepeated { get; }

    /// <summary><c>lobby_headoffice_missed_events_total</c>: events the shipper found already deleted by retention (never shipped).</summary>
    public Counter HeadOfficeMissedEvents { get; }

    /// <summary><c>lobby_headoffice_resent_events_total</c>: events sent again for <c>resend-events</c> (head office refilling its store).</summary>
    public Counter HeadOfficeResentEvents { get; }

    /// <summary>The <c>lobby_device_up</c> child of a device (create once per device and keep it).</summary>
    public Gauge.Child DeviceUp(string device, string kind) => _deviceUp.WithLabels(device, kind);

    /// <summary>The <c>lobby_device_reconnects_total</c> child of a device.</summary>
    public Counter.Child DeviceReconnects(string device) => _deviceReconnects.WithLabels(device);

    /// <summary>The <c>lobby_device_frames_rejected_total</c> child of a device and reason.</summary>
    public Counter.Child FramesRejected(string device, string reason) => _framesRejected.WithLabels(device, reason);

    /// <summary>The <c>lobby_printer_paper</c> child of a printer and status (<c>ok</c>, <c>low</c>, <c>out</c>).</summary>
    public Gauge.Child PrinterPaper(string device, string status) => _printerPaper.WithLabels(device, status);

    /// <summary><c>lobby_clock_steps_total</c> by direction: [forward, backward].</summary>
    internal Counter.Child[] ClockSteps { get; }

    /// <summary><c>lobby_clock_synchronized</c>.</summary>
    internal Gauge ClockSynchronized { get; }

    /// <summary><c>lobby_clock_ahead_seconds</c>.</summary>
    internal Gauge ClockAheadSeconds { get; }

    /// <summary>
    /// Times each group commit of the event log (called on the engine loop). Kept with the batch's other updates
    /// and observed when <c>Operations.MetricsSink</c> applies them, so a scrape sees a commit with its batch.
    /// </summary>
    public void Committed(int events, TimeSpan elapsed)
    {
        if (_pendingCommitCount == _pendingCommits.Length)
        {
            Array.Resize(ref _pendingCommits, _pendingCommits.Length * 2);
        }

        _pendingCommits[_pendingCommitCount++] = elapsed.TotalSeconds;
    }

    /// <summary>
    /// Starts the day's families (care given, decided, covered, response; tier changes, diversions, reprints, self-service diversions) again
    /// from zero when a business day opens: each child is removed and created anew, so the scrape shows a counter
    /// reset. Allocates, once a day; call only with <see cref="ExportLock"/> held, on the engine loop.
    /// </summary>
    internal void StartDay()
    {
        foreach (ChildBase child in CareGiven.Concat<ChildBase>(CareDecided).Concat(CareCovered).Concat(CareResponse)
                     .Concat(TierChanges).Concat(Diversions).Concat(Reprints).Concat(Diverted).Concat(RatingsByWait)
                     .Concat(Ratings.OfType<ChildBase>()).Concat(RatingRequests.OfType<ChildBase>()).Concat(RatingAnswered.OfType<ChildBase>()))
        {
            child.Remove();
        }

        Array.Clear(Ratings);
        Array.Clear(RatingRequests);
        Array.Clear(RatingAnswered);
        StartAdviceDay();

        CreateDayChildren();
    }

    private void CreateDayChildren()
    {
        int services = _serviceIds.Length;
        for (int s = 0; s < services; s++)
        {
            string id = _serviceIds[s];
            CareGiven[s] = _careGiven.WithLabels(id);
            CareDecided[s] = _careDecided.WithLabels(id);
            CareCovered[s] = _careCovered.WithLabels(id);
            CareResponse[s] = _careResponse.WithLabels(id);
            Reprints[s] = _reprints.WithLabels(id);
            Diverted[s] = _diverted.WithLabels(id);
            for (int t = 0; t < 3; t++)
            {
                TierChanges[(s * 3) + t] = _tierChanges.WithLabels(id, Tiers[t]);
            }

            for (int to = 0; to < services; to++)
            {
                Diversions[(s * services) + to] = _diversions.WithLabels(id, _serviceIds[to]);
            }

            for (int band = 0; band < WaitBands.Length; band++)
            {
                for (int cared = 0; cared < 2; cared++)
                {
                    for (int v = 0; v < Verdicts.Length; v++)
                    {
                        RatingsByWait[RatingByWait(s, band, cared == 1, v)] =
                            _ratingsByWait.WithLabels(id, WaitBands[band], cared == 1 ? "true" : "false", Scales[v < 3 ? 1 : 2], Verdicts[v]);
                    }
                }
            }
        }

        // The rating series a counter can have: the services it serves and "none", each score of both scales.
        for (int c = 0; c < _counterLabels.Length; c++)
        {
            foreach (int s in _counterServices[c])
            {
                RatingRequest(c, s);
                RatingAnsweredChild(c, s);
                for (int slot = 0; slot < RatingSlots; slot++)
                {
                    Rating(c, s, slot);
                }
            }

            for (int slot = 0; slot < RatingSlots; slot++)
            {
                Rating(c, services, slot);
            }
        }
    }

    /// <summary>The index of a counter by its number, or -1 for a number the branch does not have.</summary>
    internal int CounterIndex(int number) => (uint)number < (uint)_counterIndex.Length ? _counterIndex[number] : -1;

    /// <summary>
    /// The <c>lobby_ratings_total</c> child of a counter (index), service (index; the service count for
    /// <see cref="NoService"/>) and score slot (<see cref="RatingSlot"/>); created on first use for a service the
    /// counter is not configured for (once a day; it allocates then).
    /// </summary>
    internal Counter.Child Rating(int counter, int service, int slot)
    {
        int services = _serviceIds.Length;
        ref Counter.Child? child = ref Ratings[(((counter * (services + 1)) + service) * RatingSlots) + slot];
        if (child is null)
        {
            bool pad = slot < 5;
            string score = (pad ? slot + 1 : slot - 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
            child = _ratings.WithLabels(_counterLabels[counter], service == services ? NoService : _serviceIds[service], Scales[pad ? 1 : 2], score);
        }

        return child;
    }

    /// <summary>The <c>lobby_rating_requests_total</c> child of a counter (index) and service (index), created on first use.</summary>
    internal Counter.Child RatingRequest(int counter, int service) =>
        RatingRequests[(counter * _serviceIds.Length) + service] ??= _ratingRequests.WithLabels(_counterLabels[counter], _serviceIds[service]);

    /// <summary>The <c>lobby_rating_requests_answered_total</c> child of a counter (index) and service (index), created on first use.</summary>
    internal Counter.Child RatingAnsweredChild(int counter, int service) =>
        RatingAnswered[(counter * _serviceIds.Length) + service] ??= _ratingAnswered.WithLabels(_counterLabels[counter], _serviceIds[service]);

    /// <summary>The index in <see cref="RatingsByWait"/> of a service, wait band, care and verdict.</summary>
    internal static int RatingByWait(int service, int band, bool cared, int verdict) =>
        (((((service * WaitBands.Length) + band) * 2) + (cared ? 1 : 0)) * Verdicts.Length) + verdict;

    /// <summary>The score slot of a rating: pad scores 1..5 are 0..4, Net Promoter scores 0..10 are 5..15; -1 outside its scale.</summary>
    public static int RatingSlot(RatingScale scale, int score) => scale switch
    {
        RatingScale.Pad5 when score is >= 1 and <= 5 => score - 1,
        RatingScale.Nps11 when score is >= 0 and <= 10 => 5 + score,
        _ => -1,
    };

    /// <summary>The verdict (index into <see cref="Verdicts"/>) of a score slot.</summary>
    public static int VerdictOf(int slot) => slot switch
    {
        < 2 => 0,           // pad 1-2
        2 => 1,             // pad 3
        < 5 => 2,           // pad 4-5
        < 12 => 3,          // 0-6
        < 14 => 4,          // 7-8
        _ => 5,             // 9-10
    };

    /// <summary>The wait band (index into <see cref="WaitBands"/>) of a wait in milliseconds.</summary>
    public static int WaitBandOf(long waitMs)
    {
        int band = 0;
        while (band < s_waitBandEndsMs.Length && waitMs >= s_waitBandEndsMs[band])
        {
            band++;
        }

        return band;
    }

    /// <summary>Observes the commits kept since the last call; call only with <see cref="ExportLock"/> held, on the engine loop.</summary>
    internal void ObservePendingCommits()
    {
        for (int i = 0; i < _pendingCommitCount; i++)
        {
            EventLogCommitSeconds.Observe(_pendingCommits[i]);
        }

        _pendingCommitCount = 0;
    }

    /// <summary>Counts a failed write of the branch's storage in <c>lobby_eventlog_write_failures_total</c>.</summary>
    public void WriteFailed(LogWriteException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        _writeFailures[(int)failure.Site].Inc();
    }

    /// <summary>Shows what the last retention run kept back for a consumer's cursor (0, 0 when nothing).</summary>
    /// <param name="segments">Segments past retention kept.</param>
    /// <param name="bytes">Their size in bytes.</param>
    public void RetentionHeld(int segments, long bytes)
    {
        EventLogRetentionBlocked.Set(segments);
        EventLogRetentionBlockedBytes.Set(bytes);
    }

    /// <summary>The <c>file</c> label of <c>lobby_eventlog_write_failures_total</c> for a write site.</summary>
    public static string FileLabel(LogWriteSite site) => site switch
    {
        LogWriteSite.Segment => "segment",
        LogWriteSite.NewSegment => "new_segment",
        LogWriteSite.Snapshot => "snapshot",
        LogWriteSite.Cursor => "cursor",
        _ => "prune",
    };

    /// <summary>Sets <c>lobby_eventlog_damaged_records</c> from what the start-up check found.</summary>
    public void Opened(LogOpenReport report) => EventLogDamagedRecords.Set(report?.Check?.ToleratedRecords ?? 0);

    /// <summary>The outcome an ending event counts as, or -1 for an event that ends nothing.</summary>
    public static int OutcomeOf(in LobbyEvent e) => e.Kind switch
    {
        EventKind.TicketCompleted => (int)Outcome.Completed,
        EventKind.TicketCancelled => (int)Outcome.Cancelled,
        EventKind.TicketAbandoned when e.AsTicketAbandoned().Reason is AbandonReason.NoShowExpired or AbandonReason.NoShowAtClose => (int)Outcome.NoShow,
        EventKind.TicketAbandoned => (int)Outcome.Abandoned,
        _ => -1,
    };
}
