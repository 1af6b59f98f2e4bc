using System.Device.Gpio;
using System.Globalization;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>
/// A TM1637 on two pins of a <see cref="FakeGpioDriver"/>, built from the datasheet (Titan Micro TM1637 V2.4, §7
/// "Interface interpretation") rather than from the driver: DIO falling while CLK is high is a start, DIO rising
/// while CLK is high is a stop, a data bit is taken on each CLK rising edge (LSB first), and the chip pulls DIO low
/// from the falling edge of the 8th clock to the falling edge of the 9th (the ACK). Records what it decoded, the
/// wire as a sequence of (CLK, DIO) levels, and every moment the host drove DIO high against its ACK.
/// </summary>
internal sealed class FakeTm1637 : IFakePeripheral
{
    private readonly int _clk;
    private readonly int _dio;
    private bool _clkLevel = true;
    private bool _dioLevel = true;
    private bool _acking;
    private int _clocks;
    private int _byte;

    public FakeTm1637(int clk, int dio)
    {
        _clk = clk;
        _dio = dio;
        Wire.Add((true, true));
    }

    /// <summary>Whether a module is there to answer (false: a missing or miswired module never ACKs).</summary>
    public bool Present { get; set; } = true;

    /// <summary>What the chip decoded: "S" (start), "P" (stop), and each byte as two hex digits.</summary>
    public List<string> Tokens { get; } = [];

    /// <summary>The bus levels (CLK, DIO) after every change, consecutive repeats collapsed.</summary>
    public List<(bool Clk, bool Dio)> Wire { get; } = [];

    /// <summary>Times the host drove DIO high while the chip pulled it low (two outputs fighting).</summary>
    public int Contentions { get; private set; }

    /// <summary>The bytes of each start..stop transaction.</summary>
    public List<byte[]> Transactions()
    {
        var result = new List<byte[]>();
        List<byte>? current = null;
        foreach (string token in Tokens)
        {
            switch (token)
            {
                case "S":
                    current = [];
                    break;
                case "P":
                    if (current is not null)
                    {
                        result.Add([.. current]);
                    }

                    current = null;
                    break;
                default:
                    current?.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    break;
            }
        }

        return result;
    }

    /// <inheritdoc />
    public bool PullsLow(int pin) => pin == _dio && _acking;

    /// <inheritdoc />
    public void WireChanged(FakeGpioDriver driver)
    {
        bool clk = driver.Level(_clk) == PinValue.High;
        if (clk != _clkLevel)
        {
            if (clk)
            {
                // Rising edge: clocks 1..8 carry data, LSB first; the 9th is the ACK's.
                if (_clocks < 8 && driver.Level(_dio) == PinValue.High)
                {
                    _byte |= 1 << _clocks;
                }

                _clocks++;
            }
            else if (_clocks == 8)
            {
                // Falling edge of the 8th clock: the chip answers by pulling DIO low.
                _acking = Present;
            }
            else if (_clocks == 9)
            {
                // Falling edge of the 9th clock: the ACK ends, the byte is done.
                _acking = false;
                Tokens.Add(_byte.ToString("X2", CultureInfo.InvariantCulture));
                _clocks = 0;
                _byte = 0;
            }
        }

        bool dio = driver.Level(_dio) == PinValue.High;
        if (_acking && driver.Driven(_dio) == PinValue.High)
        {
            Contentions++;
        }

        if (clk && _clkLevel && dio != _dioLevel)
        {
            // DIO moved while CLK stayed high: a start (falling) or a stop (rising).
            Tokens.Add(dio ? "P" : "S");
            _clocks = 0;
            _byte = 0;
            _acking = false;
            dio = driver.Level(_dio) == PinValue.High;
        }

        _clkLevel = clk;
        _dioLevel = dio;
        if (Wire[^1] != (clk, dio))
        {
            Wire.Add((clk, dio));
        }
    }
}
