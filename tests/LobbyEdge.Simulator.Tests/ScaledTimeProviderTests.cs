using LobbyEdge.Service.Tests;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Simulator.Tests;

public sealed class ScaledTimeProviderTests
{
    private static readonly DateTimeOffset s_start = TestBranch.At(8, 59);

    [Fact]
    public void Clock_RunsSpeedTimesFasterThanTheRealOne()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(s_start, speed: 60, real);
        long before = clock.GetTimestamp();

        real.Advance(TimeSpan.FromSeconds(8));

        Assert.Equal(s_start + TimeSpan.FromMinutes(8), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(8), clock.GetElapsedTime(before));
    }

    [Fact]
    public void StoppedClock_StandsStillUntilStarted()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(s_start, speed: 100, real, running: false);

        real.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(s_start, clock.GetUtcNow());
        Assert.False(clock.IsRunning);

        clock.Start();
        real.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(s_start + TimeSpan.FromSeconds(100), clock.GetUtcNow());
    }

    [Fact]
    public void SkipTo_MovesForwardOnly()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(s_start, speed: 10, real);

        Assert.True(clock.SkipTo(s_start + TimeSpan.FromHours(16)));
        Assert.False(clock.SkipTo(s_start));
        real.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(s_start + TimeSpan.FromHours(16) + TimeSpan.FromSeconds(10), clock.GetUtcNow());
    }

    [Fact]
    public void Timer_FiresAfterTheScaledDueTime()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(s_start, speed: 60, real);
        int fired = 0;
        using ITimer timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        real.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, fired);
        real.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, fired);
        real.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, fired);

        timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        real.Advance(TimeSpan.FromMilliseconds(17));
        Assert.Equal(3, fired);
    }

    [Fact]
    public void Timer_PeriodShorterThanARealMillisecond_StaysPeriodic()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new ScaledTimeProvider(s_start, speed: 100_000, real);
        int fired = 0;

        // One simulated second is 10 µs of real time; rounded down to 0 it would make a one-shot timer.
        using ITimer timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        real.Advance(TimeSpan.FromMilliseconds(1));
        real.Advance(TimeSpan.FromMilliseconds(1));
        real.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, fired);
    }

    [Fact]
    public async Task Delay_OnTheRealClock_TakesAFractionOfTheSimulatedTime()
    {
        var clock = new ScaledTimeProvider(s_start, speed: 1000);

        // Ten simulated minutes; unscaled this would take far longer than the test's patience.
        await Task.Delay(TimeSpan.FromMinutes(10), clock).WaitAsync(TimeSpan.FromSeconds(30));

        // .NET's timer queue runs on a coarse millisecond tick count and fires up to a few milliseconds before the
        // stopwatch this clock reads agrees (seen here: 2-3 ms); at 1000x that is a few simulated seconds.
        Assert.True(clock.GetUtcNow() >= s_start + TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(10), $"{clock.GetUtcNow() - s_start}");
    }
}
