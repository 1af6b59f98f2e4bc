using LobbyEdge.Devices.Chime;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The board devices in the host, wired as the other devices are: built by <see cref="LobbyDevices"/> from the
/// shipped example, fed by <see cref="DeviceEventSink"/> from the real engine, reported through the same status
/// channel and <c>lobby_device_up</c>.
/// </summary>
public sealed class BoardDeviceHostingTests
{
    private static readonly string s_example = Path.Combine(AppContext.BaseDirectory, "examples", "board-devices.yaml");

    [Fact]
    public async Task Sink_ShowsTheCalledNumber_RingsChimesOnlyAfterTheBatch_AndPublishesTheTicketingHours()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_example);
        BranchConfig config = profile.Branch;
        var engine = new QueueEngine(config);
        await using var devices = new LobbyDevices(config, profile.Hardware, new RecordingCommands(), VirtualBranchDevices.For(profile.Hardware), TimeProvider.System, NullLoggerFactory.Instance);
        var sink = new DeviceEventSink(engine, devices);
        var now = new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);    // 10:00 in Shanghai
        void Run(Command command)
        {
            CommandResult result = engine.Execute(command, now);
            Assert.True(result.Accepted, $"{command.Kind}: {result.Refusal}");
            sink.OnEvents(engine.LastEvents);
        }

        Assert.True(devices.Hours.IsClosedAt(now));     // before the engine's first batch: closed
        Run(Command.OpenDay());
        Run(Command.Issue(0));
        Run(Command.Issue(0));
        sink.OnBatchEnd();
        Assert.False(devices.Hours.IsClosedAt(now));
        Assert.True(devices.Hours.IsClosedAt(engine.TicketingCutoffUtc));

        CallChime lobby = devices.Chimes.Single(c => c.Device.Id == "lobby-chime");
        CallChime counter3 = devices.Chimes.Single(c => c.Device.Id == "counter-3-beeper");
        Run(Command.CallNext(1));
        Assert.False(lobby.Pending);                    // durable first: nothing sounds before the batch's commit
        sink.OnBatchEnd();
        Assert.True(lobby.Pending);
        Assert.False(counter3.Pending);
        Assert.Equal("A001", devices.NumberDisplays.Single(d => d.Counter == 1).Text);
        Assert.Equal("", devices.NumberDisplays.Single(d => d.Counter == 3).Text);

        Run(Command.CallNext(3));
        sink.OnBatchEnd();
        Assert.True(counter3.Pending);
        Assert.Equal("A002", devices.NumberDisplays.Single(d => d.Counter == 3).Text);

        Run(Command.Finish(1));
        Run(Command.Pause(1));
        sink.OnBatchEnd();
        Assert.Equal("----", devices.NumberDisplays.Single(d => d.Counter == 1).Text);

        Run(Command.CloseDay());
        sink.OnBatchEnd();
        Assert.True(devices.Hours.IsClosedAt(now));
    }

    [Fact]
    public async Task UnderSimulate_BoardDevicesAreReportedUp_AsSimulated_InTheDeviceFamilies()
    {
        BranchProfile profile = BranchProfileLoader.Load(s_example);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var registry = new LobbyMetrics(config);
        await using var devices = new LobbyDevices(config, hardware, new RecordingCommands(), VirtualBranchDevices.For(hardware), TimeProvider.System, NullLoggerFactory.Instance, registry);
        DeviceInfo[] board = [.. hardware.CharacterLcds.Select(l => l.Device), .. hardware.SegmentDisplays.Select(d => d.Device), .. hardware.Buzzers.Select(b => b.Device)];
        Assert.All(board, d => Assert.Equal(0, registry.DeviceUp(d.Id, DeviceMetrics.KindLabel(d.Kind)).Value));

        devices.Start();

        var changes = new List<DeviceStatusChange>();
        while (devices.StatusChanges.TryRead(out DeviceStatusChange change))
        {
            changes.Add(change);
        }

        Assert.Equal(board, changes.Where(c => c.Reason.StartsWith("simulated", StringComparison.Ordinal)).Select(c => c.Device));
        Assert.All(board, d => Assert.Equal(1, registry.DeviceUp(d.Id, DeviceMetrics.KindLabel(d.Kind)).Value));
        Assert.Equal(["character_lcd", "segment_display", "buzzer"], new[] { DeviceKind.CharacterLcd, DeviceKind.SegmentDisplay, DeviceKind.Buzzer }.Select(DeviceMetrics.KindLabel));
    }
}
