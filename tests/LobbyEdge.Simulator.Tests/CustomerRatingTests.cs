using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Hosting;
using Xunit.Abstractions;

namespace LobbyEdge.Simulator.Tests;

/// <summary>
/// Simulated customers rating their visit (<see cref="CustomerRatingProfile"/>, <see cref="RatingCustomers"/>) and the
/// day summary's ratings (<see cref="DaySummary"/>): the model alone, and whole demo days run against a real engine by
/// <see cref="SimulatedDay"/>, the summary cross-checked against a recount of the events and the engine's figures.
/// </summary>
public sealed class CustomerRatingTests(ITestOutputHelper output)
{
    private const int Seed = 42;
    private static readonly DateOnly s_day = TestBranches.Monday;
    private static readonly BranchConfig s_demo = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;

    /// <summary>The demo lobby at 90 % of its counters' capacity: long queues at the peaks, a lobby manager who falls behind.</summary>
    private static readonly TrafficProfile s_busy = TrafficProfile.ForBranch(s_demo, utilisation: 0.9);

    [Fact]
    public void Model_TheMeanScoreHardlyMovesUnderFiveMinutes_FallsPastTenAndTwenty_AndCareWinsPartBack()
    {
        var model = new CustomerRatingProfile();
        double Mean(double minutes, int care = 0) => model.MeanScore(minutes, care, careThresholdMinutes: 10);

        Assert.Equal(model.NoWaitScore, Mean(0));
        double firstFive = Mean(0) - Mean(5);
        double nextFive = Mean(5) - Mean(10);
        double tenToTwenty = Mean(10) - Mean(20);
        Assert.True(firstFive is > 0 and < 0.05, $"under 5 min the score fell by {firstFive:0.000}");
        Assert.True(nextFive > firstFive * 2 && tenToTwenty > nextFive * 2, $"falls {firstFive:0.000}, {nextFive:0.000}, {tenToTwenty:0.000}");
        Assert.True(Mean(30) < Mean(20) && Mean(240) >= model.NoWaitScore - model.MaxWaitPenalty - 1e-9);

        // Care helps a customer who waited past the threshold, and only then.
        Assert.Equal(Mean(8), Mean(8, care: 1));
        Assert.True(Mean(25, care: 1) > Mean(25) && Mean(25, care: 1) < Mean(10), $"25 min: {Mean(25):0.000} without care, {Mean(25, 1):0.000} with");
    }

    [Fact]
    public void Model_SameSeedSameScores_OnBothScales_AnotherSeedOthers()
    {
        var model = new CustomerRatingProfile();
        (int, RatingReasons)[] Draws(int seed, RatingScale scale)
        {
            var random = new Random(seed);
            return [.. Enumerable.Range(0, 200).Select(i => model.Draw(random, scale, i % 40, i % 3 == 0 ? 1 : 0, 10))];
        }

        Assert.Equal(Draws(7, RatingScale.Nps11), Draws(7, RatingScale.Nps11));
        Assert.NotEqual(Draws(7, RatingScale.Nps11), Draws(8, RatingScale.Nps11));
        Assert.All(Draws(7, RatingScale.Pad5), d => Assert.True(d.Item1 is >= 1 and <= 5 && d.Item2 == RatingReasons.None));
        Assert.All(Draws(7, RatingScale.Nps11), d => Assert.True(d.Item1 is >= 0 and <= 10 && (d.Item1 <= 6 || d.Item2 == RatingReasons.None)));

        // Long waits make detractors name the wait more often than short ones do.
        var random = new Random(3);
        double WaitingShare(double minutes)
        {
            (int Score, RatingReasons Reasons)[] low = [.. Enumerable.Range(0, 4000).Select(_ => model.Draw(random, RatingScale.Nps11, minutes, 0, 10)).Where(d => d.Score <= 6)];
            return low.Count(d => d.Reasons.HasFlag(RatingReasons.Waiting)) / (double)low.Length;
        }

        Assert.True(WaitingShare(30) > WaitingShare(2) + 0.4, $"waiting chip {WaitingShare(2):P0} after 2 min, {WaitingShare(30):P0} after 30 min");
    }

    [Fact]
    public void Customers_PromptAfterAFinishAtTheirStations_RateAFewSecondsAfterThePrompt_OnThatStationsScale()
    {
        CustomerRatingProfile profile = CustomerRatingProfile.ForBranch(s_demo) with { ResponseRate = 1 };
        Assert.Equal([1, 2], profile.PadCounters);
        Assert.Equal([3, 4, 5, 6, 7], profile.PageCounters);
        var customers = new RatingCustomers(s_demo, profile, Seed);
        DateTimeOffset t = TestBranches.At(9, 30);

        customers.OnEvents([Event(EventKind.TicketIssued, 7, 0, t), Event(EventKind.TicketCalled, 7, 3, t.AddMinutes(12)), Event(EventKind.TicketCompleted, 7, 3, t.AddMinutes(18))]);
        Assert.True(customers.TryNext(t.AddMinutes(18), out Command prompt));
        Assert.Equal(Command.RequestRating(3), prompt);

        // A finish at the help desk (no station) prompts nobody.
        customers.OnEvents([Event(EventKind.TicketCompleted, 9, 8, t.AddMinutes(18))]);
        Assert.False(customers.TryNext(t.AddMinutes(18), out _));

        customers.OnEvents([Event(EventKind.RatingRequested, 7, 3, t.AddMinutes(18)) with { Count = 1 }]);
        Assert.False(customers.TryNext(t.AddMinutes(18).AddSeconds(profile.RateAfterMinSeconds - 1), out _));
        Assert.True(customers.TryNext(t.AddMinutes(18).AddSeconds(profile.RateAfterMaxSeconds), out Command rate));
        Assert.Equal(CommandKind.Rate, rate.Kind);
        Assert.Equal(3, rate.Counter);
        Assert.Equal(7, rate.Ticket);
        Assert.Equal(RatingScale.Nps11, rate.Scale);
        Assert.InRange(rate.Score, 0, 10);

        // A re-prompt of the same ticket is not a second customer.
        customers.OnEvents([Event(EventKind.RatingRequested, 7, 3, t.AddMinutes(19)) with { Count = 2 }]);
        Assert.Equal(1, customers.Tally.Asked);
        Assert.Equal(1, customers.Tally.Rated);
    }

    [Fact]
    public void UnderTheHost_ThePadsOfTheHardwareProfile_ArePromptedByTheHost_NeverByTheSimulation_ButItsCustomersStillRate()
    {
        BranchProfile hardware = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml"));
        TrafficProfile traffic = SimulationHosting.TrafficFor(hardware.Branch, hardware.Hardware);
        CustomerRatingProfile ratings = traffic.Ratings!;
        Assert.Equal([1, 2], ratings.PadCounters);
        Assert.Equal([1, 2], ratings.PromptedElsewhere);
        Assert.Contains(3, ratings.PageCounters);

        var customers = new RatingCustomers(hardware.Branch, ratings with { ResponseRate = 1 }, Seed);
        DateTimeOffset t = TestBranches.At(10, 0);
        customers.OnEvents([Event(EventKind.TicketIssued, 4, 3, t), Event(EventKind.TicketCalled, 4, 1, t.AddMinutes(3)), Event(EventKind.TicketCompleted, 4, 1, t.AddMinutes(9))]);
        Assert.False(customers.TryNext(t.AddMinutes(9), out _));

        // The host's prompter asks; the customer answers on the pad.
        customers.OnEvents([Event(EventKind.RatingRequested, 4, 1, t.AddMinutes(9)) with { Count = 1 }]);
        Assert.True(customers.TryNext(t.AddMinutes(10), out Command rate));
        Assert.Equal(Command.Rate(1, rate.Score, RatingScale.Pad5), rate);
        Assert.InRange(rate.Score, 1, 5);
    }

    [Fact]
    public void SameSeed_SameRatings_AnotherSeed_OtherRatings()
    {
        Day a = Run(TrafficProfile.ForBranch(s_demo), Seed);
        Day b = Run(TrafficProfile.ForBranch(s_demo), Seed);
        Day c = Run(TrafficProfile.ForBranch(s_demo), Seed + 1);

        LobbyEvent[] Rated(Day d) => [.. d.Events.Where(e => e.Kind == EventKind.TicketRated)];
        Assert.NotEmpty(Rated(a));
        Assert.Equal(Rated(a), Rated(b));
        Assert.NotEqual(Rated(a).Select(e => (e.Ticket, e.Count)), Rated(c).Select(e => (e.Ticket, e.Count)));

        // Ratings change nothing in the queue: the day without them has the same calls.
        Day without = Run(TrafficProfile.ForBranch(s_demo) with { Ratings = null }, Seed);
        Assert.Equal(
            without.Events.Where(e => e.Kind == EventKind.TicketCalled).Select(e => (e.Ticket, e.Counter, e.TimeTicks)),
            a.Events.Where(e => e.Kind == EventKind.TicketCalled).Select(e => (e.Ticket, e.Counter, e.TimeTicks)));
    }

    [Fact]
    public void BusyDay_LongWaitsRateLowerThanShortOnes_AndCareLiftsTheLongWaits()
    {
        Day day = Run(s_busy, Seed);
        DaySummary s = day.Summary;
        output.WriteLine(s.RatingReport(s_demo));

        RatingTotals shortWaits = Merge(day, e => e.AsTicketRated().WaitMs < 5 * 60_000);
        RatingTotals longWaits = Merge(day, e => e.AsTicketRated().WaitMs >= 20 * 60_000);
        RatingTotals longCared = Merge(day, e => e.AsTicketRated().WaitMs >= 10 * 60_000 && e.AsTicketRated().CareGiven > 0);
        RatingTotals longUncared = Merge(day, e => e.AsTicketRated().WaitMs >= 10 * 60_000 && e.AsTicketRated().CareGiven == 0);
        Assert.True(shortWaits.Total >= 30 && longWaits.Total >= 30, $"short {shortWaits.Total}, 20+ {longWaits.Total}: the day is not busy enough to tell");
        Assert.True(longCared.Total >= 15 && longUncared.Total >= 15, $"cared {longCared.Total}, uncared {longUncared.Total} past 10 minutes");

        Assert.True(longWaits.MeanNormalized < shortWaits.MeanNormalized - 0.15, $"mean {shortWaits.MeanNormalized:0.00} under 5 min, {longWaits.MeanNormalized:0.00} past 20");
        Assert.True(longCared.MeanNormalized > longUncared.MeanNormalized + 0.03, $"past 10 min: cared {longCared.MeanNormalized:0.00}, not cared {longUncared.MeanNormalized:0.00}");

        // And in the summary's own table.
        Assert.True(s.RatingsByWait(WaitBand.Over20, cared: false).MeanNormalized < s.RatingsByWait(WaitBand.Under5, cared: false).MeanNormalized);
        Assert.True(s.RatingsByWait(WaitBand.Over20, cared: false).NetPromoterScore < s.RatingsByWait(WaitBand.Under5, cared: false).NetPromoterScore);
    }

    [Fact]
    public void DaySummary_EqualsARecountOfTheEvents_AndTheEnginesRatingFigures()
    {
        Day day = Run(s_busy, Seed);
        DaySummary s = day.Summary;
        LobbyEvent[] rated = [.. day.Events.Where(e => e.Kind == EventKind.TicketRated)];
        LobbyEvent[] firstAsks = [.. day.Events.Where(e => e.Kind == EventKind.RatingRequested && e.AsRatingRequested().PromptNumber == 1)];
        Assert.True(rated.Length > 100 && firstAsks.Length > rated.Length, $"{rated.Length} ratings of {firstAsks.Length} asked");

        // Whole branch: the engine's figures and a plain recount.
        RatingFigures total = day.Engine.RatingFiguresTotal();
        Assert.True(s.Ratings.Matches(total), $"summary {s.Ratings}; engine {total}");
        Assert.Equal(rated.Length, s.Ratings.Total);
        Assert.Equal(firstAsks.Length, s.Ratings.Requested);
        Assert.Equal(rated.Count(e => e.Ticket < 0), s.Ratings.Unlinked);
        Assert.Equal(rated.Count(e => e.AsTicketRated().Scale == RatingScale.Pad5 && e.Count >= 4), s.Ratings.Satisfied);
        Assert.Equal(rated.Count(e => e.AsTicketRated().Scale == RatingScale.Nps11 && e.Count >= 9), s.Ratings.Promoters);
        Assert.Equal(total.Satisfaction, s.Ratings.Satisfaction, 9);
        Assert.Equal(total.NetPromoterScore, s.Ratings.NetPromoterScore, 9);
        Assert.Equal(total.ResponseRate, s.Ratings.ResponseRate, 9);
        Assert.Equal(total.MeanNormalized, s.Ratings.MeanNormalized, 9);

        // Every counter and every service, as the engine counted them.
        foreach (CounterConfig counter in s_demo.Counters)
        {
            RatingFigures figures = day.Engine.RatingFiguresOfCounter(counter.Number);
            Assert.True(s.RatingsOfCounter(counter.Number).Matches(figures), $"counter {counter.Number}: summary {s.RatingsOfCounter(counter.Number)}; engine {figures}");
        }

        for (int service = 0; service < s_demo.Services.Count; service++)
        {
            RatingFigures figures = day.Engine.RatingFiguresOfService(service);
            Assert.True(s.RatingsOfService(service).Matches(figures), $"service {service}: summary {s.RatingsOfService(service)}; engine {figures}");
        }

        // The wait bands recounted from the events' wait and care.
        foreach (WaitBand band in Enum.GetValues<WaitBand>())
        {
            foreach (bool cared in (bool[])[false, true])
            {
                LobbyEvent[] inBand = [.. rated.Where(e => e.Ticket >= 0 && RatingTotals.BandOf(e.A) == band && (e.B > 0) == cared)];
                RatingTotals row = s.RatingsByWait(band, cared);
                Assert.Equal(inBand.Length, row.Total);
                Assert.Equal(inBand.Length == 0 ? double.NaN : inBand.Average(e => e.AsTicketRated().Normalized), row.MeanNormalized, 9);
            }
        }

        // Both scales, pads at 1-2 and pages at 3-7, so the demo shows satisfaction and NPS; some customers did not
        // rate, and a double press was refused while the first stood.
        Assert.True(s.RatingsOfCounter(1).PadRatings > 0 && s.RatingsOfCounter(3).PageRatings > 0);
        Assert.Equal(0, s.RatingsOfCounter(8).Total);
        RatingCustomersTally tally = day.Ratings!.Tally;
        Assert.True(tally.Asked > tally.Rated, $"asked {tally.Asked}, rated {tally.Rated}");
        Assert.True(tally.SecondPresses > 0 && tally.SecondPressesRefused == tally.SecondPresses, $"second presses {tally.SecondPresses}, refused {tally.SecondPressesRefused}");
        Assert.Equal(tally.PromptsSent, tally.PromptsAccepted);
        Assert.Equal(tally.Rated, tally.RatingsAccepted);
    }

    [Fact]
    public void SummaryOutput_HasSatisfactionAndNpsPerCounter_AndTheWaitBandTable_InTheReportAndTheNarratorsLines()
    {
        var logger = new LinesLogger();
        Day day = Run(TrafficProfile.ForBranch(s_demo), Seed, engine => new LobbyNarrator(s_demo, engine, logger).OnEvents);
        DaySummary s = day.Summary;
        string report = s.RatingReport(s_demo);
        output.WriteLine(report);
        foreach (string line in logger.Lines.Where(l => l.Contains(" ratings", StringComparison.Ordinal) || l.Contains(" rated counter ", StringComparison.Ordinal)).Take(40))
        {
            output.WriteLine(line);
        }

        Assert.Contains($"  counter 1: {s.RatingsOfCounter(1)}", report, StringComparison.Ordinal);
        Assert.Contains("satisfaction ", s.RatingsOfCounter(1).ToString(), StringComparison.Ordinal);
        Assert.Contains("NPS ", s.RatingsOfCounter(3).ToString(), StringComparison.Ordinal);
        Assert.Contains("Personal cash (个人现金): ", report, StringComparison.Ordinal);
        Assert.Contains("  wait             care     ratings satisfaction     NPS  mean", report, StringComparison.Ordinal);
        foreach (WaitBand band in Enum.GetValues<WaitBand>())
        {
            Assert.Contains(report.Split('\n'), l => l.StartsWith("  " + RatingTotals.Describe(band), StringComparison.Ordinal) && l.Contains("no care", StringComparison.Ordinal));
            Assert.Contains(report.Split('\n'), l => l.StartsWith("  " + RatingTotals.Describe(band), StringComparison.Ordinal) && l.Contains("cared", StringComparison.Ordinal));
        }

        Assert.EndsWith($"customer ratings: {s.Ratings}", s.ToString(), StringComparison.Ordinal);

        // The narrator at close: the branch, every counter with a station, the wait bands; and the low ratings as they came.
        Assert.Contains(logger.Lines, l => l.Contains(" customer ratings: ", StringComparison.Ordinal) && l.Contains($"satisfaction {RatingTotals.Percent(s.Ratings.Satisfaction)}", StringComparison.Ordinal)
            && l.Contains($"NPS {RatingTotals.Nps(s.Ratings.NetPromoterScore)}", StringComparison.Ordinal));
        foreach (int counter in s.RatedCounters)
        {
            Assert.Contains(logger.Lines, l => l.EndsWith($" ratings at counter {counter}: {s.RatingsOfCounter(counter)}", StringComparison.Ordinal));
        }

        Assert.Contains(logger.Lines, l => l.Contains(" ratings after a wait of 20 min and more, no care: ", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains(" rated counter ", StringComparison.Ordinal) && l.Contains(" low: ", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Lines, l => l.Contains(" 1 places ", StringComparison.Ordinal) || l.Contains(" 1 recalls", StringComparison.Ordinal));
    }

    private static RatingTotals Merge(Day day, Func<LobbyEvent, bool> which)
    {
        var summary = new DaySummary();
        summary.Observe([.. day.Events.Where(e => e.Kind == EventKind.TicketRated && e.Ticket >= 0 && which(e))]);
        return summary.Ratings;
    }

    private static LobbyEvent Event(EventKind kind, int ticket, int counter, DateTimeOffset at) =>
        new() { Kind = kind, Ticket = ticket, Counter = (short)counter, Service = 0, NumberService = 0, Number = ticket, TimeTicks = at.UtcTicks };

    private static Day Run(TrafficProfile profile, int seed, Func<QueueEngine, EventBatchHandler>? listen = null)
    {
        var engine = new QueueEngine(s_demo);
        EventBatchHandler? onEvents = listen?.Invoke(engine);
        var traffic = new LobbyTraffic(s_demo, profile, s_day, seed);
        var events = new List<LobbyEvent>();
        DaySummary summary = SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), batch =>
        {
            events.AddRange(batch.ToArray());
            onEvents?.Invoke(batch);
        });
        return new Day(engine, traffic.Ratings, events, summary);
    }

    private sealed record Day(QueueEngine Engine, RatingCustomers? Ratings, List<LobbyEvent> Events, DaySummary Summary);
}
