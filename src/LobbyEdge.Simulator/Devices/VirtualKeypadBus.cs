using LobbyEdge.Devices.Keypad;

namespace LobbyEdge.Simulator.Devices;

/// <summary>
/// Caller keypads (and rating pads) on one virtual RS-485 line, speaking <c>caller68</c> from the keypad side:
/// a press sends a key frame and waits for the host's echo (retrying like the real keypads); display and beep
/// frames from the host are echoed and shown.
/// </summary>
public sealed class VirtualKeypadBus : IVirtualDevice
{
    private readonly Lock _sync = new();
    private readonly Dictionary<int, byte[]> _display = [];
    private readonly Dictionary<int, int> _beeps = [];
    private readonly List<byte[]> _received = [];
    private Stream? _line;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long a keypad waits for the host's echo before sending again.</summary>
    public TimeSpan EchoTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Extra attempts after the first.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Whether the keypads echo the host's frames (false: a keypad that hears but never answers).</summary>
    public bool Answer { get; set; } = true;

    /// <summary>Presses a key (the last byte) with digits before it; true when the host echoed the frame.</summary>
    public Task<bool> PressAsync(int address, params byte[] data) => SendAsync(address, Caller68Codec.FunctionKey, data, CancellationToken.None);

    /// <summary>A rating pad's press (score 1..5); true when the host answered.</summary>
    public Task<bool> RateAsync(int address, int score) => SendAsync(address, Caller68Codec.FunctionRating, [(byte)score], CancellationToken.None);

    /// <summary>Sends raw bytes onto the line (noise, corrupted frames).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        Stream line = _line ?? throw new InvalidOperationException("the line is not open");
        await line.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await line.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a keypad's display shows: waiting count and ticket digits, e.g. <c>"  5|023"</c>; null before any frame.</summary>
    public string? Display(int address)
    {
        lock (_sync)
        {
            if (!_display.TryGetValue(address, out byte[]? d))
            {
                return null;
            }

            char Digit(byte b) => b == Caller68Codec.BlankDigit ? ' ' : (char)('0' + b);
            return $"{Digit(d[0])}{Digit(d[1])}{Digit(d[2])}|{Digit(d[3])}{Digit(d[4])}{Digit(d[5])}";
        }
    }

    /// <summary>Beeps a keypad has heard.</summary>
    public int Beeps(int address)
    {
        lock (_sync)
        {
            return _beeps.GetValueOrDefault(address);
        }
    }

    /// <summary>Whether the line is open (the host has connected).</summary>
    public bool IsConnected => _line is not null;

    /// <summary>Waits until <paramref name="condition"/> holds (checked on every frame received), or the timeout.</summary>
    public async Task<bool> WaitForAsync(Func<VirtualKeypadBus, bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            // The frame signal is taken before the condition is checked: a frame received in between still wakes us.
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
                await changed.WaitAsync(TimeSpan.FromMilliseconds(100), cts.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Check again: the condition may depend on time or on something other than a frame.
            }
            catch (OperationCanceledException)
            {
                return condition(this);
            }
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(Stream line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        try
        {
            await VirtualLine.PumpAsync(line, 256, Consume, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _line = null;
        }
    }

    private int Consume(ReadOnlySpan<byte> bytes, out byte[]? echoes)
    {
        var outgoing = new List<byte>();
        int used = 0;
        while (used < bytes.Length)
        {
            Caller68Scan scan = Caller68Codec.Scan(bytes[used..], out Caller68Frame frame, out int consumed, out _);
            if (scan == Caller68Scan.NeedMoreData)
            {
                break;
            }

            if (scan == Caller68Scan.Frame)
            {
                lock (_sync)
                {
                    _received.Add(frame.Raw.ToArray());
                    if (frame.Function == Caller68Codec.FunctionDisplay && frame.Data.Length == 6)
                    {
                        _display[frame.Address] = frame.Data.ToArray();
                    }
                    else if (frame.Function == Caller68Codec.FunctionBeep)
                    {
                        _beeps[frame.Address] = _beeps.GetValueOrDefault(frame.Address) + 1;
                    }

                    _changed.TrySetResult();
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                // Host requests are echoed; a host's echo of our own frame is just noted (see SendAsync).
                if (Answer && frame.Function is Caller68Codec.FunctionDisplay or Caller68Codec.FunctionBeep)
                {
                    outgoing.AddRange(frame.Raw);
                }
            }

            used += consumed;
        }

        echoes = outgoing.Count > 0 ? [.. outgoing] : null;
        return used;
    }

    private async Task<bool> SendAsync(int address, byte function, byte[] data, CancellationToken cancellationToken)
    {
        byte[] frame = new byte[Caller68Codec.MaxFrameLength];
        int length = Caller68Codec.Encode((byte)address, function, data, frame);
        byte[] expected = frame.AsSpan(0, length).ToArray();
        if (function == Caller68Codec.FunctionRating)
        {
            // A rating is answered with FUNC 01 and the same data.
            expected = new byte[Caller68Codec.MaxFrameLength];
            expected = expected.AsSpan(0, Caller68Codec.Encode((byte)address, Caller68Codec.FunctionKey, data, expected)).ToArray();
        }

        for (int attempt = 0; attempt <= Retries; attempt++)
        {
            int before;
            lock (_sync)
            {
                before = _received.Count;
            }

            await SendRawAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            bool echoed = await WaitForAsync(k =>
            {
                lock (k._sync)
                {
                    for (int i = before; i < k._received.Count; i++)
                    {
                        if (k._received[i].AsSpan().SequenceEqual(expected))
                        {
                            return true;
                        }
                    }

                    return false;
                }
            }, EchoTimeout).ConfigureAwait(false);
            if (echoed)
            {
                return true;
            }
        }

        return false;
    }
}
