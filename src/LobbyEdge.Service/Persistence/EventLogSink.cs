using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// The first sink: appends every event to the branch log and makes each batch durable with one group commit
/// before any result is released. Also takes engine snapshots now and then and prunes old day segments.
/// Runs on the engine loop, which is why it may read the engine (for snapshots) without a lock.
/// </summary>
public sealed partial class EventLogSink : IEngineEventSink
{
    private readonly RestoredBranch _branch;
    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EventLogSink> _logger;
    private long _lastSnapshot;
    private bool _dayOpened;

    /// <summary>Creates the sink over the restored branch's log.</summary>
    public EventLogSink(RestoredBranch branch, IOptions<EventLogOptions> options, TimeProvider time, ILogger<EventLogSink> logger)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _branch = branch;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _lastSnapshot = Math.Max(branch.Report.SnapshotSequence, branch.Report.ReplayedFrom - 1);
    }

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        _branch.Log.Append(events);
        foreach (ref readonly LobbyEvent e in events)
        {
            _dayOpened |= e.Kind == EventKind.DayOpened;
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        _branch.Log.Commit();
        QueueEngine engine = _branch.Engine;
        if (engine.LastSequence - _lastSnapshot >= _options.SnapshotEveryEvents)
        {
            _branch.Log.Snapshots.Save(engine.LastSequence, engine.CreateSnapshot());
            _lastSnapshot = engine.LastSequence;
            Messages.SnapshotTaken(_logger, _lastSnapshot);
        }

        if (_dayOpened)
        {
            // Once a day, when the new day's segment has begun: yesterday's and older are closed.
            _dayOpened = false;
            foreach ((long first, string path) in _branch.Log.Prune(_time.GetUtcNow().UtcDateTime, TimeSpan.FromDays(_options.RetentionDays)))
            {
                Messages.Pruned(_logger, path, first, _options.RetentionDays);
            }
        }
    }

    private static partial class Messages
    {
        [LoggerMessage(311, LogLevel.Debug, "Engine snapshot taken at event {Sequence}")]
        public static partial void SnapshotTaken(ILogger logger, long sequence);

        [LoggerMessage(312, LogLevel.Information, "Event log segment {Path} (from event {First}) deleted: older than {Days} days")]
        public static partial void Pruned(ILogger logger, string path, long first, int days);
    }
}
