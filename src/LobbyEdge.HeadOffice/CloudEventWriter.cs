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

    /// <summary>
    /// Writes <paramref name="e"/> as one CloudEvent: <c>id</c> <c>{branchId}:{sequence}</c> (head office
    /// de-duplicates on it), <c>source</c> <c>urn:lobby-edge:{branchId}</c>, <c>type</c> from
    /// <see cref="EventJson.TypeOf"/>, <c>time</c> in UTC, the <c>sequence</c> extension as 20 zero-padded digits
    /// (so that it also sorts as a string), and <c>data</c> as <see cref="EventJson.Write"/> gives it.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, in LobbyEvent e, HeadOfficeTopics topics, BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(topics);
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
        writer.WriteString(s_time, e.TimeUtc);

        Span<char> sequence = stackalloc char[20];
        e.Sequence.TryFormat(sequence, out _, "D20", CultureInfo.InvariantCulture);
        writer.WriteString(s_sequence, sequence);

        writer.WriteString(s_dataContentType, s_json);
        writer.WritePropertyName(s_data);
        EventJson.Write(writer, in e, config);
        writer.WriteEndObject();
    }
}
