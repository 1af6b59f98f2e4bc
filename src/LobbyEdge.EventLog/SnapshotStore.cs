using System.Buffers.Binary;
using System.Globalization;

namespace LobbyEdge.EventLog;

/// <summary>
/// Engine snapshots kept beside the log (<c>snapshots/{sequence}.snap</c>) so that start-up restores the newest
/// one and replays only the events after it. Each file is written atomically and checksummed; the two newest
/// are kept.
/// </summary>
public sealed class SnapshotStore
{
    private const int HeaderSize = 24;
    private const int Keep = 2;
    private static ReadOnlySpan<byte> Magic => "LESNAP01"u8;

    private readonly string _directory;
    private readonly ILogCommitObserver? _observer;

    internal SnapshotStore(string root, ILogCommitObserver? observer = null)
    {
        _directory = LogFiles.SnapshotsDirectory(root);
        _observer = observer;
    }

    /// <summary>Saves the state as of <paramref name="sequence"/>, then removes all but the newest snapshots.</summary>
    /// <remarks>
    /// A snapshot only shortens start-up; the log alone rebuilds the state. So a snapshot that cannot be written
    /// (a full disk) throws, leaves no temp file behind and keeps the older snapshots: nothing is lost, the caller
    /// goes on and tries again later.
    /// </remarks>
    /// <exception cref="LogWriteException">The snapshot could not be written, or an old one not deleted.</exception>
    public void Save(long sequence, ReadOnlySpan<byte> state)
    {
        try
        {
            Write(sequence, state);
        }
        catch (LogWriteException e)
        {
            _observer?.WriteFailed(e);
            throw;
        }
    }

    private void Write(long sequence, ReadOnlySpan<byte> state)
    {
        // Temp files of a crash between write and rename would otherwise stay for ever.
        LogFiles.DeleteLeftoverTemps(_directory);
        byte[] file = new byte[HeaderSize + state.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(8), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), state.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), Crc32C.Compute(Crc32C.Seed, state));
        state.CopyTo(file.AsSpan(HeaderSize));
        LogFiles.WriteAtomically(PathOf(sequence), file, LogWriteSite.Snapshot);

        List<(long Sequence, string Path)> all = List();
        for (int i = 0; i < all.Count - Keep; i++)
        {
            try
            {
                File.Delete(all[i].Path);
            }
            catch (Exception e) when (LogFiles.IsStorageFault(e))
            {
                throw new LogWriteException(LogWriteSite.Snapshot, all[i].Path, e);
            }
        }
    }

    /// <summary>The snapshots that read back intact, newest first, as (sequence, state). Damaged files are skipped.</summary>
    public IEnumerable<(long Sequence, byte[] State)> NewestFirst()
    {
        List<(long Sequence, string Path)> all = List();
        for (int i = all.Count - 1; i >= 0; i--)
        {
            byte[] file;
            try
            {
                file = File.ReadAllBytes(all[i].Path);
            }
            catch (IOException)
            {
                continue;
            }

            if (Problem(file, all[i].Sequence) is null)
            {
                yield return (all[i].Sequence, file[HeaderSize..]);
            }
        }
    }

    /// <summary>Why a snapshot file's bytes cannot be used (magic, length, checksum, sequence), or null when intact.</summary>
    internal static string? Problem(ReadOnlySpan<byte> file, long nameSequence)
    {
        if (file.Length < HeaderSize || !file[..8].SequenceEqual(Magic))
        {
            return file.Length < HeaderSize ? $"cut short ({file.Length} bytes)" : "not a LobbyEdge snapshot (bad magic)";
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(file[16..]);
        if (length != file.Length - HeaderSize)
        {
            return $"state length {length} does not match the file ({file.Length - HeaderSize} bytes)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(file[20..]) != Crc32C.Compute(Crc32C.Seed, file[HeaderSize..]))
        {
            return "checksum mismatch";
        }

        long sequence = BinaryPrimitives.ReadInt64LittleEndian(file[8..]);
        return sequence != nameSequence ? $"holds the state of event {sequence}, its name says {nameSequence}" : null;
    }

    /// <summary>The snapshot files of a data directory, oldest first, as (sequence, path).</summary>
    internal static List<(long Sequence, string Path)> ListFiles(string root)
    {
        var list = new List<(long, string)>();
        string directory = LogFiles.SnapshotsDirectory(root);
        if (!Directory.Exists(directory))
        {
            return list;
        }

        foreach (string path in Directory.EnumerateFiles(directory, "*.snap"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
            {
                list.Add((seq, path));
            }
        }

        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    private string PathOf(long sequence) => Path.Combine(_directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + ".snap");

    private List<(long Sequence, string Path)> List() => ListFiles(Path.GetDirectoryName(_directory)!);
}
