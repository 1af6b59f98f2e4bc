using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Service.Lobby;
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
        Assert.Equal(4, Sum(samples, "lobby_ratings_total"));
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"cash\",wait_band=\"10-20m\",cared=\"false\",scale=\"pad5\",verdict=\"dissatisfied\"}"]);
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"loans\",wait_band=\"0-5m\",cared=\"true\",scale=\"nps11\",verdict=\"promoter\"}"]);
        Assert.Equal(1, samples["lobby_ratings_by_wait_total{service=\"loans\",wait_band=\"20m+\",cared=\"true\",scale=\"nps11\",verdict=\"detractor\"}"]);
        Assert.Equal(3, Sum(samples, "lobby_ratings_by_wait_total"));

        // Every series of the families exists from the start (a rate() sees the first rating): each counter's
        // services and none, both scales' scores; every service, band, care and verdict.
        Assert.Equal(config.Counters.Sum(c => c.Services.Count + 1) * LobbyMetrics.RatingSlots, Count(samples, "lobby_ratings_total{"));
        Assert.Equal(config.Services.Count * LobbyMetrics.WaitBands.Length * 2 * LobbyMetrics.Verdicts.Length, Count(samples, "lobby_ratings_by_wait_total{"));
        OperationsTests.AssertPromtoolAccepts(Encoding.UTF8.GetString(await ExportAsync(metrics)));
    }

    [Fact]
    public async Task RatingFamilies_FollowTheEngineThroughADay_ARestart_AndTheNextDaysOpening()
    {
        BranchConfig config = CareMetricsTests.TwoServices();
        var time = new TwoClocks(TestBranch.At(8, 59));
        Dictionary<string, double> beforeRestart;
        string lowBefore;
        await using (var run = new CareMetricsTests.DrivenBranch(_work.FullName, config, time))
        {
            PlayAMorning(run, time, TestBranch.At(9, 0));
            beforeRestart = await run.ScrapeAsync();
            AssertRatingMetrics(run.Engine, beforeRestart);

            // What the morning must have produced, so the comparison is not of zeros with zeros.
            RatingFigures total = run.Engine.RatingFiguresTotal();
            Assert.True(total.Linked >= 3 && total.Unlinked >= 1, $"ratings {total}");
            Assert.True(total.Requested >= 3 && total.Answered >= 2 && total.Answered < total.Requested, $"requests {total}");
            Assert.True(total.Rated(RatingScale.Pad5) >= 2 && total.Rated(RatingScale.Nps11) >= 2, $"scales {total}");
            lowBefore = LowScores(run.Branch, time);
            Assert.Equal(2, JsonDocument.Parse(lowBefore).RootElement.GetArrayLength());
        }

        // A restart: the same day's figures, from the log; the console's low scores too.
        await using (var run = new CareMetricsTests.DrivenBranch(_work.FullName, config, time))
        {
            Dictionary<string, double> afterRestart = await run.ScrapeAsync();
            AssertRatingMetrics(run.Engine, afterRestart);
            foreach ((string series, double value) in beforeRestart.Where(s => IsRatingFamily(s.Key)))
            {
                Assert.True(afterRestart.TryGetValue(series, out double after) && after == value, $"{series}: {value} before the restart, {after} after");
            }

            Assert.Equal(lowBefore, LowScores(run.Branch, time));

            // The next day's opening starts them again from 0.
            time.Advance(TimeSpan.FromHours(9));
            run.Execute(Command.CloseDay());
            run.TickEvery(TimeSpan.FromMinutes(1), TestBranch.At(9, 1).AddDays(1), time);
            Assert.True(run.Engine.IsDayOpen && run.Engine.BusinessDate == TestBranch.Day.AddDays(1), "the next day opened");
            Dictionary<string, double> nextDay = await run.ScrapeAsync();
            AssertRatingMetrics(run.Engine, nextDay);
            Assert.All(nextDay.Where(s => IsRatingFamily(s.Key)), s => Assert.True(s.Value == 0, $"{s.Key} = {s.Value} on the next day's opening"));
        }
    }

    [Fact]
    public async Task State_CarriesTheRatingsPerServiceCounterAndBranch()
    {
        BranchConfig config = CareMetricsTests.TwoServices();
        var time = new TwoClocks(TestBranch.At(8, 59));
        await using (var run = new CareMetricsTests.DrivenBranch(_work.FullName, config, time))
        {
            PlayAMorning(run, time, TestBranch.At(9, 0));
        }

        using RestoredBranch branch = RestoredBranch.Open(_work.FullName, config, NullLogger.Instance);
        QueueEngine engine = branch.Engine;
        using JsonDocument json = JsonDocument.Parse(new BranchState(branch, time).Json);
        JsonElement root = json.RootElement;
        AssertRatings(engine.RatingFiguresTotal(), root.GetProperty("ratings"));
        for (int s = 0; s < config.Services.Count; s++)
        {
            AssertRatings(engine.RatingFiguresOfService(s), root.GetProperty("services")[s].GetProperty("ratings"));
        }

        for (int c = 0; c < config.Counters.Count; c++)
        {
            AssertRatings(engine.RatingFiguresOfCounter(config.Counters[c].Number), root.GetProperty("counters")[c].GetProperty("ratings"));
        }

        Assert.True(engine.RatingFiguresTotal().Total >= 4, $"figures {engine.RatingFiguresTotal()}");
    }

    /// <summary>The JSON's <c>ratings</c> object says what the engine's figures say.</summary>
    internal static void AssertRatings(RatingFigures expected, JsonElement ratings)
    {
        Assert.Equal(expected.Requested, ratings.GetProperty("requested").GetInt32());
        Assert.Equal(expected.Answered, ratings.GetProperty("answered").GetInt32());
        Assert.Equal(expected.Linked, ratings.GetProperty("linked").GetInt32());
        Assert.Equal(expected.Unlinked, ratings.GetProperty("unlinked").GetInt32());
        Assert.Equal(expected.Total, ratings.GetProperty("total").GetInt32());
        Assert.Equal(expected.Satisfied, ratings.GetProperty("satisfied").GetInt32());
        Assert.Equal(expected.Promoters, ratings.GetProperty("promoters").GetInt32());
        Assert.Equal(expected.Passives, ratings.GetProperty("passives").GetInt32());
        Assert.Equal(expected.Detractors, ratings.GetProperty("detractors").GetInt32());
        AssertFigure(expected.ResponseRate, 4, ratings.GetProperty("responseRate"));
        AssertFigure(expected.Satisfaction, 4, ratings.GetProperty("satisfaction"));
        AssertFigure(expected.NetPromoterScore, 1, ratings.GetProperty("nps"));
        JsonElement counts = ratings.GetProperty("counts");
        Assert.Equal(Enumerable.Range(1, 5).Select(score => expected.Count(RatingScale.Pad5, score)), counts.GetProperty("pad5").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(Enumerable.Range(0, 11).Select(score => expected.Count(RatingScale.Nps11, score)), counts.GetProperty("nps11").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>
    /// The rating families against the engine's <see cref="RatingFigures"/>: per counter (every service and none)
    /// and per service (every counter), each score, the requests and answers; by wait band, the verdicts per service.
    /// </summary>
    internal static void AssertRatingMetrics(QueueEngine engine, IReadOnlyDictionary<string, double> samples)
    {
        BranchConfig config = engine.Config;
        foreach (CounterConfig cc in config.Counters)
        {
            string counter = $"counter=\"{cc.Number}\"";
            AssertFamilies(engine.RatingFiguresOfCounter(cc.Number), samples, counter, $"counter {cc.Number}");
        }

        for (int s = 0; s < config.Services.Count; s++)
        {
            string service = $"service=\"{config.Services[s].Id}\"";
            RatingFigures f = engine.RatingFiguresOfService(s);
            AssertFamilies(f, samples, service, config.Services[s].Id);
            Assert.Equal(f.Linked, Sum(samples, "lobby_ratings_by_wait_total", service));
            Assert.Equal(f.Rated(RatingScale.Pad5), Sum(samples, "lobby_ratings_by_wait_total", service, "scale=\"pad5\""));
            Assert.Equal(f.Satisfied, Sum(samples, "lobby_ratings_by_wait_total", service, "verdict=\"satisfied\""));
            Assert.Equal(f.Promoters, Sum(samples, "lobby_ratings_by_wait_total", service, "verdict=\"promoter\""));
            Assert.Equal(f.Passives, Sum(samples, "lobby_ratings_by_wait_total", service, "verdict=\"passive\""));
            Assert.Equal(f.Detractors, Sum(samples, "lobby_ratings_by_wait_total", service, "verdict=\"detractor\""));
        }

        Assert.Equal(engine.RatingFiguresTotal().Unlinked, Sum(samples, "lobby_ratings_total", $"service=\"{LobbyMetrics.NoService}\""));
    }

    private static void AssertFamilies(RatingFigures f, IReadOnlyDictionary<string, double> samples, string label, string what)
    {
        for (int score = 0; score <= 10; score++)
        {
            foreach (RatingScale scale in new[] { RatingScale.Pad5, RatingScale.Nps11 })
            {
                Assert.True(f.Count(scale, score) == Sum(samples, "lobby_ratings_total", label, $"scale=\"{LobbyMetrics.Scales[(int)scale]}\"", $"score=\"{score}\""),
                    $"{what}: {LobbyMetrics.Scales[(int)scale]} {score}: engine {f.Count(scale, score)}");
            }
        }

        Assert.True(f.Requested == Sum(samples, "lobby_rating_requests_total", label), $"{what}: requested {f.Requested}");
        Assert.True(f.Answered == Sum(samples, "lobby_rating_requests_answered_total", label), $"{what}: answered {f.Answered}");
    }

    private static void AssertFigure(double expected, int decimals, JsonElement figure)
    {
        if (double.IsNaN(expected))
        {
            Assert.Equal(JsonValueKind.Null, figure.ValueKind);
        }
        else
        {
            Assert.Equal(Math.Round(expected, decimals), figure.GetDouble());
        }
    }

    /// <summary>The sum of a family's series whose labels include each of <paramref name="labels"/> (<c>name="value"</c>).</summary>
    private static double Sum(IReadOnlyDictionary<string, double> samples, string family, params string[] labels) =>
        samples.Where(s => s.Key.StartsWith(family + "{", StringComparison.Ordinal) && labels.All(l => s.Key.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    private static bool IsRatingFamily(string series) =>
        series.StartsWith("lobby_ratings_total{", StringComparison.Ordinal) || series.StartsWith("lobby_rating_requests_total{", StringComparison.Ordinal)
        || series.StartsWith("lobby_rating_requests_answered_total{", StringComparison.Ordinal) || series.StartsWith("lobby_ratings_by_wait_total{", StringComparison.Ordinal);

    /// <summary>The lobby console's low scores (the <c>ratings.low</c> array, without its ages) as built over the branch.</summary>
    private static string LowScores(RestoredBranch branch, TimeProvider time)
    {
        var console = new ConsoleState(branch, time, Microsoft.Extensions.Options.Options.Create(new ConsoleOptions()));
        using JsonDocument json = JsonDocument.Parse(console.Json);
        return JsonSerializer.Serialize(json.RootElement.GetProperty("ratings").GetProperty("low").EnumerateArray()
            .Select(l => l.EnumerateObject().Where(p => p.Name != "secondsAgo").ToDictionary(p => p.Name, p => p.Value.GetRawText())));
    }

    /// <summary>
    /// Opens the day; a cash ticket finished, asked twice and rated 5 on the pad (a second press refused); a cash
    /// ticket cared for past the threshold rated 2 when asked; a loans ticket rated 3 on the page with reasons,
    /// unasked; a loans ticket asked and never rated; a rating after the window (no ticket).
    /// </summary>
    /// <remarks>
    /// <paramref name="opening"/> is when the branch opens (by its profile); the morning runs 16 minutes from there.
    /// The branch is <see cref="CareMetricsTests.TwoServices"/> or one like it: cash served at counter 1, loans at
    /// counter 2, a 10-minute care threshold.
    /// </remarks>
    internal static void PlayAMorning(CareMetricsTests.DrivenBranch run, TwoClocks time, DateTimeOffset opening)
    {
        run.TickEvery(TimeSpan.FromSeconds(30), opening, time);
        run.Execute(Command.OpenCounter(1));
        run.Execute(Command.OpenCounter(2));
        int[] cash = [.. Enumerable.Range(0, 3).Select(_ => run.Execute(Command.Issue(0)).Ticket)];
        int[] loans = [.. Enumerable.Range(0, 2).Select(_ => run.Execute(Command.Issue(1)).Ticket)];
        run.Execute(Command.CallNext(1));
        run.TickEvery(TimeSpan.FromSeconds(30), opening.AddMinutes(1), time);
        Assert.True(run.Execute(Command.Finish(1)).Accepted, "finish");
        Assert.True(run.Execute(Command.RequestRating(1)).Accepted, "asked to rate");
        Assert.True(run.Execute(Command.RequestRating(1)).Accepted, "asked again");
        Assert.True(run.Execute(Command.Rate(1, 5, RatingScale.Pad5)).Accepted, "rated on the pad");
        Assert.Equal(RefusalReason.AlreadyRated, run.Execute(Command.Rate(1, 4, RatingScale.Pad5)).Refusal);

        run.TickEvery(TimeSpan.FromSeconds(30), opening.AddMinutes(12), time);
        Assert.True(run.Execute(Command.GiveCare(cash[1], 7)).Accepted, "care");
        Assert.Equal(cash[1], run.Execute(Command.CallNext(1)).Ticket);
        Assert.True(run.Execute(Command.Finish(1)).Accepted, "finish cared");
        Assert.True(run.Execute(Command.RequestRating(1)).Accepted, "asked to rate");
        Assert.True(run.Execute(Command.Rate(1, 2, RatingScale.Pad5)).Accepted, "a low pad score");

        Assert.Equal(loans[0], run.Execute(Command.CallNext(2)).Ticket);
        Assert.True(run.Execute(Command.Finish(2)).Accepted, "finish loans");
        Assert.True(run.Execute(Command.RateTicket(2, loans[0], 3, RatingScale.Nps11, RatingReasons.Waiting | RatingReasons.Annoying)).Accepted, "rated on the page");
        Assert.Equal(loans[1], run.Execute(Command.CallNext(2)).Ticket);
        Assert.True(run.Execute(Command.Finish(2)).Accepted, "finish loans");
        Assert.True(run.Execute(Command.RequestRating(2)).Accepted, "asked, never answered");

        run.TickEvery(TimeSpan.FromSeconds(30), opening.AddMinutes(16), time);
        Assert.True(run.Execute(Command.Rate(2, 9, RatingScale.Nps11)).Accepted, "after the window: unlinked");
        Assert.Equal(cash[2], run.Execute(Command.CallNext(1)).Ticket);
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
