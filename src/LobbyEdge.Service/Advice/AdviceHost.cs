using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Forecasting;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Clock;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Advice;

/// <summary>
/// Hosts the <see cref="Advisor"/> (src/LobbyEdge.Forecasting) in the service: an engine-loop sink that gives it every
/// durable event in order, forecasts and judges advice every <see cref="AdviceSettings.EvaluateEveryMinutes"/> of the
/// branch clock ON THE ENGINE LOOP, and sends the advice it gives as an ordinary <see cref="CommandKind.Advise"/>
/// command through the command channel (logged, shipped to head office and replayed like every command).
/// </summary>
/// <remarks>
/// <para><b>The engine-thread hook.</b> The loop calls every sink's <see cref="OnBatchEnd"/> after each batch, and the
/// loop's own one-second tick is a batch, so a sink's <see cref="OnBatchEnd"/> is a periodic call on the engine's
/// thread that may read the engine (as <c>ConfigurationSink</c> and <c>ConsoleState</c> do). The branch time is
/// <see cref="BranchClock.Last"/>, the loop's last reading (the scaled clock under <c>--simulate</c>). The advice it
/// gives is posted, never run in place: the engine runs it in a later batch, and the sink sees its event then.</para>
/// <para><b>History.</b> Past days are read from the log in the background once the service is ready (never before:
/// the start is not delayed), into an advisor of their own, up to the last event at start; that advisor is then taken
/// over on the engine loop and given the events that came meanwhile, so it has seen every event, in order. Until then
/// nothing is forecast. A branch with an empty log is ready at once.</para>
/// <para>Thread safety: <see cref="Forecast"/> may be read from any thread (an immutable snapshot).</para>
/// </remarks>
public sealed partial class AdviceHost : IEngineEventSink, IHostedService
{
    /// <summary>Events buffered while the history loads; beyond it the history is given up on and the advisor starts from today's live events.</summary>
    public const int MaxBuffered = 200_000;

    private readonly QueueEngine _engine;
    private readonly BranchLog _log;
    private readonly BranchClock _clock;
    private readonly ILobbyCommands _commands;
    private readonly LobbyMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<AdviceHost> _logger;
    private readonly AdviceOptions _options;
    private readonly long _startSequence;
    private readonly List<LobbyEvent> _buffered = [];
    private readonly CancellationTokenSource _stopping = new();
    private Advisor? _advisor;
    private Advisor? _loaded;
    private bool _givenUp;
    private Task _loading = Task.CompletedTask;
    private DateTimeOffset _nextEvaluation = DateTimeOffset.MinValue;
    private int _sending;
    private bool _failed;
    private AdviceForecast? _forecast;

    /// <summary>Creates the host over the restored branch; nothing is read until the service is ready.</summary>
    public AdviceHost(RestoredBranch branch, BranchClock clock, ILobbyCommands commands, AdviceSettings settings, LobbyMetrics metrics, IHostApplicationLifetime lifetime, ILogger<AdviceHost> logger)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(settings);
        _engine = branch.Engine;
        _log = branch.Log;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _commands = commands ?? throw new ArgumentNullException(nameof(commands));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _lifetime = lifetime ?? throw new ArgumentNullException(nameof(lifetime));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _options = ToOptions(settings);
        Settings = settings;
        _startSequence = _engine.LastSequence;
    }

    /// <summary>The options in force.</summary>
    public AdviceSettings Settings { get; }

    /// <summary>The latest forecast under the current staffing, or null before the first (any thread).</summary>
    public AdviceForecast? Forecast => Volatile.Read(ref _forecast);

    /// <summary>Whether the past days have been read and the advisor runs (any thread).</summary>
    public bool HistoryLoaded => Volatile.Read(ref _advisor) is not null;

    /// <summary>The Forecasting library's options from the <c>Advice</c> section.</summary>
    public static AdviceOptions ToOptions(AdviceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new AdviceOptions
        {
            Enabled = settings.Enabled,
            ServiceLevelTarget = settings.ServiceLevelTarget,
            Horizon = TimeSpan.FromMinutes(settings.HorizonMinutes),
            EvaluateEvery = TimeSpan.FromMinutes(settings.EvaluateEveryMinutes),
            RepeatAfter = TimeSpan.FromMinutes(settings.RepeatAfterMinutes),
            AdvisePause = settings.AdvisePause,
            RetainedDays = settings.RetainedDays,
        };
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // After ready (issue 17 measures start to ready): the log's past days are read once the host has started.
        _lifetime.ApplicationStarted.Register(() => _loading = Task.Run(LoadHistory, CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Reads the log's events up to the last one at start into an advisor of its own (background).</summary>
    private void LoadHistory()
    {
        var advisor = new Advisor(_engine.Config, _options);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long read = 0;
        try
        {
            DateTime from = _clock.Last.UtcDateTime.AddDays(-(_options.RetainedDays + 1));
            var chunk = new LobbyEvent[512];
            int n = 0;
            using LogReader reader = _log.ReadFrom(1);
            while (reader.NextSequence <= _startSequence && reader.TryRead(out LobbyEvent e))
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                if (e.TimeUtc < from)
                {
                    continue;
                }

                chunk[n++] = e;
                read++;
                if (n == chunk.Length)
                {
                    advisor.Observe(chunk);
                    n = 0;
                }
            }

            advisor.Observe(chunk.AsSpan(0, n));
        }
        catch (Exception e) when (e is IOException or LogDamagedException or UnauthorizedAccessException)
        {
            // The forecast learns from what it could read; the branch runs on.
            Log.HistoryIncomplete(_logger, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The advisor failed on a past event: start afresh from the live events rather than not at all.
            Log.HistoryIncomplete(_logger, $"{e.GetType().Name}: {e.Message}");
            advisor = new Advisor(_engine.Config, _options);
        }

        Log.HistoryLoaded(_logger, read, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, advisor.History.DaysCompleted, Advisor.PauseHistoryDays);
        Volatile.Write(ref _loaded, advisor);
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        if (_failed)
        {
            return;
        }

        if (_advisor is { } advisor)
        {
            try
            {
                advisor.Observe(events);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail(e);
            }

            return;
        }

        if (_givenUp)
        {
            return;
        }

        if (_buffered.Count + events.Length > MaxBuffered)
        {
            // The history takes too long: start from the live events from the next day's opening on.
            _givenUp = true;
            _buffered.Clear();
            Log.HistoryGivenUp(_logger, MaxBuffered);
            return;
        }

        foreach (ref readonly LobbyEvent e in events)
        {
            _buffered.Add(e);
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        try
        {
            Evaluate();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e);
        }
    }

    /// <summary>
    /// A fault of the advisor must never stop the engine loop (an exception from a sink would): advice stops, logged as
    /// an error, and the branch runs on without it until the service restarts.
    /// </summary>
    private void Fail(Exception e)
    {
        _failed = true;
        Volatile.Write(ref _advisor, null);
        Volatile.Write(ref _forecast, null);
        _buffered.Clear();
        Log.AdvisorFailed(_logger, e);
    }

    /// <summary>Takes over the loaded advisor, then forecasts and judges advice when an evaluation is due.</summary>
    private void Evaluate()
    {
        if (_failed || (_advisor is null && !TakeOver()))
        {
            return;
        }

        DateTimeOffset now = _clock.Last;
        if (now < _nextEvaluation || Volatile.Read(ref _sending) != 0)
        {
            return;
        }

        _nextEvaluation = now + _options.EvaluateEvery;
        if (!_engine.IsDayOpen)
        {
            Publish(null);
            return;
        }

        Advisor advisor = _advisor!;
        bool advise = advisor.TryAdvise(_engine, now, out Command command);
        Publish(advisor);
        if (advise)
        {
            Volatile.Write(ref _sending, 1);
            _ = SendAsync(command);
        }
    }

    /// <summary>Takes over the advisor the background load made, once it is done; false until then.</summary>
    private bool TakeOver()
    {
        if (Volatile.Read(ref _loaded) is not { } loaded)
        {
            return false;
        }

        if (_givenUp)
        {
            // Buffer overflowed: a fresh advisor, which learns from the next day's opening on.
            loaded = new Advisor(_engine.Config, _options);
            _givenUp = false;
        }
        else
        {
            loaded.Observe(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffered));
        }

        _buffered.Clear();
        _buffered.TrimExcess();
        Volatile.Write(ref _advisor, loaded);
        return true;
    }

    /// <summary>The forecast snapshot for the console, and the <c>lobby_forecast_service_level</c> gauge.</summary>
    private void Publish(Advisor? advisor)
    {
        if (advisor?.LastForecast is not { } services || advisor.LastServiceLevel is not { } level)
        {
            Volatile.Write(ref _forecast, null);
            return;
        }

        var forecast = new AdviceForecast(_clock.Last, level, (int)Math.Round(_options.Horizon.TotalMinutes), [.. services]);
        Volatile.Write(ref _forecast, forecast);
        _metrics.ForecastServiceLevel.Set(level);
    }

    /// <summary>Sends the advice through the command channel and logs what the engine said (never on the engine loop's stack after the post).</summary>
    private async Task SendAsync(Command command)
    {
        try
        {
            CommandOutcome outcome = await _commands.SendAsync(command, _stopping.Token).ConfigureAwait(false);
            if (outcome.Result.Accepted)
            {
                Log.Advised(_logger, AdviceText.KindName(command.Advice.Kind), command.Counter, AdviceText.Percent(command.Advice.ServiceLevelNowBp), AdviceText.Percent(command.Advice.ServiceLevelWithBp));
            }
            else
            {
                Log.Refused(_logger, AdviceText.KindName(command.Advice.Kind), command.Counter, outcome.Result.Refusal.ToString());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EngineStoppedException or System.Threading.Channels.ChannelClosedException)
        {
            // Stopping: the advice is judged again after the restart.
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1401, LogLevel.Information,
            "Advice: read {Events} events of the log in {Seconds:0.0} s; the forecast learns from {Days} whole business day(s) of arrivals (a day counts once it has closed; pause advice waits for {PauseDays}); forecasting and advice start")]
        public static partial void HistoryLoaded(ILogger logger, long events, double seconds, int days, int pauseDays);

        [LoggerMessage(1402, LogLevel.Warning, "Advice: the log's past days could not all be read ({Problem}); the arrival forecast learns from what was read")]
        public static partial void HistoryIncomplete(ILogger logger, string problem);

        [LoggerMessage(1403, LogLevel.Warning, "Advice: more than {Events} events came while the past days were read; the forecast learns from the live events only")]
        public static partial void HistoryGivenUp(ILogger logger, int events);

        [LoggerMessage(1404, LogLevel.Information, "Advice: {Kind} counter {Counter}: service level {Now} -> {With}")]
        public static partial void Advised(ILogger logger, string kind, int counter, string now, string with);

        [LoggerMessage(1406, LogLevel.Error, "Advice stopped: the advisor failed; the branch runs on without forecast and advice until the service restarts")]
        public static partial void AdvisorFailed(ILogger logger, Exception exception);

        [LoggerMessage(1405, LogLevel.Warning, "Advice: {Kind} counter {Counter} was refused by the engine ({Refusal})")]
        public static partial void Refused(ILogger logger, string kind, int counter, string refusal);
    }
}

/// <summary>
/// The forecast under the current staffing, as the console's forecast panel shows it: when it was made (branch clock),
/// the service level over <paramref name="HorizonMinutes"/> for all services (0..1), and per service the expected
/// waiting in 30 and 60 minutes and the service level over the next 30.
/// </summary>
public sealed record AdviceForecast(DateTimeOffset At, double ServiceLevel, int HorizonMinutes, IReadOnlyList<ServiceForecast> Services);
