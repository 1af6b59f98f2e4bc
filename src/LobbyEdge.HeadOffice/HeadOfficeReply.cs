using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// What a command handler answers: done (<c>{"ok":true, …fields}</c>) or not (<c>{"ok":false,"error":"…", …fields}</c>).
/// The fields follow <c>ok</c> (and <c>error</c>) in the order given, e.g. <c>version</c>, <c>hash</c>, <c>applied</c>
/// for a configuration, or <c>field</c>, <c>line</c>, <c>column</c> for a profile that was refused.
/// </summary>
public sealed class HeadOfficeReply
{
    private HeadOfficeReply(string? error, JsonObject? fields)
    {
        Error = error;
        Fields = fields;
    }

    /// <summary>Done, nothing more to say: <c>{"ok":true}</c>.</summary>
    public static HeadOfficeReply Done { get; } = new(null, null);

    /// <summary>Why it was not done (one line naming the field), or null when it was.</summary>
    public string? Error { get; }

    /// <summary>More fields of the reply, or null.</summary>
    public JsonObject? Fields { get; }

    /// <summary>Done, with these fields after <c>"ok":true</c>.</summary>
    public static HeadOfficeReply Ok(JsonObject fields) => new(null, fields);

    /// <summary>Not done: <c>{"ok":false,"error":error, …fields}</c>.</summary>
    public static HeadOfficeReply Failed(string error, JsonObject? fields = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(error);
        return new HeadOfficeReply(error, fields);
    }

    /// <summary>
    /// The engine refused a command: <c>{"ok":false,"error":"refused by the branch: reason","reason":"reason"}</c>, as
    /// every command's refusal reads (reason in snake_case, e.g. <c>day_already_open</c>).
    /// </summary>
    public static HeadOfficeReply Refused(RefusalReason refusal)
    {
        string reason = RefusalNames.Of(refusal);
        return Failed($"refused by the branch: {reason}", new JsonObject { ["reason"] = reason });
    }

    /// <summary>The reply as sent: UTF-8 JSON, one object.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", Error is null);
            if (Error is not null)
            {
                w.WriteString("error", Error);
            }

            if (Fields is not null)
            {
                foreach (KeyValuePair<string, JsonNode?> field in Fields)
                {
                    w.WritePropertyName(field.Key);
                    if (field.Value is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        field.Value.WriteTo(w);
                    }
                }
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Which configuration command head office sent.</summary>
public enum ConfigurationCommand
{
    /// <summary><c>update-configuration</c>: a whole profile.</summary>
    Update,

    /// <summary><c>rollback-configuration</c>: a stored version again, as a new version.</summary>
    Rollback,

    /// <summary><c>update-calendar</c>: the profile's <c>calendar:</c> section replaced.</summary>
    UpdateCalendar,
}

/// <summary>A validated configuration command (<c>update-configuration</c>, <c>rollback-configuration</c>, <c>update-calendar</c>).</summary>
/// <param name="Command">Which one.</param>
/// <param name="Name">The command's name as in the topic; problems in a pushed profile are placed as <c>name:line:column</c>.</param>
/// <param name="Request">Its identity (never none: these commands have an effect); the engine records it with the change.</param>
public sealed record ConfigurationRequest(ConfigurationCommand Command, string Name, RequestKey Request)
{
    /// <summary>For an update: the profile's text (YAML, or JSON when it was sent as an object).</summary>
    public string? ProfileText { get; init; }

    /// <summary>For an update of the calendar: the <c>calendar</c> object as JSON text.</summary>
    public string? CalendarJson { get; init; }

    /// <summary>For a rollback: the version to go back to, or null for the one before the version in force.</summary>
    public long? Version { get; init; }

    /// <summary>The version head office believes is in force; refused <c>version_conflict</c> when it is not. Null: not checked.</summary>
    public long? ExpectVersion { get; init; }

    /// <summary>
    /// Set when the event log already records this request as decided: it is a repeat and must never take effect
    /// again, whatever the configuration store remembers. Null: a new request.
    /// </summary>
    public DecidedConfiguration? Repeat { get; init; }
}

/// <summary>What the event log says a configuration request did when it was first decided.</summary>
/// <param name="Sequence">The <c>lobby.request.decided</c> event that recorded it.</param>
/// <param name="Version">The configuration version it made (its <see cref="EventKind.ConfigurationChanged"/> event), 0 when it made none.</param>
/// <param name="Hash">That version's content hash (<see cref="BranchConfig.Hash"/>), 0 when it made none.</param>
/// <param name="Change">How it applied (<see cref="ConfigurationChange.Live"/> or <see cref="ConfigurationChange.AtNextOpening"/>).</param>
/// <param name="Source">Where the version came from (head office or a rollback).</param>
/// <param name="Refusal">Why it was refused, or <see cref="RefusalReason.None"/>.</param>
public sealed record DecidedConfiguration(long Sequence, long Version, long Hash, ConfigurationChange Change, ConfigurationSource Source, RefusalReason Refusal = RefusalReason.None);
