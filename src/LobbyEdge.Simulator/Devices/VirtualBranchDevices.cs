using LobbyEdge.Profiles;

namespace LobbyEdge.Simulator.Devices;

/// <summary>The virtual twins of a branch's line devices (serial, USB and network), for <c>--simulate</c> and tests.</summary>
public static class VirtualBranchDevices
{
    /// <summary>
    /// A hub with a virtual twin at the far end of every line of <paramref name="hardware"/>, whatever its transport
    /// (each is keyed by its <see cref="LobbyEdge.Devices.Serial.SerialLineSettings.Path"/>: a device path, <c>tcp://host:port</c>
    /// or <c>udp://host:port</c>): a
    /// <see cref="VirtualKeypadBus"/> on each keypad line, a <see cref="VirtualPrinter"/> on each printer's line and a
    /// <see cref="VirtualDisplayBus"/> (with the profile's models by address) on each display line. The host's device
    /// links open their lines through it instead of the machine's serial ports, USB printers and network.
    /// </summary>
    /// <param name="hardware">The branch's devices, from its profile; no line device gives an empty hub.</param>
    public static VirtualSerialHub For(BranchHardware hardware)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        var hub = new VirtualSerialHub();
        foreach (KeypadLineSetup line in hardware.KeypadLines)
        {
            hub.Attach(line.Serial.Path, new VirtualKeypadBus());
        }

        foreach (PrinterSetup printer in hardware.Printers)
        {
            hub.Attach(printer.Serial.Path, new VirtualPrinter());
        }

        foreach (DisplayLineSetup line in hardware.DisplayLines)
        {
            hub.Attach(line.Serial.Path, new VirtualDisplayBus(line.Displays.ToDictionary(d => d.Address, d => d.Model)));
        }

        return hub;
    }
}
