using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Devices.Tests.Bindings;
using LobbyEdge.Devices.Tests.Contracts;
using LobbyEdge.Engine;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>The serial connector contract over the usblp stand-in (a socat pty opened by <see cref="UsbPrinterConnector"/>).</summary>
[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class UsbPrinterSerialConnectorTests : SerialConnectorContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartUsbPrinterAsync();
}

/// <summary>The ESC/POS driver's contract against the virtual printer over the usblp stand-in.</summary>
[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class UsbPrinterContractTests : PrinterContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartUsbPrinterAsync();
}

/// <summary>
/// A USB printer (usblp) through the machine's <see cref="LineConnector"/> with <see cref="LineTransport.UsbPrinter"/>,
/// as the host opens it: the stand-in is a socat pty at <c>&lt;dir&gt;/lp0</c> with <see cref="VirtualPrinter"/> on its
/// other end.
/// </summary>
[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class UsbPrinterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DeviceInfo s_printer = new(0, "kiosk-printer", DeviceKind.Printer);

    [Fact]
    public async Task Ticket_IsPrinted_AndAutomaticStatusBackReportsPaperEnd_WithoutPolling()
    {
        // Polled once when the line opens, then not for an hour: paper end can only arrive as Automatic Status Back.
        await using Bench bench = await Bench.StartAsync(new PrinterSettings { PollInterval = TimeSpan.FromHours(1) });
        PrintOutcome outcome = await bench.Driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Contains("A023", Assert.Single(bench.Printer.Tickets), StringComparison.Ordinal);

        bench.Printer.PaperOut = true;
        await Eventually.UntilAsync(() => bench.Driver.Status == DeviceStatus.PaperOut, "Automatic Status Back to report paper end over the usblp stand-in");
        Assert.Contains(PaperLevel.Out, bench.Observer.Paper);
        PrintOutcome refused = await bench.Driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.False(refused.Printed);
        Assert.Equal(DeviceStatus.PaperOut, refused.Status);
        Assert.Single(bench.Printer.Tickets);
    }

    [Fact]
    public async Task SilentPrinter_GoesOfflineByStatusPolling_TheLineStaysOpen_AndDisposalDoesNotHang()
    {
        await using Bench bench = await Bench.StartAsync();
        int sessions = bench.Link.Sessions;
        bench.Printer.Answer = false;
        await Eventually.UntilAsync(() => bench.Driver.Status == DeviceStatus.Offline, "a silent USB printer to be reported offline by its status polls");
        Assert.Contains(bench.Observer.Changes, c => c.Status == DeviceStatus.Offline);

        // The branch keeps running: the line is open, nothing was reopened, a ticket is refused rather than hung.
        Assert.True(bench.Link.IsOnline);
        Assert.Equal(sessions, bench.Link.Sessions);
        PrintOutcome refused = await bench.Driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket())).AsTask().WaitAsync(Eventually.DefaultPatience);
        Assert.False(refused.Printed);

        // The driver's read is waiting for a printer that says nothing; stopping the link ends it.
        Task dispose = bench.Link.DisposeAsync().AsTask();
        Assert.True(await Task.WhenAny(dispose, Task.Delay(Eventually.DefaultPatience)) == dispose, "SerialLink.DisposeAsync did not return while the USB printer was silent");
        await dispose;
        Assert.False(bench.Link.IsOnline);
    }

    [Fact]
    public async Task Unplugged_IsOfflineAndReconnected_AndPrintsAgainWhenPluggedBackIn()
    {
        await using Bench bench = await Bench.StartAsync();
        await bench.Rig.UnplugAsync();
        await Eventually.UntilAsync(() => !bench.Link.IsOnline && bench.Driver.Status == DeviceStatus.Offline, "an unplugged USB printer to be offline");

        await bench.Rig.PlugAsync();
        await Eventually.UntilAsync(() => bench.Driver.CanPrint, "the USB printer to be back after it was plugged in again");
        Assert.True(bench.Observer.Reconnects >= 1, "the reopen was not reported as a reconnect");
        PrintOutcome outcome = await bench.Driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Single(bench.Printer.Tickets);
    }

    [Fact]
    public async Task GarbageFromThePrinter_IsCountedAndDropped_AndTicketsStillPrint()
    {
        var noisy = new NoisyDevice(new VirtualPrinter());
        await using Bench bench = await Bench.StartAsync(device: noisy);
        byte[] noise = [0xFF, 0x00, 0x80, 0xFE, 0x01, 0x7F];
        await noisy.SendAsync(noise);
        await Eventually.UntilAsync(() => bench.Observer.Rejected(InputRejections.UnexpectedByte) >= noise.Length, "the printer's garbage bytes to be counted",
            detail: () => $"counted {bench.Observer.Rejected(InputRejections.UnexpectedByte)}");

        Assert.True(bench.Driver.CanPrint, bench.Driver.Reason);
        PrintOutcome outcome = await bench.Driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Single(noisy.Printer.Tickets);
    }

    [Fact]
    public async Task ReadWaitingOnASilentPrinter_EndsWhenTheLineIsClosed()
    {
        await using PtyRig rig = await PtyRig.StartUsbPrinterAsync();
        await rig.AttachAsync(new VirtualPrinter { Answer = false });
        SerialConnection line = await LineConnector.Instance.OpenAsync(Settings(rig), CancellationToken.None);
        Task<Exception?> read = Task.Run(() => Record.ExceptionAsync(async () => Assert.Fail($"read {await line.Stream.ReadAsync(new byte[16])} bytes from a printer that says nothing")));
        await Task.Delay(300);
        Assert.False(read.IsCompleted, "a read returned from a printer that says nothing");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task close = Task.Run(line.Close);
        Assert.True(await Task.WhenAny(close, Task.Delay(Eventually.DefaultPatience)) == close, "closing the line blocked behind the waiting read");
        TimeSpan closed = clock.Elapsed;
        Assert.True(await Task.WhenAny(read, Task.Delay(Eventually.DefaultPatience)) == read, "the read still waits after the line was closed");
        output.WriteLine($"close returned after {closed.TotalMilliseconds:0} ms, the waiting read ended after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.IsType<ObjectDisposedException>(await read);
    }

    [Fact]
    public async Task WriteThePrinterDoesNotTake_FailsAfterTheWriteTimeout()
    {
        await using PtyRig rig = await PtyRig.StartUsbPrinterAsync();
        await rig.AttachAsync(new DeafDevice());
        await Eventually.UntilAsync(() => rig.Connector.DeviceExists(rig.Path), "the stand-in to be there");
        SerialConnection line = await LineConnector.Instance.OpenAsync(Settings(rig) with { WriteTimeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);
        try
        {
            Assert.Equal(300, line.Stream.WriteTimeout);

            // Far more than the pty and socat buffer; no token: only the stream's own write timeout can end it.
            byte[] flood = new byte[4 * 1024 * 1024];
            Task write = Task.Run(() => line.Stream.WriteAsync(flood).AsTask());
            Assert.True(await Task.WhenAny(write, Task.Delay(Eventually.DefaultPatience)) == write, "a write the printer does not take still waits");
            IOException e = await Assert.ThrowsAsync<IOException>(() => write);
            Assert.Contains(rig.Path, e.Message, StringComparison.Ordinal);
            Assert.Contains("write timeout", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            line.Close();
        }
    }

    [Fact]
    public async Task PortStatus_IsNotAskedOfAPty_AndOpeningAMissingPrinterSaysSo()
    {
        await using PtyRig rig = await PtyRig.StartUsbPrinterAsync();
        await rig.AttachAsync(new VirtualPrinter());
        SerialConnection line = await LineConnector.Instance.OpenAsync(Settings(rig), CancellationToken.None);
        try
        {
            // A pty answers LPGETSTATUS with ENOTTY: no port status, and no error.
            Assert.Null(Assert.IsType<CharacterDeviceStream>(line.Stream).ReadPortStatus());
        }
        finally
        {
            line.Close();
        }

        FileNotFoundException missing = await Assert.ThrowsAsync<FileNotFoundException>(async () =>
            await LineConnector.Instance.OpenAsync(Settings(rig) with { Path = rig.Path + "-none" }, CancellationToken.None));
        Assert.Contains(rig.Path + "-none", missing.Message, StringComparison.Ordinal);
        Assert.False(new UsbPrinterPortStatus(0x18).PaperOut || new UsbPrinterPortStatus(0x18).Error);
        Assert.True(new UsbPrinterPortStatus(0x38).PaperOut);
        Assert.True(new UsbPrinterPortStatus(0x10).Error);
    }

    private static SerialLineSettings Settings(SerialRig rig) => new() { Path = rig.Path, Transport = LineTransport.UsbPrinter };

    /// <summary>The driver on a link through <see cref="LineConnector"/> to a printer behind the usblp stand-in.</summary>
    private sealed record Bench(PtyRig Rig, EscPosPrinter Driver, SerialLink Link, RecordingObserver Observer, VirtualPrinter Printer) : IAsyncDisposable
    {
        public static async Task<Bench> StartAsync(PrinterSettings? settings = null, NoisyDevice? device = null)
        {
            PtyRig rig = await PtyRig.StartUsbPrinterAsync();
            VirtualPrinter printer = device?.Printer ?? new VirtualPrinter();
            await rig.AttachAsync(device is null ? printer : device);
            var observer = new RecordingObserver();
            var driver = new EscPosPrinter(s_printer, settings ?? new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) }, observer);
            var link = new SerialLink(s_printer, Settings(rig) with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, LineConnector.Instance, driver, observer);
            link.Start();
            var bench = new Bench(rig, driver, link, observer, printer);
            await Eventually.UntilAsync(() => driver.CanPrint, "the USB printer to come up over the usblp stand-in", detail: () => driver.Reason);
            return bench;
        }

        public async ValueTask DisposeAsync()
        {
            await Link.DisposeAsync();
            await Rig.DisposeAsync();
        }
    }

    /// <summary>A printer that, on request, also sends bytes that are neither a status reply nor an ASB frame.</summary>
    private sealed class NoisyDevice(VirtualPrinter printer) : IVirtualDevice
    {
        private volatile Stream? _line;

        public VirtualPrinter Printer { get; } = printer;

        public async Task SendAsync(byte[] noise)
        {
            await Eventually.UntilAsync(() => _line is not null, "the printer's end to be open");
            await _line!.WriteAsync(noise);
            await _line.FlushAsync();
        }

        public async Task RunAsync(Stream line, CancellationToken cancellationToken)
        {
            _line = line;
            try
            {
                await Printer.RunAsync(line, cancellationToken);
            }
            finally
            {
                _line = null;
            }
        }
    }

    /// <summary>Opens its end and reads nothing: the printer's buffer stays full.</summary>
    private sealed class DeafDevice : IVirtualDevice
    {
        public Task RunAsync(Stream line, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
