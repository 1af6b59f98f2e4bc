using LobbyEdge.Devices;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service;
using LobbyEdge.Service.Devices;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.TestSupport;

/// <summary>
/// A small branch (3 counters, a keypad line, a printer with a dispenser, a display line with counter displays)
/// whose devices are virtual devices at the far end of real socat ptys; the service side runs the real engine
/// loop and the host's device wiring over System.IO.Ports.
/// </summary>
public sealed class PtyLobby : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _deviceRuns = [];

    private PtyLobby(string dir)
    {
        Dir = dir;
    }

    public string Dir { get; }

    public Dictionary<string, SocatPty> Ptys { get; } = [];

    public required QueueEngine Engine { get; init; }

    public required EngineLoop Loop { get; init; }

    /// <summary>The command channel the loop reads: what devices, pages and tests post to.</summary>
    public required LobbyCommandChannel Channel { get; init; }

    public required LobbyDevices Devices { get; init; }

    public required LobbyDevicesService Service { get; init; }

    public required RecordingCommands Commands { get; init; }

    public VirtualKeypadBus Keypads { get; } = new();

    public VirtualPrinter Printer { get; } = new();

    public required VirtualDisplayBus Displays { get; init; }

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public static async Task<PtyLobby> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("le-pty").FullName;
        Directory.CreateDirectory(System.IO.Path.Combine(dir, "branches"));
        Directory.CreateDirectory(System.IO.Path.Combine(dir, "devices"));
        foreach (string model in Directory.GetFiles(System.IO.Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, System.IO.Path.Combine(dir, "devices", System.IO.Path.GetFileName(model)));
        }

        var ptys = new Dictionary<string, SocatPty>();
        foreach (string line in new[] { "keypads", "printer", "displays" })
        {
            ptys[line] = await SocatPty.StartAsync(System.IO.Path.Combine(dir, $"{line}-host"), System.IO.Path.Combine(dir, $"{line}-dev"), TimeSpan.FromSeconds(10));
        }

        string branch = System.IO.Path.Combine(dir, "branches", "pty.yaml");
        File.WriteAllText(branch, $$"""
            branch:
              id: pty-001
              name: "Pty Branch"
              nameZh: "测试网点"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
            services:
              - {id: cash, prefix: A, name: "Personal cash", nameZh: "个人现金"}
              - {id: noncash, prefix: B, name: "Non-cash"}
            counters:
              - {number: 1, services: [cash, noncash]}
              - {number: 2, services: [cash]}
              - {number: 3, services: [cash, noncash]}
            devices:
              - id: callers
                model: caller68
                port: {{dir}}/keypads-host
                keypads:
                  - {counter: 1, address: 1}
                  - {counter: 2, address: 2}
                  - {counter: 3, address: 3}
              - id: printer
                model: escpos-80mm
                port: {{dir}}/printer-host
            dispensers:
              - id: entrance
                printer: printer
                buttons:
                  - {service: cash}
            displays:
              - {id: counter-1, model: led-counter-1line, port: {{dir}}/displays-host, address: 1, counter: 1}
              - {id: counter-2, model: led-counter-1line, port: {{dir}}/displays-host, address: 2, counter: 2}
              - {id: counter-3, model: led-counter-1line, port: {{dir}}/displays-host, address: 3, counter: 3}
            """);
        BranchProfile profile = BranchProfileLoader.Load(branch);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var engine = new QueueEngine(config);
        var commands = new RecordingCommands();
        var devices = new LobbyDevices(config, hardware, commands, SerialPortConnector.Instance, TimeProvider.System, NullLoggerFactory.Instance);
        var channel = new LobbyCommandChannel();
        var loop = new EngineLoop(engine, channel, [new DeviceEventSink(engine, devices)], TimeProvider.System, NullLogger<EngineLoop>.Instance);
        commands.Target = channel;
        var service = new LobbyDevicesService(devices, commands, simulate: false, TimeProvider.System, NullLogger<LobbyDevicesService>.Instance);
        var lobby = new PtyLobby(dir)
        {
            Engine = engine,
            Loop = loop,
            Channel = channel,
            Devices = devices,
            Service = service,
            Commands = commands,
            Displays = new VirtualDisplayBus(hardware.DisplayLines[0].Displays.ToDictionary(d => d.Address, d => d.Model)),
        };
        foreach ((string name, SocatPty pty) in ptys)
        {
            lobby.Ptys[name] = pty;
        }

        lobby.RunDevice(lobby.Keypads, lobby.Path("keypads-dev"));
        lobby.RunDevice(lobby.Printer, lobby.Path("printer-dev"));
        lobby.RunDevice(lobby.Displays, lobby.Path("displays-dev"));
        await loop.StartAsync(CancellationToken.None);
        await service.StartAsync(CancellationToken.None);
        return lobby;
    }

    /// <summary>Restarts a line's socat at the same paths (a cable plugged back in).</summary>
    public async Task ReplugAsync(string line)
    {
        Ptys[line].Dispose();
        Ptys[line] = await SocatPty.StartAsync(Path($"{line}-host"), Path($"{line}-dev"), TimeSpan.FromSeconds(10));
    }

    public SerialLink Link(string id) => Devices.Links.Single(l => l.Device.Id == id);

    /// <summary>Whether <paramref name="condition"/> comes true within <paramref name="timeout"/> (30 s); see <see cref="Eventually"/>.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? timeout = null) => Eventually.HoldsAsync(condition, timeout);

    /// <summary>Keeps a virtual device on the device end of a pty, reopening it whenever socat is restarted.</summary>
    private void RunDevice(IVirtualDevice device, string path) => _deviceRuns.Add(DeviceEnd.KeepServingAsync(device, path, _stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Service.StopAsync(CancellationToken.None);
        await Loop.StopAsync(CancellationToken.None);
        foreach (SocatPty pty in Ptys.Values)
        {
            pty.Dispose();
        }

        await Task.WhenAll(_deviceRuns).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Posts to the engine loop and records every command a device sent (status reports aside).</summary>
public sealed class RecordingCommands : IDeviceCommands
{
    private readonly List<Command> _sent = [];

    public ILobbyCommands? Target { get; set; }

    public IReadOnlyList<Command> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public async ValueTask<DeviceCommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default)
    {
        if (command.Kind != CommandKind.ReportDevice)
        {
            lock (_sent)
            {
                _sent.Add(command);
            }
        }

        CommandOutcome outcome = await Target!.SendAsync(command, cancellationToken);
        return new DeviceCommandOutcome(outcome.Result, outcome.At);
    }
}
