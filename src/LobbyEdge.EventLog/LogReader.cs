using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>
/// Reads durable events in sequence order from a starting sequence, across segments. Opens its own file
/// handles, so it never blocks the writer; stops at the writer's durable boundary. A corrupt record in the
/// middle of the log (not a torn tail, which opening repairs) throws <see cref="InvalidDataException"/> naming
/// the file and offset.
/// </summary>
public sealed class LogReader : IDisposable
{
    private readonly string _root;
    private readonly Func<long> _durable;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private FileStream? _file;
    private string _path = "";
    private long _fileOffset;
    private bool _seeked;

    internal LogReader(string root, long fromSequence, Func<long> durable)
    {
        _root = root;
        _durable = durable;
        NextSequence = Math.Max(1, fromSequence);
        List<(long First, string Path)> segments = LogFiles.ListSegments(root);
        int index = -1;
        for (int i = 0; i < segments.Count; i++)
        {
            if (segments[i].First <= NextSequence)
            {
                index = i;
            }
        }

        if (index < 0 && segments.Count > 0)
        {
            // Asked for events older than the oldest segment kept: retention removed them.
            Skipped = segments[0].First - NextSequence;
            NextSequence = segments[0].First;
            index = 0;
        }

        if (index >= 0)
        {
            OpenSegment(segments[index].Path);
            SeekTo(segments[index].First);
        }
    }

    /// <summary>The sequence of the next event this reader returns.</summary>
    public long NextSequence { get; private set; }

    /// <summary>Events asked for that retention had already deleted.</summary>
    public long Skipped { get; }

    /// <summary>Reads the next durable event, or returns false if there is none yet.</summary>
    public bool TryRead(out LobbyEvent e)
    {
        e = default;
        while (NextSequence <= _durable())
        {
            if (_file is null && !NextSegment())
            {
                return false;
            }

            RecordCodec.Status status = RecordCodec.TryReadEvent(_buffer.AsSpan(_start, _end - _start), out e, out int length);
            switch (status)
            {
                case RecordCodec.Status.Ok when e.Sequence < NextSequence:
                    _start += length;
                    continue;
                case RecordCodec.Status.Ok when e.Sequence == NextSequence:
                    _start += length;
                    NextSequence++;
                    _seeked = false;
                    return true;
                case RecordCodec.Status.Ok when _seeked:
                case RecordCodec.Status.BadLength or RecordCodec.Status.BadChecksum or RecordCodec.Status.BadPayload when _seeked:
                    // The guess missed (a record of another size before it): read the segment from its start.
                    RestartSegment();
                    continue;
                case RecordCodec.Status.Ok:
                    throw new InvalidDataException($"{_path}: event {e.Sequence} found where {NextSequence} was expected (gap in the log)");
                case RecordCodec.Status.Incomplete:
                    if (!Fill() && !NextSegment())
                    {
                        return false;
                    }

                    continue;
                default:
                    throw new InvalidDataException($"{_path}: corrupt record at offset {_fileOffset - (_end - _start)} ({status})");
            }
        }

        return false;
    }

    /// <summary>
    /// Jumps straight to <see cref="NextSequence"/> in a segment starting at <paramref name="first"/>: every
    /// version-1 record is an event of the same size, so its offset is known. The first record read there is
    /// checked; if it is not the one expected, the reader falls back to scanning from the segment's start.
    /// </summary>
    private void SeekTo(long first)
    {
        long skip = NextSequence - first;
        long offset = LogFiles.SegmentHeaderSize + (skip * RecordCodec.EventRecordSize);
        if (skip > 0 && _file is not null && offset < _file.Length)
        {
            _file.Position = offset;
            _fileOffset = offset;
            _seeked = true;
        }
    }

    private void RestartSegment()
    {
        _seeked = false;
        OpenSegment(_path);
    }

    /// <summary>Closes the reader's file.</summary>
    public void Dispose() => _file?.Dispose();

    private void OpenSegment(string path)
    {
        _file?.Dispose();
        _path = path;
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        });
        _file.Position = LogFiles.SegmentHeaderSize;
        _fileOffset = LogFiles.SegmentHeaderSize;
        _start = 0;
        _end = 0;
    }

    /// <summary>Reads more of the current segment; false at its end.</summary>
    private bool Fill()
    {
        if (_file is null)
        {
            return false;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        int n = _file.Read(_buffer, _end, _buffer.Length - _end);
        _end += n;
        _fileOffset += n;
        return n > 0;
    }

    /// <summary>Moves to the segment that starts at <see cref="NextSequence"/>, if the current one is used up.</summary>
    private bool NextSegment()
    {
        if (_file is not null && _end > _start)
        {
            return false;
        }

        string next = LogFiles.SegmentPath(_root, NextSequence);
        if (!File.Exists(next) || next == _path)
        {
            return false;
        }

        OpenSegment(next);
        return true;
    }
}
