using System.Globalization;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 2: the real process, simulating the demo branch, does not grow under 1,000 <c>/metrics</c> scrapes
/// and 100 Server-Sent Events clients. No timing: the resident set (<c>VmRSS</c>) is read after a warm-up round and
/// again after the measured round, and the growth must stay under a generous bound. The issue saw 25 MB per 200
/// scrapes, so a leak of that kind grows 1,000 scrapes by over 100 MB; the bound leaves room for the garbage
/// collector's generation-0 budget, which the service caps (src/LobbyEdge.Service/README.md, "Memory"), and for the
/// thread pool and Kestrel's pools settling.
/// The figures themselves come from the benchmarks' <c>memory</c> mode (tests/LobbyEdge.Benchmarks/README.md).
/// </summary>
[Trait("Category", "Integration")]
public sealed class MemoryGrowthTests(ITestOutputHelper output) : IDisposable
{
    private const double GrowthBoundMb = 24;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-memory-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task ScrapesAndFeeds_AfterAWarmUp_DoNotGrowTheResidentSet()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 200 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

        // Warm-up: the code paths, the pools and the thread pool reach their working size.
        await ScrapeAsync(http, 1000);
        await FeedsAsync(http, 100);
        double before = ResidentMb(service.Id);

        await ScrapeAsync(http, 1000);
        await FeedsAsync(http, 100);
        double after = ResidentMb(service.Id);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"VmRSS after the warm-up {before:N1} MB, after 1,000 scrapes and 100 SSE clients {after:N1} MB"));
        Assert.True(after - before < GrowthBoundMb, $"the service grew by {after - before:N1} MB (from {before:N1} MB) under 1,000 scrapes and 100 SSE clients");
        Assert.False(service.HasExited);
    }

    private static async Task ScrapeAsync(HttpClient http, int scrapes)
    {
        for (int i = 0; i < scrapes; i++)
        {
            string text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("lobby_", text, StringComparison.Ordinal);
        }
    }

    /// <summary>Opens <paramref name="clients"/> feeds at once, reads each one's first state, then closes them all.</summary>
    private static async Task FeedsAsync(HttpClient http, int clients)
    {
        var responses = new List<HttpResponseMessage>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                HttpResponseMessage response = await http.GetAsync(new Uri("/signage/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                responses.Add(response);
                response.EnsureSuccessStatusCode();
            }

            await Task.WhenAll(responses.Select(async r =>
            {
                using var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line && line != "event: state")
                {
                }
            }));
        }
        finally
        {
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }

    private static double ResidentMb(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}
