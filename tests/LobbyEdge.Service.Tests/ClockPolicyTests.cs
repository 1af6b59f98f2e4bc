using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Clock;
using LobbyEdge.Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 8: the clock policy (engine README, "Clock policy") with a fake wall clock, a fake monotonic
/// clock and a fake synchronisation state, through the real engine loop. Every kind of step: back and forward
/// while running, back at start against the log's last event, forward at start, and a clock not synchronised.
/// </summary>
public sealed class ClockPolicyTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_threshold = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task AheadThenCorrected_TheRealDayIsNotClosedEarly_AndWaitsAndTimersKeepMoving()
    {
        var engine = new QueueEngine(TestBranch.Create());
        var clock = new TwoClocks(TestBranch.At(9, 0, 30));
        var sync = new FakeSynchronization { Synchronized = true };
        var sink = new Sink();

        // Monday, on time: the day opens by the clock; three customers wait.
        await using (Running first = await Running.StartAsync(engine, clock, sync, sink))
        {
            await first.SendAsync(Command.Issue(0));
            await first.SendAsync(Command.Issue(0));
            await first.SendAsync(Command.Issue(0));
        }

        Assert.Single(sink.Events, e => e.Kind == EventKind.DayOpened);
        long lastMonday = sink.Events[^1].TimeTicks;

        // Restart with the system clock a day ahead (set by hand: the kernel marks it unsynchronised). The real
        // day stays open and its customers keep waiting; a ticket issued now carries the clock's (wrong) day.
        clock.SetWall(TestBranch.At(9, 6).AddDays(1));
        sync.Synchronized = false;
        await using (Running ahead = await Running.StartAsync(engine, clock, sync, sink))
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            Assert.True((await ahead.SendAsync(Command.Issue(0))).Result.Accepted);
        }

        Assert.DoesNotContain(sink.Events, e => e.Kind is EventKind.DayClosed or EventKind.TicketAbandoned);
        Assert.Equal(4, engine.WaitingCount(0));
        long lastAhead = sink.Events[^1].TimeTicks;
        Assert.True(lastAhead > lastMonday);

        // Restart on the right time (Monday 09:10, synchronised): a step back against the log's last event.
        clock.SetWall(TestBranch.At(9, 10));
        sync.Synchronized = true;
        sink.Clear();
        await using (Running corrected = await Running.StartAsync(engine, clock, sync, sink))
        {
            CommandOutcome issued = await corrected.SendAsync(Command.Issue(0));
            LobbyEvent step = Assert.Single(sink.Events, e => e.Kind == EventKind.ClockStepped);
            Assert.True(step.AsClockStepped().AtStart);
            Assert.True(step.AsClockStepped().IsSynchronized);
            Assert.InRange(step.AsClockStepped().StepMs, -(long)TimeSpan.FromDays(1).TotalMilliseconds, -(long)TimeSpan.FromHours(23).TotalMilliseconds);
            Assert.InRange(step.AsClockStepped().BranchClockAheadMs, (long)TimeSpan.FromHours(23).TotalMilliseconds, (long)TimeSpan.FromDays(1).TotalMilliseconds);
            Assert.True(step.TimeTicks >= lastAhead, "the branch clock went back");

            // Time moves: no two events share a frozen timestamp, and a wait measured now is real.
            clock.Advance(TimeSpan.FromMinutes(3));
            await corrected.SendAsync(Command.Issue(0));
            Assert.True(sink.Events[^1].TimeTicks - issued.At.UtcTicks >= TimeSpan.FromMinutes(3).Ticks);

            // Care keeps running: the 10-minute care threshold passes 10 minutes after the ticket was issued.
            clock.Advance(TimeSpan.FromMinutes(8));
            await corrected.SendAsync(Command.CallNext(99));
            Assert.Contains(sink.Events, e => e.Kind == EventKind.CareNeeded && e.Ticket == issued.Result.Ticket);

            // The day closes at 17:00 by the wall clock (synchronised), not by the branch clock running ahead.
            clock.Advance(TestBranch.At(16, 59) - clock.Wall);
            await corrected.SendAsync(Command.CallNext(99));
            Assert.DoesNotContain(sink.Events, e => e.Kind == EventKind.DayClosed);
            clock.Advance(TimeSpan.FromMinutes(1.5));
            await corrected.SendAsync(Command.CallNext(99));
            Assert.Contains(sink.Events, e => e.Kind == EventKind.DayClosed);
            TimeSpan aheadAtClose = engine.ClockOffset;

            // Overnight (nothing is measured) the branch clock gives its lead back; Tuesday opens as Tuesday.
            clock.Advance(TestBranch.At(9, 0, 30).AddDays(1) - clock.Wall);
            await corrected.SendAsync(Command.CallNext(99));
            LobbyEvent opened = Assert.Single(sink.Events, e => e.Kind == EventKind.DayOpened);
            Assert.Equal(TestBranch.Day.AddDays(1), opened.AsDayOpened().BusinessDate);
            Assert.True(engine.ClockOffset < aheadAtClose - TimeSpan.FromHours(12), $"still {engine.ClockOffset} ahead");
        }

        AssertNeverBackwards(sink.Events);
    }

    [Fact]
    public async Task NotSynchronised_TheDayNeitherOpensNorClosesByTheClock_CommandsStillDo()
    {
        var engine = new QueueEngine(TestBranch.Create());
        var clock = new TwoClocks(TestBranch.At(8, 59));
        var sync = new FakeSynchronization { Synchronized = false };
        var sink = new Sink();
        await using Running loop = await Running.StartAsync(engine, clock, sync, sink);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RefusalReason.DayNotOpen, (await loop.SendAsync(Command.Issue(0))).Result.Refusal);
        Assert.DoesNotContain(sink.Events, e => e.Kind == EventKind.DayOpened);

        // Staff open the day by hand.
        Assert.True((await loop.SendAsync(Command.OpenDay())).Result.Accepted);
        Assert.True((await loop.SendAsync(Command.Issue(0))).Result.Accepted);
        clock.Advance(TestBranch.At(17, 1) - clock.Wall);
        await loop.SendAsync(Command.CallNext(99));
        Assert.True(engine.IsDayOpen, "an unsynchronised clock closed the day");
        Assert.Equal(1, engine.WaitingCount(0));

        // Once NTP has set the clock, the clock closes the day.
        sync.Synchronized = true;
        clock.Advance(TimeSpan.FromSeconds(2));
        await loop.SendAsync(Command.CallNext(99));
        await loop.SendAsync(Command.CallNext(99));
        Assert.False(engine.IsDayOpen);
    }

    [Theory]
    [InlineData(-90)]
    [InlineData(-3600)]
    [InlineData(90)]
    [InlineData(86_400)]
    public async Task StepWhileRunning_IsRecorded_BackIsNotFollowed_ForwardIs(int seconds)
    {
        var engine = new QueueEngine(TestBranch.Create());
        var clock = new TwoClocks(TestBranch.At(9, 30));
        var sync = new FakeSynchronization { Synchronized = true };
        var sink = new Sink();
        await using Running loop = await Running.StartAsync(engine, clock, sync, sink);
        CommandOutcome first = await loop.SendAsync(Command.Issue(0));

        clock.Step(TimeSpan.FromSeconds(seconds));
        clock.Advance(TimeSpan.FromSeconds(10));
        CommandOutcome second = await loop.SendAsync(Command.CallNext(1));

        LobbyEvent step = Assert.Single(sink.Events, e => e.Kind == EventKind.ClockStepped);
        Assert.False(step.AsClockStepped().AtStart);
        Assert.InRange(step.AsClockStepped().StepMs, (seconds * 1000L) - 100, (seconds * 1000L) + 100);
        if (seconds < 0)
        {
            // Not followed: the branch clock went on by the 10 s that really passed, and runs ahead by the step.
            Assert.Equal(TimeSpan.FromSeconds(10), second.At - first.At);
            Assert.InRange(step.AsClockStepped().BranchClockAheadMs, (-seconds * 1000L) - 100, (-seconds * 1000L) + 100);
            LobbyEvent called = Assert.Single(sink.Events, e => e.Kind == EventKind.TicketCalled);
            Assert.Equal(10_000, called.AsTicketCalled().WaitMs);
        }
        else
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds + 10), second.At - first.At);
            Assert.Equal(0, step.AsClockStepped().BranchClockAheadMs);
        }

        AssertNeverBackwards(sink.Events);
    }

    [Fact]
    public async Task SmallMovesAndForwardStartAfterDowntime_AreNotSteps()
    {
        var engine = new QueueEngine(TestBranch.Create());
        var clock = new TwoClocks(TestBranch.At(9, 30));
        var sync = new FakeSynchronization { Synchronized = true };
        var sink = new Sink();
        await using (Running loop = await Running.StartAsync(engine, clock, sync, sink))
        {
            await loop.SendAsync(Command.Issue(0));

            // NTP slewing (well under the threshold) is not a step.
            clock.Step(TimeSpan.FromMilliseconds(300));
            clock.Advance(TimeSpan.FromSeconds(1));
            await loop.SendAsync(Command.Issue(0));
        }

        // Down for an hour, then started: the wall clock is ahead of the log's last event, as it should be.
        clock.Step(TimeSpan.FromHours(1));
        await using (Running loop = await Running.StartAsync(engine, clock, sync, sink))
        {
            await loop.SendAsync(Command.Issue(0));
        }

        Assert.DoesNotContain(sink.Events, e => e.Kind == EventKind.ClockStepped);
        AssertNeverBackwards(sink.Events);
    }

    [Fact]
    public void BranchClock_BackAtStart_RunsAheadByTheRecordedOffset_AndAfterACloseCatchesUp()
    {
        var clock = new TwoClocks(TestBranch.At(10, 0));
        DateTime lastEvent = TestBranch.At(11, 0).UtcDateTime;
        var branch = new BranchClock(clock, new FakeSynchronization { Synchronized = true }, lastEvent, s_threshold);

        DateTimeOffset now = branch.Read(dayOpen: true, out ClockStep? step);
        Assert.Equal(new ClockStep(TimeSpan.FromHours(-1), TimeSpan.FromHours(1), AtStart: true), step);
        Assert.Equal(lastEvent, now.UtcDateTime);
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(lastEvent.AddMinutes(30), branch.Read(dayOpen: true, out step).UtcDateTime);
        Assert.Null(step);
        Assert.Equal(TimeSpan.FromHours(1), branch.Offset);

        // Day closed: a tenth of real speed until the wall clock catches up, then the wall clock again.
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(lastEvent.AddMinutes(35), branch.Read(dayOpen: false, out _).UtcDateTime);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(clock.Wall.UtcDateTime, branch.Read(dayOpen: false, out _).UtcDateTime);
        Assert.Equal(TimeSpan.Zero, branch.Offset);
    }

    /// <summary>
    /// The new-user tryout: <c>--simulate --speed 600</c> on a busy two-core machine logged "The wall clock stepped by
    /// -4.268 s" and then +4.267 s, and recorded both as <c>lobby.clock.jumped</c>. Under simulation the wall and the
    /// monotonic clock are one scaled real clock; the engine's thread held up for 10 real ms between two of its reads
    /// of it is 6 simulated seconds, which is no step. Whichever read the stall falls before, there is none, and the
    /// branch clock is the simulated clock.
    /// </summary>
    [Fact]
    public void Simulated_AThreadHeldUpBetweenReadsOfTheClock_IsNoStep() =>
        AssertNoStepWhicheverReadItFallsBefore((real, _) => real.Advance(TimeSpan.FromMilliseconds(10)));

    /// <summary>The simulation skipping the night (from its driver's thread) between two of the engine's reads is no step either.</summary>
    [Fact]
    public void Simulated_ANightSkippedBetweenReadsOfTheClock_IsNoStep() =>
        AssertNoStepWhicheverReadItFallsBefore((_, simulated) => simulated.SkipTo(simulated.GetUtcNow() + TimeSpan.FromHours(15)));

    private static void AssertNoStepWhicheverReadItFallsBefore(Action<RealClock, ScaledTimeProvider> happening)
    {
        const double speed = 600;
        for (int read = 0; read < 16; read++)
        {
            var real = new RealClock();
            var simulated = new ScaledTimeProvider(TestBranch.At(9, 0), speed, real);
            real.Before(read, () => happening(real, simulated));
            var branch = new BranchClock(simulated, new FakeSynchronization { Synchronized = true }, DateTime.MinValue, s_threshold);
            DateTimeOffset last = DateTimeOffset.MinValue;
            for (int reading = 0; reading < 4; reading++)
            {
                real.Advance(TimeSpan.FromMilliseconds(100));
                DateTimeOffset now = branch.Read(dayOpen: reading % 2 == 0, out ClockStep? step);
                Assert.True(step is null, $"happening before real read {read}: a step of {step?.Step.TotalSeconds} s at reading {reading}");
                Assert.True(now >= last, $"happening before real read {read}: the branch clock went back at reading {reading}");
                Assert.Equal(TimeSpan.Zero, branch.Offset);
                last = now;
            }
        }
    }

    private static void AssertNeverBackwards(List<LobbyEvent> events)
    {
        for (int i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].TimeTicks >= events[i - 1].TimeTicks, $"event {events[i].Sequence} ({events[i].Kind}) is earlier than event {events[i - 1].Sequence}");
        }
    }

    /// <summary>An engine loop over the engine with a branch clock on the fake clocks, stopped on dispose (a restart).</summary>
    private sealed class Running : IAsyncDisposable
    {
        private readonly EngineLoop _loop;
        private readonly LobbyCommandChannel _commands;

        private Running(EngineLoop loop, LobbyCommandChannel commands) => (_loop, _commands) = (loop, commands);

        public static async Task<Running> StartAsync(QueueEngine engine, TwoClocks clock, FakeSynchronization sync, Sink sink)
        {
            var branch = new BranchClock(clock, sync, engine.LastEventUtc, s_threshold);
            var commands = new LobbyCommandChannel();
            var loop = new EngineLoop(engine, commands, [sink], clock, NullLogger<EngineLoop>.Instance, branch);
            await loop.StartAsync(CancellationToken.None);
            return new Running(loop, commands);
        }

        public Task<CommandOutcome> SendAsync(Command command) => _commands.SendAsync(command).AsTask().WaitAsync(s_patience);

        public async ValueTask DisposeAsync()
        {
            await _loop.StopAsync(CancellationToken.None);
            _loop.Dispose();
        }
    }

    /// <summary>A real monotonic clock that moves only when told, and runs something just before its n-th read.</summary>
    private sealed class RealClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;
        private int _reads;
        private int _at = -1;
        private Action? _happening;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        /// <summary>Runs <paramref name="happening"/> before the <paramref name="read"/>-th read from now (0: the next).</summary>
        public void Before(int read, Action happening) => (_at, _happening) = (_reads + read, happening);

        public override long GetTimestamp()
        {
            if (_reads++ == _at)
            {
                _happening?.Invoke();
            }

            return _ticks;
        }
    }

    private sealed class FakeSynchronization : IClockSynchronization
    {
        private volatile bool _synchronized;

        public bool Synchronized
        {
            get => _synchronized;
            set => _synchronized = value;
        }

        public bool IsSynchronized() => _synchronized;
    }

    private sealed class Sink : IEngineEventSink
    {
        private readonly List<LobbyEvent> _events = [];

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

        public void Clear()
        {
            lock (_events)
            {
                _events.Clear();
            }
        }

        public void OnEvents(ReadOnlySpan<LobbyEvent> events)
        {
            lock (_events)
            {
                _events.AddRange(events);
            }
        }
    }
}
