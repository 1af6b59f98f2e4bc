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
            w.WriteString("tier", e.Tier switch { Tier.Vip => "vip", Tier.Priority => "priority", _ => "normal" });
        }

        if (e.Service >= 0)
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
                w.WriteString("businessDate", DateOnly.FromDayNumber((int)e.A).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case EventKind.TicketIssued:
                w.WriteBoolean("walkIn", e.Detail == 1);
                w.WriteNumber("peopleAhead", e.Count);
                WriteSeconds(w, "predictedWaitSeconds", e.A);
                WriteSeconds(w, "predictedWaitUpperSeconds", e.B);
                break;
            case EventKind.TicketCalled:
                w.WriteString("source", ((CallSource)e.Detail) switch { CallSource.CallBack => "call_back", CallSource.WalkIn => "walk_in", _ => "next" });
                if ((e.Reason & 1) != 0)
                {
                    WriteSeconds(w, "waitSeconds", e.A);
                }

                if ((e.Reason & 2) != 0)
                {
                    WriteSeconds(w, "predictionErrorSeconds", e.B);
                }

                break;
            case EventKind.TicketRecalled:
                w.WriteNumber("recalls", e.Count);
                break;
            case EventKind.TicketStarted:
                w.WriteBoolean("implied", e.Detail == 1);
                break;
            case EventKind.TicketCompleted:
                WriteSeconds(w, "serviceSeconds", e.A);
                break;
            case EventKind.TicketNoShow:
                w.WriteNumber("recalls", e.Count);
                break;
            case EventKind.TicketRecovered:
                w.WriteNumber("position", e.Count);
                break;
            case EventKind.RecoveryRefused:
                w.WriteString("reason", Snake(((RefusalReason)e.Reason).ToString()));
                break;
            case EventKind.TicketTransferred:
                w.WriteString("fromService", ServiceId((int)e.B, config));
                w.WriteNumber("position", e.Count);
                w.WriteString("placement", Snake(((Placement)e.Detail).ToString()));
                break;
            case EventKind.TicketCancelled:
                w.WriteString("reason", Snake(((CancelReason)e.Reason).ToString()));
                break;
            case EventKind.TicketAbandoned:
                w.WriteString("reason", Snake(((AbandonReason)e.Reason).ToString()));
                if (e.Detail != 0)
                {
                    w.WriteString("limit", Snake(((RefusalReason)e.Detail).ToString()));
                }

                break;
            case EventKind.CareNeeded:
                w.WriteNumber("alert", e.Count);
                WriteSeconds(w, "waitedSeconds", e.A);
                break;
            case EventKind.SlaBreached:
                WriteSeconds(w, "waitedSeconds", e.A);
                break;
            case EventKind.CounterStateChanged:
                w.WriteString("state", Snake(((CounterState)e.Detail).ToString()));
                w.WriteString("previousState", Snake(((CounterState)e.Reason).ToString()));
                WriteSeconds(w, "previousStateSeconds", e.A);
                break;
            case EventKind.DeviceStatusChanged:
                w.WriteNumber("device", e.Count);
                w.WriteString("status", Snake(((DeviceStatus)e.Detail).ToString()));
                break;
            case EventKind.RequestDecided:
                w.WriteString("requestKey", e.A.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("fingerprint", e.B.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("command", Snake(((CommandKind)e.Detail).ToString()));
                w.WriteString("outcome", e.Reason == 0 ? "accepted" : Snake(((RefusalReason)e.Reason).ToString()));
                w.WriteNumber("effectEvents", e.Count);
                break;
            case EventKind.ClockStepped:
                w.WriteNumber("stepSeconds", e.A / 1000.0);
                WriteSeconds(w, "branchClockAheadSeconds", e.B);
                w.WriteBoolean("atStart", e.Detail == 1);
                w.WriteBoolean("synchronized", e.Reason == 1);
                break;
            default:
                break;
        }

        w.WriteEndObject();
    }

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

    private static string Snake(string pascal)
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
