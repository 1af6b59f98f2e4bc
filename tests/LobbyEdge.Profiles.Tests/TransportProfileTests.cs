using LobbyEdge.Devices.Serial;

namespace LobbyEdge.Profiles.Tests;

/// <summary>
/// Where a device's line is (hardware-profiles/README.md, "Transports"): exactly one of <c>port</c>,
/// <c>usbPrinter</c>, <c>tcp</c>, <c>udp</c> on each <c>devices</c> and <c>displays</c> entry, read into
/// <see cref="SerialLineSettings"/> whose <see cref="SerialLineSettings.Path"/> is the line's one key; every mistake
/// a positioned problem naming its field.
/// </summary>
public sealed class TransportProfileTests : IDisposable
{
    // Two counters, so a counter display has something to show; line 1 the branch, 2 services, 3 counters.
    private const string Branch = """
        branch: {id: b1, name: "B", timeZone: Asia/Shanghai, open: "09:00", close: "17:00"}
        services: [{id: cash, prefix: A, name: "Cash"}]
        counters: [{number: 1, services: [cash]}, {number: 2, services: [cash]}]

        """;

    private readonly ProfileFolder _folder = new("le-transports");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_PrinterOnTcp_HasANetworkPathAndTheDefaultTimeouts()
    {
        BranchHardware hardware = Load("""
            devices:
              - {id: printer-lan, model: escpos-80mm, tcp: {host: 192.168.10.21, port: 9100}}
            """);

        SerialLineSettings line = Assert.Single(hardware.Printers).Serial;
        Assert.Equal(
            (LineTransport.Tcp, "tcp://192.168.10.21:9100", "192.168.10.21", 9100, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)),
            (line.Transport, line.Path, line.Host, line.Port, line.OpenTimeout, line.KeepAlive));
        Assert.Equal(TimeSpan.FromSeconds(2), line.WriteTimeout);   // the model's writeTimeoutMs still counts
    }

    [Fact]
    public void Load_TcpConnectTimeoutAndKeepAlive_AreTaken()
    {
        BranchHardware hardware = Load("""
            devices:
              - id: printer-lan
                model: escpos-80mm
                tcp: {host: printer-2.branch.lan, port: 9100, connectTimeoutMs: 1500, keepAliveSeconds: 30}
            """);

        SerialLineSettings line = Assert.Single(hardware.Printers).Serial;
        Assert.Equal(("tcp://printer-2.branch.lan:9100", TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(30)), (line.Path, line.OpenTimeout, line.KeepAlive));
    }

    [Fact]
    public void Load_HostNamesAndIpLiterals_AreNormalisedSoOneEndpointHasOneKey()
    {
        BranchHardware hardware = Load("""
            devices:
              - {id: p1, model: escpos-80mm, tcp: {host: Printer-2.Branch.LAN., port: 9100}}
              - {id: p2, model: escpos-80mm, tcp: {host: "FE80:0:0::0001", port: 9100}}
            """);

        Assert.Equal(["tcp://printer-2.branch.lan:9100", "tcp://[fe80::1]:9100"], hardware.Printers.Select(p => p.Serial.Path));
        Assert.Equal(["printer-2.branch.lan", "fe80::1"], hardware.Printers.Select(p => p.Serial.Host));
    }

    [Fact]
    public void Load_UsbPrinter_IsTheDevicePathOnTheUsbPrinterTransport()
    {
        BranchHardware hardware = Load("""
            devices:
              - {id: printer-kiosk, model: escpos-80mm, usbPrinter: /dev/usb/lp0}
            kiosk: {printer: printer-kiosk}
            """);

        SerialLineSettings line = Assert.Single(hardware.Printers).Serial;
        Assert.Equal((LineTransport.UsbPrinter, "/dev/usb/lp0", null, 0), (line.Transport, line.Path, line.Host, line.Port));
        Assert.Equal("printer-kiosk", hardware.KioskPrinter);
    }

    [Fact]
    public void Load_KeypadLineOnTcp_IsASerialDeviceServersLine()
    {
        BranchHardware hardware = Load("""
            devices:
              - {id: callers, model: caller68, tcp: {host: 10.0.0.7, port: 4001}, keypads: [{counter: 1, address: 1}]}
            """);

        SerialLineSettings line = Assert.Single(hardware.KeypadLines).Serial;
        Assert.Equal((LineTransport.Tcp, "tcp://10.0.0.7:4001"), (line.Transport, line.Path));
    }

    [Fact]
    public void Load_SerialPort_IsAsBefore()
    {
        BranchHardware hardware = Load("""
            devices:
              - {id: p1, model: escpos-80mm, port: /dev/ttyUSB1, baud: 19200}
            """);

        SerialLineSettings line = Assert.Single(hardware.Printers).Serial;
        Assert.Equal((LineTransport.Serial, "/dev/ttyUSB1", 19200, null, 0), (line.Transport, line.Path, line.BaudRate, line.Host, line.Port));
    }

    [Fact]
    public void Load_DisplaysOnOneNetworkEndpoint_ShareOneLine_AndEachEndpointIsItsOwnLine()
    {
        BranchHardware hardware = Load("""
            displays:
              - {id: main, model: led-main-4line, udp: {host: 192.168.10.40, port: 5005}, address: 1}
              - {id: counter-1, model: led-counter-1line, tcp: {host: 192.168.10.41, port: 4001}, address: 1, counter: 1}
              - {id: counter-2, model: led-counter-1line, tcp: {host: 192.168.10.41, port: 4001}, address: 2, counter: 2}
              - {id: counter-2b, model: led-counter-1line, udp: {host: 192.168.10.41, port: 4001}, address: 2, counter: 2}
            """);

        Assert.Equal(
            ["displays@udp://192.168.10.40:5005", "displays@tcp://192.168.10.41:4001", "displays@udp://192.168.10.41:4001"],
            hardware.DisplayLines.Select(l => l.Line.Id));
        Assert.Equal([LineTransport.Udp, LineTransport.Tcp, LineTransport.Udp], hardware.DisplayLines.Select(l => l.Serial.Transport));
        Assert.Equal(["counter-1", "counter-2"], hardware.DisplayLines[1].Displays.Select(d => d.Device.Id));
        Assert.Equal(("192.168.10.40", 5005), (hardware.DisplayLines[0].Serial.Host, hardware.DisplayLines[0].Serial.Port));
    }

    [Fact]
    public void Load_DisplaysOfModelsWithDifferentBaudRates_MayShareANetworkEndpoint()
    {
        string model = Path.Combine(_folder.Root, "devices", "led-counter-1line.yaml");
        File.WriteAllText(model, File.ReadAllText(model).Replace("baud: 9600", "baud: 19200", StringComparison.Ordinal));

        BranchHardware hardware = Load("""
            displays:
              - {id: main, model: led-main-4line, tcp: {host: 192.168.10.40, port: 4001}, address: 1}
              - {id: counter-1, model: led-counter-1line, tcp: {host: 192.168.10.40, port: 4001}, address: 2, counter: 1}
            """);

        Assert.Equal(2, Assert.Single(hardware.DisplayLines).Displays.Count);
    }

    [Theory]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm}", "{id: p1", "devices[0].port",
        "required key \"port\" is missing (e.g. `port: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0`); a device's line is exactly one of port, usbPrinter, tcp")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, address: 1}", "{id: d1", "displays[0].port",
        "required key \"port\" is missing (e.g. `port: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0`); a device's line is exactly one of port, tcp, udp")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, port: /dev/ttyUSB0, tcp: {host: 10.0.0.5, port: 9100}}", "tcp:", "devices[0].tcp",
        "give exactly one of port, usbPrinter, tcp, not both port: and tcp:")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, usbPrinter: /dev/usb/lp0, tcp: {host: 10.0.0.5, port: 9100}}", "tcp:", "devices[0].tcp",
        "give exactly one of port, usbPrinter, tcp, not both usbPrinter: and tcp:")]
    [InlineData("devices:\n  - {id: c1, model: caller68, usbPrinter: /dev/usb/lp0, keypads: [{counter: 1, address: 1}]}", "usbPrinter", "devices[0].usbPrinter",
        "usbPrinter is for printers only (the USB printer class, /dev/usb/lp0); a keypad line is on port or tcp")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, usbPrinter: /dev/usb/lp0, address: 1}", "usbPrinter", "displays[0].usbPrinter",
        "usbPrinter is for printers only (the USB printer class, /dev/usb/lp0); a display is on port, tcp or udp")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, udp: {host: 10.0.0.5, port: 9100}}", "udp", "devices[0].udp",
        "udp is for displays only (nothing comes back over UDP, so a printer could not answer); use port, usbPrinter or tcp")]
    [InlineData("devices:\n  - {id: c1, model: caller68, udp: {host: 10.0.0.5, port: 4001}, keypads: [{counter: 1, address: 1}]}", "udp", "devices[0].udp",
        "udp is for displays only (nothing comes back over UDP, so a keypad line could not answer); use port or tcp")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: 10.0.0.5:9100}", "tcp", "devices[0].tcp",
        "must be the device's network address, e.g. `tcp: {host: 192.168.10.21, port: 9100}` (not \"10.0.0.5:9100\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {port: 9100}}", "{port", "devices[0].tcp.host",
        "required key \"host\" is missing (e.g. `host: 192.168.10.21`)")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: , port: 9100}}", "host", "devices[0].tcp.host",
        "needs a value (e.g. `host: 192.168.10.21`)")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: \"\", port: 9100}}", "host", "devices[0].tcp.host",
        "must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 192.168.10, port: 9100}}", "host", "devices[0].tcp.host",
        "must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"192.168.10\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 192.168.10.256, port: 9100}}", "host", "devices[0].tcp.host",
        "must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"192.168.10.256\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: printer_2.lan, port: 9100}}", "host", "devices[0].tcp.host",
        "must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"printer_2.lan\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: \"http://10.0.0.5\", port: 9100}}", "host", "devices[0].tcp.host",
        "must be a host name (e.g. printer-2.branch.lan) or an IP address (e.g. 192.168.10.21) (got \"http://10.0.0.5\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5}}", "{host", "devices[0].tcp.port",
        "required key \"port\" is missing (e.g. `port: 9100`)")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 0}}", "port: 0", "devices[0].tcp.port",
        "must be between 1 and 65535 (got \"0\")")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, udp: {host: 10.0.0.5, port: 70000}, address: 1}", "port: 7", "displays[0].udp.port",
        "must be between 1 and 65535 (got \"70000\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 9100, connectTimeoutMs: 10}}", "connectTimeoutMs", "devices[0].tcp.connectTimeoutMs",
        "must be between 100 and 60000 (got \"10\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 9100, keepAliveSeconds: 0}}", "keepAliveSeconds", "devices[0].tcp.keepAliveSeconds",
        "must be between 1 and 7200 (got \"0\")")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, udp: {host: 10.0.0.5, port: 5005, keepAliveSeconds: 5}, address: 1}", "keepAliveSeconds", "displays[0].udp.keepAliveSeconds",
        "unknown key \"keepAliveSeconds\"; known keys here: host, port")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 9100}, baud: 9600}", "baud", "devices[0].baud",
        "baud is for serial ports (this line is tcp: tcp://10.0.0.5:9100); remove baud:")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, usbPrinter: /dev/usb/lp0, baud: 9600}", "baud", "devices[0].baud",
        "baud is for serial ports (this line is usbPrinter: /dev/usb/lp0); remove baud:")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, udp: {host: 10.0.0.5, port: 5005}, address: 1, baud: 9600}", "baud", "displays[0].baud",
        "baud is for serial ports (this line is udp: udp://10.0.0.5:5005); remove baud:")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, usbPrinter: usb/lp0}", "usbPrinter", "devices[0].usbPrinter",
        "must be an absolute device path such as /dev/usb/lp0 or a udev name such as /dev/ticket-printer (got \"usb/lp0\")")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 9100}}\n  - {id: p2, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 0x238C}}", "tcp: {host: 10.0.0.5, port: 0x238C", "devices[1].tcp",
        "tcp://10.0.0.5:9100 is already used by devices[0]")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, port: /dev/usb/lp0}\n  - {id: p2, model: escpos-80mm, usbPrinter: /dev/usb/lp0}", "usbPrinter", "devices[1].usbPrinter",
        "/dev/usb/lp0 is already used by devices[0]")]
    [InlineData("devices:\n  - {id: p1, model: escpos-80mm, tcp: {host: 10.0.0.5, port: 4001}}\ndisplays:\n  - {id: d1, model: led-counter-1line, tcp: {host: 10.0.0.5, port: 4001}, address: 1}", "tcp: {host: 10.0.0.5, port: 4001}, address", "displays[0].tcp",
        "tcp://10.0.0.5:4001 is already used by devices[0]")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, tcp: {host: 10.0.0.5, port: 4001}, address: 1}\n  - {id: d2, model: led-counter-1line, tcp: {host: 10.0.0.5, port: 4001, connectTimeoutMs: 900}, address: 2}", "tcp: {host: 10.0.0.5, port: 4001, c", "displays[1].tcp",
        "displays on tcp://10.0.0.5:4001 share one connection, so one connectTimeoutMs and keepAliveSeconds (display \"d1\" uses 5000 and 10)")]
    [InlineData("displays:\n  - {id: d1, model: led-counter-1line, udp: {host: 10.0.0.5, port: 5005}, address: 1}\n  - {id: d2, model: led-counter-1line, udp: {host: 10.0.0.5, port: 5005}, address: 0x01}", "address: 0x01", "displays[1].address",
        "address 1 on udp://10.0.0.5:5005 is already used by display \"d1\"")]
    [InlineData("displays:\n  - {id: n1, max7219: {bus: 0, chipSelect: 0, digits: 8}, counter: 1, tcp: {host: 10.0.0.5, port: 4001}}", "tcp", "displays[0].tcp",
        "a MAX7219 display is not on a serial line: remove tcp: (or max7219:)")]
    public void Load_AWrongLine_IsOnePositionedProblemNamingItsField(string hardware, string at, string field, string message)
    {
        string path = Write(Branch + hardware + "\n");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal($"{path}:{Position(path, at)}: {field}: {message}", problem.ToString());
    }

    [Fact]
    public void Load_APrinterWithAWrongLine_IsReportedOnce_NotAgainWhereADispenserOrTheKioskNamesIt()
    {
        string path = Write(Branch + """
            devices:
              - {id: printer-lan, model: escpos-80mm, udp: {host: 192.168.10.21, port: 9100}}
            dispensers:
              - {id: entrance, printer: printer-lan, buttons: [{service: cash}]}
            kiosk: {printer: printer-lan}

            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("devices[0].udp", Assert.Single(e.Problems).Field);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("printer-2")]
    [InlineData("10.0.0.5")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("2001:db8::5")]
    public void TryHost_AcceptsHostNamesAndIpLiterals(string host) => Assert.True(HostCheck(host));

    [Theory]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.5.6")]
    [InlineData("1.2.3.0400")]
    [InlineData("-printer")]
    [InlineData("printer-")]
    [InlineData("a..b")]
    [InlineData("10.0.0.5:9100")]
    [InlineData("printer 2")]
    public void TryHost_RefusesWhatIsNeither(string host) => Assert.False(HostCheck(host));

    private bool HostCheck(string host)
    {
        string path = Write(Branch + $"devices:\n  - {{id: p1, model: escpos-80mm, tcp: {{host: \"{host}\", port: 9100}}}}\n");
        try
        {
            _ = BranchProfileLoader.Load(path);
            return true;
        }
        catch (ProfileException e) when (Assert.Single(e.Problems).Field == "devices[0].tcp.host")
        {
            return false;
        }
    }

    private BranchHardware Load(string hardware) => BranchProfileLoader.Load(Write(Branch + hardware)).Hardware;

    private static string Position(string path, string text) => ProfileFolder.Position(path, text);

    private string Write(string yaml) => _folder.Write(yaml);
}
