using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// Asks the customer for a rating after each finish: on every durable <see cref="EventKind.TicketCompleted"/> at a
/// counter that can take a rating now (<see cref="RatingStations.CanRate"/>: a rating pad, or an open rating page),
/// with <see cref="RatingOptions.PromptOnFinish"/> on, it posts <see cref="Command.RequestRating"/> for the counter. The
/// engine's <see cref="EventKind.RatingRequested"/> is what the pad and the page act on. Posts off the engine loop
/// (a sink never waits for the loop it runs on), in order, one at a time.
/// </summary>
/// <remarks>
/// A finish made with the keypad's finish-and-rate key (评价) is asked for by the key's own
/// <see cref="Command.RequestRating"/> (whatever the option says); while the key's finish is in flight the prompter
/// steps aside for that counter (<see cref="KeyAsks"/>), so a ticket is asked once, not twice.
/// </remarks>
public sealed partial class RatingPrompter : BackgroundService, IEngineEventSink
{
    private readonly RatingStations _stations;
    private readonly RatingOptions _options;
    private readonly ILobbyCommands _commands;
    private readonly ILogger<RatingPrompter> _logger;
    private readonly List<int> _batch = [];
    private readonly Channel<int> _asks = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _gate = new();
    private readonly Dictionary<int, int> _keyAsks = [];
    private long _requested;
    private long _refused;

    /// <summary>Creates the prompter.</summary>
    /// <param name="stations">Which counters can take a rating now.</param>
    /// <param name="options">The <c>Rating</c> options (checked at start).</param>
    /// <param name="commands">Where the requests are posted.</param>
    /// <param name="logger">The log.</param>
    public RatingPrompter(RatingStations stations, RatingOptions options, ILobbyCommands commands, ILogger<RatingPrompter> logger)
    {
        ArgumentNullException.ThrowIfNull(stations);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(commands);
        _stations = stations;
        _options = options;
        _commands = commands;
        _logger = logger;
    }

    /// <summary>Rating requests the prompter posted that the engine accepted.</summary>
    public long Requested => Interlocked.Read(ref _requested);

    /// <summary>Rating requests the engine refused (logged with the reason).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// The finish-and-rate key at <paramref name="counter"/> is about to post a finish and then ask for the rating
    /// itself: until the result is disposed, a finish at that counter is not asked for again here. Dispose it once
    /// the finish's outcome is known.
    /// </summary>
    public IDisposable KeyAsks(int counter)
    {
        lock (_gate)
        {
            _keyAsks[counter] = _keyAsks.GetValueOrDefault(counter) + 1;
        }

        return new KeyLease(this, counter);
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        if (!_options.PromptOnFinish)
        {
            return;
        }

        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind == EventKind.TicketCompleted && e.Counter > 0 && !KeyIsAsking(e.Counter) && _stations.CanRate(e.Counter))
            {
                _batch.Add(e.Counter);
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        // The log has committed the batch (it is the first sink): only durable finishes are asked about.
        foreach (int counter in _batch)
        {
            _asks.Writer.TryWrite(counter);
        }

        _batch.Clear();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (int counter in _asks.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                CommandOutcome outcome = await _commands.SendAsync(Command.RequestRating(counter), stoppingToken).ConfigureAwait(false);
                if (outcome.Result.Accepted)
                {
                    Interlocked.Increment(ref _requested);
                    Log.Asked(_logger, counter);
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                    Log.NotAsked(_logger, counter, outcome.Result.Refusal);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    private bool KeyIsAsking(int counter)
    {
        lock (_gate)
        {
            return _keyAsks.GetValueOrDefault(counter) > 0;
        }
    }

    private void KeyDone(int counter)
    {
        lock (_gate)
        {
            int n = _keyAsks.GetValueOrDefault(counter) - 1;
            if (n > 0)
            {
                _keyAsks[counter] = n;
            }
            else
            {
                _keyAsks.Remove(counter);
            }
        }
    }

    private sealed class KeyLease(RatingPrompter owner, int counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.KeyDone(counter);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1121, LogLevel.Information, "Counter {Counter} finished a ticket: its customer is asked to rate")]
        public static partial void Asked(ILogger logger, int counter);

        [LoggerMessage(1122, LogLevel.Information, "Counter {Counter}: rating not asked ({Reason})")]
        public static partial void NotAsked(ILogger logger, int counter, RefusalReason reason);
    }
}
