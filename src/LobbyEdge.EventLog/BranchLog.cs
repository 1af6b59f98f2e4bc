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
public sealed record LogOpenReport(int Segments, long LastSequence, long RepairedBytes, string? RepairReason, string? RepairedFile);

/// <summary>Hears about commits, for metrics. Called on the appending thread; must not block.</summary>
public interface ILogCommitObserver
{
    /// <summary>A group of events became durable with one fsync that took <paramref name="elapsed"/>.</summary>
    public void Committed(int events, TimeSpan elapsed);
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
        _observer = observer;
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
    /// Opens (or creates) the log in <paramref name="directory"/>. A torn or corrupt tail of the last segment
    /// (a record cut short by a power cut, a bad checksum, a sequence that does not follow) is cut back to the
    /// last good record and reported in <see cref="OpenReport"/>; it is never silently accepted.
    /// </summary>
    public static BranchLog Open(string directory, ILogCommitObserver? observer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(LogFiles.SegmentsDirectory(root));
        System.IO.Directory.CreateDirectory(LogFiles.CursorsDirectory(root));
        System.IO.Directory.CreateDirectory(LogFiles.SnapshotsDirectory(root));
        var log = new BranchLog(root, observer);
        log.OpenTail();
        return log;
    }

    private void OpenTail()
    {
        List<(long First, string Path)> segments = LogFiles.ListSegments(_root);
        if (segments.Count == 0)
        {
            OpenReport = new LogOpenReport(0, 0, 0, null, null);
            return;
        }

        (long first, string path) = segments[^1];
        _segment = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        long length = RandomAccess.GetLength(_segment);
        byte[] content = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = RandomAccess.Read(_segment, content.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        SegmentScan scan = SegmentScan.Run(content.AsSpan(0, read), first);
        long goodLength = scan.GoodLength;
        string? reason = scan.Problem;
        if (goodLength < LogFiles.SegmentHeaderSize)
        {
            // Even the header is torn: the segment was being created when the power went.
            goodLength = LogFiles.SegmentHeaderSize;
            RandomAccess.Write(_segment, LogFiles.SegmentHeader, 0);
        }

        long cut = length - goodLength;
        if (cut > 0 || reason is not null)
        {
            RandomAccess.SetLength(_segment, goodLength);
            RandomAccess.FlushToDisk(_segment);
        }

        _segmentFirst = first;
        _segmentLength = goodLength;
        _segmentRecords = scan.Records;
        _appended = scan.Records > 0 ? scan.LastSequence : first - 1;
        _durable = _appended;
        OpenReport = new LogOpenReport(segments.Count, _durable, Math.Max(0, cut), reason, reason is null ? null : path);
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

/// <summary>Validates a segment's records from the start; stops at the first bad one.</summary>
internal readonly record struct SegmentScan(long GoodLength, int Records, long LastSequence, string? Problem)
{
    public static SegmentScan Run(ReadOnlySpan<byte> content, long first)
    {
        if (content.Length < LogFiles.SegmentHeaderSize)
        {
            return new SegmentScan(0, 0, first - 1, content.Length == 0 ? "empty segment file" : "segment header cut short");
        }

        if (!content[..LogFiles.SegmentHeaderSize].SequenceEqual(LogFiles.SegmentHeader))
        {
            return new SegmentScan(0, 0, first - 1, "segment header is not a LobbyEdge log header");
        }

        long offset = LogFiles.SegmentHeaderSize;
        int records = 0;
        long expected = first;
        while (offset < content.Length)
        {
            RecordCodec.Status status = RecordCodec.TryReadEvent(content[(int)offset..], out LobbyEvent e, out int length);
            string? problem = status switch
            {
                RecordCodec.Status.Ok when e.Sequence != expected => $"record at offset {offset} has sequence {e.Sequence}, expected {expected}",
                RecordCodec.Status.Ok => null,
                RecordCodec.Status.Incomplete => $"record at offset {offset} is cut short ({content.Length - offset} bytes)",
                _ => $"record at offset {offset}: {status}",
            };
            if (problem is not null)
            {
                return new SegmentScan(offset, records, expected - 1, problem);
            }

            offset += length;
            records++;
            expected++;
        }

        return new SegmentScan(offset, records, expected - 1, null);
    }
}
