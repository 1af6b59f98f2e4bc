using LobbyEdge.Service.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 2: <see cref="HeapTrim"/> collects once after the start, then again only when the committed heap
/// has grown by more than its allowance over the level after the last trim, and at most once in 20 s.
/// </summary>
public sealed class HeapTrimTests
{
    private const long Mb = 1L << 20;

    [Theory]
    [InlineData(19, 15, 20, true)]
    [InlineData(19, 15, 600, true)]
    [InlineData(18, 15, 600, false)] // grown by exactly the allowance (3 MiB): no trim
    [InlineData(12, 15, 600, false)] // shrunk
    [InlineData(40, 15, 19, false)]  // grown, but the last trim was under 20 s ago
    public void Due_OnlyWhenGrownPastTheAllowance_And20SecondsAfterTheLastTrim(long committedMb, long afterLastTrimMb, int secondsSince, bool due) =>
        Assert.Equal(due, HeapTrim.Due(committedMb * Mb, afterLastTrimMb * Mb, TimeSpan.FromSeconds(secondsSince)));

    [Fact]
    public void Checks_TrimOnlyOnGrowthOverTheLevelAfterTheLastTrim_AtMostOnceIn20Seconds()
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

        // Quiet: the heap stays within the allowance of the 12 MB after the trim; 720 checks, no trim.
        committed = 12 * Mb + HeapTrim.GrowthAllowanceBytes;
        for (int i = 0; i < 720; i++)
        {
            time.Advance(HeapTrim.CheckEvery);
            Assert.False(trim.Check());
        }

        // A burst grows it past the allowance: trimmed at the next check.
        committed = 25 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(2, collections);

        // A burst that goes on (the heap still growing at every check): the next trim waits for 20 s to pass.
        for (TimeSpan since = HeapTrim.CheckEvery; since < HeapTrim.AtMostEvery; since += HeapTrim.CheckEvery)
        {
            committed += 2 * Mb;
            time.Advance(HeapTrim.CheckEvery);
            Assert.False(trim.Check());
        }

        committed += 2 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(3, collections);
    }

    [Fact]
    public void Checks_TrimAsSoonAsABurstHasEnded_WithoutWaitingForTheRateLimit()
    {
        var time = new FakeTimeProvider();
        long committed = 30 * Mb;
        int collections = 0;
        using var trim = new HeapTrim(NullLogger<HeapTrim>.Instance, time, () => committed, () =>
        {
            collections++;
            committed = 10 * Mb;
        });
        trim.TrimAfterStart();

        // The burst: growing at the first check (no trim yet), the same at the next: it has ended, trim now.
        committed = 30 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(2, collections);
        Assert.True(HeapTrim.CheckEvery * 2 < HeapTrim.AtMostEvery);

        // Another burst; after it the service's own work commits a little more (less than the tolerance): it has
        // ended all the same, trim without waiting for the rate limit.
        committed = 30 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        committed += HeapTrim.BurstEndToleranceBytes / 2;
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(3, collections);

        // Still growing by more than the tolerance at every check: a burst that goes on waits for the rate limit.
        committed = 20 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        committed += 2 * HeapTrim.BurstEndToleranceBytes;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        Assert.Equal(3, collections);

        // Not grown past the allowance: no trim, however flat.
        committed = 12 * Mb;
        for (int i = 0; i < 100; i++)
        {
            time.Advance(HeapTrim.CheckEvery);
            Assert.False(trim.Check());
        }
    }

    [Fact]
    public async Task AsAService_CollectsOnceTheStartDelayHasPassed()
    {
        var time = new FakeTimeProvider();
        int collections = 0;
        using var trim = new HeapTrim(NullLogger<HeapTrim>.Instance, time, () => 10 * Mb, () => Interlocked.Increment(ref collections));
        await trim.StartAsync(CancellationToken.None); // ExecuteAsync runs on a thread of its own (.NET 10)

        // A second of fake time at a time, until it has collected: never before the start delay, once after it.
        TimeSpan advanced = TimeSpan.Zero;
        for (int i = 0; i < 1000 && Volatile.Read(ref collections) == 0; i++)
        {
            await Task.Delay(10);
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
        }

        for (int i = 0; i < 100 && Volatile.Read(ref collections) == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, Volatile.Read(ref collections));
        Assert.True(advanced >= HeapTrim.StartDelay, $"collected after {advanced} of fake time, before the start delay {HeapTrim.StartDelay}");
        await trim.StopAsync(CancellationToken.None);
    }
}
