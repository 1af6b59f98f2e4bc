using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Gives the garbage collector's spare memory back to the system (issue 17, src/LobbyEdge.Service/README.md, "Memory
/// and the garbage collector"). First, one full, compacting, decommitting collection <see cref="StartDelay"/> after the
/// start: start-up allocates far more than the service keeps (the profile's YAML tree, the log replay, the host's
/// builders, the advisor's history load), whatever of it outlived a gen-0 collection was promoted, and a gen-2
/// collection may not come for hours on a quiet day. Then, every <see cref="CheckEvery"/>, it reads the heap's
/// committed bytes as of the last collection (<see cref="GCMemoryInfo.TotalCommittedBytes"/>, no collection of its
/// own) and, when they exceed the level after the last trim by more than <see cref="GrowthAllowanceBytes"/> and the
/// last trim is at least <see cref="AtMostEvery"/> ago, or when a burst has ended (<see cref="BurstEnded"/>: the heap
/// grew by more than <see cref="BurstEndToleranceBytes"/> between two checks since the last trim, has now stopped
/// growing, and the last trim is at least <see cref="BurstEndAtMostEvery"/> ago), runs the same
/// <see cref="GCCollectionMode.Aggressive"/> collection again: a burst (1,000 back-to-back <c>/metrics</c> scrapes,
/// 100 Server-Sent Events clients) leaves free regions and a grown young generation committed, which the collector
/// otherwise keeps for later. Each trim blocks the process for a few milliseconds (the heap holds a few MB of live
/// objects): at most once in 20 s while the heap keeps growing, slowly or fast; once when a burst ends, and then at
/// most once in 8 s however the bursts come. The time is real time (<see cref="TimeProvider.System"/>), not a
/// simulation's clock.
/// </summary>
internal sealed partial class HeapTrim : BackgroundService
{
    /// <summary>How long after start the first collection runs: once start-up and the advisor's history load (a second or two with a busy day's log) are done; anything allocated later is left to the checks.</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the committed bytes are compared with the level after the last trim (2 s: a check reads one figure
    /// the collector keeps). A burst's end is seen at the second check after it, 2-4 s later; with 5 s it took up to
    /// 10 s, and a reading of the resident set taken once it had been flat for 10 s (the benchmarks' <c>memory</c> mode,
    /// an operator watching <c>top</c>) came just before the trim.
    /// </summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    /// <summary>The least time between two trims, so that a steady stream of bursts costs at most one pause in 20 s.</summary>
    public static readonly TimeSpan AtMostEvery = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The least time between a trim and the next one that a burst's end sets off (8 s, four checks): bursts that come
    /// one after another (a scraper hammering <c>/metrics</c> every few seconds) cost at most one pause in 8 s, and
    /// the end of a burst that set off a trim itself while it lasted (<see cref="AtMostEvery"/>) is still seen before
    /// the heap has been flat for 10 s.
    /// </summary>
    public static readonly TimeSpan BurstEndAtMostEvery = TimeSpan.FromSeconds(8);

    /// <summary>Growth of the committed heap, in bytes, over the level after the last trim that triggers a trim (3 MiB).</summary>
    public const long GrowthAllowanceBytes = 3L << 20;

    private readonly ILogger<HeapTrim> _logger;
    private readonly TimeProvider _time;
    private readonly Func<long> _committedBytes;
    private readonly Action _collect;
    private long _afterLastTrim;
    private long _lastTrim;
    private long _atLastCheck = long.MaxValue;
    private bool _burstSinceLastTrim;

    /// <summary>Creates the trim against the process's own garbage collector and real time.</summary>
    public HeapTrim(ILogger<HeapTrim> logger)
        : this(logger, TimeProvider.System, static () => GC.GetGCMemoryInfo().TotalCommittedBytes, Collect)
    {
    }

    /// <summary>For tests: <paramref name="committedBytes"/> reads the heap's committed bytes, <paramref name="collect"/> trims.</summary>
    internal HeapTrim(ILogger<HeapTrim> logger, TimeProvider time, Func<long> committedBytes, Action collect)
    {
        _logger = logger;
        _time = time;
        _committedBytes = committedBytes;
        _collect = collect;
    }

    /// <summary>
    /// Whether to trim now: the committed heap (<paramref name="committedBytes"/>) has grown by more than
    /// <see cref="GrowthAllowanceBytes"/> over <paramref name="afterLastTrimBytes"/>, the level right after the last
    /// trim, and the last trim is at least <see cref="AtMostEvery"/> (<paramref name="sinceLastTrim"/>) ago.
    /// </summary>
    public static bool Due(long committedBytes, long afterLastTrimBytes, TimeSpan sinceLastTrim) =>
        committedBytes - afterLastTrimBytes > GrowthAllowanceBytes && sinceLastTrim >= AtMostEvery;

    /// <summary>
    /// Growth between two checks (1 MiB) above which the heap is taken to be in a burst, and at or below which it has
    /// "not grown" for <see cref="BurstEnded"/>: the service's own work after a burst (the simulation, the engine's
    /// timers, a scrape now and then) has the collector commit a region or two more now and then; with no tolerance a
    /// burst that had ended was not recognised, and its memory waited up to <see cref="AtMostEvery"/> for the next
    /// trim (read at 42.9-45.4 MB 10 s after 1,000 scrapes in two of four runs). Growth that never exceeds it between
    /// two checks is slow growth, not a burst, and is left to <see cref="Due"/>.
    /// </summary>
    public const long BurstEndToleranceBytes = 1L << 20;

    /// <summary>
    /// Whether a burst has just ended: the committed heap (<paramref name="committedBytes"/>) has grown past the
    /// allowance over <paramref name="afterLastTrimBytes"/>; it grew by more than <see cref="BurstEndToleranceBytes"/>
    /// between two checks since the last trim (<paramref name="burstSinceLastTrim"/>); it did not grow by more than
    /// that since the previous check (<paramref name="atLastCheckBytes"/>); and the last trim is at least
    /// <see cref="BurstEndAtMostEvery"/> (<paramref name="sinceLastTrim"/>) ago. Then the trim does not wait for
    /// <see cref="AtMostEvery"/>.
    /// </summary>
    public static bool BurstEnded(long committedBytes, long afterLastTrimBytes, long atLastCheckBytes, bool burstSinceLastTrim, TimeSpan sinceLastTrim) =>
        burstSinceLastTrim
        && committedBytes - afterLastTrimBytes > GrowthAllowanceBytes
        && committedBytes - atLastCheckBytes <= BurstEndToleranceBytes
        && sinceLastTrim >= BurstEndAtMostEvery;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(StartDelay, _time, stoppingToken).ConfigureAwait(false);
            TrimAfterStart();
            using var timer = new PeriodicTimer(CheckEvery, _time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Check();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>The collection after the start, whatever the heap's size.</summary>
    internal void TrimAfterStart() => Trim();

    /// <summary>One check: trims when <see cref="Due"/> or when a burst has ended (<see cref="BurstEnded"/>); returns whether it did.</summary>
    internal bool Check()
    {
        long committed = _committedBytes();
        long atLastCheck = _atLastCheck;
        _atLastCheck = committed;
        TimeSpan sinceLastTrim = _time.GetElapsedTime(_lastTrim);
        bool trim = Due(committed, _afterLastTrim, sinceLastTrim)
            || BurstEnded(committed, _afterLastTrim, atLastCheck, _burstSinceLastTrim, sinceLastTrim);
        _burstSinceLastTrim |= committed - atLastCheck > BurstEndToleranceBytes;
        if (!trim)
        {
            return false;
        }

        Trim();
        return true;
    }

    private void Trim()
    {
        long before = _committedBytes();
        TimeSpan paused = GC.GetTotalPauseDuration();
        _collect();
        _afterLastTrim = _atLastCheck = _committedBytes();
        _burstSinceLastTrim = false;
        _lastTrim = _time.GetTimestamp();
        Log.Trimmed(_logger, before / (1024.0 * 1024.0), _afterLastTrim / (1024.0 * 1024.0), (GC.GetTotalPauseDuration() - paused).TotalMilliseconds);
    }

    private static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    private static partial class Log
    {
        [LoggerMessage(1701, LogLevel.Debug, "heap trimmed: committed {BeforeMb:F1} MB before, {AfterMb:F1} MB after, paused {PauseMs:F1} ms")]
        public static partial void Trimmed(ILogger logger, double beforeMb, double afterMb, double pauseMs);
    }
}
