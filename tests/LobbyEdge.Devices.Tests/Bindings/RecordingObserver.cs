namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>Records the status changes devices report, in order (and rejected input, paper changes and reconnects).</summary>
internal sealed class RecordingObserver : IDeviceObserver
{
    private readonly Lock _sync = new();
    private readonly List<DeviceStatusChange> _changes = [];
    private readonly List<Printer.PaperLevel> _paper = [];
    private readonly Dictionary<string, int> _rejected = [];
    private int _reconnects;

    public IReadOnlyList<DeviceStatusChange> Changes
    {
        get
        {
            lock (_sync)
            {
                return [.. _changes];
            }
        }
    }

    public void StatusChanged(DeviceStatusChange change)
    {
        lock (_sync)
        {
            _changes.Add(change);
        }
    }

    /// <summary>Paper levels reported, in order.</summary>
    public IReadOnlyList<Printer.PaperLevel> Paper
    {
        get
        {
            lock (_sync)
            {
                return [.. _paper];
            }
        }
    }

    /// <summary>Lines reopened after a loss.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>How much input was rejected for <paramref name="reason"/>.</summary>
    public int Rejected(string reason)
    {
        lock (_sync)
        {
            return _rejected.GetValueOrDefault(reason);
        }
    }

    public void InputRejected(DeviceInfo device, string reason)
    {
        lock (_sync)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        }
    }

    public void Reconnected(DeviceInfo device) => Interlocked.Increment(ref _reconnects);

    public void PaperChanged(DeviceInfo printer, Printer.PaperLevel level)
    {
        lock (_sync)
        {
            _paper.Add(level);
        }
    }
}
