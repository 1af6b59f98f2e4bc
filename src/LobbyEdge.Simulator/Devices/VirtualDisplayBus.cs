using LobbyEdge.Devices.Displays;

namespace LobbyEdge.Simulator.Devices;

/// <summary>
/// LED displays on one virtual line: decodes every frame with the models of the displays on it and keeps what each
/// address shows, as text, so a test or a demo can read the hall's displays.
/// </summary>
public sealed class VirtualDisplayBus : IVirtualDevice
{
    private readonly Lock _sync = new();
    private readonly Dictionary<int, DisplayModel> _models;
    private readonly Dictionary<int, SortedDictionary<int, string>> _lines = [];
    private readonly Dictionary<int, bool> _blink = [];
    private readonly Queue<(int Address, byte[] Bytes)> _recent = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _frames;
    private long _undecodable;

    /// <summary>Creates the line with the model of the display at each address.</summary>
    public VirtualDisplayBus(IReadOnlyDictionary<int, DisplayModel> modelsByAddress)
    {
        _models = new Dictionary<int, DisplayModel>(modelsByAddress);
    }

    /// <summary>Frames decoded.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Bytes skipped because no model could read a frame there.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>How many decoded frames <see cref="FramesTo"/> keeps (the latest, for all addresses together).</summary>
    public const int RecentFrames = 256;

    /// <summary>The bytes of the latest decoded frames sent to an address, oldest first (at most <see cref="RecentFrames"/> kept).</summary>
    public IReadOnlyList<byte[]> FramesTo(int address)
    {
        lock (_sync)
        {
            return [.. _recent.Where(f => f.Address == address).Select(f => f.Bytes)];
        }
    }

    /// <summary>What the display at an address shows, lines joined with " | "; null before its first frame.</summary>
    public string? Text(int address)
    {
        lock (_sync)
        {
            return _lines.TryGetValue(address, out var lines) ? string.Join(" | ", lines.Values) : null;
        }
    }

    /// <summary>Whether the display at an address blinks.</summary>
    public bool Blinking(int address)
    {
        lock (_sync)
        {
            return _blink.GetValueOrDefault(address);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checked on every frame, at most <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(Func<VirtualDisplayBus, bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            // The frame signal is taken before the condition is checked: a frame decoded in between still wakes us.
            Task changed;
            lock (_sync)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return true;
            }

            try
            {
                await changed.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return condition(this);
            }
        }
    }

    /// <inheritdoc />
    public Task RunAsync(Stream line, CancellationToken cancellationToken) =>
        VirtualLine.PumpAsync(line, 8192, Consume, cancellationToken);

    private int Consume(ReadOnlySpan<byte> bytes, out byte[]? reply)
    {
        // Displays only listen.
        reply = null;
        return Decode(bytes);
    }

    private int Decode(ReadOnlySpan<byte> bytes)
    {
        int used = 0;
        while (used < bytes.Length)
        {
            DecodedDisplayFrame? frame = null;
            foreach (DisplayModel model in _models.Values.Distinct())
            {
                if (model.TryDecode(bytes[used..], out frame) && frame is not null && _models.GetValueOrDefault(frame.Address) == model)
                {
                    break;
                }

                frame = null;
            }

            if (frame is null)
            {
                // Maybe the rest of a frame is still on its way: wait for more unless a lot is buffered.
                if (bytes.Length - used < 300)
                {
                    return used;
                }

                used++;
                Interlocked.Increment(ref _undecodable);
                continue;
            }

            lock (_sync)
            {
                if (!_lines.TryGetValue(frame.Address, out var lines))
                {
                    _lines[frame.Address] = lines = [];
                }

                foreach ((int line, string text) in frame.Texts)
                {
                    lines[line == 0 ? frame.Line + 1 : line] = text;
                }

                _blink[frame.Address] = frame.Blink;
                _recent.Enqueue((frame.Address, bytes.Slice(used, frame.Length).ToArray()));
                if (_recent.Count > RecentFrames)
                {
                    _recent.Dequeue();
                }

                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            Interlocked.Increment(ref _frames);
            used += frame.Length;
        }

        return used;
    }
}
