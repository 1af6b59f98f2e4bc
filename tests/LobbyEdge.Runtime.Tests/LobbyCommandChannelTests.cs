using System.Threading.Channels;
using LobbyEdge.Engine;

namespace LobbyEdge.Runtime.Tests;

/// <summary>
/// The command channel as the engine loop and the producers see it, without a loop: what a reader must do with what
/// it reads, how ticks coalesce, and how the channel fails closed.
/// </summary>
public sealed class LobbyCommandChannelTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_CompletesWithTheOutcomeTheReaderGives()
    {
        var channel = new LobbyCommandChannel();
        ValueTask<CommandOutcome> sent = channel.SendAsync(Command.Issue(2));

        Assert.True(channel.TryRead(out PendingCommand pending));
        Assert.False(pending.IsTick);
        Assert.Equal(Command.Issue(2), pending.Command);
        Assert.False(sent.IsCompleted);
        var outcome = new CommandOutcome(default, DateTimeOffset.UnixEpoch, 42);
        pending.Complete(in outcome);

        Assert.Equal(42, (await sent.AsTask().WaitAsync(s_patience)).LastSequence);
        Assert.False(channel.TryRead(out _));
    }

    [Fact]
    public async Task PostTickAsync_QueuesOneTickUntilTheReaderTakesIt()
    {
        var channel = new LobbyCommandChannel();
        await channel.PostTickAsync(CancellationToken.None);
        await channel.PostTickAsync(CancellationToken.None);
        ValueTask<CommandOutcome> sent = channel.SendAsync(Command.CallNext(1));
        await channel.PostTickAsync(CancellationToken.None);

        Assert.True(channel.TryRead(out PendingCommand first));
        Assert.True(first.IsTick);
        Assert.True(channel.TryRead(out PendingCommand second));
        Assert.False(second.IsTick);
        Assert.False(channel.TryRead(out _));

        // Taken, so the next second's tick is queued again.
        await channel.PostTickAsync(CancellationToken.None);
        Assert.True(channel.TryRead(out PendingCommand third));
        Assert.True(third.IsTick);
        second.Complete(default);
        await sent.AsTask().WaitAsync(s_patience);
    }

    [Fact]
    public async Task Stop_FailsWhatIsQueuedAndRefusesEverySenderAfter_WithTheFirstReason()
    {
        var channel = new LobbyCommandChannel();
        Task<CommandOutcome> queued = channel.SendAsync(Command.Issue(0)).AsTask();
        await channel.PostTickAsync(CancellationToken.None);

        EngineStoppedException inForce = channel.Stop(new EngineStoppedException("branch storage full", "storage_full", innerException: null));
        EngineStoppedException later = channel.Stop(new EngineStoppedException("something else"));

        Assert.Same(inForce, later);
        Assert.Same(inForce, channel.StoppedBy);
        EngineStoppedException failed = await Assert.ThrowsAsync<EngineStoppedException>(() => queued.WaitAsync(s_patience));
        EngineStoppedException refused = await Assert.ThrowsAsync<EngineStoppedException>(() => channel.SendAsync(Command.Issue(0)).AsTask());
        Assert.All([failed, refused], e => Assert.Equal(("storage_full", "branch storage full"), (e.Reason, e.Message)));

        // A fresh copy per sender: one exception instance is never thrown on two threads.
        Assert.NotSame(failed, refused);
        Assert.NotSame(inForce, refused);
        Assert.False(channel.TryRead(out _));
        await Assert.ThrowsAsync<EngineStoppedException>(() => channel.PostTickAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task CompleteWriting_LetsTheQueuedBeReadAndClosesTheWriterSide()
    {
        var channel = new LobbyCommandChannel();
        ValueTask<CommandOutcome> queued = channel.SendAsync(Command.Issue(0));
        channel.CompleteWriting();

        await Assert.ThrowsAsync<ChannelClosedException>(() => channel.SendAsync(Command.Issue(0)).AsTask());
        Assert.True(channel.HasQueued);
        Assert.True(channel.TryRead(out PendingCommand pending));
        pending.Complete(default);
        await queued.AsTask().WaitAsync(s_patience);
        Assert.False(channel.HasQueued);
        Assert.False(await channel.WaitToReadAsync(CancellationToken.None));
        Assert.Null(channel.StoppedBy);
    }

    [Fact]
    public async Task SendAsync_WhenFull_WaitsForRoom_AndACancelledWaitQueuesNothing()
    {
        var channel = new LobbyCommandChannel();
        var queued = new List<Task<CommandOutcome>>();
        for (int i = 0; i < LobbyCommandChannel.Capacity; i++)
        {
            queued.Add(channel.SendAsync(Command.Issue(0)).AsTask());
        }

        using var cancel = new CancellationTokenSource();
        Task<CommandOutcome> waiting = channel.SendAsync(Command.CallNext(1), cancel.Token).AsTask();
        Task<CommandOutcome> gaveUp = channel.SendAsync(Command.CallNext(2), cancel.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp.WaitAsync(s_patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_patience));

        // Room again: the reader takes every queued command; neither cancelled command was queued.
        int read = 0;
        while (channel.TryRead(out PendingCommand pending))
        {
            Assert.Equal(CommandKind.Issue, pending.Command.Kind);
            pending.Complete(default);
            read++;
        }

        Assert.Equal(LobbyCommandChannel.Capacity, read);
        await Task.WhenAll(queued).WaitAsync(s_patience);
    }

    [Fact]
    public void ARoundTrip_InSteadyState_AllocatesNothing()
    {
        var channel = new LobbyCommandChannel();
        for (int i = 0; i < 100; i++)
        {
            RoundTrip(channel);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            RoundTrip(channel);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RoundTrip(LobbyCommandChannel channel)
    {
        ValueTask<CommandOutcome> sent = channel.SendAsync(Command.Issue(0));
        _ = channel.TryRead(out PendingCommand pending);
        pending.Complete(default);
        if (!sent.IsCompleted)
        {
            throw new InvalidOperationException("a completed command's outcome must be ready at once");
        }

        _ = sent.GetAwaiter().GetResult();
    }
}
