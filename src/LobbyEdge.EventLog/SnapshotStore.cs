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

    internal SnapshotStore(string root) => _directory = LogFiles.SnapshotsDirectory(root);

    /// <summary>Saves the state as of <paramref name="sequence"/>, then removes all but the newest snapshots.</summary>
    public void Save(long sequence, ReadOnlySpan<byte> state)
    {
        byte[] file = new byte[HeaderSize + state.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(8), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(16), state.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), Crc32C.Compute(Crc32C.Seed, state));
        state.CopyTo(file.AsSpan(HeaderSize));
        LogFiles.WriteAtomically(PathOf(sequence), file);

        List<(long Sequence, string Path)> all = List();
        for (int i = 0; i < all.Count - Keep; i++)
        {
            File.Delete(all[i].Path);
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
