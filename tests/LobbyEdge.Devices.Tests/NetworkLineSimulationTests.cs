using System.Collections.Concurrent;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// The example branch with its printers on TCP and USB and its displays on UDP and TCP
/// (hardware-profiles/examples/network-hardware.yaml) over the simulator's hub, the <c>--simulate</c> transport:
/// every line, whatever its transport, has its virtual twin at its <see cref="SerialLineSettings.Path"/>, and the
/// device events and metrics are those of a serial line.
/// </summary>
public sealed class NetworkLineSimulationTests
{
    private static readonly string s_example = Path.Combine(AppContext.BaseDirectory, "examples", "network-hardware.yaml");

    [Fact]
    public async Task EveryTransport_HasItsVirtualTwin_IsUp_AndATcpPrinterUnpluggedIsDownAndReconnectsLikeASerialOne()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_example);
        BranchHardware hardware = profile.Hardware;
        Assert.Equal(
            [("callers", LineTransport.Serial), ("printer-lan", LineTransport.Tcp), ("printer-kiosk", LineTransport.UsbPrinter),
                ("displays@udp://192.168.10.40:5005", LineTransport.Udp), ("displays@tcp://192.168.10.41:4001", LineTransport.Tcp)],
            hardware.KeypadLines.Select(l => (l.Line.Id, l.Serial.Transport))
                .Concat(hardware.Printers.Select(p => (p.Device.Id, p.Serial.Transport)))
                .Concat(hardware.DisplayLines.Select(l => (l.Line.Id, l.Serial.Transport))));

        var registry = new LobbyMetrics(profile.Branch);
        VirtualSerialHub hub = VirtualBranchDevices.For(hardware);
        await using var devices = new LobbyDevices(profile.Branch, hardware, new RecordingCommands(), hub, TimeProvider.System, NullLoggerFactory.Instance, registry);
        Assert.All(devices.Links, l => Assert.NotNull(hub.DeviceAt(l.Settings.Path)));
        var changes = new ConcurrentQueue<DeviceStatusChange>();
        using var stop = new CancellationTokenSource();
        Task drain = Task.Run(async () =>
        {
            await foreach (DeviceStatusChange change in devices.StatusChanges.ReadAllAsync(stop.Token))
            {
                changes.Enqueue(change);
            }
        });

        devices.Start();
        // The lines, the printers and the displays (keypads report up once the host's engine loop pumps their keys).
        DeviceInfo[] lined = [.. hardware.Devices.Where(d => d.Kind is DeviceKind.SerialLine or DeviceKind.Printer or DeviceKind.Display)];
        Assert.True(
            await PtyLobby.EventuallyAsync(() => lined.All(d => registry.DeviceUp(d.Id, DeviceMetrics.KindLabel(d.Kind)).Value == 1), TimeSpan.FromSeconds(30)),
            $"down: {string.Join(", ", lined.Where(d => registry.DeviceUp(d.Id, DeviceMetrics.KindLabel(d.Kind)).Value != 1).Select(d => d.Id))}");

        // A network display line is up as "its path open", like a serial one; frames reach the displays behind it. The
        // status changes are read from their channel by the task above, which can lag the metrics: wait for them.
        Assert.True(
            await PtyLobby.EventuallyAsync(
                () => changes.Any(c => c.Device.Id == "displays@udp://192.168.10.40:5005" && c.Status == DeviceStatus.Online && c.Reason == "udp://192.168.10.40:5005 open")
                    && changes.Any(c => c.Device.Id == "displays@tcp://192.168.10.41:4001" && c.Status == DeviceStatus.Online && c.Reason == "tcp://192.168.10.41:4001 open"),
                TimeSpan.FromSeconds(30)),
            $"no 'open' status for both network display lines; changes: {string.Join(" | ", changes.Select(c => $"{c.Device.Id} {c.Status} {c.Reason}"))}");
        var main = (VirtualDisplayBus)hub.DeviceAt("udp://192.168.10.40:5005")!;
        var counters = (VirtualDisplayBus)hub.DeviceAt("tcp://192.168.10.41:4001")!;
        Show(devices, "main", "A001 -> 1");
        Show(devices, "counter-2", "A002");
        Assert.True(await main.WaitForAsync(b => b.Text(1)?.Contains("A001 -> 1", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30)), "the main display (UDP) never showed its call");
        Assert.True(await counters.WaitForAsync(b => b.Text(2)?.Contains("A002", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30)), "counter display 2 (TCP) never showed its call");
        Assert.Null(counters.Text(3));
        Assert.Equal(0, main.Undecodable + counters.Undecodable);

        // The network printer's peer goes away: off line, then back with one reconnect, as a serial printer does.
        const string Lan = "tcp://192.168.10.21:9100";
        hub.Unplug(Lan);
        Assert.True(await PtyLobby.EventuallyAsync(() => registry.DeviceUp("printer-lan", "printer").Value == 0, TimeSpan.FromSeconds(30)), "an unreachable network printer still counts as up");
        Assert.Equal(1, registry.DeviceUp("printer-kiosk", "printer").Value);
        hub.Plug(Lan);
        Assert.True(await PtyLobby.EventuallyAsync(() => registry.DeviceUp("printer-lan", "printer").Value == 1, TimeSpan.FromSeconds(30)), "the network printer did not come back");
        Assert.Equal(1, registry.DeviceReconnects("printer-lan").Value);
        Assert.Equal(0, registry.DeviceReconnects("printer-kiosk").Value);
        Assert.True(
            await PtyLobby.EventuallyAsync(() => changes.Any(c => c.Device.Id == "printer-lan" && c.Status == DeviceStatus.Offline), TimeSpan.FromSeconds(30)),
            "the network printer's offline status never came");

        await stop.CancelAsync();
        await drain.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    private static void Show(LobbyDevices devices, string id, string text)
    {
        (LedDisplayBus bus, DisplaySetup setup) = devices.Displays.Values.Single(d => d.Setup.Device.Id == id);
        bus.Show(setup.Device.Index, new DisplayText([text], Blink: false));
    }
}
