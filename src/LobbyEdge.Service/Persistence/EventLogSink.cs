using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// The first sink: appends every event to the branch log and makes each batch durable with one group commit
/// before any result is released. Also takes engine snapshots now and then and prunes old day segments.
/// Runs on the engine loop, which is why it may read the engine (for snapshots) without a lock.
/// </summary>
/// <remarks>
/// A failed write of the branch's storage (<see cref="LogWriteException"/>: disk full, I/O error, read-only) is
/// handled by what it puts at risk. A failed commit or new segment is thrown on: the engine is ahead of the log,
/// so the engine loop stops and refuses everything (fail closed). A failed snapshot or prune loses nothing: it is
/// logged and counted (<c>lobby_eventlog_write_failures_total</c>) and tried again later, and the branch goes on.
/// </remarks>
public sealed partial class EventLogSink : IEngineEventSink
{
    private readonly RestoredBranch _branch;
    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EventLogSink> _logger;
    private readonly LobbyMetrics? _metrics;
    private long _lastSnapshot;

    // Retention runs at the first batch after start and then once a day, when the new day's segment has begun.
    private bool _pruneDue = true;

    /// <summary>Creates the sink over the restored branch's log.</summary>
    /// <param name="branch">The restored branch whose log takes the events.</param>
    /// <param name="options">Snapshot interval and retention.</param>
    /// <param name="time">The clock retention is measured by.</param>
    /// <param name="logger">The sink's logger.</param>
    /// <param name="metrics">Where retention held back for a cursor is shown, or null.</param>
    public EventLogSink(RestoredBranch branch, IOptions<EventLogOptions> options, TimeProvider time, ILogger<EventLogSink> logger, LobbyMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _branch = branch;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _lastSnapshot = Math.Max(branch.Report.SnapshotSequence, branch.Report.ReplayedFrom - 1);

        // Read at each scrape, off the engine loop: one statvfs of the data directory.
        string directory = branch.Log.Directory;
        metrics?.Registry.AddBeforeCollectCallback(() => metrics.EventLogStorageFreeBytes.Set(FreeBytes(directory)));
    }

    /// <summary>Bytes free for an unprivileged writer on the file system of <paramref name="directory"/>, or -1 if unknown.</summary>
    public static long FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <inheritdoc />
    /// <exception cref="LogWriteException">The log is stopped, or the new day's segment could not be created.</exception>
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        _branch.Log.Append(events);
        foreach (ref readonly LobbyEvent e in events)
        {
            _pruneDue |= e.Kind == EventKind.DayOpened;
        }
    }

    /// <inheritdoc />
    /// <exception cref="LogWriteException">The group commit failed: the engine loop must stop (fail closed).</exception>
    public void OnBatchEnd()
    {
        _branch.Log.Commit();
        QueueEngine engine = _branch.Engine;
        if (engine.LastSequence - _lastSnapshot >= _options.SnapshotEveryEvents)
        {
            // Tried again only after as many events again, whether it worked or not: a full disk is not hammered.
            _lastSnapshot = engine.LastSequence;
            try
            {
                _branch.Log.Snapshots.Save(engine.LastSequence, engine.CreateSnapshot());
                Messages.SnapshotTaken(_logger, _lastSnapshot);
            }
            catch (LogWriteException e)
            {
                Messages.SnapshotFailed(_logger, _lastSnapshot, e.Message, _options.SnapshotEveryEvents);
            }
        }

        if (_pruneDue)
        {
            _pruneDue = false;
            Prune();
        }
    }

    private void Prune()
    {
        // Retention below a day would delete yesterday's segment before head office could have it; the options
        // check refuses such a setting at start.
        int days = Math.Max(1, _options.RetentionDays);
        PruneReport report;
        try
        {
            report = _branch.Log.Prune(_time.GetUtcNow().UtcDateTime, TimeSpan.FromDays(days));
        }
        catch (LogWriteException e)
        {
            Messages.PruneFailed(_logger, e.Message);
            return;
        }

        foreach ((long first, string path) in report.Deleted)
        {
            Messages.Pruned(_logger, path, first, days);
        }

        if (report.HeldSegments > 0)
        {
            Messages.RetentionHeld(_logger, report.HeldSegments, report.HeldBytes, days, report.HeldBy ?? "", report.HeldFrom);
        }

        _metrics?.RetentionHeld(report.HeldSegments, report.HeldBytes);
    }

    private static partial class Messages
    {
        [LoggerMessage(311, LogLevel.Debug, "Engine snapshot taken at event {Sequence}")]
        public static partial void SnapshotTaken(ILogger logger, long sequence);

        [LoggerMessage(312, LogLevel.Information, "Event log segment {Path} (from event {First}) deleted: older than {Days} days")]
        public static partial void Pruned(ILogger logger, string path, long first, int days);

        [LoggerMessage(313, LogLevel.Warning,
            "Engine snapshot at event {Sequence} not written: {Problem}. Nothing is lost (the log alone restores the branch, start-up only replays more); tried again after {Every} more events")]
        public static partial void SnapshotFailed(ILogger logger, long sequence, string problem, int every);

        [LoggerMessage(314, LogLevel.Warning, "Event log retention did not finish: {Problem}. Nothing is lost; tried again at the next day's opening")]
        public static partial void PruneFailed(ILogger logger, string problem);

        [LoggerMessage(315, LogLevel.Warning,
            "Event log retention held back: {Segments} segment(s) ({Bytes} bytes) are older than {Days} days but kept, because cursor '{Cursor}' still needs events from {From} on. They are deleted once it has passed them; if that consumer is retired for good, delete cursors/{Cursor}.cursor")]
        public static partial void RetentionHeld(ILogger logger, int segments, long bytes, int days, string cursor, long from);
    }
}
