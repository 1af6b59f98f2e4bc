using System.Globalization;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// The <c>HeadOffice</c> configuration section: where the branch's MQTT broker is and how to reach it. The branch
/// id comes from the branch profile. Holds no secret: credentials and keys are named by file (or taken from the
/// environment), so this object can be logged and the configuration files can be shared.
/// </summary>
/// <remarks>With no broker in <see cref="Brokers"/> (the default) the link is off and events wait in the log.</remarks>
public sealed class HeadOfficeOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "HeadOffice";

    /// <summary>The event log cursor of the shipper: the last event head office acknowledged.</summary>
    public const string CursorName = "head-office";

    /// <summary>Environment variable holding the MQTT user name when <see cref="UsernameFile"/> is not set.</summary>
    public const string UsernameVariable = "LOBBYEDGE_MQTT_USERNAME";

    /// <summary>Environment variable holding the MQTT password when <see cref="PasswordFile"/> is not set.</summary>
    public const string PasswordVariable = "LOBBYEDGE_MQTT_PASSWORD";

    /// <summary>Off switch that keeps the broker list: <c>false</c> leaves the events in the log.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Broker endpoints as <c>host:port</c> (<c>[v6-address]:port</c>; the port defaults to 1883, or 8883 with
    /// TLS), tried in turn: after a failed attempt the next one, after a full round a back-off.
    /// </summary>
    public List<string> Brokers { get; set; } = [];

    /// <summary>TLS settings.</summary>
    public HeadOfficeTlsOptions Tls { get; set; } = new();

    /// <summary>A file whose first line is the MQTT user name; otherwise <see cref="UsernameVariable"/>, otherwise none.</summary>
    public string? UsernameFile { get; set; }

    /// <summary>A file whose first line is the MQTT password; otherwise <see cref="PasswordVariable"/>, otherwise none.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>MQTT keep-alive in seconds: how soon a dead link is noticed (by both sides).</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>
    /// How long the broker keeps the branch's session (its command subscription and the commands queued for it)
    /// after the link drops. The session is persistent: clean start is off.
    /// </summary>
    public long SessionExpirySeconds { get; set; } = 86_400;

    /// <summary>Most head-office requests remembered at once (about 100 bytes each); past it the oldest are forgotten.</summary>
    public const int RequestMemoryCapacity = 100_000;

    /// <summary>
    /// How long (in event time) a decided head-office command is remembered, so that a repeat of it is answered as
    /// the first time and not carried out again: the session expiry (the longest a broker can hold a redelivery for
    /// the branch), at least a day (a client's own retries), plus an hour. Derived, not configured.
    /// </summary>
    public TimeSpan RequestMemory => TimeSpan.FromSeconds(Math.Max(SessionExpirySeconds, 86_400) + 3_600);

    /// <summary>Events published and not yet acknowledged at most; more means more throughput after an outage.</summary>
    public int MaxInFlight { get; set; } = 32;

    /// <summary>
    /// Most events one <c>resend-events</c> command may ask for (default 10,000, about 5 MB on the wire): a larger
    /// range is refused naming <c>to</c>, so head office asks in pieces and the live events never wait long behind a
    /// resend.
    /// </summary>
    public int MaxResendEvents { get; set; } = 10_000;

    /// <summary>How long one connection attempt may take, TLS handshake included.</summary>
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>The first wait before reconnecting; it doubles after every failed round of brokers.</summary>
    public double ReconnectMinSeconds { get; set; } = 1;

    /// <summary>The longest wait between rounds of reconnection attempts.</summary>
    public double ReconnectMaxSeconds { get; set; } = 60;

    /// <summary>Whether the link should run: enabled and at least one broker configured.</summary>
    public bool IsActive => Enabled && Brokers.Count > 0;

    /// <summary>
    /// Checks the options and returns what is wrong, each as (configuration key, message). Empty means fine. A file
    /// setting must be an absolute path (<see cref="ConfiguredSecrets.FileProblem"/>: any other value is refused without
    /// being shown) naming a file that exists (<c>file '/abs/path' does not exist</c>).
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Validate()
    {
        var errors = new List<(string, string)>();
        string p = SectionName + ":";
        for (int i = 0; i < Brokers.Count; i++)
        {
            if (!BrokerEndpoint.TryParse(Brokers[i], Tls.IsEnabled, out _, out string? problem))
            {
                errors.Add(($"{p}Brokers:{i}", problem));
            }
        }

        if (KeepAliveSeconds is < 1 or > 65_535)
        {
            errors.Add(($"{p}KeepAliveSeconds", $"must be between 1 and 65535 (got {KeepAliveSeconds})"));
        }

        if (SessionExpirySeconds is < 0 or > uint.MaxValue)
        {
            errors.Add(($"{p}SessionExpirySeconds", $"must be between 0 and {uint.MaxValue} (got {SessionExpirySeconds})"));
        }

        if (MaxInFlight is < 1 or > 1_000)
        {
            errors.Add(($"{p}MaxInFlight", $"must be between 1 and 1000 (got {MaxInFlight})"));
        }

        if (MaxResendEvents is < 1 or > 1_000_000)
        {
            errors.Add(($"{p}MaxResendEvents", $"must be between 1 and 1000000 (got {MaxResendEvents})"));
        }

        if (!(ConnectTimeoutSeconds is > 0 and <= 600))
        {
            errors.Add(($"{p}ConnectTimeoutSeconds", $"must be more than 0 and at most 600 (got {ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture)})"));
        }

        if (!(ReconnectMinSeconds is > 0 and <= 3_600))
        {
            errors.Add(($"{p}ReconnectMinSeconds", $"must be more than 0 and at most 3600 (got {ReconnectMinSeconds.ToString(CultureInfo.InvariantCulture)})"));
        }

        if (!(ReconnectMaxSeconds >= ReconnectMinSeconds && ReconnectMaxSeconds <= 3_600))
        {
            errors.Add(($"{p}ReconnectMaxSeconds", $"must be at least ReconnectMinSeconds and at most 3600 (got {ReconnectMaxSeconds.ToString(CultureInfo.InvariantCulture)})"));
        }

        CheckFile(errors, $"{p}UsernameFile", UsernameFile);
        CheckFile(errors, $"{p}PasswordFile", PasswordFile);
        CheckFile(errors, $"{p}Tls:CaFile", Tls.CaFile);
        CheckFile(errors, $"{p}Tls:ClientCertFile", Tls.ClientCertFile);
        CheckFile(errors, $"{p}Tls:ClientKeyFile", Tls.ClientKeyFile);
        if (Tls.ClientKeyFile is not null && Tls.ClientCertFile is null)
        {
            errors.Add(($"{p}Tls:ClientCertFile", "is needed when Tls:ClientKeyFile is set"));
        }

        return errors;
    }

    private static void CheckFile(List<(string, string)> errors, string field, string? path)
    {
        // A missing file is a deployment mistake worth stopping the start for. The message names the key and the
        // path, never the content; and the path only when it is absolute: anything else may be the secret itself,
        // put into the path's key by mistake (ConfiguredSecrets).
        if (path is null)
        {
            return;
        }

        if ((ConfiguredSecrets.FileProblem(path) ?? ConfiguredSecrets.FolderProblem(path)) is { } problem)
        {
            errors.Add((field, problem));
        }
        else if (!File.Exists(path))
        {
            errors.Add((field, $"file '{path}' does not exist"));
        }
    }
}

/// <summary>The <c>HeadOffice:Tls</c> section. Files are PEM.</summary>
public sealed class HeadOfficeTlsOptions
{
    /// <summary>Use TLS even without any of the files below (a broker with a publicly trusted certificate).</summary>
    public bool Enabled { get; set; }

    /// <summary>The CA certificate(s) that sign the broker's certificate; the only roots trusted when set.</summary>
    public string? CaFile { get; set; }

    /// <summary>The branch's client certificate (for brokers that require one).</summary>
    public string? ClientCertFile { get; set; }

    /// <summary>The client certificate's private key; may be omitted when <see cref="ClientCertFile"/> holds it too.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>The name the broker's certificate must carry, when it differs from the host in the broker list.</summary>
    public string? ServerName { get; set; }

    /// <summary>TLS is on when enabled explicitly or when any certificate file is given.</summary>
    public bool IsEnabled => Enabled || CaFile is not null || ClientCertFile is not null;
}

/// <summary>A broker's host and port.</summary>
/// <param name="Host">Host name or address (without brackets for IPv6).</param>
/// <param name="Port">TCP port.</param>
public readonly record struct BrokerEndpoint(string Host, int Port)
{
    /// <summary>Parses <c>host</c>, <c>host:port</c> or <c>[v6]:port</c>.</summary>
    /// <param name="text">The text from the configuration.</param>
    /// <param name="tls">Whether TLS is on (the default port is 8883 then, else 1883).</param>
    /// <param name="endpoint">The endpoint, when valid.</param>
    /// <param name="problem">What is wrong, when not.</param>
    public static bool TryParse(string? text, bool tls, out BrokerEndpoint endpoint, out string problem)
    {
        endpoint = default;
        problem = "";
        string s = (text ?? "").Trim();
        if (s.Length == 0)
        {
            problem = "must be host:port, e.g. mqtt.example.com:8883 (got an empty value)";
            return false;
        }

        if (s.Contains("://", StringComparison.Ordinal) || s.Contains('@', StringComparison.Ordinal))
        {
            problem = $"must be host:port, without a scheme or user name (TLS is set under Tls, credentials in files), e.g. mqtt.example.com:8883 (got \"{Shown(s)}\")";
            return false;
        }

        string host = s;
        string? port = null;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < s.Length && s[close + 1] != ':'))
            {
                problem = $"must be [address]:port for an IPv6 address (got \"{s}\")";
                return false;
            }

            host = s[1..close];
            port = close + 1 < s.Length ? s[(close + 2)..] : null;
        }
        else
        {
            int colon = s.LastIndexOf(':');
            if (colon >= 0)
            {
                if (s.IndexOf(':', StringComparison.Ordinal) != colon)
                {
                    problem = $"write an IPv6 address in brackets, e.g. [::1]:1883 (got \"{s}\")";
                    return false;
                }

                host = s[..colon];
                port = s[(colon + 1)..];
            }
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '?' or '#'))
        {
            problem = $"must be host:port, e.g. mqtt.example.com:8883 (got \"{s}\")";
            return false;
        }

        int number = tls ? 8883 : 1883;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65_535))
        {
            problem = $"port must be a number from 1 to 65535 (got \"{port}\")";
            return false;
        }

        endpoint = new BrokerEndpoint(host, number);
        return true;
    }

    /// <summary>
    /// <paramref name="text"/> as an error message, a log line or the console may show it: a URL's user information
    /// (<c>mqtt://user:password@host</c>, RFC 3986 section 3.2.1, which deprecates a password there) is replaced by
    /// <c>***</c>, so a password written into a broker address by mistake is not echoed to the journal.
    /// </summary>
    public static string Shown(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int at = text.LastIndexOf('@');
        if (at < 0)
        {
            return text;
        }

        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return string.Concat(text.AsSpan(0, start), "***", text.AsSpan(at));
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
