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
        w.WriteNumber("sequence", e.Sequence);
        w.WriteString("time", e.TimeUtc);
        w.WriteString("type", TypeOf(e.Kind));
        if (e.Ticket >= 0 && e.Number > 0)
        {
            w.WriteNumber("ticketId", e.Ticket);
            w.WriteString("ticket", TicketNumber(e.NumberService, e.Number, config));
            w.WriteString("tier", TierName(e.Tier));
        }

        // A day event's service is left at 0 by the engine: it names no service (issue 15).
        if (e.Service >= 0 && e.Kind is not (EventKind.DayOpened or EventKind.DayClosed))
        {
            w.WriteString("service", ServiceId(e.Service, config));
        }

        if (e.Counter > 0)
        {
            w.WriteNumber("counter", e.Counter);
        }

        switch (e.Kind)
        {
            case EventKind.DayOpened:
                w.WriteString("businessDate", e.AsDayOpened().BusinessDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("configurationVersion", e.AsDayOpened().ConfigurationVersion);
                break;
            case EventKind.TicketIssued:
                TicketIssuedView issued = e.AsTicketIssued();
                w.WriteBoolean("walkIn", issued.IsWalkIn);
                w.WriteNumber("peopleAhead", issued.PeopleAhead);
                WriteSeconds(w, "predictedWaitSeconds", issued.TypicalWaitMs);
                WriteSeconds(w, "predictedWaitUpperSeconds", issued.UpperWaitMs);
                break;
            case EventKind.TicketCalled:
                TicketCalledView called = e.AsTicketCalled();
                w.WriteString("source", called.Source switch { CallSource.CallBack => "call_back", CallSource.WalkIn => "walk_in", _ => "next" });
                if (called.HasWait)
                {
                    WriteSeconds(w, "waitSeconds", called.WaitMs);
                }

                if (called.HasPredictionError)
                {
                    // Signed: negative when called sooner than predicted (not "unknown").
                    w.WriteNumber("predictionErrorSeconds", Math.Round(called.PredictionErrorMs / 1000.0, 3));
                }

                break;
            case EventKind.TicketRecalled:
                w.WriteNumber("recalls", e.AsTicketRecalled().Recalls);
                break;
            case EventKind.TicketStarted:
                w.WriteBoolean("implied", e.AsTicketStarted().IsImplied);
                break;
            case EventKind.TicketCompleted:
                WriteSeconds(w, "serviceSeconds", e.AsTicketCompleted().ServiceMs);
                break;
            case EventKind.TicketNoShow:
                w.WriteNumber("recalls", e.AsTicketNoShow().Recalls);
                break;
            case EventKind.TicketRecovered:
                w.WriteNumber("position", e.AsTicketRecovered().PlacesFromFront);
                WriteStaff(w, e.AsTicketRecovered().Staff);
                break;
            case EventKind.RecoveryRefused:
                w.WriteString("reason", Snake(e.AsRecoveryRefused().Refusal.ToString()));
                WriteStaff(w, e.AsRecoveryRefused().Staff);
                break;
            case EventKind.TicketTransferred:
                TicketTransferredView transferred = e.AsTicketTransferred();
                WriteMove(w, transferred.FromService, transferred.PlacesFromFront, transferred.Placement, config);
                break;
            case EventKind.TicketCancelled:
                CancelReason cancel = e.AsTicketCancelled().Reason;

                // "requested" (staff, head office, an API call), not "none": there was a reason, none was given.
                w.WriteString("reason", cancel == CancelReason.None ? "requested" : Snake(cancel.ToString()));
                WriteStaff(w, e.AsTicketCancelled().Staff);
                break;
            case EventKind.TicketAbandoned:
                TicketAbandonedView abandoned = e.AsTicketAbandoned();
                w.WriteString("reason", Snake(abandoned.Reason.ToString()));
                if (abandoned.ExpiredLimit != RefusalReason.None)
                {
                    w.WriteString("limit", Snake(abandoned.ExpiredLimit.ToString()));
                }

                break;
            case EventKind.CareNeeded:
                CareNeededView care = e.AsCareNeeded();
                w.WriteNumber("alert", care.AlertNumber);
                WriteSeconds(w, "waitedSeconds", care.WaitedMs);
                break;
            case EventKind.SlaBreached:
                WriteSeconds(w, "waitedSeconds", e.AsSlaBreached().WaitedMs);
                break;
            case EventKind.CounterStateChanged:
                CounterStateChangedView counter = e.AsCounterStateChanged();
                w.WriteString("state", Snake(counter.State.ToString()));
                w.WriteString("previousState", Snake(counter.PreviousState.ToString()));
                WriteSeconds(w, "previousStateSeconds", counter.PreviousStateMs);
                break;
            case EventKind.DeviceStatusChanged:
                DeviceStatusChangedView device = e.AsDeviceStatusChanged();
                w.WriteNumber("device", device.DeviceIndex);
                w.WriteString("status", Snake(device.Status.ToString()));
                break;
            case EventKind.RequestDecided:
                RequestDecidedView decided = e.AsRequestDecided();
                w.WriteString("requestKey", decided.Request.Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("fingerprint", decided.Request.Fingerprint.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("command", Snake(decided.Command.ToString()));
                w.WriteString("outcome", decided.Accepted ? "accepted" : Snake(decided.Refusal.ToString()));
                w.WriteNumber("effectEvents", decided.EffectEvents);
                break;
            case EventKind.ClockStepped:
                ClockSteppedView step = e.AsClockStepped();
                w.WriteNumber("stepSeconds", step.StepMs / 1000.0);
                WriteSeconds(w, "branchClockAheadSeconds", step.BranchClockAheadMs);
                w.WriteBoolean("atStart", step.AtStart);
                w.WriteBoolean("synchronized", step.IsSynchronized);
                break;
            case EventKind.CareGiven:
                CareGivenView given = e.AsCareGiven();
                w.WriteNumber("care", given.CareNumber);
                w.WriteBoolean("answered", given.Answered);
                WriteSeconds(w, "responseSeconds", given.ResponseMs);
                w.WriteBoolean("pastThreshold", given.PastThreshold);
                WriteStaff(w, given.Staff);
                break;
            case EventKind.TierChanged:
                TierChangedView tier = e.AsTierChanged();
                w.WriteString("previousTier", TierName(tier.OldTier));
                w.WriteNumber("position", tier.PlacesFromFront);
                WriteStaff(w, tier.Staff);
                break;
            case EventKind.TicketDiverted:
                TicketDivertedView diverted = e.AsTicketDiverted();
                WriteMove(w, diverted.FromService, diverted.PlacesFromFront, diverted.Placement, config);
                WriteStaff(w, diverted.Staff);
                break;
            case EventKind.TicketReprinted:
                TicketReprintedView reprinted = e.AsTicketReprinted();
                w.WriteNumber("reprint", reprinted.ReprintNumber);
                WriteStaff(w, reprinted.Staff);
                break;
            case EventKind.RatingRequested:
                RatingRequestedView requested = e.AsRatingRequested();
                w.WriteNumber("prompt", requested.PromptNumber);
                WriteSeconds(w, "sinceFinishSeconds", requested.SinceFinishMs);
                break;
            case EventKind.TicketRated:
                WriteRating(w, e.AsTicketRated());
                break;
            case EventKind.ConfigurationChanged:
                ConfigurationChangedView changed = e.AsConfigurationChanged();
                w.WriteNumber("version", changed.Version);
                w.WriteString("hash", HashText(changed.Hash));
                w.WriteString("change", changed.Change switch
                {
                    ConfigurationChange.Live => "live",
                    ConfigurationChange.AtNextOpening => "next_opening",
                    ConfigurationChange.TookEffect => "took_effect",
                    _ => "none",
                });
                w.WriteString("source", changed.Source switch
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
                w.WriteNumber("adviceId", answered.AdviceId);
                w.WriteString("answer", AdviceAnswerName(answered.Answer));
                w.WriteNumber("answeredAfterMs", answered.AnsweredAfterMs);
                WriteStaff(w, answered.Staff);
                break;
            case EventKind.SelfServiceChosen:
                SelfServiceChosenView chosen = e.AsSelfServiceChosen();
                if (chosen.PredictedWaitMs < 0)
                {
                    w.WriteNull("predictedWaitMs");
                }
                else
                {
                    w.WriteNumber("predictedWaitMs", chosen.PredictedWaitMs);
                }

                w.WriteNumber("waiting", chosen.Waiting);
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
        w.WriteNumber("adviceId", advice.AdviceId);
        w.WriteString("kind", AdviceKindName(advice.Kind));
        w.WriteNumber("serviceLevelNow", Math.Round(advice.ServiceLevelNowBp / 10_000.0, 4));
        w.WriteNumber("serviceLevelWith", Math.Round(advice.ServiceLevelWithBp / 10_000.0, 4));
        w.WriteNumber("pastCareAvoided", advice.PastCareAvoided);
        w.WriteNumber("horizonMinutes", advice.HorizonMinutes);
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
            w.WriteNull("service");
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
        if (config is not null && (uint)numberService < (uint)config.Services.Count)
        {
            return config.Services[numberService].FormatNumber(number);
        }

        return $"{numberService}:{number}";
    }

    private static string ServiceId(int service, BranchConfig? config) =>
        config is not null && (uint)service < (uint)config.Services.Count ? config.Services[service].Id : service.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A move into another service's queue (transfer, divert): where from, where in the lane, how placed.</summary>
    private static void WriteMove(Utf8JsonWriter w, int fromService, int position, Placement placement, BranchConfig? config)
    {
        w.WriteString("fromService", ServiceId(fromService, config));
        w.WriteNumber("position", position);
        w.WriteString("placement", Snake(placement.ToString()));
    }

    /// <summary>
    /// A customer's rating: score, scale (<c>pad5</c>, <c>nps11</c>), the reason chips, whether it is linked to a
    /// ticket and, when linked, the ticket's wait (seconds) and the acts of care it received.
    /// </summary>
    private static void WriteRating(Utf8JsonWriter w, TicketRatedView rated)
    {
        w.WriteNumber("score", rated.Score);
        w.WriteString("scale", rated.Scale switch { RatingScale.Pad5 => "pad5", RatingScale.Nps11 => "nps11", _ => "none" });
        w.WriteStartArray("reasons");
        foreach ((RatingReasons flag, string name) in s_reasonNames)
        {
            if ((rated.Reasons & flag) != 0)
            {
                w.WriteStringValue(name);
            }
        }

        w.WriteEndArray();
        w.WriteBoolean("linked", rated.Linked);
        if (rated.Linked)
        {
            WriteSeconds(w, "waitSeconds", rated.WaitMs);
            w.WriteNumber("careGiven", rated.CareGiven);
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
            w.WriteNumber("staff", staff);
        }
    }

    private static void WriteSeconds(Utf8JsonWriter w, string name, long ms)
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
}
