using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Devices;
using LobbyEdge.Profiles;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The real service with the example branch whose printers are on TCP and USB and whose displays are on UDP and TCP
/// (hardware-profiles/examples/network-hardware.yaml) under <c>--simulate</c>: every line is served by its virtual
/// twin, every device is up with the metrics of a serial one, the dispenser prints at the network printer and the
/// kiosk at the USB printer, and the logs name each line by its path.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NetworkHardwareProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_profile = Path.Combine(AppContext.BaseDirectory, "profiles", "network-hardware.yaml");

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-network-hw-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task NetworkExample_UnderSimulate_EveryDeviceIsUp_TheDispenserAndTheKioskPrint_LogsNameThePaths()
    {
        BranchHardware hardware = BranchProfileLoader.Load(s_profile).Hardware;
        DeviceInfo[] printers = [.. hardware.Devices.Where(d => d.Kind == DeviceKind.Printer)];
        Assert.Equal(["printer-lan", "printer-kiosk"], printers.Select(p => p.Id));

        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_profile, "--simulate", "--speed", "60", "--seed", "7", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        (string metrics, Dictionary<string, double> samples) = await DeviceMetricsTests.WaitForEveryDeviceUpAsync(http, hardware);
        Assert.All(hardware.Devices, d => Assert.Equal(1, samples[DeviceMetricsTests.Up(d)]));
        Assert.All(printers, p => Assert.Equal(1, samples[DeviceMetricsTests.Paper(p, "ok")]));
        foreach (DeviceInfo owner in hardware.KeypadLines.Select(l => l.Line).Concat(hardware.DisplayLines.Select(l => l.Line)).Concat(printers))
        {
            Assert.Equal(0, samples[$"lobby_device_reconnects_total{{device=\"{owner.Id}\"}}"]);
        }

        OperationsTests.AssertPromtoolAccepts(metrics);

        // Each line is named by its path: no baud rate for a USB or network line.
        string[] messages = [.. service.Lines.Select(ServiceProcess.Message)];
        Assert.Contains("Devices: 13 device(s) on 5 line(s), virtual devices", messages);
        Assert.Contains("Device printer-lan: tcp://192.168.10.21:9100 open", messages);
        Assert.Contains("Device printer-kiosk: /dev/usb/lp0 open", messages);
        Assert.Contains("Device displays@udp://192.168.10.40:5005: udp://192.168.10.40:5005 open", messages);
        Assert.Contains("Device displays@tcp://192.168.10.41:4001: tcp://192.168.10.41:4001 open", messages);
        Assert.Contains(messages, m => m.StartsWith("Device callers: /dev/serial/by-id/", StringComparison.Ordinal) && m.EndsWith(" open at 9600 baud", StringComparison.Ordinal));

        // The simulated customers take their tickets at the dispenser, which prints at the network printer …
        JsonElement issued = await service.WaitForLineAsync(
            m => m.StartsWith("Dispenser entrance: ticket ", StringComparison.Ordinal) && m.EndsWith(" issued", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        output.WriteLine(ServiceProcess.Message(issued));

        // … and the kiosk prints at the USB printer.
        string? number = null;
        await OperationsTests.WaitForAsync(async () =>
        {
            using HttpResponseMessage tap = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
            JsonElement body = JsonDocument.Parse(await tap.Content.ReadAsStringAsync()).RootElement;
            output.WriteLine($"{(int)tap.StatusCode} {body}");
            number = tap.StatusCode == HttpStatusCode.OK ? body.GetProperty("ticket").GetString() : null;
            return number is not null;
        }, TimeSpan.FromMinutes(1));
        await service.WaitForLineAsync(m => m == $"Kiosk: ticket {number} printed at printer-kiosk", TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(service.Lines.Select(ServiceProcess.Message), m => m.Contains("not printed", StringComparison.Ordinal) || m.Contains("not built yet", StringComparison.Ordinal));

        // The read-only tools take the same profile (beside the running service) …
        string data = Path.Combine(_work.FullName, "data");
        (int verified, string report, string verifyErrors) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(1), "verify", "--data", data, "--branch", s_profile);
        Assert.True(verified is VerifyCommand.Intact or VerifyCommand.Findings, $"{verified}: {report}{verifyErrors}");
        Assert.Contains($"replay of the current day from {data}: ok", report, StringComparison.Ordinal);

        // … and refuse a wrong line in it with its place, as the service does (exit 2).
        Directory.CreateDirectory(Path.Combine(_work.FullName, "branches"));
        Directory.CreateDirectory(Path.Combine(_work.FullName, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices"), "*.yaml"))
        {
            File.Copy(model, Path.Combine(_work.FullName, "devices", Path.GetFileName(model)));
        }

        string broken = Path.Combine(_work.FullName, "branches", "network-hardware.yaml");
        string[] lines = File.ReadAllLines(s_profile);
        int at = Array.FindIndex(lines, l => l.Contains("tcp: {host: 192.168.10.21", StringComparison.Ordinal));
        lines[at] = lines[at].Replace("tcp:", "udp:", StringComparison.Ordinal);
        File.WriteAllLines(broken, lines);
        string expected = string.Create(CultureInfo.InvariantCulture,
            $"{broken}:{at + 1}:5: devices[1].udp: udp is for displays only (nothing comes back over UDP, so a printer could not answer); use port, usbPrinter or tcp");
        (int refused, _, string problems) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(1), "verify", "--data", data, "--branch", broken);
        Assert.Equal((2, expected), (refused, problems.Trim()));
        (int notStarted, _, string startProblems) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(1), "--branch", broken, "--simulate", "--data", Path.Combine(_work.FullName, "data-2"));
        Assert.Equal(2, notStarted);
        Assert.Contains(expected, startProblems, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkExample_Live_SaysWhatItsLinesAreOn_AndALineItCannotOpenIsNamedByItsPath()
    {
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_profile, "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");

        // No printer, display or keypad line of the example is here: the service runs, its lines are retried.
        await service.WaitForLineAsync(m => m == "Devices: 13 device(s) on 5 line(s), serial ports, USB printers, TCP connections and UDP endpoints", TimeSpan.FromMinutes(1));
        JsonElement usb = await service.WaitForLineAsync(m => m.StartsWith("Device printer-kiosk: cannot open /dev/usb/lp0: ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        output.WriteLine(ServiceProcess.Message(usb));
        Assert.False(service.HasExited);
    }
}
