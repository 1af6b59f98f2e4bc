using System.Device.Spi;
using Iot.Device.Max7219;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Gpio;

namespace LobbyEdge.Devices.Segments;

/// <summary>
/// A counter's 7-segment number display on a MAX7219 (SPI), through Iot.Device.Bindings' <see cref="Max7219"/>:
/// shows the number the counter calls, right-aligned on digit 0 (the rightmost on the usual 8-digit module) upwards,
/// dashes while the counter is paused or away, blank when it has nobody called or is closed.
/// </summary>
/// <remarks>
/// Maxim MAX7219 datasheet (19-4452): Table 1 "Serial-Data Format" (16 bits, D11..D8 the register, D7..D0 the
/// data, MSB first, latched on CS's rising edge), Table 2 "Register Address Map" (digit 0..7 at 0x01..0x08, decode
/// mode 0x09, intensity 0x0A, scan limit 0x0B, shutdown 0x0C, display test 0x0F), Table 6 "No-Decode Mode Data Bits"
/// (D7 DP, D6 A, D5 B, D4 C, D3 D, D2 E, D1 F, D0 G). The binding's <see cref="Max7219.Init"/> sets scan limit 7,
/// no-decode, display test off, normal operation, intensity 4, and clears the 8 digits; the profile's brightness is
/// then written to the intensity register. SPI mode 0 at up to 10 MHz (datasheet tCP ≥ 100 ns).
/// </remarks>
public sealed class CounterNumberDisplay : BoardDevice
{
    /// <summary>What a paused or away counter shows.</summary>
    public const string PausedText = "----";

    private readonly SegmentDisplaySetup _setup;
    private readonly Func<SpiDevice> _openSpi;
    private readonly Lock _sync = new();
    private readonly byte[] _wanted = new byte[Max7219.NumDigits];
    private Max7219? _max7219;

    /// <summary>Creates the display; opens nothing yet.</summary>
    /// <param name="setup">From the profile.</param>
    /// <param name="openSpi">Opens the SPI device (<see cref="SpiDevice.Create"/> with <see cref="ConnectionSettings"/>; tests pass a fake).</param>
    /// <param name="observer">Where its status changes go.</param>
    /// <param name="time">The clock.</param>
    public CounterNumberDisplay(SegmentDisplaySetup setup, Func<SpiDevice> openSpi, IDeviceObserver? observer = null, TimeProvider? time = null)
        : base(setup?.Device ?? default, observer, time)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(openSpi);
        _setup = setup;
        _openSpi = openSpi;
    }

    /// <summary>The counter it shows.</summary>
    public int Counter => _setup.Counter;

    /// <summary>The text last recorded by <see cref="Show"/> (what the display shows once the owner task wrote it).</summary>
    public string Text { get; private set; } = "";

    /// <summary>The SPI connection for a setup: its bus and chip select, mode 0, the binding's 10 MHz clock.</summary>
    public static SpiConnectionSettings ConnectionSettings(SegmentDisplaySetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return new SpiConnectionSettings(setup.Bus, setup.ChipSelect) { ClockFrequency = Max7219.SpiClockFrequency, Mode = Max7219.SpiMode };
    }

    /// <summary>What a counter display shows for a display message: the number on a call, recall or while serving.</summary>
    /// <param name="kind">What the counter's display shows (as for the LED displays).</param>
    /// <param name="number">The ticket's printed number, e.g. <c>A023</c>, or empty.</param>
    public static string TextFor(DisplayMessageKind kind, string number) => kind switch
    {
        DisplayMessageKind.Call or DisplayMessageKind.Recall => number,
        DisplayMessageKind.Paused or DisplayMessageKind.Away => PausedText,
        _ => "",
    };

    /// <summary>A character's segments in the MAX7219's no-decode order (Table 6: D7 DP, D6 A … D0 G); unknown is blank.</summary>
    public static byte Segments(char c)
    {
        // The TM1637 font has a in bit 0 … g in bit 6: the MAX7219 wants them the other way round below DP.
        byte abc = Tm1637.Segments(c);
        int result = abc & 0x80;
        for (int bit = 0; bit < 7; bit++)
        {
            if ((abc & (1 << bit)) != 0)
            {
                result |= 1 << (6 - bit);
            }
        }

        return (byte)result;
    }

    /// <summary>
    /// Records what to show: the last <c>digits</c> characters of <paramref name="text"/>, right-aligned (no I/O:
    /// the owner task writes it). Called from the engine loop's sink.
    /// </summary>
    public void Show(ReadOnlySpan<char> text)
    {
        Span<byte> segments = stackalloc byte[Max7219.NumDigits];
        int digits = _setup.Digits;
        for (int i = 0; i < digits && i < text.Length; i++)
        {
            segments[i] = Segments(text[text.Length - 1 - i]);
        }

        lock (_sync)
        {
            if (segments.SequenceEqual(_wanted))
            {
                return;
            }

            segments.CopyTo(_wanted);
            Text = text.ToString();
        }

        Wake();
    }

    /// <inheritdoc />
    protected override string OnlineReason => $"MAX7219 on SPI bus {_setup.Bus} chip select {_setup.ChipSelect}";

    /// <inheritdoc />
    protected override void Open()
    {
        SpiDevice spi = _openSpi();
        var max7219 = new Max7219(spi, cascadedDevices: 1);
        try
        {
            max7219.Init();
            max7219.Brightness(_setup.Brightness);
            _max7219 = max7219;
        }
        catch
        {
            max7219.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected override ValueTask UpdateAsync(CancellationToken cancellationToken)
    {
        if (_max7219 is { } max7219)
        {
            lock (_sync)
            {
                for (int digit = 0; digit < Max7219.NumDigits; digit++)
                {
                    max7219[digit] = _wanted[digit];
                }
            }

            max7219.Flush();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Close()
    {
        _max7219?.Dispose();
        _max7219 = null;
    }
}
