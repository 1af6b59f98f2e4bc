using System.Buffers.Binary;

namespace LobbyEdge.EventLog;

/// <summary>
/// A consumer's durable position in the log: the sequence of the last event it has finished with (for the
/// head-office shipper, the last one head office acknowledged). Saved atomically, so after a crash it is
/// either the old or the new position, never a torn one.
/// </summary>
public sealed class ConsumerCursor
{
    /// <summary>The file name extension of cursor files in <c>cursors/</c>.</summary>
    internal const string Extension = ".cursor";

    private readonly string _path;

    private ConsumerCursor(string path, string name, long position, string? problem)
    {
        _path = path;
        Name = name;
        Position = position;
        Problem = problem;
    }

    /// <summary>The consumer's name (a file name: letters, digits, '-' and '_').</summary>
    public string Name { get; }

    /// <summary>The last sequence the consumer finished with; 0 if none.</summary>
    public long Position { get; private set; }

    /// <summary>
    /// Why the cursor file could not be read (unreadable, wrong length, checksum mismatch), or null. The position
    /// is then the safe point: just before the oldest event the log still holds, so the consumer resends everything
    /// retained (at-least-once; head office drops repeats by the CloudEvent id).
    /// </summary>
    public string? Problem { get; }

    /// <summary>The cursor file.</summary>
    public string FilePath => _path;

    internal static ConsumerCursor Load(string root, string name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                throw new ArgumentException($"Cursor name '{name}' may only hold letters, digits, '-' and '_'.", nameof(name));
            }
        }

        string path = Path.Combine(LogFiles.CursorsDirectory(root), name + ".cursor");
        List<(long First, string Path)> segments = LogFiles.ListSegments(root);
        (long position, string? problem) = Read(path, segments.Count > 0 ? segments[0].First - 1 : 0);
        return new ConsumerCursor(path, name, position, problem);
    }

    /// <summary>The cursor files of a data directory.</summary>
    internal static IEnumerable<string> ListFiles(string root)
    {
        string dir = LogFiles.CursorsDirectory(root);
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.cursor").Order(StringComparer.Ordinal) : [];
    }

    /// <summary>
    /// Reads a cursor file: (position, null), (0, null) when there is none, or (<paramref name="safePoint"/>, why)
    /// when it cannot be read.
    /// </summary>
    internal static (long Position, string? Problem) Read(string path, long safePoint)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return (0, null);
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (safePoint, $"cannot be read ({e.Message})");
        }

        if (bytes.Length != 12)
        {
            return (safePoint, $"is {bytes.Length} bytes long, a cursor is 12");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) != Crc32C.Compute(Crc32C.Seed, bytes.AsSpan(0, 8)))
        {
            return (safePoint, "checksum mismatch");
        }

        long position = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        return position < 0 ? (safePoint, $"holds a negative position {position}") : (position, null);
    }

    /// <summary>Hears of failed saves, for metrics (set by <see cref="BranchLog.Cursor"/>).</summary>
    internal ILogCommitObserver? Observer { get; set; }

    /// <summary>Durably records that the consumer has finished with everything up to <paramref name="sequence"/>.</summary>
    /// <remarks>
    /// Saving the position the cursor already has creates the file if it is missing: from then on the consumer
    /// holds retention (<see cref="BranchLog.Prune"/> keeps what it has not passed). A save that fails (a full disk)
    /// throws and leaves the old file and <see cref="Position"/> as they were; the consumer goes on and saves again
    /// later, and after a restart it resends from the old position (delivery is at least once).
    /// </remarks>
    /// <exception cref="LogWriteException">The cursor file could not be written.</exception>
    public void Save(long sequence)
    {
        if (sequence < Position)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), $"A cursor only moves forward ({Position} -> {sequence}).");
        }

        if (sequence == Position && File.Exists(_path))
        {
            return;
        }

        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], Crc32C.Compute(Crc32C.Seed, bytes[..8]));
        try
        {
            LogFiles.WriteAtomically(_path, bytes, LogWriteSite.Cursor);
        }
        catch (LogWriteException e)
        {
            Observer?.WriteFailed(e);
            throw;
        }

        Position = sequence;
    }
}
