using LobbyEdge.Simulator.Hosting;

namespace LobbyEdge.Simulator.Tests;

public sealed class ClockLagTests
{
    [Fact]
    public void Lag_IsReportedOnceWhenItFirstPassesTheThreshold_AndTheWorstIsKept()
    {
        var lag = new ClockLag(TimeSpan.FromMinutes(5));

        Assert.False(lag.Observe(TimeSpan.FromSeconds(-30)));   // nothing overdue
        Assert.False(lag.Observe(TimeSpan.FromMinutes(5)));     // at the threshold: not behind
        Assert.False(lag.Warned);
        Assert.True(lag.Observe(TimeSpan.FromMinutes(7)));
        Assert.False(lag.Observe(TimeSpan.FromMinutes(40)));    // once
        Assert.False(lag.Observe(TimeSpan.FromMinutes(1)));
        Assert.True(lag.Warned);
        Assert.Equal(TimeSpan.FromMinutes(40), lag.Worst);
    }
}
