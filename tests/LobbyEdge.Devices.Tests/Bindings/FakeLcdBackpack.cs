namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// An HD44780 behind a PCF8574 backpack, built from the two datasheets rather than from the driver, fed with the
/// bytes the I2C slave received.
/// </summary>
/// <remarks>
/// <para>
/// PCF8574 (NXP PCF8574/PCF8574A datasheet, "Writing to the port (Output mode)"): each byte written sets the port
/// lines P7..P0 to its bits 7..0; at power-on every line is high. The backpack wires P0 to RS, P1 to RW, P2 to E,
/// P3 to the backlight transistor and P4..P7 to DB4..DB7; DB0..DB3 are not connected (read as 0 here).
/// </para>
/// <para>
/// HD44780U (Hitachi ADE-207-272): data is latched on the falling edge of E ("Bus Timing Characteristics", write
/// operation); with RS low it is an instruction (Table 6), with RS high a character for the DDRAM at the address
/// counter, which then moves by the entry mode. At power-on the interface is 8 bits wide; a function set with DL = 0
/// makes it 4 bits, and from then on each byte is two transfers, high nibble first ("Interfacing to the MPU"). The
/// rows of a 2- or 4-line module start at DDRAM 0x00, 0x40, 0x14 and 0x54.
/// </para>
/// </remarks>
internal sealed class FakeLcdBackpack
{
    private static readonly int[] s_rowStarts = [0x00, 0x40, 0x14, 0x54];
    private readonly byte[] _ddram = new byte[0x80];
    private byte _port = 0xFF;
    private int? _highNibble;
    private int _address;
    private bool _increment = true;

    public FakeLcdBackpack() => Array.Fill(_ddram, (byte)' ');

    /// <summary>Whether the interface is 8 bits wide (power-on) or 4.</summary>
    public bool EightBit { get; private set; } = true;

    /// <summary>Whether the display is on (display control, D).</summary>
    public bool DisplayOn { get; private set; }

    /// <summary>Whether the function set asked for two lines (N).</summary>
    public bool TwoLines { get; private set; }

    /// <summary>Every transfer latched on E's falling edge: the 4-bit value on DB7..DB4, RS, RW.</summary>
    public List<(int Nibble, bool Rs, bool Rw)> Latches { get; } = [];

    /// <summary>Every instruction (RS low) and character (RS high) the controller executed, in order.</summary>
    public List<(bool Rs, byte Value)> Executed { get; } = [];

    /// <summary>The port lines after each byte (to check RW and the backlight).</summary>
    public List<byte> Ports { get; } = [];

    /// <summary>The instructions only.</summary>
    public List<byte> Instructions => [.. Executed.Where(e => !e.Rs).Select(e => e.Value)];

    /// <summary>The characters only.</summary>
    public List<byte> Characters => [.. Executed.Where(e => e.Rs).Select(e => e.Value)];

    /// <summary>Feeds the bytes received since the last call.</summary>
    public void Feed(IEnumerable<byte> bytes)
    {
        foreach (byte port in bytes)
        {
            Ports.Add(port);
            bool enableFell = (_port & 0x04) != 0 && (port & 0x04) == 0;
            _port = port;
            if (enableFell)
            {
                Latch(port >> 4, (port & 0x01) != 0, (port & 0x02) != 0);
            }
        }
    }

    /// <summary>What row <paramref name="row"/> shows, <paramref name="columns"/> wide.</summary>
    public string Row(int row, int columns)
    {
        int start = s_rowStarts[row];
        return new string([.. _ddram.AsSpan(start, columns).ToArray().Select(b => (char)b)]);
    }

    private void Latch(int nibble, bool rs, bool rw)
    {
        Latches.Add((nibble, rs, rw));
        if (EightBit)
        {
            Execute(rs, (byte)(nibble << 4));
            return;
        }

        if (_highNibble is not { } high)
        {
            _highNibble = nibble;
            return;
        }

        _highNibble = null;
        Execute(rs, (byte)((high << 4) | nibble));
    }

    private void Execute(bool rs, byte value)
    {
        Executed.Add((rs, value));
        if (rs)
        {
            _ddram[_address & 0x7F] = value;
            _address = (_address + (_increment ? 1 : -1)) & 0x7F;
            return;
        }

        if ((value & 0x80) != 0)
        {
            _address = value & 0x7F;                   // set DDRAM address
        }
        else if ((value & 0x40) != 0)
        {
            // Set CGRAM address: no custom characters are used.
        }
        else if ((value & 0x20) != 0)
        {
            EightBit = (value & 0x10) != 0;            // function set: DL, N, F
            TwoLines = (value & 0x08) != 0;
        }
        else if ((value & 0x10) != 0)
        {
            // Cursor or display shift: not used.
        }
        else if ((value & 0x08) != 0)
        {
            DisplayOn = (value & 0x04) != 0;           // display on/off control: D, C, B
        }
        else if ((value & 0x04) != 0)
        {
            _increment = (value & 0x02) != 0;          // entry mode set: I/D, S
        }
        else if ((value & 0x02) != 0)
        {
            _address = 0;                              // return home
        }
        else if ((value & 0x01) != 0)
        {
            Array.Fill(_ddram, (byte)' ');             // clear display
            _address = 0;
            _increment = true;
        }
    }
}
