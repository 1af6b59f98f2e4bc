using System.Diagnostics;
using System.Globalization;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service;
using LobbyEdge.Service.Devices;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>keypad-latency [presses] [baud …]</c>: how long from a staff member's "call next" on a <c>caller68</c> keypad
/// to the counter display's frame (and the keypad's own display frame) arriving, end to end over real
/// pseudo-terminals (socat): the keypad and the display are virtual devices on the device ends, the service side is
/// System.IO.Ports, the keypad bus master, the engine loop, the device sink and the display driver. Median, p90,
/// p99 and max over <c>presses</c> presses (200) after 20 warm-up presses, at each baud rate (9600 and 115200).
/// </summary>
/// <remarks>
/// A pty does not pace bytes at its baud rate: the rate is set on both ends (termios) and used by the bus master's
/// timing, but the bytes move at memory speed. The time the same frames take on a real line is printed beside the
/// measurement (frame bytes × 10 bits ÷ baud, 8N1); on a real line add it.
/// </remarks>
internal static class KeypadLatency
{
    private const int Warmup = 20;
    private const byte Address = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        int presses = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        int[] bauds = args.Length > 1 ? [.. args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [9600, 115200];
        Console.WriteLine($"keypad press (call next at counter 3) -> frame received at the device end, over socat ptys; {presses} presses after {Warmup} warm-up");
        Console.WriteLine();
        Console.WriteLine("| Baud | Frame | Median | p90 | p99 | Max | Wire time on a real line (8N1) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (int baud in bauds)
        {
            await MeasureAsync(baud, presses).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task MeasureAsync(int baud, int presses)
    {
        string dir = Directory.CreateTempSubdirectory("le-keylat").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "branches"));
        Directory.CreateDirectory(Path.Combine(dir, "devices"));
        foreach (string file in Directory.GetFiles(Path.Combine(DeviceFrameBenchmarks.RepositoryRoot(), "hardware-profiles", "devices")))
        {
            File.Copy(file, Path.Combine(dir, "devices", Path.GetFileName(file)));
        }

        // caller68 has no sequence number: the same frame from the same keypad within the duplicate window (1 s)
        // is taken for a retry and not acted on again. The benchmark's copy of the model shortens the window, so
        // one "call next" can follow the last without waiting a second; nothing on the measured path changes.
        string keypadModel = Path.Combine(dir, "devices", "caller68.yaml");
        await File.WriteAllTextAsync(keypadModel, (await File.ReadAllTextAsync(keypadModel).ConfigureAwait(false))
            .Replace("duplicateWindowMs: 1000", "duplicateWindowMs: 1", StringComparison.Ordinal)).ConfigureAwait(false);

        string Host(string line) => Path.Combine(dir, $"{line}-host");
        string Dev(string line) => Path.Combine(dir, $"{line}-dev");
        using SocatPty keypadPty = await SocatPty.StartAsync(Host("keypads"), Dev("keypads"), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        using SocatPty displayPty = await SocatPty.StartAsync(Host("displays"), Dev("displays"), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        string profile = Path.Combine(dir, "branches", "latency.yaml");
        string b = baud.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(profile, $"""
            branch:
              id: latency-001
              name: "Latency"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
            services:
              - {"{"}id: cash, prefix: A, name: "Personal cash", numbers: 1-999{"}"}
            counters:
              - {"{"}number: 3, services: [cash]{"}"}
            devices:
              - id: callers
                model: caller68
                port: {Host("keypads")}
                baud: {b}
                keypads:
                  - {"{"}counter: 3, address: {Address}{"}"}
            displays:
              - {"{"}id: counter-3, model: led-counter-1line, port: {Host("displays")}, baud: {b}, address: {Address}, counter: 3{"}"}
            """).ConfigureAwait(false);

        BranchProfile loaded = BranchProfileLoader.Load(profile);
        BranchConfig config = loaded.Branch;
        BranchHardware hardware = loaded.Hardware;
        var engine = new QueueEngine(config);
        var channel = new LobbyCommandChannel();
        var commands = new LobbyDeviceCommands(channel);
        var devices = new LobbyDevices(config, hardware, commands, SerialPortConnector.Instance, TimeProvider.System, NullLoggerFactory.Instance);
        var loop = new EngineLoop(engine, channel, [new DeviceEventSink(engine, devices)], TimeProvider.System, NullLogger<EngineLoop>.Instance);
        var service = new LobbyDevicesService(devices, commands, simulate: false, TimeProvider.System, NullLogger<LobbyDevicesService>.Instance);
        DisplayModel model = hardware.DisplayLines[0].Displays[0].Model;
        var keypad = new VirtualKeypadBus();
        var display = new VirtualDisplayBus(new Dictionary<int, DisplayModel> { [Address] = model });
        using var stop = new CancellationTokenSource();
        Task[] ends =
        [
            RunDeviceAsync(keypad, Dev("keypads"), baud, stop.Token),
            RunDeviceAsync(display, Dev("displays"), baud, stop.Token),
        ];
        await loop.StartAsync(CancellationToken.None).ConfigureAwait(false);
        await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        KeypadBus bus = devices.KeypadBuses[0];
        var toDisplay = new List<double>(presses);
        var toKeypad = new List<double>(presses);
        try
        {
            if (!await keypad.WaitForAsync(k => k.Display(Address) is not null, TimeSpan.FromSeconds(30)).ConfigureAwait(false))
            {
                throw new InvalidOperationException("the keypad never got a display frame: is socat installed?");
            }

            for (int i = 1; i <= Warmup + presses; i++)
            {
                CommandOutcome issued = await channel.SendAsync(Command.Issue(0)).ConfigureAwait(false);
                if (!issued.Result.Accepted)
                {
                    throw new InvalidOperationException($"issue refused: {issued.Result.Refusal}");
                }

                // Quiet before the press: the counter is free, its display idle, and its keypad shows the one waiting
                // customer, confirmed by the keypad's echo.
                if (!await keypad.WaitForAsync(k => k.Display(Address) == "  1|   " && bus.Shown(3) == (1, 0), TimeSpan.FromSeconds(10)).ConfigureAwait(false)
                    || !await display.WaitForAsync(d => d.Text(Address) == "3号窗口", TimeSpan.FromSeconds(10)).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"not quiet before the press: keypad shows {keypad.Display(Address)}, display {display.Text(Address)}");
                }

                string number = i.ToString("000", CultureInfo.InvariantCulture);
                Task<long?> displayed = WhenAsync(display.WaitForAsync(d => d.Text(Address) == $"A{number}", TimeSpan.FromSeconds(10)));
                Task<long?> keypadShown = WhenAsync(keypad.WaitForAsync(k => k.Display(Address) == $"  0|{number}", TimeSpan.FromSeconds(10)));
                long pressed = Stopwatch.GetTimestamp();
                if (!await keypad.PressAsync(Address, 0x0C).ConfigureAwait(false))
                {
                    throw new InvalidOperationException("the host did not echo the key frame");
                }

                long atDisplay = await displayed.ConfigureAwait(false) is { } t ? t : throw new InvalidOperationException($"display shows [{display.Text(Address)}] after {display.Frames} frames ({display.Undecodable} bytes undecodable)");
                long atKeypad = await keypadShown.ConfigureAwait(false) ?? throw new InvalidOperationException($"keypad shows {keypad.Display(Address)}");
                if (i > Warmup)
                {
                    toDisplay.Add(Stopwatch.GetElapsedTime(pressed, atDisplay).TotalMilliseconds);
                    toKeypad.Add(Stopwatch.GetElapsedTime(pressed, atKeypad).TotalMilliseconds);
                }

                // The customer is served; the counter is free again.
                await channel.SendAsync(Command.Start(3)).ConfigureAwait(false);
                await channel.SendAsync(Command.Finish(3)).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await loop.StopAsync(CancellationToken.None).ConfigureAwait(false);
            keypadPty.Kill();
            displayPty.Kill();
            await Task.WhenAll(ends).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Directory.Delete(dir, recursive: true);
        }

        // Bytes on the wire: the key frame in, then the frame out (its echo goes out meanwhile on the keypad line).
        byte[] frame = new byte[DisplayModel.MaxFrameLength];
        int keyBytes = Caller68Codec.Encode(Address, Caller68Codec.FunctionKey, [0x0C], frame);
        int displayBytes = model.Encode(Address, new DisplayText(["A023"], Blink: true), 0, frame);
        int keypadBytes = Caller68Codec.EncodeDisplay(Address, 0, 23, frame);
        Print(baud, $"counter display ({displayBytes} B)", toDisplay, keyBytes + displayBytes);
        Print(baud, $"keypad display FUNC 02 ({keypadBytes} B)", toKeypad, keyBytes + keyBytes + keypadBytes);
    }

    private static async Task<long?> WhenAsync(Task<bool> condition) => await condition.ConfigureAwait(false) ? Stopwatch.GetTimestamp() : null;

    private static async Task RunDeviceAsync(IVirtualDevice device, string path, int baud, CancellationToken stop)
    {
        try
        {
            SerialConnection connection = await SerialPortConnector.Instance.OpenAsync(new SerialLineSettings { Path = path, BaudRate = baud }, stop).ConfigureAwait(false);
            try
            {
                await device.RunAsync(connection.Stream, stop).ConfigureAwait(false);
            }
            finally
            {
                _ = Task.Run(connection.Close, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped, or the pty went away.
        }
    }

    private static void Print(int baud, string frame, List<double> ms, int wireBytes)
    {
        ms.Sort();
        double Percentile(double p) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(p * ms.Count) - 1)];
        double wire = wireBytes * 10.0 * 1000 / baud;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {baud} | {frame} | {Percentile(0.5):0.00} ms | {Percentile(0.9):0.00} ms | {Percentile(0.99):0.00} ms | {ms[^1]:0.00} ms | +{wire:0.0} ms ({wireBytes} B) |"));
    }
}
