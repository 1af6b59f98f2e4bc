using System.Diagnostics;
using LobbyEdge.Engine;
using Microsoft.Win32.SafeHandles;

namespace LobbyEdge.EventLog;

/// <summary>What opening a log found and did.</summary>
/// <param name="Segments">Segment files found.</param>
/// <param name="LastSequence">The last good event's sequence (0 for an empty log).</param>
/// <param name="RepairedBytes">Bytes cut from a torn or corrupt tail (0 when the tail was clean).</param>
/// <param name="RepairReason">What was wrong with the tail, or null.</param>
/// <param name="RepairedFile">The segment that was cut back, or null.</param>
/// <param name="Check">
/// The check of every segment, snapshot and cursor made before opening: damage the branch does not need (reported,
/// not repaired), damaged snapshots, unreadable cursors. Null only for a report made without a check.
/// </param>
public sealed record LogOpenReport(int Segments, long LastSequence, long RepairedBytes, string? RepairReason, string? RepairedFile, LogCheck? Check = null);

/// <summary>Hears about commits, for metrics. Called on the appending thread; must not block.</summary>
public interface ILogCommitObserver
{
    /// <summary>A group of events became durable with one fsync that took <paramref name="elapsed"/>.</summary>
    public void Committed(int events, TimeSpan elapsed);

    /// <summary>The log was opened; <paramref name="report"/> says what the check found (for gauges). Default: nothing.</summary>
    public void Opened(LogOpenReport report)
    {
    }
}

/// <summary>
/// The branch event log: an append-only sequence of engine events on disk, in segment files that start with
/// each business day. It is both the crash journal (start-up replays it) and the head-office outbox (the
/// shipper reads it from its cursor). One writer appends; any number of readers read what is durable.
/// </summary>
/// <remarks>
/// Group commit: <see cref="Append"/> only encodes into a pre-sized buffer; <see cref="Commit"/> writes every
/// pending record with one write and one fsync. Nobody may act on an event (print, display, publish) before
/// the commit that made it durable has returned. Neither call allocates in steady state.
/// </remarks>
public sealed class BranchLog : IDisposable
{
    private readonly string _root;
    private readonly ILogCommitObserver? _observer;
    private readonly DurableMarkFile _mark;
    private SafeFileHandle? _segment;
    private long _segmentFirst;
    private long _segmentLength;
    private int _segmentRecords;
    private byte[] _pending = new byte[256 * 1024];
    private int _pendingLength;
    private int _pendingEvents;
    private long _appended;
    private long _durable;
    private bool _disposed;

    private BranchLog(string root, ILogCommitObserver? observer)
    {
        _root = root;

        // Every commit also moves the durable mark, the evidence that tells a cut-short segment from a torn tail.
        _mark = new DurableMarkFile(observer);
        _observer = _mark;
    }

    /// <summary>The log's directory.</summary>
    public string Directory => _root;

    /// <summary>What opening found and repaired.</summary>
    public LogOpenReport OpenReport { get; private set; } = new(0, 0, 0, null, null);

    /// <summary>The last durable event's sequence: everything up to it survives a power cut.</summary>
    public long LastSequence => Volatile.Read(ref _durable);

    /// <summary>The last appended event's sequence, durable or not.</summary>
    public long AppendedSequence => _appended;

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/>. Checks every segment, snapshot and cursor first
    /// (<see cref="LogCheck"/>). A torn tail of the newest segment (a record cut short by a power cut, garbage after
    /// the last record: damage that runs to the end of the file with no intact record after it, and no evidence
    /// that the log held more) is cut back to the last good record and reported in <see cref="OpenReport"/>; those
    /// events were never acknowledged. Damage in a closed segment nobody needs any more is reported, not repaired.
    /// </summary>
    /// <exception cref="LogDamagedException">
    /// Damage where the branch needs it (the newest segment, events a cursor has not passed) or evidence of lost
    /// events: nothing is cut or rewritten, and the message names files, offsets, events and what to do.
    /// </exception>
    public static BranchLog Open(string directory, ILogCommitObserver? observer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(LogFiles.SegmentsDirectory(root));
        System.IO.Directory.CreateDirectory(LogFiles.CursorsDirectory(root));
        System.IO.Directory.CreateDirectory(LogFiles.SnapshotsDirectory(root));
        var log = new BranchLog(root, observer);
        try
        {
            log.OpenTail();
            log._mark.Attach(log);
        }
        catch
        {
            log._segment?.Dispose();
            log._mark.Dispose();
            throw;
        }

        log._observer?.Opened(log.OpenReport);
        return log;
    }

    private void OpenTail()
    {
        LogCheck check = LogCheck.Run(_root);
        if (check.MustRefuse)
        {
            throw new LogDamagedException(check);
        }

        List<(long First, string Path)> segments = LogFiles.ListSegments(_root);
        if (segments.Count == 0)
        {
            OpenReport = new LogOpenReport(0, 0, 0, null, null, check);
            return;
        }

        (long first, string path) = segments[^1];
        _segment = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        long length = RandomAccess.GetLength(_segment);
        TornTail? tail = check.Tail;
        long goodLength = tail?.GoodLength ?? length;
        if (goodLength < LogFiles.SegmentHeaderSize)
        {
            // Even the header is torn: the segment was being created when the power went.
            goodLength = LogFiles.SegmentHeaderSize;
            RandomAccess.Write(_segment, LogFiles.SegmentHeader, 0);
        }

        long cut = length - goodLength;
        if (tail is not null)
        {
            RandomAccess.SetLength(_segment, goodLength);
            RandomAccess.FlushToDisk(_segment);
        }

        _segmentFirst = first;
        _segmentLength = goodLength;
        _segmentRecords = (int)((goodLength - LogFiles.SegmentHeaderSize) / RecordCodec.EventRecordSize);
        _appended = check.LastSequence > 0 ? check.LastSequence : first - 1;
        _durable = _appended;
        OpenReport = new LogOpenReport(segments.Count, _durable, Math.Max(0, cut), tail?.Reason, tail is null ? null : path, check);
    }

    /// <summary>
    /// Encodes events to be written by the next <see cref="Commit"/>. Sequences must continue the log without a
    /// gap. A <see cref="EventKind.DayOpened"/> event starts a new segment (committing what is pending first).
    /// </summary>
    public void Append(ReadOnlySpan<LobbyEvent> events)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Sequence != _appended + 1)
            {
                ThrowGap(e.Sequence, _appended);
            }

            if (_segment is null || (e.Kind == EventKind.DayOpened && (_segmentRecords > 0 || _pendingEvents > 0)))
            {
                Commit();
                StartSegment(e.Sequence);
            }

            if (_pendingLength + RecordCodec.EventRecordSize > _pending.Length)
            {
                // Rare: a bigger group than sized for (a day close with thousands of tickets). Growing keeps it
                // one write and one fsync.
                Array.Resize(ref _pending, _pending.Length * 2);
            }

            RecordCodec.WriteEvent(in e, _pending.AsSpan(_pendingLength, RecordCodec.EventRecordSize));
            _pendingLength += RecordCodec.EventRecordSize;
            _pendingEvents++;
            _appended = e.Sequence;
        }
    }

    /// <summary>Writes every pending record and makes it durable with one fsync. Returns when it is on disk.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pendingLength == 0 || _segment is null)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        RandomAccess.Write(_segment, _pending.AsSpan(0, _pendingLength), _segmentLength);
        RandomAccess.FlushToDisk(_segment);
        _segmentLength += _pendingLength;
        _segmentRecords += _pendingEvents;
        int events = _pendingEvents;
        _pendingLength = 0;
        _pendingEvents = 0;
        Volatile.Write(ref _durable, _appended);
        _observer?.Committed(events, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>A reader of durable events from <paramref name="fromSequence"/> on. Reading never blocks appends.</summary>
    public LogReader ReadFrom(long fromSequence) => new(_root, fromSequence, () => LastSequence);

    /// <summary>A consumer's durable position (e.g. the head-office shipper's last acknowledged event).</summary>
    public ConsumerCursor Cursor(string name) => ConsumerCursor.Load(_root, name);

    /// <summary>The engine snapshots kept next to the log.</summary>
    public SnapshotStore Snapshots => new(_root);

    /// <summary>
    /// Deletes closed segments last written before <paramref name="utcNow"/> minus <paramref name="retention"/>.
    /// The current segment is always kept. Returns the segments deleted, as (first sequence, path).
    /// </summary>
    public List<(long First, string Path)> Prune(DateTime utcNow, TimeSpan retention)
    {
        var deleted = new List<(long, string)>();
        List<(long First, string Path)> segments = LogFiles.ListSegments(_root);
        for (int i = 0; i < segments.Count - 1; i++)
        {
            if (File.GetLastWriteTimeUtc(segments[i].Path) < utcNow - retention)
            {
                File.Delete(segments[i].Path);
                deleted.Add(segments[i]);
            }
        }

        if (deleted.Count > 0)
        {
            LogFiles.SyncDirectory(LogFiles.SegmentsDirectory(_root));
        }

        return deleted;
    }

    /// <summary>Commits what is pending and closes the segment.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Commit();
        }
        finally
        {
            _disposed = true;
            _segment?.Dispose();
            _mark.Dispose();
        }
    }

    private void StartSegment(long first)
    {
        _segment?.Dispose();
        string path = LogFiles.SegmentPath(_root, first);
        _segment = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        RandomAccess.Write(_segment, LogFiles.SegmentHeader, 0);
        RandomAccess.FlushToDisk(_segment);
        LogFiles.SyncDirectory(LogFiles.SegmentsDirectory(_root));
        _segmentFirst = first;
        _segmentLength = LogFiles.SegmentHeaderSize;
        _segmentRecords = 0;
    }

    private static void ThrowGap(long sequence, long appended) =>
        throw new InvalidOperationException($"Event {sequence} does not follow the log's last event {appended}.");
}
