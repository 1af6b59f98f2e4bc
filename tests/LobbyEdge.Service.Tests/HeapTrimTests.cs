using LobbyEdge.Service.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 2: <see cref="HeapTrim"/> collects once after the start, then again only when the committed heap
/// has grown by more than its allowance over the level after the last trim, and at most once a minute.
/// </summary>
public sealed class HeapTrimTests
{
    private const long Mb = 1L << 20;

    [Theory]
    [InlineData(20, 15, 60, true)]
    [InlineData(20, 15, 600, true)]
    [InlineData(19, 15, 600, false)] // grown by exactly the allowance: no trim
    [InlineData(12, 15, 600, false)] // shrunk
    [InlineData(40, 15, 59, false)]  // grown, but the last trim was under a minute ago
    public void Due_OnlyWhenGrownPastTheAllowance_AndAMinuteAfterTheLastTrim(long committedMb, long afterLastTrimMb, int secondsSince, bool due) =>
        Assert.Equal(due, HeapTrim.Due(committedMb * Mb, afterLastTrimMb * Mb, TimeSpan.FromSeconds(secondsSince)));

    [Fact]
    public void Checks_TrimOnlyOnGrowthOverTheLevelAfterTheLastTrim_AtMostOnceAMinute()
    {
        var time = new FakeTimeProvider();
        long committed = 30 * Mb;
        int collections = 0;
        using var trim = new HeapTrim(NullLogger<HeapTrim>.Instance, time, () => committed, () =>
        {
            collections++;
            committed = 12 * Mb;
        });
        trim.TrimAfterStart();
        Assert.Equal(1, collections);

        // Quiet: the heap stays within the allowance of the 12 MB after the trim; an hour of checks, no trim.
        committed = 12 * Mb + HeapTrim.GrowthAllowanceBytes;
        for (int i = 0; i < 360; i++)
        {
            time.Advance(HeapTrim.CheckEvery);
            Assert.False(trim.Check());
        }

        // A burst grows it past the allowance: trimmed at the next check.
        committed = 25 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(2, collections);

        // Bursts back to back: the next trim waits for the minute to pass.
        committed = 25 * Mb;
        for (TimeSpan since = HeapTrim.CheckEvery; since < HeapTrim.AtMostEvery; since += HeapTrim.CheckEvery)
        {
            time.Advance(HeapTrim.CheckEvery);
            Assert.False(trim.Check());
        }

        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(3, collections);
    }

    [Fact]
    public async Task AsAService_CollectsOnceTheStartDelayHasPassed()
    {
        var time = new FakeTimeProvider();
        int collections = 0;
        using var trim = new HeapTrim(NullLogger<HeapTrim>.Instance, time, () => 10 * Mb, () => Interlocked.Increment(ref collections));
        await trim.StartAsync(CancellationToken.None);
        time.Advance(HeapTrim.StartDelay - TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        Assert.Equal(0, Volatile.Read(ref collections));

        time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 500 && Volatile.Read(ref collections) == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, Volatile.Read(ref collections));
        await trim.StopAsync(CancellationToken.None);
    }
}
