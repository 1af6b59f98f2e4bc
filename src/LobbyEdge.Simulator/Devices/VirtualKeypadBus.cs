using LobbyEdge.Devices.Keypad;

namespace LobbyEdge.Simulator.Devices;

/// <summary>
/// Caller keypads (and rating pads) on one virtual RS-485 line, speaking <c>caller68</c> from the keypad side:
/// a press sends a key frame and waits for the host's echo (retrying like the real keypads); display and beep
/// frames from the host are echoed and shown. Rating pads understand the prompt frames (FUNC 12 ask, FUNC 13 prompt
/// over, src/LobbyEdge.Devices/Keypad/README.md): they echo them, light up while asked and remember the outcome.
/// </summary>
public sealed class VirtualKeypadBus : IVirtualDevice
{
    private readonly Lock _sync = new();
    private readonly Dictionary<int, byte[]> _display = [];
    private readonly Dictionary<int, int> _beeps = [];
    private readonly List<byte[]> _received = [];
    private readonly Dictionary<int, (int Prompts, int Seconds, long Until, RatingPromptEnd? End)> _pads = [];
    private readonly HashSet<int> _silent = [];
    private Stream? _line;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long a keypad waits for the host's echo before sending again.</summary>
    public TimeSpan EchoTimeout { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Extra attempts after the first.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Whether the keypads echo the host's frames (false: a keypad that hears but never answers).</summary>
    public bool Answer { get; set; } = true;

    /// <summary>Raised (on the line's reader) when the host asks the rating pad at an address to rate: the address and the seconds it asks for.</summary>
    public event Action<int, TimeSpan>? Prompted;

    /// <summary>Makes the keypad or pad at <paramref name="address"/> stop answering the host (unplugged from the bus), or answer again.</summary>
    public void Silence(int address, bool silent)
    {
        lock (_sync)
        {
            _ = silent ? _silent.Add(address) : _silent.Remove(address);
        }
    }

    /// <summary>Whether the rating pad at <paramref name="address"/> is asking for a rating now (prompted, no outcome yet, its time not over).</summary>
    public bool IsPrompting(int address)
    {
        lock (_sync)
        {
            return _pads.TryGetValue(address, out var pad) && pad.End is null && Environment.TickCount64 < pad.Until;
        }
    }

    /// <summary>How often the host asked the rating pad at <paramref name="address"/> to rate.</summary>
    public int Prompts(int address)
    {
        lock (_sync)
        {
            return _pads.GetValueOrDefault(address).Prompts;
        }
    }

    /// <summary>The seconds the last prompt to the pad at <paramref name="address"/> asked for (0 before any).</summary>
    public int PromptSeconds(int address)
    {
        lock (_sync)
        {
            return _pads.GetValueOrDefault(address).Seconds;
        }
    }

    /// <summary>The last prompt-over frame the pad at <paramref name="address"/> was sent, or null (none, or a prompt since).</summary>
    public RatingPromptEnd? PromptEnd(int address)
    {
        lock (_sync)
        {
            return _pads.GetValueOrDefault(address).End;
        }
    }

    /// <summary>Every frame the host sent to <paramref name="address"/> with function <paramref name="function"/>, in order (its DATA).</summary>
    public IReadOnlyList<byte[]> Received(int address, byte function)
    {
        lock (_sync)
        {
            return [.. _received.Where(f => f[5] == address && f[6] == function).Select(f => f[7..^2])];
        }
    }

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

    private bool IsSilent(int address)
    {
        lock (_sync)
        {
            return _silent.Contains(address);
        }
    }

    private int Consume(ReadOnlySpan<byte> bytes, out byte[]? echoes)
    {
        var outgoing = new List<byte>();
        var prompted = new List<(int Address, int Seconds)>();
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
                    else if (frame.Function == Caller68Codec.FunctionRatingPrompt && frame.Data.Length == 1 && !_silent.Contains(frame.Address))
                    {
                        var pad = _pads.GetValueOrDefault(frame.Address);
                        int seconds = frame.Data[0];
                        _pads[frame.Address] = (pad.Prompts + 1, seconds, Environment.TickCount64 + (seconds * 1000L), null);
                        prompted.Add((frame.Address, seconds));
                    }
                    else if (frame.Function == Caller68Codec.FunctionRatingPromptEnd && frame.Data.Length == 1 && !_silent.Contains(frame.Address))
                    {
                        _pads[frame.Address] = _pads.GetValueOrDefault(frame.Address) with { End = (RatingPromptEnd)frame.Data[0] };
                    }

                    _changed.TrySetResult();
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                // Host requests are echoed; a host's echo of our own frame is just noted (see SendAsync).
                if (Answer && frame.Function is Caller68Codec.FunctionDisplay or Caller68Codec.FunctionBeep or Caller68Codec.FunctionRatingPrompt or Caller68Codec.FunctionRatingPromptEnd
                    && !IsSilent(frame.Address))
                {
                    outgoing.AddRange(frame.Raw);
                }
            }

            used += consumed;
        }

        foreach ((int address, int seconds) in prompted)
        {
            Prompted?.Invoke(address, TimeSpan.FromSeconds(seconds));
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
