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

    private ConsumerCursor(string path, string name, long position)
    {
        _path = path;
        Name = name;
        Position = position;
    }

    /// <summary>The consumer's name (a file name: letters, digits, '-' and '_').</summary>
    public string Name { get; }

    /// <summary>The last sequence the consumer finished with; 0 if none.</summary>
    public long Position { get; private set; }

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
        long position = 0;
        if (File.Exists(path))
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length != 12 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) != Crc32C.Compute(Crc32C.Seed, bytes.AsSpan(0, 8)))
            {
                throw new InvalidDataException($"{path}: cursor file is corrupt; delete it to resend from the start of the log");
            }

            position = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        }

        return new ConsumerCursor(path, name, position);
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
