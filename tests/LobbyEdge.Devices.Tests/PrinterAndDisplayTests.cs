using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

public sealed class PrinterConditionTests
{
    [Theory]
    [InlineData(4, 0x12, DeviceStatus.Online)]
    [InlineData(4, 0x1E, DeviceStatus.PaperLow)]
    [InlineData(4, 0x72, DeviceStatus.PaperOut)]
    [InlineData(2, 0x16, DeviceStatus.CoverOpen)]
    [InlineData(2, 0x32, DeviceStatus.PaperOut)]
    [InlineData(2, 0x52, DeviceStatus.Error)]
    [InlineData(1, 0x1A, DeviceStatus.Offline)]
    public void RealTimeStatus_GivesDeviceStatus(byte n, byte reply, DeviceStatus expected)
    {
        Assert.True(PrinterCondition.IsRealTimeStatus(reply));
        PrinterCondition condition = new PrinterCondition { Responding = true }.WithRealTimeStatus(n, reply);
        Assert.Equal(expected, condition.Status);
        Assert.Equal(expected is DeviceStatus.Online or DeviceStatus.PaperLow, condition.CanPrint);
    }

    [Fact]
    public void AutomaticStatusBack_CoverOpenAndPaperEnd()
    {
        byte[] asb = [0x30, 0x00, 0x0C, 0x00];
        Assert.True(PrinterCondition.IsAsbFirstByte(asb[0]));
        Assert.False(PrinterCondition.IsRealTimeStatus(asb[0]));
        PrinterCondition c = default(PrinterCondition).WithAutomaticStatusBack(asb);
        Assert.True(c.CoverOpen);
        Assert.True(c.PaperEnd);
        Assert.Equal(DeviceStatus.CoverOpen, c.Status);
        Assert.Equal(DeviceStatus.Error, default(PrinterCondition).WithAutomaticStatusBack([0x10, 0x08, 0x00, 0x00]).Status);
    }

    /// <summary>A demo branch's ticket A023 (id 22), 5 people ahead, about 6-11 min, issued 2026-11-23 09:42.</summary>
    internal static TicketContent SampleTicket() => new()
    {
        BranchName = "Demo Branch",
        BranchNameZh = "演示网点",
        ServiceName = "Personal cash",
        ServiceNameZh = "个人现金",
        Number = "A023",
        PeopleAhead = 5,
        TypicalWait = TimeSpan.FromMinutes(6),
        UpperWait = TimeSpan.FromMinutes(10.2),
        IssuedLocal = new DateTime(2026, 11, 23, 9, 42, 0),
        QrData = TicketContent.QrFor("demo-001", new DateOnly(2026, 11, 23), 22, "A023"),
    };

    [Fact]
    public async Task Ticket_RenderedAndReadBack_HasNumberWaitRangeAndQr()
    {
        TicketContent content = SampleTicket();
        var printer = new VirtualPrinter();
        var pipe = new System.IO.Pipelines.Pipe();
        var run = printer.RunAsync(new DuplexStream(pipe.Reader.AsStream(), Stream.Null), CancellationToken.None);
        await pipe.Writer.WriteAsync(TicketLayout.Render(content));
        string? ticket = await printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(10));
        await pipe.Writer.CompleteAsync();
        await run;
        Assert.NotNull(ticket);
        Assert.Contains("演示网点", ticket);
        Assert.Contains("A023", ticket);
        Assert.Contains("约 6-11 分钟 / about 6-11 min", ticket);
        Assert.Contains("前面还有 5 人 / 5 people ahead", ticket);
        Assert.Contains("2026-11-23 09:42", ticket);
        Assert.Contains("[QR lobby-edge:demo-001:20261123:22:A023]", ticket);
    }
}

public sealed class DisplayModelTests
{
    private static string Models => Path.Combine(AppContext.BaseDirectory, "devices");

    [Fact]
    public void Crc16Modbus_KnownVector()
    {
        Assert.Equal(0x4B37u, DisplayModel.Compute(ChecksumKind.Crc16Modbus, "123456789"u8));
        Assert.Equal(0x2Du, DisplayModel.Compute(ChecksumKind.Sum8, [0x01, 0x02, 0x2A]));
        Assert.Equal(0x29u, DisplayModel.Compute(ChecksumKind.Xor8, [0x01, 0x02, 0x2A]));
    }

    [Fact]
    public void CounterDisplay_FrameIsAsDocumented_AndDecodesBack()
    {
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Path.Combine(Models, "led-counter-1line.yaml"));
        byte[] frame = new byte[64];
        int n = model.Encode(3, new DisplayText(["A023"], Blink: true), 0, frame);
        byte[] expectedStart = [0x02, (byte)'0', (byte)'3', (byte)'1', .. "  A023  "u8];
        Assert.Equal(expectedStart, frame[..12]);
        Assert.Equal(0x03, frame[n - 1]);
        Assert.True(model.TryDecode(frame.AsSpan(0, n), out DecodedDisplayFrame? decoded));
        Assert.Equal(3, decoded!.Address);
        Assert.True(decoded.Blink);
        Assert.Equal("A023", decoded.Texts[1]);

        frame[5] ^= 0x01;
        Assert.False(model.TryDecode(frame.AsSpan(0, n), out _));
    }

    [Fact]
    public void MainDisplay_FramePerLine_Gb2312_Crc_RoundTrips()
    {
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Path.Combine(Models, "led-main-4line.yaml"));
        Assert.True(model.FramePerLine);
        var text = new DisplayText(["请 A023 到 3 号窗口", "A023 -> 3", "", "等候人数 Waiting: 12"], Blink: false);
        byte[] frame = new byte[256];
        for (int line = 0; line < 4; line++)
        {
            int n = model.Encode(20, text, line, frame);
            Assert.True(model.TryDecode(frame.AsSpan(0, n), out DecodedDisplayFrame? decoded));
            Assert.Equal(line, decoded!.Line);
            Assert.Equal(text.Lines[line], decoded.Texts[0]);
            Assert.Equal(n, decoded.Length);
        }
    }

    [Fact]
    public void ThirdModel_IsAddedByAProfileAlone()
    {
        // A vendor with hex-ASCII addressing, a two-byte big-endian length that counts itself, a sum8 checksum
        // sent as three decimal digits and right-aligned 12-byte GB18030 text.
        string dir = Directory.CreateTempSubdirectory("le-model").FullName;
        string file = Path.Combine(dir, "vendor-x.yaml");
        File.WriteAllText(file, """
            kind: display
            encoding: gb18030
            frame:
              - bytes: "7E 7E"
              - address: {format: hex, size: 2}
              - length: {format: binary, size: 2, order: high-first, from: length, to: text, add: 0}
              - text: {width: 12, align: right, pad: 0x2E}
              - checksum: {kind: sum8, format: decimal, from: address, to: text}
            messages:
              call: {text: ["{number}号"], blink: true}
              idle: {text: ["欢迎"]}
            """);
        Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(file));   // a length covering itself is refused …
        File.WriteAllText(file, File.ReadAllText(file).Replace("from: length, to: text", "from: text, to: text"));
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(file);                        // … its fix loads
        var values = new DisplayValues { Number = "B105" };
        DisplayText text = model.Messages[DisplayMessageKind.Call].Render(values);
        byte[] frame = new byte[64];
        int n = model.Encode(0x1F, text, 0, frame);
        Assert.Equal("1F"u8.ToArray(), frame[2..4]);
        Assert.Equal(new byte[] { 0, 12 }, frame[4..6]);
        Assert.True(model.TryDecode(frame.AsSpan(0, n), out DecodedDisplayFrame? decoded));
        Assert.Equal("B105号", decoded!.Texts[1]);
    }

    [Fact]
    public void BadTemplate_IsRefusedWithLineAndField()
    {
        string dir = Directory.CreateTempSubdirectory("le-model").FullName;
        string file = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(file, """
            kind: display
            encoding: ascii
            frame:
              - bytes: [0x02]
              - text: {}
              - checksum: {kind: crc16, from: adress, to: text}
            messages:
              call: {text: ["{numbr}"]}
              idle: {text: ["请"]}
            """);
        var e = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(file));
        Assert.Contains("bad.yaml:6:", e.Message);
        Assert.Contains("bad.yaml:6:16: frame[2].checksum.kind: \"crc16\" is ambiguous: manuals use it for crc16-ccitt-false", e.Message);
        Assert.Contains("frame[2].checksum.from: unknown element \"adress\"", e.Message);
        Assert.Contains("frame[1].text.width: text without a width needs a length field", e.Message);
    }
}
