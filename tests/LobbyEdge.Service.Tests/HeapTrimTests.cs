using LobbyEdge.Service.Operations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 2: <see cref="HeapTrim"/> collects once after the start, then again only when the committed heap
/// has grown by more than its allowance over the level after the last trim, and at most once in 20 s, or once a burst
/// has ended, at most once in 8 s.
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

    [Theory]
    [InlineData(30, 10, 29, true, 8, true)]
    [InlineData(30, 10, 30, true, 600, true)]
    [InlineData(30, 10, 29, false, 600, false)] // no growth of more than the tolerance between two checks: slow growth, not a burst
    [InlineData(30, 10, 28, true, 600, false)]  // still growing by more than the tolerance: the burst goes on
    [InlineData(30, 10, 30, true, 7, false)]    // ended, but the last trim was under 8 s ago
    [InlineData(13, 10, 13, true, 600, false)]  // not grown past the allowance
    public void BurstEnded_OnlyAfterABurst_WhenFlat_AndAtMostEvery8Seconds(long committedMb, long afterLastTrimMb, long atLastCheckMb, bool burst, int secondsSince, bool ended) =>
        Assert.Equal(ended, HeapTrim.BurstEnded(committedMb * Mb, afterLastTrimMb * Mb, atLastCheckMb * Mb, burst, TimeSpan.FromSeconds(secondsSince)));

    [Fact]
    public void Checks_TrimOnceABurstHasEnded_WithoutWaitingForTheRateLimit()
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
        Assert.True(HeapTrim.BurstEndAtMostEvery < HeapTrim.AtMostEvery);

        // Quiet for a while, then the burst: growing at one check (no trim yet), the same at the next: it has ended,
        // trim now, not 20 s after the last trim.
        AdvanceChecks(time, trim, 5);
        committed = 30 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        time.Advance(HeapTrim.CheckEvery);
        Assert.True(trim.Check());
        Assert.Equal(2, collections);

        // Another burst right after; after it the service's own work commits a little more (less than the
        // tolerance): it has ended all the same, and is trimmed once 8 s have passed since the last trim.
        committed = 30 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        int checks = 1;
        do
        {
            committed += HeapTrim.BurstEndToleranceBytes / 2;
            time.Advance(HeapTrim.CheckEvery);
            checks++;
        }
        while (!trim.Check());
        Assert.Equal(3, collections);
        Assert.Equal(HeapTrim.BurstEndAtMostEvery, HeapTrim.CheckEvery * checks);

        // 6 s later, still growing by more than the tolerance at every check: a burst that goes on waits for the rate
        // limit of 20 s, though 8 s have passed.
        AdvanceChecks(time, trim, 2);
        committed = 20 * Mb;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        committed += 2 * HeapTrim.BurstEndToleranceBytes;
        time.Advance(HeapTrim.CheckEvery);
        Assert.False(trim.Check());
        Assert.Equal(3, collections);
    }

    [Fact]
    public void Checks_SlowGrowth_IsTrimmedAtMostOnceIn20Seconds()
    {
        // The heap grows by just under the tolerance at every check, for ten minutes: never a burst, so only the
        // rate-limited trim runs (this trimmed every 8-12 s when any flat check past the allowance counted as a
        // burst's end).
        List<TimeSpan> trims = TrimTimes(_ => HeapTrim.BurstEndToleranceBytes - (64 << 10));
        Assert.True(trims.Count > 10, $"{trims.Count} trims in 10 min of growth");
        AssertSpacedBy(trims, HeapTrim.AtMostEvery);
    }

    [Fact]
    public void Checks_BurstsOneAfterAnother_AreTrimmedAtMostOnceIn8Seconds()
    {
        // 4 MiB in one check, flat the next, over and over: each burst ends, but the pauses stay 8 s apart.
        List<TimeSpan> trims = TrimTimes(check => check % 2 == 0 ? 4 * Mb : 0);
        Assert.True(trims.Count > 20, $"{trims.Count} trims in 10 min of bursts");
        AssertSpacedBy(trims, HeapTrim.BurstEndAtMostEvery);
    }

    /// <summary>300 checks (10 minutes) from a trim to 10 MB, the heap growing by <paramref name="growth"/> bytes before each: when it trimmed.</summary>
    private static List<TimeSpan> TrimTimes(Func<int, long> growth)
    {
        var time = new FakeTimeProvider();
        long committed = 30 * Mb;
        var trims = new List<TimeSpan>();
        TimeSpan now = TimeSpan.Zero;
        using var trim = new HeapTrim(NullLogger<HeapTrim>.Instance, time, () => committed, () =>
        {
            trims.Add(now);
            committed = 10 * Mb;
        });
        trim.TrimAfterStart();
        trims.Clear();
        for (int i = 0; i < 300; i++)
        {
            committed += growth(i);
            time.Advance(HeapTrim.CheckEvery);
            now += HeapTrim.CheckEvery;
            trim.Check();
        }

        return trims;
    }

    private static void AssertSpacedBy(List<TimeSpan> trims, TimeSpan least)
    {
        for (int i = 1; i < trims.Count; i++)
        {
            Assert.True(trims[i] - trims[i - 1] >= least, $"trims at {trims[i - 1]} and {trims[i]}");
        }
    }

    private static void AdvanceChecks(FakeTimeProvider time, HeapTrim trim, int checks)
    {
        for (int i = 0; i < checks; i++)
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
