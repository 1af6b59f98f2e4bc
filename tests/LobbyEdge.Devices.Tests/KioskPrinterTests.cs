using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Simulator.Devices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// The touch kiosk printing at the printer its profile names (<c>kiosk: {printer: …}</c>), with the real engine
/// loop and the host's device wiring over in-process virtual devices (the <c>--simulate</c> transport).
/// </summary>
public sealed class KioskPrinterTests : IAsyncDisposable
{
    private const string Hardware = """
        devices:
          - id: printer-entrance
            model: escpos-80mm
            port: /dev/serial/by-id/usb-1a86_USB_Serial-if00-port0
          - id: printer-upstairs
            model: escpos-80mm
            port: /dev/serial/by-id/usb-Prolific-if00-port0
        dispensers:
          - id: entrance
            printer: printer-entrance
            buttons:
              - {service: cash}

        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-kiosk");
    private LobbyDevices? _devices;
    private EngineLoop? _loop;

    [Fact]
    public void Profile_KioskPrinter_IsRead()
    {
        BranchProfile profile = BranchProfileLoader.Load(WriteProfile(Hardware + "kiosk: {printer: printer-upstairs}\n"));
        Assert.Equal("printer-upstairs", profile.Hardware.KioskPrinter);
        Assert.Null(BranchProfileLoader.Load(WriteProfile(Hardware)).Hardware.KioskPrinter);
    }

    [Theory]
    [InlineData("kiosk: {printer: printer-entrace}", "kiosk.printer: no printer \"printer-entrace\" in devices (printers: printer-entrance, printer-upstairs); did you mean \"printer-entrance\"?")]
    [InlineData("kiosk: {printer: entrance}", "kiosk.printer: no printer \"entrance\" in devices")]
    [InlineData("kiosk: {}", "kiosk.printer: required key \"printer\" is missing (e.g. `printer: printer-entrance`)")]
    [InlineData("kiosk: {printr: printer-entrance}", "kiosk.printr: unknown key \"printr\"; did you mean \"printer\"?")]
    [InlineData("kiosk: [printer-entrance]", "kiosk: must be a set of keys, e.g. `kiosk: {printer: printer-entrance}`")]
    public void Profile_BadKiosk_IsRefusedWithFileLineAndField(string kiosk, string expected)
    {
        string path = WriteProfile(Hardware + kiosk + "\n");
        int line = File.ReadAllLines(path).Length;

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.All(e.Problems, p => Assert.StartsWith($"{path}:{line}:", p.ToString(), StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.ToString().Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_RegistersTheProfilesPrinter_InPlaceOfNoKioskPrinter()
    {
        string path = WriteProfile(Hardware + "kiosk: {printer: printer-upstairs}\n");
        BranchProfile profile = BranchProfileLoader.Load(path);
        var options = new LaunchOptions { BranchPath = path, DataDirectory = Path.Combine(_dir.FullName, "data"), Simulate = true };
        IHost host = LobbyEdgeHost.Build(options, profile);
        try
        {
            DeviceKioskPrinter printer = Assert.IsType<DeviceKioskPrinter>(host.Services.GetRequiredService<IKioskPrinter>());
            Assert.Equal("printer-upstairs", printer.Printer.Device.Id);
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        // Without `kiosk:` the kiosk shows the number only, as before.
        string plain = WriteProfile(Hardware);
        IHost without = LobbyEdgeHost.Build(options with { BranchPath = plain }, BranchProfileLoader.Load(plain));
        try
        {
            Assert.IsType<NoKioskPrinter>(without.Services.GetRequiredService<IKioskPrinter>());
        }
        finally
        {
            await ((IAsyncDisposable)without).DisposeAsync();
        }
    }

    [Fact]
    public async Task Kiosk_PrintsTheTicketAtItsPrinter()
    {
        (Kiosk kiosk, VirtualPrinter printer, QueueEngine engine) = await StartAsync();

        IResult result = await kiosk.IssueAsync(Request("""{"service":"cash"}"""));

        Assert.Equal(StatusCodes.Status200OK, StatusOf(result));
        using JsonDocument body = Body(result);
        Assert.True(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("A001", body.RootElement.GetProperty("ticket").GetString());
        string? ticket = await printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30));
        Assert.NotNull(ticket);
        Assert.Contains("A001", ticket, StringComparison.Ordinal);
        Assert.Contains("个人现金", ticket, StringComparison.Ordinal);
        Assert.Contains("前面还有 0 人", ticket, StringComparison.Ordinal);
        Assert.Contains("[QR lobby-edge:kiosk-001:", ticket, StringComparison.Ordinal);
        Assert.Equal(1, engine.TicketCount);
    }

    [Theory]
    [InlineData("paper", "printer out of paper")]
    [InlineData("cover", "printer cover open")]
    public async Task Kiosk_RefusesWithTheReason_WhenItsPrinterCannotPrint_AndIssuesNothing(string fault, string reason)
    {
        (Kiosk kiosk, VirtualPrinter printer, QueueEngine engine) = await StartAsync();
        if (fault == "paper")
        {
            printer.PaperOut = true;
        }
        else
        {
            printer.CoverOpen = true;
        }

        Assert.True(await PtyLobby.EventuallyAsync(() => !_devices!.Printer("printer-upstairs")!.CanPrint), "the printer's fault was not noticed");

        IResult result = await kiosk.IssueAsync(Request("""{"service":"cash"}"""));

        Assert.Equal(StatusCodes.Status409Conflict, StatusOf(result));
        using JsonDocument body = Body(result);
        Assert.False(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("printer", body.RootElement.GetProperty("reason").GetString());
        Assert.Contains(reason, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.TicketCount);
        Assert.Empty(printer.Tickets);

        // Fixed: the kiosk prints again.
        printer.PaperOut = false;
        printer.CoverOpen = false;
        Assert.True(await PtyLobby.EventuallyAsync(() => _devices!.Printer("printer-upstairs")!.CanPrint));
        Assert.Equal(StatusCodes.Status200OK, StatusOf(await kiosk.IssueAsync(Request("""{"service":"cash"}"""))));
        Assert.NotNull(await printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(PrinterMoment.TicketStart, PrinterFault.Silent, "no status after the cut")]
    [InlineData(PrinterMoment.TicketStart, PrinterFault.PaperOut, "printer out of paper")]
    [InlineData(PrinterMoment.Cut, PrinterFault.CoverOpen, "printer cover open")]
    [InlineData(PrinterMoment.Cut, PrinterFault.Error, "printer error")]
    public async Task Kiosk_PrinterFailingDuringTheTicket_AnswersPrintFailed_AndTheTicketIsCancelled(PrinterMoment moment, PrinterFault fault, string reason)
    {
        (Kiosk kiosk, VirtualPrinter printer, QueueEngine engine) = await StartAsync();
        printer.FailAt(moment, fault);

        IResult result = await kiosk.IssueAsync(Request("""{"service":"cash"}"""));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, StatusOf(result));
        using JsonDocument body = Body(result);
        Assert.False(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.False(body.RootElement.TryGetProperty("ticket", out _));
        Assert.Equal("print_failed", body.RootElement.GetProperty("reason").GetString());
        Assert.True(body.RootElement.GetProperty("cancelled").GetBoolean());
        Assert.Contains(reason, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("cancelled", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("messageZh").GetString()));
        Assert.Equal(1, engine.TicketCount);
        Assert.Equal(0, engine.WaitingCount(0));
        Assert.True(engine.TryGetTicket(0, out TicketView ticket));
        Assert.Equal(TicketState.Cancelled, ticket.State);
        Assert.Empty(printer.Tickets);
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop is not null)
        {
            await _loop.StopAsync(CancellationToken.None);
        }

        if (_devices is not null)
        {
            await _devices.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    private async Task<(Kiosk Kiosk, VirtualPrinter Printer, QueueEngine Engine)> StartAsync()
    {
        BranchProfile profile = BranchProfileLoader.Load(WriteProfile(Hardware + "kiosk: {printer: printer-upstairs}\n"));
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        var engine = new QueueEngine(config);
        var commands = new RecordingCommands();
        VirtualSerialHub hub = VirtualBranchDevices.For(hardware);
        _devices = new LobbyDevices(config, hardware, commands, hub, TimeProvider.System, NullLoggerFactory.Instance);
        var channel = new LobbyCommandChannel();
        _loop = new EngineLoop(engine, channel, [new DeviceEventSink(engine, _devices)], TimeProvider.System, NullLogger<EngineLoop>.Instance);
        commands.Target = channel;
        await _loop.StartAsync(CancellationToken.None);
        _devices.Start();
        var printer = (VirtualPrinter)hub.DeviceAt(hardware.Printers.Single(p => p.Device.Id == "printer-upstairs").Serial.Path)!;
        Assert.True(await PtyLobby.EventuallyAsync(() => _devices.Printer("printer-upstairs")!.CanPrint), "the kiosk's printer did not come up");
        var kioskPrinter = new DeviceKioskPrinter(config, _devices.Printer(hardware.KioskPrinter!)!, NullLogger<DeviceKioskPrinter>.Instance);
        return (new Kiosk(channel, config, kioskPrinter), printer, engine);
    }

    private string WriteProfile(string hardware) => KioskBranch.Write(_dir.FullName, hardware);

    private static DefaultHttpContext Request(string json)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return context;
    }

    private static int StatusOf(IResult result) => (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;

    // The answer's value with the HTTP answers' naming (camelCase): the kiosk's answers are named records (issue 17).
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    private static JsonDocument Body(IResult result) =>
        JsonDocument.Parse(JsonSerializer.Serialize(Assert.IsAssignableFrom<IValueHttpResult>(result).Value, s_web));
}
