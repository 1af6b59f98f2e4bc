using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests.Contracts;

/// <summary>
/// A device protocol (the host's driver) on a <see cref="SerialLink"/> against its virtual twin at the far end of
/// a line, torn down together. The contract suites below run each protocol against its twin once over the virtual
/// hub and once over a real socat pty: what the twin accepts and answers must not depend on the transport, and the
/// twin must answer as the real device's protocol says.
/// </summary>
internal sealed class TwinBench<TProtocol, TTwin>(SerialRig rig, TProtocol protocol, TTwin twin, SerialLink link) : IAsyncDisposable
    where TProtocol : ISerialProtocol
    where TTwin : IVirtualDevice
{
    public SerialRig Rig { get; } = rig;

    public TProtocol Protocol { get; } = protocol;

    public TTwin Twin { get; } = twin;

    public SerialLink Link { get; } = link;

    public static async Task<TwinBench<TProtocol, TTwin>> StartAsync(SerialRig rig, DeviceInfo line, TProtocol protocol, TTwin twin, SerialLineSettings? settings = null)
    {
        await rig.AttachAsync(twin);
        var link = new SerialLink(line, settings ?? rig.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, rig.Connector, protocol);
        link.Start();
        return new TwinBench<TProtocol, TTwin>(rig, protocol, twin, link);
    }

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync();
        await Rig.DisposeAsync();
    }
}

/// <summary>The ESC/POS driver against <see cref="VirtualPrinter"/>.</summary>
public abstract class PrinterContract
{
    private static readonly DeviceInfo s_printer = new(0, "printer", DeviceKind.Printer);

    /// <summary>A fresh line of this transport.</summary>
    protected abstract Task<SerialRig> CreateRigAsync();

    private async Task<TwinBench<EscPosPrinter, VirtualPrinter>> StartAsync()
    {
        // Polled often, so that a silent printer is noticed within a second rather than five.
        var driver = new EscPosPrinter(s_printer, new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) });
        TwinBench<EscPosPrinter, VirtualPrinter> bench = await TwinBench<EscPosPrinter, VirtualPrinter>.StartAsync(await CreateRigAsync(), s_printer, driver, new VirtualPrinter());
        await Eventually.UntilAsync(() => driver.CanPrint, $"the printer to come up over the {bench.Rig}");
        return bench;
    }

    [Fact]
    public async Task Ticket_IsPrintedAndConfirmed_AndTheTwinReadsItBack()
    {
        await using TwinBench<EscPosPrinter, VirtualPrinter> bench = await StartAsync();
        PrintOutcome outcome = await bench.Protocol.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Equal(1, bench.Protocol.Printed);
        string ticket = Assert.Single(bench.Twin.Tickets);
        Assert.Contains("A023", ticket, StringComparison.Ordinal);
        Assert.Contains("[QR lobby-edge:demo-001:20261123:22:A023]", ticket, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ticket_WithAWaitAtTheSelfServiceThreshold_SuggestsTheAlternativeInOneLine_InGb18030()
    {
        // Issue 14, smart diversion: cash names the ATM from a 10-minute wait; 6 minutes says nothing, 10 says it.
        var atm = new SelfServiceAlternative("ATM / cash recycler in the lobby", "大厅自助存取款机", TimeSpan.FromMinutes(10));
        await using TwinBench<EscPosPrinter, VirtualPrinter> bench = await StartAsync();
        TicketContent shortWait = PrinterAndDisplayTests.SampleTicket() with { SelfService = atm };
        TicketContent longWait = shortWait with { Number = "A024", TypicalWait = TimeSpan.FromMinutes(10), UpperWait = TimeSpan.FromMinutes(14) };
        Assert.True((await bench.Protocol.PrintAsync(TicketLayout.Render(shortWait))).Printed);
        Assert.True((await bench.Protocol.PrintAsync(TicketLayout.Render(longWait))).Printed);

        Assert.Equal(2, bench.Twin.Tickets.Count);
        Assert.DoesNotContain("大厅自助存取款机", bench.Twin.Tickets[0], StringComparison.Ordinal);
        const string Line = "可使用大厅自助存取款机，免排队 / No queue: ATM / cash recycler in the lobby";
        Assert.Contains(Line, bench.Twin.Tickets[1].Split('\n'));
        Assert.Contains(bench.Twin.LineBytes, b => b.AsSpan().SequenceEqual(EscPos.Gb18030.GetBytes(Line)));

        // A reprint never suggests it (it shows no wait).
        Assert.False((longWait with { ReprintNumber = 1 }).SuggestsSelfService);
    }

    [Fact]
    public async Task PaperOut_IsSeen_AndRefusesTickets_UntilPaperIsBack()
    {
        await using TwinBench<EscPosPrinter, VirtualPrinter> bench = await StartAsync();
        bench.Twin.PaperOut = true;
        await Eventually.UntilAsync(() => bench.Protocol.Status == DeviceStatus.PaperOut, $"paper out to be seen over the {bench.Rig}");
        PrintOutcome refused = await bench.Protocol.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.False(refused.Printed);
        Assert.Equal(DeviceStatus.PaperOut, refused.Status);
        Assert.Empty(bench.Twin.Tickets);

        bench.Twin.PaperOut = false;
        await Eventually.UntilAsync(() => bench.Protocol.CanPrint, $"the printer to take tickets again over the {bench.Rig}");
    }

    [Fact]
    public async Task SilentPrinter_IsOffline_UntilItAnswersAgain()
    {
        await using TwinBench<EscPosPrinter, VirtualPrinter> bench = await StartAsync();
        bench.Twin.Answer = false;
        await Eventually.UntilAsync(() => bench.Protocol.Status == DeviceStatus.Offline, $"a silent printer to be offline over the {bench.Rig}");
        bench.Twin.Answer = true;
        await Eventually.UntilAsync(() => bench.Protocol.CanPrint, $"the printer to answer again over the {bench.Rig}");
    }

    [Fact]
    public async Task PrinterUnplugged_IsOffline_AndPrintsAgainWhenPluggedBackIn()
    {
        await using TwinBench<EscPosPrinter, VirtualPrinter> bench = await StartAsync();
        await bench.Rig.UnplugAsync();
        await Eventually.UntilAsync(() => bench.Protocol.Status == DeviceStatus.Offline && !bench.Link.IsOnline, $"an unplugged printer to be offline over the {bench.Rig}");
        await bench.Rig.PlugAsync();
        await Eventually.UntilAsync(() => bench.Protocol.CanPrint, $"the printer to come back over the {bench.Rig}");
        PrintOutcome outcome = await bench.Protocol.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Single(bench.Twin.Tickets);
    }
}

/// <summary>The <c>caller68</c> bus master against <see cref="VirtualKeypadBus"/>: two keypads at counters 3 and 5.</summary>
public abstract class KeypadBusContract
{
    private static readonly DeviceInfo s_line = new(0, "callers", DeviceKind.SerialLine);

    /// <summary>A fresh line of this transport.</summary>
    protected abstract Task<SerialRig> CreateRigAsync();

    private async Task<TwinBench<KeypadBus, VirtualKeypadBus>> StartAsync()
    {
        var bus = new KeypadBus(s_line,
        [
            new KeypadAssignment(new DeviceInfo(1, "keypad-3", DeviceKind.Keypad), Address: 3, Counter: 3),
            new KeypadAssignment(new DeviceInfo(2, "keypad-5", DeviceKind.Keypad), Address: 5, Counter: 5),
        ]);
        // The keypad waits 2 s for its echo before it sends a key again (300 ms by default): a retry on a loaded test
        // machine, arriving after the bus's duplicate window, would be a second press.
        var keypads = new VirtualKeypadBus { EchoTimeout = TimeSpan.FromSeconds(2) };
        TwinBench<KeypadBus, VirtualKeypadBus> bench = await TwinBench<KeypadBus, VirtualKeypadBus>.StartAsync(await CreateRigAsync(), s_line, bus, keypads);
        await Eventually.UntilAsync(() => bench.Link.IsOnline && bench.Twin.IsConnected, $"the keypad line to open over the {bench.Rig}");
        return bench;
    }

    [Fact]
    public async Task KeyPress_IsAcknowledged_AndBecomesItsCountersCommand()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        Assert.True(await bench.Twin.PressAsync(5, 0x0C), $"the call-next key was not acknowledged over the {bench.Rig}");
        using var timeout = new CancellationTokenSource(Eventually.DefaultPatience);
        KeypadRequest request = await bench.Protocol.Requests.ReadAsync(timeout.Token);
        Assert.Equal(5, request.Counter);
        Assert.Equal(Command.CallNext(5), request.Command);

        Assert.True(await bench.Twin.PressAsync(3, 0x02, 0x13), $"transfer to 2 was not acknowledged over the {bench.Rig}");
        request = await bench.Protocol.Requests.ReadAsync(timeout.Token);
        Assert.Equal(Command.Transfer(3, 1), request.Command);
    }

    [Fact]
    public async Task Display_IsShownOnTheKeypad_AndConfirmed()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        bench.Protocol.ShowDisplay(3, waiting: 7, ticketNumber: 23);
        await Eventually.UntilAsync(() => bench.Protocol.Shown(3) == (7, 23), $"the keypad to confirm its display over the {bench.Rig}");
        Assert.Equal("  7|023", bench.Twin.Display(3));
        Assert.Null(bench.Twin.Display(5));
    }

    [Fact]
    public async Task Beep_IsHeardByThatKeypadAlone()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        bench.Protocol.Beep(5);
        await Eventually.UntilAsync(() => bench.Twin.Beeps(5) == 1, $"keypad 5 to beep over the {bench.Rig}");
        Assert.Equal(0, bench.Twin.Beeps(3));
    }

    [Fact]
    public async Task LineBack_AfterUnplug_ResendsTheDisplay()
    {
        await using TwinBench<KeypadBus, VirtualKeypadBus> bench = await StartAsync();
        bench.Protocol.ShowDisplay(3, waiting: 2, ticketNumber: 105);
        await Eventually.UntilAsync(() => bench.Protocol.Shown(3) == (2, 105), $"the first display over the {bench.Rig}");
        await bench.Rig.UnplugAsync();
        await Eventually.UntilAsync(() => !bench.Link.IsOnline && bench.Protocol.Shown(3) is null, $"the line to go down over the {bench.Rig}");
        await bench.Rig.PlugAsync();
        await Eventually.UntilAsync(() => bench.Protocol.Shown(3) == (2, 105), $"the display to be sent again over the {bench.Rig}");
    }
}

/// <summary>The profile-driven LED display driver against <see cref="VirtualDisplayBus"/>: counter displays at addresses 1 and 2.</summary>
public abstract class DisplayBusContract
{
    private static readonly DeviceInfo s_line = new(0, "displays", DeviceKind.SerialLine);

    /// <summary>A fresh line of this transport.</summary>
    protected abstract Task<SerialRig> CreateRigAsync();

    private async Task<TwinBench<LedDisplayBus, VirtualDisplayBus>> StartAsync()
    {
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Path.Combine(AppContext.BaseDirectory, "devices", "led-counter-1line.yaml"));
        var bus = new LedDisplayBus(s_line,
        [
            new DisplayAssignment(new DeviceInfo(1, "counter-1", DeviceKind.Display), 1, model),
            new DisplayAssignment(new DeviceInfo(2, "counter-2", DeviceKind.Display), 2, model),
        ]);
        var twin = new VirtualDisplayBus(new Dictionary<int, DisplayModel> { [1] = model, [2] = model });
        TwinBench<LedDisplayBus, VirtualDisplayBus> bench = await TwinBench<LedDisplayBus, VirtualDisplayBus>.StartAsync(await CreateRigAsync(), s_line, bus, twin);
        await Eventually.UntilAsync(() => bench.Link.IsOnline, $"the display line to open over the {bench.Rig}");
        return bench;
    }

    [Fact]
    public async Task Text_IsShownByTheDisplayAtItsAddress()
    {
        await using TwinBench<LedDisplayBus, VirtualDisplayBus> bench = await StartAsync();
        bench.Protocol.Show(1, new DisplayText(["A023"], Blink: true));
        bench.Protocol.Show(2, new DisplayText(["B105"], Blink: false));
        await Eventually.UntilAsync(() => bench.Twin.Text(1)?.Contains("A023", StringComparison.Ordinal) == true && bench.Twin.Text(2)?.Contains("B105", StringComparison.Ordinal) == true,
            $"both displays to show their numbers over the {bench.Rig}", detail: () => $"1: {bench.Twin.Text(1)}; 2: {bench.Twin.Text(2)}");
        Assert.True(bench.Twin.Blinking(1));
        Assert.False(bench.Twin.Blinking(2));
        Assert.Equal(0, bench.Twin.Undecodable);
    }

    [Fact]
    public async Task LineBack_AfterUnplug_TakesTheNextText()
    {
        await using TwinBench<LedDisplayBus, VirtualDisplayBus> bench = await StartAsync();
        bench.Protocol.Show(1, new DisplayText(["A001"], Blink: false));
        await Eventually.UntilAsync(() => bench.Twin.Text(1)?.Contains("A001", StringComparison.Ordinal) == true, $"the first text over the {bench.Rig}");
        await bench.Rig.UnplugAsync();
        await Eventually.UntilAsync(() => !bench.Link.IsOnline, $"the line to go down over the {bench.Rig}");
        bench.Protocol.Show(1, new DisplayText(["A002"], Blink: false));
        await bench.Rig.PlugAsync();
        await Eventually.UntilAsync(() => bench.Twin.Text(1)?.Contains("A002", StringComparison.Ordinal) == true, $"the text set while unplugged to arrive over the {bench.Rig}",
            detail: () => $"shows: {bench.Twin.Text(1)}");
        Assert.Equal(0, bench.Twin.Undecodable);
    }
}

public sealed class VirtualHubPrinterTests : PrinterContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new VirtualHubRig());
}

[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class PtyPrinterTests : PrinterContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartAsync();
}

public sealed class VirtualHubKeypadBusTests : KeypadBusContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new VirtualHubRig());
}

[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class PtyKeypadBusTests : KeypadBusContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartAsync();
}

public sealed class VirtualHubDisplayBusTests : DisplayBusContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new VirtualHubRig());
}

[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class PtyDisplayBusTests : DisplayBusContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartAsync();
}
