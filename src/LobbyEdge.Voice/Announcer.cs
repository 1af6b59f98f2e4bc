using System.Globalization;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Voice;

/// <summary>
/// Announces every call and recall aloud ("请 A023 号 到 3 号窗口", "Ticket A023, please go to counter 3"), one at a
/// time and in the order the engine made them, through a player command (<c>aplay</c> by default).
/// </summary>
/// <remarks>
/// <para>
/// As an <see cref="IEngineEventSink"/> it runs on the engine loop, so it only notes the calls there: in
/// <see cref="OnEvents"/> (before the event log's commit) into a list, and in <see cref="OnBatchEnd"/> (after the
/// commit, so nothing is announced that a power cut could take back) into an unbounded channel, which never
/// blocks the loop and never drops a call. As a <see cref="BackgroundService"/> it takes them from the channel,
/// composes each into one WAV file (<see cref="AnnouncementComposer"/>) and plays it, waiting for the player to
/// end before the next one starts.
/// </para>
/// <para>
/// Voice is an aid, never a reason to stop the queue: a missing or broken pack is logged once at start and
/// announcements are then dropped (the log says so); a player that fails is logged once (until it works again)
/// and every later call is still tried; a player that hangs is killed after <see cref="VoiceOptions.PlayTimeoutSeconds"/>.
/// Walk-ins are not announced: the customer is already at the counter.
/// </para>
/// </remarks>
public sealed partial class Announcer : BackgroundService, IEngineEventSink
{
    private readonly VoiceOptions _options;
    private readonly ServiceConfig[] _services;
    private readonly ILogger<Announcer> _logger;

    // Written on the engine loop only (OnBatchEnd), read by ExecuteAsync only. Continuations of the reader must
    // not run on the engine loop, hence no synchronous continuations.
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = true,
        AllowSynchronousContinuations = false,
    });

    // Touched on the engine loop only: the calls of the batch whose commit is still to come.
    private readonly List<Call> _pending = new(16);

    private readonly bool _enabled;
    private volatile bool _collecting;
    private long _announced;
    private long _failed;
    private long _dropped;
    private bool _playerFailing;
    private long _failedSinceOk;

    /// <summary>Creates the announcer; the pack is loaded when it starts.</summary>
    public Announcer(BranchConfig config, IOptions<VoiceOptions> options, ILogger<Announcer> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _services = [.. config.Services];
        _logger = logger;

        // Calls made before the pack is loaded are kept and announced once it is.
        _enabled = _options.Enabled;
        _collecting = _enabled;
    }

    /// <summary>Announcements played to the end (the player exited with code 0).</summary>
    public long Announced => Interlocked.Read(ref _announced);

    /// <summary>Announcements tried and lost: the player failed or timed out, or the WAV could not be written.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Calls never tried: voice was unusable (pack missing or broken) or the service was stopping.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        if (!_enabled)
        {
            return;
        }

        foreach (ref readonly LobbyEvent e in events)
        {
            bool announce = e.Kind switch
            {
                EventKind.TicketCalled => e.AsTicketCalled().Source != CallSource.WalkIn,
                EventKind.TicketRecalled => true,
                _ => false,
            };
            if (!announce)
            {
                continue;
            }

            if (_collecting)
            {
                _pending.Add(new Call(e.Sequence, e.NumberService, e.Number, e.Counter));
            }
            else
            {
                // Voice is unusable (logged once at start): counted, so the loss is visible, and not kept.
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        foreach (Call call in _pending)
        {
            // Fails only once the announcer has stopped or found voice unusable.
            if (!_calls.Writer.TryWrite(call))
            {
                Interlocked.Increment(ref _dropped);
            }
        }

        _pending.Clear();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }

        // Off the host's start path: reading a pack is about a hundred files from an SD card.
        await Task.Yield();
        Voice? voice = Open();
        if (voice is null)
        {
            StopCollecting();
            return;
        }

        Log.Ready(_logger, voice.Pack.Directory, string.Join(", ", voice.Composer.Languages.Select(VoiceLanguages.Folder)), voice.Pack.SampleRate, voice.Player.Text);
        try
        {
            await foreach (Call call in _calls.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await AnnounceAsync(voice, call, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A fault here would stop the host (BackgroundServiceExceptionBehavior.StopHost): voice is never
                    // worth that. The call is lost; the next one is tried.
                    Interlocked.Increment(ref _failed);
                    Log.Unexpected(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; what was still waiting is counted below.
        }
        finally
        {
            StopCollecting();
            TryDelete(voice.WorkDirectory);
        }
    }

    private Voice? Open()
    {
        try
        {
            string directory = ResolvePack(_options.Pack);
            IReadOnlyList<VoiceLanguage> languages = VoiceLanguages.Parse(_options.Languages);
            var player = PlayerCommand.Parse(_options.Player);
            if (!(_options.PlayTimeoutSeconds > 0))
            {
                throw new FormatException("Voice:PlayTimeoutSeconds must be more than 0");
            }

            if (_options.LeadInMilliseconds < 0 || _options.GapMilliseconds < 0)
            {
                throw new FormatException("Voice:LeadInMilliseconds and Voice:GapMilliseconds must be 0 or more");
            }

            var pack = VoicePack.Load(directory, languages);
            var composer = new AnnouncementComposer(
                pack,
                languages,
                TimeSpan.FromMilliseconds(_options.LeadInMilliseconds),
                TimeSpan.FromMilliseconds(_options.GapMilliseconds));
            DirectoryInfo work = Directory.CreateTempSubdirectory("lobby-edge-voice-");
            return new Voice(pack, composer, player, TimeSpan.FromSeconds(_options.PlayTimeoutSeconds), work.FullName);
        }
        catch (Exception e) when (e is VoicePackException or FormatException or IOException or UnauthorizedAccessException)
        {
            Log.Unusable(_logger, e.Message);
            return null;
        }
        catch (Exception e)
        {
            // Whatever else went wrong, the queue must not stop for it (a fault would stop the host).
            Log.Unusable(_logger, e.ToString());
            return null;
        }
    }

    private async Task AnnounceAsync(Voice voice, Call call, CancellationToken stoppingToken)
    {
        if ((uint)call.NumberService >= (uint)_services.Length)
        {
            // Cannot happen with events from this branch's engine; never worth stopping for.
            Interlocked.Increment(ref _failed);
            Log.UnknownService(_logger, call.NumberService, call.Sequence);
            return;
        }

        string ticket = _services[call.NumberService].FormatNumber(call.Number);
        string file = Path.Combine(voice.WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"{ticket}-counter{call.Counter}-{call.Sequence}.wav"));
        string? problem;
        try
        {
            // Recreated if something (a tmp cleaner) removed it since the start.
            Directory.CreateDirectory(voice.WorkDirectory);
            using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024))
            {
                voice.Composer.Write(ticket, call.Counter, stream);
            }

            problem = await voice.Player.PlayAsync(file, voice.Timeout, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = $"cannot write {file}: {e.Message}";
        }
        finally
        {
            TryDelete(file);
        }

        if (problem is null)
        {
            Interlocked.Increment(ref _announced);
            if (_playerFailing)
            {
                Log.PlayerRecovered(_logger, _failedSinceOk);
                _playerFailing = false;
                _failedSinceOk = 0;
            }

            Log.Announced(_logger, ticket, call.Counter);
            return;
        }

        Interlocked.Increment(ref _failed);
        _failedSinceOk++;
        if (!_playerFailing)
        {
            _playerFailing = true;
            Log.PlayerFailed(_logger, ticket, call.Counter, problem, voice.Player.Text);
        }
        else
        {
            Log.PlayerStillFailing(_logger, ticket, call.Counter, problem);
        }
    }

    private void StopCollecting()
    {
        _collecting = false;
        _calls.Writer.TryComplete();
        int dropped = 0;
        while (_calls.Reader.TryRead(out _))
        {
            dropped++;
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _dropped, dropped);
            Log.DroppedWaiting(_logger, dropped);
        }
    }

    /// <summary>The pack's directory: <paramref name="pack"/> itself when absolute, else relative to the program's directory.</summary>
    internal static string ResolvePack(string? pack) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(pack) ? "voice" : pack, AppContext.BaseDirectory);

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            else if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover file in the temporary directory harms nothing.
        }
    }

    /// <summary>A call to announce, as the engine reported it.</summary>
    private readonly record struct Call(long Sequence, short NumberService, int Number, short Counter);

    /// <summary>What announcing needs once the pack is loaded.</summary>
    private sealed record Voice(VoicePack Pack, AnnouncementComposer Composer, PlayerCommand Player, TimeSpan Timeout, string WorkDirectory);

    private static partial class Log
    {
        [LoggerMessage(801, LogLevel.Information, "Voice announcements are disabled (Voice:Enabled is false)")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(802, LogLevel.Information, "Voice announcements on: pack {Pack} ({Languages}, {SampleRate} Hz), player \"{Player}\"")]
        public static partial void Ready(ILogger logger, string pack, string languages, int sampleRate, string player);

        [LoggerMessage(803, LogLevel.Error,
            "Voice announcements are off: {Reason}\nThe queue keeps running; calls and recalls are not announced (they are dropped) until this is fixed and the service restarted")]
        public static partial void Unusable(ILogger logger, string reason);

        [LoggerMessage(804, LogLevel.Error,
            "Voice player failed announcing {Ticket} -> counter {Counter}: {Problem}. That announcement is lost; later calls are still announced "
            + "(further failures are logged at Debug until the player works again). Player: \"{Player}\" (Voice:Player)")]
        public static partial void PlayerFailed(ILogger logger, string ticket, int counter, string problem, string player);

        [LoggerMessage(805, LogLevel.Debug, "Voice player failed again announcing {Ticket} -> counter {Counter}: {Problem}")]
        public static partial void PlayerStillFailing(ILogger logger, string ticket, int counter, string problem);

        [LoggerMessage(806, LogLevel.Information, "Voice player works again after {Failed} failed announcement(s)")]
        public static partial void PlayerRecovered(ILogger logger, long failed);

        [LoggerMessage(807, LogLevel.Debug, "Announced {Ticket} -> counter {Counter}")]
        public static partial void Announced(ILogger logger, string ticket, int counter);

        [LoggerMessage(808, LogLevel.Information, "{Count} call(s) waiting to be announced were dropped: voice stopped or is unusable")]
        public static partial void DroppedWaiting(ILogger logger, int count);

        [LoggerMessage(809, LogLevel.Error, "Voice: event {Sequence} names service {Service}, which this branch does not have; not announced")]
        public static partial void UnknownService(ILogger logger, int service, long sequence);

        [LoggerMessage(810, LogLevel.Error, "Voice: an announcement failed unexpectedly; it is lost, later calls are still announced")]
        public static partial void Unexpected(ILogger logger, Exception exception);
    }
}
