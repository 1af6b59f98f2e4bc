using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice;

/// <summary>What a head-office command asks for.</summary>
internal enum HeadOfficeRequestKind
{
    OpenDay,
    CloseDay,
    IssueTicket,
    BroadcastNotice,
    UpdateConfiguration,
    ResendEvents,
    RollbackConfiguration,
    UpdateCalendar,
}

/// <summary>A validated head-office command. Dispose it: an update carries its JSON document.</summary>
internal sealed class HeadOfficeRequest : IDisposable
{
    public required string Name { get; init; }

    public required HeadOfficeRequestKind Kind { get; init; }

    /// <summary>The engine command, for open day, close day and issue ticket.</summary>
    public Command Command { get; init; }

    /// <summary>For issue ticket: the remote channel the customer used.</summary>
    public string? Channel { get; init; }

    /// <summary>For a notice: its text.</summary>
    public string? Text { get; init; }

    /// <summary>For a notice: when it ends, if it does.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>For a configuration command: what it asks (the link adds the request identity).</summary>
    public ConfigurationRequest? Configuration { get; init; }

    /// <summary>For resend-events: the first and last sequence asked for (inclusive; checked against the log by the link).</summary>
    public (long From, long To) Range { get; init; }

    public void Dispose()
    {
    }
}

/// <summary>
/// Reads and validates the JSON of an inbound command (<c>lobby/v1/{branchId}/commands/{name}</c>). Anything wrong
/// comes back as one line that names the field, for the <c>{"ok":false,"error":...}</c> reply; nothing is run.
/// </summary>
internal static class HeadOfficeCommandReader
{
    /// <summary>The command names, as in the topic.</summary>
    public static readonly string[] Names = ["open-day", "close-day", "issue-ticket", "broadcast-notice", "update-configuration", "resend-events", "rollback-configuration", "update-calendar"];

    /// <summary>The remote channels a ticket can be issued for.</summary>
    public static readonly string[] Channels = ["mobile", "appointment"];

    /// <summary>Longest notice text, in characters: what a lobby screen can show.</summary>
    public const int MaxNoticeLength = 500;

    /// <summary>Largest payload read; a command is small, and a huge one is a mistake or an attack.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    private static readonly JsonDocumentOptions s_json = new() { MaxDepth = 32, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Validates a command. Returns it, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static HeadOfficeRequest? Read(string name, ReadOnlySequence<byte> payload, BranchConfig config, DateTimeOffset now, out string? error)
    {
        HeadOfficeRequestKind? kind = KindOf(name, out error);
        if (kind is null)
        {
            return null;
        }

        if (payload.Length > MaxPayloadBytes)
        {
            error = $"payload: too large ({payload.Length} bytes; at most {MaxPayloadBytes})";
            return null;
        }

        JsonDocument? document = null;
        if (payload.Length > 0 || kind is HeadOfficeRequestKind.IssueTicket or HeadOfficeRequestKind.BroadcastNotice or HeadOfficeRequestKind.UpdateConfiguration or HeadOfficeRequestKind.ResendEvents or HeadOfficeRequestKind.UpdateCalendar)
        {
            try
            {
                document = JsonDocument.Parse(payload, s_json);
            }
            catch (JsonException e)
            {
                error = $"payload: not valid JSON ({FirstSentence(e.Message)})";
                return null;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"payload: must be a JSON object, not {Describe(document.RootElement.ValueKind)}";
                document.Dispose();
                return null;
            }
        }

        try
        {
            HeadOfficeRequest? request = kind switch
            {
                HeadOfficeRequestKind.OpenDay => NoFields(name, kind.Value, Command.OpenDay(), document, out error),
                HeadOfficeRequestKind.CloseDay => NoFields(name, kind.Value, Command.CloseDay(), document, out error),
                HeadOfficeRequestKind.IssueTicket => IssueTicket(name, document!.RootElement, config, out error),
                HeadOfficeRequestKind.BroadcastNotice => Notice(name, document!.RootElement, now, out error),
                HeadOfficeRequestKind.ResendEvents => Resend(name, document!.RootElement, out error),
                _ => Configuration(name, kind.Value, document, out error),
            };
            return request;
        }
        finally
        {
            document?.Dispose();
        }
    }

    /// <summary>The kind of a command name, or null with the error for an unknown one.</summary>
    public static HeadOfficeRequestKind? KindOf(string name, out string? error)
    {
        error = null;
        HeadOfficeRequestKind? kind = name switch
        {
            "open-day" => HeadOfficeRequestKind.OpenDay,
            "close-day" => HeadOfficeRequestKind.CloseDay,
            "issue-ticket" => HeadOfficeRequestKind.IssueTicket,
            "broadcast-notice" => HeadOfficeRequestKind.BroadcastNotice,
            "update-configuration" => HeadOfficeRequestKind.UpdateConfiguration,
            "resend-events" => HeadOfficeRequestKind.ResendEvents,
            "rollback-configuration" => HeadOfficeRequestKind.RollbackConfiguration,
            "update-calendar" => HeadOfficeRequestKind.UpdateCalendar,
            _ => null,
        };
        if (kind is null)
        {
            error = $"unknown command \"{Shorten(name)}\"; known: {string.Join(", ", Names)}";
        }

        return kind;
    }

    /// <summary>
    /// Whether a command changes something (the queue, the signage, the configuration), so that it needs an identity
    /// and must take effect at most once. Every command does but <c>resend-events</c>, which changes nothing at the
    /// branch (a repeat only sends copies head office drops by their id).
    /// </summary>
    public static bool HasEffect(HeadOfficeRequestKind kind) => kind is not HeadOfficeRequestKind.ResendEvents;

    /// <summary>Whether a command changes the branch's configuration (carried out by <see cref="IHeadOfficeCommandHandler.ConfigureAsync"/>).</summary>
    public static bool IsConfiguration(HeadOfficeRequestKind kind) =>
        kind is HeadOfficeRequestKind.UpdateConfiguration or HeadOfficeRequestKind.RollbackConfiguration or HeadOfficeRequestKind.UpdateCalendar;

    /// <summary>The <c>channel</c> string of an <c>issue-ticket</c> payload as sent, or null.</summary>
    public static string? ChannelOf(ReadOnlySequence<byte> payload)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload, s_json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("channel", out JsonElement channel)
                && channel.ValueKind == JsonValueKind.String ? channel.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static HeadOfficeRequest? NoFields(string name, HeadOfficeRequestKind kind, Command command, JsonDocument? document, out string? error)
    {
        error = null;
        if (document is not null)
        {
            foreach (JsonProperty p in document.RootElement.EnumerateObject())
            {
                if (p.Name == RequestIdentity.RequestIdField)
                {
                    RequestId(p, ref error);
                    continue;
                }

                error ??= $"{Shorten(p.Name)}: unknown field ({name} takes no fields)";
            }

            if (error is not null)
            {
                return null;
            }
        }

        return new HeadOfficeRequest { Name = name, Kind = kind, Command = command };
    }

    private static HeadOfficeRequest? IssueTicket(string name, JsonElement body, BranchConfig config, out string? error)
    {
        error = null;
        string? service = null;
        string? tier = null;
        string? channel = null;
        foreach (JsonProperty p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "service":
                    service = String(p, ref error);
                    break;
                case "tier":
                    tier = String(p, ref error);
                    break;
                case "channel":
                    channel = String(p, ref error);
                    break;
                case RequestIdentity.RequestIdField:
                    RequestId(p, ref error);
                    break;
                default:
                    error ??= $"{Shorten(p.Name)}: unknown field (issue-ticket takes service, tier, channel, requestId)";
                    break;
            }
        }

        if (error is not null)
        {
            return null;
        }

        int serviceIndex = -1;
        for (int i = 0; i < config.Services.Count; i++)
        {
            if (string.Equals(config.Services[i].Id, service, StringComparison.Ordinal))
            {
                serviceIndex = i;
            }
        }

        string known = string.Join(", ", config.Services.Select(s => s.Id));
        if (service is null)
        {
            error = $"service: required, the id of one of the branch's services ({known})";
            return null;
        }

        if (serviceIndex < 0)
        {
            error = $"service: unknown service \"{Shorten(service)}\"; known: {known}";
            return null;
        }

        Tier t;
        switch (tier)
        {
            case null or "normal":
                t = Tier.Normal;
                break;
            case "priority":
                t = Tier.Priority;
                break;
            case "vip":
                t = Tier.Vip;
                break;
            default:
                error = $"tier: must be \"normal\", \"priority\" or \"vip\" (got \"{Shorten(tier)}\")";
                return null;
        }

        if (channel is null)
        {
            error = $"channel: required, one of {string.Join(", ", Channels)}";
            return null;
        }

        if (Array.IndexOf(Channels, channel) < 0)
        {
            error = $"channel: must be one of {string.Join(", ", Channels)} (got \"{Shorten(channel)}\")";
            return null;
        }

        return new HeadOfficeRequest { Name = name, Kind = HeadOfficeRequestKind.IssueTicket, Command = Command.Issue(serviceIndex, t), Channel = channel };
    }

    private static HeadOfficeRequest? Notice(string name, JsonElement body, DateTimeOffset now, out string? error)
    {
        error = null;
        string? text = null;
        string? until = null;
        foreach (JsonProperty p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "text":
                    text = String(p, ref error);
                    break;
                case "until":
                    until = p.Value.ValueKind == JsonValueKind.Null ? null : String(p, ref error);
                    break;
                case RequestIdentity.RequestIdField:
                    RequestId(p, ref error);
                    break;
                default:
                    error ??= $"{Shorten(p.Name)}: unknown field (broadcast-notice takes text, until, requestId)";
                    break;
            }
        }

        if (error is not null)
        {
            return null;
        }

        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "text: required, the notice to show (not empty)";
            return null;
        }

        if (text.Length > MaxNoticeLength)
        {
            error = $"text: at most {MaxNoticeLength} characters (got {text.Length})";
            return null;
        }

        if (ShownText.Problem(text) is { } unshown)
        {
            // The same check as every other text a person reads: the signage and displays show it as written.
            error = $"text: must be one line of plain text the lobby screens show as written: {unshown}";
            return null;
        }

        DateTimeOffset? end = null;
        if (until is not null)
        {
            // RFC 3339 needs the offset: a time without one would be read in the branch's zone or the server's.
            if (!DateTimeOffset.TryParseExact(until, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset parsed)
                || !(until.EndsWith('Z') || until.EndsWith('z') || until.Length > 6 && until[^6] is '+' or '-'))
            {
                error = $"until: must be an RFC 3339 time with its offset, e.g. 2026-11-23T17:00:00+08:00 (got \"{Shorten(until)}\")";
                return null;
            }

            if (parsed <= now)
            {
                error = $"until: {until} has already passed";
                return null;
            }

            end = parsed;
        }

        return new HeadOfficeRequest { Name = name, Kind = HeadOfficeRequestKind.BroadcastNotice, Text = text, Until = end };
    }

    /// <summary>
    /// <c>resend-events</c>: <c>{"from": N, "to": M}</c>, inclusive sequences, integers, 1 &lt;= from &lt;= to. The link
    /// checks the range against the log (last durable event, retention, <see cref="HeadOfficeOptions.MaxResendEvents"/>).
    /// </summary>
    private static HeadOfficeRequest? Resend(string name, JsonElement body, out string? error)
    {
        error = null;
        long? from = null;
        long? to = null;
        foreach (JsonProperty p in body.EnumerateObject())
        {
            switch (p.Name)
            {
                case "from":
                    from = Sequence(p, ref error);
                    break;
                case "to":
                    to = Sequence(p, ref error);
                    break;
                case RequestIdentity.RequestIdField:
                    RequestId(p, ref error);
                    break;
                default:
                    error ??= $"{Shorten(p.Name)}: unknown field (resend-events takes from, to, requestId)";
                    break;
            }
        }

        if (error is not null)
        {
            return null;
        }

        if (from is null)
        {
            error = "from: required, the first event sequence to send again (1 or more)";
            return null;
        }

        if (to is null)
        {
            error = "to: required, the last event sequence to send again (inclusive)";
            return null;
        }

        if (to < from)
        {
            error = $"to: must be at least from (from {from}, to {to})";
            return null;
        }

        return new HeadOfficeRequest { Name = name, Kind = HeadOfficeRequestKind.ResendEvents, Range = (from.Value, to.Value) };
    }

    /// <summary>An event sequence: a JSON integer, 1 or more.</summary>
    private static long? Sequence(JsonProperty p, ref string? error)
    {
        if (p.Value.ValueKind != JsonValueKind.Number)
        {
            error ??= $"{p.Name}: must be an integer event sequence, not {Describe(p.Value.ValueKind)}";
            return null;
        }

        if (!p.Value.TryGetInt64(out long value))
        {
            error ??= $"{p.Name}: must be an integer event sequence (got {Shorten(p.Value.GetRawText())})";
            return null;
        }

        if (value < 1)
        {
            error ??= $"{p.Name}: must be 1 or more (event sequences start at 1; got {value})";
            return null;
        }

        return value;
    }

    /// <summary>
    /// Reads <c>update-configuration</c> (<c>profile</c>), <c>rollback-configuration</c> (<c>version</c>) and
    /// <c>update-calendar</c> (<c>calendar</c>); each also takes <c>expectVersion</c> and <c>requestId</c>.
    /// </summary>
    private static HeadOfficeRequest? Configuration(string name, HeadOfficeRequestKind kind, JsonDocument? document, out string? error)
    {
        error = null;
        string main = kind switch
        {
            HeadOfficeRequestKind.UpdateConfiguration => "profile",
            HeadOfficeRequestKind.RollbackConfiguration => "version",
            _ => "calendar",
        };
        var request = new ConfigurationRequest(
            kind switch
            {
                HeadOfficeRequestKind.UpdateConfiguration => ConfigurationCommand.Update,
                HeadOfficeRequestKind.RollbackConfiguration => ConfigurationCommand.Rollback,
                _ => ConfigurationCommand.UpdateCalendar,
            },
            name,
            RequestKey.None);
        bool any = false;
        IEnumerable<JsonProperty> fields = document is null ? [] : document.RootElement.EnumerateObject();
        foreach (JsonProperty p in fields)
        {
            any = true;
            if (p.Name == main && main == "profile")
            {
                // JSON is YAML's flow style: an object's text is read as the profile, lines as sent.
                request = p.Value.ValueKind switch
                {
                    JsonValueKind.Object => request with { ProfileText = p.Value.GetRawText() },
                    JsonValueKind.String => request with { ProfileText = p.Value.GetString() },
                    _ => request,
                };
                error ??= request.ProfileText is null ? $"profile: must be the profile's text (YAML or JSON) or a JSON object, not {Describe(p.Value.ValueKind)}" : null;
            }
            else if (p.Name == main && main == "calendar")
            {
                request = p.Value.ValueKind == JsonValueKind.Object ? request with { CalendarJson = p.Value.GetRawText() } : request;
                error ??= request.CalendarJson is null ? $"calendar: must be a JSON object (the profile's calendar section: weekly, dates), not {Describe(p.Value.ValueKind)}" : null;
            }
            else if (p.Name == main || p.Name == "expectVersion")
            {
                long? version = Version(p, ref error);
                request = p.Name == main ? request with { Version = version } : request with { ExpectVersion = version };
            }
            else if (p.Name == RequestIdentity.RequestIdField)
            {
                RequestId(p, ref error);
            }
            else
            {
                error ??= $"{Shorten(p.Name)}: unknown field ({name} takes {main}, expectVersion, requestId)";
            }
        }

        if (error is null && kind == HeadOfficeRequestKind.UpdateConfiguration && string.IsNullOrWhiteSpace(request.ProfileText))
        {
            error = !any
                ? "payload: an empty configuration update changes nothing; send {\"profile\": ...} with the whole branch profile"
                : "profile: required, the whole branch profile (YAML text, or a JSON object)";
        }
        else if (error is null && kind == HeadOfficeRequestKind.UpdateCalendar && request.CalendarJson is null)
        {
            error = "calendar: required, the profile's calendar section as a JSON object (weekly, dates)";
        }

        return error is not null ? null : new HeadOfficeRequest { Name = name, Kind = kind, Configuration = request };
    }

    private static long? Version(JsonProperty p, ref string? error)
    {
        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long version) && version > 0)
        {
            return version;
        }

        error ??= $"{p.Name}: must be a configuration version, a whole number from 1";
        return null;
    }

    private static string? String(JsonProperty p, ref string? error)
    {
        if (p.Value.ValueKind == JsonValueKind.String)
        {
            return p.Value.GetString();
        }

        error ??= $"{p.Name}: must be a string, not {Describe(p.Value.ValueKind)}";
        return null;
    }

    private static void RequestId(JsonProperty p, ref string? error)
    {
        string? id = String(p, ref error);
        if (id is not null && id.Length is 0 or > RequestIdentity.MaxRequestIdLength)
        {
            error ??= $"{p.Name}: must be 1 to {RequestIdentity.MaxRequestIdLength} characters (got {id.Length})";
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "a string",
    };

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }

    /// <summary>Echoes untrusted text back cut to a sane length, so a reply can't be made huge.</summary>
    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
