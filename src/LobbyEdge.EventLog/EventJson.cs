using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>
/// An event as JSON, with names instead of codes: the <c>inspect</c> command's lines and the <c>data</c> of the
/// head-office CloudEvents. With the branch configuration, services are named by id and tickets printed as
/// their numbers (A023); without it, indexes are printed.
/// </summary>
public static class EventJson
{
    /// <summary>The CloudEvents type of an event kind, e.g. <c>lobby.ticket.issued</c>.</summary>
    public static string TypeOf(EventKind kind) => kind switch
    {
        EventKind.DayOpened => "lobby.day.opened",
        EventKind.DayClosed => "lobby.day.closed",
        EventKind.TicketIssued => "lobby.ticket.issued",
        EventKind.TicketCalled => "lobby.ticket.called",
        EventKind.TicketRecalled => "lobby.ticket.recalled",
        EventKind.TicketStarted => "lobby.ticket.started",
        EventKind.TicketCompleted => "lobby.ticket.completed",
        EventKind.TicketNoShow => "lobby.ticket.no_show",
        EventKind.TicketRecovered => "lobby.ticket.recovered",
        EventKind.RecoveryRefused => "lobby.ticket.recovery_refused",
        EventKind.TicketTransferred => "lobby.ticket.transferred",
        EventKind.TicketCancelled => "lobby.ticket.cancelled",
        EventKind.TicketAbandoned => "lobby.ticket.abandoned",
        EventKind.TicketParked => "lobby.ticket.parked",
        EventKind.CareNeeded => "lobby.wait.care_needed",
        EventKind.SlaBreached => "lobby.wait.sla_breached",
        EventKind.CounterStateChanged => "lobby.counter.state_changed",
        EventKind.DeviceStatusChanged => "lobby.device.status_changed",
        EventKind.RequestDecided => "lobby.request.decided",
        EventKind.ClockStepped => "lobby.clock.jumped",
        EventKind.CareGiven => "lobby.wait.care_given",
        EventKind.TierChanged => "lobby.ticket.tier_changed",
        EventKind.TicketDiverted => "lobby.ticket.diverted",
        EventKind.TicketReprinted => "lobby.ticket.reprinted",
        EventKind.RatingRequested => "lobby.ticket.rating_requested",
        EventKind.TicketRated => "lobby.ticket.rated",
        EventKind.ConfigurationChanged => "lobby.config.changed",
        EventKind.AdviceIssued => "lobby.advice.issued",
        EventKind.AdviceAnswered => "lobby.advice.answered",
        EventKind.SelfServiceChosen => "lobby.kiosk.self_service_chosen",
        _ => "lobby.unknown",
    };

    /// <summary>Writes the event's fields as one JSON object.</summary>
    public static void Write(Utf8JsonWriter w, in LobbyEvent e, BranchConfig? config)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteNumber("sequence"u8, e.Sequence);
        w.WriteString("time"u8, e.TimeUtc);
        w.WriteString("type"u8, TypeOf(e.Kind));
        if (e.Ticket >= 0 && e.Number > 0)
        {
            w.WriteNumber("ticketId"u8, e.Ticket);
            Span<char> ticket = stackalloc char[TicketNumberLength];
            w.WriteString("ticket"u8, ticket[..FormatTicketNumber(e.NumberService, e.Number, config, ticket)]);
            w.WriteString("tier"u8, TierName(e.Tier));
        }

        // A day event's service is left at 0 by the engine: it names no service (issue 15).
        if (e.Service >= 0 && e.Kind is not (EventKind.DayOpened or EventKind.DayClosed))
        {
            w.WriteString("service"u8, ServiceId(e.Service, config));
        }

        if (e.Counter > 0)
        {
            w.WriteNumber("counter"u8, e.Counter);
        }

        switch (e.Kind)
        {
            case EventKind.DayOpened:
                w.WriteString("businessDate"u8, e.AsDayOpened().BusinessDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("configurationVersion"u8, e.AsDayOpened().ConfigurationVersion);
                break;
            case EventKind.TicketIssued:
                TicketIssuedView issued = e.AsTicketIssued();
                w.WriteBoolean("walkIn"u8, issued.IsWalkIn);
                w.WriteNumber("peopleAhead"u8, issued.PeopleAhead);
                WriteSeconds(w, "predictedWaitSeconds"u8, issued.TypicalWaitMs);
                WriteSeconds(w, "predictedWaitUpperSeconds"u8, issued.UpperWaitMs);
                break;
            case EventKind.TicketCalled:
                TicketCalledView called = e.AsTicketCalled();
                w.WriteString("source"u8, called.Source switch { CallSource.CallBack => "call_back", CallSource.WalkIn => "walk_in", _ => "next" });
                if (called.HasWait)
                {
                    WriteSeconds(w, "waitSeconds"u8, called.WaitMs);
                }

                if (called.HasPredictionError)
                {
                    // Signed: negative when called sooner than predicted (not "unknown").
                    w.WriteNumber("predictionErrorSeconds"u8, Math.Round(called.PredictionErrorMs / 1000.0, 3));
                }

                break;
            case EventKind.TicketRecalled:
                w.WriteNumber("recalls"u8, e.AsTicketRecalled().Recalls);
                break;
            case EventKind.TicketStarted:
                w.WriteBoolean("implied"u8, e.AsTicketStarted().IsImplied);
                break;
            case EventKind.TicketCompleted:
                WriteSeconds(w, "serviceSeconds"u8, e.AsTicketCompleted().ServiceMs);
                break;
            case EventKind.TicketNoShow:
                w.WriteNumber("recalls"u8, e.AsTicketNoShow().Recalls);
                break;
            case EventKind.TicketRecovered:
                w.WriteNumber("position"u8, e.AsTicketRecovered().PlacesFromFront);
                WriteStaff(w, e.AsTicketRecovered().Staff);
                break;
            case EventKind.RecoveryRefused:
                w.WriteString("reason"u8, SnakeName(e.AsRecoveryRefused().Refusal));
                WriteStaff(w, e.AsRecoveryRefused().Staff);
                break;
            case EventKind.TicketTransferred:
                TicketTransferredView transferred = e.AsTicketTransferred();
                WriteMove(w, transferred.FromService, transferred.PlacesFromFront, transferred.Placement, config);
                break;
            case EventKind.TicketCancelled:
                CancelReason cancel = e.AsTicketCancelled().Reason;

                // "requested" (staff, head office, an API call), not "none": there was a reason, none was given.
                w.WriteString("reason"u8, cancel == CancelReason.None ? "requested" : SnakeName(cancel));
                WriteStaff(w, e.AsTicketCancelled().Staff);
                break;
            case EventKind.TicketAbandoned:
                TicketAbandonedView abandoned = e.AsTicketAbandoned();
                w.WriteString("reason"u8, SnakeName(abandoned.Reason));
                if (abandoned.ExpiredLimit != RefusalReason.None)
                {
                    w.WriteString("limit"u8, SnakeName(abandoned.ExpiredLimit));
                }

                break;
            case EventKind.CareNeeded:
                CareNeededView care = e.AsCareNeeded();
                w.WriteNumber("alert"u8, care.AlertNumber);
                WriteSeconds(w, "waitedSeconds"u8, care.WaitedMs);
                break;
            case EventKind.SlaBreached:
                WriteSeconds(w, "waitedSeconds"u8, e.AsSlaBreached().WaitedMs);
                break;
            case EventKind.CounterStateChanged:
                CounterStateChangedView counter = e.AsCounterStateChanged();
                w.WriteString("state"u8, SnakeName(counter.State));
                w.WriteString("previousState"u8, SnakeName(counter.PreviousState));
                WriteSeconds(w, "previousStateSeconds"u8, counter.PreviousStateMs);
                break;
            case EventKind.DeviceStatusChanged:
                DeviceStatusChangedView device = e.AsDeviceStatusChanged();
                w.WriteNumber("device"u8, device.DeviceIndex);
                w.WriteString("status"u8, SnakeName(device.Status));
                break;
            case EventKind.RequestDecided:
                RequestDecidedView decided = e.AsRequestDecided();
                w.WriteString("requestKey"u8, decided.Request.Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("fingerprint"u8, decided.Request.Fingerprint.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("command"u8, SnakeName(decided.Command));
                w.WriteString("outcome"u8, decided.Accepted ? "accepted" : SnakeName(decided.Refusal));
                w.WriteNumber("effectEvents"u8, decided.EffectEvents);
                break;
            case EventKind.ClockStepped:
                ClockSteppedView step = e.AsClockStepped();
                w.WriteNumber("stepSeconds"u8, step.StepMs / 1000.0);
                WriteSeconds(w, "branchClockAheadSeconds"u8, step.BranchClockAheadMs);
                w.WriteBoolean("atStart"u8, step.AtStart);
                w.WriteBoolean("synchronized"u8, step.IsSynchronized);
                break;
            case EventKind.CareGiven:
                CareGivenView given = e.AsCareGiven();
                w.WriteNumber("care"u8, given.CareNumber);
                w.WriteBoolean("answered"u8, given.Answered);
                WriteSeconds(w, "responseSeconds"u8, given.ResponseMs);
                w.WriteBoolean("pastThreshold"u8, given.PastThreshold);
                WriteStaff(w, given.Staff);
                break;
            case EventKind.TierChanged:
                TierChangedView tier = e.AsTierChanged();
                w.WriteString("previousTier"u8, TierName(tier.OldTier));
                w.WriteNumber("position"u8, tier.PlacesFromFront);
                WriteStaff(w, tier.Staff);
                break;
            case EventKind.TicketDiverted:
                TicketDivertedView diverted = e.AsTicketDiverted();
                WriteMove(w, diverted.FromService, diverted.PlacesFromFront, diverted.Placement, config);
                WriteStaff(w, diverted.Staff);
                break;
            case EventKind.TicketReprinted:
                TicketReprintedView reprinted = e.AsTicketReprinted();
                w.WriteNumber("reprint"u8, reprinted.ReprintNumber);
                WriteStaff(w, reprinted.Staff);
                break;
            case EventKind.RatingRequested:
                RatingRequestedView requested = e.AsRatingRequested();
                w.WriteNumber("prompt"u8, requested.PromptNumber);
                WriteSeconds(w, "sinceFinishSeconds"u8, requested.SinceFinishMs);
                break;
            case EventKind.TicketRated:
                WriteRating(w, e.AsTicketRated());
                break;
            case EventKind.ConfigurationChanged:
                ConfigurationChangedView changed = e.AsConfigurationChanged();
                w.WriteNumber("version"u8, changed.Version);
                w.WriteString("hash"u8, HashText(changed.Hash));
                w.WriteString("change"u8, changed.Change switch
                {
                    ConfigurationChange.Live => "live",
                    ConfigurationChange.AtNextOpening => "next_opening",
                    ConfigurationChange.TookEffect => "took_effect",
                    _ => "none",
                });
                w.WriteString("source"u8, changed.Source switch
                {
                    ConfigurationSource.HeadOffice => "head_office",
                    ConfigurationSource.Rollback => "rollback",
                    _ => "profile",
                });
                break;
            case EventKind.AdviceIssued:
                WriteAdviceIssued(w, in e);
                break;
            case EventKind.AdviceAnswered:
                AdviceAnsweredView answered = e.AsAdviceAnswered();
                WriteNoService(w, in e);
                w.WriteNumber("adviceId"u8, answered.AdviceId);
                w.WriteString("answer"u8, AdviceAnswerName(answered.Answer));
                w.WriteNumber("answeredAfterMs"u8, answered.AnsweredAfterMs);
                WriteStaff(w, answered.Staff);
                break;
            case EventKind.SelfServiceChosen:
                SelfServiceChosenView chosen = e.AsSelfServiceChosen();
                if (chosen.PredictedWaitMs < 0)
                {
                    w.WriteNull("predictedWaitMs"u8);
                }
                else
                {
                    w.WriteNumber("predictedWaitMs"u8, chosen.PredictedWaitMs);
                }

                w.WriteNumber("waiting"u8, chosen.Waiting);
                break;
            default:
                break;
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Staffing advice: <c>adviceId</c>, <c>kind</c> (<c>open</c>, <c>resume</c>, <c>pause</c>, <c>close</c>), the
    /// forecast service level over the horizon without and with the change as shares 0..1 (4 decimals),
    /// <c>pastCareAvoided</c> and <c>horizonMinutes</c>. The counter and service are written with the common fields;
    /// an advice that helps no one service says <c>"service": null</c>.
    /// </summary>
    private static void WriteAdviceIssued(Utf8JsonWriter w, in LobbyEvent e)
    {
        AdviceIssuedView advice = e.AsAdviceIssued();
        WriteNoService(w, in e);
        w.WriteNumber("adviceId"u8, advice.AdviceId);
        w.WriteString("kind"u8, AdviceKindName(advice.Kind));
        w.WriteNumber("serviceLevelNow"u8, Math.Round(advice.ServiceLevelNowBp / 10_000.0, 4));
        w.WriteNumber("serviceLevelWith"u8, Math.Round(advice.ServiceLevelWithBp / 10_000.0, 4));
        w.WriteNumber("pastCareAvoided"u8, advice.PastCareAvoided);
        w.WriteNumber("horizonMinutes"u8, advice.HorizonMinutes);
    }

    /// <summary>The wire name of an advice's kind: <c>open</c>, <c>resume</c>, <c>pause</c>, <c>close</c> (<c>none</c> for no change).</summary>
    public static string AdviceKindName(AdviceKind kind) => kind switch
    {
        AdviceKind.Open => "open",
        AdviceKind.Resume => "resume",
        AdviceKind.Pause => "pause",
        AdviceKind.Close => "close",
        _ => "none",
    };

    /// <summary>The wire name of an answer to advice: <c>accepted</c>, <c>dismissed</c> (<c>none</c> while open).</summary>
    public static string AdviceAnswerName(AdviceAnswer answer) => answer switch
    {
        AdviceAnswer.Accepted => "accepted",
        AdviceAnswer.Dismissed => "dismissed",
        _ => "none",
    };

    /// <summary>An advice event names its service always: <c>null</c> when it helps no one service (the common fields leave it out).</summary>
    private static void WriteNoService(Utf8JsonWriter w, in LobbyEvent e)
    {
        if (e.Service < 0)
        {
            w.WriteNull("service"u8);
        }
    }

    /// <summary>
    /// A configuration's content hash (<see cref="BranchConfig.Hash"/>) as 16 lower-case hex digits, big-endian, as
    /// head office and the configuration store write it, e.g. <c>9f3c0a1b2c3d4e5f</c>.
    /// </summary>
    public static string HashText(long hash) => hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The printed number, e.g. A023 (or 0:23 without the configuration).</summary>
    public static string TicketNumber(int numberService, int number, BranchConfig? config)
    {
        Span<char> text = stackalloc char[TicketNumberLength];
        return new string(text[..FormatTicketNumber(numberService, number, config, text)]);
    }

    /// <summary>The most characters <see cref="FormatTicketNumber"/> writes (two numbers of up to 11 and a colon).</summary>
    public const int TicketNumberLength = 24;

    /// <summary>
    /// Writes the printed number (as <see cref="TicketNumber"/>) into <paramref name="destination"/>, of at least
    /// <see cref="TicketNumberLength"/> characters, without allocating; returns how many characters it wrote.
    /// </summary>
    public static int FormatTicketNumber(int numberService, int number, BranchConfig? config, Span<char> destination)
    {
        int written;
        if (config is not null && (uint)numberService < (uint)config.Services.Count)
        {
            config.Services[numberService].TryFormatNumber(number, destination, out written);
            return written;
        }

        destination.TryWrite(System.Globalization.CultureInfo.InvariantCulture, $"{numberService}:{number}", out written);
        return written;
    }

    private static string ServiceId(int service, BranchConfig? config) =>
        config is not null && (uint)service < (uint)config.Services.Count ? config.Services[service].Id : service.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A move into another service's queue (transfer, divert): where from, where in the lane, how placed.</summary>
    private static void WriteMove(Utf8JsonWriter w, int fromService, int position, Placement placement, BranchConfig? config)
    {
        w.WriteString("fromService"u8, ServiceId(fromService, config));
        w.WriteNumber("position"u8, position);
        w.WriteString("placement"u8, SnakeName(placement));
    }

    /// <summary>
    /// A customer's rating: score, scale (<c>pad5</c>, <c>nps11</c>), the reason chips, whether it is linked to a
    /// ticket and, when linked, the ticket's wait (seconds) and the acts of care it received.
    /// </summary>
    private static void WriteRating(Utf8JsonWriter w, TicketRatedView rated)
    {
        w.WriteNumber("score"u8, rated.Score);
        w.WriteString("scale"u8, rated.Scale switch { RatingScale.Pad5 => "pad5", RatingScale.Nps11 => "nps11", _ => "none" });
        w.WriteStartArray("reasons"u8);
        foreach ((RatingReasons flag, string name) in s_reasonNames)
        {
            if ((rated.Reasons & flag) != 0)
            {
                w.WriteStringValue(name);
            }
        }

        w.WriteEndArray();
        w.WriteBoolean("linked"u8, rated.Linked);
        if (rated.Linked)
        {
            WriteSeconds(w, "waitSeconds"u8, rated.WaitMs);
            w.WriteNumber("careGiven"u8, rated.CareGiven);
        }
    }

    /// <summary>The reason chips by their JSON names, in flag order.</summary>
    private static readonly (RatingReasons Flag, string Name)[] s_reasonNames =
    [
        (RatingReasons.Waiting, "waiting"),
        (RatingReasons.Confusing, "confusing"),
        (RatingReasons.Annoying, "annoying"),
        (RatingReasons.Cost, "cost"),
    ];

    private static string TierName(Tier tier) => tier switch { Tier.Vip => "vip", Tier.Priority => "priority", _ => "normal" };

    /// <summary>The staff member who acted, as <c>"staff": id</c>; left out when 0 (not a staff act).</summary>
    private static void WriteStaff(Utf8JsonWriter w, int staff)
    {
        if (staff != 0)
        {
            w.WriteNumber("staff"u8, staff);
        }
    }

    private static void WriteSeconds(Utf8JsonWriter w, ReadOnlySpan<byte> name, long ms)
    {
        if (ms < 0)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(ms / 1000.0, 3));
        }
    }

    /// <summary>
    /// <see cref="Snake"/> of an enum value's name, worked out once per value and kept (the event writers' names do
    /// not allocate per event).
    /// </summary>
    public static string SnakeName<TEnum>(TEnum value)
        where TEnum : struct, Enum => SnakeNames<TEnum>.Of(value);

    /// <summary>A refusal's or reason's name as on the wire: <c>DayAlreadyOpen</c> → <c>day_already_open</c>.</summary>
    public static string Snake(string pascal)
    {
        var sb = new System.Text.StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    /// <summary>The snake_case names of one enum's values, built on first use.</summary>
    private static class SnakeNames<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly Dictionary<TEnum, string> s_names = Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => Snake(v.ToString()));

        /// <summary>The name of <paramref name="value"/>; a value the enum does not name is worked out each time.</summary>
        public static string Of(TEnum value) => s_names.TryGetValue(value, out string? name) ? name : Snake(value.ToString());
    }
}
