using System.Globalization;
using System.Text;
using LobbyEdge.Devices.Serial;

namespace LobbyEdge.Devices.Displays;

/// <summary>How a number (address, length, line, checksum) is written in a frame.</summary>
public enum NumberFormat : byte
{
    /// <summary>Binary, <c>Size</c> bytes.</summary>
    Binary = 0,

    /// <summary>ASCII decimal digits, zero-padded to <c>Size</c> digits (<c>"03"</c>).</summary>
    Decimal,

    /// <summary>ASCII hex digits, zero-padded to <c>Size</c> digits (<c>"0A"</c>, or <c>"0a"</c> with <see cref="HexCase.Lower"/>).</summary>
    Hex,
}

/// <summary>The case of the letter digits A..F of a number written in ASCII hex.</summary>
public enum HexCase : byte
{
    /// <summary><c>0A</c> (the default).</summary>
    Upper = 0,

    /// <summary><c>0a</c>.</summary>
    Lower,
}

/// <summary>Byte order of a multi-byte binary number.</summary>
public enum ByteOrder : byte
{
    /// <summary>Most significant byte first.</summary>
    HighFirst = 0,

    /// <summary>Least significant byte first (CRC-16/MODBUS is sent this way).</summary>
    LowFirst,
}

/// <summary>The checksum a display controller expects.</summary>
public enum ChecksumKind : byte
{
    /// <summary>No checksum.</summary>
    None = 0,

    /// <summary>Sum of the bytes mod 256.</summary>
    Sum8,

    /// <summary>XOR of the bytes.</summary>
    Xor8,

    /// <summary>CRC-16/MODBUS: poly 0x8005 reflected (0xA001), init 0xFFFF, no final XOR.</summary>
    Crc16Modbus,

    /// <summary>Sum of the bytes mod 65536.</summary>
    Sum16,

    /// <summary>Two's complement of the 8-bit sum (<c>-sum mod 256</c>; the LRC of Modbus ASCII): the bytes and it add up to 0.</summary>
    Sum8TwosComplement,

    /// <summary>Two's complement of the 16-bit sum (<c>-sum mod 65536</c>).</summary>
    Sum16TwosComplement,

    /// <summary>Ones' complement of the 8-bit sum (every bit inverted: <c>0xFF - sum mod 256</c>).</summary>
    Sum8OnesComplement,

    /// <summary>Ones' complement of the 16-bit sum (<c>0xFFFF - sum mod 65536</c>).</summary>
    Sum16OnesComplement,

    /// <summary>A CRC by catalogue parameters or a preset: <see cref="FrameElement.Crc"/>.</summary>
    Crc,
}

/// <summary>What a display does when a ticket is called again (the model's <c>recall: {action: …}</c>).</summary>
public enum RecallAction : byte
{
    /// <summary>The call message is sent again, as at the call (the default without a <c>recall</c> message).</summary>
    Resend = 0,

    /// <summary>The model's <c>recall</c> message is sent (the default when the model has one).</summary>
    Template,

    /// <summary>The call message is sent with the frame's blink field on.</summary>
    Blink,
}

/// <summary>Where text sits in a fixed-width field.</summary>
public enum TextAlign : byte
{
    /// <summary>Left, padded on the right.</summary>
    Left = 0,

    /// <summary>Centred.</summary>
    Center,

    /// <summary>Right, padded on the left.</summary>
    Right,
}

/// <summary>What a frame element is.</summary>
public enum FrameElementKind : byte
{
    /// <summary>Fixed bytes (a start byte, a command code).</summary>
    Bytes = 0,

    /// <summary>The display's address.</summary>
    Address,

    /// <summary>The number of bytes of a range of elements.</summary>
    Length,

    /// <summary>Encoded text.</summary>
    Text,

    /// <summary>A checksum over a range of elements.</summary>
    Checksum,

    /// <summary>The line number (frame-per-line models).</summary>
    LineNumber,

    /// <summary>Bytes that differ when the text blinks (call and recall).</summary>
    Blink,
}

/// <summary>How a number is written: format, size, byte order.</summary>
/// <param name="Format">Binary or ASCII digits.</param>
/// <param name="Size">Bytes (binary, 1..4) or digits (ASCII, 1..10).</param>
/// <param name="Order">Byte order for binary.</param>
/// <param name="Case">Letter digits' case for hex.</param>
public readonly record struct NumberLayout(NumberFormat Format, int Size, ByteOrder Order = ByteOrder.HighFirst, HexCase Case = HexCase.Upper)
{
    /// <summary>Largest value that fits.</summary>
    public long MaxValue => Format switch
    {
        NumberFormat.Binary => Size >= 4 ? uint.MaxValue : (1L << (8 * Size)) - 1,
        NumberFormat.Decimal => Size >= 10 ? 9_999_999_999 : (long)Math.Pow(10, Size) - 1,
        _ => Size >= 8 ? uint.MaxValue : (1L << (4 * Size)) - 1,
    };

    /// <summary>Writes <paramref name="value"/> (which must fit) into <c>Size</c> bytes.</summary>
    public void Write(long value, Span<byte> destination)
    {
        switch (Format)
        {
            case NumberFormat.Binary:
                for (int i = 0; i < Size; i++)
                {
                    byte b = (byte)(value >> (8 * i));
                    destination[Order == ByteOrder.LowFirst ? i : Size - 1 - i] = b;
                }

                break;
            case NumberFormat.Decimal:
                for (int i = Size - 1; i >= 0; i--)
                {
                    destination[i] = (byte)('0' + (value % 10));
                    value /= 10;
                }

                break;
            default:
                for (int i = Size - 1; i >= 0; i--)
                {
                    destination[i] = (byte)(Case == HexCase.Lower ? "0123456789abcdef" : "0123456789ABCDEF")[(int)(value & 0xF)];
                    value >>= 4;
                }

                break;
        }
    }

    /// <summary>Reads a number written by <see cref="Write"/>; false when the bytes are not digits of the format.</summary>
    public bool TryRead(ReadOnlySpan<byte> source, out long value)
    {
        value = 0;
        if (source.Length < Size)
        {
            return false;
        }

        switch (Format)
        {
            case NumberFormat.Binary:
                for (int i = 0; i < Size; i++)
                {
                    byte b = source[Order == ByteOrder.LowFirst ? i : Size - 1 - i];
                    value |= (long)b << (8 * i);
                }

                return true;
            case NumberFormat.Decimal:
                for (int i = 0; i < Size; i++)
                {
                    if (source[i] is < (byte)'0' or > (byte)'9')
                    {
                        return false;
                    }

                    value = (value * 10) + (source[i] - '0');
                }

                return true;
            default:
                for (int i = 0; i < Size; i++)
                {
                    int d = HexValue(source[i]);
                    if (d < 0)
                    {
                        return false;
                    }

                    value = (value << 4) | (uint)d;
                }

                return true;
        }
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}

/// <summary>One element of a display frame template.</summary>
public sealed record FrameElement
{
    /// <summary>What it is.</summary>
    public required FrameElementKind Kind { get; init; }

    /// <summary>The name other elements use to refer to it (<c>from:</c>, <c>to:</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Fixed bytes (<see cref="FrameElementKind.Bytes"/>), or the blink-on bytes.</summary>
    public byte[] Bytes { get; init; } = [];

    /// <summary>The blink-off bytes (<see cref="FrameElementKind.Blink"/>).</summary>
    public byte[] BytesOff { get; init; } = [];

    /// <summary>How an address, length, line number or checksum is written.</summary>
    public NumberLayout Number { get; init; }

    /// <summary>First element (index) a length or checksum covers.</summary>
    public int From { get; init; }

    /// <summary>Last element (index) a length or checksum covers, inclusive.</summary>
    public int To { get; init; }

    /// <summary>Added to a length (some controllers count their own length byte or the end byte).</summary>
    public int Add { get; init; }

    /// <summary>The checksum kind.</summary>
    public ChecksumKind Checksum { get; init; }

    /// <summary>The CRC when <see cref="Checksum"/> is <see cref="ChecksumKind.Crc"/> (a preset or one by parameters; its table is built at load).</summary>
    public CrcAlgorithm? Crc { get; init; }

    /// <summary>Which message line a text shows, 1-based; 0 = the frame's line in frame-per-line models.</summary>
    public int Line { get; init; }

    /// <summary>Fixed width in bytes (padded or cut), or 0 for as long as the text.</summary>
    public int Width { get; init; }

    /// <summary>Padding byte for fixed-width text.</summary>
    public byte Pad { get; init; } = (byte)' ';

    /// <summary>Alignment in fixed-width text.</summary>
    public TextAlign Align { get; init; }

    /// <summary>Added to the 0-based line index for a line number field (1 = lines count from 1).</summary>
    public int LineBase { get; init; } = 1;
}

/// <summary>The text of a display message, already rendered.</summary>
/// <param name="Lines">One string per line.</param>
/// <param name="Blink">Whether it blinks (call, recall).</param>
public sealed record DisplayText(IReadOnlyList<string> Lines, bool Blink)
{
    /// <summary>
    /// Changes on every call and recall (the device sink counts them): a display bus sends a text whose cue differs
    /// from the last one even when its lines and blink are the same, so a recall always puts a frame on the wire.
    /// 0 for texts that are not a call.
    /// </summary>
    public long Cue { get; init; }

    /// <summary>The lines joined with " | ", for logs and tests.</summary>
    public override string ToString() => string.Join(" | ", Lines) + (Blink ? " (blink)" : "");
}

/// <summary>A frame read back from bytes (the simulator's displays use this).</summary>
/// <param name="Address">The address it was sent to.</param>
/// <param name="Line">The line number field, or -1 when the model has none.</param>
/// <param name="Blink">Whether the blink bytes said on.</param>
/// <param name="Texts">The text fields, by line (1-based key; 0 for the frame's line).</param>
/// <param name="Length">Bytes the frame took.</param>
public sealed record DecodedDisplayFrame(int Address, int Line, bool Blink, IReadOnlyDictionary<int, string> Texts, int Length);

/// <summary>
/// A display model from its profile (<c>hardware-profiles/devices/*.yaml</c>): serial settings, text encoding,
/// frame template and message templates. Encodes messages into frames and decodes frames back.
/// </summary>
public sealed class DisplayModel
{
    /// <summary>Longest frame a model may produce.</summary>
    public const int MaxFrameLength = 1024;

    private static readonly Encoding s_ascii = Encoding.GetEncoding("us-ascii", new EncoderReplacementFallback("?"), DecoderFallback.ReplacementFallback);

    /// <summary>Creates a model; the profile loader checks the template first.</summary>
    public DisplayModel(string name, string encoding, IReadOnlyList<FrameElement> frame, IReadOnlyDictionary<DisplayMessageKind, MessageTemplate> messages)
    {
        Name = name;
        EncodingName = encoding;
        Frame = frame;
        Messages = messages;
        Encoding = EncodingFor(encoding) ?? throw new ArgumentException($"unknown encoding {encoding}", nameof(encoding));
        int lines = 1;
        foreach (FrameElement e in frame)
        {
            lines = Math.Max(lines, e.Kind == FrameElementKind.Text ? e.Line : 0);
            FramePerLine |= e.Kind == FrameElementKind.LineNumber;
        }

        Lines = lines;
    }

    /// <summary>The model's name (its file name).</summary>
    public string Name { get; }

    /// <summary>The encoding's profile name: <c>ascii</c>, <c>gb2312</c> or <c>gb18030</c>.</summary>
    public string EncodingName { get; }

    /// <summary>The text encoding.</summary>
    public Encoding Encoding { get; }

    /// <summary>The frame template.</summary>
    public IReadOnlyList<FrameElement> Frame { get; }

    /// <summary>The message templates.</summary>
    public IReadOnlyDictionary<DisplayMessageKind, MessageTemplate> Messages { get; }

    /// <summary>Whether each line goes in a frame of its own (the template has a line number field).</summary>
    public bool FramePerLine { get; }

    /// <summary>Lines of text a frame carries (the highest <c>line:</c> of its text fields).</summary>
    public int Lines { get; }

    /// <summary>Serial settings for this model (the path is the branch's).</summary>
    public SerialLineSettings Serial { get; init; } = new() { Path = "" };

    /// <summary>
    /// What a recall sends (<c>recall: {action: …}</c>); <see cref="RecallAction.Resend"/> unless set. The profile
    /// loader sets it, by default <see cref="RecallAction.Template"/> when the model has a <c>recall</c> message and
    /// <see cref="RecallAction.Resend"/> otherwise. Whatever it is, every recall puts a frame on the wire (see
    /// <see cref="DisplayText.Cue"/>).
    /// </summary>
    public RecallAction Recall { get; init; }

    /// <summary>
    /// The message a display shows for <paramref name="kind"/>, after the fallbacks: away shows paused, closed shows
    /// idle, a recall follows <see cref="Recall"/> (the recall message, or the call's), any other missing one idle.
    /// </summary>
    public MessageTemplate MessageFor(DisplayMessageKind kind)
    {
        IReadOnlyDictionary<DisplayMessageKind, MessageTemplate> m = Messages;
        if (kind == DisplayMessageKind.Recall)
        {
            return (Recall == RecallAction.Template ? m.GetValueOrDefault(DisplayMessageKind.Recall) : null) ?? m[DisplayMessageKind.Call];
        }

        return m.GetValueOrDefault(kind)
            ?? (kind == DisplayMessageKind.Away ? m.GetValueOrDefault(DisplayMessageKind.Paused) : null)
            ?? m[kind == DisplayMessageKind.Call ? DisplayMessageKind.Call : DisplayMessageKind.Idle];
    }

    /// <summary>
    /// Renders the message for <paramref name="kind"/> with <paramref name="values"/>; a recall with
    /// <see cref="RecallAction.Blink"/> blinks. <paramref name="cue"/> goes into <see cref="DisplayText.Cue"/>.
    /// </summary>
    public DisplayText Render(DisplayMessageKind kind, DisplayValues values, long cue = 0)
    {
        DisplayText text = MessageFor(kind).Render(values);
        bool blink = text.Blink || (kind == DisplayMessageKind.Recall && Recall == RecallAction.Blink);
        return blink == text.Blink && cue == 0 ? text : text with { Blink = blink, Cue = cue };
    }

    /// <summary>Maps a profile encoding name to an encoding; null when unknown.</summary>
    public static Encoding? EncodingFor(string name) => name switch
    {
        "ascii" => s_ascii,
        "gb2312" => CodePagesEncodingProvider.Instance.GetEncoding(936, new EncoderReplacementFallback("?"), DecoderFallback.ReplacementFallback),
        "gb18030" => CodePagesEncodingProvider.Instance.GetEncoding(54936, new EncoderReplacementFallback("?"), DecoderFallback.ReplacementFallback),
        _ => null,
    };

    /// <summary>How many frames a message takes (one per line for frame-per-line models).</summary>
    public int FrameCount(DisplayText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return FramePerLine ? Math.Max(1, text.Lines.Count) : 1;
    }

    /// <summary>Writes frame <paramref name="frameIndex"/> of a message for the display at <paramref name="address"/>; returns its length.</summary>
    public int Encode(int address, DisplayText text, int frameIndex, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        int n = Frame.Count;
        Span<int> offsets = stackalloc int[n + 1];
        Span<int> sizes = stackalloc int[n];

        // Pass 1: sizes (variable text is encoded straight into place, so lay out in order).
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            offsets[i] = at;
            int size = e.Kind switch
            {
                FrameElementKind.Bytes => e.Bytes.Length,
                FrameElementKind.Blink => text.Blink ? e.Bytes.Length : e.BytesOff.Length,
                FrameElementKind.Text => WriteText(e, LineText(text, e, frameIndex), destination[at..]),
                FrameElementKind.Checksum => ChecksumSize(e),
                _ => e.Number.Size,
            };
            sizes[i] = size;
            at += size;
        }

        offsets[n] = at;

        // Pass 2: everything but lengths and checksums.
        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            Span<byte> slot = destination.Slice(offsets[i], sizes[i]);
            switch (e.Kind)
            {
                case FrameElementKind.Bytes:
                    e.Bytes.CopyTo(slot);
                    break;
                case FrameElementKind.Blink:
                    (text.Blink ? e.Bytes : e.BytesOff).CopyTo(slot);
                    break;
                case FrameElementKind.Address:
                    e.Number.Write(address, slot);
                    break;
                case FrameElementKind.LineNumber:
                    e.Number.Write(frameIndex + e.LineBase, slot);
                    break;
            }
        }

        // Pass 3: lengths, then checksums in frame order (a checksum may cover a length).
        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            if (e.Kind == FrameElementKind.Length)
            {
                e.Number.Write(offsets[e.To + 1] - offsets[e.From] + e.Add, destination.Slice(offsets[i], sizes[i]));
            }
        }

        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            if (e.Kind == FrameElementKind.Checksum)
            {
                uint sum = Compute(e, destination[offsets[e.From]..offsets[e.To + 1]]);
                WriteChecksum(e, sum, destination.Slice(offsets[i], sizes[i]));
            }
        }

        return at;
    }

    /// <summary>Reads a frame at the start of <paramref name="source"/>; false when the bytes are not (yet) a valid frame.</summary>
    public bool TryDecode(ReadOnlySpan<byte> source, out DecodedDisplayFrame? frame)
    {
        frame = null;
        int n = Frame.Count;
        Span<int> offsets = stackalloc int[n + 1];
        Span<byte> check = stackalloc byte[16];
        var texts = new Dictionary<int, string>();
        long address = -1;
        long line = -1;
        bool blink = false;
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            offsets[i] = at;
            ReadOnlySpan<byte> rest = source[at..];
            switch (e.Kind)
            {
                case FrameElementKind.Bytes:
                    if (!rest.StartsWith(e.Bytes))
                    {
                        return false;
                    }

                    at += e.Bytes.Length;
                    break;
                case FrameElementKind.Blink:
                    if (e.Bytes.Length > 0 && rest.StartsWith(e.Bytes))
                    {
                        blink = true;
                        at += e.Bytes.Length;
                    }
                    else if (rest.StartsWith(e.BytesOff))
                    {
                        at += e.BytesOff.Length;
                    }
                    else
                    {
                        return false;
                    }

                    break;
                case FrameElementKind.Address:
                case FrameElementKind.LineNumber:
                case FrameElementKind.Length:
                    if (!e.Number.TryRead(rest, out long value))
                    {
                        return false;
                    }

                    if (e.Kind == FrameElementKind.Address)
                    {
                        address = value;
                    }
                    else if (e.Kind == FrameElementKind.LineNumber)
                    {
                        line = value - e.LineBase;
                    }

                    at += e.Number.Size;
                    break;
                case FrameElementKind.Text:
                    int width = e.Width > 0 ? e.Width : VariableWidth(i, source, offsets);
                    if (width < 0 || rest.Length < width)
                    {
                        return false;
                    }

                    texts[e.Line] = ReadText(e, rest[..width]);
                    at += width;
                    break;
                case FrameElementKind.Checksum:
                    int size = ChecksumSize(e);
                    if (rest.Length < size)
                    {
                        return false;
                    }

                    uint expected = Compute(e, source[offsets[e.From]..offsets[e.To + 1]]);
                    WriteChecksum(e, expected, check);
                    if (!rest[..size].SequenceEqual(check[..size]))
                    {
                        return false;
                    }

                    at += size;
                    break;
            }
        }

        offsets[n] = at;
        for (int i = 0; i < n; i++)
        {
            FrameElement e = Frame[i];
            if (e.Kind == FrameElementKind.Length
                && (!e.Number.TryRead(source[offsets[i]..], out long declared) || declared != offsets[e.To + 1] - offsets[e.From] + e.Add))
            {
                return false;
            }
        }

        frame = new DecodedDisplayFrame((int)address, (int)line, blink, texts, at);
        return true;
    }

    /// <summary>
    /// The checksum over some bytes for the kinds that need no parameters (sums, XOR, CRC-16/MODBUS); 0 for
    /// <see cref="ChecksumKind.None"/> and <see cref="ChecksumKind.Crc"/> (use <see cref="CrcAlgorithm.Compute"/>).
    /// </summary>
    public static uint Compute(ChecksumKind kind, ReadOnlySpan<byte> bytes)
    {
        switch (kind)
        {
            case ChecksumKind.Xor8:
                uint x = 0;
                foreach (byte b in bytes)
                {
                    x ^= b;
                }

                return x;
            case ChecksumKind.Crc16Modbus:
                return CrcAlgorithm.Modbus.Compute(bytes);
            case ChecksumKind.Sum8 or ChecksumKind.Sum16 or ChecksumKind.Sum8TwosComplement or ChecksumKind.Sum16TwosComplement
                or ChecksumKind.Sum8OnesComplement or ChecksumKind.Sum16OnesComplement:
                uint sum = 0;
                foreach (byte b in bytes)
                {
                    sum += b;
                }

                uint mask = ChecksumBits(kind, null) == 16 ? 0xFFFFu : 0xFFu;
                return kind switch
                {
                    ChecksumKind.Sum8TwosComplement or ChecksumKind.Sum16TwosComplement => (0u - sum) & mask,
                    ChecksumKind.Sum8OnesComplement or ChecksumKind.Sum16OnesComplement => ~sum & mask,
                    _ => sum & mask,
                };
            default:
                return 0;
        }
    }

    /// <summary>The checksum of a checksum element over some bytes.</summary>
    public static uint Compute(FrameElement element, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(element);
        return element.Checksum == ChecksumKind.Crc && element.Crc is { } crc ? crc.Compute(bytes) : Compute(element.Checksum, bytes);
    }

    /// <summary>Bits of a checksum's value: 8 or 16 for sums and XOR, the CRC's width; 0 for none.</summary>
    public static int ChecksumBits(ChecksumKind kind, CrcAlgorithm? crc) => kind switch
    {
        ChecksumKind.None => 0,
        ChecksumKind.Sum16 or ChecksumKind.Sum16TwosComplement or ChecksumKind.Sum16OnesComplement or ChecksumKind.Crc16Modbus => 16,
        ChecksumKind.Crc => crc?.Width ?? 0,
        _ => 8,
    };

    /// <summary>Bytes a checksum takes: its number layout's size.</summary>
    private static int ChecksumSize(FrameElement e) => e.Checksum == ChecksumKind.None ? 0 : e.Number.Size;

    private static void WriteChecksum(FrameElement e, uint value, Span<byte> destination)
    {
        if (e.Checksum != ChecksumKind.None)
        {
            e.Number.Write(value, destination);
        }
    }

    private static string LineText(DisplayText text, FrameElement e, int frameIndex)
    {
        int index = e.Line == 0 ? frameIndex : e.Line - 1;
        return (uint)index < (uint)text.Lines.Count ? text.Lines[index] : "";
    }

    /// <summary>Encodes text into a field: cut at a character boundary to the width, padded and aligned.</summary>
    private int WriteText(FrameElement e, string text, Span<byte> destination)
    {
        int limit = e.Width > 0 ? e.Width : Math.Min(destination.Length, 255);
        Span<byte> one = stackalloc byte[8];
        Span<char> chars = stackalloc char[2];
        Span<byte> encoded = stackalloc byte[Math.Max(limit, 1)];
        int used = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            int c = rune.EncodeToUtf16(chars);
            int size = Encoding.GetBytes(chars[..c], one);
            if (used + size > limit)
            {
                break;
            }

            one[..size].CopyTo(encoded[used..]);
            used += size;
        }

        if (e.Width == 0)
        {
            encoded[..used].CopyTo(destination);
            return used;
        }

        int padding = e.Width - used;
        int left = e.Align switch
        {
            TextAlign.Right => padding,
            TextAlign.Center => padding / 2,
            _ => 0,
        };
        destination[..e.Width].Fill(e.Pad);
        encoded[..used].CopyTo(destination[left..]);
        return e.Width;
    }

    private string ReadText(FrameElement e, ReadOnlySpan<byte> bytes)
    {
        if (e.Width > 0)
        {
            int start = 0;
            int end = bytes.Length;
            while (start < end && bytes[start] == e.Pad)
            {
                start++;
            }

            while (end > start && bytes[end - 1] == e.Pad)
            {
                end--;
            }

            bytes = bytes[start..end];
        }

        return Encoding.GetString(bytes);
    }

    /// <summary>The width of a variable text from the length field that covers it (checked at load to exist and precede it).</summary>
    private int VariableWidth(int textIndex, ReadOnlySpan<byte> source, ReadOnlySpan<int> offsets)
    {
        for (int j = 0; j < textIndex; j++)
        {
            FrameElement l = Frame[j];
            if (l.Kind != FrameElementKind.Length || l.From > textIndex || l.To < textIndex
                || !l.Number.TryRead(source[offsets[j]..], out long declared))
            {
                continue;
            }

            long others = 0;
            for (int k = l.From; k <= l.To; k++)
            {
                if (k == textIndex)
                {
                    continue;
                }

                FrameElement o = Frame[k];
                others += k < textIndex ? offsets[k + 1] - offsets[k] : FixedSize(o);
            }

            return (int)(declared - l.Add - others);
        }

        return -1;
    }

    /// <summary>Size in bytes of an element that does not depend on the message, or -1 (text without a width, a length it depends on).</summary>
    public static int FixedSize(FrameElement e) => e.Kind switch
    {
        FrameElementKind.Bytes => e.Bytes.Length,
        FrameElementKind.Blink => e.Bytes.Length == e.BytesOff.Length ? e.Bytes.Length : -1,
        FrameElementKind.Text => e.Width > 0 ? e.Width : -1,
        FrameElementKind.Checksum => ChecksumSize(e),
        _ => e.Number.Size,
    };

    /// <summary>A short description for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({EncodingName}, {Frame.Count} elements, {Lines} line(s))");
}
