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
/// <param name="MarkProblem">Why the durable mark could not be opened for writing (the branch runs without that evidence), or null.</param>
public sealed record LogOpenReport(int Segments, long LastSequence, long RepairedBytes, string? RepairReason, string? RepairedFile, LogCheck? Check = null, string? MarkProblem = null);

/// <summary>Hears about commits, for metrics. Called on the appending thread; must not block.</summary>
public interface ILogCommitObserver
{
    /// <summary>A group of events became durable with one fsync that took <paramref name="elapsed"/>.</summary>
    public void Committed(int events, TimeSpan elapsed);

    /// <summary>A write of the branch's storage failed (<see cref="LogWriteException.Site"/> says which file).</summary>
    public void WriteFailed(LogWriteException failure)
    {
    }

    /// <summary>The log was opened; <paramref name="report"/> says what the check found (for gauges). Default: nothing.</summary>
    public void Opened(LogOpenReport report)
    {
    }
}

/// <summary>What <see cref="BranchLog.Prune"/> deleted and what retention had to keep.</summary>
/// <param name="Deleted">The segments deleted, oldest first, as (first sequence, path).</param>
/// <param name="HeldSegments">Closed segments past retention kept because a consumer has not passed them.</param>
/// <param name="HeldBytes">Their size in bytes.</param>
/// <param name="HeldBy">The cursor that holds them (the one furthest behind), or null when none is held.</param>
/// <param name="HeldFrom">The first event that cursor still needs, or 0 when none is held.</param>
public sealed record PruneReport(IReadOnlyList<(long First, string Path)> Deleted, int HeldSegments, long HeldBytes, string? HeldBy, long HeldFrom);

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
    private LogWriteException? _fault;

    private BranchLog(string root, ILogCommitObserver? observer)
    {
        _root = root;

        // Every commit also moves the durable mark, the evidence that tells a cut-short segment from a torn tail.
        _mark = new DurableMarkFile(observer);
        _observer = _mark;
    }

    /// <summary>The log's directory.</summary>
    public string Directory => _root;

    /// <summary>
    /// Checks now what the branch cannot run without writing, rather than at the next day's opening (a new segment)
    /// or after a crash (the durable mark): the log's folder must take a new file, and the durable mark must be
    /// writable. Only a permission is thrown; anything else (a full card) is a storage fault where the write happens,
    /// as at any commit. Leaves nothing behind.
    /// </summary>
    /// <exception cref="DataDirectoryNotWritableException">The log's folder or the durable mark is not writable by this process (a permission).</exception>
    public void CheckWritable()
    {
        string probe = Path.Combine(LogFiles.SegmentsDirectory(_root), ".write-check");
        try
        {
            using (File.Open(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full card (ENOSPC) or a failing one is a storage fault where the log writes, said there.
            if (DataDirectoryNotWritableException.Explains(e) && !DataDirectoryNotWritableException.IsReadOnly(e))
            {
                throw new DataDirectoryNotWritableException(_root, e);
            }
        }

        // The mark was opened for writing as the log opened (DurableMarkFile.Attach): its failure is judged here, not
        // opened again. A directory in its place is a Warning there (the start goes on), not a permission.
        if (_mark.OpenFailure is UnauthorizedAccessException failure && !System.IO.Directory.Exists(DurableMarkFile.PathOf(_root)))
        {
            throw new DataDirectoryNotWritableException(_root, failure);
        }
    }

    /// <summary>What opening found and repaired.</summary>
    public LogOpenReport OpenReport { get; private set; } = new(0, 0, 0, null, null);

    /// <summary>The last durable event's sequence: everything up to it survives a power cut.</summary>
    public long LastSequence => Volatile.Read(ref _durable);

    /// <summary>
    /// The sequence of the newest segment's first event, or 1 while the log is empty. A segment starts with every
    /// <c>DayOpened</c> event, so this is where the current (or, while the day is closed, the last) business day's
    /// events begin: a reader from here sees that whole day. Moves when a new day's segment starts.
    /// </summary>
    public long NewestSegmentFirst => Math.Max(1, Volatile.Read(ref _segmentFirst));

    /// <summary>The last appended event's sequence, durable or not.</summary>
    public long AppendedSequence => _appended;

    /// <summary>
    /// Why the log is stopped, or null while it takes appends. Set by the first failed write or fsync of a
    /// segment; from then on <see cref="Append"/> and <see cref="Commit"/> throw it (fail closed: the caller's
    /// state is ahead of the durable log and must not be acted on).
    /// </summary>
    public LogWriteException? Fault => Volatile.Read(ref _fault);

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
            log.OpenReport = log.OpenReport with { MarkProblem = log._mark.Problem };
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
    /// <exception cref="LogWriteException">The log is stopped by an earlier failed write, or the new segment cannot be created.</exception>
    public void Append(ReadOnlySpan<LobbyEvent> events)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFaulted();
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
    /// <remarks>
    /// If the write or the fsync fails (ENOSPC, EIO, EROFS) the log stops (<see cref="Fault"/>): the segment is cut
    /// back to its last durable record where the storage still allows it (else the next start finds the rest as a
    /// torn tail and cuts it), and every later append or commit throws. None of the failed commit's events was
    /// acknowledged.
    /// </remarks>
    /// <exception cref="LogWriteException">The write or fsync failed, now or earlier.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFaulted();
        if (_pendingLength == 0 || _segment is null)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        try
        {
            RandomAccess.Write(_segment, _pending.AsSpan(0, _pendingLength), _segmentLength);
            RandomAccess.FlushToDisk(_segment);
        }
        catch (Exception e) when (LogFiles.IsStorageFault(e))
        {
            Stop(new LogWriteException(LogWriteSite.Segment, LogFiles.SegmentPath(_root, _segmentFirst), e));
            CutBackTo(_segment, _segmentLength);
            throw _fault!;
        }

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
    public ConsumerCursor Cursor(string name)
    {
        ConsumerCursor cursor = ConsumerCursor.Load(_root, name);
        cursor.Observer = _observer;
        return cursor;
    }

    /// <summary>The engine snapshots kept next to the log.</summary>
    public SnapshotStore Snapshots => new(_root, _observer);

    /// <summary>
    /// Deletes the oldest closed segments last written before <paramref name="utcNow"/> minus
    /// <paramref name="retention"/>, but never one that holds an event a consumer still needs: every cursor in
    /// <c>cursors/</c> counts (a consumer has one from its first run), and a segment goes only when every cursor
    /// has passed its last event. An unreadable cursor file holds everything. Only a run of segments from the
    /// oldest is deleted, so the log never gets a gap; the current segment is always kept.
    /// </summary>
    /// <returns>What was deleted, and what retention kept back for a cursor (for the metric and the alert).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retention"/> is less than a day.</exception>
    /// <exception cref="LogWriteException">A segment could not be deleted; the ones before it are gone.</exception>
    public PruneReport Prune(DateTime utcNow, TimeSpan retention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.FromDays(1));
        (long needed, string? neededBy) = OldestNeeded();
        var deleted = new List<(long, string)>();
        int heldSegments = 0;
        long heldBytes = 0;
        List<(long First, string Path)> segments = LogFiles.ListSegments(_root);
        try
        {
            for (int i = 0; i < segments.Count - 1; i++)
            {
                var file = new FileInfo(segments[i].Path);
                if (file.LastWriteTimeUtc >= utcNow - retention)
                {
                    break;
                }

                if (segments[i + 1].First - 1 >= needed)
                {
                    // Past retention, but a consumer has not received all of it. So are the ones after it.
                    heldSegments++;
                    heldBytes += file.Length;
                    continue;
                }

                Delete(segments[i].Path);
                deleted.Add(segments[i]);
            }
        }
        finally
        {
            if (deleted.Count > 0)
            {
                SyncDirectoryAfterPrune();
            }
        }

        return new PruneReport(deleted, heldSegments, heldBytes, heldSegments > 0 ? neededBy : null, heldSegments > 0 ? needed : 0);
    }

    /// <summary>
    /// Commits what is pending and closes the segment. Never throws: if that last commit fails (or the log is
    /// already stopped by a failed write) nothing more is written, and the next start cuts whatever part of it
    /// reached the disk as a torn tail; those events were never acknowledged.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (Fault is null)
            {
                Commit();
            }
        }
        catch (LogWriteException)
        {
            // Reported through Fault and the observer; nobody is waiting for these events.
        }
        finally
        {
            _disposed = true;
            _segment?.Dispose();
            _mark.Dispose();
        }
    }

    /// <summary>The first event some consumer still needs, and that consumer's cursor (long.MaxValue, null: none).</summary>
    private (long Needed, string? By) OldestNeeded()
    {
        long needed = long.MaxValue;
        string? by = null;
        string directory = LogFiles.CursorsDirectory(_root);
        if (!System.IO.Directory.Exists(directory))
        {
            return (needed, by);
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*" + ConsumerCursor.Extension))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            long position;
            try
            {
                position = ConsumerCursor.Load(_root, name).Position;
            }
            catch (ArgumentException)
            {
                // Not a name a consumer can have: not a cursor.
                continue;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep everything rather than guess how far it got.
                position = 0;
            }

            if (position + 1 < needed)
            {
                needed = position + 1;
                by = name;
            }
        }

        return (needed, by);
    }

    private void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (LogFiles.IsStorageFault(e))
        {
            throw Reported(new LogWriteException(LogWriteSite.Prune, path, e));
        }
    }

    private void SyncDirectoryAfterPrune()
    {
        string directory = LogFiles.SegmentsDirectory(_root);
        try
        {
            LogFiles.SyncDirectory(directory);
        }
        catch (IOException e)
        {
            throw Reported(new LogWriteException(LogWriteSite.Prune, directory, e));
        }
    }

    private LogWriteException Reported(LogWriteException failure)
    {
        _observer?.WriteFailed(failure);
        return failure;
    }

    /// <summary>Stops the log after a failed segment write: nothing more is appended or committed.</summary>
    private void Stop(LogWriteException failure)
    {
        _pendingLength = 0;
        _pendingEvents = 0;
        Volatile.Write(ref _fault, failure);
        _observer?.WriteFailed(failure);
    }

    /// <summary>
    /// Cuts a segment back to its durable length after a failed write, so a partial record does not stay (it also
    /// gives back the space a full disk needs). Best effort: if the storage refuses even that, the next start
    /// finds the partial record at the end of the newest segment and cuts it as a torn tail.
    /// </summary>
    private static void CutBackTo(SafeFileHandle segment, long length)
    {
        try
        {
            RandomAccess.SetLength(segment, length);
            RandomAccess.FlushToDisk(segment);
        }
        catch (Exception e) when (LogFiles.IsStorageFault(e))
        {
            // Left for the next start's torn-tail repair.
        }
    }

    private void ThrowIfFaulted()
    {
        if (Fault is { } fault)
        {
            ThrowFaulted(fault);
        }
    }

    private void StartSegment(long first)
    {
        _segment?.Dispose();
        _segment = null;
        string path = LogFiles.SegmentPath(_root, first);
        try
        {
            _segment = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
            RandomAccess.Write(_segment, LogFiles.SegmentHeader, 0);
            RandomAccess.FlushToDisk(_segment);
            LogFiles.SyncDirectory(LogFiles.SegmentsDirectory(_root));
        }
        catch (Exception e) when (LogFiles.IsStorageFault(e))
        {
            // The new segment holds nothing yet: remove it, so the previous segment stays the log's last and the
            // next start does not have to write a header on a full disk.
            Stop(new LogWriteException(LogWriteSite.NewSegment, path, e));
            _segment?.Dispose();
            _segment = null;
            try
            {
                File.Delete(path);
            }
            catch (Exception deleteFailure) when (LogFiles.IsStorageFault(deleteFailure))
            {
                // The next start repairs a torn header.
            }

            throw _fault!;
        }

        _segmentFirst = first;
        _segmentLength = LogFiles.SegmentHeaderSize;
        _segmentRecords = 0;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowFaulted(LogWriteException fault) =>
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);

    private static void ThrowGap(long sequence, long appended) =>
        throw new InvalidOperationException($"Event {sequence} does not follow the log's last event {appended}.");
}
