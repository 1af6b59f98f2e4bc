using System.Device.Gpio;
using System.Diagnostics;

namespace LobbyEdge.Devices.Gpio;

/// <summary>
/// A TM1637 4-digit 7-segment LED driver on two GPIO lines (CLK, DIO), bit-banged
/// (Titan Micro Electronics TM1637 datasheet V2.4: §7 "Interface interpretation" for start, stop, ack and LSB-first
/// bytes; §8 "Data command", "Address command" and "Display control" for 0x40, 0xC0 and 0x88 | brightness).
/// </summary>
/// <remarks>
/// <para>
/// The bus is not I2C even though it looks like it: no device address, bytes are sent least significant bit first.
/// </para>
/// <para>
/// DIO is open drain on the module (10 kΩ pull-up) and both ends drive it: the host for data, the TM1637 for its
/// ACK, which it pulls low from the falling edge of the 8th clock to the falling edge of the 9th (§7). So DIO is
/// driven only low (an output at 0) and released for high (an input; the pull-up raises it): the host never drives
/// it high against the chip's ACK. CLK is only ever driven by the host and stays a plain output.
/// </para>
/// <para>
/// The clock is kept well under the datasheet's 250 kHz maximum with a few microseconds per half period.
/// </para>
/// </remarks>
public sealed class Tm1637 : IDisposable
{
    /// <summary>Segments per character: bit 0 = a … bit 6 = g, bit 7 = the colon/decimal point.</summary>
    private static readonly Dictionary<char, byte> s_font = new()
    {
        ['0'] = 0x3F,
        ['1'] = 0x06,
        ['2'] = 0x5B,
        ['3'] = 0x4F,
        ['4'] = 0x66,
        ['5'] = 0x6D,
        ['6'] = 0x7D,
        ['7'] = 0x07,
        ['8'] = 0x7F,
        ['9'] = 0x6F,
        ['A'] = 0x77,
        ['b'] = 0x7C,
        ['B'] = 0x7C,
        ['C'] = 0x39,
        ['c'] = 0x58,
        ['d'] = 0x5E,
        ['D'] = 0x5E,
        ['E'] = 0x79,
        ['F'] = 0x71,
        ['H'] = 0x76,
        ['L'] = 0x38,
        ['n'] = 0x54,
        ['N'] = 0x54,
        ['o'] = 0x5C,
        ['O'] = 0x3F,
        ['P'] = 0x73,
        ['r'] = 0x50,
        ['R'] = 0x50,
        ['S'] = 0x6D,
        ['t'] = 0x78,
        ['U'] = 0x3E,
        ['u'] = 0x1C,
        ['V'] = 0x3E,
        ['y'] = 0x6E,
        ['-'] = 0x40,
        ['_'] = 0x08,
        [' '] = 0x00,
    };

    private readonly GpioController _controller;
    private readonly int _clk;
    private readonly int _dio;
    private readonly bool _shouldDispose;
    private readonly double _halfPeriodTicks;
    private bool _dioDriven;

    /// <summary>Opens CLK as an output and DIO released: both high, the bus idle.</summary>
    public Tm1637(GpioController controller, int clockPin, int dataPin, bool shouldDispose = true, int halfPeriodMicroseconds = 5)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _clk = clockPin;
        _dio = dataPin;
        _shouldDispose = shouldDispose;
        _halfPeriodTicks = Stopwatch.Frequency * halfPeriodMicroseconds / 1_000_000.0;
        // Opened high: an output opened low and then raised would be a stray clock pulse.
        controller.OpenPin(clockPin, PinMode.Output, PinValue.High);
        controller.OpenPin(dataPin, PinMode.Input);
    }

    /// <summary>Brightness 0..7 (display control 0x88 | n).</summary>
    public byte Brightness { get; set; } = 4;

    /// <summary>Bytes the display did not acknowledge (a missing or miswired module).</summary>
    public int MissingAcks { get; private set; }

    /// <summary>The segments of a character (unknown characters are blank).</summary>
    public static byte Segments(char c) => s_font.TryGetValue(c, out byte s) ? s : (byte)0;

    /// <summary>Shows up to four characters, right-aligned (<c>"A023"</c>, <c>"PAPr"</c>, <c>"  12"</c>).</summary>
    public void Show(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> segments = stackalloc byte[4];
        int start = Math.Max(0, text.Length - 4);
        int pad = 4 - (text.Length - start);
        for (int i = 0; i < 4; i++)
        {
            segments[i] = i < pad ? (byte)0 : Segments(text[start + i - pad]);
        }

        ShowSegments(segments);
    }

    /// <summary>Writes four digits' segments (datasheet §8: data command 0x40, address 0xC0, 4 bytes, display control).</summary>
    public void ShowSegments(ReadOnlySpan<byte> segments)
    {
        StartCondition();
        WriteByte(0x40);                              // data command: write, auto-increment address
        StopCondition();
        StartCondition();
        WriteByte(0xC0);                              // address command: digit 0
        for (int i = 0; i < 4; i++)
        {
            WriteByte(i < segments.Length ? segments[i] : (byte)0);
        }

        StopCondition();
        StartCondition();
        WriteByte((byte)(0x88 | (Brightness & 0x07))); // display control: on, brightness
        StopCondition();
    }

    /// <summary>Turns the display off (display control 0x80).</summary>
    public void Off()
    {
        StartCondition();
        WriteByte(0x80);
        StopCondition();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }

    // Start: DIO falls while CLK is high (§7, "start signal").
    private void StartCondition()
    {
        Clock(true);
        Data(true);
        Data(false);
    }

    // Stop: DIO rises while CLK is high (§7, "stop signal"); DIO only moves while CLK is low before that.
    private void StopCondition()
    {
        Clock(false);
        Data(false);
        Clock(true);
        Data(true);
    }

    // Data is taken on CLK's rising edge, least significant bit first, and DIO changes only while CLK is low (§7,
    // "data input"). The chip pulls DIO low from the 8th clock's falling edge to the 9th's: DIO is released right
    // as CLK falls after the 8th bit, and read while the 9th clock is high.
    private void WriteByte(byte value)
    {
        for (int bit = 0; bit < 8; bit++)
        {
            Clock(false);
            Data(((value >> bit) & 1) != 0);
            Clock(true);
        }

        _controller.Write(_clk, PinValue.Low);
        Release();
        Delay();
        Clock(true);
        bool ack = _controller.Read(_dio) == PinValue.Low;
        Clock(false);
        if (!ack)
        {
            MissingAcks++;
        }
    }

    private void Clock(bool high)
    {
        _controller.Write(_clk, high ? PinValue.High : PinValue.Low);
        Delay();
    }

    // Open drain: low is driven, high is released to the module's pull-up.
    private void Data(bool high)
    {
        if (high)
        {
            Release();
        }
        else if (!_dioDriven)
        {
            _controller.SetPinMode(_dio, PinMode.Output);
            _controller.Write(_dio, PinValue.Low);
            _dioDriven = true;
        }

        Delay();
    }

    private void Release()
    {
        if (_dioDriven)
        {
            _controller.SetPinMode(_dio, PinMode.Input);
            _dioDriven = false;
        }
    }

    private void Delay()
    {
        long until = Stopwatch.GetTimestamp() + (long)_halfPeriodTicks;
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(4);
        }
    }
}
