using System.Device.I2c;
using LobbyEdge.Devices.Lcd;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The dispenser LCD (Iot.Device.Bindings' Hd44780 over its Pcf8574 driver) against an HD44780-behind-PCF8574 model
/// written from the datasheets (<see cref="FakeLcdBackpack"/>): the 4-bit initialisation of the HD44780U datasheet's
/// Figure 24, the instructions of its Table 6, the backpack's bit mapping, and what the glass then shows.
/// </summary>
public sealed class DispenserLcdTests
{
    private static readonly DeviceInfo s_dispenser = new(3, "door", DeviceKind.Dispenser);
    private static readonly DeviceInfo s_device = new(4, "door/lcd", DeviceKind.CharacterLcd);

    private DispenserNotice _notice = DispenserNotice.TakeTicket;

    [Fact]
    public async Task Open_SendsThe4BitInitialisation_ThenTheNotice_On16x2()
    {
        (DispenserLcd lcd, FakeI2cDevice i2c, RecordingObserver observer) = Make(16, 2);

        Assert.True(await lcd.UpdateOnceAsync());

        var glass = new FakeLcdBackpack();
        glass.Feed(i2c.Written);

        // The Pcf8574 driver first writes 0x00 to the port (power-on: all lines high), so E falls once with DB7..DB4 and
        // RS low: the controller latches 0x00, which is no instruction and does nothing. Then Figure 24: three function
        // sets 0x3 and the 0x2 that selects 4 bits, each one nibble on the 8-bit interface …
        Assert.Equal([(0, false, false), (3, false, false), (3, false, false), (3, false, false), (2, false, false)], glass.Latches.Take(5));

        // … then whole bytes as two nibbles: entry mode without shift (the binding's AutoShift = false), function set
        // 4 bits / 2 lines / 5x8, display on with no cursor, entry mode increment, clear; then the rows' addresses.
        Assert.Equal([0x00, 0x30, 0x30, 0x30, 0x20, 0x04, 0x28, 0x0C, 0x06, 0x01, 0x80, 0xC0], glass.Instructions);
        Assert.False(glass.EightBit);
        Assert.True(glass.TwoLines);
        Assert.True(glass.DisplayOn);
        Assert.Equal(" Take a ticket  ", glass.Row(0, 16));
        Assert.Equal("   Qing quhao   ", glass.Row(1, 16));
        Assert.Equal(DispenserNotice.TakeTicket, lcd.Shown);

        // RW (P1) is never high: the binding only writes. Once switched on, the backlight (P3) stays on.
        Assert.All(glass.Ports, p => Assert.Equal(0, p & 0x02));
        int lit = glass.Ports.FindIndex(p => (p & 0x08) != 0);
        Assert.InRange(lit, 1, 8);
        Assert.All(glass.Ports.Skip(lit), p => Assert.Equal(0x08, p & 0x08));

        DeviceStatusChange up = Assert.Single(observer.Changes);
        Assert.Equal((s_device, DeviceStatus.Online), (up.Device, up.Status));
        Assert.Equal("LCD on I2C bus 1 at 0x27", up.Reason);
    }

    [Fact]
    public async Task PrinterOutOfPaper_ShowsOutOfPaper_AndBackWhenRefilled_WritingOnlyOnAChange()
    {
        (DispenserLcd lcd, FakeI2cDevice i2c, _) = Make(16, 2);
        await lcd.UpdateOnceAsync();
        int afterOpen = i2c.Written.Count;

        await lcd.UpdateOnceAsync();
        Assert.Equal(afterOpen, i2c.Written.Count);    // nothing changed, nothing sent

        _notice = DispenserNotices.For(closed: false, DeviceStatus.PaperOut);
        await lcd.UpdateOnceAsync();

        // Per row: RS low, the address as two nibbles (data, E high, E low each), RS high, 16 characters likewise.
        Assert.InRange(i2c.Written.Count - afterOpen, 2 * 16 * 2, 2 * (1 + 6 + 1 + (16 * 6)));
        var glass = new FakeLcdBackpack();
        glass.Feed(i2c.Written);
        Assert.Equal("  Out of paper  ", glass.Row(0, 16));
        Assert.Equal("    Que zhi     ", glass.Row(1, 16));
        Assert.Equal([0x80, 0xC0], glass.Instructions[^2..]);   // rows rewritten in place: no clear, no flicker

        _notice = DispenserNotices.For(closed: false, DeviceStatus.PaperLow);
        await lcd.UpdateOnceAsync();
        glass = new FakeLcdBackpack();
        glass.Feed(i2c.Written);
        Assert.Equal(" Take a ticket  ", glass.Row(0, 16));
    }

    [Fact]
    public async Task On20x4_TheRowsAreAtTheModulesDdramAddresses_AndTheLowerRowsBlank()
    {
        (DispenserLcd lcd, FakeI2cDevice i2c, _) = Make(20, 4);
        _notice = DispenserNotice.Closed;

        await lcd.UpdateOnceAsync();

        var glass = new FakeLcdBackpack();
        glass.Feed(i2c.Written);
        Assert.Equal([0x80, 0xC0, 0x94, 0xD4], glass.Instructions[^4..]);
        Assert.Equal("       Closed       ", glass.Row(0, 20));
        Assert.Equal("   Zanting quhao    ", glass.Row(1, 20));
        Assert.Equal(new string(' ', 20), glass.Row(2, 20));
        Assert.Equal(new string(' ', 20), glass.Row(3, 20));
    }

    [Theory]
    [InlineData(false, null, DispenserNotice.TakeTicket)]
    [InlineData(false, DeviceStatus.Online, DispenserNotice.TakeTicket)]
    [InlineData(false, DeviceStatus.PaperLow, DispenserNotice.TakeTicket)]
    [InlineData(false, DeviceStatus.PaperOut, DispenserNotice.OutOfPaper)]
    [InlineData(false, DeviceStatus.CoverOpen, DispenserNotice.CoverOpen)]
    [InlineData(false, DeviceStatus.Offline, DispenserNotice.PrinterOffline)]
    [InlineData(false, DeviceStatus.Error, DispenserNotice.PrinterFault)]
    [InlineData(true, DeviceStatus.PaperOut, DispenserNotice.Closed)]
    [InlineData(true, null, DispenserNotice.Closed)]
    public void Notice_FollowsTheDispensersState_ClosedFirst(bool closed, DeviceStatus? printer, DispenserNotice expected) =>
        Assert.Equal(expected, DispenserNotices.For(closed, printer));

    [Fact]
    public void EveryNotice_FitsSixteenColumns_InCharactersEveryRomDrawsAlike()
    {
        // The design decision of Lcd/README.md: no CJK on the glass (neither the A00 nor the A02 ROM has it), English
        // and pinyin in 0x20..0x7D without 0x5C (A00 draws it as a yen sign), centred on 16 columns or more.
        foreach (DispenserNotice notice in Enum.GetValues<DispenserNotice>())
        {
            foreach ((int columns, int rows) in new[] { (16, 1), (16, 2), (20, 4), (40, 2) })
            {
                string[] lines = DispenserNotices.Rows(notice, columns, rows);
                Assert.Equal(rows, lines.Length);
                Assert.All(lines, l => Assert.Equal(columns, l.Length));
                Assert.All(lines.SelectMany(l => l), c => Assert.True(c is >= ' ' and <= '}' and not '\\', $"{notice}: '{c}'"));
                Assert.Equal(DispenserNotices.English(notice), lines[0].Trim());
                if (rows > 1)
                {
                    Assert.Equal(DispenserNotices.Pinyin(notice), lines[1].Trim());
                }
            }

            Assert.InRange(DispenserNotices.English(notice).Length, 1, 16);
            Assert.InRange(DispenserNotices.Pinyin(notice).Length, 1, 16);
            Assert.True(DispenserNotices.Chinese(notice).All(c => c > 0x7F), "the Chinese notice is for the log and README only");
        }
    }

    [Fact]
    public async Task BackpackThatDoesNotAnswer_IsReportedDown_ThenUpAgainWithAFreshInitialisation()
    {
        var observer = new RecordingObserver();
        var settings = new I2cConnectionSettings(1, 0x27);
        var opened = new List<FakeI2cDevice>();
        bool answers = false;
        var lcd = new DispenserLcd(Setup(16, 2), () =>
        {
            var device = new FakeI2cDevice(settings) { Answers = answers };
            opened.Add(device);
            return device;
        }, () => _notice, observer);

        Assert.False(await lcd.UpdateOnceAsync());
        DeviceStatusChange down = Assert.Single(observer.Changes);
        Assert.Equal(DeviceStatus.Offline, down.Status);
        Assert.Contains("Error 121", down.Reason, StringComparison.Ordinal);
        Assert.True(opened[0].Disposed);
        Assert.False(await lcd.UpdateOnceAsync());
        Assert.Single(observer.Changes);               // still down: reported once

        answers = true;
        Assert.True(await lcd.UpdateOnceAsync());
        Assert.Equal([DeviceStatus.Offline, DeviceStatus.Online], observer.Changes.Select(c => c.Status));
        var glass = new FakeLcdBackpack();
        glass.Feed(opened[^1].Written);
        Assert.Equal([0x00, 0x30, 0x30, 0x30, 0x20], glass.Instructions.Take(5));
        Assert.Equal(" Take a ticket  ", glass.Row(0, 16));

        // Unplugged while running: down, and the device closed.
        opened[^1].Answers = false;
        _notice = DispenserNotice.OutOfPaper;
        Assert.False(await lcd.UpdateOnceAsync());
        Assert.Equal(DeviceStatus.Offline, observer.Changes[^1].Status);
        Assert.True(opened[^1].Disposed);
        Assert.Null(lcd.Shown);
        await lcd.DisposeAsync();
    }

    private static CharacterLcdSetup Setup(int columns, int rows) => new(s_device, s_dispenser, 1, 0x27, columns, rows);

    private (DispenserLcd Lcd, FakeI2cDevice I2c, RecordingObserver Observer) Make(int columns, int rows)
    {
        CharacterLcdSetup setup = Setup(columns, rows);
        var i2c = new FakeI2cDevice(DispenserLcd.ConnectionSettings(setup));
        var observer = new RecordingObserver();
        return (new DispenserLcd(setup, () => i2c, () => _notice, observer), i2c, observer);
    }
}
