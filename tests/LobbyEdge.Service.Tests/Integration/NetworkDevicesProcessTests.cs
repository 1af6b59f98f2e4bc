using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Network devices on the real process (no <c>--simulate</c>): the kiosk printer on <c>tcp:</c> (the simulator's
/// ESC/POS printer behind a loopback TCP listener), the caller keypad line on <c>tcp:</c> (a serial device server in
/// front of the keypads), a counter display and the main display on one <c>udp:</c> endpoint (a loopback UDP
/// listener decoding every datagram byte for byte). Tickets come from the kiosk, calls from the keypad.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NetworkDevicesProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string PrinterUp = "lobby_device_up{device=\"printer\",kind=\"printer\"}";
    private const string CounterDisplayUp = "lobby_device_up{device=\"counter-1\",kind=\"display\"}";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-network-");
    private readonly VirtualKeypadBus _keypads = new() { EchoTimeout = TimeSpan.FromSeconds(2) };
    private readonly DisplayModel _counter = Model("led-counter-1line.yaml");
    private readonly DisplayModel _main = Model("led-main-4line.yaml");
    private TcpPrinterEmulator? _printer;
    private TcpDeviceServer? _keypadLine;
    private UdpDisplayListener? _displays;
    private ServiceProcess? _service;
    private HttpClient? _http;
    private string? _profile;

    private string Data => Path.Combine(_work.FullName, "data");

    private string Profile => _profile ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _printer = await TcpPrinterEmulator.ListenAsync();
        _keypadLine = await TcpDeviceServer.ListenAsync(_keypads);
        _displays = await UdpDisplayListener.ListenAsync(new Dictionary<int, DisplayModel> { [1] = _counter, [9] = _main });
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _http?.Dispose();
        foreach (IAsyncDisposable device in new IAsyncDisposable?[] { _printer, _keypadLine, _displays }.OfType<IAsyncDisposable>())
        {
            await device.DisposeAsync();
        }

        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task TicketPrintsOverTcp_CallReachesTheUdpDisplaysByteForByte_AndUnpluggedDevicesComeBack()
    {
        await StartAsync();

        // A kiosk ticket is printed by the network printer: the ticket's bytes arrive over TCP.
        (HttpStatusCode status, JsonElement body) = await TapWhenPrinterReadyAsync();
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("A001", body.GetProperty("ticket").GetString());
        string? ticket = await _printer!.Printer.WaitForTicketAsync(1, Eventually.DefaultPatience);
        Assert.NotNull(ticket);
        Assert.Contains("A001", ticket, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await TapAsync()).Status);

        // Counter 1 calls A001 from its keypad (over TCP): the counter display and the main display show it, every
        // datagram being exactly one frame, the counter's the very bytes its model encodes.
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.CallNext), "the call key was not echoed over TCP");
        await Eventually.UntilAsync(() => Shows(1, "A001") && Shows(9, "A001"), "both displays to show the call",
            detail: () => $"counter: {_displays!.Displays.Text(1)}; main: {_displays.Displays.Text(9)}; {_displays.Datagrams.Count} datagrams, {_displays.Malformed} malformed");
        Assert.Equal(0, _displays!.Malformed);
        AssertCounterFramesAreByteForByte();

        // The display controller goes away: the next frame is refused, the displays go offline, the branch runs on;
        // it comes back and shows what was called meanwhile.
        await _displays.StopAsync();
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.Finish), "the finish key was not echoed");
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.CallNext), "the second call key was not echoed");
        await WaitForMetricAsync(CounterDisplayUp, 0, "the counter display to be down once its datagram is refused");
        await _displays.StartAsync();
        await Eventually.UntilAsync(() => Shows(1, "A002"), "the counter display to show A002 when its controller is back",
            detail: () => $"counter: {_displays.Displays.Text(1)}; {_displays.Probes} probes; {_displays.Datagrams.Count} datagrams ({_displays.Malformed} malformed), last: {string.Join(" ", _displays.Datagrams.TakeLast(3).Select(Convert.ToHexString))}; log: {DeviceLog()}");
        await WaitForMetricAsync(CounterDisplayUp, 1, "the counter display to be up again");
        Assert.Equal(0, _displays.Malformed);

        // The printer's listener is killed: the printer goes offline and the kiosk refuses with the printer reason.
        await _printer.StopAsync();
        await WaitForMetricAsync(PrinterUp, 0, "the network printer to be down once its listener is killed");
        (status, body) = await TapAsync();
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("printer", body.GetProperty("reason").GetString());

        // Back on the same port: online again, and it prints.
        await _printer.StartAsync();
        await WaitForMetricAsync(PrinterUp, 1, "the network printer to be up again");
        (status, body) = await TapWhenPrinterReadyAsync();
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("A003", body.GetProperty("ticket").GetString());
        Assert.Contains("A003", await _printer.Printer.WaitForTicketAsync(3, Eventually.DefaultPatience) ?? "", StringComparison.Ordinal);
        Assert.False(_service!.HasExited);
        Assert.Contains(_service.Lines, l => ServiceProcess.Message(l).Contains(_printer.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PaperEndAndSilenceOnTheTcpPrinter_AreTheSameMetricsAndEventsAsOverSerial()
    {
        await StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await TapWhenPrinterReadyAsync()).Status);
        await WaitForMetricAsync("lobby_printer_paper{device=\"printer\",status=\"ok\"}", 1, "paper ok");

        // Paper end: told at once by Automatic Status Back over TCP.
        _printer!.PaperOut = true;
        await WaitForMetricAsync("lobby_printer_paper{device=\"printer\",status=\"out\"}", 1, "paper out");
        (HttpStatusCode status, JsonElement body) = await TapAsync();
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("printer", body.GetProperty("reason").GetString());
        _printer.PaperOut = false;
        await WaitForMetricAsync("lobby_printer_paper{device=\"printer\",status=\"ok\"}", 1, "paper ok again");

        // Noise from the printer's side of the connection: counted and dropped, the connection kept.
        Assert.True(await _printer.SendRawAsync([0xFF, 0x80]), "nobody was connected to the printer");
        await WaitForMetricAsync("lobby_device_frames_rejected_total{device=\"printer\",reason=\"unexpected_byte\"}", 2, "the two bad bytes to be counted");
        Assert.Equal(1, _printer.Accepted);

        // Silent (the connection stays up, nothing answers): offline through its status polling, like a serial one;
        // the branch keeps running (the keypad still calls).
        _printer.Silent = true;
        await WaitForMetricAsync(PrinterUp, 0, "a silent network printer to be down");
        Assert.Equal("printer", (await TapAsync()).Body.GetProperty("reason").GetString());
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.CallNext), "the keypad did not answer while the printer was silent");
        await Eventually.UntilAsync(() => Shows(1, "A001"), "the call to be shown while the printer is silent");
        _printer.Silent = false;
        await WaitForMetricAsync(PrinterUp, 1, "the printer to be up once it answers");
        Assert.Equal(HttpStatusCode.OK, (await TapWhenPrinterReadyAsync()).Status);

        // The durable log has the printer's status changes as for a serial printer.
        await _service!.DisposeAsync();
        _service = null;
        (int code, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, TimeSpan.FromMinutes(2), "inspect", "--data", Data, "--branch", Profile);
        Assert.True(code == 0, stderr);
        List<string> statuses = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "lobby.device.status_changed")
            .Select(e => e.GetProperty("status").GetString()!)];
        output.WriteLine(string.Join(", ", statuses));
        Assert.Contains("paper_out", statuses);
        Assert.Contains("offline", statuses);
        Assert.True(statuses.LastIndexOf("online") > statuses.LastIndexOf("offline"), "the printer's last status change is not back online");
    }

    /// <summary>The service's device log lines so far, for failure messages.</summary>
    private string DeviceLog() => string.Join(" / ", _service!.Lines.Select(ServiceProcess.Message).Where(m => m.StartsWith("Device ", StringComparison.Ordinal)).TakeLast(20));

    private static DisplayModel Model(string file) => BranchProfileLoader.LoadDisplayModel(Path.Combine(AppContext.BaseDirectory, "devices", file));

    private bool Shows(int address, string text) => _displays!.Displays.Text(address)?.Contains(text, StringComparison.Ordinal) == true;

    /// <summary>Every counter-display datagram is the frame its model encodes for the text it carries, to the byte.</summary>
    private void AssertCounterFramesAreByteForByte()
    {
        byte[] buffer = new byte[DisplayModel.MaxFrameLength];
        int checkedFrames = 0;
        foreach (byte[] datagram in _displays!.Datagrams)
        {
            if (!_counter.TryDecode(datagram, out DecodedDisplayFrame? frame) || frame is null || frame.Address != 1)
            {
                continue;
            }

            var text = new DisplayText([.. frame.Texts.Values.Select(t => t.Trim())], frame.Blink);
            Assert.Equal(datagram, buffer[.._counter.Encode(1, text, 0, buffer)]);
            checkedFrames++;
        }

        Assert.True(checkedFrames >= 1, "no counter display frame was received");
    }

    private async Task StartAsync()
    {
        _profile = KioskBranch.Write(_work.FullName, $$"""
            devices:
              - id: callers
                model: caller68
                tcp: {{_keypadLine!.ProfileValue}}
                keypads:
                  - {counter: 1, address: 1}
              - id: printer
                model: escpos-80mm
                tcp: {host: {{TcpDeviceServer.Host}}, port: {{_printer!.Port}}, connectTimeoutMs: 1000, keepAliveSeconds: 5}
            kiosk:
              printer: printer
            displays:
              - {id: counter-1, model: led-counter-1line, udp: {{_displays!.ProfileValue}}, address: 1, counter: 1}
              - {id: main, model: led-main-4line, udp: {{_displays.ProfileValue}}, address: 9}
            """);
        int port = ServiceProcess.FreePort();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        _service = ServiceProcess.Start(_work.FullName,
            "--branch", Profile, "--data", Data, $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000");
        await _service.WaitUntilReadyAsync();
        await Eventually.UntilAsync(() => _keypads.IsConnected, "the keypad line to connect over TCP");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TapAsync()
    {
        using HttpResponseMessage response = await _http!.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>Taps until the kiosk stops refusing because its printer is not (yet, or again) ready.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> TapWhenPrinterReadyAsync()
    {
        (HttpStatusCode Status, JsonElement Body) last = default;
        await Eventually.UntilAsync(async () =>
        {
            Assert.False(_service!.HasExited, "lobby-edge exited");
            try
            {
                last = await TapAsync();
            }
            catch (HttpRequestException)
            {
                return false;
            }

            return last.Status != HttpStatusCode.Conflict || last.Body.GetProperty("reason").GetString() != "printer";
        }, "the kiosk to take a ticket");
        return last;
    }

    private Task WaitForMetricAsync(string sample, double value, string what) =>
        Eventually.UntilAsync(async () =>
        {
            Dictionary<string, double> samples = OperationsTests.Parse(await _http!.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return samples.TryGetValue(sample, out double v) && v == value;
        }, what, detail: () => string.Create(CultureInfo.InvariantCulture, $"{sample} wanted {value}; log: {DeviceLog()}"));
}
