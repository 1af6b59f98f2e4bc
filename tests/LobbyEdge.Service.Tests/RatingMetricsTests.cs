using System.Text;
using LobbyEdge.Engine;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The rating metrics (issue 13): how the events map to series (counter, service or none, scale, score; wait band,
/// care and verdict; requests counted once per ticket and their answers), and against the engine's own
/// <see cref="RatingFigures"/> through a day, a restart and the next day's opening.
/// </summary>
public sealed class RatingMetricsTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-ratings-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task HandBuiltEvents_AreCountedByCounterServiceScaleScore_AndByWaitBandCareAndVerdict()
    {
        BranchConfig config = CareMetricsTests.TwoServices();
        var time = new TwoClocks(TestBranch.At(9, 30));
        var metrics = new LobbyMetrics(config);
        using RestoredBranch branch = RestoredBranch.Open(_work.FullName, config, NullLogger.Instance, metrics);
        var sink = new MetricsSink(metrics, branch, time);
        long at = time.GetUtcNow().UtcTicks;
        LobbyEvent asked = new() { Kind = EventKind.RatingRequested, TimeTicks = at, Counter = 1, Ticket = 0, Service = 0, NumberService = 0, Number = 1, Count = 1 };
        LobbyEvent[] events =
        [
            asked,
            asked with { Count = 2, A = 20_000 },   // asked again: the same ticket, not counted again
            Rated(1, ticket: 0, service: 0, RatingScale.Pad5, score: 2, waitMs: 600_000, care: 0),      // exactly 10 minutes: 10-20m
            Rated(2, ticket: 1, service: 1, RatingScale.Nps11, score: 10, waitMs: 299_999, care: 2),    // not asked: no answer
            Rated(2, ticket: 2, service: 1, RatingScale.Nps11, score: 6, waitMs: 1_200_000, care: 1),   // 20 minutes: 20m+
            Rated(2, ticket: -1, service: -1, RatingScale.Nps11, score: 8, waitMs: -1, care: 0),       // after the window: service none
        ];
        sink.OnEvents(events);
        sink.OnBatchEnd();
        Dictionary<string, double> samples = await ScrapeAsync(metrics);

        Assert.Equal(1, samples["lobby_rating_requests_total{counter=\"1\",service=\"cash\"}"]);
        Assert.Equal(1, samples["lobby_rating_requests_answered_total{counter=\"1\",service=\"cash\"}"]);
        Assert.Equal(0, samples["lobby_rating_requests_total{counter=\"2\",service=\"loans\"}"]);
        Assert.Equal(0, samples["lobby_rating_requests_answered_total{counter=\"2\",service=\"loans\"}"]);
        Assert.Equal(1, samples["lobby_ratings_total{counter=\"1\",service=\"cash\",scale=\"pad5\",score=\"2\"}"]);
        Assert.Equal(1, samples["lobby_ratings_total{counter=\"2\",service=\"loans\",scale=\"nps11\",score=\"10\"}"]);
        Assert.Equal(1, samples["lobby_ratings_total{counter=\"2\",service=\"loans\",scale=\"nps11\",score=\"6\"}"]);
        Assert.Equal(1, samples["lobby_ratings_total{counter=\"2\",service=\"none\",scale=\"nps11\",score=\"8\"}"]);
        Assert.Equal(4, Sum(samples, "lobby_ratings_total{"));
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"cash\",wait_band=\"10-20m\",cared=\"false\",scale=\"pad5\",verdict=\"dissatisfied\"}"]);
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"loans\",wait_band=\"0-5m\",cared=\"true\",scale=\"nps11\",verdict=\"promoter\"}"]);
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"loans\",wait_band=\"20m+\",cared=\"true\",scale=\"nps11\",verdict=\"detractor\"}"]);
        Assert.Equal(3, Sum(samples, "lobby_ratings_by_wait_total{"));

        // Every series of the families exists from the start (a rate() sees the first rating): each counter's
        // services and none, both scales' scores; every service, band, care and verdict.
        Assert.Equal(config.Counters.Sum(c => c.Services.Count + 1) * LobbyMetrics.RatingSlots, Count(samples, "lobby_ratings_total{"));
        Assert.Equal(config.Services.Count * LobbyMetrics.WaitBands.Length * 2 * LobbyMetrics.Verdicts.Length, Count(samples, "lobby_ratings_by_wait_total{"));
        OperationsTests.AssertPromtoolAccepts(Encoding.UTF8.GetString(await ExportAsync(metrics)));
    }

    private static LobbyEvent Rated(int counter, int ticket, int service, RatingScale scale, int score, long waitMs, int care) => new()
    {
        Kind = EventKind.TicketRated,
        Counter = (short)counter,
        Ticket = ticket,
        Service = (short)service,
        NumberService = (short)service,
        Number = ticket + 1,
        Count = score,
        Detail = (byte)scale,
        A = waitMs,
        B = care,
    };

    private static double Sum(Dictionary<string, double> samples, string prefix) =>
        samples.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.Value);

    private static int Count(Dictionary<string, double> samples, string prefix) =>
        samples.Count(s => s.Key.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task<byte[]> ExportAsync(LobbyMetrics metrics)
    {
        using var exposition = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(exposition);
        return exposition.ToArray();
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(LobbyMetrics metrics) =>
        OperationsTests.Parse(Encoding.UTF8.GetString(await ExportAsync(metrics)));
}
