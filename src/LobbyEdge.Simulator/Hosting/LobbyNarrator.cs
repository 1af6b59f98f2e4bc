using System.Globalization;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Simulator.Hosting;

/// <summary>
/// Tells a simulated day in the log as it happens, from the engine's events: calls, recalls, no-shows,
/// recoveries, transfers between services, care alerts and SLA breaches, care given, tier changes, diversions and reprints (what the simulated
/// lobby manager does in her own words, see <see cref="LobbyManager"/>), and at close the day's
/// <see cref="DaySummary"/> with the engine's care figures. Lets someone watching a demo follow the lobby without a
/// display.
/// </summary>
/// <remarks>
/// An <see cref="IEngineEventSink"/>, so it sees exactly what the engine did, in order, whoever sent the
/// commands. Not a hot path: it formats strings, which is fine for a simulation and is why it is registered only
/// under <c>--simulate</c>.
/// </remarks>
public sealed partial class LobbyNarrator : IEngineEventSink
{
    private readonly ILogger<LobbyNarrator> _logger;
    private readonly QueueEngine _engine;
    private readonly TimeZoneInfo _zone;
    private readonly ServiceConfig[] _services;
    private readonly BranchConfig _config;
    private readonly Channel<DateOnly> _closedDays = Channel.CreateUnbounded<DateOnly>(new UnboundedChannelOptions { SingleReader = true });
    private DaySummary _summary;

    /// <summary>Creates a narrator for a branch; <paramref name="engine"/> gives the care figures at close (read on the engine loop).</summary>
    public LobbyNarrator(BranchConfig config, QueueEngine engine, ILogger<LobbyNarrator> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _engine = engine;
        _zone = config.TimeZone;
        _services = [.. config.Services];
        _config = config;
        _summary = new DaySummary(config);
    }

    /// <summary>Waits until the engine has closed the business day <paramref name="date"/> (or a later one).</summary>
    public async ValueTask WaitForCloseAsync(DateOnly date, CancellationToken cancellationToken)
    {
        while (await _closedDays.Reader.ReadAsync(cancellationToken).ConfigureAwait(false) < date)
        {
            // An earlier day's close: keep waiting.
        }
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        bool narrate = _logger.IsEnabled(LogLevel.Information);
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind == EventKind.DayOpened)
            {
                _summary = new DaySummary(_config);
            }

            _summary.Observe(new ReadOnlySpan<LobbyEvent>(in e));
            if (narrate)
            {
                Narrate(in e);
            }

            if (e.Kind == EventKind.DayClosed)
            {
                DateOnly date = e.AsDayClosed().BusinessDate;
                _summary.TakeCareFigures(_engine.CareFiguresTotal());
                _summary.TakeCounterHours(_engine, new DateTimeOffset(e.TimeTicks, TimeSpan.Zero));
                LogSummary(date, _summary);
                LogServiceLevel(date, _summary);
                LogRatings(date, _summary);
                _closedDays.Writer.TryWrite(date);
            }
        }
    }

    private void Narrate(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                Log.DayOpened(_logger, Clock(in e), Date(e.AsDayOpened().BusinessDate));
                break;

            case EventKind.TicketCalled:
                switch (e.AsTicketCalled().Source)
                {
                    case CallSource.CallBack:
                        Log.CalledBack(_logger, Clock(in e), Ticket(in e), e.Counter);
                        break;
                    case CallSource.WalkIn:
                        Log.WalkIn(_logger, Clock(in e), Ticket(in e), e.Counter);
                        break;
                    default:
                        if (e.AsTicketCalled().HasWait)
                        {
                            Log.Called(_logger, Clock(in e), Ticket(in e), e.Counter, Minutes(e.AsTicketCalled().WaitMs));
                        }
                        else
                        {
                            Log.CalledWithoutWait(_logger, Clock(in e), Ticket(in e), e.Counter);
                        }

                        break;
                }

                break;

            case EventKind.TicketRecalled:
                Log.Recalled(_logger, Clock(in e), Ticket(in e), e.Counter, e.AsTicketRecalled().Recalls);
                break;

            case EventKind.TicketNoShow:
                Log.NoShow(_logger, Clock(in e), Ticket(in e), e.Counter, e.AsTicketNoShow().Recalls, Wording.Plural(e.AsTicketNoShow().Recalls, "recall"));
                break;

            case EventKind.TicketRecovered when e.AsTicketRecovered().Staff != 0:
                Log.StaffRecovered(_logger, Clock(in e), Who(e.AsTicketRecovered().Staff), Ticket(in e), e.AsTicketRecovered().PlacesFromFront, Wording.Plural(e.AsTicketRecovered().PlacesFromFront, "place"));
                break;

            case EventKind.TicketRecovered:
                Log.Recovered(_logger, Clock(in e), Ticket(in e), e.AsTicketRecovered().PlacesFromFront, Wording.Plural(e.AsTicketRecovered().PlacesFromFront, "place"));
                break;

            case EventKind.RecoveryRefused when e.AsRecoveryRefused().Staff != 0:
                Log.StaffCannotRecover(_logger, Clock(in e), Who(e.AsRecoveryRefused().Staff), Ticket(in e), Why(e.AsRecoveryRefused().Refusal));
                break;

            case EventKind.RecoveryRefused:
                Log.RecoveryRefused(_logger, Clock(in e), Ticket(in e), e.AsRecoveryRefused().Refusal);
                break;

            // The simulated lobby manager's acts in a newcomer's words; anyone else's (the console) below.
            case EventKind.CareGiven when e.AsCareGiven().Staff == LobbyManagerProfile.DemoStaffId:
                NarrateCare(in e);
                break;

            case EventKind.TierChanged when e.AsTierChanged().Staff == LobbyManagerProfile.DemoStaffId:
                Log.ManagerRecognised(_logger, Clock(in e), Who(e.AsTierChanged().Staff), Ticket(in e), Line(e.Tier), e.AsTierChanged().PlacesFromFront, Wording.Plural(e.AsTierChanged().PlacesFromFront, "place"));
                break;

            case EventKind.TicketDiverted when e.AsTicketDiverted().Staff == LobbyManagerProfile.DemoStaffId:
                Log.ManagerDiverted(_logger, Clock(in e), Who(e.AsTicketDiverted().Staff), Ticket(in e), ServiceName(e.AsTicketDiverted().FromService), ServiceName(e.Service), e.AsTicketDiverted().PlacesFromFront, Wording.Plural(e.AsTicketDiverted().PlacesFromFront, "place"));
                break;

            case EventKind.CareNeeded:
                Log.CareNeeded(_logger, Clock(in e), Ticket(in e), Minutes(e.AsCareNeeded().WaitedMs), e.AsCareNeeded().AlertNumber);
                break;

            case EventKind.SlaBreached:
                Log.SlaBreached(_logger, Clock(in e), Ticket(in e), Minutes(e.AsSlaBreached().WaitedMs));
                break;

            case EventKind.CareGiven:
                CareGivenView care = e.AsCareGiven();
                if (care.Answered)
                {
                    Log.CareAnswered(_logger, Clock(in e), Ticket(in e), care.Staff, Minutes(care.ResponseMs), care.CareNumber);
                }
                else
                {
                    Log.CareGiven(_logger, Clock(in e), Ticket(in e), care.Staff, care.CareNumber);
                }

                break;

            case EventKind.TierChanged:
                Log.TierChanged(_logger, Clock(in e), Ticket(in e), e.AsTierChanged().OldTier, e.Tier, e.AsTierChanged().PlacesFromFront, Wording.Plural(e.AsTierChanged().PlacesFromFront, "place"));
                break;

            case EventKind.TicketDiverted:
                Log.Diverted(_logger, Clock(in e), Ticket(in e), ServiceId(e.AsTicketDiverted().FromService), ServiceId(e.Service), e.AsTicketDiverted().PlacesFromFront, Wording.Plural(e.AsTicketDiverted().PlacesFromFront, "place"));
                break;

            case EventKind.TicketTransferred:
                TicketTransferredView transferred = e.AsTicketTransferred();
                Log.Transferred(_logger, Clock(in e), e.Counter, Ticket(in e), ServiceName(transferred.FromService), ServiceName(e.Service), transferred.PlacesFromFront, Wording.Plural(transferred.PlacesFromFront, "place"));
                break;

            case EventKind.TicketReprinted:
                Log.Reprinted(_logger, Clock(in e), Ticket(in e), e.AsTicketReprinted().ReprintNumber);
                break;

            case EventKind.AdviceIssued:
                NarrateAdvice(in e);
                break;

            case EventKind.AdviceAnswered:
                AdviceAnsweredView answered = e.AsAdviceAnswered();
                Log.AdviceAnswered(_logger, Clock(in e), answered.AdviceId, answered.Answer == AdviceAnswer.Accepted ? "accepted" : "dismissed",
                    answered.Staff == 0 ? "the staff" : Who(answered.Staff), Minutes(answered.AnsweredAfterMs));
                break;

            case EventKind.SelfServiceChosen:
                SelfServiceChosenView chosen = e.AsSelfServiceChosen();
                Log.SelfServiceChosen(_logger, Clock(in e), ServiceName(chosen.Service), Alternative(chosen.Service),
                    chosen.PredictedWaitMs < 0 ? "unknown" : Minutes(chosen.PredictedWaitMs).ToString("0.#", CultureInfo.InvariantCulture) + " min", chosen.Waiting);
                break;

            case EventKind.TicketRated when IsNotable(e.AsTicketRated()):
                NarrateLowRating(in e);
                break;

            default:
                break;
        }
    }

    /// <summary>
    /// Tells what the simulated lobby manager did that no event records: a returning customer she could not recover
    /// took a new ticket from her, or left.
    /// </summary>
    public void Tell(in LobbyManagerNote note)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        string clock = Clock(note.TimeTicks);
        string old = Number(note.NumberService, note.Number);
        if (note.Kind == LobbyManagerNoteKind.NewTicket)
        {
            Log.ManagerNewTicket(_logger, clock, Who(note.Staff), old, Number(note.NewNumberService, note.NewNumber));
        }
        else
        {
            Log.CustomerLeft(_logger, clock, old);
        }
    }

    private void NarrateCare(in LobbyEvent e)
    {
        CareGivenView care = e.AsCareGiven();
        if (care.Answered)
        {
            Log.ManagerCare(_logger, Clock(in e), Who(care.Staff), Ticket(in e), Minutes(care.ResponseMs), care.CareNumber);
        }
        else
        {
            Log.ManagerCareUnasked(_logger, Clock(in e), Who(care.Staff), Ticket(in e), care.CareNumber);
        }
    }

    /// <summary>Advice in the console's words: "open counter 7 for Corporate: service level 40 % -> 88 % over the next 30 min; 6 fewer customers past the care threshold".</summary>
    private void NarrateAdvice(in LobbyEvent e)
    {
        AdviceIssuedView advice = e.AsAdviceIssued();
        string change = advice.Kind switch
        {
            AdviceKind.Open => "open",
            AdviceKind.Resume => "resume",
            AdviceKind.Pause => "pause",
            AdviceKind.Close => "close",
            _ => advice.Kind.ToString(),
        };
        string forService = advice.Service >= 0 ? " for " + ServiceName(advice.Service) : string.Empty;
        int avoided = advice.PastCareAvoided;
        string pastCare = avoided >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"{avoided} fewer {Wording.Plural(avoided, "customer")} past the care threshold")
            : string.Create(CultureInfo.InvariantCulture, $"{-avoided} more {Wording.Plural(-avoided, "customer")} past the care threshold");
        if (advice.Kind is AdviceKind.Pause or AdviceKind.Close)
        {
            // What a pause frees, not "service level 100 % -> 100 %".
            Log.PauseAdviceIssued(_logger, Clock(in e), advice.AdviceId, change, advice.CounterNumber, advice.HorizonMinutes, advice.HorizonMinutes,
                Percent(advice.ServiceLevelWithBp), Percent(advice.ServiceLevelNowBp), pastCare);
            return;
        }

        Log.AdviceIssued(_logger, Clock(in e), advice.AdviceId, change, advice.CounterNumber, forService,
            Percent(advice.ServiceLevelNowBp), Percent(advice.ServiceLevelWithBp), advice.HorizonMinutes, pastCare);
    }

    private void LogServiceLevel(DateOnly date, DaySummary s) =>
        Log.DayServiceLevel(_logger, Date(date), Math.Round(s.ServiceLevel * 100, 1), s.CalledWithinTarget, s.ServiceLevelJudged, s.PastCareThreshold,
            Math.Round(s.CounterHours.TotalHours, 1), s.AdviceIssued, s.AdviceAccepted, s.SelfServiceChosen);

    private static string Percent(int basisPoints) => (basisPoints / 100.0).ToString("0", CultureInfo.InvariantCulture) + " %";

    private string Alternative(int service) =>
        (uint)service < (uint)_services.Length && _services[service].SelfService is { } alternative ? alternative.Name : "self-service";

    private void LogSummary(DateOnly date, DaySummary s) =>
        Log.DayClosed(
            _logger,
            Date(date),
            s.Issued,
            s.Completed,
            s.Cancelled,
            s.Abandoned,
            Minutes(s.MeanWait),
            Minutes(s.WaitPercentile(50)),
            Minutes(s.WaitPercentile(90)),
            Minutes(s.WaitPercentile(100)),
            s.NoShows,
            s.Recovered,
            s.RecoveriesRefused,
            s.CareAlerts,
            s.SlaBreaches,
            Minutes(s.MeanAbsolutePredictionError),
            Minutes(s.MeanPredictionBias),
            Math.Round(s.CareCoverage * 100, 1),
            s.Care.Covered,
            s.Care.Decided,
            s.Uncared,
            s.CareGiven,
            Minutes(s.MeanCareResponse),
            Minutes(s.CareResponsePercentile(90)),
            s.TierChanges,
            s.Diversions,
            s.Reprints);

    /// <summary>A rating worth a line as it happens: a dissatisfied customer (pad 1-2) or a detractor (0-6 on the page).</summary>
    private static bool IsNotable(in TicketRatedView rating) =>
        rating.Scale == RatingScale.Pad5 ? rating.Score <= 2 : rating.Score <= 6;

    private void NarrateLowRating(in LobbyEvent e)
    {
        TicketRatedView rating = e.AsTicketRated();
        string score = rating.Scale == RatingScale.Pad5
            ? string.Create(CultureInfo.InvariantCulture, $"{rating.Score} of 5 on the pad")
            : string.Create(CultureInfo.InvariantCulture, $"{rating.Score} of 10 on the rating page");
        string reasons = rating.Reasons == RatingReasons.None ? string.Empty : $" ({ReasonWords(rating.Reasons)})";
        if (rating.Linked)
        {
            string care = rating.CareGiven > 0 ? "cared for while waiting" : "no care while waiting";
            Log.LowRating(_logger, Clock(in e), Ticket(in e), e.Counter, score + reasons, Minutes(rating.WaitMs), care);
        }
        else
        {
            Log.LowRatingUnlinked(_logger, Clock(in e), e.Counter, score + reasons);
        }
    }

    /// <summary>The day's customer ratings: the branch (event 118), each counter (119), each service (128), each wait band with and without care (129).</summary>
    private void LogRatings(DateOnly date, DaySummary s)
    {
        RatingTotals all = s.Ratings;
        Log.DayRatings(_logger, Date(date), all.Total, all.Answered, all.Requested, RatingTotals.Percent(all.ResponseRate), all.Linked, all.Unlinked,
            RatingTotals.Percent(all.Satisfaction), all.Satisfied, all.PadRatings, RatingTotals.Nps(all.NetPromoterScore), all.Promoters, all.Passives, all.Detractors, all.PageRatings);
        foreach (int counter in s.RatedCounters)
        {
            Log.CounterRatings(_logger, Date(date), counter, s.RatingsOfCounter(counter).ToString());
        }

        foreach (int service in s.RatedServices)
        {
            Log.ServiceRatings(_logger, Date(date), ServiceName(service), s.RatingsOfService(service).ToString());
        }

        foreach (WaitBand band in Enum.GetValues<WaitBand>())
        {
            foreach (bool cared in (bool[])[false, true])
            {
                RatingTotals row = s.RatingsByWait(band, cared);
                Log.WaitBandRatings(_logger, Date(date), RatingTotals.Describe(band), cared ? "cared for" : "no care", row.ToString());
            }
        }
    }

    private static string ReasonWords(RatingReasons reasons)
    {
        var words = new List<string>(4);
        foreach ((RatingReasons flag, string word) in (ReadOnlySpan<(RatingReasons, string)>)[(RatingReasons.Waiting, "waiting"), (RatingReasons.Confusing, "confusing"), (RatingReasons.Annoying, "annoying"), (RatingReasons.Cost, "cost")])
        {
            if ((reasons & flag) != 0)
            {
                words.Add(word);
            }
        }

        return string.Join(", ", words);
    }

    private string ServiceId(int service) =>
        (uint)service < (uint)_services.Length ? _services[service].Id : service.ToString(CultureInfo.InvariantCulture);

    private string Ticket(in LobbyEvent e) => Number(e.NumberService, e.Number);

    private string Number(int numberService, int number) =>
        (uint)numberService < (uint)_services.Length
            ? _services[numberService].FormatNumber(number)
            : number.ToString(CultureInfo.InvariantCulture);

    private string ServiceName(int service) =>
        (uint)service < (uint)_services.Length ? $"{_services[service].Name} ({_services[service].NameZh})" : service.ToString(CultureInfo.InvariantCulture);

    private string Clock(in LobbyEvent e) => Clock(e.TimeTicks);

    private string Clock(long utcTicks) =>
        BusinessCalendar.ToLocal(_zone, new DateTime(utcTicks, DateTimeKind.Utc)).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Who acted: the simulated lobby manager by her role, anyone else by staff id.</summary>
    private static string Who(int staff) =>
        staff == LobbyManagerProfile.DemoStaffId
            ? "Lobby manager (大堂经理)"
            : "Staff " + staff.ToString(CultureInfo.InvariantCulture);

    /// <summary>A recovery refusal in the lobby's words.</summary>
    private static string Why(RefusalReason reason) => reason switch
    {
        RefusalReason.ToleranceCallsExceeded => "too many customers have been called since (ToleranceCallsExceeded)",
        RefusalReason.ToleranceMinutesExceeded => "too long since the call (ToleranceMinutesExceeded)",
        RefusalReason.MaxRecoveriesReached => "already recovered as often as allowed (MaxRecoveriesReached)",
        _ => reason.ToString(),
    };

    private static string Line(Tier tier) => tier switch
    {
        Tier.Vip => "VIP line (贵宾)",
        Tier.Priority => "green channel (绿色通道)",
        _ => "normal line",
    };

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static double Minutes(long ms) => Math.Round(ms / 60_000.0, 1);

    private static double Minutes(TimeSpan t) => Math.Round(t.TotalMinutes, 1);

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Information, "{Clock} Day {Date} opened")]
        public static partial void DayOpened(ILogger logger, string clock, string date);

        [LoggerMessage(102, LogLevel.Information, "{Clock} Call {Ticket} -> counter {Counter} (waited {WaitMinutes} min)")]
        public static partial void Called(ILogger logger, string clock, string ticket, int counter, double waitMinutes);

        [LoggerMessage(103, LogLevel.Information, "{Clock} Call {Ticket} -> counter {Counter}")]
        public static partial void CalledWithoutWait(ILogger logger, string clock, string ticket, int counter);

        [LoggerMessage(104, LogLevel.Information, "{Clock} Call back {Ticket} -> counter {Counter}")]
        public static partial void CalledBack(ILogger logger, string clock, string ticket, int counter);

        [LoggerMessage(105, LogLevel.Information, "{Clock} Walk-in {Ticket} served at counter {Counter}")]
        public static partial void WalkIn(ILogger logger, string clock, string ticket, int counter);

        [LoggerMessage(106, LogLevel.Information, "{Clock} Recall {Ticket} at counter {Counter} (recall {Recalls})")]
        public static partial void Recalled(ILogger logger, string clock, string ticket, int counter, int recalls);

        [LoggerMessage(107, LogLevel.Information, "{Clock} No-show {Ticket} at counter {Counter} after {Recalls} {RecallsWord}")]
        public static partial void NoShow(ILogger logger, string clock, string ticket, int counter, int recalls, string recallsWord);

        [LoggerMessage(108, LogLevel.Information, "{Clock} Recovered {Ticket}: back in the queue {Places} {PlacesWord} from the front")]
        public static partial void Recovered(ILogger logger, string clock, string ticket, int places, string placesWord);

        [LoggerMessage(109, LogLevel.Information, "{Clock} Recovery of {Ticket} refused: {Reason}")]
        public static partial void RecoveryRefused(ILogger logger, string clock, string ticket, RefusalReason reason);

        [LoggerMessage(110, LogLevel.Information, "{Clock} Care needed: {Ticket} has waited {WaitMinutes} min (alert {Alert})")]
        public static partial void CareNeeded(ILogger logger, string clock, string ticket, double waitMinutes, int alert);

        [LoggerMessage(111, LogLevel.Information, "{Clock} SLA breached: {Ticket} has waited {WaitMinutes} min")]
        public static partial void SlaBreached(ILogger logger, string clock, string ticket, double waitMinutes);

        [LoggerMessage(120, LogLevel.Information, "{Clock} {Who} looks after {Ticket}, {ResponseMinutes} min after the care alert (care {CareNumber} for this customer)")]
        public static partial void ManagerCare(ILogger logger, string clock, string who, string ticket, double responseMinutes, int careNumber);

        [LoggerMessage(121, LogLevel.Information, "{Clock} {Who} looks after {Ticket} before any care alert (care {CareNumber} for this customer)")]
        public static partial void ManagerCareUnasked(ILogger logger, string clock, string who, string ticket, int careNumber);

        [LoggerMessage(122, LogLevel.Information, "{Clock} {Who} recognises {Ticket} and moves the customer to the {Line}: {Places} {PlacesWord} from the front")]
        public static partial void ManagerRecognised(ILogger logger, string clock, string who, string ticket, string line, int places, string placesWord);

        [LoggerMessage(123, LogLevel.Information, "{Clock} {Who} diverts {Ticket} (分流) from {FromService} to the shorter queue of {ToService}: {Places} {PlacesWord} from the front")]
        public static partial void ManagerDiverted(ILogger logger, string clock, string who, string ticket, string fromService, string toService, int places, string placesWord);

        [LoggerMessage(124, LogLevel.Information, "{Clock} {Who} recovers {Ticket}, who missed the call: back in the queue {Places} {PlacesWord} from the front")]
        public static partial void StaffRecovered(ILogger logger, string clock, string who, string ticket, int places, string placesWord);

        [LoggerMessage(125, LogLevel.Information, "{Clock} {Who} cannot recover {Ticket}, who came back too late: {Why}")]
        public static partial void StaffCannotRecover(ILogger logger, string clock, string who, string ticket, string why);

        [LoggerMessage(126, LogLevel.Information, "{Clock} {Who} gives the customer of {OldTicket} a new ticket, {NewTicket}, at the end of the queue")]
        public static partial void ManagerNewTicket(ILogger logger, string clock, string who, string oldTicket, string newTicket);

        [LoggerMessage(127, LogLevel.Information, "{Clock} The customer of {OldTicket} leaves without a new ticket")]
        public static partial void CustomerLeft(ILogger logger, string clock, string oldTicket);

        [LoggerMessage(112, LogLevel.Information,
            "Day {Date} closed: tickets {Tickets} (completed {Completed}, cancelled {Cancelled}, abandoned {Abandoned}); "
            + "wait mean {MeanWaitMinutes} min, p50 {MedianWaitMinutes} min, p90 {P90WaitMinutes} min, max {MaxWaitMinutes} min; "
            + "no-shows {NoShows}, recovered {Recovered}, recoveries refused {RecoveriesRefused}; "
            + "care alerts {CareAlerts}, SLA breaches {SlaBreaches}; "
            + "prediction error mean |e| {PredictionErrorMinutes} min, bias {PredictionBiasMinutes} min; "
            + "care coverage {CareCoveragePercent}% ({CareCovered} of {CareDecided} past the care threshold), uncared {Uncared}, care given {CareGiven}, "
            + "care response mean {CareResponseMinutes} min, p90 {CareResponseP90Minutes} min; "
            + "tier changes {TierChanges}, diversions {Diversions}, reprints {Reprints}")]
        public static partial void DayClosed(
            ILogger logger,
            string date,
            int tickets,
            int completed,
            int cancelled,
            int abandoned,
            double meanWaitMinutes,
            double medianWaitMinutes,
            double p90WaitMinutes,
            double maxWaitMinutes,
            int noShows,
            int recovered,
            int recoveriesRefused,
            int careAlerts,
            int slaBreaches,
            double predictionErrorMinutes,
            double predictionBiasMinutes,
            double careCoveragePercent,
            int careCovered,
            int careDecided,
            int uncared,
            int careGiven,
            double careResponseMinutes,
            double careResponseP90Minutes,
            int tierChanges,
            int diversions,
            int reprints);

        [LoggerMessage(130, LogLevel.Information, "{Clock} {Ticket} rated counter {Counter} low: {Score}, after a {WaitMinutes} min wait, {Care}")]
        public static partial void LowRating(ILogger logger, string clock, string ticket, int counter, string score, double waitMinutes, string care);

        [LoggerMessage(131, LogLevel.Information, "{Clock} A customer rated counter {Counter} low after the rating window (no ticket): {Score}")]
        public static partial void LowRatingUnlinked(ILogger logger, string clock, int counter, string score);

        [LoggerMessage(118, LogLevel.Information,
            "Day {Date} customer ratings: {Ratings} ratings, {Answered} of {Requested} customers asked rated ({ResponseRate}), linked {Linked}, unlinked {Unlinked}; "
            + "satisfaction {Satisfaction} ({Satisfied} of {PadRatings} pad ratings 4-5); "
            + "NPS {NetPromoterScore} ({Promoters} promoters, {Passives} passives, {Detractors} detractors of {PageRatings} ratings 0-10)")]
        public static partial void DayRatings(ILogger logger, string date, int ratings, int answered, int requested, string responseRate, int linked, int unlinked,
            string satisfaction, int satisfied, int padRatings, string netPromoterScore, int promoters, int passives, int detractors, int pageRatings);

        [LoggerMessage(119, LogLevel.Information, "Day {Date} ratings at counter {Counter}: {Figures}")]
        public static partial void CounterRatings(ILogger logger, string date, int counter, string figures);

        [LoggerMessage(128, LogLevel.Information, "Day {Date} ratings of {ServiceName}: {Figures}")]
        public static partial void ServiceRatings(ILogger logger, string date, string serviceName, string figures);

        [LoggerMessage(129, LogLevel.Information, "Day {Date} ratings after a wait of {Wait}, {Care}: {Figures}")]
        public static partial void WaitBandRatings(ILogger logger, string date, string wait, string care, string figures);

        [LoggerMessage(132, LogLevel.Information, "{Clock} Advice {AdviceId}: {Change} counter {Counter}{ForService}: service level {ServiceLevelNow} -> {ServiceLevelWith} over the next {HorizonMinutes} min; {PastCare}")]
        public static partial void AdviceIssued(ILogger logger, string clock, int adviceId, string change, int counter, string forService, string serviceLevelNow, string serviceLevelWith, int horizonMinutes, string pastCare);

        [LoggerMessage(141, LogLevel.Information, "{Clock} Advice {AdviceId}: {Change} counter {Counter}: frees {CounterMinutes} counter-minutes over the next {HorizonMinutes} min; service level {ServiceLevelWith} without it ({ServiceLevelNow} now); {PastCare}")]
        public static partial void PauseAdviceIssued(ILogger logger, string clock, int adviceId, string change, int counter, int counterMinutes, int horizonMinutes, string serviceLevelWith, string serviceLevelNow, string pastCare);

        [LoggerMessage(133, LogLevel.Information, "{Clock} Advice {AdviceId} {Answer} by {Who}, {AnswerMinutes} min after it was given")]
        public static partial void AdviceAnswered(ILogger logger, string clock, int adviceId, string answer, string who, double answerMinutes);

        [LoggerMessage(134, LogLevel.Information, "{Clock} A customer of {ServiceName} takes the self-service alternative ({Alternative}, 智能分流) instead of a ticket: predicted wait {PredictedWait}, {Waiting} waiting")]
        public static partial void SelfServiceChosen(ILogger logger, string clock, string serviceName, string alternative, string predictedWait, int waiting);

        [LoggerMessage(135, LogLevel.Information,
            "Day {Date} service level {ServiceLevelPercent}% ({WithinTarget} of {Judged} customers called within their service's SLA target); "
            + "past the care threshold {PastCareThreshold}; counter-hours used {CounterHours}; advice issued {AdviceIssued}, accepted {AdviceAccepted}; self-service chosen {SelfServiceChosen}")]
        public static partial void DayServiceLevel(ILogger logger, string date, double serviceLevelPercent, int withinTarget, int judged, int pastCareThreshold,
            double counterHours, int adviceIssued, int adviceAccepted, int selfServiceChosen);

        [LoggerMessage(113, LogLevel.Information, "{Clock} Care given to {Ticket} by staff {Staff}, {ResponseMinutes} min after the alert (care {Care})")]
        public static partial void CareAnswered(ILogger logger, string clock, string ticket, int staff, double responseMinutes, int care);

        [LoggerMessage(114, LogLevel.Information, "{Clock} Care given to {Ticket} by staff {Staff} (care {Care})")]
        public static partial void CareGiven(ILogger logger, string clock, string ticket, int staff, int care);

        [LoggerMessage(115, LogLevel.Information, "{Clock} Tier of {Ticket} changed from {OldTier} to {Tier}: {Places} {PlacesWord} from the front")]
        public static partial void TierChanged(ILogger logger, string clock, string ticket, Tier oldTier, Tier tier, int places, string placesWord);

        [LoggerMessage(142, LogLevel.Information, "{Clock} Counter {Counter} transfers {Ticket} from {FromService} to {ToService} (转办): {Places} {PlacesWord} from the front")]
        public static partial void Transferred(ILogger logger, string clock, int counter, string ticket, string fromService, string toService, int places, string placesWord);

        [LoggerMessage(116, LogLevel.Information, "{Clock} Diverted {Ticket} from {FromService} to {Service}: {Places} {PlacesWord} from the front")]
        public static partial void Diverted(ILogger logger, string clock, string ticket, string fromService, string service, int places, string placesWord);

        [LoggerMessage(117, LogLevel.Information, "{Clock} Reprinted {Ticket} (reprint {Reprint})")]
        public static partial void Reprinted(ILogger logger, string clock, string ticket, int reprint);
    }
}
