namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>Records the status changes devices report, in order.</summary>
internal sealed class RecordingObserver : IDeviceObserver
{
    private readonly Lock _sync = new();
    private readonly List<DeviceStatusChange> _changes = [];

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

    public void InputRejected(DeviceInfo device, string reason)
    {
    }
}
