using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Keypad;

/// <summary>Timing of the <c>caller68</c> bus master.</summary>
public sealed record KeypadBusSettings
{
    /// <summary>How long to wait for a keypad to echo a display or beep frame before sending it again.</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Extra attempts after the first unanswered one.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>
    /// The same frame from the same keypad again within this time is a retry (its echo was lost, or a key
    /// bounced), answered again but not acted on twice.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A frame whose bytes stop for longer than this is cut short and dropped.</summary>
    public TimeSpan FrameGap { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Each keypad's display is sent again this often even without a change: a keep-alive that finds dead keypads.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A keypad that left this many requests in a row unanswered is reported offline.</summary>
    public int OfflineAfterFailures { get; init; } = 2;

    /// <summary>After a keypad failed a request, wait this long before asking it again, so a dead keypad does not hold up the bus.</summary>
    public TimeSpan FailedRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>A keypad or rating pad on a bus.</summary>
/// <param name="Device">The device (its index goes into device events).</param>
/// <param name="Address">Its bus address, 1..254.</param>
/// <param name="Counter">The counter it belongs to.</param>
/// <param name="IsRatingPad">A rating pad (FUNC 11) rather than a staff keypad.</param>
/// <param name="Prompt">
/// A rating pad that understands the prompt frames (FUNC 12 ask, FUNC 13 prompt over; a LobbyEdge extension): it is
/// asked after a finish, told the outcome, kept alive and reported offline when it stops echoing. False: a pad that
/// only sends FUNC 11, never asked anything, never reported offline (it cannot be told from an idle one).
/// </param>
public sealed record KeypadAssignment(DeviceInfo Device, byte Address, int Counter, bool IsRatingPad = false, bool Prompt = false);

/// <summary>What a keypad or rating pad asked for.</summary>
/// <param name="Device">The keypad.</param>
/// <param name="Counter">Its counter.</param>
/// <param name="Command">The command (when <paramref name="Rating"/> is 0).</param>
/// <param name="Rating">A customer's rating 1..5 from a rating pad, or 0.</param>
public readonly record struct KeypadRequest(DeviceInfo Device, int Counter, Command Command, int Rating)
{
    /// <summary>
    /// The finish-and-rate key (评价): <see cref="Command"/> is the finish; once the engine accepts it the host asks for
    /// a rating (<see cref="Engine.Command.RequestRating"/>).
    /// </summary>
    public bool ThenRequestRating { get; init; }
}

/// <summary>
/// The <c>caller68</c> bus master for one RS-485 line: listens for key and rating frames, echoes every accepted
/// frame, turns key presses into commands (never twice for a retried frame), and sends display and beep frames to
/// the keypads one request at a time, with an ack timeout and retries.
/// </summary>
/// <remarks>
/// <para>
/// Threads: <see cref="ShowDisplay"/> and <see cref="Beep"/> are called from anywhere (the engine loop's sink) and
/// only record what is wanted; the line's owner task does all the I/O. <see cref="Requests"/> is read by the host,
/// which posts the commands to the engine.
/// </para>
/// <para>
/// A host request is acknowledged by the keypad echoing it (the same rule as the host's echo of key frames). The
/// host's own echoes are sent even while a request waits for its ack: on a half-duplex bus the keypad that just
/// talked is listening.
/// </para>
/// </remarks>
public sealed partial class KeypadBus : ISerialProtocol
{
    private const int EchoSlots = 16;

    private readonly DeviceInfo _line;
    private readonly KeypadBusSettings _settings;
    private readonly IDeviceObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Slot[] _slots;
    private readonly Slot?[] _byAddress = new Slot?[256];
    private readonly Channel<KeypadRequest> _requests = Channel.CreateBounded<KeypadRequest>(new BoundedChannelOptions(256)
    {
        SingleReader = false,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _echoLock = new();
    private readonly byte[] _echoes = new byte[EchoSlots * Caller68Codec.MaxFrameLength];
    private readonly int[] _echoLengths = new int[EchoSlots];
    private int _echoHead;
    private int _echoCount;

    private readonly long[] _rejections = new long[(int)Caller68Rejection.Truncated + 1];
    private long _duplicates;
    private long _promptsTimedOut;

    // The request waiting for its echo; written by the writer, checked by the reader.
    private readonly byte[] _awaiting = new byte[Caller68Codec.MaxFrameLength];
    private volatile int _awaitingLength;
    private volatile bool _acked;
    private int _partial;
    private long _lastDataTicks;

    /// <summary>Creates the bus master for the keypads on one line.</summary>
    public KeypadBus(DeviceInfo line, IReadOnlyList<KeypadAssignment> keypads, KeypadBusSettings? settings = null,
        IDeviceObserver? observer = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keypads);
        _line = line;
        _settings = settings ?? new KeypadBusSettings();
        _observer = observer ?? NullDeviceObserver.Instance;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _slots = new Slot[keypads.Count];
        for (int i = 0; i < keypads.Count; i++)
        {
            KeypadAssignment k = keypads[i];
            if (k.Address is 0 or 255 || _byAddress[k.Address] is not null)
            {
                throw new ArgumentException($"keypad address {k.Address} is invalid or used twice on {line.Id}", nameof(keypads));
            }

            _slots[i] = new Slot(k);
            _byAddress[k.Address] = _slots[i];
        }
    }

    /// <summary>Key presses and ratings, in the order they arrived. Read by the host, which posts the commands.</summary>
    public ChannelReader<KeypadRequest> Requests => _requests.Reader;

    /// <summary>Retried frames answered but not acted on.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Frames rejected for a reason.</summary>
    public long Rejected(Caller68Rejection reason) => Interlocked.Read(ref _rejections[(int)reason]);

    /// <summary>Frames rejected for any reason.</summary>
    public long RejectedTotal
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _rejections.Length; i++)
            {
                sum += Interlocked.Read(ref _rejections[i]);
            }

            return sum;
        }
    }

    /// <summary>What a keypad's display was last confirmed to show: (waiting, ticket number), or null before the first ack.</summary>
    public (int Waiting, int Number)? Shown(int counter)
    {
        Slot? slot = SlotOf(counter, ratingPad: false);
        if (slot is null)
        {
            return null;
        }

        lock (slot.Sync)
        {
            return slot.ShownVersion > 0 ? (slot.ShownWaiting, slot.ShownNumber) : null;
        }
    }

    /// <summary>Sets what the counter's keypad display should show; the owner task sends it. Never blocks.</summary>
    /// <param name="counter">The counter.</param>
    /// <param name="waiting">Tickets waiting for the counter's services.</param>
    /// <param name="ticketNumber">The current ticket's number, or 0 for none.</param>
    public void ShowDisplay(int counter, int waiting, int ticketNumber)
    {
        Slot? slot = SlotOf(counter, ratingPad: false);
        if (slot is null)
        {
            return;
        }

        lock (slot.Sync)
        {
            if (slot.DesiredVersion > 0 && slot.Waiting == waiting && slot.Number == ticketNumber)
            {
                return;
            }

            slot.Waiting = waiting;
            slot.Number = ticketNumber;
            slot.DesiredVersion++;
        }

        Wake();
    }

    /// <summary>Makes the counter's keypad beep (e.g. a refused key). Never blocks.</summary>
    public void Beep(int counter)
    {
        Slot? slot = SlotOf(counter, ratingPad: false);
        if (slot is null)
        {
            return;
        }

        lock (slot.Sync)
        {
            slot.BeepPending = true;
        }

        Wake();
    }

    /// <summary>Whether the counter has a rating pad that understands the prompt frames (profile <c>prompt: true</c>).</summary>
    public bool CanPrompt(int counter) => PromptSlot(counter) is not null;

    /// <summary>
    /// Asks the customer to rate at the counter's rating pad (FUNC 12, DATA = the seconds, a LobbyEdge extension); once
    /// <paramref name="timeout"/> has passed without <see cref="EndRatingPrompt"/>, the pad is told
    /// <see cref="RatingPromptEnd.NotRated"/>. A new prompt replaces one still showing. Never blocks; the owner task
    /// sends it (with the ack timeout and retries of every host request).
    /// </summary>
    /// <param name="counter">The counter.</param>
    /// <param name="timeout">How long the pad asks (1 s .. 255 s on the wire; the host's own timer uses the value as given).</param>
    /// <returns>False when the counter has no rating pad that understands prompts (nothing is sent).</returns>
    public bool PromptRating(int counter, TimeSpan timeout)
    {
        Slot? slot = PromptSlot(counter);
        if (slot is null)
        {
            return false;
        }

        lock (slot.Sync)
        {
            slot.PadPrompting = true;
            slot.PadTimeout = timeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : timeout;
            slot.PadDeadlineTicks = _time.GetUtcNow().UtcTicks + slot.PadTimeout.Ticks;
            slot.PadVersion++;
        }

        Wake();
        return true;
    }

    /// <summary>
    /// Ends the counter's rating prompt with <paramref name="end"/> (FUNC 13, a LobbyEdge extension): thanks for a
    /// counted rating, already rated for a second press, not counted for a refused one. Sent even when no prompt is
    /// showing (a customer who pressed unasked is thanked too). Never blocks.
    /// </summary>
    /// <returns>False when the counter has no rating pad that understands prompts (nothing is sent).</returns>
    public bool EndRatingPrompt(int counter, RatingPromptEnd end)
    {
        Slot? slot = PromptSlot(counter);
        if (slot is null)
        {
            return false;
        }

        lock (slot.Sync)
        {
            slot.PadPrompting = false;
            slot.PadEnd = end;
            slot.PadVersion++;
        }

        Wake();
        return true;
    }

    /// <summary>Whether the counter's rating pad is asking for a rating now (prompted, neither answered nor timed out).</summary>
    public bool IsPrompting(int counter)
    {
        Slot? slot = PromptSlot(counter);
        if (slot is null)
        {
            return false;
        }

        lock (slot.Sync)
        {
            return slot.PadPrompting && _time.GetUtcNow().UtcTicks < slot.PadDeadlineTicks;
        }
    }

    /// <summary>Prompts that timed out without a rating (the pad was told <see cref="RatingPromptEnd.NotRated"/>).</summary>
    public long PromptsTimedOut => Interlocked.Read(ref _promptsTimedOut);

    /// <inheritdoc />
    public void LineDown(string reason)
    {
        foreach (Slot slot in _slots)
        {
            lock (slot.Sync)
            {
                // Resend every display once the line is back: the keypads may have been power-cycled with it.
                slot.ShownVersion = 0;
                slot.PadAckedVersion = 0;
                slot.Failures = 0;
                slot.NextAttemptTicks = 0;
            }

            SetStatus(slot, DeviceStatus.Offline, $"line {_line.Id} down: {reason}");
        }

        _partial = 0;
    }

    /// <inheritdoc />
    public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        _partial = 0;
        lock (_echoLock)
        {
            _echoCount = 0;
        }

        foreach (Slot slot in _slots)
        {
            if (slot.Assignment.IsRatingPad && !slot.Assignment.Prompt)
            {
                // A rating pad only talks when a customer presses it; the line being up is all that can be known.
                SetStatus(slot, DeviceStatus.Online, "line up");
            }
        }

        using var inner = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task reader = ReadLoopAsync(session.Input, inner.Token);
        Task writer = WriteLoopAsync(session, inner.Token);
        Task first = await Task.WhenAny(reader, writer).ConfigureAwait(false);
        await inner.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(reader, writer).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await first.ConfigureAwait(false);
    }

    // ---- reading ----

    private async Task ReadLoopAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            Consume(ref buffer, _time.GetUtcNow().UtcTicks);
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the line was closed");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Scans the buffered bytes for frames; leaves an incomplete frame in <paramref name="buffer"/>.</summary>
    internal void Consume(ref ReadOnlySequence<byte> buffer, long nowTicks)
    {
        if (_partial > 0 && buffer.Length > _partial && nowTicks - _lastDataTicks > _settings.FrameGap.Ticks)
        {
            // The bytes left from the last read went quiet mid-frame: that frame was cut short.
            buffer = buffer.Slice(_partial);
            Count(Caller68Rejection.Truncated, null);
        }

        _lastDataTicks = nowTicks;
        Span<byte> copy = stackalloc byte[Caller68Codec.MaxFrameLength * 4];
        while (!buffer.IsEmpty)
        {
            scoped ReadOnlySpan<byte> span;
            if (buffer.FirstSpan.Length >= copy.Length || buffer.IsSingleSegment)
            {
                span = buffer.FirstSpan;
            }
            else
            {
                int n = (int)Math.Min(buffer.Length, copy.Length);
                buffer.Slice(0, n).CopyTo(copy);
                span = copy[..n];
            }

            Caller68Scan scan = Caller68Codec.Scan(span, out Caller68Frame frame, out int consumed, out Caller68Rejection rejection);
            if (scan == Caller68Scan.NeedMoreData)
            {
                break;
            }

            if (scan == Caller68Scan.Rejected)
            {
                Count(rejection, null);
            }
            else
            {
                Handle(frame, nowTicks);
            }

            buffer = buffer.Slice(consumed);
        }

        _partial = (int)buffer.Length;
    }

    private void Handle(Caller68Frame frame, long nowTicks)
    {
        Slot? slot = _byAddress[frame.Address];
        if (slot is null)
        {
            RejectInput(_line, InputRejections.UnknownAddress);
            return;
        }

        // The echo of the request in flight is its ack.
        int awaiting = _awaitingLength;
        if (awaiting > 0 && frame.Raw.SequenceEqual(_awaiting.AsSpan(0, awaiting)))
        {
            _acked = true;
            Wake();
            return;
        }

        switch (frame.Function)
        {
            case Caller68Codec.FunctionKey when !slot.Assignment.IsRatingPad:
                Echo(frame.Raw);
                if (IsDuplicate(slot, frame.Raw, nowTicks))
                {
                    return;
                }

                KeyOutcome outcome = slot.Input!.Press(frame.Data, nowTicks, out Command command);
                if (outcome is KeyOutcome.Command or KeyOutcome.FinishAndRate)
                {
                    Post(new KeypadRequest(slot.Assignment.Device, slot.Assignment.Counter, command, 0) { ThenRequestRating = outcome == KeyOutcome.FinishAndRate }, slot);
                }
                else if (outcome == KeyOutcome.Invalid)
                {
                    RejectInput(slot.Assignment.Device, InputRejections.UnknownKey);
                    Beep(slot.Assignment.Counter);
                }

                return;

            case Caller68Codec.FunctionRating when slot.Assignment.IsRatingPad:
                ReadOnlySpan<byte> data = frame.Data;
                if (data.Length != 1 || data[0] is < 1 or > 5)
                {
                    RejectInput(slot.Assignment.Device, InputRejections.RatingOutOfRange);
                    return;
                }

                // The pad is answered with FUNC 01 and the same data (CONTRACTS.md), so it stops sending; whether the
                // rating counted is told afterwards (FUNC 13) to a pad that understands prompts.
                Span<byte> reply = stackalloc byte[Caller68Codec.MaxFrameLength];
                Echo(reply[..Caller68Codec.Encode(frame.Address, Caller68Codec.FunctionKey, data, reply)]);
                if (slot.Assignment.Prompt && slot.Status == DeviceStatus.Offline)
                {
                    // A pad that talks is there, whatever its last prompts met.
                    lock (slot.Sync)
                    {
                        slot.Failures = 0;
                        slot.NextAttemptTicks = 0;
                    }

                    SetStatus(slot, DeviceStatus.Online, "a rating arrived");
                }

                if (!IsDuplicate(slot, frame.Raw, nowTicks))
                {
                    Post(new KeypadRequest(slot.Assignment.Device, slot.Assignment.Counter, default, data[0]), slot);
                }

                return;

            case Caller68Codec.FunctionKey or Caller68Codec.FunctionRating:
                // A key from a rating pad's address or a rating from a staff keypad's: a miswired or misaddressed
                // device. Not answered (it is not the device the profile says), but counted and logged.
                RejectInput(slot.Assignment.Device, InputRejections.UnexpectedFunction);
                return;

            default:
                // A late echo of a request already retried: not an error of the line, but nothing to act on.
                return;
        }
    }

    private bool IsDuplicate(Slot slot, ReadOnlySpan<byte> raw, long nowTicks)
    {
        bool duplicate = slot.LastLength == raw.Length
            && nowTicks - slot.LastTicks <= _settings.DuplicateWindow.Ticks
            && raw.SequenceEqual(slot.LastFrame.AsSpan(0, slot.LastLength));
        raw.CopyTo(slot.LastFrame);
        slot.LastLength = raw.Length;
        slot.LastTicks = nowTicks;
        if (duplicate)
        {
            Interlocked.Increment(ref _duplicates);
        }

        return duplicate;
    }

    private void Post(KeypadRequest request, Slot slot)
    {
        if (!_requests.Writer.TryWrite(request))
        {
            // The engine is far behind; a refused key is better than a bus that stops answering.
            RejectInput(slot.Assignment.Device, InputRejections.RequestQueueFull);
            Beep(slot.Assignment.Counter);
        }
    }

    private void Echo(ReadOnlySpan<byte> frame)
    {
        lock (_echoLock)
        {
            if (_echoCount == EchoSlots)
            {
                // Oldest first out: a keypad whose echo is lost retries.
                _echoHead = (_echoHead + 1) % EchoSlots;
                _echoCount--;
            }

            int slot = (_echoHead + _echoCount) % EchoSlots;
            frame.CopyTo(_echoes.AsSpan(slot * Caller68Codec.MaxFrameLength));
            _echoLengths[slot] = frame.Length;
            _echoCount++;
        }

        Wake();
    }

    private bool TryTakeEcho(byte[] destination, out int length)
    {
        lock (_echoLock)
        {
            if (_echoCount == 0)
            {
                length = 0;
                return false;
            }

            length = _echoLengths[_echoHead];
            _echoes.AsSpan(_echoHead * Caller68Codec.MaxFrameLength, length).CopyTo(destination);
            _echoHead = (_echoHead + 1) % EchoSlots;
            _echoCount--;
            return true;
        }
    }

    // ---- writing ----

    private async Task WriteLoopAsync(SerialSession session, CancellationToken cancellationToken)
    {
        byte[] tx = new byte[Caller68Codec.MaxFrameLength];
        byte[] echo = new byte[Caller68Codec.MaxFrameLength];
        int next = 0;
        while (true)
        {
            await SendEchoesAsync(session, echo, cancellationToken).ConfigureAwait(false);
            long now = _time.GetUtcNow().UtcTicks;
            if (TryTakeRequest(ref next, now, tx, out Slot? slot, out int length, out int version, out HostRequest kind))
            {
                bool acked = await RequestAsync(session, tx, length, echo, cancellationToken).ConfigureAwait(false);
                Completed(slot!, acked, version, kind, _time.GetUtcNow().UtcTicks);
                continue;
            }

            await _wake.WaitAsync(NextDue(now), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendEchoesAsync(SerialSession session, byte[] buffer, CancellationToken cancellationToken)
    {
        while (TryTakeEcho(buffer, out int length))
        {
            await session.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one request and waits for its echo, retrying; echoes owed to other keypads go out meanwhile.</summary>
    private async Task<bool> RequestAsync(SerialSession session, byte[] tx, int length, byte[] echo, CancellationToken cancellationToken)
    {
        tx.AsSpan(0, length).CopyTo(_awaiting);
        _acked = false;
        _awaitingLength = length;
        try
        {
            for (int attempt = 0; attempt <= _settings.Retries; attempt++)
            {
                await session.WriteAsync(tx.AsMemory(0, length), cancellationToken).ConfigureAwait(false);

                // The frame's own time on the wire counts towards neither side's patience.
                long deadline = _time.GetUtcNow().UtcTicks + _settings.AckTimeout.Ticks + (session.Settings.ByteTime.Ticks * length * 2);
                while (!_acked)
                {
                    long left = deadline - _time.GetUtcNow().UtcTicks;
                    if (left <= 0)
                    {
                        break;
                    }

                    await _wake.WaitAsync(TimeSpan.FromTicks(left), cancellationToken).ConfigureAwait(false);
                    await SendEchoesAsync(session, echo, cancellationToken).ConfigureAwait(false);
                }

                if (_acked)
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            _awaitingLength = 0;
        }
    }

    /// <summary>
    /// Picks the next keypad with something to send (round robin): a beep first, then a changed or stale display; for
    /// a rating pad that understands prompts, its changed or stale prompt state.
    /// </summary>
    private bool TryTakeRequest(ref int next, long now, byte[] tx, out Slot? chosen, out int length, out int version, out HostRequest kind)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            Slot slot = _slots[(next + i) % _slots.Length];
            if (slot.Assignment.IsRatingPad && !slot.Assignment.Prompt)
            {
                continue;
            }

            lock (slot.Sync)
            {
                if (slot.Assignment.IsRatingPad)
                {
                    ExpirePrompt(slot, now);
                }

                if (now < slot.NextAttemptTicks)
                {
                    continue;
                }

                if (slot.Assignment.IsRatingPad)
                {
                    if (slot.PadAckedVersion == slot.PadVersion && now - slot.LastSentTicks < _settings.RefreshInterval.Ticks)
                    {
                        continue;
                    }

                    // A prompt resent (a retry after a failure, a keep-alive) asks for the time it has left.
                    length = slot.PadPrompting
                        ? Caller68Codec.EncodeRatingPrompt(slot.Assignment.Address, TimeSpan.FromTicks(slot.PadDeadlineTicks - now), tx)
                        : Caller68Codec.EncodeRatingPromptEnd(slot.Assignment.Address, slot.PadEnd, tx);
                    version = slot.PadVersion;
                    kind = HostRequest.Pad;
                }
                else if (slot.BeepPending)
                {
                    slot.BeepPending = false;
                    length = Caller68Codec.EncodeBeep(slot.Assignment.Address, tx);
                    version = 0;
                    kind = HostRequest.Beep;
                }
                else if (slot.DesiredVersion > 0 && (slot.ShownVersion != slot.DesiredVersion || now - slot.LastSentTicks >= _settings.RefreshInterval.Ticks))
                {
                    length = Caller68Codec.EncodeDisplay(slot.Assignment.Address, slot.Waiting, slot.Number, tx);
                    version = slot.DesiredVersion;
                    kind = HostRequest.Display;
                    slot.SentWaiting = slot.Waiting;
                    slot.SentNumber = slot.Number;
                }
                else
                {
                    continue;
                }
            }

            next = (next + i + 1) % _slots.Length;
            chosen = slot;
            return true;
        }

        chosen = null;
        length = 0;
        version = 0;
        kind = default;
        return false;
    }

    /// <summary>A prompt past its time becomes "not rated" (under the slot's lock).</summary>
    private void ExpirePrompt(Slot slot, long now)
    {
        if (slot.PadPrompting && now >= slot.PadDeadlineTicks)
        {
            slot.PadPrompting = false;
            slot.PadEnd = RatingPromptEnd.NotRated;
            slot.PadVersion++;
            Interlocked.Increment(ref _promptsTimedOut);
            Log.NotRated(_logger, slot.Assignment.Device.Id, slot.Assignment.Counter, slot.PadTimeout.TotalSeconds);
        }
    }

    private void Completed(Slot slot, bool acked, int version, HostRequest kind, long now)
    {
        DeviceStatus? change = null;
        lock (slot.Sync)
        {
            slot.LastSentTicks = now;
            if (acked)
            {
                slot.Failures = 0;
                slot.NextAttemptTicks = 0;
                if (kind == HostRequest.Display)
                {
                    slot.ShownVersion = version;
                    slot.ShownWaiting = slot.SentWaiting;
                    slot.ShownNumber = slot.SentNumber;
                }
                else if (kind == HostRequest.Pad)
                {
                    slot.PadAckedVersion = version;
                    if (version == slot.PadVersion && !slot.PadPrompting)
                    {
                        // The outcome was shown once; a keep-alive later only says "nothing asked".
                        slot.PadEnd = RatingPromptEnd.NotRated;
                    }
                }

                change = DeviceStatus.Online;
            }
            else
            {
                slot.Failures++;
                slot.NextAttemptTicks = now + _settings.FailedRetryDelay.Ticks;
                if (slot.Failures >= _settings.OfflineAfterFailures)
                {
                    change = DeviceStatus.Offline;
                }
            }
        }

        if (change is { } status)
        {
            SetStatus(slot, status, acked ? "answers" : $"no echo after {_settings.Retries + 1} attempts");
        }
    }

    private TimeSpan NextDue(long now)
    {
        long due = now + _settings.RefreshInterval.Ticks;
        foreach (Slot slot in _slots)
        {
            lock (slot.Sync)
            {
                // Something not yet confirmed is due when the last failure's pause is over, the rest at the keep-alive.
                if (slot.Assignment.IsRatingPad && slot.Assignment.Prompt)
                {
                    due = Math.Min(due, slot.PadAckedVersion != slot.PadVersion ? slot.NextAttemptTicks : slot.LastSentTicks + _settings.RefreshInterval.Ticks);
                    if (slot.PadPrompting)
                    {
                        due = Math.Min(due, slot.PadDeadlineTicks);
                    }
                }
                else if (slot.DesiredVersion > 0)
                {
                    due = Math.Min(due, slot.ShownVersion != slot.DesiredVersion || slot.BeepPending
                        ? slot.NextAttemptTicks
                        : slot.LastSentTicks + _settings.RefreshInterval.Ticks);
                }
            }
        }

        return TimeSpan.FromTicks(Math.Clamp(due - now, TimeSpan.TicksPerMillisecond, _settings.RefreshInterval.Ticks));
    }

    // ---- bookkeeping ----

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private void SetStatus(Slot slot, DeviceStatus status, string reason)
    {
        lock (slot.Sync)
        {
            if (slot.Status == status)
            {
                return;
            }

            slot.Status = status;
        }

        _observer.StatusChanged(new DeviceStatusChange(slot.Assignment.Device, status, reason));
    }

    private void Count(Caller68Rejection reason, DeviceInfo? device)
    {
        Interlocked.Increment(ref _rejections[(int)reason]);
        _observer.InputRejected(device ?? _line, Name(reason));
    }

    private void RejectInput(DeviceInfo device, string reason)
    {
        Log.Rejected(_logger, device.Id, reason);
        _observer.InputRejected(device, reason);
    }

    /// <summary>The reason as a metric label.</summary>
    public static string Name(Caller68Rejection reason) => reason switch
    {
        Caller68Rejection.Garbage => "garbage",
        Caller68Rejection.LengthMismatch => "length_mismatch",
        Caller68Rejection.LengthOutOfRange => "length_out_of_range",
        Caller68Rejection.BadHeader => "bad_header",
        Caller68Rejection.BadChecksum => "bad_checksum",
        Caller68Rejection.BadEndByte => "bad_end_byte",
        Caller68Rejection.Truncated => "truncated",
        _ => "none",
    };

    private Slot? PromptSlot(int counter) => SlotOf(counter, ratingPad: true) is { Assignment.Prompt: true } slot ? slot : null;

    private Slot? SlotOf(int counter, bool ratingPad)
    {
        foreach (Slot slot in _slots)
        {
            if (slot.Assignment.Counter == counter && slot.Assignment.IsRatingPad == ratingPad)
            {
                return slot;
            }
        }

        return null;
    }

    private sealed class Slot(KeypadAssignment assignment)
    {
        public readonly Lock Sync = new();
        public readonly KeypadAssignment Assignment = assignment;
        public readonly KeypadInput? Input = assignment.IsRatingPad ? null : new KeypadInput(assignment.Counter);
        public readonly byte[] LastFrame = new byte[Caller68Codec.MaxFrameLength];
        public int LastLength;
        public long LastTicks;

        public int Waiting;
        public int Number;
        public int DesiredVersion;
        public int SentWaiting;
        public int SentNumber;
        public int ShownVersion;
        public int ShownWaiting;
        public int ShownNumber;
        public bool BeepPending;

        // A prompt-capable rating pad: what it should show (a prompt until its deadline, else the last outcome),
        // numbered like the display so a change while a request is in flight is sent after it.
        public bool PadPrompting;
        public RatingPromptEnd PadEnd;
        public TimeSpan PadTimeout;
        public long PadDeadlineTicks;
        public int PadVersion = assignment.IsRatingPad && assignment.Prompt ? 1 : 0;
        public int PadAckedVersion;

        public long LastSentTicks;
        public long NextAttemptTicks;
        public int Failures;
        public DeviceStatus? Status;
    }

    /// <summary>What a host request to a keypad or pad was.</summary>
    private enum HostRequest : byte
    {
        Beep,
        Display,
        Pad,
    }

    private static partial class Log
    {
        [LoggerMessage(411, LogLevel.Debug, "Device {Device}: input rejected: {Reason}")]
        public static partial void Rejected(ILogger logger, string device, string reason);

        [LoggerMessage(413, LogLevel.Information, "Rating pad {Device} at counter {Counter}: not rated within {Seconds} s; prompt over")]
        public static partial void NotRated(ILogger logger, string device, int counter, double seconds);
    }
}
