using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Displays;

/// <summary>An LED display on a line: its device, address and model.</summary>
/// <param name="Device">The display as a device.</param>
/// <param name="Address">Its address on the line.</param>
/// <param name="Model">Its model (frame and messages).</param>
public sealed record DisplayAssignment(DeviceInfo Device, int Address, DisplayModel Model);

/// <summary>
/// Drives the LED displays on one serial line. <see cref="Show"/> records the latest text per display from any
/// thread; the line's owner task encodes and sends it, and sends every display's text again every
/// <see cref="RefreshInterval"/> (a controller that lost power shows nothing until told again). LED controllers
/// of this kind do not answer, so a display's status is its line's.
/// </summary>
public sealed partial class LedDisplayBus : ISerialProtocol
{
    private readonly DeviceInfo _line;
    private readonly Slot[] _slots;
    private readonly IDeviceObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Creates the driver for the displays on one line.</summary>
    public LedDisplayBus(DeviceInfo line, IReadOnlyList<DisplayAssignment> displays, IDeviceObserver? observer = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(displays);
        _line = line;
        _slots = [.. displays.Select(d => new Slot(d))];
        _observer = observer ?? NullDeviceObserver.Instance;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How often unchanged text is sent again.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gap between two frames, so a slow controller can take each one.</summary>
    public TimeSpan InterFrameGap { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The displays on the line.</summary>
    public IEnumerable<DisplayAssignment> Displays => _slots.Select(s => s.Assignment);

    /// <summary>
    /// Sets what a display shows; the owner task sends it. Never blocks. A text equal to the current one (lines, blink
    /// and <see cref="DisplayText.Cue"/>) is dropped; a new cue (a call or recall) is sent even when the bytes are the
    /// same as the last frame's. Texts set faster than the line sends them coalesce: the latest is sent.
    /// </summary>
    public void Show(int deviceIndex, DisplayText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (Slot slot in _slots)
        {
            if (slot.Assignment.Device.Index != deviceIndex)
            {
                continue;
            }

            lock (slot.Sync)
            {
                if (slot.Text is { } current && current.Blink == text.Blink && current.Cue == text.Cue && current.Lines.SequenceEqual(text.Lines))
                {
                    return;
                }

                slot.Text = text;
                slot.Version++;
            }

            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }

            return;
        }
    }

    /// <summary>What a display was last sent, or null.</summary>
    public DisplayText? Sent(int deviceIndex)
    {
        foreach (Slot slot in _slots)
        {
            if (slot.Assignment.Device.Index == deviceIndex)
            {
                lock (slot.Sync)
                {
                    return slot.SentVersion > 0 ? slot.Text : null;
                }
            }
        }

        return null;
    }

    /// <inheritdoc />
    public void LineDown(string reason)
    {
        foreach (Slot slot in _slots)
        {
            lock (slot.Sync)
            {
                slot.SentVersion = 0;
            }

            Report(slot, DeviceStatus.Offline, $"line {_line.Id} down: {reason}");
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        foreach (Slot slot in _slots)
        {
            Report(slot, DeviceStatus.Online, "line up");
        }

        // Anything the displays send (some echo, some report) is read and dropped, so it never fills a buffer.
        Task drain = DrainAsync(session, cancellationToken);
        byte[] frame = new byte[DisplayModel.MaxFrameLength];
        while (!drain.IsCompleted)
        {
            long now = _time.GetUtcNow().UtcTicks;
            bool sent = false;
            foreach (Slot slot in _slots)
            {
                DisplayText? text;
                int version;
                lock (slot.Sync)
                {
                    text = slot.Text;
                    version = slot.Version;
                    if (text is null || (slot.SentVersion == version && now - slot.SentTicks < RefreshInterval.Ticks))
                    {
                        continue;
                    }
                }

                DisplayModel model = slot.Assignment.Model;
                int frames = model.FrameCount(text);
                for (int f = 0; f < frames; f++)
                {
                    int length = model.Encode(slot.Assignment.Address, text, f, frame);
                    await session.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                    await Task.Delay(InterFrameGap, _time, cancellationToken).ConfigureAwait(false);
                }

                lock (slot.Sync)
                {
                    slot.SentVersion = version;
                    slot.SentTicks = now;
                }

                Log.Shown(_logger, slot.Assignment.Device.Id, text.ToString());
                sent = true;
            }

            if (!sent)
            {
                await Task.WhenAny(_wake.WaitAsync(RefreshInterval, cancellationToken), drain).ConfigureAwait(false);
            }
        }

        await drain.ConfigureAwait(false);
    }

    private static async Task DrainAsync(SerialSession session, CancellationToken cancellationToken)
    {
        while (true)
        {
            System.IO.Pipelines.ReadResult result = await session.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            session.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("the line was closed");
            }
        }
    }

    private void Report(Slot slot, DeviceStatus status, string reason)
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

    private sealed class Slot(DisplayAssignment assignment)
    {
        public readonly Lock Sync = new();
        public readonly DisplayAssignment Assignment = assignment;
        public DisplayText? Text;
        public int Version;
        public int SentVersion;
        public long SentTicks;
        public DeviceStatus? Status;
    }

    private static partial class Log
    {
        [LoggerMessage(431, LogLevel.Debug, "Display {Device}: {Text}")]
        public static partial void Shown(ILogger logger, string device, string text);
    }
}
