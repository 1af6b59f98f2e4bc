using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using LobbyEdge.Engine;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// The operations endpoints of CONTRACTS.md ("HTTP"): <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c> and
/// <c>/api/state</c>, on Kestrel bound to 127.0.0.1:9180 unless configured. A small web application of its own
/// inside the host: it reads the host's singletons and never touches the engine. The parts that own pages (the
/// lobby's signage and kiosk) map their own endpoints here (<see cref="IHttpEndpoints"/>).
/// </summary>
public sealed partial class HttpServer : IHostedService, IAsyncDisposable
{
    private readonly HttpOptions _options;
    private readonly LobbyMetrics _metrics;
    private readonly BranchState _state;
    private readonly IEngineLoopHealth _loop;
    private readonly RestoredBranch _branch;
    private readonly IHttpEndpoints[] _parts;
    private readonly IHttpRateLimits[] _limits;
    private readonly ILogger<HttpServer> _logger;
    private readonly MemoryStream _export = new();
    private WebApplication? _app;
    private Task<WebApplication>? _prepared;

    /// <summary>Creates the server over the host's services.</summary>
    public HttpServer(
        IOptions<HttpOptions> options,
        LobbyMetrics metrics,
        BranchState state,
        IEngineLoopHealth loop,
        RestoredBranch branch,
        IEnumerable<IHttpEndpoints> parts,
        ILogger<HttpServer> logger,
        IEnumerable<IHttpRateLimits>? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metrics = metrics;
        _state = state;
        _loop = loop;
        _branch = branch;
        _parts = [.. parts];
        _limits = limits is null ? [] : [.. limits];
        _logger = logger;
    }

    /// <summary>The address the server listens on, once started.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>
    /// Start-up (issue 17, start to ready; README.md, "Start-up"): builds the web application and maps every endpoint
    /// on a thread of its own, while the host starts its other parts; <see cref="StartAsync"/> then only binds Kestrel.
    /// The service's start calls it once every part is made; without it, <see cref="StartAsync"/> builds in line. A
    /// failure (an address that is no endpoint) is thrown by <see cref="StartAsync"/>, as before.
    /// </summary>
    internal void PrepareInBackground()
    {
        if (_options.Enabled && _prepared is null)
        {
            _prepared = Task.Run(Prepare);
        }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }

        WebApplication app = await (_prepared ?? Task.FromResult(Prepare())).ConfigureAwait(false);
        _app = app;
        StartupTrace.Mark("http-prepared");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        BaseAddress = new Uri(app.Urls.First());
        Log.Listening(_logger, BaseAddress);
    }

    /// <summary>The web application with every endpoint mapped, not started.</summary>
    private WebApplication Prepare()
    {
        if (!IPAddress.TryParse(_options.Address, out IPAddress? address) || _options.Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Http: address '{_options.Address}' and port {_options.Port} are not a valid endpoint");
        }

        // The empty builder (issue 17, start-up): the slim one also read configuration nothing here uses (appsettings.json
        // of the working directory, every environment variable) and set up logging that was cleared at once, about a
        // fifth of the HTTP start's CPU. Kestrel and routing are what the endpoints need; the address, port and limits
        // come from the service's own configuration (Http:*).
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();

        // The JSON the endpoints read and write is generated at build time (Native AOT has no reflection-based JSON):
        // every type an endpoint binds or answers with through the framework resolves from these contexts: the
        // service's own, then each part's.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServiceJsonContext.Http);
            foreach (IJsonTypeInfoResolver types in _parts.Select(p => p.JsonTypes).OfType<IJsonTypeInfoResolver>().Distinct())
            {
                o.SerializerOptions.TypeInfoResolverChain.Add(types);
            }
        });
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, _options.Port);
        });
        builder.Services.AddRateLimiter(o =>
        {
            foreach (IHttpRateLimits limits in _limits)
            {
                limits.Configure(o);
            }
        });
        AddClosedServices(builder.Services);
        WebApplication app = builder.Build();
        app.Use(AnswerBadRequests);
        app.Use(EndFeedsWhenStopping(app.Lifetime.ApplicationStopping));

        // HEAD becomes GET before routing chooses the endpoint; the limiters come after routing, so they see which
        // endpoint a request is for.
        app.Use(HeadAsGet);
        app.UseRouting();
        app.UseRateLimiter();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", Ready);
        app.MapGet("/metrics", Metrics);
        app.MapGet("/api/state", () => Results.Bytes(_state.Json, "application/json"));
        foreach (IHttpEndpoints part in _parts)
        {
            part.Map(app);
        }

        return app;
    }

    /// <summary>
    /// The web application's options and loggers that the framework registers as open generics, registered closed
    /// (<see cref="ClosedServices"/>): Kestrel's, its socket transport's, routing's, the rate limiter's, the JSON
    /// options of the endpoints and the web host's lifetime.
    /// </summary>
    private static void AddClosedServices(IServiceCollection services)
    {
        ClosedServices.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(services);
        ClosedServices.AddOptions<SocketTransportOptions>(services);
        ClosedServices.AddOptions<RouteOptions>(services);
        ClosedServices.AddOptions<RateLimiterOptions>(services);
        ClosedServices.AddOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>(services);
        ClosedServices.AddOptions<HostOptions>(services);
        ClosedServices.AddLogger<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServer>(services);
        ClosedServices.AddLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>(services);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is null && _prepared is not null)
        {
            // Prepared but never started (the host stopped first): wait for it and close what it made. A preparation
            // that failed made nothing; StartAsync, if it ran, reported the failure.
            await ((Task)_prepared).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (_prepared.IsCompletedSuccessfully)
            {
                _app = _prepared.Result;
            }
        }

        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        await _export.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A request Kestrel finds malformed while an endpoint reads it (a body over the limit, broken chunking) is the
    /// client's mistake: 400 (413 for a body over Kestrel's limit) with a JSON error, not a 500 with an empty body.
    /// A method a path does not take (routing's bare 405) is answered with its <c>Allow</c> header and
    /// <c>{"ok":false,"reason":"method_not_allowed","allow":["POST"],"messageZh","message"}</c>, as the console does.
    /// </summary>
    /// <remarks>
    /// Anything else an endpoint throws is our fault, not the client's: it is logged (the web host's own logging is
    /// off) and answered 500 with a JSON error, never an empty body.
    /// </remarks>
    private async Task AnswerBadRequests(HttpContext context, RequestDelegate next)
    {
        if (!IsImplemented(context.Request.Method))
        {
            // Method names are case-sensitive (RFC 9110, 9.1): "get" is not GET, though routing would take it as GET.
            await NotImplemented(context).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !context.Response.HasStarted)
            {
                string[] allowed = [.. context.Response.Headers.Allow.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                await MethodNotAllowed(context, allowed).ExecuteAsync(context).ConfigureAwait(false);
            }
            else if (context.Response.StatusCode == StatusCodes.Status404NotFound && !context.Response.HasStarted && context.GetEndpoint() is null)
            {
                // No endpoint at all (routing's bare 404): say so in the same shape as every other refusal.
                await NotFound(context).ExecuteAsync(context).ConfigureAwait(false);
            }
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            int status = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? e.StatusCode : StatusCodes.Status400BadRequest;
            await JsonRequest.Error(e.Message, status).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            Log.EndpointFailed(_logger, context.Request.Method, context.Request.Path.Value ?? "", e);
            context.Response.Clear();
            await JsonRequest.Error("internal error", StatusCodes.Status500InternalServerError).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>404 <c>{"ok":false,"reason":"not_found","messageZh","message"}</c> naming the path (as <see cref="ShownPath"/> gives it).</summary>
    internal static IResult NotFound(HttpContext context) => Results.Json(
        new HttpRefusal(false, "not_found", "没有这个页面或接口", $"There is nothing at {ShownPath(context)}."),
        ServiceJsonContext.Http.HttpRefusal,
        statusCode: StatusCodes.Status404NotFound);

    /// <summary>
    /// 501 <c>{"ok":false,"reason":"method_not_implemented","messageZh","message"}</c> for a method this server does
    /// not implement (RFC 9110, 15.6.2), a lower-case <c>get</c> included; the method is not echoed.
    /// </summary>
    private static IResult NotImplemented(HttpContext context) => Results.Json(
        new HttpRefusal(false, "method_not_implemented", "不支持此请求方法", $"This server does not implement that method (at {ShownPath(context)}); methods are spelt in capitals, as GET, HEAD and POST."),
        ServiceJsonContext.Http.HttpRefusal,
        statusCode: StatusCodes.Status501NotImplemented);

    /// <summary>
    /// Whether <paramref name="method"/> is one of the methods this server answers, spelt exactly (RFC 9110, 9.1: method
    /// names are case-sensitive). Others, <c>get</c> or <c>FOO</c>, get 501 before routing, which would match <c>get</c>
    /// to GET endpoints.
    /// </summary>
    internal static bool IsImplemented(string method) => method is "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "PATCH" or "OPTIONS";

    /// <summary>
    /// The request's path as an answer may show it: without trailing slashes, every character the shared text check
    /// refuses (control, bidi and invisible characters, emoji: <see cref="ShownText.Refuses"/>) and every broken
    /// surrogate as <c>?</c>, at most <see cref="ShownPathLength"/> characters (longer ones end in <c>…</c>), so an
    /// answer never echoes a long or crafted path back whole.
    /// </summary>
    internal static string ShownPath(HttpContext context)
    {
        ReadOnlySpan<char> path = (context.Request.Path.Value ?? "").AsSpan().TrimEnd('/');
        if (path.IsEmpty)
        {
            return "/";
        }

        var shown = new StringBuilder(Math.Min(path.Length, ShownPathLength) + 1);
        int characters = 0;
        for (int i = 0; i < path.Length && characters < ShownPathLength; characters++)
        {
            if (Rune.DecodeFromUtf16(path[i..], out Rune rune, out int consumed) != OperationStatus.Done || ShownText.Refuses(rune))
            {
                shown.Append('?');
            }
            else
            {
                shown.Append(rune.ToString());
            }

            i += Math.Max(1, consumed);
            if (characters == ShownPathLength - 1 && i < path.Length)
            {
                return shown.Append('…').ToString();
            }
        }

        return shown.ToString();
    }

    /// <summary>The most characters of a path an answer shows (<see cref="ShownPath"/>).</summary>
    internal const int ShownPathLength = 80;

    /// <summary>
    /// Whether a path is a long-lived feed (Server-Sent Events): it ends in <c>/events</c>, as routing matches it, in
    /// any case and with or without trailing slashes (<c>/SIGNAGE/EVENTS/</c> reaches the signage feed too).
    /// </summary>
    internal static bool IsFeed(string? path) =>
        path is not null && path.TrimEnd('/').EndsWith("/events", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// HEAD is answered as GET without the body (RFC 9110, section 9.3.2), so a monitor or <c>curl -I</c> checking
    /// <c>/healthz</c> or a page gets its status and headers, not 405. Kestrel never sends a body for a HEAD request
    /// (it keeps the method it parsed), so the GET endpoint's writes are dropped. A feed (<c>…/events</c>) is left to
    /// answer 405: as a GET it would never end.
    /// </summary>
    private static Task HeadAsGet(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsHead(context.Request.Method) && !IsFeed(context.Request.Path.Value))
        {
            context.Request.Method = HttpMethods.Get;
        }

        return next(context);
    }

    /// <summary>
    /// The 405 answer for a path that takes only <paramref name="allowed"/> methods: the <c>Allow</c> header and
    /// <c>{"ok":false,"reason":"method_not_allowed","allow":[…],"messageZh","message"}</c> saying which to use.
    /// </summary>
    internal static IResult MethodNotAllowed(HttpContext context, string[] allowed)
    {
        string path = ShownPath(context);
        if (allowed.Contains(HttpMethods.Get) && !allowed.Contains(HttpMethods.Head) && !IsFeed(context.Request.Path.Value))
        {
            allowed = [.. allowed, HttpMethods.Head];   // answered as GET (HeadAsGet)
        }

        string methods = string.Join(", ", allowed);
        context.Response.Headers.Allow = methods;
        return Results.Json(
            new MethodNotAllowed(false, "method_not_allowed", allowed, $"此接口只接受 {methods} 请求", $"{path} takes {methods} only."),
            ServiceJsonContext.Http.MethodNotAllowed,
            statusCode: StatusCodes.Status405MethodNotAllowed);
    }

    /// <summary>
    /// Every long-lived feed (Server-Sent Events: <c>/signage/events</c>, <c>/lobby/events</c>, <c>/rate/{counter}/events</c>,
    /// every path ending in <c>/events</c>) ends when the server stops: its request's <see cref="HttpContext.RequestAborted"/>
    /// is linked to the application's stopping, so an open page never holds the shutdown for the web host's 30 s.
    /// The pages reconnect to the next start (<c>retry:</c>). Other requests finish as they are (a ticket being issued).
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> EndFeedsWhenStopping(CancellationToken stopping) => async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method) || !IsFeed(context.Request.Path.Value))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        using var feed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.RequestAborted = feed.Token;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The server is stopping: the feed is over.
        }
    };

    private IResult Ready()
    {
        // The log was opened and the engine restored before this server started (RestoredBranch); what is left
        // to check is that the single writer is running.
        string? reason = !_loop.IsRunning ? "the engine loop is not running" : null;
        return reason is null
            ? Results.Text($"ready: event log at {_branch.Log.LastSequence}\n")
            : Results.Text($"not ready: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private async Task Metrics(HttpContext context)
    {
        bool openMetrics = context.Request.Headers.Accept.ToString().Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase);
        ExpositionFormat format = openMetrics ? ExpositionFormat.OpenMetricsText : ExpositionFormat.PrometheusText;
        byte[] copy;
        int length;

        // Serialise a copy under the export lock, into memory: a scrape sees whole batches, and the client is
        // written to only after the lock is released. The engine loop never waits for this lock (MetricsSink only
        // tries it and applies its batch later), so neither a slow export nor a stuck client holds the loop up.
        // The exposition (about 100 KB for the demo branch) is written into one buffer kept for every scrape and
        // copied into a pooled array: a new buffer per scrape would be a large-object allocation each time, and
        // the issue saw 200 scrapes grow the process by 25 MB (issue 17).
        lock (_metrics.ExportLock)
        {
            _export.SetLength(0);
            _metrics.Registry.CollectAndExportAsTextAsync(_export, format, CancellationToken.None).GetAwaiter().GetResult();
            length = (int)_export.Length;
            copy = ArrayPool<byte>.Shared.Rent(length);
            _export.GetBuffer().AsSpan(0, length).CopyTo(copy);
        }

        try
        {
            context.Response.ContentType = openMetrics
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.Body.WriteAsync(copy.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "HTTP endpoints on {Address} (/metrics, /healthz, /readyz, /api/state, /signage, /kiosk, /lobby, /rate/{{counter}})")]
        public static partial void Listening(ILogger logger, Uri address);

        [LoggerMessage(402, LogLevel.Information, "HTTP endpoints disabled (Http:Enabled=false)")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(403, LogLevel.Error, "HTTP {Method} {Path} failed; answered 500")]
        public static partial void EndpointFailed(ILogger logger, string method, string path, Exception exception);
    }
}
