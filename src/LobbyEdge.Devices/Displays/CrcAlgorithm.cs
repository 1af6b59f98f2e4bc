using System.Globalization;

namespace LobbyEdge.Devices.Displays;

/// <summary>
/// A CRC given by the Rocksoft/Williams parameters the CRC RevEng catalogue uses (<c>width</c>, <c>poly</c>,
/// <c>init</c>, <c>refin</c>, <c>refout</c>, <c>xorout</c>), for any width from 1 to 32 bits. The byte table is
/// built once, when the model is loaded, so <see cref="Compute"/> allocates nothing. Ours: the local package feed
/// has no parameterised CRC-8/16 library (System.IO.Hashing has CRC-32 and CRC-64 only).
/// </summary>
public sealed class CrcAlgorithm
{
    private static readonly CrcAlgorithm[] s_presets =
    [
        Preset("crc8", "CRC-8/SMBUS", 8, 0x07, 0x00, false, false, 0x00, ["crc8-smbus"]),
        Preset("crc8-maxim", "CRC-8/MAXIM-DOW", 8, 0x31, 0x00, true, true, 0x00, ["crc8-maxim-dow", "crc8-dallas"]),
        Preset("crc8-itu", "CRC-8/I-432-1", 8, 0x07, 0x00, false, false, 0x55, ["crc8-i-432-1"]),
        Preset("crc8-rohc", "CRC-8/ROHC", 8, 0x07, 0xFF, true, true, 0x00, []),
        Preset("crc16-modbus", "CRC-16/MODBUS", 16, 0x8005, 0xFFFF, true, true, 0x0000, []),
        Preset("crc16-arc", "CRC-16/ARC", 16, 0x8005, 0x0000, true, true, 0x0000, ["crc16-ibm"]),
        Preset("crc16-usb", "CRC-16/USB", 16, 0x8005, 0xFFFF, true, true, 0xFFFF, []),
        Preset("crc16-xmodem", "CRC-16/XMODEM", 16, 0x1021, 0x0000, false, false, 0x0000, []),
        Preset("crc16-ccitt-false", "CRC-16/IBM-3740", 16, 0x1021, 0xFFFF, false, false, 0x0000, ["crc16-ibm-3740", "crc16-autosar"]),
        Preset("crc16-kermit", "CRC-16/KERMIT", 16, 0x1021, 0x0000, true, true, 0x0000, []),
        Preset("crc16-x25", "CRC-16/IBM-SDLC", 16, 0x1021, 0xFFFF, true, true, 0xFFFF, ["crc16-ibm-sdlc"]),
        Preset("crc16-mcrf4xx", "CRC-16/MCRF4XX", 16, 0x1021, 0xFFFF, true, true, 0x0000, []),
        Preset("crc16-genibus", "CRC-16/GENIBUS", 16, 0x1021, 0xFFFF, false, false, 0xFFFF, []),
        Preset("crc32", "CRC-32/ISO-HDLC", 32, 0x04C11DB7, 0xFFFFFFFF, true, true, 0xFFFFFFFF, ["crc32-iso-hdlc"]),
        Preset("crc32-bzip2", "CRC-32/BZIP2", 32, 0x04C11DB7, 0xFFFFFFFF, false, false, 0xFFFFFFFF, []),
        Preset("crc32-mpeg2", "CRC-32/MPEG-2", 32, 0x04C11DB7, 0xFFFFFFFF, false, false, 0x00000000, []),
        Preset("crc32c", "CRC-32/ISCSI", 32, 0x1EDC6F41, 0xFFFFFFFF, true, true, 0xFFFFFFFF, ["crc32-iscsi"]),
    ];

    private readonly uint[] _table = new uint[256];
    private readonly uint _mask;
    private readonly uint _start;

    /// <summary>Creates a CRC from its catalogue parameters and builds its byte table.</summary>
    /// <param name="name">A name for logs and docs (a preset's profile name, or <c>crc</c>).</param>
    /// <param name="width">Bits, 1..32.</param>
    /// <param name="poly">The generator polynomial without its top bit, as the catalogue writes it (odd, fits in <paramref name="width"/>).</param>
    /// <param name="init">The register's start value (fits in <paramref name="width"/>).</param>
    /// <param name="refIn">Whether each input byte is taken least significant bit first.</param>
    /// <param name="refOut">Whether the register is reflected before the final XOR.</param>
    /// <param name="xorOut">XORed into the result (fits in <paramref name="width"/>).</param>
    /// <exception cref="ArgumentException">A parameter is out of range (<see cref="Validate"/> says which).</exception>
    public CrcAlgorithm(string name, int width, uint poly, uint init, bool refIn, bool refOut, uint xorOut)
    {
        if (Validate(width, poly, init, xorOut) is { } problem)
        {
            throw new ArgumentException($"{problem.Field}: {problem.Message}", problem.Field);
        }

        Name = name;
        Width = width;
        Poly = poly;
        Init = init;
        RefIn = refIn;
        RefOut = refOut;
        XorOut = xorOut;
        _mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
        _start = refIn ? Reflect(init, width) : init << (32 - width);
        if (refIn)
        {
            // The register holds the reflected CRC in its low bits; bytes go in at the bottom.
            uint reflected = Reflect(poly, width);
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int bit = 0; bit < 8; bit++)
                {
                    c = (c & 1) != 0 ? (c >> 1) ^ reflected : c >> 1;
                }

                _table[i] = c;
            }
        }
        else
        {
            // The register is kept left-aligned in 32 bits, so every width from 1 to 32 shifts the same way.
            uint aligned = poly << (32 - width);
            for (uint i = 0; i < 256; i++)
            {
                uint c = i << 24;
                for (int bit = 0; bit < 8; bit++)
                {
                    c = (c & 0x8000_0000) != 0 ? (c << 1) ^ aligned : c << 1;
                }

                _table[i] = c;
            }
        }
    }

    /// <summary>The presets, by their profile names (see <see cref="TryGetPreset"/> for aliases).</summary>
    public static IReadOnlyList<CrcAlgorithm> Presets => s_presets;

    /// <summary>CRC-16/MODBUS (poly 0x8005 reflected, init 0xFFFF, no final XOR).</summary>
    public static CrcAlgorithm Modbus { get; } = s_presets.First(p => p.Name == "crc16-modbus");

    /// <summary>The profile name: a preset's (<c>crc16-xmodem</c>) or <c>crc</c> for one given by parameters.</summary>
    public string Name { get; }

    /// <summary>The CRC RevEng catalogue's name for a preset (<c>CRC-16/XMODEM</c>), or null.</summary>
    public string? CatalogueName { get; private init; }

    /// <summary>Other names the preset is known by in manuals (<c>crc16-ibm-3740</c>).</summary>
    public IReadOnlyList<string> Aliases { get; private init; } = [];

    /// <summary>Bits, 1..32.</summary>
    public int Width { get; }

    /// <summary>The generator polynomial without its top bit (normal form, as the catalogue writes it).</summary>
    public uint Poly { get; }

    /// <summary>The register's start value.</summary>
    public uint Init { get; }

    /// <summary>Whether input bytes are reflected (least significant bit first).</summary>
    public bool RefIn { get; }

    /// <summary>Whether the result is reflected before the final XOR.</summary>
    public bool RefOut { get; }

    /// <summary>XORed into the result.</summary>
    public uint XorOut { get; }

    /// <summary>The CRC of the ASCII bytes <c>"123456789"</c>: the catalogue's <c>check</c> value.</summary>
    public uint Check => Compute("123456789"u8);

    /// <summary>Bytes the value takes in binary: <c>ceil(width / 8)</c>.</summary>
    public int Bytes => (Width + 7) / 8;

    /// <summary>
    /// What is wrong with a set of parameters, or null when they make a CRC: width 1..32, poly odd (the catalogue's
    /// polynomials all have the x^0 term) and within the width, init and xorout within the width.
    /// </summary>
    /// <returns>The parameter's profile key (<c>width</c>, <c>poly</c>, <c>init</c>, <c>xorout</c>) and what is wrong.</returns>
    public static (string Field, string Message)? Validate(int width, ulong poly, ulong init, ulong xorOut)
    {
        if (width is < 1 or > 32)
        {
            return ("width", string.Create(CultureInfo.InvariantCulture, $"must be between 1 and 32 bits (got {width})"));
        }

        ulong max = (1UL << width) - 1;
        string digits = string.Create(CultureInfo.InvariantCulture, $"0x{max.ToString("X", CultureInfo.InvariantCulture)}");
        if (poly > max)
        {
            return ("poly", string.Create(CultureInfo.InvariantCulture, $"0x{poly:X} does not fit in {width} bits (at most {digits}); write the polynomial without its top bit, as the CRC catalogue does (CRC-16/CCITT is 0x1021, not 0x11021)"));
        }

        if ((poly & 1) == 0)
        {
            return ("poly", string.Create(CultureInfo.InvariantCulture, $"0x{poly:X} is even: a CRC polynomial has the x^0 term; a reversed (reflected) form such as 0xA001 or 0x8408 is written as its normal form (0x8005, 0x1021) with refin: true and refout: true"));
        }

        if (init > max)
        {
            return ("init", string.Create(CultureInfo.InvariantCulture, $"0x{init:X} does not fit in {width} bits (at most {digits})"));
        }

        if (xorOut > max)
        {
            return ("xorout", string.Create(CultureInfo.InvariantCulture, $"0x{xorOut:X} does not fit in {width} bits (at most {digits})"));
        }

        return null;
    }

    /// <summary>A preset by its profile name or an alias (lower case, e.g. <c>crc16-ccitt-false</c>); false when unknown.</summary>
    public static bool TryGetPreset(string name, out CrcAlgorithm preset)
    {
        foreach (CrcAlgorithm p in s_presets)
        {
            if (p.Name == name || p.Aliases.Contains(name))
            {
                preset = p;
                return true;
            }
        }

        preset = Modbus;
        return false;
    }

    /// <summary>Every name a preset answers to (profile names and aliases).</summary>
    public static IEnumerable<string> PresetNames() => s_presets.SelectMany(p => p.Aliases.Prepend(p.Name));

    /// <summary>The CRC of some bytes, right-aligned in <see cref="Width"/> bits. Allocates nothing.</summary>
    public uint Compute(ReadOnlySpan<byte> bytes)
    {
        uint result;
        if (RefIn)
        {
            uint reg = _start;
            foreach (byte b in bytes)
            {
                reg = (reg >> 8) ^ _table[(reg ^ b) & 0xFF];
            }

            // reg is the reflected register; the catalogue's unreflected register is its mirror.
            result = RefOut ? reg : Reflect(reg, Width);
        }
        else
        {
            uint reg = _start;
            foreach (byte b in bytes)
            {
                reg = (reg << 8) ^ _table[(reg >> 24) ^ b];
            }

            reg >>= 32 - Width;
            result = RefOut ? Reflect(reg, Width) : reg;
        }

        return (result ^ XorOut) & _mask;
    }

    /// <summary>The parameters as the catalogue writes them, for logs and docs.</summary>
    public override string ToString()
    {
        int digits = (Width + 3) / 4;
        string Hex(uint v) => "0x" + v.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"width={Width} poly={Hex(Poly)} init={Hex(Init)} refin={(RefIn ? "true" : "false")} refout={(RefOut ? "true" : "false")} xorout={Hex(XorOut)} check={Hex(Check)}");
    }

    /// <summary>The low <paramref name="width"/> bits of <paramref name="value"/> in reverse order.</summary>
    private static uint Reflect(uint value, int width)
    {
        uint r = 0;
        for (int i = 0; i < width; i++)
        {
            r = (r << 1) | ((value >> i) & 1);
        }

        return r;
    }

    private static CrcAlgorithm Preset(string name, string catalogue, int width, uint poly, uint init, bool refIn, bool refOut, uint xorOut, string[] aliases) =>
        new(name, width, poly, init, refIn, refOut, xorOut) { CatalogueName = catalogue, Aliases = aliases };
}
