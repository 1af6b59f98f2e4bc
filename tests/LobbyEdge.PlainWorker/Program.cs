using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

// A plain .NET worker: the generic host (as a slim web application, so Kestrel is in it as in the service) with
// systemd integration, JSON console logs, one background worker that counts, and prometheus-net's exposition on
// GET /metrics. `plain-worker [--port <n>]` (default: no HTTP). Writes "ready" to stdout once the host has started.
int port = 0;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--port")
    {
        port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
builder.Services.AddSystemd();
builder.Logging.ClearProviders();
builder.Logging.AddJsonConsole();
builder.WebHost.UseKestrel(k =>
{
    k.AddServerHeader = false;
    if (port > 0)
    {
        k.Listen(IPAddress.Loopback, port);
    }
});
CollectorRegistry registry = Metrics.NewCustomRegistry();
builder.Services.AddSingleton(registry);
builder.Services.AddHostedService<Ticker>();
WebApplication app = builder.Build();
app.MapGet("/metrics", async (HttpContext context) =>
{
    context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
    await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
});
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("ready"));
await app.RunAsync();

/// <summary>Counts once a second, as a worker does something.</summary>
internal sealed class Ticker(CollectorRegistry registry, ILogger<Ticker> logger) : BackgroundService
{
    private readonly Counter _ticks = Metrics.WithCustomRegistry(registry).CreateCounter("plain_worker_ticks_total", "Ticks of the worker.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("plain worker started");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            _ticks.Inc();
        }
    }
}
