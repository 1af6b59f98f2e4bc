using LobbyEdge.Engine;
using LobbyEdge.Service.Clock;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>What issue 10 added to the engine loop's every step allocates nothing in steady state.</summary>
public sealed class HotPathAllocationTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-alloc-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void BranchClockRead_WithTheKernelsState_AllocatesNothing()
    {
        var time = new TwoClocks(TestBranch.At(9, 0));
        var clock = new BranchClock(time, new KernelClockSynchronization(), DateTime.MinValue, TimeSpan.FromSeconds(2));
        for (int i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(300));
            clock.Read(dayOpen: true, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            // Every read; a kernel query every fourth; a step every thousandth.
            time.Advance(TimeSpan.FromMilliseconds(300));
            if (i % 1000 == 0)
            {
                time.Step(TimeSpan.FromMinutes(-1));
            }

            clock.Read(dayOpen: (i & 1) == 0, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void MetricsSink_BatchesAppliedOrDeferred_AllocateNothing()
    {
        BranchConfig config = TestBranch.Create();
        var metrics = new LobbyMetrics(config);
        using RestoredBranch branch = RestoredBranch.Open(_work.FullName, config, NullLogger.Instance, metrics);
        var time = new TwoClocks(TestBranch.At(9, 0));
        var sink = new MetricsSink(metrics, branch, time);
        QueueEngine engine = branch.Engine;
        engine.Tick(time.GetUtcNow());
        sink.OnEvents(engine.LastEvents);
        sink.OnBatchEnd();

        void Batch(int i)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            int ticket = engine.Execute(Command.Issue(0), time.GetUtcNow()).Ticket;
            sink.OnEvents(engine.LastEvents);

            // The lobby manager's acts (issue 12) feed the care and act families.
            engine.Execute(Command.GiveCare(ticket, 7), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);
            engine.Execute(Command.ChangeTier(ticket, Tier.Priority, 7), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);
            engine.Execute(Command.Reprint(ticket, 7), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);
            engine.Execute(Command.CallNext(1 + (i & 1)), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);

            // Customer ratings (issue 13): a finish, a prompt and a rating, on the pad or the page, feed the rating families.
            int finished = engine.Execute(Command.Finish(1 + (i & 1)), time.GetUtcNow()).Ticket;
            sink.OnEvents(engine.LastEvents);
            engine.Execute(Command.RequestRating(1 + (i & 1)), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);
            engine.Execute((i & 2) == 0 ? Command.Rate(1 + (i & 1), 1 + (i % 5), RatingScale.Pad5)
                : Command.RateTicket(1 + (i & 1), finished, i % 11, RatingScale.Nps11, RatingReasons.Waiting), time.GetUtcNow());
            sink.OnEvents(engine.LastEvents);
            metrics.Committed(2, TimeSpan.FromMilliseconds(1));
            sink.OnBatchEnd();
        }

        for (int i = 0; i < 200; i++)
        {
            Batch(i);
        }

        // Three windows of 1,000 batches: an allocation per batch shows in every window, while a one-off cost of the
        // runtime (seen once in a full, loaded test run: 3.6 KB in one window, not reproducible alone) lands in one at
        // most. Steady state is the best window, and it must be 0 bytes.
        long allocated = long.MaxValue;
        var windows = new List<long>(3);
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                Batch(i);
            }

            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            windows.Add(bytes);
            allocated = Math.Min(allocated, bytes);
        }

        Assert.True(allocated == 0, $"every window of 1,000 batches allocated: {string.Join(", ", windows)} bytes");
        RatingFigures rated = engine.RatingFiguresTotal();
        Assert.True(rated.Answered >= 3000 && rated.Rated(RatingScale.Pad5) > 0 && rated.Rated(RatingScale.Nps11) > 0, $"ratings in the batches: {rated}");

        // Held by a scrape on another thread: the batches are kept, not waited for. The first hold grows the kept
        // buffers once; a second one of the same length allocates nothing.
        long deferredBefore = sink.Deferred;
        WhileAScrapeHoldsTheLock(metrics, () =>
        {
            for (int i = 0; i < 50; i++)
            {
                Batch(i);
            }
        });
        Batch(1);
        allocated = 0;
        WhileAScrapeHoldsTheLock(metrics, () =>
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                Batch(i);
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        });
        Assert.Equal(deferredBefore + 100, sink.Deferred);
        Assert.Equal(0, allocated);
    }

    private static void WhileAScrapeHoldsTheLock(LobbyMetrics metrics, Action loop)
    {
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var scrape = new Thread(() =>
        {
            lock (metrics.ExportLock)
            {
                held.Set();
                release.Wait();
            }
        });
        scrape.Start();
        held.Wait();
        try
        {
            loop();
        }
        finally
        {
            release.Set();
            scrape.Join();
        }
    }
}
