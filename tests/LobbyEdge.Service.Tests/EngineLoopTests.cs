using System.Collections.Concurrent;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LobbyEdge.Service.Tests;

public sealed class EngineLoopTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_Issue_ReturnsTheEnginesResultAfterTheSinksSawItsEvents()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var sink = new RecordingSink();
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        CommandOutcome outcome = await commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience);

        // The day opened on its own (the timers are caught up before a command), so the ticket is A001.
        Assert.True(outcome.Result.Accepted, outcome.Result.Refusal.ToString());
        Assert.Equal(1, outcome.Result.Number);
        Assert.Equal(0, outcome.Result.NumberService);
        Assert.Equal(time.GetUtcNow(), outcome.At);
        LobbyEvent issued = Assert.Single(sink.Events, e => e.Kind == EventKind.TicketIssued);
        Assert.Equal(outcome.LastSequence, issued.Sequence);
        Assert.Contains(sink.Events, e => e.Kind == EventKind.DayOpened);
        Assert.True(sink.Batches > 0);

        await loop.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Result_IsReleasedOnlyAfterTheSinksEndedTheBatch()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        using var sink = new GatedSink();
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        Task<CommandOutcome> send = commands.SendAsync(Command.Issue(0)).AsTask();
        await sink.Entered.WaitAsync(s_patience);

        // The sink holds the loop inside OnBatchEnd (where the event log will fsync): the ticket is not out yet.
        Assert.True(sink.SawTicketIssued);
        Assert.False(send.IsCompleted);
        sink.Release();
        CommandOutcome outcome = await send.WaitAsync(s_patience);

        Assert.True(outcome.Result.Accepted);
        await loop.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RefusedCommand_ComesBackWithItsReason()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        CommandOutcome outcome = await commands.SendAsync(Command.CallNext(1)).AsTask().WaitAsync(s_patience);

        Assert.Equal(RefusalReason.NothingWaiting, outcome.Result.Refusal);
        await loop.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ConcurrentProducers_NeverGetTheSameTicketNumberTwice()
    {
        const int Producers = 8;
        const int PerProducer = 400; // 3,200 in flight at once: more than the channel holds, so senders wait for room
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var sink = new RecordingSink();
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);
        var outcomes = new ConcurrentBag<CommandOutcome>();
        var releasedBeforeSinks = new ConcurrentBag<long>();

        async Task<CommandOutcome> SendAndCheckAsync()
        {
            CommandOutcome outcome = await commands.SendAsync(Command.Issue(0));

            // The sequence only grows, so if the sinks are behind now they were behind at release.
            if (sink.LastSequence < outcome.LastSequence)
            {
                releasedBeforeSinks.Add(outcome.LastSequence);
            }

            return outcome;
        }

        Task[] producers = new Task[Producers];
        for (int p = 0; p < Producers; p++)
        {
            producers[p] = Task.Run(async () =>
            {
                var mine = new Task<CommandOutcome>[PerProducer];
                for (int i = 0; i < PerProducer; i++)
                {
                    mine[i] = SendAndCheckAsync();
                }

                foreach (CommandOutcome outcome in await Task.WhenAll(mine))
                {
                    outcomes.Add(outcome);
                }
            });
        }

        await Task.WhenAll(producers).WaitAsync(s_patience);
        await loop.StopAsync(CancellationToken.None);

        Assert.Equal(Producers * PerProducer, outcomes.Count);
        Assert.All(outcomes, o => Assert.True(o.Result.Accepted, o.Result.Refusal.ToString()));
        int[] numbers = [.. outcomes.Select(o => o.Result.Number).Order()];
        Assert.Equal(Enumerable.Range(1, Producers * PerProducer), numbers);
        Assert.Empty(releasedBeforeSinks);

        // The sinks saw every event once, in sequence order, with no gap.
        long[] sequences = [.. sink.Events.Select(e => e.Sequence)];
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task TimerTick_RunsThroughTheLoop_CareAlertReachesTheSinks()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var careNeeded = new TaskCompletionSource<LobbyEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new RecordingSink(e =>
        {
            if (e.Kind == EventKind.CareNeeded)
            {
                careNeeded.TrySetResult(e);
            }
        });
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        // Once a command has come back the loop runs, and its one-second timer exists.
        CommandOutcome issued = await commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience);
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        LobbyEvent care = await careNeeded.Task.WaitAsync(s_patience);

        Assert.Equal(issued.Result.Ticket, care.Ticket);
        Assert.True(care.TimeTicks >= (issued.At + TimeSpan.FromMinutes(10)).UtcTicks);
        await loop.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SinkThatThrows_FailsTheCommandAndTheLoop_AndRefusesEveryLaterCommand()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var sink = new RecordingSink(e =>
        {
            if (e.Kind == EventKind.TicketIssued)
            {
                throw new InvalidOperationException("a sink broke");
            }
        });
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        EngineStoppedException error = await Assert.ThrowsAsync<EngineStoppedException>(() => commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience));
        Assert.Equal("engine_failed", error.Reason);
        Assert.Equal("a sink broke", error.InnerException?.Message);
        Task execute = loop.ExecuteTask!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => execute.WaitAsync(s_patience));
        EngineStoppedException later = await Assert.ThrowsAsync<EngineStoppedException>(() => commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience));
        Assert.Equal(error.Message, later.Message);
    }

    [Fact]
    public async Task FailedCommit_StopsTheLoop_AndEveryCommandIsRefusedWithBranchStorageFull()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var full = new LogWriteException(LogWriteSite.Segment, "/data/log/1.seg", new IOException("No space left on device", 28));
        var sink = new RecordingSink(e =>
        {
            if (e.Kind == EventKind.TicketIssued)
            {
                throw full;
            }
        });
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);

        foreach (Command command in new[] { Command.Issue(0), Command.Issue(1), Command.CloseDay() })
        {
            EngineStoppedException refused = await Assert.ThrowsAsync<EngineStoppedException>(() => commands.SendAsync(command).AsTask().WaitAsync(s_patience));
            Assert.Equal("storage_full", refused.Reason);
            Assert.StartsWith("branch storage full: appending events to /data/log/1.seg failed", refused.Message, StringComparison.Ordinal);
            Assert.Same(full, refused.InnerException);
        }

        Assert.Same(full, await Assert.ThrowsAsync<LogWriteException>(() => loop.ExecuteTask!.WaitAsync(s_patience)));
        Assert.Equal("storage_full", loop.StoppedBy?.Reason);
    }

    [Fact]
    public async Task StoppedLoop_RefusesNewCommands()
    {
        var time = new FakeTimeProvider(TestBranch.At(9, 1));
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);
        await commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience);
        await loop.StopAsync(CancellationToken.None);

        await Assert.ThrowsAsync<ChannelClosedException>(() => commands.SendAsync(Command.Issue(0)).AsTask());
        Assert.True(loop.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ClockStepsBack_TheEngineNeverSeesTimeGoBackwards_NorFrozen()
    {
        var time = new SettableClock { Now = TestBranch.At(9, 1) };
        var sink = new RecordingSink();
        var commands = new LobbyCommandChannel();
        using var loop = new EngineLoop(new QueueEngine(TestBranch.Create()), commands, [sink], time, NullLogger<EngineLoop>.Instance);
        await loop.StartAsync(CancellationToken.None);
        CommandOutcome first = await commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience);

        // NTP steps the clock back by a minute (FakeTimeProvider refuses to go back).
        time.Now -= TimeSpan.FromMinutes(1);
        CommandOutcome second = await commands.SendAsync(Command.Issue(0)).AsTask().WaitAsync(s_patience);

        // Before issue 10 the engine's time froze at the last event until the wall clock caught up; now the branch
        // clock goes on at the monotonic clock's rate and the step is recorded.
        Assert.True(second.At >= first.At, $"{second.At:O} before {first.At:O}");
        Assert.True(second.At - first.At < TimeSpan.FromSeconds(30));
        LobbyEvent step = Assert.Single(sink.Events, e => e.Kind == EventKind.ClockStepped);
        Assert.InRange(step.AsClockStepped().StepMs, -61_000, -59_000);
        await loop.StopAsync(CancellationToken.None);
    }

    /// <summary>Holds the engine loop in <see cref="OnBatchEnd"/> of the first batch with a ticket until released.</summary>
    private sealed class GatedSink : IEngineEventSink, IDisposable
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _gate = new();

        public Task Entered => _entered.Task;

        public bool SawTicketIssued { get; private set; }

        public void OnEvents(ReadOnlySpan<LobbyEvent> events)
        {
            foreach (LobbyEvent e in events)
            {
                SawTicketIssued |= e.Kind == EventKind.TicketIssued;
            }
        }

        public void OnBatchEnd()
        {
            if (SawTicketIssued && _entered.TrySetResult())
            {
                _gate.Wait(s_patience);
            }
        }

        public void Release() => _gate.Set();

        public void Dispose() => _gate.Dispose();
    }

    /// <summary>A wall clock that can be stepped either way; its timers are real ones.</summary>
    private sealed class SettableClock : TimeProvider
    {
        private long _utcTicks;

        public DateTimeOffset Now
        {
            get => new(Volatile.Read(ref _utcTicks), TimeSpan.Zero);
            set => Volatile.Write(ref _utcTicks, value.UtcTicks);
        }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Keeps every event it is given, checks they arrive on one thread at a time, and can react to one.</summary>
    private sealed class RecordingSink(Action<LobbyEvent>? onEvent = null) : IEngineEventSink
    {
        private readonly List<LobbyEvent> _events = [];
        private long _lastSequence;
        private int _inside;

        public int Batches { get; private set; }

        public long LastSequence => Volatile.Read(ref _lastSequence);

        public List<LobbyEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public void OnEvents(ReadOnlySpan<LobbyEvent> events)
        {
            Assert.Equal(0, Interlocked.Exchange(ref _inside, 1));
            foreach (LobbyEvent e in events)
            {
                lock (_events)
                {
                    _events.Add(e);
                }

                Volatile.Write(ref _lastSequence, e.Sequence);
                onEvent?.Invoke(e);
            }

            Volatile.Write(ref _inside, 0);
        }

        public void OnBatchEnd() => Batches++;
    }
}
