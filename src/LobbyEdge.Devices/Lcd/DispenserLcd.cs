using System.Device.Gpio;
using System.Device.I2c;
using System.Drawing;
using Iot.Device.CharacterLcd;
using Iot.Device.Pcx857x;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Lcd;

/// <summary>What a dispenser's LCD tells the customer, from the dispenser's state.</summary>
public enum DispenserNotice : byte
{
    /// <summary>请取号 · Take a ticket: the dispenser can issue.</summary>
    TakeTicket = 0,

    /// <summary>缺纸 · Out of paper.</summary>
    OutOfPaper,

    /// <summary>打印机开盖 · Printer open: the printer's cover is open.</summary>
    CoverOpen,

    /// <summary>暂停服务 · Out of service: the printer is off line or does not answer.</summary>
    PrinterOffline,

    /// <summary>故障 · Out of order: any other printer fault (cutter, …).</summary>
    PrinterFault,

    /// <summary>暂停取号 · Closed: the day is not open, or ticketing has closed for today.</summary>
    Closed,
}

/// <summary>
/// The notices' words. An HD44780's character ROM has no Chinese (the A00 ROM has ASCII and katakana, the A02 ROM
/// ASCII and European letters) and only 8 user-defined 5×8 characters, too few for 请取号 at a readable size; so the
/// LCD shows the English notice on its first row and the Chinese notice in pinyin (Latin letters, which both ROMs
/// have) on its second. Every character is in 0x20..0x7D and not 0x5C, which the two ROMs draw alike (A00 draws
/// 0x5C as ¥). The Chinese characters themselves are on the ticket and the LED displays.
/// </summary>
public static class DispenserNotices
{
    /// <summary>The notice for a dispenser's state; closed comes first, then the printer's status.</summary>
    /// <param name="closed">The day is not open or ticketing has closed.</param>
    /// <param name="printer">The printer's status, or null when the dispenser has no printer.</param>
    public static DispenserNotice For(bool closed, DeviceStatus? printer) => closed ? DispenserNotice.Closed : printer switch
    {
        DeviceStatus.PaperOut => DispenserNotice.OutOfPaper,
        DeviceStatus.CoverOpen => DispenserNotice.CoverOpen,
        DeviceStatus.Offline => DispenserNotice.PrinterOffline,
        DeviceStatus.Error => DispenserNotice.PrinterFault,
        _ => DispenserNotice.TakeTicket,
    };

    /// <summary>The notice in English (first row), at most 16 characters.</summary>
    public static string English(DispenserNotice notice) => notice switch
    {
        DispenserNotice.OutOfPaper => "Out of paper",
        DispenserNotice.CoverOpen => "Printer open",
        DispenserNotice.PrinterOffline => "Out of service",
        DispenserNotice.PrinterFault => "Out of order",
        DispenserNotice.Closed => "Closed",
        _ => "Take a ticket",
    };

    /// <summary>The Chinese notice in pinyin without tone marks (second row), at most 16 characters.</summary>
    public static string Pinyin(DispenserNotice notice) => notice switch
    {
        DispenserNotice.OutOfPaper => "Que zhi",
        DispenserNotice.CoverOpen => "Dayinji kaigai",
        DispenserNotice.PrinterOffline => "Zanting fuwu",
        DispenserNotice.PrinterFault => "Guzhang",
        DispenserNotice.Closed => "Zanting quhao",
        _ => "Qing quhao",
    };

    /// <summary>The Chinese notice (for the log and the README; the LCD cannot draw it).</summary>
    public static string Chinese(DispenserNotice notice) => notice switch
    {
        DispenserNotice.OutOfPaper => "缺纸",
        DispenserNotice.CoverOpen => "打印机开盖",
        DispenserNotice.PrinterOffline => "暂停服务",
        DispenserNotice.PrinterFault => "故障",
        DispenserNotice.Closed => "暂停取号",
        _ => "请取号",
    };

    /// <summary>
    /// The LCD's rows for a notice: English on row 0, pinyin on row 1 (a 1-row LCD shows the English only), each
    /// centred and padded with spaces to <paramref name="columns"/>; further rows blank.
    /// </summary>
    public static string[] Rows(DispenserNotice notice, int columns, int rows)
    {
        var result = new string[rows];
        for (int r = 0; r < rows; r++)
        {
            string text = r switch
            {
                0 => English(notice),
                1 => Pinyin(notice),
                _ => "",
            };
            text = text.Length > columns ? text[..columns] : text;
            int left = (columns - text.Length) / 2;
            result[r] = new string(' ', left) + text + new string(' ', columns - text.Length - left);
        }

        return result;
    }
}

/// <summary>
/// A dispenser's character LCD: an HD44780 (or compatible) behind the common PCF8574 I2C backpack, through
/// Iot.Device.Bindings: <see cref="Pcf8574"/> as the GPIO driver and <see cref="Hd44780"/> over its 4-bit GPIO
/// interface, wired as the binding's PCF8574T sample has it (P0 RS, P1 RW, P2 E, P3 backlight, P4..P7 D4..D7).
/// Shows the dispenser's <see cref="DispenserNotice"/>: the owner task asks for it on every wake-up and every
/// 250 ms (ticketing closes by the clock, with no event) and writes the rows only when the notice changed.
/// </summary>
/// <remarks>
/// HD44780U datasheet (Hitachi ADE-207-272): Figure 24 "4-Bit Interface" for the initialisation the binding sends
/// (0x3, 0x3, 0x3, 0x2 as single nibbles, then function set 0x28), Table 6 for the instructions (clear 0x01, entry
/// mode 0x06, display on 0x0C, set DDRAM address 0x80 | address) and "Display Data RAM" for the rows' addresses
/// (0x00 and 0x40 on two lines; a 20×4 module continues them at 0x14 and 0x54).
/// </remarks>
public sealed class DispenserLcd : BoardDevice
{
    /// <summary>The PCF8574 port bit for RS, RW, E, the backlight and D4..D7 (the binding's PCF8574T sample).</summary>
    public const int RegisterSelectPin = 0;

    /// <summary>RW: held low (write).</summary>
    public const int ReadWritePin = 1;

    /// <summary>E: data is latched on its falling edge.</summary>
    public const int EnablePin = 2;

    /// <summary>The backlight transistor: high is on.</summary>
    public const int BacklightPin = 3;

    private static readonly int[] s_dataPins = [4, 5, 6, 7];

    private readonly CharacterLcdSetup _setup;
    private readonly Func<I2cDevice> _openI2c;
    private readonly Func<DispenserNotice> _notice;
    private Hd44780? _lcd;
    private DispenserNotice? _shown;

    /// <summary>Creates the LCD; opens nothing yet.</summary>
    /// <param name="setup">From the profile.</param>
    /// <param name="openI2c">Opens the backpack's I2C device (<see cref="I2cDevice.Create"/>; tests pass a fake).</param>
    /// <param name="notice">What the dispenser's state says now (called on the owner task).</param>
    /// <param name="observer">Where its status changes go.</param>
    /// <param name="time">The clock.</param>
    public DispenserLcd(CharacterLcdSetup setup, Func<I2cDevice> openI2c, Func<DispenserNotice> notice, IDeviceObserver? observer = null, TimeProvider? time = null)
        : base(setup?.Device ?? default, observer, time)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(openI2c);
        ArgumentNullException.ThrowIfNull(notice);
        _setup = setup;
        _openI2c = openI2c;
        _notice = notice;
    }

    /// <summary>The notice on the glass now (null before the first write).</summary>
    public DispenserNotice? Shown => _shown;

    /// <summary>The I2C connection of a setup: its bus and address.</summary>
    public static I2cConnectionSettings ConnectionSettings(CharacterLcdSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return new I2cConnectionSettings(setup.Bus, setup.Address);
    }

    /// <summary>Asks the owner task to look at the dispenser's state now (a printer or the day changed).</summary>
    public void Refresh() => Wake();

    /// <inheritdoc />
    protected override TimeSpan IdleInterval => TimeSpan.FromMilliseconds(250);

    /// <inheritdoc />
    protected override string OnlineReason => $"LCD on I2C bus {_setup.Bus} at 0x{_setup.Address:X2}";

    /// <inheritdoc />
    protected override void Open()
    {
        I2cDevice i2c = _openI2c();
        try
        {
            var controller = new GpioController(new Pcf8574(i2c));
            LcdInterface bus = LcdInterface.CreateGpio(RegisterSelectPin, EnablePin, s_dataPins, BacklightPin, 1.0f, ReadWritePin, controller, shouldDispose: true);
            _lcd = new Hd44780(new Size(_setup.Columns, _setup.Rows), bus);
            _shown = null;
        }
        catch
        {
            i2c.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected override ValueTask UpdateAsync(CancellationToken cancellationToken)
    {
        DispenserNotice notice = _notice();
        if (notice != _shown && _lcd is { } lcd)
        {
            string[] rows = DispenserNotices.Rows(notice, _setup.Columns, _setup.Rows);
            for (int r = 0; r < rows.Length; r++)
            {
                lcd.SetCursorPosition(0, r);
                lcd.Write(rows[r]);
            }

            _shown = notice;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Close()
    {
        // Disposes the 4-bit interface, its GpioController, the Pcf8574 and the I2C device.
        _lcd?.Dispose();
        _lcd = null;
        _shown = null;
    }
}
