using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The real process on storage that fails: a data directory on a 200 KB tmpfs that kiosk tickets fill up, and a
/// log of several days whose head-office cursor lags behind the retention.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageFaultTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_kioskServices = ["cash", "noncash", "corp"];
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-storage-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task DiskFull_KioskIsRefusedWithJson_ServiceExits1_EveryAcknowledgedTicketIsInTheLog_AndARestartExits1Too()
    {
        using var disk = new Tmpfs(200);
        BranchConfig config = BranchProfileLoader.Load(ServiceProcess.DemoProfile).Branch;
        var acknowledged = new List<string>();
        int refusedInAll = 0;
        for (int run = 1; run <= 2; run++)
        {
            // The second run starts on the still-full disk.
            int port = ServiceProcess.FreePort();
            await using ServiceProcess service = ServiceProcess.Start(
                _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--seed", "3", "--data", disk.Path,
                $"--Http:Port={port}", "--EventLog:SnapshotEveryEvents=400",
                // The kiosk stands in for a busy dispenser until the disk fills; its rate limit is not under test here.
                "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000");
            await service.WaitUntilReadyAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitForHttpAsync(http, service);
            (List<string> tickets, int refusals) = await IssueUntilStoppedAsync(http, service);
            acknowledged.AddRange(tickets);

            int exit = await service.ExitCodeAsync(TimeSpan.FromMinutes(1));
            string stderr = await service.StderrAsync();
            List<JsonElement> lines = service.Lines;
            output.WriteLine($"run {run}: {tickets.Count} tickets acknowledged, {refusals} refusals, exit {exit}, {disk.FreeBytes} bytes free; stderr: {stderr}");
            Assert.Equal(1, exit);
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
            Assert.Contains(lines, l => l.GetProperty("LogLevel").GetString() == "Critical"
                && ServiceProcess.Message(l).StartsWith("branch storage full: ", StringComparison.Ordinal)
                && ServiceProcess.Message(l).Contains("exit code 1", StringComparison.Ordinal));
            Assert.Contains(lines, l => ServiceProcess.Message(l) == "Exiting with code 1");

            // Said once, by the service: not the generic host's "A BackgroundService has thrown an unhandled exception
            // … configure this to Ignore" with a stack trace, which reads as a crash.
            Assert.DoesNotContain(lines, l => ServiceProcess.Message(l).Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(lines, l => l.GetProperty("Category").GetString() is "LobbyEdge.Service.EngineLoop" or "LobbyEdge.Service.LobbyEdgeHost"
                && l.TryGetProperty("Exception", out JsonElement e) && e.GetString() is { Length: > 0 });
            // A part that failed after the engine stopped (the simulation, when it meets the stopped engine) says why.
            Assert.DoesNotContain(lines, l => ServiceProcess.Message(l).EndsWith(" failed; the service stops with exit code 1", StringComparison.Ordinal));
            refusedInAll += refusals;
            if (run == 1)
            {
                Assert.True(tickets.Count > 100, $"only {tickets.Count} tickets before the disk was full");
            }
        }

        // A request meets the stopping service (a 503 JSON refusal) in a window of milliseconds in the first run, which
        // a run can miss now that the stop is quicker; the restart on the full disk refuses for longer. Over both, one must.
        Assert.True(refusedInAll > 0, "no kiosk request was refused with the storage_full JSON while the service stopped, in either run");

        // Read what the branch left, on a copy (opening may repair a torn tail): every acknowledged ticket, gap-free.
        string copy = disk.CopyTo(Path.Combine(_work.FullName, "copy"));
        Assert.Empty(Directory.GetFiles(copy, "*.tmp", SearchOption.AllDirectories));
        using BranchLog log = BranchLog.Open(copy);
        var events = new List<LobbyEvent>();
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                events.Add(e);
            }
        }

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        HashSet<string> issued = [.. events.Where(e => e.Kind == EventKind.TicketIssued).Select(e => config.Services[e.NumberService].FormatNumber(e.Number))];
        Assert.All(acknowledged, ticket => Assert.Contains(ticket, issued));
    }

    [Fact]
    public async Task Retention_OfOneDay_KeepsEverySegmentTheHeadOfficeCursorHasNotPassed_AndShowsItInTheMetrics()
    {
        BranchConfig config = BranchProfileLoader.Load(ServiceProcess.DemoProfile).Branch;
        string data = Path.Combine(_work.FullName, "data");

        // Five business days, from three weeks ago (the demo branch's calendar closes Sundays and holidays: only the
        // dates it opens); head office received day 1 and a little of day 2, then the link was cut.
        var firsts = new List<long>();
        using (BranchLog log = BranchLog.Open(data))
        {
            var engine = new QueueEngine(config);
            DateOnly day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-21);
            for (int d = 0; d < 5; d++, day = day.AddDays(1))
            {
                while (!LobbyTraffic.IsOpenDate(config, day))
                {
                    day = day.AddDays(1);
                }

                firsts.Add(log.LastSequence + 1);
                var traffic = new LobbyTraffic(config, new TrafficProfile { TicketsPerDay = 60 }, day, seed: 40 + d);
                SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events =>
                {
                    log.Append(events);
                    log.Commit();
                });
            }

            log.Cursor("head-office").Save(firsts[1] + 5);
        }

        string[] segments = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, segments.Length);
        foreach (string segment in segments)
        {
            File.SetLastWriteTimeUtc(segment, DateTime.UtcNow.AddDays(-10));
        }

        int port = ServiceProcess.FreePort();
        await using (ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "120", "--data", data, $"--Http:Port={port}", "--EventLog:RetentionDays=1"))
        {
            await service.WaitUntilReadyAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForHttpAsync(http, service);

            // Today's day opens a new segment, so all five old ones are closed and retention runs: day 1 may go, days 2
            // to 5 must stay.
            string today = "";
            for (int i = 0; i < 300 && today.Length == 0; i++)
            {
                await Task.Delay(100);
                today = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Except(segments).FirstOrDefault() ?? "";
            }

            Assert.NotEqual("", today);
            await Task.Delay(1000);
            Assert.All(segments[1..], s => Assert.True(File.Exists(s), $"{s} was deleted before head office had it"));

            double held = 0;
            string metrics = "";
            for (int i = 0; i < 300 && held != 4; i++)
            {
                await Task.Delay(100);
                metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                held = Sample(metrics, "lobby_eventlog_retention_blocked");
            }

            Assert.Equal(4, held);
            Assert.Equal(segments[1..].Sum(s => new FileInfo(s).Length), Sample(metrics, "lobby_eventlog_retention_blocked_bytes"));
            Assert.True(Sample(metrics, "lobby_eventlog_storage_free_bytes") > 0);
            await service.WaitForLineAsync(m => m.StartsWith("Event log retention held back: 4 segment(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        }

        Assert.False(File.Exists(segments[0]));
        Assert.All(segments[1..], s => Assert.True(File.Exists(s), $"{s} was deleted before head office had it"));
        using BranchLog reopened = BranchLog.Open(data);
        using LogReader fromCursor = reopened.ReadFrom(firsts[1] + 6);
        Assert.True(fromCursor.TryRead(out LobbyEvent next));
        Assert.Equal((firsts[1] + 6, 0L), (next.Sequence, fromCursor.Skipped));
    }

    [Fact]
    public async Task HeadOfficeLink_ThatNeverReachedItsBroker_HoldsRetentionFromItsFirstRun()
    {
        // Nothing listens on port 1: the link never connects, so it never acknowledges an event.
        string data = Path.Combine(_work.FullName, "data");
        string cursor = Path.Combine(data, "cursors", "head-office.cursor");
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--data", data, "--Http:Enabled=false", "--HeadOffice:Brokers:0=127.0.0.1:1");
        await service.WaitUntilReadyAsync();
        for (int i = 0; i < 300 && !File.Exists(cursor); i++)
        {
            await Task.Delay(100);
        }

        await service.KillAsync();
        using BranchLog log = BranchLog.Open(data);
        Assert.True(File.Exists(cursor), "the head-office link ran without a cursor file, so retention would not wait for it");
        Assert.Equal(0, log.Cursor("head-office").Position);
    }

    [Fact]
    public async Task RunAsync_WhenClosingTheServiceFails_ExitsFatalAndThrowsNothing()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ThrowsOnClose>();
        builder.Services.AddHostedService<StopsAtOnce>();
        IHost host = builder.Build();
        _ = host.Services.GetRequiredService<ThrowsOnClose>();

        Assert.Equal(ExitCodes.Fatal, await LobbyEdgeHost.RunAsync(host).WaitAsync(TimeSpan.FromMinutes(1)));
    }

    /// <summary>
    /// Posts kiosk tickets until the service stops answering, from four kiosks at once: the write that finds the disk
    /// full may be the simulation's or a snapshot's, and with one kiosk no request was in flight when the service
    /// stopped (CI saw 0 refusals once; with several kiosks some request is waiting on the engine then). Returns the
    /// tickets acknowledged (200) and how many refusals for a stopped engine came (503 with a JSON body naming the full
    /// storage); anything else fails.
    /// </summary>
    private static async Task<(List<string> Tickets, int Refusals)> IssueUntilStoppedAsync(HttpClient http, ServiceProcess service)
    {
        (List<string> Tickets, int Refusals)[] kiosks = await Task.WhenAll(Enumerable.Range(0, 4).Select(k => OneKioskUntilStoppedAsync(http, service, k)));
        return ([.. kiosks.SelectMany(k => k.Tickets)], kiosks.Sum(k => k.Refusals));
    }

    /// <summary>One kiosk of <see cref="IssueUntilStoppedAsync"/>, starting with service <paramref name="first"/>.</summary>
    private static async Task<(List<string> Tickets, int Refusals)> OneKioskUntilStoppedAsync(HttpClient http, ServiceProcess service, int first)
    {
        var tickets = new List<string>();
        int refusals = 0;
        for (int i = first; !service.HasExited && i < 100_000 + first; i++)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = s_kioskServices[i % s_kioskServices.Length] });
            }
            catch (HttpRequestException)
            {
                // The service has closed its port on the way out.
                break;
            }

            using (response)
            {
                string body = await response.Content.ReadAsStringAsync();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        tickets.Add(JsonDocument.Parse(body).RootElement.GetProperty("ticket").GetString()!);
                        break;
                    case HttpStatusCode.Conflict:
                        // Before the simulated day opens, or a service's cap: a refusal by the engine, and that is fine.
                        await Task.Delay(20);
                        break;
                    case HttpStatusCode.TooManyRequests:
                        // The kiosk's rate limit (raised above, but this loop is faster than any kiosk): wait as a kiosk would.
                        await Task.Delay(50);
                        break;
                    case HttpStatusCode.ServiceUnavailable:
                        using (JsonDocument json = JsonDocument.Parse(body))
                        {
                            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
                            Assert.Equal("storage_full", json.RootElement.GetProperty("reason").GetString());
                            Assert.StartsWith("branch storage full: ", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
                            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("message").GetString()));
                        }

                        refusals++;
                        break;
                    default:
                        Assert.Fail($"kiosk answered {(int)response.StatusCode} with '{body}'");
                        break;
                }
            }
        }

        return (tickets, refusals);
    }

    /// <summary>
    /// Waits until the service answers HTTP, or has already stopped: on a still-full disk it may stop (at its first
    /// commit) a moment after it reported ready, before a request reaches it; the caller then checks how it exited.
    /// </summary>
    private static async Task WaitForHttpAsync(HttpClient http, ServiceProcess service)
    {
        for (int i = 0; i < 300 && !service.HasExited; i++)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(service.HasExited, "the service never answered HTTP");
    }

    private sealed class ThrowsOnClose : IDisposable
    {
        public void Dispose() => throw new IOException("No space left on device", 28);
    }

    private sealed class StopsAtOnce(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            lifetime.StopApplication();
        }
    }

    private static double Sample(string metrics, string name)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"{name} is not exported");
        return 0;
    }
}
