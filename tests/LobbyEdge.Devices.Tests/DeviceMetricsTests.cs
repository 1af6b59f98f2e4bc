using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Tests;

/// <summary>The <c>lobby_device_*</c> and <c>lobby_printer_paper</c> families as the devices feed them.</summary>
public sealed class DeviceMetricsTests
{
    private static readonly string s_profile = Path.Combine(AppContext.BaseDirectory, "branches", "demo-hardware.yaml");

    [Fact]
    public void Counting_AllocatesNothing_AndCountsPerDeviceAndReason()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_profile);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var registry = new LobbyMetrics(config);
        DeviceInfo line = hardware.KeypadLines[0].Line;
        DeviceInfo keypad = hardware.KeypadLines[0].Keypads[2].Device;
        DeviceInfo printer = hardware.Printers[0].Device;
        var metrics = new DeviceMetrics(registry, hardware, [line, printer]);
        string badChecksum = Keypad.KeypadBus.Name(Keypad.Caller68Rejection.BadChecksum);
        var up = new DeviceStatusChange(keypad, DeviceStatus.Online, "answers");

        void Run(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                metrics.InputRejected(line, badChecksum);
                metrics.InputRejected(keypad, InputRejections.UnknownKey);
                metrics.StatusChanged(up);
                metrics.Reconnected(printer);
            }
        }

        Run(100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        Assert.Equal(10_100, registry.FramesRejected(line.Id, "bad_checksum").Value);
        Assert.Equal(10_100, registry.FramesRejected(keypad.Id, "unknown_key").Value);
        Assert.Equal(0, registry.FramesRejected(line.Id, "truncated").Value);
        Assert.Equal(1, registry.DeviceUp(keypad.Id, "keypad").Value);
        Assert.Equal(10_100, registry.DeviceReconnects(printer.Id).Value);

        // A reason outside the known set still counts (its child is made once, then cached).
        metrics.InputRejected(printer, "something_new");
        metrics.InputRejected(printer, "something_new");
        Assert.Equal(2, registry.FramesRejected(printer.Id, "something_new").Value);
    }

    [Fact]
    public async Task Printer_PaperAndUp_FollowThePrinter_AndAReplugCountsAReconnect()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_profile);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var registry = new LobbyMetrics(config);
        var commands = new RecordingCommands();
        VirtualSerialHub hub = VirtualBranchDevices.For(hardware);
        await using var devices = new LobbyDevices(config, hardware, commands, hub, TimeProvider.System, NullLoggerFactory.Instance, registry);
        PrinterSetup setup = hardware.Printers[0];
        string id = setup.Device.Id;
        var printer = (VirtualPrinter)hub.DeviceAt(setup.Serial.Path)!;
        double Paper(string status) => registry.PrinterPaper(id, status).Value;
        double Up() => registry.DeviceUp(id, "printer").Value;

        // Before the first answer: not up, paper unknown (all 0).
        Assert.Equal(0, Up());
        Assert.Equal(0, Paper("ok") + Paper("low") + Paper("out"));

        devices.Start();
        Assert.True(await PtyLobby.EventuallyAsync(() => Up() == 1 && Paper("ok") == 1), "the printer never came up with paper");

        printer.PaperLow = true;
        Assert.True(await PtyLobby.EventuallyAsync(() => Paper("low") == 1), "paper low not seen");
        Assert.Equal(0, Paper("ok"));

        printer.PaperOut = true;
        Assert.True(await PtyLobby.EventuallyAsync(() => Paper("out") == 1), "paper out not seen");
        Assert.Equal(0, Paper("ok") + Paper("low"));
        Assert.Equal(1, Up());   // out of paper, but it answers

        // Unplugged: down, paper unknown. Plugged back in: up, one reconnect.
        hub.Unplug(setup.Serial.Path);
        Assert.True(await PtyLobby.EventuallyAsync(() => Up() == 0), "an unplugged printer still counts as up");
        Assert.Equal(0, Paper("ok") + Paper("low") + Paper("out"));
        printer.PaperOut = false;
        printer.PaperLow = false;
        hub.Plug(setup.Serial.Path);
        Assert.True(await PtyLobby.EventuallyAsync(() => Up() == 1 && Paper("ok") == 1), "the printer did not come back");
        Assert.Equal(1, registry.DeviceReconnects(id).Value);
    }

    [Fact]
    public async Task SilentPrinter_IsDown_EvenThoughItsPortOpens()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_profile);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var registry = new LobbyMetrics(config);
        VirtualSerialHub hub = VirtualBranchDevices.For(hardware);
        await using var devices = new LobbyDevices(config, hardware, new RecordingCommands(), hub, TimeProvider.System, NullLoggerFactory.Instance, registry);
        PrinterSetup setup = hardware.Printers[1];
        var printer = (VirtualPrinter)hub.DeviceAt(setup.Serial.Path)!;
        printer.Answer = false;

        devices.Start();

        // Every status change of the printer until it is reported off line (its polls go unanswered): the port
        // opening must not have said "online" first.
        var seen = new List<DeviceStatusChange>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            DeviceStatusChange change = await devices.StatusChanges.ReadAsync(patience.Token);
            if (change.Device == setup.Device)
            {
                seen.Add(change);
                if (change.Status == DeviceStatus.Offline && change.Reason.Contains("answering", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        Assert.DoesNotContain(seen, c => c.Status != DeviceStatus.Offline);
        Assert.True(devices.Links.Single(l => l.Device.Id == setup.Device.Id).IsOnline);
        Assert.Equal(0, registry.DeviceUp(setup.Device.Id, "printer").Value);
        Assert.Equal(PaperLevel.Unknown, devices.Printer(setup.Device.Id)!.Condition.Paper);
    }
}
