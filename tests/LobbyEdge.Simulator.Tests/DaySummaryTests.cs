using LobbyEdge.Engine;
using LobbyEdge.Service.Tests;

namespace LobbyEdge.Simulator.Tests;

/// <summary>The day summary's care figures on a real engine's day: coverage from the engine, care, response and the manager's acts from the events.</summary>
public sealed class DaySummaryTests
{
    [Fact]
    public void Summary_OfADayWithCare_ShowsCoverageResponseAndTheManagersActs_AsTheEngineCountedThem()
    {
        var engine = new QueueEngine(TestBranch.Create());
        var summary = new DaySummary();
        DateTimeOffset now = TestBranch.At(8, 59);
        void Deliver()
        {
            summary.Observe(engine.LastEvents);
            if (engine.LastEvents.ToArray().Any(e => e.Kind == EventKind.DayClosed))
            {
                summary.TakeCareFigures(engine.CareFiguresTotal());
            }
        }

        CommandResult Do(Command command)
        {
            CommandResult result = engine.Execute(in command, now);
            Deliver();
            return result;
        }

        void TickUntil(DateTimeOffset until)
        {
            while (now < until)
            {
                now += TimeSpan.FromSeconds(30);
                engine.Tick(now);
                Deliver();
            }
        }

        TickUntil(TestBranch.At(9, 0));
        Do(Command.OpenCounter(1));
        int[] tickets = [.. Enumerable.Range(0, 6).Select(_ => Do(Command.Issue(0)).Ticket)];
        TickUntil(TestBranch.At(9, 4));
        Assert.True(Do(Command.GiveCare(tickets[5], 4)).Accepted);
        TickUntil(TestBranch.At(9, 11));
        Assert.True(Do(Command.GiveCare(tickets[0], 4)).Accepted);
        TickUntil(TestBranch.At(9, 13));
        Assert.True(Do(Command.GiveCare(tickets[1], 5)).Accepted);
        Assert.True(Do(Command.ChangeTier(tickets[2], Tier.Vip, 5)).Accepted);
        Assert.True(Do(Command.Reprint(tickets[3], 5)).Accepted);
        for (int i = 0; i < 3; i++)
        {
            Do(Command.CallNext(1));
            Do(Command.Finish(1));
        }

        Do(Command.CloseDay());
        TickUntil(TestBranch.At(17, 5));
        Assert.False(engine.IsDayOpen);

        CareFigures figures = engine.CareFiguresTotal();
        Assert.Equal(figures, summary.Care);
        Assert.True(figures.Decided > figures.Covered && figures.Covered > 0, $"figures {figures}");
        Assert.Equal(figures.Decided - figures.Covered, summary.Uncared);
        Assert.Equal(3, summary.CareGiven);
        Assert.Equal(figures.CareGiven, summary.CareGiven);
        Assert.Equal(figures.Responses, summary.CareResponses);
        Assert.True(summary.CareResponses >= 2, $"responses {summary.CareResponses}");
        Assert.Equal(figures.MeanResponseMs, summary.MeanCareResponse.TotalMilliseconds, 3);
        Assert.True(summary.CareResponsePercentile(90) >= summary.MeanCareResponse && summary.CareResponsePercentile(90) <= summary.CareResponsePercentile(100));
        Assert.Equal(1, summary.TierChanges);
        Assert.Equal(1, summary.Reprints);
        Assert.Equal(0, summary.Diversions);

        string text = summary.ToString();
        Assert.StartsWith($"tickets {summary.Issued}, completed {summary.Completed}, ", text, StringComparison.Ordinal);
        string coverage = (100.0 * figures.Covered / figures.Decided).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"care coverage {coverage}% ({figures.Covered} of {figures.Decided}), uncared {summary.Uncared}, care given 3, ", text, StringComparison.Ordinal);
        Assert.EndsWith("tier changes 1, diversions 0, reprints 1; customer ratings: 0 ratings", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_OfADayNobodyWaitedLong_ShowsFullCoverageAndNoResponse()
    {
        var summary = new DaySummary();
        Assert.Equal(1.0, summary.CareCoverage);
        Assert.Equal(TimeSpan.Zero, summary.MeanCareResponse);
        Assert.Contains("care coverage 100% (0 of 0), uncared 0, care given 0, care response mean 0.0 min, p90 0.0 min; ", summary.ToString(), StringComparison.Ordinal);
    }
}
