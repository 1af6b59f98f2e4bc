using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// Writes an event as a CloudEvents 1.0 structured-mode JSON document (CONTRACTS.md, "Head office"): the envelope
/// attributes, then the event's fields as <c>data</c>.
/// </summary>
public static class CloudEventWriter
{
    /// <summary>The MQTT 5 content type of a structured-mode CloudEvent (the CloudEvents MQTT binding).</summary>
    public const string ContentType = "application/cloudevents+json";

    /// <summary>
    /// The writer options the link encodes every shipped event with: the writer's structural validation off
    /// (<see cref="JsonWriterOptions.SkipValidation"/>). What this class writes is well formed by construction, checked
    /// against the JSON Schemas in <c>schemas/events/</c> by the tests, and the check cost a share of the encoding at
    /// every event of a backlog drain (<c>CloudEventBenchmarks</c> in tests/LobbyEdge.Benchmarks). Escaping is
    /// unchanged (the default encoder), so the bytes are the same as with validation on.
    /// </summary>
    public static readonly JsonWriterOptions ShippingOptions = new() { SkipValidation = true };

    private static readonly JsonEncodedText s_specVersion = JsonEncodedText.Encode("specversion");
    private static readonly JsonEncodedText s_specVersionValue = JsonEncodedText.Encode("1.0");
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText s_source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText s_sequence = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText s_dataContentType = JsonEncodedText.Encode("datacontenttype");
    private static readonly JsonEncodedText s_json = JsonEncodedText.Encode("application/json");
    private static readonly JsonEncodedText s_data = JsonEncodedText.Encode("data");

    private static readonly JsonEncodedText s_subject = JsonEncodedText.Encode("subject");

    /// <summary>
    /// Writes <paramref name="e"/> as one CloudEvent, with devices named by their index (no hardware profile: a
    /// device event says <c>#4</c>, kind <c>unknown</c>). See <see cref="Write(Utf8JsonWriter, in LobbyEvent, HeadOfficeTopics, BranchConfig, IReadOnlyList{EventDevice})"/>.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, in LobbyEvent e, HeadOfficeTopics topics, BranchConfig config) =>
        Write(writer, in e, topics, config, []);

    /// <summary>
    /// Writes <paramref name="e"/> as one CloudEvent: <c>id</c> <c>{branchId}:{sequence}</c> (head office
    /// de-duplicates on it), <c>source</c> <c>urn:lobby-edge:{branchId}</c>, <c>type</c> from
    /// <see cref="EventJson.TypeOf"/>, <c>subject</c> (what the event is about, for filtering; see
    /// <see cref="SubjectOf"/>; left out when the event is about no one thing), <c>time</c> in UTC, the
    /// <c>sequence</c> extension as 20 zero-padded digits (so that it also sorts as a string), and <c>data</c>
    /// (<see cref="WriteData"/>). Every type's document is described by a JSON Schema in <c>schemas/events/</c>.
    /// </summary>
    /// <param name="writer">Where the JSON goes.</param>
    /// <param name="e">The event.</param>
    /// <param name="topics">The branch's topics (its id and source).</param>
    /// <param name="config">The branch configuration: names services and prints ticket numbers.</param>
    /// <param name="devices">The hardware profile's devices by index: names the device of a device event.</param>
    public static void Write(Utf8JsonWriter writer, in LobbyEvent e, HeadOfficeTopics topics, BranchConfig config, IReadOnlyList<EventDevice> devices)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(devices);
        writer.WriteStartObject();
        writer.WriteString(s_specVersion, s_specVersionValue);

        string branch = topics.BranchId;
        int idLength = branch.Length + 1 + 20;
        Span<char> id = idLength <= 256 ? stackalloc char[idLength] : new char[idLength];
        branch.AsSpan().CopyTo(id);
        id[branch.Length] = ':';
        e.Sequence.TryFormat(id[(branch.Length + 1)..], out int digits, default, CultureInfo.InvariantCulture);
        writer.WriteString(s_id, id[..(branch.Length + 1 + digits)]);

        writer.WriteString(s_source, topics.Source);
        writer.WriteString(s_type, EventJson.TypeOf(e.Kind));
        WriteSubject(writer, in e, config, devices);

        writer.WriteString(s_time, e.TimeUtc);

        Span<char> sequence = stackalloc char[20];
        e.Sequence.TryFormat(sequence, out _, "D20", CultureInfo.InvariantCulture);
        writer.WriteString(s_sequence, sequence);

        writer.WriteString(s_dataContentType, s_json);
        writer.WritePropertyName(s_data);
        WriteData(writer, in e, config, devices);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The CloudEvents <c>subject</c> of an event: what it is about, so that a consumer can filter on it without
    /// reading <c>data</c>. A ticket event: the printed number (<c>A023</c>); a counter event (and a rating of a
    /// counter that is linked to no ticket): <c>counter/3</c>; a device event: <c>device/printer-1</c>; a day
    /// event: the business date (<c>2026-11-30</c>); a configuration change: <c>configuration/6</c>; advice (issued,
    /// answered): its counter (<c>counter/7</c>); a customer taking the self-service alternative: <c>service/cash</c>; a decided
    /// head-office request: <c>request/</c> and its key as 16 hex digits. <see langword="null"/> for an event about
    /// no one thing (<c>lobby.clock.jumped</c>).
    /// </summary>
    public static string? SubjectOf(in LobbyEvent e, BranchConfig? config, IReadOnlyList<EventDevice> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                return Date(e.AsDayOpened().BusinessDate);
            case EventKind.DayClosed:
                return Date(e.AsDayClosed().BusinessDate);
            case EventKind.DeviceStatusChanged:
                return "device/" + DeviceOf(e.AsDeviceStatusChanged().DeviceIndex, devices).Id;
            case EventKind.ConfigurationChanged:
                return "configuration/" + e.AsConfigurationChanged().Version.ToString(CultureInfo.InvariantCulture);
            case EventKind.RequestDecided:
                return "request/" + e.AsRequestDecided().Request.Id.ToString("x16", CultureInfo.InvariantCulture);
            case EventKind.SelfServiceChosen:
                return "service/" + (config is not null && (uint)e.Service < (uint)config.Services.Count
                    ? config.Services[e.Service].Id
                    : e.Service.ToString(CultureInfo.InvariantCulture));
            case EventKind.ClockStepped:
            case EventKind.None:
                return null;
            default:
                if (HasTicket(in e))
                {
                    return EventJson.TicketNumber(e.NumberService, e.Number, config);
                }

                return e.Counter > 0 ? "counter/" + e.Counter.ToString(CultureInfo.InvariantCulture) : null;
        }
    }

    /// <summary>
    /// Writes <c>subject</c> (<see cref="SubjectOf"/>), or nothing for an event about no one thing. The subjects of
    /// ticket and counter events, nearly all of a day's, are formatted on the stack (they are written for every event
    /// shipped); the others go through <see cref="SubjectOf"/>.
    /// </summary>
    private static void WriteSubject(Utf8JsonWriter writer, in LobbyEvent e, BranchConfig? config, IReadOnlyList<EventDevice> devices)
    {
        switch (e.Kind)
        {
            case EventKind.DayOpened or EventKind.DayClosed or EventKind.DeviceStatusChanged or EventKind.ConfigurationChanged
                or EventKind.RequestDecided or EventKind.SelfServiceChosen or EventKind.ClockStepped or EventKind.None:
                if (SubjectOf(in e, config, devices) is { } subject)
                {
                    writer.WriteString(s_subject, subject);
                }

                return;
            default:
                Span<char> text = stackalloc char[EventJson.TicketNumberLength];
                if (HasTicket(in e))
                {
                    writer.WriteString(s_subject, text[..EventJson.FormatTicketNumber(e.NumberService, e.Number, config, text)]);
                }
                else if (e.Counter > 0 && text.TryWrite(CultureInfo.InvariantCulture, $"counter/{e.Counter}", out int written))
                {
                    writer.WriteString(s_subject, text[..written]);
                }

                return;
        }
    }

    /// <summary>
    /// Writes the event's <c>data</c>: <c>sequence</c>, <c>time</c>, <c>type</c>, then the fields of its type
    /// (README, "Event catalogue"). Ticket, counter, request, clock and configuration events as
    /// <see cref="EventJson.Write"/> gives them (the same object <c>lobby-edge inspect</c> prints; a configuration
    /// change: <c>version</c>, <c>hash</c> as 16 hex digits, <c>change</c> <c>live</c>/<c>next_opening</c>/<c>took_effect</c>,
    /// <c>source</c> <c>profile</c>/<c>head_office</c>/<c>rollback</c>). Day events carry no ticket fields:
    /// <c>businessDate</c>, and for an opening <c>configurationVersion</c> (<see langword="null"/> for a day of a log
    /// without versions). A device event names the device by its profile id and kind
    /// (<c>"device":"printer-1","kind":"printer"</c>) and its <c>status</c>.
    /// </summary>
    public static void WriteData(Utf8JsonWriter writer, in LobbyEvent e, BranchConfig? config, IReadOnlyList<EventDevice> devices)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(devices);
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                DayOpenedView opened = e.AsDayOpened();
                WriteHead(writer, in e);
                writer.WriteString("businessDate", Date(opened.BusinessDate));
                if (opened.ConfigurationVersion > 0)
                {
                    writer.WriteNumber("configurationVersion", opened.ConfigurationVersion);
                }
                else
                {
                    writer.WriteNull("configurationVersion");
                }

                writer.WriteEndObject();
                break;
            case EventKind.DayClosed:
                WriteHead(writer, in e);
                writer.WriteString("businessDate", Date(e.AsDayClosed().BusinessDate));
                writer.WriteEndObject();
                break;
            case EventKind.DeviceStatusChanged:
                DeviceStatusChangedView status = e.AsDeviceStatusChanged();
                EventDevice device = DeviceOf(status.DeviceIndex, devices);
                WriteHead(writer, in e);
                writer.WriteString("device", device.Id);
                writer.WriteString("kind", device.Kind);
                writer.WriteString("status", StatusName(status.Status));
                writer.WriteEndObject();
                break;
            default:
                EventJson.Write(writer, in e, config);
                break;
        }
    }

    /// <summary>The wire name of a device status: <c>online</c>, <c>offline</c>, <c>paper_low</c>, <c>paper_out</c>, <c>cover_open</c>, <c>error</c>.</summary>
    public static string StatusName(DeviceStatus status) => status switch
    {
        DeviceStatus.Online => "online",
        DeviceStatus.Offline => "offline",
        DeviceStatus.PaperLow => "paper_low",
        DeviceStatus.PaperOut => "paper_out",
        DeviceStatus.CoverOpen => "cover_open",
        _ => "error",
    };

    private static bool HasTicket(in LobbyEvent e) => e.Ticket >= 0 && e.Number > 0;

    private static EventDevice DeviceOf(int index, IReadOnlyList<EventDevice> devices) =>
        (uint)index < (uint)devices.Count ? devices[index] : EventDevice.Unknown(index);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Opens <c>data</c> with the fields every event has (as <see cref="EventJson.Write"/> does).</summary>
    private static void WriteHead(Utf8JsonWriter writer, in LobbyEvent e)
    {
        writer.WriteStartObject();
        writer.WriteNumber(s_sequence, e.Sequence);
        writer.WriteString(s_time, e.TimeUtc);
        writer.WriteString(s_type, EventJson.TypeOf(e.Kind));
    }
}
