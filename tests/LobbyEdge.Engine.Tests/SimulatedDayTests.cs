using System.Diagnostics;
using LobbyEdge.Simulator;
using Xunit.Abstractions;

namespace LobbyEdge.Engine.Tests;

public sealed class SimulatedDayTests(ITestOutputHelper output)
{
    [Fact]
    public void BusyDay_ThreeThousandTickets_EveryTicketEndsOnceAndReplayMatches()
    {
        BranchConfig config = Branches.Busy();
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, TrafficProfile.Busy, Branches.Day, seed: 42);
        var log = new List<LobbyEvent>();
        var clock = Stopwatch.StartNew();
        DaySummary summary = SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), events => log.AddRange(events.ToArray()));
        clock.Stop();
        output.WriteLine(summary.ToString());
        output.WriteLine($"{log.Count} events, {clock.ElapsedMilliseconds} ms");

        Assert.InRange(summary.Issued, 2700, 3300);
        Assert.False(engine.IsDayOpen);
        Assert.Equal(summary.Issued, summary.Completed + summary.Cancelled + summary.Abandoned);
        Assert.True(summary.NoShows > 0 && summary.Recovered > 0 && summary.CareAlerts > 0);

        var replay = new QueueEngine(config);
        foreach (LobbyEvent e in log)
        {
            replay.Apply(in e);
        }

        Assert.Equal(engine.DescribeState(), replay.DescribeState());
    }
}
