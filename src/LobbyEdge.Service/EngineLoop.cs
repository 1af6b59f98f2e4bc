using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Clock;
using LobbyEdge.Service.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service;

/// <summary>
/// The single writer: the only code that touches the <see cref="QueueEngine"/>, and the only reader of the
/// <see cref="LobbyCommandChannel"/> every producer posts commands to; the engine's timers are ticked every second
/// through the same channel. After each step the step's events go to every <see cref="IEngineEventSink"/>, in
/// registration order, before any result is released.
/// </summary>
/// <remarks>
/// No locks guard the queue state: it is reached only from this loop, one step at a time, so a ticket can never
/// be called by two counters. The loop reads whatever is waiting in the channel as one batch (up to
/// <see cref="MaxBatch"/>), runs each command, lets the sinks end the batch (the event log's group commit),
/// and only then completes the senders' awaitables.
/// </remarks>
public sealed partial class EngineLoop : BackgroundService, IEngineLoopHealth
{
    /// <summary>Most commands run before their results are released, bounding a sender's extra latency.</summary>
    public const int MaxBatch = 64;

    private static readonly TimeSpan s_tickInterval = TimeSpan.FromSeconds(1);

    private readonly QueueEngine _engine;
    private readonly IEngineEventSink[] _sinks;
    private readonly TimeProvider _time;
    private readonly BranchClock _clock;
    private readonly ILogger<EngineLoop> _logger;
    private readonly LobbyCommandChannel _commands;
    private readonly PendingCommand?[] _batch = new PendingCommand?[MaxBatch];
    private readonly CommandOutcome[] _outcomes = new CommandOutcome[MaxBatch];
    private bool _clockSynchronized = true;
    private bool _running;

    private long _lastBatchTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Creates the loop around the engine it alone will touch.</summary>
    /// <param name="engine">The engine, already in the state the event log gives.</param>
    /// <param name="commands">The channel the loop alone reads; producers write to it as <see cref="ILobbyCommands"/>.</param>
    /// <param name="sinks">Where events go, in order; the event log comes first.</param>
    /// <param name="time">The clock for the timer tick, and the wall clock of the default branch clock.</param>
    /// <param name="logger">The loop's logger.</param>
    /// <param name="clock">
    /// The engine's <c>now</c> (engine README, "Clock policy"); by default a branch clock over <paramref name="time"/>
    /// that takes the wall clock as synchronised, started after the engine's last event.
    /// </param>
    public EngineLoop(QueueEngine engine, LobbyCommandChannel commands, IEnumerable<IEngineEventSink> sinks, TimeProvider time, ILogger<EngineLoop> logger, BranchClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _engine = engine;

        // Continue the log's timeline: a clock that reads earlier than the last event (a Pi booting without a
        // real-time clock, before NTP) must not make waits run backwards, nor freeze them.
        _clock = clock ?? new BranchClock(time, ClockSynchronization.TryParseSource(ClockSynchronization.Trusted)!, engine.LastEventUtc, TimeSpan.FromSeconds(2));
        _sinks = [.. sinks];
        _time = time;
        _logger = logger;
        _commands = commands;
    }

    /// <summary>Whether the loop is taking commands (for <c>/readyz</c>).</summary>
    public bool IsRunning => Volatile.Read(ref _running);

    /// <summary>When the loop last finished a batch (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for the systemd watchdog.</summary>
    public long LastBatchTimestamp => Volatile.Read(ref _lastBatchTimestamp);

    /// <summary>Why the loop stopped after a fault (a failed commit of the event log, ...), or null.</summary>
    public EngineStoppedException? StoppedBy => _commands.StoppedBy;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Running(_logger, _engine.Config.BranchId, _engine.ServiceCount, _engine.Config.Counters.Count);
        using var tickerStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task ticker = TickEverySecondAsync(tickerStop.Token);
        Volatile.Write(ref _running, true);
        try
        {
            try
            {
                while (await _commands.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    RunBatch();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping. What is already queued is still carried out below, so every sender gets an answer.
            }

            _commands.CompleteWriting();
            while (_commands.HasQueued)
            {
                RunBatch();
            }

            Log.Stopped(_logger, _engine.LastSequence);
        }
        catch (Exception e)
        {
            // Refuses every queued and later command with the reason (the channel fails them).
            _ = StopAfter(e);
            if (e is LogWriteException storage)
            {
                string advice = storage.InnerException is UnauthorizedAccessException
                    ? $"give the data directory and everything in it to the user this service runs as ({Environment.UserName}) and let it write there (sudo chown -R {Environment.UserName}: <data>; chmod -R u+w <data>), then start it again"
                    : "free space on the data directory (or replace the storage), then start it again";
                Log.StorageFailed(_logger, storage.Message, storage.Problem, advice);

                // Also for whoever runs it by hand: the journal has the line above.
                Console.Error.WriteLine($"lobby-edge: {storage.Message}; the service stops with exit code 1: {advice}");
            }
            else
            {
                Log.Failed(_logger, e);
            }

            throw;
        }
        finally
        {
            Volatile.Write(ref _running, false);
            await tickerStop.CancelAsync().ConfigureAwait(false);
            await ticker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Runs the commands waiting in the channel as one batch, then releases their results.</summary>
    private void RunBatch()
    {
        int n = 0;
        try
        {
            while (n < MaxBatch && _commands.TryRead(out PendingCommand request))
            {
                if (request.IsTick)
                {
                    Publish(_engine.Tick(Now()));
                    continue;
                }

                _batch[n++] = request;
                _outcomes[n - 1] = Run(request.Command);
            }

            foreach (IEngineEventSink sink in _sinks)
            {
                sink.OnBatchEnd();
            }
        }
        catch (Exception e)
        {
            // The events of this batch may not be durable: nobody may act on them, and the engine, now ahead of the
            // log, takes nothing more.
            EngineStoppedException stopped = StopAfter(e);
            for (int i = 0; i < n; i++)
            {
                _batch[i]!.Fail(stopped.Again());
                _batch[i] = null;
            }

            throw;
        }

        Volatile.Write(ref _lastBatchTimestamp, System.Diagnostics.Stopwatch.GetTimestamp());
        for (int i = 0; i < n; i++)
        {
            PendingCommand request = _batch[i]!;
            _batch[i] = null;
            request.Complete(in _outcomes[i]);
        }
    }

    /// <summary>
    /// Stops the loop for good after <paramref name="fault"/>: every queued and later command is refused. Returns the
    /// refusal every sender gets from now on.
    /// </summary>
    private EngineStoppedException StopAfter(Exception fault) => _commands.Stop(fault switch
    {
        EngineStoppedException stopped => stopped.Again(),
        LogWriteException storage => new EngineStoppedException(
            $"{storage.Message}; the branch takes no more commands and the service stops (exit code 1). Every acknowledged ticket is in the log.",
            storage.IsStorageFull ? "storage_full" : "storage_failed",
            storage),
        _ => new EngineStoppedException($"the engine loop failed ({fault.GetType().Name}: {fault.Message}); the branch takes no more commands", fault),
    });

    private CommandOutcome Run(in Command command)
    {
        DateTimeOffset now = Now();

        // Catch up the timers first, so a command at 09:00:00.3 meets the day that opened at 09:00:00.0 even when
        // the periodic tick has not come round yet.
        Publish(_engine.Tick(now));
        CommandResult result = _engine.Execute(in command, now);
        Publish(result.EventCount);
        return new CommandOutcome(result, now, _engine.LastSequence);
    }

    private void Publish(int count)
    {
        if (count == 0)
        {
            return;
        }

        ReadOnlySpan<LobbyEvent> events = _engine.LastEvents;
        foreach (IEngineEventSink sink in _sinks)
        {
            sink.OnEvents(events);
        }
    }

    /// <summary>
    /// The engine's <c>now</c>: the branch clock, which never goes back and never freezes. A step of the wall clock
    /// is recorded (a <see cref="EventKind.ClockStepped"/> event in this batch, and a log line); the engine learns
    /// whether the wall clock is synchronised and how far the branch clock runs ahead of it, so the day opens and
    /// closes by the wall clock only while it can be trusted.
    /// </summary>
    private DateTimeOffset Now()
    {
        DateTimeOffset now = _clock.Read(_engine.IsDayOpen, out ClockStep? step);
        bool synchronized = _clock.IsSynchronized;
        _engine.ClockSynchronized = synchronized;
        _engine.ClockOffset = _clock.Offset;
        if (synchronized != _clockSynchronized)
        {
            _clockSynchronized = synchronized;
            Log.Synchronization(_logger, synchronized
                ? "synchronised: the day opens and closes by the clock again"
                : "not synchronised: the day does not open or close by the clock until it is (commands still do)");
        }

        if (step is { } s)
        {
            Log.ClockStepped(_logger, s.Step.TotalSeconds, s.AtStart ? "while the service was stopped" : "while running", s.Offset.TotalSeconds, now);
            Publish(_engine.RecordClockStep(now, s.Step, s.Offset, s.AtStart, synchronized));
        }

        return now;
    }

    private async Task TickEverySecondAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(s_tickInterval, _time);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await _commands.PostTickAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // The loop is stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Engine loop running for branch {BranchId}: {Services} services, {Counters} counters")]
        public static partial void Running(ILogger logger, string branchId, int services, int counters);

        [LoggerMessage(2, LogLevel.Information, "Engine loop stopped at event sequence {Sequence}")]
        public static partial void Stopped(ILogger logger, long sequence);

        [LoggerMessage(3, LogLevel.Critical, "Engine loop failed; the service stops")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(4, LogLevel.Critical,
            "{Detail}. The engine takes no more commands (every sender is refused with \"{Problem}\"); every acknowledged event is in the log, and the events of the failed commit were never acknowledged. The service stops with exit code 1: {Advice}")]
        public static partial void StorageFailed(ILogger logger, string detail, string problem, string advice);

        [LoggerMessage(6, LogLevel.Warning, "The wall clock stepped by {StepSeconds:0.###} s {When}; the branch clock runs {OffsetSeconds:0.###} s ahead of it and goes on from {BranchTime:O} (never backwards)")]
        public static partial void ClockStepped(ILogger logger, double stepSeconds, string when, double offsetSeconds, DateTimeOffset branchTime);

        [LoggerMessage(7, LogLevel.Warning, "The wall clock is {State}")]
        public static partial void Synchronization(ILogger logger, string state);
    }
}
