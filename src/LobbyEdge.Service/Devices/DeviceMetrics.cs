using LobbyEdge.Devices;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Monitoring;
using Prometheus;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// Feeds the device families of CONTRACTS.md ("Metrics") from the devices layer: <c>lobby_device_up</c>,
/// <c>lobby_device_reconnects_total</c>, <c>lobby_device_frames_rejected_total</c> and <c>lobby_printer_paper</c>.
/// Every child is created here, once, per device of the profile (and per reason a device of its kind can reject
/// input for, <see cref="InputRejections"/>), so every series exists from the start at 0 and an update from a
/// device task is an array index and an interlocked add: nothing is allocated per frame.
/// </summary>
public sealed class DeviceMetrics
{
    private static readonly string[] s_paperLabels = ["ok", "low", "out"];

    private readonly LobbyMetrics _metrics;
    private readonly IReadOnlyList<DeviceInfo> _devices;
    private readonly Gauge.Child[] _up;
    private readonly Counter.Child?[] _reconnects;
    private readonly Gauge.Child[]?[] _paper;
    private readonly Lock _rejectedGrowth = new();
    private (string Reason, Counter.Child Child)[][] _rejected;

    /// <summary>Creates every child for the devices of <paramref name="hardware"/>; every device starts down.</summary>
    /// <param name="metrics">The registry.</param>
    /// <param name="hardware">The branch's devices.</param>
    /// <param name="lines">The devices that own a serial line (reopened after a loss): the keypad and display lines and the printers.</param>
    public DeviceMetrics(LobbyMetrics metrics, BranchHardware hardware, IEnumerable<DeviceInfo> lines)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(hardware);
        ArgumentNullException.ThrowIfNull(lines);
        _metrics = metrics;
        _devices = hardware.Devices;
        int n = _devices.Count;
        _up = new Gauge.Child[n];
        _reconnects = new Counter.Child?[n];
        _paper = new Gauge.Child[]?[n];
        _rejected = new (string, Counter.Child)[n][];
        var keypadLines = new HashSet<int>(hardware.KeypadLines.Select(l => l.Line.Index));
        foreach (DeviceInfo device in _devices)
        {
            _up[device.Index] = metrics.DeviceUp(device.Id, KindLabel(device.Kind));
            _rejected[device.Index] = [.. InputRejections.For(device.Kind, keypadLines.Contains(device.Index)).Select(r => (r, metrics.FramesRejected(device.Id, r)))];
            if (device.Kind == DeviceKind.Printer)
            {
                _paper[device.Index] = [.. s_paperLabels.Select(s => metrics.PrinterPaper(device.Id, s))];
            }
        }

        foreach (DeviceInfo line in lines)
        {
            _reconnects[line.Index] = metrics.DeviceReconnects(line.Id);
        }
    }

    /// <summary>The <c>kind</c> label of a device kind.</summary>
    public static string KindLabel(DeviceKind kind) => kind switch
    {
        DeviceKind.SerialLine => "serial_line",
        DeviceKind.Keypad => "keypad",
        DeviceKind.RatingPad => "rating_pad",
        DeviceKind.Printer => "printer",
        DeviceKind.Display => "display",
        DeviceKind.Dispenser => "dispenser",
        DeviceKind.CharacterLcd => "character_lcd",
        DeviceKind.SegmentDisplay => "segment_display",
        DeviceKind.Buzzer => "buzzer",
        _ => "other",
    };

    /// <summary>
    /// <c>lobby_device_up</c>: 1 while the device answers (a printer out of paper or with its cover open still
    /// answers; its <c>lobby_printer_paper</c> and the device event say what is wrong), 0 when it is off line.
    /// </summary>
    public void StatusChanged(in DeviceStatusChange change)
    {
        if ((uint)change.Device.Index < (uint)_up.Length)
        {
            _up[change.Device.Index].Set(change.Status == DeviceStatus.Offline ? 0 : 1);
        }
    }

    /// <summary><c>lobby_device_reconnects_total</c>: a line was opened again after it had been lost.</summary>
    public void Reconnected(DeviceInfo device)
    {
        if ((uint)device.Index < (uint)_reconnects.Length)
        {
            _reconnects[device.Index]?.Inc();
        }
    }

    /// <summary>
    /// <c>lobby_device_frames_rejected_total</c>: counts one rejected frame. The reason's child was created at start
    /// (a reason outside <see cref="InputRejections"/> gets its child the first time, then is cached too).
    /// </summary>
    public void InputRejected(DeviceInfo device, string reason)
    {
        if ((uint)device.Index >= (uint)_rejected.Length)
        {
            return;
        }

        (string Reason, Counter.Child Child)[] known = Volatile.Read(ref _rejected)[device.Index];
        foreach ((string r, Counter.Child child) in known)
        {
            if (ReferenceEquals(r, reason) || string.Equals(r, reason, StringComparison.Ordinal))
            {
                child.Inc();
                return;
            }
        }

        lock (_rejectedGrowth)
        {
            foreach ((string r, Counter.Child child) in _rejected[device.Index])
            {
                if (string.Equals(r, reason, StringComparison.Ordinal))
                {
                    // Another task added it meanwhile.
                    child.Inc();
                    return;
                }
            }

            (string Reason, Counter.Child Child)[][] grown = [.. _rejected];
            Counter.Child added = _metrics.FramesRejected(_devices[device.Index].Id, reason);
            grown[device.Index] = [.. grown[device.Index], (reason, added)];
            Volatile.Write(ref _rejected, grown);
            added.Inc();
        }
    }

    /// <summary><c>lobby_printer_paper</c>: 1 for the printer's paper status now, 0 for the others; all 0 while unknown.</summary>
    public void PaperChanged(DeviceInfo printer, PaperLevel level)
    {
        if ((uint)printer.Index >= (uint)_paper.Length || _paper[printer.Index] is not { } children)
        {
            return;
        }

        // Under the export lock, so a scrape never sees a printer with two paper states or none in passing.
        lock (_metrics.ExportLock)
        {
            children[0].Set(level == PaperLevel.Ok ? 1 : 0);
            children[1].Set(level == PaperLevel.Low ? 1 : 0);
            children[2].Set(level == PaperLevel.Out ? 1 : 0);
        }
    }
}
