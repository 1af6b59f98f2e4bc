using System.Net;
using System.Net.Sockets;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Devices.Tests.Contracts;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Devices.Tests.Network;

/// <summary>The printer contract (status, paper out, silent, unplug/replug) over a TCP connection to a loopback printer.</summary>
[Trait("Category", "Integration")]
public sealed class TcpPrinterTests : PrinterContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new TcpRig());
}

/// <summary>The keypad bus contract over TCP (a keypad line behind a serial device server).</summary>
[Trait("Category", "Integration")]
public sealed class TcpKeypadBusTests : KeypadBusContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new TcpRig());
}

/// <summary>The display bus contract over TCP (an Ethernet LED controller taking frames on a TCP port).</summary>
[Trait("Category", "Integration")]
public sealed class TcpDisplayBusTests : DisplayBusContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new TcpRig());
}

/// <summary>What a TCP line does that a serial one does not: connecting, refusals, hang-ups, resets, a peer that takes nothing.</summary>
[Trait("Category", "Integration")]
public sealed class TcpLineTests
{
    private static readonly DeviceInfo s_printer = new(0, "printer", DeviceKind.Printer);
    private static readonly DeviceInfo s_line = new(0, "line", DeviceKind.SerialLine);

    /// <summary>A TCP line to <paramref name="port"/> on loopback.</summary>
    private static SerialLineSettings Loopback(int port) =>
        new() { Path = SerialLineSettings.NetworkPath(LineTransport.Tcp, "127.0.0.1", port), Transport = LineTransport.Tcp, Host = "127.0.0.1", Port = port };

    [Fact]
    public async Task ConnectRefused_IsAnOpenFailure_RetriedWithBackoffAndLoggedOnce_ThenThePrinterComesUpWhenItListens()
    {
        int port = ServiceProcess.FreePort();
        SerialLineSettings settings = Loopback(port) with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        var opens = new CountingConnector(TcpLineConnector.Instance);
        var log = new RecordingLogger();
        var observer = new NetworkObserver();
        var driver = new EscPosPrinter(s_printer, new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) }, observer);
        await using var link = new SerialLink(s_printer, settings, opens, driver, observer, logger: log);
        link.Start();

        await Eventually.UntilAsync(() => opens.Failures.Count >= 4, "four refused connects");
        Assert.All(opens.Failures, e => Assert.Contains("refused the connection", e.Message, StringComparison.Ordinal));
        Assert.All(opens.Failures, e => Assert.IsType<IOException>(e));
        Assert.Single(log.Lines, l => l.Contains("refused", StringComparison.Ordinal));
        Assert.False(driver.CanPrint);

        var printer = new VirtualPrinter();
        await using var server = new TcpDeviceServer(printer, port);
        await server.StartAsync();
        await Eventually.UntilAsync(() => driver.CanPrint, "the printer to come up once it listens");
        PrintOutcome outcome = await driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Contains("A023", Assert.Single(printer.Tickets), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHostName_IsAnOpenFailureNamingTheHost()
    {
        var settings = new SerialLineSettings { Path = "tcp://no-such-printer.invalid:9100", Transport = LineTransport.Tcp, Host = "no-such-printer.invalid", Port = 9100 };
        IOException e = await Assert.ThrowsAsync<IOException>(async () => await TcpLineConnector.Instance.OpenAsync(settings, CancellationToken.None));
        Assert.Contains("cannot resolve host name no-such-printer.invalid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostName_IsResolvedAtOpen()
    {
        var printer = new VirtualPrinter();
        await using TcpDeviceServer server = await TcpDeviceServer.ListenAsync(printer);
        SerialLineSettings settings = server.Settings with { Host = "localhost", Path = SerialLineSettings.NetworkPath(LineTransport.Tcp, "localhost", server.Port) };
        SerialConnection line = await TcpLineConnector.Instance.OpenAsync(settings, CancellationToken.None);
        try
        {
            await line.Stream.WriteAsync(new byte[] { 0x10, 0x04, 0x01 });
            byte[] reply = new byte[1];
            using var timeout = new CancellationTokenSource(Eventually.DefaultPatience);
            Assert.Equal(1, await line.Stream.ReadAsync(reply, timeout.Token));
            Assert.True(PrinterCondition.IsRealTimeStatus(reply[0]));
        }
        finally
        {
            line.Close();
        }
    }

    [Fact]
    public async Task ConnectNotAnswered_FailsWithATimeout()
    {
        // A listener that never accepts, its queue full: further SYNs are dropped and the connect is never answered.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        int port = ((IPEndPoint)full.LocalEndPoint!).Port;
        SerialLineSettings settings = Loopback(port) with { OpenTimeout = TimeSpan.FromMilliseconds(500) };
        var held = new List<SerialConnection>();
        try
        {
            Exception? failure = null;
            for (int i = 0; i < 8 && failure is null; i++)
            {
                try
                {
                    held.Add(await TcpLineConnector.Instance.OpenAsync(settings, CancellationToken.None));
                }
                catch (Exception e) when (e is TimeoutException or IOException)
                {
                    failure = e;
                }
            }

            Assert.IsType<TimeoutException>(failure);
            Assert.Contains("did not answer within 0.5 s", failure.Message, StringComparison.Ordinal);
        }
        finally
        {
            foreach (SerialConnection c in held)
            {
                c.Close();
            }
        }
    }

    [Fact]
    public async Task PeerHangingUp_EndsTheSession_WithTheReason_AndTheLineIsReopened()
    {
        var device = new HangUpDevice();
        await using TcpDeviceServer server = await TcpDeviceServer.ListenAsync(device);
        var observer = new NetworkObserver();
        await using var link = new SerialLink(s_line, server.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TcpLineConnector.Instance, new DrainProtocol(), observer);
        link.Start();
        await Eventually.UntilAsync(() => link.Sessions >= 3, "the line to be reopened after each hang-up");
        Assert.Contains(observer.Changes, c => c.Status == DeviceStatus.Offline && c.Reason.Contains("the peer closed the connection", StringComparison.Ordinal));
        Assert.True(observer.Reconnects >= 2);
    }

    [Fact]
    public async Task PeerThatAcceptsAndHangsUp_IsReopenedWithDoublingWaits_AndTheLossIsSaidOnce()
    {
        // Before: every successful open reset the backoff, so a peer that accepts and hangs up at once (a port held
        // by another client, a device server with no serial side) was reopened every 250 ms for ever, with a warning
        // and (for a printer) status events each time.
        await using TcpDeviceServer server = await TcpDeviceServer.ListenAsync(new HangUpDevice());
        var log = new RecordingLogger();
        var observer = new NetworkObserver();
        SerialLineSettings settings = server.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        await using var link = new SerialLink(s_line, settings, TcpLineConnector.Instance, new DrainProtocol(), observer, logger: log);
        link.Start();
        await Eventually.UntilAsync(() => link.Sessions >= 5, "the line to be reopened after each hang-up", detail: () => string.Join("; ", log.Lines));

        string[] lost = [.. log.Lines.Where(l => l.Contains("line lost", StringComparison.Ordinal))];
        Assert.Single(lost, l => l.Contains("line lost: ", StringComparison.Ordinal));
        string[] waits = [.. lost.Where(l => l.Contains("lost again", StringComparison.Ordinal)).Select(l => l[(l.LastIndexOf("reopening in ", StringComparison.Ordinal) + 13)..])];
        Assert.True(waits.Length >= 3, string.Join("; ", lost));
        Assert.Equal(["0.5 s", "1 s", "1 s"], waits[..3]);
    }

    [Fact]
    public async Task LineThatCannotBeOpened_IsReportedOfflineOnce_NotAtEveryRetry()
    {
        int port = ServiceProcess.FreePort();
        var opens = new CountingConnector(TcpLineConnector.Instance);
        var observer = new NetworkObserver();
        await using var link = new SerialLink(s_line, Loopback(port) with { ReconnectMaxDelay = TimeSpan.FromMilliseconds(500) }, opens, new DrainProtocol(), observer);
        link.Start();
        await Eventually.UntilAsync(() => opens.Failures.Count >= 4, "four refused connects");
        DeviceStatusChange offline = Assert.Single(observer.Changes);
        Assert.Equal(DeviceStatus.Offline, offline.Status);
        Assert.Contains("refused the connection", offline.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadBytesFromThePrinter_AreCountedAndDropped_AndItStillPrints()
    {
        await using TcpPrinterEmulator emulator = await TcpPrinterEmulator.ListenAsync();
        var observer = new NetworkObserver();
        var driver = new EscPosPrinter(s_printer, new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) }, observer);
        await using var link = new SerialLink(s_printer, emulator.Settings, TcpLineConnector.Instance, driver, observer);
        link.Start();
        await Eventually.UntilAsync(() => driver.CanPrint, "the printer to come up");
        Assert.True(await emulator.SendRawAsync([0xFF, 0x80, 0xA5]));
        await Eventually.UntilAsync(() => observer.Rejected(InputRejections.UnexpectedByte) == 3, "three unexpected bytes to be counted",
            detail: () => $"{observer.Rejected(InputRejections.UnexpectedByte)} counted");
        PrintOutcome outcome = await driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(outcome.Printed, outcome.Reason);
        Assert.Single(emulator.Printer.Tickets);
        Assert.Equal(1, link.Sessions);
    }

    [Fact]
    public async Task WriteToAPeerThatTakesNothing_TimesOut_AndTheLineIsReopened_WithoutAHangingClose()
    {
        await using TcpDeviceServer server = await TcpDeviceServer.ListenAsync(new DeafDevice());
        var log = new RecordingLogger();
        var flood = new FloodProtocol();
        SerialLineSettings settings = server.Settings with { WriteTimeout = TimeSpan.FromMilliseconds(300), ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        await using var link = new SerialLink(s_line, settings, TcpLineConnector.Instance, flood, logger: log);
        link.Start();
        await Eventually.UntilAsync(() => link.Sessions >= 2, "the line to be reopened after a write timed out",
            detail: () => string.Join("; ", log.Lines));
        Assert.Contains(log.Lines, l => l.Contains("write timed out", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("did not return", StringComparison.Ordinal));
        Assert.True(flood.Written > 0);
    }

    [Fact]
    public async Task PrinterDroppingTheConnectionAtTheCut_FailsTheTicketWithTheLinesReason_NotTheExceptionsText()
    {
        await using TcpDeviceServer server = await TcpDeviceServer.ListenAsync(new HangUpAtCutPrinter());
        var observer = new NetworkObserver();
        var driver = new EscPosPrinter(s_printer, new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) }, observer);
        await using var link = new SerialLink(s_printer, server.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TcpLineConnector.Instance, driver, observer);
        link.Start();
        await Eventually.UntilAsync(() => driver.CanPrint, "the printer to come up");

        PrintOutcome outcome = await driver.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket())).AsTask().WaitAsync(Eventually.DefaultPatience);
        Assert.False(outcome.Printed);
        Assert.Equal(DeviceStatus.Offline, outcome.Status);
        Assert.StartsWith("printer line down: ", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("the peer closed the connection", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("canceled", outcome.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PrinterBackOnTheLineButSilent_ReportsNotAnswering_OnceInsteadOfTheStaleLineDownReason()
    {
        await using TcpPrinterEmulator emulator = await TcpPrinterEmulator.ListenAsync();
        var observer = new NetworkObserver();
        var driver = new EscPosPrinter(s_printer, new PrinterSettings { PollInterval = TimeSpan.FromMilliseconds(200) }, observer);
        await using var link = new SerialLink(s_printer, emulator.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, TcpLineConnector.Instance, driver, observer);
        link.Start();
        await Eventually.UntilAsync(() => driver.CanPrint, "the printer to come up");

        await emulator.StopAsync();
        await Eventually.UntilAsync(() => observer.Last(s_printer) is { Status: DeviceStatus.Offline } c && c.Reason.StartsWith("line down: ", StringComparison.Ordinal),
            "the printer to be off line with the line's reason", detail: () => Describe(observer));

        emulator.Silent = true;
        await emulator.StartAsync();
        await Eventually.UntilAsync(() => link.Sessions >= 2 && observer.Last(s_printer) is { Status: DeviceStatus.Offline, Reason: "printer not answering" },
            "the new reason once the line is back and the printer silent", detail: () => Describe(observer));
        Assert.True(link.IsOnline);
        Assert.False(driver.CanPrint);

        // Many more silent polls: the same reason is not said again, and nothing flaps.
        long printerChanges = observer.Changes.Count(c => c.Device == s_printer);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(printerChanges, observer.Changes.Count(c => c.Device == s_printer));
        Assert.Single(observer.Changes, c => c.Device == s_printer && c.Reason == "printer not answering");
        Assert.Equal(DeviceStatus.Offline, observer.Last(s_printer)?.Status);
    }

    private static string Describe(NetworkObserver observer) => string.Join("; ", observer.Changes.Select(c => $"{c.Device.Id} {c.Status} {c.Reason}"));

    /// <summary>A printer that answers every DLE EOT with 0x12 (ready) and closes the connection when it sees the cut (GS V).</summary>
    private sealed class HangUpAtCutPrinter : IVirtualDevice
    {
        public async Task RunAsync(Stream line, CancellationToken cancellationToken)
        {
            byte[] buffer = new byte[512];
            int previous = -1;
            int beforePrevious = -1;
            while (true)
            {
                int n = await line.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                for (int i = 0; i < n; i++)
                {
                    byte b = buffer[i];
                    if (previous == 0x1D && b == 0x56)
                    {
                        return;
                    }

                    if (beforePrevious == 0x10 && previous == 0x04)
                    {
                        await line.WriteAsync(new byte[] { 0x12 }, cancellationToken);
                    }

                    beforePrevious = previous;
                    previous = b;
                }
            }
        }
    }

    /// <summary>Closes the connection as soon as it is opened (a device that hangs up).</summary>
    private sealed class HangUpDevice : IVirtualDevice
    {
        public Task RunAsync(Stream line, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Accepts and never reads.</summary>
    private sealed class DeafDevice : IVirtualDevice
    {
        public Task RunAsync(Stream line, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    /// <summary>Reads and drops until the line ends.</summary>
    private sealed class DrainProtocol : ISerialProtocol
    {
        public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
        {
            while (true)
            {
                System.IO.Pipelines.ReadResult r = await session.Input.ReadAsync(cancellationToken);
                session.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    throw new IOException("the line was closed");
                }
            }
        }

        public void LineDown(string reason)
        {
        }
    }

    /// <summary>Writes 64 KiB blocks for ever.</summary>
    private sealed class FloodProtocol : ISerialProtocol
    {
        private long _written;

        public long Written => Interlocked.Read(ref _written);

        public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
        {
            byte[] block = new byte[64 * 1024];
            while (true)
            {
                await session.WriteAsync(block, cancellationToken);
                Interlocked.Add(ref _written, block.Length);
            }
        }

        public void LineDown(string reason)
        {
        }
    }
}

/// <summary>UDP lines: one datagram per frame, byte for byte; refusals; unknown hosts.</summary>
[Trait("Category", "Integration")]
public sealed class UdpLineTests
{
    private static readonly DeviceInfo s_line = new(0, "displays", DeviceKind.SerialLine);

    private static DisplayModel Model(string file) => BranchProfileLoader.LoadDisplayModel(Path.Combine(AppContext.BaseDirectory, "devices", file));

    [Fact]
    public async Task EachFrame_IsOneDatagram_ByteForByte()
    {
        DisplayModel counter = Model("led-counter-1line.yaml");
        DisplayModel main = Model("led-main-4line.yaml");
        await using UdpDisplayListener listener = await UdpDisplayListener.ListenAsync(new Dictionary<int, DisplayModel> { [1] = counter, [2] = counter, [9] = main });
        var observer = new NetworkObserver();
        var bus = new LedDisplayBus(s_line,
        [
            new DisplayAssignment(new DeviceInfo(1, "counter-1", DeviceKind.Display), 1, counter),
            new DisplayAssignment(new DeviceInfo(2, "counter-2", DeviceKind.Display), 2, counter),
            new DisplayAssignment(new DeviceInfo(3, "main", DeviceKind.Display), 9, main),
        ], observer);
        await using var link = new SerialLink(s_line, listener.Settings, UdpLineConnector.Instance, bus, observer);
        link.Start();

        var counterText = new DisplayText(["A023"], Blink: true);
        var mainText = new DisplayText(["请 A023 到 1 号窗口", "A023 -> 1", "B105 -> 2", "等候人数 Waiting: 7"], Blink: false);
        bus.Show(1, counterText);
        bus.Show(2, new DisplayText(["B105"], Blink: false));
        bus.Show(3, mainText);
        int expected = counter.FrameCount(counterText) * 2 + main.FrameCount(mainText);
        await listener.WaitForDatagramsAsync(expected, "one datagram per frame");

        // Every datagram is exactly one frame, and exactly the bytes the model encodes for it.
        Assert.Equal(0, listener.Malformed);
        Assert.Equal(expected, listener.Datagrams.Count);
        byte[] buffer = new byte[DisplayModel.MaxFrameLength];
        var sent = new List<byte[]>();
        for (int f = 0; f < counter.FrameCount(counterText); f++)
        {
            sent.Add(buffer[..counter.Encode(1, counterText, f, buffer)]);
        }

        for (int f = 0; f < main.FrameCount(mainText); f++)
        {
            sent.Add(buffer[..main.Encode(9, mainText, f, buffer)]);
        }

        foreach (byte[] frame in sent)
        {
            Assert.Contains(listener.Datagrams, d => d.AsSpan().SequenceEqual(frame));
        }

        Assert.True(listener.Displays.Text(1)?.Contains("A023", StringComparison.Ordinal), listener.Displays.Text(1));
        Assert.True(listener.Displays.Blinking(1));
        Assert.True(listener.Displays.Text(9)?.Contains("等候人数 Waiting: 7", StringComparison.Ordinal), listener.Displays.Text(9));
        Assert.Equal(0, listener.Probes);
    }

    [Fact]
    public async Task AFrameLongerThanThePipesSegment_IsStillOneDatagram()
    {
        await using UdpDisplayListener listener = await UdpDisplayListener.ListenAsync(new Dictionary<int, DisplayModel>());
        byte[] frame = [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 31 + 7))];
        byte[] second = [.. Enumerable.Range(0, 1500).Select(i => (byte)(i * 13))];
        var writer = new WriterProtocol([frame, second]);
        await using var link = new SerialLink(s_line, listener.Settings, UdpLineConnector.Instance, writer);
        link.Start();
        await listener.WaitForDatagramsAsync(2, "two datagrams");
        Assert.Equal(2, listener.Datagrams.Count);
        Assert.Equal(frame, listener.Datagrams[0]);
        Assert.Equal(second, listener.Datagrams[1]);
    }

    [Fact]
    public async Task PortUnreachable_EndsTheSession_TheDisplaysGoOffline_AndTheLineComesBackWhenTheControllerListens()
    {
        DisplayModel counter = Model("led-counter-1line.yaml");
        await using UdpDisplayListener listener = await UdpDisplayListener.ListenAsync(new Dictionary<int, DisplayModel> { [1] = counter });
        var observer = new NetworkObserver();
        var display = new DeviceInfo(1, "counter-1", DeviceKind.Display);
        var bus = new LedDisplayBus(s_line, [new DisplayAssignment(display, 1, counter)], observer);
        var opens = new CountingConnector(UdpLineConnector.Instance);
        var log = new RecordingLogger();
        await using var link = new SerialLink(s_line, listener.Settings with { ReconnectMaxDelay = TimeSpan.FromSeconds(1) }, opens, bus, observer, logger: log);
        link.Start();
        bus.Show(1, new DisplayText(["A001"], Blink: false));
        await listener.Displays.WaitForAsync(d => d.Text(1)?.Contains("A001", StringComparison.Ordinal) == true, Eventually.DefaultPatience);

        await listener.StopAsync();
        bus.Show(1, new DisplayText(["A002"], Blink: false));
        await Eventually.UntilAsync(() => observer.Last(display)?.Status == DeviceStatus.Offline && !link.IsOnline, "the display to go offline once its datagram is refused",
            detail: () => string.Join("; ", observer.Changes.Select(c => $"{c.Device.Id} {c.Status} {c.Reason}")));
        Assert.Contains(observer.Changes, c => c.Device == s_line && c.Status == DeviceStatus.Offline && c.Reason.Contains("refuses datagrams", StringComparison.Ordinal));

        // While nothing listens, each open checks first and fails: logged once, not a flapping line.
        await Eventually.UntilAsync(() => opens.Failures.Count >= 3, "opens after the refusal to fail on the probe");
        Assert.All(opens.Failures, e => Assert.Contains("refuses datagrams", e.Message, StringComparison.Ordinal));
        Assert.Single(log.Lines, l => l.Contains("retrying with backoff", StringComparison.Ordinal));
        Assert.Equal(1, link.Sessions);

        await listener.StartAsync();
        await Eventually.UntilAsync(() => listener.Displays.Text(1)?.Contains("A002", StringComparison.Ordinal) == true, "the text set while refused to arrive when the controller is back",
            detail: () => $"shows {listener.Displays.Text(1)}");
        Assert.Equal(DeviceStatus.Online, observer.Last(display)?.Status);
        Assert.Equal(0, listener.Malformed);
        Assert.True(listener.Probes >= 1, "the open after the refusal sends an empty probe datagram");
    }

    [Fact]
    public async Task UnknownHostName_IsAnOpenFailureNamingTheHost()
    {
        var settings = new SerialLineSettings { Path = "udp://no-such-display.invalid:5005", Transport = LineTransport.Udp, Host = "no-such-display.invalid", Port = 5005 };
        IOException e = await Assert.ThrowsAsync<IOException>(async () => await UdpLineConnector.Instance.OpenAsync(settings, CancellationToken.None));
        Assert.Contains("cannot resolve host name no-such-display.invalid", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Writes its frames, one session.WriteAsync each, then waits.</summary>
    private sealed class WriterProtocol(byte[][] frames) : ISerialProtocol
    {
        public async Task RunAsync(SerialSession session, CancellationToken cancellationToken)
        {
            foreach (byte[] frame in frames)
            {
                await session.WriteAsync(frame, cancellationToken);
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public void LineDown(string reason)
        {
        }
    }
}

/// <summary>Counts opens through a connector and keeps their failures.</summary>
internal sealed class CountingConnector(ISerialConnector inner) : ISerialConnector
{
    private readonly List<Exception> _failures = [];

    public IReadOnlyList<Exception> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    public bool DeviceExists(string path) => inner.DeviceExists(path);

    public async ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.OpenAsync(settings, cancellationToken);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            lock (_failures)
            {
                _failures.Add(e);
            }

            throw;
        }
    }
}

/// <summary>Records status changes, rejected input and reconnects.</summary>
internal sealed class NetworkObserver : IDeviceObserver
{
    private readonly Lock _sync = new();
    private readonly List<DeviceStatusChange> _changes = [];
    private readonly Dictionary<string, int> _rejected = [];
    private int _reconnects;

    public IReadOnlyList<DeviceStatusChange> Changes
    {
        get
        {
            lock (_sync)
            {
                return [.. _changes];
            }
        }
    }

    public int Reconnects => Volatile.Read(ref _reconnects);

    public DeviceStatusChange? Last(DeviceInfo device) => Changes.LastOrDefault(c => c.Device == device);

    public int Rejected(string reason)
    {
        lock (_sync)
        {
            return _rejected.GetValueOrDefault(reason);
        }
    }

    public void StatusChanged(DeviceStatusChange change)
    {
        lock (_sync)
        {
            _changes.Add(change);
        }
    }

    public void InputRejected(DeviceInfo device, string reason)
    {
        lock (_sync)
        {
            _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        }
    }

    public void Reconnected(DeviceInfo device) => Interlocked.Increment(ref _reconnects);
}

/// <summary>Keeps every log line, formatted.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add(formatter(state, exception));
        }
    }
}
