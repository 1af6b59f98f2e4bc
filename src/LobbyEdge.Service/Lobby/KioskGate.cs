using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace LobbyEdge.Service.Lobby;

/// <summary>Endpoint metadata: the endpoint takes tickets and is limited by the <see cref="KioskGate"/>.</summary>
public sealed class KioskTicketsEndpoint
{
    private KioskTicketsEndpoint()
    {
    }

    /// <summary>The one marker.</summary>
    public static KioskTicketsEndpoint Instance { get; } = new();
}

/// <summary>
/// Who may take tickets at <c>POST /kiosk/tickets</c>, and how fast. A caller is a known kiosk when it presents an
/// enrolled token (the <c>lobby_kiosk</c> cookie set by <c>GET /kiosk/enrol?token=…</c>, or
/// <c>Authorization: Bearer …</c>), or its TCP peer address is loopback (<see cref="KioskOptions.AllowLoopback"/>)
/// or allowed (<see cref="KioskOptions.AllowedAddresses"/>). Anyone else gets 403 and no ticket. Known kiosks are
/// rate limited (ASP.NET Core rate limiting, token buckets): per kiosk, then the branch's cap over all kiosks; over
/// a limit the answer is 429 with <c>Retry-After</c>. Every refusal counts in
/// <c>lobby_kiosk_requests_refused_total{reason}</c>. Tokens are never logged, stored or counted.
/// </summary>
public sealed partial class KioskGate : IHttpRateLimits
{
    /// <summary>The cookie that carries an enrolled kiosk's token (HttpOnly, SameSite=Strict, path /kiosk).</summary>
    public const string CookieName = "lobby_kiosk";

    /// <summary>The kiosk name of a loopback caller.</summary>
    public const string LocalKiosk = "local";

    /// <summary>Refusal reasons, the values of the metric's <c>reason</c> label and of the JSON answer's <c>reason</c>.</summary>
    public static readonly string[] Reasons = ["unknown_kiosk", "bad_token", "kiosk_rate_limit", "branch_rate_limit"];

    /// <summary>How long the cookie lives (browsers cap cookies at 400 days; each visit to /kiosk renews it).</summary>
    private static readonly TimeSpan s_cookieLife = TimeSpan.FromDays(400);

    private static readonly object s_callerKey = new();
    private static readonly object s_branchKey = new();

    private readonly KioskOptions _options;
    private readonly IPNetwork[] _allowed;
    private readonly Counter.Child[] _refused;
    private readonly ILogger<KioskGate> _logger;
    private readonly Lock _reload = new();
    private KioskTokens _tokens;
    private DateTime _failedStamp;

    /// <summary>Creates the gate.</summary>
    /// <param name="options">The <c>Kiosk</c> section, already checked (<see cref="Problems"/>).</param>
    /// <param name="tokens">The token file as read at start (<see cref="KioskTokens.Read"/>).</param>
    /// <param name="metrics">Where <c>lobby_kiosk_requests_refused_total</c> is registered.</param>
    /// <param name="logger">Logs token file reloads (never a token).</param>
    public KioskGate(KioskOptions options, KioskTokens tokens, LobbyMetrics metrics, ILogger<KioskGate> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options;
        _tokens = tokens;
        _logger = logger;
        _allowed = [.. options.AllowedAddresses.Select(a => TryParseNetwork(a, out IPNetwork n) ? n : throw new ArgumentException($"Kiosk:AllowedAddresses: '{a}' is not an address", nameof(options)))];
        Counter refused = Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
            "lobby_kiosk_requests_refused_total",
            "Requests the kiosk gate refused (ticket requests at /kiosk, the rating page's posts and feeds at /rate), by reason: unknown_kiosk and bad_token (403, no ticket), kiosk_rate_limit and branch_rate_limit (429).",
            "reason");
        _refused = [.. Reasons.Select(r => refused.WithLabels(r))];
    }

    /// <summary>What is wrong with a <c>Kiosk</c> section, one line per problem (empty when it is right).</summary>
    public static IEnumerable<string> Problems(KioskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (int i = 0; i < options.AllowedAddresses.Count; i++)
        {
            if (!TryParseNetwork(options.AllowedAddresses[i], out _))
            {
                yield return $"{KioskOptions.Section}:AllowedAddresses:{i} = '{options.AllowedAddresses[i]}': not an IP address or network (e.g. 192.168.10.21, 192.168.10.16/28)";
            }
        }

        foreach ((string key, int value, int max, string what) in new[]
        {
            ("TicketsPerMinute", options.TicketsPerMinute, 6000, "tickets"),
            ("Burst", options.Burst, 1000, "tickets"),
            ("BranchTicketsPerMinute", options.BranchTicketsPerMinute, 6000, "tickets"),
            ("BranchBurst", options.BranchBurst, 1000, "tickets"),
            ("RatingsPerMinute", options.RatingsPerMinute, 6000, "ratings"),
            ("RatingBurst", options.RatingBurst, 1000, "ratings"),
        })
        {
            if (value < 1 || value > max)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{KioskOptions.Section}:{key} = '{value}': must be {what} from 1 to {max}");
            }
        }
    }

    /// <summary>Who the caller is: a kiosk's name, or why it is not one. Worked out once a request.</summary>
    public KioskCaller Identify(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(s_callerKey, out object? known) && known is KioskCaller caller)
        {
            return caller;
        }

        caller = IdentifyNow(context);
        context.Items[s_callerKey] = caller;
        return caller;
    }

    /// <summary>
    /// The 403 answer for a caller that is not a known kiosk (counted), or null when it is one:
    /// <c>{"ok":false,"reason":"unknown_kiosk"|"bad_token","messageZh":…,"message":…,"error":…}</c>.
    /// </summary>
    public IResult? Refuse(HttpContext context)
    {
        KioskCaller caller = Identify(context);
        if (caller.Kiosk is not null)
        {
            return null;
        }

        string reason = caller.Refusal ?? Reasons[0];
        _refused[Array.IndexOf(Reasons, reason)].Inc();

        // The reason codes stay the kiosk's (compatibility); the words name what the caller is: a ticket machine, or a
        // rating tablet under /rate.
        bool rating = context.Request.Path.StartsWithSegments("/rate", StringComparison.Ordinal);
        return Results.Json(
            new RefusedWithError(
                false,
                reason,
                rating ? "本设备未登记，请联系大堂经理" : "本机未登记为取号机，请联系大堂经理",
                rating ? "This device is not enrolled. Please ask the lobby manager." : "This kiosk is not enrolled. Please ask the lobby manager.",
                (reason == "bad_token", rating) switch
                {
                    (true, false) => "the kiosk token is not enrolled (revoked or mistyped): enrol the kiosk again",
                    (true, true) => "the device token is not enrolled (revoked or mistyped): enrol the device again",
                    (false, false) => "not a known kiosk: enrol it with a token (GET /kiosk/enrol?token=...) or allow its address (Kiosk:AllowedAddresses)",
                    (false, true) => "not a known device: enrol it with a token (GET /rate/{counter}/enrol?token=...) or allow its address (Kiosk:AllowedAddresses)",
                }),
            LobbyJsonContext.Http.RefusedWithError,
            statusCode: StatusCodes.Status403Forbidden);
    }

    /// <summary>
    /// <c>GET /kiosk/enrol?token=…</c>, opened once by the technician on the kiosk: an enrolled token is kept in the
    /// kiosk's browser as an HttpOnly cookie and the browser goes on to <c>/kiosk</c>, so the token leaves the
    /// address bar (302). An unknown token is 403 (counted as <c>bad_token</c>).
    /// </summary>
    public IResult Enrol(HttpContext context) => Enrol(context, "/kiosk", "/kiosk");

    /// <summary>
    /// The enrolment of a customer-facing device under <paramref name="path"/> (the kiosk's <c>/kiosk</c>, a rating
    /// tablet's <c>/rate</c>): as <see cref="Enrol(HttpContext)"/>, the cookie kept for <paramref name="path"/> and
    /// the browser sent on to <paramref name="next"/> (a local path).
    /// </summary>
    public IResult Enrol(HttpContext context, string path, string next)
    {
        ArgumentNullException.ThrowIfNull(context);
        string token = context.Request.Query["token"].ToString();
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        if (token.Length == 0 || CurrentTokens().Find(token) is null)
        {
            _refused[Array.IndexOf(Reasons, "bad_token")].Inc();
            return Results.Json(
                new EnrolRefused(false, "bad_token", "the token is not in the kiosk token file (Kiosk:TokenFile); nothing was enrolled"),
                LobbyJsonContext.Http.EnrolRefused,
                statusCode: StatusCodes.Status403Forbidden);
        }

        SetCookie(context, token, path);
        return Results.Redirect(next, permanent: false, preserveMethod: false);
    }

    /// <summary>On <c>GET /kiosk</c>: renews an enrolled kiosk's cookie, so a kiosk in daily use never loses it.</summary>
    public void Renew(HttpContext context) => Renew(context, "/kiosk");

    /// <summary>On a visit to a device's page: renews its cookie for <paramref name="path"/> (see <see cref="Enrol(HttpContext, string, string)"/>).</summary>
    public void Renew(HttpContext context, string path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Cookies[CookieName] is { Length: > 0 } token && CurrentTokens().Find(token) is not null)
        {
            SetCookie(context, token, path);
        }
    }

    /// <inheritdoc />
    public void Configure(RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Per kiosk first, then the branch: a kiosk over its own limit never spends the branch's tickets.
        PartitionedRateLimiter<HttpContext> perKiosk = PartitionedRateLimiter.Create<HttpContext, string>(context => Limited(context) is { } kiosk
            ? RateLimitPartition.GetTokenBucketLimiter(kiosk, _ => Bucket(_options.Burst, _options.TicketsPerMinute))
            : RateLimitPartition.GetNoLimiter(""));
        PartitionedRateLimiter<HttpContext> branch = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (Limited(context) is null)
            {
                return RateLimitPartition.GetNoLimiter("");
            }

            // Reached only when the kiosk's own bucket gave a ticket: a refusal from here on is the branch's.
            context.Items[s_branchKey] = true;
            return RateLimitPartition.GetTokenBucketLimiter("branch", _ => Bucket(_options.BranchBurst, _options.BranchTicketsPerMinute));
        });
        PartitionedRateLimiter<HttpContext> kiosks = PartitionedRateLimiter.CreateChained(perKiosk, branch);
        options.GlobalLimiter = options.GlobalLimiter is { } earlier ? PartitionedRateLimiter.CreateChained(earlier, kiosks) : kiosks;
        Func<OnRejectedContext, CancellationToken, ValueTask>? earlierRejected = options.OnRejected;
        options.OnRejected = (rejected, cancellationToken) => Limited(rejected.HttpContext) is not null
            ? RejectAsync(rejected)
            : earlierRejected?.Invoke(rejected, cancellationToken) ?? ValueTask.CompletedTask;
    }

    /// <summary>Parses an allowed address: an IP address or a network in CIDR notation.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out IPAddress? address))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>
    /// The token bucket of every rate the host bounds (kiosk tickets, the rating page's posts, rating pads' presses):
    /// <paramref name="burst"/> at once, then one every minute / <paramref name="perMinute"/>; no queue (over the rate is refused at once).
    /// </summary>
    internal static TokenBucketRateLimiterOptions Bucket(int burst, int perMinute) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static void SetCookie(HttpContext context, string token, string path) =>
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = path,
            MaxAge = s_cookieLife,
            IsEssential = true,

            // The box serves plain HTTP on the branch LAN; behind a TLS proxy the cookie is still HttpOnly and Strict.
            Secure = context.Request.IsHttps,
        });

    /// <summary>The kiosk a limited request counts against, or null for a request the gate does not limit.</summary>
    private string? Limited(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<KioskTicketsEndpoint>() is not null ? Identify(context).Kiosk : null;

    private async ValueTask RejectAsync(OnRejectedContext rejected)
    {
        HttpContext context = rejected.HttpContext;
        bool branch = context.Items.ContainsKey(s_branchKey);
        string reason = branch ? "branch_rate_limit" : "kiosk_rate_limit";
        _refused[Array.IndexOf(Reasons, reason)].Inc();
        int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Json(
            new RetryLater(
                false,
                reason,
                seconds,
                "取号太频繁，请稍候再试",
                branch
                    ? $"Too many tickets are being taken right now. Please try again in {seconds} s."
                    : $"Too many tickets from this kiosk. Please try again in {seconds} s."),
            LobbyJsonContext.Http.RetryLater,
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context).ConfigureAwait(false);
    }

    private KioskCaller IdentifyNow(HttpContext context)
    {
        IPAddress? peer = context.Connection.RemoteIpAddress;
        if (peer is { IsIPv4MappedToIPv6: true })
        {
            peer = peer.MapToIPv4();
        }

        string? token = context.Request.Cookies[CookieName];
        string authorization = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(token) && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = authorization["Bearer ".Length..].Trim();
        }

        if (!string.IsNullOrEmpty(token) && CurrentTokens().Find(token) is { } enrolled)
        {
            return new KioskCaller(enrolled, null);
        }

        // An address allowed stands on its own: a stale cookie on an allowed kiosk does not lock it out.
        if (peer is not null)
        {
            if (_options.AllowLoopback && IPAddress.IsLoopback(peer))
            {
                return new KioskCaller(LocalKiosk, null);
            }

            foreach (IPNetwork network in _allowed)
            {
                if (network.Contains(peer))
                {
                    return new KioskCaller("address:" + peer, null);
                }
            }
        }

        return new KioskCaller(null, string.IsNullOrEmpty(token) ? "unknown_kiosk" : "bad_token");
    }

    /// <summary>The token file as it is now: read again when it changed; a file that no longer reads keeps the last good one.</summary>
    private KioskTokens CurrentTokens()
    {
        if (string.IsNullOrEmpty(_options.TokenFile))
        {
            return _tokens;
        }

        DateTime stamp = File.GetLastWriteTimeUtc(_options.TokenFile);
        KioskTokens tokens = Volatile.Read(ref _tokens);
        if (stamp == tokens.Stamp || stamp == _failedStamp)
        {
            return tokens;
        }

        lock (_reload)
        {
            if (_tokens.Stamp == stamp || stamp == _failedStamp)
            {
                return _tokens;
            }

            try
            {
                Volatile.Write(ref _tokens, KioskTokens.Read(_options.TokenFile));
                Log.TokensReloaded(_logger, _options.TokenFile, _tokens.Count);
            }
            catch (InvalidDataException e)
            {
                _failedStamp = stamp;
                Log.TokensNotReloaded(_logger, _options.TokenFile, _tokens.Count, e.Message);
            }

            return _tokens;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Information, "Kiosk token file {Path} read again: {Count} kiosks enrolled by token")]
        public static partial void TokensReloaded(ILogger logger, string path, int count);

        [LoggerMessage(1102, LogLevel.Warning, "Kiosk token file {Path} changed but cannot be used ({Problem}); the {Count} kiosks read before stay enrolled")]
        public static partial void TokensNotReloaded(ILogger logger, string path, int count, string problem);
    }
}

/// <summary>Who called the kiosk endpoint.</summary>
/// <param name="Kiosk">The kiosk's name (<c>local</c>, <c>address:192.168.10.21</c>, or its name in the token file), or null.</param>
/// <param name="Refusal">Why the caller is not a kiosk (<c>unknown_kiosk</c>, <c>bad_token</c>), or null.</param>
public readonly record struct KioskCaller(string? Kiosk, string? Refusal);
