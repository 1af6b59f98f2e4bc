using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 12: a slow or stuck scrape never stalls the single writer. The engine loop never waits for
/// the metrics' export lock; a scrape still sees whole batches only.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MetricsStallTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-stall-");

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>
    /// The whole host in this process, so a scrape can be held inside its export (a before-collect callback that
    /// waits, as a scraper thread descheduled on a busy two-core box would): while it is held, kiosk tickets are
    /// still issued and committed. Before the fix the loop waited for the scrape's lock at the batch's first event.
    /// </summary>
    [Fact]
    public async Task ScrapeHeldInsideItsExport_TheLoopKeepsCommitting_AndTheScrapeSeesWholeBatches()
    {
        int port = ServiceProcess.FreePort();
        string data = Path.Combine(_work.FullName, "data");
        Assert.True(LaunchOptions.TryParse(
            ["--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--data", data, $"--Http:Port={port}"], out LaunchOptions? options, out string? error), error);
        IHost host = LobbyEdgeHost.Build(options, BranchProfileLoader.Load(ServiceProcess.DemoProfile));
        LobbyMetrics metrics = host.Services.GetRequiredService<LobbyMetrics>();
        using var held = new ManualResetEventSlim();
        using var inside = new ManualResetEventSlim();
        bool holding = false;
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            if (Volatile.Read(ref holding))
            {
                inside.Set();
                held.Wait(s_patience);
            }
        });

        await host.StartAsync();
        string scraped;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = s_patience * 2 };
            await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

            // Wait until the simulated day is open, so the kiosk issues tickets.
            await OperationsTests.WaitForAsync(async () =>
            {
                using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
                return state.RootElement.GetProperty("dayOpen").GetBoolean();
            });

            Volatile.Write(ref holding, true);
            Task<string> stuck = http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.True(inside.Wait(s_patience), "the scrape did not start its export");

            // The scrape is inside its export now. Every ticket must still be committed and answered.
            await IssueTicketsAsync(http, "while the scrape was held");
            Assert.False(stuck.IsCompleted);

            Volatile.Write(ref holding, false);
            held.Set();
            await stuck.WaitAsync(s_patience);

            // Later scrapes catch up with what was kept meanwhile.
            long target = await SequenceAsync(http);
            scraped = "";
            await OperationsTests.WaitForAsync(async () =>
            {
                scraped = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return OperationsTests.Parse(scraped)["lobby_eventlog_last_sequence"] >= target;
            });
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }

        // A scrape sees whole batches: its issued counts are exactly the log's up to the sequence it shows. The
        // process's counters start at zero at start, so count from the events this run committed.
        Dictionary<string, double> samples = OperationsTests.Parse(scraped);
        long sequence = (long)samples["lobby_eventlog_last_sequence"];
        BranchConfig config = BranchProfileLoader.Load(ServiceProcess.DemoProfile).Branch;
        var issued = new int[config.Services.Count];
        using (BranchLog log = BranchLog.Open(data))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.NextSequence <= sequence && reader.TryRead(out LobbyEvent e))
            {
                if (e.Kind == EventKind.TicketIssued)
                {
                    issued[e.Service]++;
                }
            }
        }

        for (int s = 0; s < config.Services.Count; s++)
        {
            string id = config.Services[s].Id;
            double counted = LobbyMetrics.Tiers.Sum(t => samples[$"lobby_tickets_issued_total{{service=\"{id}\",tier=\"{t}\"}}"]);
            Assert.Equal(issued[s], counted);
        }
    }

    /// <summary>
    /// The real process: scrapers that open /metrics and never read (with a tiny receive window, so the server's
    /// writes back up), and one that reads a byte a second, while the kiosk keeps issuing tickets.
    /// </summary>
    [Fact]
    public async Task StalledAndSlowScrapers_DoNotHoldUpTheLoop()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--data", Path.Combine(_work.FullName, "real"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () =>
        {
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            return state.RootElement.GetProperty("dayOpen").GetBoolean();
        });

        var stalled = new List<Socket>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
                await socket.ConnectAsync(IPAddress.Loopback, port);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
                stalled.Add(socket);
            }

            using var slow = new TcpClient { ReceiveBufferSize = 1024 };
            await slow.ConnectAsync(IPAddress.Loopback, port);
            NetworkStream slowStream = slow.GetStream();
            await slowStream.WriteAsync(Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
            using var stop = new CancellationTokenSource();
            Task slowReader = Task.Run(async () =>
            {
                var one = new byte[1];
                while (!stop.IsCancellationRequested && await slowStream.ReadAsync(one, stop.Token) > 0)
                {
                    await Task.Delay(1000, stop.Token);
                }
            });

            await IssueTicketsAsync(http, "with 8 stalled scrapers and a slow one");
            Assert.False(slowReader.IsCompleted, "the slow scrape finished; it was not slow");
            await stop.CancelAsync();
            try
            {
                await slowReader;
            }
            catch (OperationCanceledException)
            {
                // Stopped reading, as asked.
            }
        }
        finally
        {
            foreach (Socket socket in stalled)
            {
                socket.Dispose();
            }
        }

        Assert.False(service.HasExited);
    }

    /// <summary>Issues 20 kiosk tickets, each answered within 10 s, and checks the log took them all.</summary>
    private async Task IssueTicketsAsync(HttpClient http, string meanwhile)
    {
        long before = await SequenceAsync(http);
        for (int i = 0; i < 20; i++)
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "noncash" })
                .WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Each answer came after its ticket was durable; the state (rebuilt at most every 200 ms) shows them all.
        long after = before;
        await OperationsTests.WaitForAsync(async () => (after = await SequenceAsync(http)) >= before + 20);
        output.WriteLine($"{meanwhile}: events {before} -> {after}");
    }

    private static async Task<long> SequenceAsync(HttpClient http)
    {
        using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        return state.RootElement.GetProperty("sequence").GetInt64();
    }
}
