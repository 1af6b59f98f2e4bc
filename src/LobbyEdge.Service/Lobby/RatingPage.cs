using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using LobbyEdge.Engine;
using LobbyEdge.HeadOffice;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Lobby;

/// <summary>Endpoint metadata: the endpoint takes customers' ratings and is limited per device by the <see cref="RatingPage"/>.</summary>
public sealed class RatingPostEndpoint
{
    private RatingPostEndpoint()
    {
    }

    /// <summary>The one marker.</summary>
    public static RatingPostEndpoint Instance { get; } = new();
}

/// <summary>
/// The rating page of a counter with a tablet instead of a rating pad (CONTRACTS.md <c>/rate/{counter}</c>):
/// <list type="bullet">
/// <item><c>GET /rate/{counter}</c> the page: idle (branch and counter), the question "how likely are you to recommend
/// us" 0..10 when the counter has finished a ticket, reason chips for a low score, thanks, back to idle.</item>
/// <item><c>GET /rate/{counter}/events</c> Server-Sent Events: <c>station</c> (branch names, counter, prompt seconds) once,
/// then <c>prompt</c> <c>{"ticket":12,"number":"A017","service":"cash","serviceName","serviceNameZh","prompt":1,"seconds":30}</c>
/// on every durable <see cref="EventKind.RatingRequested"/> at the counter, and <c>dismiss</c>
/// <c>{"ticket":12,"reason":"rated"|"timeout"}</c> on its <see cref="EventKind.TicketRated"/> or when its time is up.
/// While connected the counter counts as able to take a rating (<see cref="RatingStations.PageOpened"/>).</item>
/// <item><c>POST /rate/{counter}</c> <c>{"ticket":12,"score":3,"reasons":["waiting","cost"]}</c> (reasons optional:
/// <c>waiting</c>, <c>confusing</c>, <c>annoying</c>, <c>cost</c>) becomes
/// <c>Command.RateTicket(counter, ticket, score, Nps11, reasons)</c>. Answers: 200
/// <c>{"ok":true,"ticket":"A017","score":3,"reasons":[…],"linked":true}</c>; 400 a malformed body (the field named);
/// 404 <c>unknown_counter</c>; 409 <c>not_prompted</c> (the ticket is not the one the counter's page was asked about,
/// or its time is long up) or the engine's refusal by name (<c>AlreadyRated</c>, …); 403 not a known device; 429 over
/// the device's rate; 503 the engine has stopped.</item>
/// <item><c>GET /rate/{counter}/enrol?token=…</c> enrols the tablet with a kiosk token (cookie for <c>/rate</c>), then the page.</item>
/// </list>
/// Customer-facing, so it is behind the kiosk's gate (<see cref="KioskGate"/>: loopback, <c>Kiosk:AllowedAddresses</c>
/// or an enrolled token; others get 403) and shows no staff data.
/// </summary>
public sealed partial class RatingPage : IHttpEndpoints, IEngineEventSink, IHttpRateLimits
{
    /// <summary>The reason chips' wire names, in <see cref="RatingReasons"/> bit order.</summary>
    public static readonly string[] ReasonNames = ["waiting", "confusing", "annoying", "cost"];

    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);

    /// <summary>Allowed beyond the page's own timers for a rating on its way (a slow tablet, a busy box).</summary>
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(5);

    private readonly BranchConfig _config;
    private readonly ILobbyCommands _commands;
    private readonly KioskGate _gate;
    private readonly RatingStations _stations;
    private readonly KioskOptions _limits;
    private readonly ILogger<RatingPage> _logger;
    private readonly TimeSpan _seconds;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, RatingPrompt> _prompts = [];
    private readonly Dictionary<int, Channel<FeedItem>[]> _subscribers = [];
    private readonly List<(int Counter, FeedItem Item)> _batch = [];

    /// <summary>Creates the page's endpoints over the command channel, the kiosk's gate and the rating stations.</summary>
    /// <param name="config">The branch (its counters, services and names).</param>
    /// <param name="commands">Where ratings go.</param>
    /// <param name="gate">Who may open the page and post ratings (the kiosk's gate).</param>
    /// <param name="stations">Where an open page registers its counter.</param>
    /// <param name="limits">The <c>Kiosk</c> section: a device's rate of ratings (<see cref="KioskOptions.RatingsPerMinute"/>, <see cref="KioskOptions.RatingBurst"/>).</param>
    /// <param name="promptSeconds">How long the question stays up (<see cref="RatingOptions.PromptSeconds"/>, as on a rating pad).</param>
    /// <param name="logger">Logs ratings posted (counter, ticket, outcome; no device token).</param>
    public RatingPage(BranchConfig config, ILobbyCommands commands, KioskGate gate, RatingStations stations, KioskOptions limits, int promptSeconds, ILogger<RatingPage> logger)
    {
        _limits = limits ?? throw new ArgumentNullException(nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(promptSeconds, 1);
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _commands = commands ?? throw new ArgumentNullException(nameof(commands));
        _gate = gate ?? throw new ArgumentNullException(nameof(gate));
        _stations = stations ?? throw new ArgumentNullException(nameof(stations));
        _logger = logger;
        _seconds = TimeSpan.FromSeconds(promptSeconds);
    }

    /// <summary>How long the question stays up after a prompt (and again on the reason chips after a low score).</summary>
    public TimeSpan PromptTime => _seconds;

    /// <summary>Bilingual text for what a customer sees after a refused rating (the page thanks them either way).</summary>
    public static (string Zh, string En) Explain(RefusalReason reason) => reason switch
    {
        RefusalReason.AlreadyRated => ("已收到您的评价，谢谢", "Your rating was already received. Thank you."),
        RefusalReason.DayNotOpen => ("营业厅尚未开始营业", "The branch is not open."),
        _ => ("评价未能记录，谢谢您的参与", "The rating could not be recorded. Thank you all the same."),
    };

    /// <inheritdoc />
    public IJsonTypeInfoResolver JsonTypes => LobbyJsonContext.Default;

    /// <inheritdoc />
    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/rate/{counter}", (Func<HttpContext, string, IResult>)ServePage);
        endpoints.MapGet("/rate/{counter}/events", (Func<HttpContext, string, IResult>)ServeFeed);
        endpoints.MapGet("/rate/{counter}/enrol", (Func<HttpContext, string, IResult>)Enrol);
        endpoints.MapPost("/rate/{counter}", (HttpContext context, string counter) => RateAsync(context, counter)).WithMetadata(RatingPostEndpoint.Instance);
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind == EventKind.RatingRequested)
            {
                ServiceConfig numbered = _config.Services[e.NumberService];
                ServiceConfig served = _config.Services[e.Service];
                _batch.Add((e.Counter, new FeedItem(new RatingPrompt(e.Ticket, numbered.FormatNumber(e.Number), served.Id, served.Name, served.NameZh, e.AsRatingRequested().PromptNumber), null)));
            }
            else if (e.Kind == EventKind.TicketRated && e.Ticket >= 0)
            {
                _batch.Add((e.Counter, new FeedItem(null, new Dismissal(e.Ticket, "rated"))));
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        // The log has committed the batch (it is the first sink): a page asks only about durable prompts.
        if (_batch.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach ((int counter, FeedItem item) in _batch)
            {
                if (item.Prompt is { } prompt)
                {
                    prompt.AskedAt = Environment.TickCount64;
                    _prompts[counter] = prompt;
                }
                else if (_prompts.GetValueOrDefault(counter) is { } current && current.Ticket == item.Dismissal!.Ticket)
                {
                    current.Rated = true;
                }

                foreach (Channel<FeedItem> subscriber in _subscribers.GetValueOrDefault(counter) ?? [])
                {
                    subscriber.Writer.TryWrite(item);
                }
            }
        }

        _batch.Clear();
    }

    /// <inheritdoc />
    public void Configure(RateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PartitionedRateLimiter<HttpContext> perDevice = PartitionedRateLimiter.Create<HttpContext, string>(context => Limited(context) is { } device
            ? RateLimitPartition.GetTokenBucketLimiter(device, _ => KioskGate.Bucket(_limits.RatingBurst, _limits.RatingsPerMinute))
            : RateLimitPartition.GetNoLimiter(""));
        options.GlobalLimiter = options.GlobalLimiter is { } earlier ? PartitionedRateLimiter.CreateChained(earlier, perDevice) : perDevice;
        Func<OnRejectedContext, CancellationToken, ValueTask>? earlierRejected = options.OnRejected;
        options.OnRejected = (rejected, cancellationToken) => Limited(rejected.HttpContext) is not null
            ? RejectAsync(rejected)
            : earlierRejected?.Invoke(rejected, cancellationToken) ?? ValueTask.CompletedTask;
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected)
    {
        int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Json(
            new RetryLater(false, "rating_rate_limit", seconds, "评价太频繁，请稍候再试", $"Too many ratings from this device. Please try again in {seconds} s."),
            LobbyJsonContext.Http.RetryLater,
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext).ConfigureAwait(false);
    }

    /// <summary>The device a limited request counts against: a known device posting a rating, else null.</summary>
    private string? Limited(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RatingPostEndpoint>() is not null ? _gate.Identify(context).Kiosk : null;

    /// <summary>The counter the path names, when the branch has it.</summary>
    private int? Counter(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && _config.Counters.Any(c => c.Number == n) ? n : null;

    private static IResult UnknownCounter(string text) => Results.Json(
        new Refused(false, "unknown_counter", $"本网点没有 {text} 号窗口", $"This branch has no counter '{text}'."),
        LobbyJsonContext.Http.Refused,
        statusCode: StatusCodes.Status404NotFound);

    private IResult ServePage(HttpContext context, string counter)
    {
        if (_gate.Refuse(context) is not null)
        {
            // Counted by the gate as refused; a person looks at this answer, so it is a page, not JSON.
            return Notice(context, StatusCodes.Status403Forbidden, "本设备未登记为评价终端，请联系大堂经理", "This tablet is not enrolled. Please ask the lobby manager.");
        }

        if (Counter(counter) is null)
        {
            return Notice(context, StatusCodes.Status404NotFound, "本网点没有这个窗口", "There is no such counter at this branch.");
        }

        _gate.Renew(context, "/rate");
        return LobbyConsole.Page(context, "rate.html");
    }

    /// <summary>A short bilingual page for a person who cannot use the rating page (not enrolled, no such counter).</summary>
    private static IResult Notice(HttpContext context, int status, string zh, string en)
    {
        LobbyConsole.PageHeaders(context);
        string html = $"""
            <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>评价 / Rating</title><style>body{"{"}font-family:sans-serif;background:#f3f6fb;color:#102640;display:flex;flex-direction:column;align-items:center;justify-content:center;height:100vh;margin:0{"}"}p{"{"}font-size:32px;margin:8px{"}"}.en{"{"}font-size:24px;opacity:.75{"}"}</style></head>
            <body><p>{System.Net.WebUtility.HtmlEncode(zh)}</p><p class="en">{System.Net.WebUtility.HtmlEncode(en)}</p></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private IResult Enrol(HttpContext context, string counter) =>
        Counter(counter) is { } n ? _gate.Enrol(context, "/rate", $"/rate/{n.ToString(CultureInfo.InvariantCulture)}") : UnknownCounter(counter);

    private IResult ServeFeed(HttpContext context, string counter)
    {
        if (_gate.Refuse(context) is { } refused)
        {
            return refused;
        }

        return Counter(counter) is { } n ? Results.ServerSentEvents(Feed(n, context.RequestAborted)) : UnknownCounter(counter);
    }

    private async IAsyncEnumerable<SseItem<string>> Feed(int counter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        RatingPrompt? shown;
        lock (_lock)
        {
            _subscribers[counter] = [.. _subscribers.GetValueOrDefault(counter) ?? [], queue];
            shown = _prompts.GetValueOrDefault(counter) is { Rated: false } p && p.Left(_seconds) > TimeSpan.Zero ? p : null;
        }

        using IDisposable station = _stations.PageOpened(counter);
        try
        {
            yield return new SseItem<string>(
                JsonSerializer.Serialize(new RatingStation(counter, _config.Name, _config.NameZh, (int)_seconds.TotalSeconds), LobbyJsonContext.Default.RatingStation),
                "station")
            { ReconnectionInterval = TimeSpan.FromSeconds(2) };
            if (shown is not null)
            {
                yield return Prompt(shown);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                TimeSpan wait = shown is null ? s_keepAlive : TimeSpan.FromTicks(Math.Min(s_keepAlive.Ticks, Math.Max(0, shown.Left(_seconds).Ticks)));
                FeedItem? item = null;
                using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timer.CancelAfter(wait);
                    try
                    {
                        item = await queue.Reader.ReadAsync(timer.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Time is up for the question, or for a keep-alive.
                    }
                    catch (OperationCanceledException)
                    {
                        yield break;
                    }
                }

                if (item?.Prompt is { } prompt)
                {
                    shown = prompt;
                    yield return Prompt(prompt);
                }
                else if (item?.Dismissal is { } dismissal)
                {
                    shown = shown?.Ticket == dismissal.Ticket ? null : shown;
                    yield return Dismiss(dismissal);
                }
                else if (shown is not null && shown.Left(_seconds) <= TimeSpan.Zero)
                {
                    yield return Dismiss(new Dismissal(shown.Ticket, "timeout"));
                    shown = null;
                }
                else
                {
                    // Written now and then so a tablet that dropped off the network is noticed and its page let go.
                    yield return new SseItem<string>("{}", "ping");
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                Channel<FeedItem>[] left = [.. (_subscribers.GetValueOrDefault(counter) ?? []).Where(s => s != queue)];
                if (left.Length == 0)
                {
                    _subscribers.Remove(counter);
                }
                else
                {
                    _subscribers[counter] = left;
                }
            }
        }
    }

    private static SseItem<string> Dismiss(Dismissal dismissal) => new(JsonSerializer.Serialize(dismissal, LobbyJsonContext.Default.Dismissal), "dismiss");

    private SseItem<string> Prompt(RatingPrompt prompt) => new(
        JsonSerializer.Serialize(
            new RatingQuestion(
                prompt.Ticket,
                prompt.Number,
                prompt.Service,
                prompt.ServiceName,
                prompt.ServiceNameZh,
                prompt.PromptNumber,
                Math.Max(1, (int)Math.Ceiling(prompt.Left(_seconds).TotalSeconds))),
            LobbyJsonContext.Default.RatingQuestion),
        "prompt");

    private async Task<IResult> RateAsync(HttpContext context, string counterText)
    {
        if (_gate.Refuse(context) is { } refused)
        {
            return refused;
        }

        if (Counter(counterText) is not { } counter)
        {
            return UnknownCounter(counterText);
        }

        (JsonDocument? body, IResult? malformed) = await JsonRequest.ReadObjectAsync(context, "ticket", "score", "reasons").ConfigureAwait(false);
        int ticket, score;
        RatingReasons reasons;
        using (body)
        {
            if (malformed is not null || (malformed = ReadRating(body!.RootElement, out ticket, out score, out reasons)) is not null)
            {
                return malformed;
            }
        }

        // Only the ticket the counter's page was asked about, while it may still be answered (the question's time, and
        // as long again on the reason chips): a script cannot rate the day's tickets, only a question on screen. Once
        // rated, the engine says so (AlreadyRated), however late.
        RatingPrompt? prompt;
        lock (_lock)
        {
            prompt = _prompts.GetValueOrDefault(counter) is { } p && p.Ticket == ticket && (p.Rated || p.Left(_seconds * 2 + s_grace) > TimeSpan.Zero) ? p : null;
        }

        if (prompt is null)
        {
            Log.Rated(_logger, counter, ticket, score, "not_prompted");
            return Results.Json(
                new RefusedWithError(
                    false,
                    "not_prompted",
                    "评价已超时，谢谢您的参与",
                    "This question is no longer open. Thank you all the same.",
                    $"ticket {ticket} is not the one counter {counter}'s rating page is asking about (or its time is up)"),
                LobbyJsonContext.Http.RefusedWithError,
                statusCode: StatusCodes.Status409Conflict);
        }

        CommandResult r;
        try
        {
            r = (await _commands.SendAsync(Command.RateTicket(counter, ticket, score, RatingScale.Nps11, reasons), context.RequestAborted).ConfigureAwait(false)).Result;
        }
        catch (ChannelClosedException)
        {
            return Results.Json(new Refused(false, "stopped", "系统暂停服务", "The branch system has stopped."), LobbyJsonContext.Http.Refused, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        Log.Rated(_logger, counter, ticket, score, r.Accepted ? "accepted" : r.Refusal.ToString());
        if (!r.Accepted)
        {
            (string zh, string en) = Explain(r.Refusal);
            return Results.Json(new TicketRefused(false, RefusalNames.Of(r.Refusal), prompt.Number, zh, en), LobbyJsonContext.Http.TicketRefused, statusCode: StatusCodes.Status409Conflict);
        }

        return Results.Json(
            new RatingTaken(
                true,
                prompt.Number,
                counter,
                score,
                [.. ReasonNames.Where((_, i) => ((int)reasons & (1 << i)) != 0)],
                r.Ticket >= 0,
                "感谢您的评价",
                "Thank you for your feedback."),
            LobbyJsonContext.Http.RatingTaken);
    }

    /// <summary>The body's ticket, score and reasons, or the 400 answer naming the field.</summary>
    private static IResult? ReadRating(JsonElement body, out int ticket, out int score, out RatingReasons reasons)
    {
        ticket = -1;
        score = -1;
        reasons = RatingReasons.None;
        if (!body.TryGetProperty("ticket", out JsonElement t) || t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out ticket) || ticket < 0)
        {
            return JsonRequest.BadRequest("field 'ticket' must be the ticket id the page was prompted with, a whole number 0 or more");
        }

        if (!body.TryGetProperty("score", out JsonElement s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out score) || score is < 0 or > 10)
        {
            return JsonRequest.BadRequest("field 'score' must be a whole number from 0 to 10");
        }

        if (!body.TryGetProperty("reasons", out JsonElement list) || list.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            return JsonRequest.BadRequest($"field 'reasons' must be an array of {string.Join(", ", ReasonNames)}");
        }

        foreach (JsonElement item in list.EnumerateArray())
        {
            int bit = item.ValueKind == JsonValueKind.String ? Array.IndexOf(ReasonNames, item.GetString()) : -1;
            if (bit < 0)
            {
                return JsonRequest.BadRequest($"field 'reasons': unknown reason {item.GetRawText()}; the reasons are {string.Join(", ", ReasonNames)}");
            }

            reasons |= (RatingReasons)(1 << bit);
        }

        return null;
    }

    /// <summary>A question put to a counter's page.</summary>
    private sealed record RatingPrompt(int Ticket, string Number, string Service, string ServiceName, string ServiceNameZh, int PromptNumber)
    {
        /// <summary>When the prompt became durable (<see cref="Environment.TickCount64"/>, ms).</summary>
        public long AskedAt { get; set; }

        /// <summary>Whether the ticket has been rated since.</summary>
        public bool Rated { get; set; }

        /// <summary>How long is left of <paramref name="time"/> since it was asked.</summary>
        public TimeSpan Left(TimeSpan time) => time - TimeSpan.FromMilliseconds(Environment.TickCount64 - AskedAt);
    }

    /// <summary>The question for a ticket is over: the <c>dismiss</c> event, <c>{"ticket":12,"reason":"rated"|"timeout"}</c>.</summary>
    internal sealed record Dismissal(int Ticket, string Reason);

    /// <summary>What a counter's feeds are told: a prompt or a dismissal.</summary>
    private sealed record FeedItem(RatingPrompt? Prompt, Dismissal? Dismissal);

    private static partial class Log
    {
        [LoggerMessage(1150, LogLevel.Information, "Rating page: counter {Counter} ticket {Ticket} score {Score}: {Outcome}")]
        public static partial void Rated(ILogger logger, int counter, int ticket, int score, string outcome);
    }
}
