using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>What is wrong with a stretch of the log.</summary>
public enum LogDamageKind
{
    /// <summary>One or more records that fail their checksum, length or sequence check, not at the end of the newest segment.</summary>
    BadRecords,

    /// <summary>A segment header that is not a LobbyEdge log header, in a segment that holds records.</summary>
    BadHeader,

    /// <summary>Events missing between two segments (a segment deleted or cut short in the middle of the log).</summary>
    Gap,

    /// <summary>Two segments that both claim the same events.</summary>
    Overlap,

    /// <summary>
    /// A snapshot, a consumer cursor or the durable mark shows that the log once held events it no longer holds
    /// (the newest segment cut short or replaced by an older copy).
    /// </summary>
    MissingEvents,
}

/// <summary>One damaged stretch of the log.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="File">The file to restore (the segment; for <see cref="LogDamageKind.MissingEvents"/> the newest segment).</param>
/// <param name="Offset">Byte offset in <paramref name="File"/> where the damage starts.</param>
/// <param name="FirstSequence">The first event sequence the damaged stretch holds (or should hold).</param>
/// <param name="LastSequence">The last event sequence affected (inclusive).</param>
/// <param name="IntactAfter">Intact records that follow the damage in the same file.</param>
/// <param name="What">What was found, in words (checksum, sequence, the evidence file).</param>
/// <param name="Blocking">
/// True when the damage lies in what the branch needs (today's segment, or events a consumer cursor has not
/// passed), or is evidence of lost events: the service refuses to start. False: an older, closed segment that
/// nobody needs any more; the service starts and reports it.
/// </param>
public sealed record LogDamage(LogDamageKind Kind, string File, long Offset, long FirstSequence, long LastSequence, long IntactAfter, string What, bool Blocking)
{
    /// <summary>The events affected, in words: "event 12" or "events 12 to 19".</summary>
    public string Events => FirstSequence == LastSequence
        ? string.Create(CultureInfo.InvariantCulture, $"event {FirstSequence}")
        : string.Create(CultureInfo.InvariantCulture, $"events {FirstSequence} to {LastSequence}");

    /// <summary>One line for an operator: file, offset, events, what, and how many intact records follow.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{File}, offset {Offset}: {Events} ({LastSequence - FirstSequence + 1} record(s)): {What}; {IntactAfter} intact record(s) follow in that file");
}

/// <summary>A torn tail: the end of the newest segment, cut short or garbled, with no intact record after it.</summary>
/// <param name="File">The newest segment.</param>
/// <param name="GoodLength">The length it is cut back to.</param>
/// <param name="Bytes">The bytes cut.</param>
/// <param name="Reason">What the first bad bytes were.</param>
public sealed record TornTail(string File, long GoodLength, long Bytes, string Reason);

/// <summary>One segment file as checked.</summary>
/// <param name="Path">The file.</param>
/// <param name="First">The sequence its name says it starts with.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Records">Intact records in it.</param>
/// <param name="LastSequence">The sequence of its last record slot (damaged slots count: they hold their sequence); <c>First - 1</c> when empty.</param>
public sealed record SegmentCheck(string Path, long First, long Length, long Records, long LastSequence);

/// <summary>One snapshot file as checked.</summary>
/// <param name="Path">The file.</param>
/// <param name="Sequence">The event its name says it is the state of.</param>
/// <param name="Problem">Why it cannot be used, or null when it reads back intact.</param>
public sealed record SnapshotCheck(string Path, long Sequence, string? Problem);

/// <summary>One consumer cursor file as checked.</summary>
/// <param name="Path">The file.</param>
/// <param name="Name">The consumer's name.</param>
/// <param name="Position">The last event the consumer finished with; for an unreadable cursor the safe point it restarts from.</param>
/// <param name="Problem">Why the file could not be read, or null.</param>
public sealed record CursorCheck(string Path, string Name, long Position, string? Problem);

/// <summary>
/// A read-only check of a whole data directory: every segment (every record slot), every snapshot, every cursor
/// and the durable mark. It tells a torn tail (cut at start, never acknowledged) from damage (refuse or report),
/// and finds evidence of lost events. Never writes; safe beside a running service. Used by
/// <see cref="BranchLog.Open"/> and by <c>lobby-edge verify</c>.
/// </summary>
/// <remarks>
/// Every version-1 record is a 64-byte event, so record <c>k</c> of segment <c>N.seg</c> sits at offset
/// <c>16 + 64k</c> and holds event <c>N + k</c>. A slot is intact when its checksum holds and it carries that
/// sequence. A run of bad slots at the end of the newest segment with no intact slot after it is a torn tail;
/// anything else is damage.
/// </remarks>
public sealed class LogCheck
{
    private LogCheck(string root)
    {
        Root = root;
    }

    /// <summary>The data directory checked.</summary>
    public string Root { get; }

    /// <summary>The segments, oldest first.</summary>
    public IReadOnlyList<SegmentCheck> Segments { get; private set; } = [];

    /// <summary>The snapshots, oldest first.</summary>
    public IReadOnlyList<SnapshotCheck> Snapshots { get; private set; } = [];

    /// <summary>The consumer cursors, by name.</summary>
    public IReadOnlyList<CursorCheck> Cursors { get; private set; } = [];

    /// <summary>Damage found, in log order; evidence of missing events last.</summary>
    public IReadOnlyList<LogDamage> Damage { get; private set; } = [];

    /// <summary>
    /// The torn tail of the newest segment, which a start cuts, or null. A bad end of the newest segment that lies behind
    /// evidence of durable events (the durable mark, a snapshot, a cursor) is no torn tail: it is reported as
    /// <see cref="LogDamageKind.MissingEvents"/> damage at the same offset, and this is null.
    /// </summary>
    public TornTail? Tail { get; private set; }

    /// <summary>The last event of the log once a torn tail is cut (0 for an empty log).</summary>
    public long LastSequence { get; private set; }

    /// <summary>The durable mark: the last event known to have been durable, or 0 when there is none.</summary>
    public long DurableMark { get; private set; }

    /// <summary>Things that do not stop the branch but an operator should know (damaged snapshots, unreadable cursors, mark).</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>True when damage or evidence of lost events means the branch must not start.</summary>
    public bool MustRefuse => Damage.Any(d => d.Blocking);

    /// <summary>True when nothing at all was found: no damage, no torn tail, no warnings.</summary>
    public bool IsIntact => Damage.Count == 0 && Tail is null && Warnings.Count == 0;

    /// <summary>The damaged record slots in closed segments the branch does not need (metric <c>lobby_eventlog_damaged_records</c>).</summary>
    public long ToleratedRecords => Damage.Where(d => !d.Blocking && d.Kind is LogDamageKind.BadRecords or LogDamageKind.Gap or LogDamageKind.Overlap)
        .Sum(d => d.LastSequence - d.FirstSequence + 1);

    /// <summary>Checks the data directory <paramref name="directory"/>. Reads only; never repairs.</summary>
    /// <exception cref="IOException">A file could not be read at all.</exception>
    public static LogCheck Run(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var check = new LogCheck(Path.GetFullPath(directory));
        check.Scan();
        return check;
    }

    /// <summary>
    /// Every intact event of every segment, oldest first, with the first sequence of the segment it is in; damaged
    /// slots are skipped. For salvage by support and for tests; the service itself never reads past damage.
    /// </summary>
    public static IEnumerable<(long SegmentFirst, LobbyEvent Event)> IntactEvents(string directory)
    {
        foreach ((long first, string path) in LogFiles.ListSegments(Path.GetFullPath(directory)))
        {
            byte[] content = ReadShared(path);
            for (long k = 0; LogFiles.SegmentHeaderSize + ((k + 1) * RecordCodec.EventRecordSize) <= content.Length; k++)
            {
                if (SlotIntact(content, k, first, out LobbyEvent e))
                {
                    yield return (first, e);
                }
            }
        }
    }

    /// <summary>The message an operator gets when the branch refuses to start: each blocking damage, and what to do.</summary>
    public string RefusalMessage()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"the event log in {Root} is damaged where the branch needs it; the branch does not start, and nothing was cut or rewritten.");
        foreach (LogDamage d in Damage.Where(d => d.Blocking))
        {
            text.AppendLine().Append("  ").Append(d);
        }

        text.AppendLine().Append(CultureInfo.InvariantCulture,
            $"What to do: restore the file(s) named above from a backup and start again; 'lobby-edge verify --data {Root}' prints the full report. Do not delete the data directory: the branch would hand out ticket numbers again that customers already hold.");
        return text.ToString();
    }

    /// <summary>
    /// Replays the current day (from the start of the newest segment to the last event before a torn tail) into
    /// <paramref name="engine"/>, read-only, and returns why it failed, or null. Catches what checksums cannot:
    /// intact records that do not fold into a valid state (two processes that appended to one log).
    /// </summary>
    public string? ReplayProblem(QueueEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (Segments.Count == 0 || LastSequence < Segments[^1].First)
        {
            return null;
        }

        long end = LastSequence;
        try
        {
            using var reader = new LogReader(Root, Segments[^1].First, () => end);
            while (reader.TryRead(out LobbyEvent e))
            {
                EngineRecovery.ApplyLogged(engine, in e);
            }

            return engine.LastSequence == end ? null : $"replay of the day stopped at event {engine.LastSequence}, the log ends at {end}";
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or ArgumentException or LogReplayException)
        {
            return $"replay of the day from event {Segments[^1].First} fails: {e.Message}";
        }
    }

    /// <summary>Writes the per-file report of <c>lobby-edge verify</c>.</summary>
    public void WriteReport(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"data directory {Root}");
        foreach (SegmentCheck s in Segments)
        {
            string range = s.LastSequence >= s.First ? $"events {s.First} to {s.LastSequence}" : "no events";
            // Events missing after a clean end leave the file itself intact; missing from inside it (its bad end), damaged.
            string verdict = Damage.Any(d => d.File == s.Path && (d.Kind != LogDamageKind.MissingEvents || d.Offset < s.Length)) ? "DAMAGED"
                : Tail?.File == s.Path ? "torn tail" : "ok";
            output.WriteLine($"segment  {s.Path}: {s.Length} bytes, {s.Records} intact record(s), {range}: {verdict}");
        }

        if (Tail is not null)
        {
            // A start cuts it only when it starts at all: damage elsewhere makes it refuse first, cutting nothing.
            output.WriteLine($"  torn tail at offset {Tail.GoodLength}, {Tail.Bytes} byte(s) ({Tail.Reason}): never acknowledged; "
                + (MustRefuse ? "the service cuts it when it starts, but it refuses to start until the damage below is repaired" : "the service cuts it at its next start"));
        }

        foreach (SnapshotCheck s in Snapshots)
        {
            output.WriteLine($"snapshot {s.Path}: state as of event {s.Sequence}: {s.Problem ?? "ok"}");
        }

        foreach (CursorCheck c in Cursors)
        {
            output.WriteLine($"cursor   {c.Path}: {c.Name} at event {c.Position}: {c.Problem ?? "ok"}");
        }

        output.WriteLine($"durable mark: event {DurableMark}; log ends at event {LastSequence}");
        foreach (LogDamage d in Damage)
        {
            output.WriteLine($"{(d.Blocking ? "DAMAGE (the branch refuses to start)" : "DAMAGE (closed segment nobody needs; the branch starts and reports it)")}: {d}");
        }

        foreach (string w in Warnings)
        {
            output.WriteLine($"warning: {w}");
        }

        output.WriteLine(MustRefuse ? "verdict: DAMAGED: the branch refuses to start; restore the files named from a backup"
            : Damage.Count > 0 || Tail is not null || Warnings.Count > 0 ? "verdict: the branch starts; see the findings above"
            : "verdict: intact");
    }

    private void Scan()
    {
        var damage = new List<LogDamage>();
        var warnings = new List<string>();
        List<(long First, string Path)> files = LogFiles.ListSegments(Root);
        long retainedFrom = files.Count > 0 ? files[0].First : 1;

        // The evidence first, the segments after: beside a running service both only grow, so evidence read before
        // the segments can never be ahead of them unless events were really lost.
        (long mark, string? markProblem) = DurableMarkFile.Read(Root);
        DurableMark = markProblem is null ? mark : 0;
        if (markProblem is not null)
        {
            warnings.Add($"durable mark {DurableMarkFile.PathOf(Root)}: {markProblem}; ignored: without it the evidence that acknowledged events are missing is gone, so a newest segment cut short looks like a torn tail and its numbers could be handed out again");
        }

        var cursors = new List<CursorCheck>();
        foreach (string path in ConsumerCursor.ListFiles(Root))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            (long position, string? problem) = ConsumerCursor.Read(path, retainedFrom - 1);
            cursors.Add(new CursorCheck(path, name, position, problem));
            if (problem is not null)
            {
                warnings.Add($"cursor {path}: {problem}; the consumer '{name}' will resend from event {position + 1}, the start of the retained log");
            }
        }

        var snapshots = new List<SnapshotCheck>();
        foreach ((long sequence, string path) in SnapshotStore.ListFiles(Root))
        {
            string? problem;
            try
            {
                problem = SnapshotStore.Problem(ReadShared(path), sequence);
            }
            catch (FileNotFoundException)
            {
                // Replaced by a newer one while we looked (a running service keeps the two newest).
                continue;
            }
            catch (IOException e)
            {
                problem = $"cannot be read: {e.Message}";
            }

            snapshots.Add(new SnapshotCheck(path, sequence, problem));
            if (problem is not null)
            {
                warnings.Add($"snapshot {path}: {problem}; not used (start-up replays the day instead)");
            }
        }

        // Listed again: a segment begun while the evidence was read (a day opening) must be seen.
        files = LogFiles.ListSegments(Root);
        var segments = new List<SegmentCheck>();
        for (int i = 0; i < files.Count; i++)
        {
            bool newest = i == files.Count - 1;
            try
            {
                segments.Add(ScanSegment(files[i].First, files[i].Path, newest, damage));
            }
            catch (FileNotFoundException) when (!newest)
            {
                // Deleted by retention while we looked.
                continue;
            }

            if (segments.Count > 1)
            {
                SegmentCheck previous = segments[^2];
                SegmentCheck current = segments[^1];
                long expected = previous.LastSequence + 1;
                if (current.First > expected)
                {
                    damage.Add(new LogDamage(LogDamageKind.Gap, previous.Path, previous.Length, expected, current.First - 1, 0,
                        $"events missing after the end of this segment: the next segment, {Path.GetFileName(current.Path)}, starts at event {current.First}", false));
                }
                else if (current.First < expected)
                {
                    damage.Add(new LogDamage(LogDamageKind.Overlap, current.Path, 0, current.First, previous.LastSequence, current.Records,
                        $"this segment starts at event {current.First}, but {Path.GetFileName(previous.Path)} already holds events up to {previous.LastSequence}", false));
                }
            }
        }

        Segments = segments;
        string newestPath = files.Count > 0 ? files[^1].Path : LogFiles.SegmentsDirectory(Root);
        long newestFirst = files.Count > 0 ? files[^1].First : 1;
        LastSequence = segments.Count == 0 ? 0 : Tail is null ? segments[^1].LastSequence : newestFirst + ((Tail.GoodLength - LogFiles.SegmentHeaderSize) / RecordCodec.EventRecordSize) - 1;
        long endOffset = Tail?.GoodLength ?? (segments.Count > 0 ? segments[^1].Length : 0);

        // Every file that shows an event beyond the log's end: one finding (events missing from one offset), however
        // many files show it.
        var evidence = new List<string>();
        long lostTo = LastSequence;

        void Evidence(string file, long sequence, string what)
        {
            if (sequence > LastSequence)
            {
                evidence.Add($"{file} shows event {sequence} was durable ({what})");
                lostTo = Math.Max(lostTo, sequence);
            }
        }

        Evidence(DurableMarkFile.PathOf(Root), DurableMark, "the durable mark written after each commit");
        if (markProblem is null && !File.Exists(DurableMarkFile.PathOf(Root)) && segments.Any(x => x.Records > 0))
        {
            // A log with events but no mark: deleted, or a copy or restore without it, or a version before the mark.
            // Not a refusal (that would stop every upgrade from such a version), but never silent: without the mark a
            // newest segment cut short looks like a torn tail and is cut.
            warnings.Add($"durable mark {DurableMarkFile.PathOf(Root)} is missing although the log holds events (up to event {LastSequence}): the evidence that acknowledged events are missing is gone, so a newest segment cut short looks like a torn tail and its numbers could be handed out again; this start writes a new mark. If the file was deleted or left out of a copy, check with 'lobby-edge verify' that the newest segment is whole before serving");
        }
        foreach (CursorCheck c in cursors.Where(c => c.Problem is null))
        {
            Evidence(c.Path, c.Position, $"consumer '{c.Name}' had finished with it");
        }

        foreach (SnapshotCheck snapshot in snapshots)
        {
            Evidence(snapshot.Path, snapshot.Sequence, "a snapshot of the state as of that event");
        }

        if (evidence.Count > 0)
        {
            // A bad end of the newest segment behind evidence held acknowledged events: it is this damage, not a torn
            // tail, and the start refuses rather than cut it (so it is no longer reported as a tail).
            string end = Tail is { } t
                ? $"; the file's last {t.Bytes} byte(s), from this offset ({t.Reason}), are what is left of them: not a torn tail, so the start does not cut them"
                : "";
            damage.Add(new LogDamage(LogDamageKind.MissingEvents, newestPath, endOffset, LastSequence + 1, lostTo, 0,
                $"the log ends at event {LastSequence}, but {string.Join(", and ", evidence)}: acknowledged events are missing (the segment was cut short or replaced by an older copy){end}", true));
            Tail = null;
        }

        // Damage in closed segments blocks the start when the branch still needs it: today's segment (the engine
        // replays it) or events a consumer has not finished with.
        // The engine replays from the newest segment that holds an event (a day's segment begun by a DayOpened;
        // when the newest is still empty, the day before).
        long neededFrom = segments.LastOrDefault(x => x.LastSequence >= x.First)?.First ?? newestFirst;
        long oldestCursor = cursors.Count == 0 ? long.MaxValue : cursors.Min(c => c.Position);
        for (int i = 0; i < damage.Count; i++)
        {
            LogDamage d = damage[i];
            bool needed = d.Blocking || d.File == newestPath || d.LastSequence >= neededFrom || oldestCursor < d.LastSequence;
            damage[i] = d with { Blocking = needed };
        }

        Snapshots = snapshots;
        Cursors = cursors;
        Damage = damage;
        Warnings = warnings;
    }

    private SegmentCheck ScanSegment(long first, string path, bool newest, List<LogDamage> damage)
    {
        byte[] content = ReadShared(path);
        long slots = content.Length < LogFiles.SegmentHeaderSize ? 0 : (content.Length - LogFiles.SegmentHeaderSize) / RecordCodec.EventRecordSize;
        long partial = content.Length < LogFiles.SegmentHeaderSize ? 0 : (content.Length - LogFiles.SegmentHeaderSize) % RecordCodec.EventRecordSize;
        bool headerOk = content.Length >= LogFiles.SegmentHeaderSize && content.AsSpan(0, LogFiles.SegmentHeaderSize).SequenceEqual(LogFiles.SegmentHeader);
        var intact = new bool[slots];
        long records = 0;
        for (long k = 0; k < slots; k++)
        {
            intact[k] = SlotIntact(content, k, first, out _);
            records += intact[k] ? 1 : 0;
        }

        // The last intact slot: a newest segment's damage after it, up to the end of the file, is a torn tail.
        long lastIntact = -1;
        for (long k = slots - 1; k >= 0; k--)
        {
            if (intact[k])
            {
                lastIntact = k;
                break;
            }
        }

        long tornFrom = newest ? lastIntact + 1 : slots;
        if (!headerOk)
        {
            string what = content.Length < LogFiles.SegmentHeaderSize ? "segment header cut short" : "segment header is not a LobbyEdge log header";
            if (newest && records == 0)
            {
                Tail = new TornTail(path, 0, content.Length, what);
                return new SegmentCheck(path, first, content.Length, 0, first - 1);
            }

            damage.Add(new LogDamage(LogDamageKind.BadHeader, path, 0, first, first + Math.Max(slots, 1) - 1, records, what, false));
        }

        for (long k = 0; k < tornFrom; k++)
        {
            if (intact[k])
            {
                continue;
            }

            long end = k;
            while (end + 1 < tornFrom && !intact[end + 1])
            {
                end++;
            }

            long after = 0;
            for (long j = end + 1; j < slots; j++)
            {
                after += intact[j] ? 1 : 0;
            }

            damage.Add(new LogDamage(LogDamageKind.BadRecords, path, Offset(k), first + k, first + end, after, Describe(content, k, first), false));
            k = end;
        }

        if (newest && (tornFrom < slots || partial > 0))
        {
            string reason = tornFrom < slots ? Describe(content, tornFrom, first) : $"record cut short ({partial} bytes)";
            Tail = new TornTail(path, Offset(tornFrom), content.Length - Offset(tornFrom), reason);
            return new SegmentCheck(path, first, content.Length, records, first + tornFrom - 1);
        }

        if (partial > 0)
        {
            damage.Add(new LogDamage(LogDamageKind.BadRecords, path, Offset(slots), first + slots, first + slots, 0,
                $"record cut short ({partial} bytes) at the end of a closed segment", false));
        }

        return new SegmentCheck(path, first, content.Length, records, first + slots - 1);
    }

    private static long Offset(long slot) => LogFiles.SegmentHeaderSize + (slot * RecordCodec.EventRecordSize);

    private static bool SlotIntact(byte[] content, long slot, long first, out LobbyEvent e)
    {
        ReadOnlySpan<byte> record = content.AsSpan((int)Offset(slot), RecordCodec.EventRecordSize);
        return RecordCodec.TryReadEvent(record, out e, out int length) == RecordCodec.Status.Ok
            && length == RecordCodec.EventRecordSize
            && e.Sequence == first + slot;
    }

    private static string Describe(byte[] content, long slot, long first)
    {
        ReadOnlySpan<byte> record = content.AsSpan((int)Offset(slot), RecordCodec.EventRecordSize);
        RecordCodec.Status status = RecordCodec.TryReadEvent(record, out LobbyEvent e, out _);
        return status switch
        {
            RecordCodec.Status.Ok => $"the record holds event {e.Sequence} where event {first + slot} belongs",
            RecordCodec.Status.BadChecksum => "checksum mismatch",
            RecordCodec.Status.BadLength => $"impossible record length {BinaryPrimitives.ReadUInt32LittleEndian(record)}",
            RecordCodec.Status.Incomplete => $"record length {BinaryPrimitives.ReadUInt32LittleEndian(record)} does not fit a 64-byte event",
            _ => "not a version-1 event",
        };
    }

    /// <summary>Reads a whole file without locking it and without stopping a writer.</summary>
    internal static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        });
        byte[] content = new byte[stream.Length];
        int read = 0;
        while (read < content.Length)
        {
            int n = stream.Read(content, read, content.Length - read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read == content.Length ? content : content[..read];
    }
}
