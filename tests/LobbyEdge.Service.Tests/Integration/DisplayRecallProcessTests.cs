using System.Net.Http.Json;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A recall on the real process puts a frame on the wire even for a display without a blink field: the counter
/// display is <c>led-counter-crc16ccitt</c> (CRC-16/CCITT-FALSE, recall: resend) on a socat pty, the caller keypad on
/// another; a ticket from the kiosk is called and recalled from the keypad, and the display end decodes every frame
/// (checking its CRC) and compares its bytes with the model's encoding of the expected text.
/// </summary>
[Collection("display recall")]
[Trait("Category", "Integration")]
public sealed class DisplayRecallProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int DisplayAddress = 3;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-recall-");
    private readonly CancellationTokenSource _stop = new();
    private readonly VirtualKeypadBus _keypads = new() { EchoTimeout = TimeSpan.FromSeconds(2) };
    private readonly List<Task> _deviceEnds = [];
    private SocatPty? _keypadPty;
    private SocatPty? _displayPty;
    private VirtualDisplayBus? _display;
    private DisplayModel? _model;
    private ServiceProcess? _service;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_work.FullName, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, Path.Combine(_work.FullName, "devices", Path.GetFileName(model)), overwrite: true);
        }

        _model = BranchProfileLoader.LoadDisplayModel(Path.Combine(_work.FullName, "devices", "led-counter-crc16ccitt.yaml"));
        _display = new VirtualDisplayBus(new Dictionary<int, DisplayModel> { [DisplayAddress] = _model });
        _keypadPty = await SocatPty.StartAsync(Path.Combine(_work.FullName, "keypads-host"), Path.Combine(_work.FullName, "keypads-dev"), TimeSpan.FromSeconds(10));
        _displayPty = await SocatPty.StartAsync(Path.Combine(_work.FullName, "displays-host"), Path.Combine(_work.FullName, "displays-dev"), TimeSpan.FromSeconds(10));
        _deviceEnds.Add(DeviceEnd.KeepServingAsync(_keypads, _keypadPty.DeviceEnd, _stop.Token));
        _deviceEnds.Add(DeviceEnd.KeepServingAsync(_display, _displayPty.DeviceEnd, _stop.Token));
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        _http?.Dispose();
        await _stop.CancelAsync();
        _keypadPty?.Dispose();
        _displayPty?.Dispose();
        await Task.WhenAll(_deviceEnds).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task CallThenRecallFromTheKeypad_TheRecallFrameArrivesOnThePty_ByteForByte()
    {
        string profile = Path.Combine(_work.FullName, "branches", "recall.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(profile)!);
        File.WriteAllText(profile, $$"""
            branch:
              id: recall-001
              name: "Recall Branch"
              timeZone: UTC
              open: "00:00"
              close: "23:59"
              ticketingCutoffMinutes: 0
            services:
              - {id: cash, prefix: A, name: "Personal cash"}
            counters:
              - {number: 1, services: [cash]}
            devices:
              - id: callers
                model: caller68
                port: {{_keypadPty!.HostEnd}}
                keypads:
                  - {counter: 1, address: 1}
            displays:
              - {id: counter-1, model: led-counter-crc16ccitt, port: {{_displayPty!.HostEnd}}, address: {{DisplayAddress}}, counter: 1}
            """);
        int port = ServiceProcess.FreePort();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        _service = ServiceProcess.Start(_work.FullName,
        [
            "--branch", profile, "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000",
        ]);
        await _service.WaitUntilReadyAsync();
        await Eventually.UntilAsync(() => _keypads.IsConnected, "the keypad line to open");
        await Eventually.UntilAsync(() => _display!.Text(DisplayAddress) == "1号窗口", "the idle text on the counter display",
            detail: () => $"shows {_display!.Text(DisplayAddress)}");

        using (HttpResponseMessage issued = await _http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.True(issued.IsSuccessStatusCode, await issued.Content.ReadAsStringAsync());
        }

        byte[] expected = new byte[DisplayModel.MaxFrameLength];
        expected = expected[.._model!.Encode(DisplayAddress, new DisplayText(["A001"], Blink: false), 0, expected)];
        int Calls() => _display!.FramesTo(DisplayAddress).Count(f => f.AsSpan().SequenceEqual(expected));

        Assert.True(await _keypads.PressAsync(1, KeypadKeys.CallNext), "call next was not echoed");
        await Eventually.UntilAsync(() => Calls() == 1, "the call frame for A001", detail: () => Frames());

        // Same text, no blink field: before recalls had a cue of their own, nothing went out here.
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.Recall), "recall was not echoed");
        await Eventually.UntilAsync(() => Calls() == 2, "the recall frame for A001", detail: () => Frames());
        output.WriteLine(Frames());

        IReadOnlyList<byte[]> frames = _display!.FramesTo(DisplayAddress);
        Assert.Equal(expected, frames[^1]);
        Assert.Equal(frames[^2], frames[^1]);
        Assert.Equal(0, _display.Undecodable);

        // A second recall, once the keypad's duplicate window (caller68: 1 s, a retried frame within it is the same
        // press) is over: a third frame.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.True(await _keypads.PressAsync(1, KeypadKeys.Recall), "the second recall was not echoed");
        await Eventually.UntilAsync(() => Calls() == 3, "the second recall frame for A001", detail: () => Frames());
    }

    private string Frames() => string.Join("; ", _display!.FramesTo(DisplayAddress).Select(Convert.ToHexString));
}
