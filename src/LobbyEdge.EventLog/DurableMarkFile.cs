using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace LobbyEdge.EventLog;

/// <summary>
/// The durable mark, <c>durable.mark</c> in the data directory: the last event a commit made durable, rewritten in place (12 bytes:
/// the sequence as int64 and its CRC-32C, little-endian) after every commit. It is evidence, not data: at open, a
/// log that ends before the mark has lost acknowledged events (a segment cut short or replaced by an older copy),
/// which would otherwise look like a torn tail. It is written after the commit's fsync and is not itself fsynced
/// (one <c>pwrite</c>, no allocation): after a process crash it is exact; after a power cut it is as fresh as the
/// kernel's last write-back, and never ahead of what was durable.
/// </summary>
internal sealed class DurableMarkFile : ILogCommitObserver, IDisposable
{
    private const int Size = 12;
    private readonly ILogCommitObserver? _inner;
    private readonly byte[] _buffer = new byte[Size];
    private SafeFileHandle? _file;
    private BranchLog? _log;

    public DurableMarkFile(ILogCommitObserver? inner) => _inner = inner;

    /// <summary>Why the mark could not be opened for writing at <see cref="Attach"/> (the branch then runs without that evidence), or null.</summary>
    public string? Problem { get; private set; }

    /// <summary>Why the mark could not be opened for writing (the exception), or null: what <see cref="BranchLog.CheckWritable"/> judges.</summary>
    public Exception? OpenFailure { get; private set; }

    public static string PathOf(string root) => Path.Combine(root, "durable.mark");

    /// <summary>Reads the mark: (sequence, null), (0, null) when there is none, (0, why) when it is unreadable.</summary>
    public static (long Sequence, string? Problem) Read(string root)
    {
        if (Directory.Exists(PathOf(root)))
        {
            return (0, "is a directory, not the 12-byte mark file");
        }

        (long sequence, string? problem) = ConsumerCursor.Read(PathOf(root), 0);
        return (sequence, problem);
    }

    /// <summary>Starts marking commits of <paramref name="log"/>; writes its current end now.</summary>
    public void Attach(BranchLog log)
    {
        _log = log;
        try
        {
            _file = File.OpenHandle(PathOf(log.Directory), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Evidence only: the branch runs on, but without it a cut-short newest segment looks like a torn tail,
            // so the start reports it (a Warning naming the file) instead of going on silently.
            _file = null;
            OpenFailure = e;
            Problem = $"durable mark {PathOf(log.Directory)} cannot be opened for writing ({e.Message}): until it can, a newest segment cut short after a crash looks like a torn tail and acknowledged events could be cut and their numbers handed out again; make it a writable file (delete a directory or other object in its place)";
        }

        Write(log.LastSequence);
    }

    public void Committed(int events, TimeSpan elapsed)
    {
        if (_log is not null)
        {
            Write(_log.LastSequence);
        }

        _inner?.Committed(events, elapsed);
    }

    public void Opened(LogOpenReport report) => _inner?.Opened(report);

    public void WriteFailed(LogWriteException failure) => _inner?.WriteFailed(failure);

    public void Dispose() => _file?.Dispose();

    private void Write(long sequence)
    {
        if (_file is null)
        {
            return;
        }

        BinaryPrimitives.WriteInt64LittleEndian(_buffer, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(8), Crc32C.Compute(Crc32C.Seed, _buffer.AsSpan(0, 8)));
        try
        {
            RandomAccess.Write(_file, _buffer, 0);
        }
        catch (IOException)
        {
            // A full or failing disk: the commit itself reports that; the mark is only evidence.
        }
    }
}
