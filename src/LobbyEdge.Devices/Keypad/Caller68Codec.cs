namespace LobbyEdge.Devices.Keypad;

/// <summary>Why a <c>caller68</c> frame was rejected. Each reason is counted separately.</summary>
public enum Caller68Rejection : byte
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>Bytes before a frame start (<c>FF 68</c>) that belong to no frame: line noise, a half frame.</summary>
    Garbage,

    /// <summary>The two length bytes differ.</summary>
    LengthMismatch,

    /// <summary>The length is outside 3..8 (2 only for the beep, FUNC 03).</summary>
    LengthOutOfRange,

    /// <summary>The fifth byte is not the second start byte <c>68</c>.</summary>
    BadHeader,

    /// <summary>The checksum does not match (ADDR + FUNC + DATA mod 256).</summary>
    BadChecksum,

    /// <summary>The end byte is not <c>16</c>.</summary>
    BadEndByte,

    /// <summary>The frame stopped before its end (the line went quiet mid-frame).</summary>
    Truncated,
}

/// <summary>
/// What the prompt-over frame (FUNC 13, a LobbyEdge extension) tells a rating pad: the DATA byte. The pad darkens its
/// keys in every case and shows the message for a few seconds by itself.
/// </summary>
public enum RatingPromptEnd : byte
{
    /// <summary>The prompt is over without a rating (timed out), or nothing is asked: the pad goes dark. Also the idle keep-alive.</summary>
    NotRated = 0,

    /// <summary>The rating was counted: the pad says 谢谢您的评价 / thank you.</summary>
    Thanks = 1,

    /// <summary>A second press for a ticket already rated: the first rating stands; the pad says 您已评价 / already rated.</summary>
    AlreadyRated = 2,

    /// <summary>The rating could not be counted (e.g. the day is closed): the pad goes dark without thanks.</summary>
    NotCounted = 3,
}

/// <summary>The outcome of looking for a frame at the start of a buffer.</summary>
public enum Caller68Scan : byte
{
    /// <summary>A valid frame starts the buffer; it is <c>consumed</c> bytes long.</summary>
    Frame = 0,

    /// <summary>The buffer starts with what may be a frame but it is not complete; nothing is consumed.</summary>
    NeedMoreData,

    /// <summary>The first <c>consumed</c> bytes are not a valid frame; drop them (and count the reason) and scan again.</summary>
    Rejected,
}

/// <summary>
/// A <c>caller68</c> frame, a view over the bytes it was read from (no copy): <c>FF 68 L L 68 ADDR FUNC DATA… CS 16</c>
/// (CONTRACTS.md, "Caller keypad protocol").
/// </summary>
public readonly ref struct Caller68Frame
{
    /// <summary>Wraps a frame already checked by <see cref="Caller68Codec.Scan"/>.</summary>
    internal Caller68Frame(ReadOnlySpan<byte> raw)
    {
        Raw = raw;
    }

    /// <summary>The whole frame, start to end byte.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>The keypad's address, 1..254.</summary>
    public byte Address => Raw[Caller68Codec.AddressOffset];

    /// <summary>The function code.</summary>
    public byte Function => Raw[Caller68Codec.AddressOffset + 1];

    /// <summary>The data bytes (L - 2 of them).</summary>
    public ReadOnlySpan<byte> Data => Raw.Slice(Caller68Codec.AddressOffset + 2, Raw[2] - 2);
}

/// <summary>
/// Encodes and decodes <c>caller68</c> frames, the framing of the widely sold 21-key queue callers and rating pads.
/// Works on spans only: decoding or encoding a frame allocates nothing.
/// </summary>
/// <remarks>
/// Layout (CONTRACTS.md): <c>FF</c> <c>68</c> <c>L</c> <c>L</c> <c>68</c> <c>ADDR</c> <c>FUNC</c> <c>DATA…</c> <c>CS</c>
/// <c>16</c>, where <c>L</c> counts ADDR + FUNC + DATA and <c>CS</c> = (ADDR + FUNC + ΣDATA) mod 256. The contract
/// gives L as 3..8, yet its beep frame (FUNC 03) has no DATA, so L = 2: that one length is accepted for FUNC 03
/// only, so a keypad's echo of the beep is understood.
/// </remarks>
public static class Caller68Codec
{
    /// <summary>First start byte.</summary>
    public const byte Start = 0xFF;

    /// <summary>Second (and third) start byte.</summary>
    public const byte Start2 = 0x68;

    /// <summary>End byte.</summary>
    public const byte End = 0x16;

    /// <summary>Key press (keypad to host), and the rating pad's answer (host to pad).</summary>
    public const byte FunctionKey = 0x01;

    /// <summary>Keypad display (host to keypad): 6 digit bytes.</summary>
    public const byte FunctionDisplay = 0x02;

    /// <summary>Beep (host to keypad), no data.</summary>
    public const byte FunctionBeep = 0x03;

    /// <summary>Rating (rating pad to host): one byte, the score 1..5.</summary>
    public const byte FunctionRating = 0x11;

    /// <summary>
    /// Rating prompt (host to rating pad; a LobbyEdge extension of the contract): one byte, the seconds the pad
    /// asks for (1..255). The pad lights its keys and says 请您评价; its echo is the ack.
    /// </summary>
    public const byte FunctionRatingPrompt = 0x12;

    /// <summary>
    /// Prompt over (host to rating pad; a LobbyEdge extension of the contract): one byte, a
    /// <see cref="RatingPromptEnd"/>. The pad darkens its keys and shows the outcome; its echo is the ack.
    /// </summary>
    public const byte FunctionRatingPromptEnd = 0x13;

    /// <summary>A blank digit on the keypad display.</summary>
    public const byte BlankDigit = 0x0A;

    /// <summary>Longest frame: L = 8.</summary>
    public const int MaxFrameLength = MaxL + Overhead;

    internal const int AddressOffset = 5;
    private const int MinL = 3;
    private const int MaxL = 8;
    private const int Overhead = 7; // FF 68 L L 68 … CS 16

    /// <summary>
    /// Looks for a frame at the start of <paramref name="buffer"/>. Returns <see cref="Caller68Scan.Frame"/> with the
    /// frame, <see cref="Caller68Scan.NeedMoreData"/>, or <see cref="Caller68Scan.Rejected"/> with the reason and how
    /// many bytes to drop (one byte for a bad frame, so a real frame that began inside it is still found).
    /// </summary>
    public static Caller68Scan Scan(ReadOnlySpan<byte> buffer, out Caller68Frame frame, out int consumed, out Caller68Rejection rejection)
    {
        frame = default;
        consumed = 0;
        rejection = Caller68Rejection.None;
        if (buffer.IsEmpty)
        {
            return Caller68Scan.NeedMoreData;
        }

        // Resynchronise: skip to the next possible start FF 68 (or a lone FF at the end, which may become one).
        if (buffer[0] != Start || (buffer.Length > 1 && buffer[1] != Start2))
        {
            int next = IndexOfStart(buffer[1..]);
            consumed = next < 0 ? buffer.Length : next + 1;
            rejection = Caller68Rejection.Garbage;
            return Caller68Scan.Rejected;
        }

        if (buffer.Length < AddressOffset)
        {
            return Caller68Scan.NeedMoreData;
        }

        byte l = buffer[2];
        if (l != buffer[3])
        {
            return Reject(Caller68Rejection.LengthMismatch, out consumed, out rejection);
        }

        if (l is < 2 or > MaxL)
        {
            return Reject(Caller68Rejection.LengthOutOfRange, out consumed, out rejection);
        }

        if (buffer[4] != Start2)
        {
            return Reject(Caller68Rejection.BadHeader, out consumed, out rejection);
        }

        int length = l + Overhead;
        if (buffer.Length < length)
        {
            return Caller68Scan.NeedMoreData;
        }

        if (buffer[length - 1] != End)
        {
            return Reject(Caller68Rejection.BadEndByte, out consumed, out rejection);
        }

        if (Checksum(buffer.Slice(AddressOffset, l)) != buffer[length - 2])
        {
            return Reject(Caller68Rejection.BadChecksum, out consumed, out rejection);
        }

        if (l < MinL && buffer[AddressOffset + 1] != FunctionBeep)
        {
            return Reject(Caller68Rejection.LengthOutOfRange, out consumed, out rejection);
        }

        frame = new Caller68Frame(buffer[..length]);
        consumed = length;
        return Caller68Scan.Frame;
    }

    /// <summary>Writes a frame; returns its length. <paramref name="destination"/> needs <c>data.Length + 7</c> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than 6 data bytes, or too small a destination.</exception>
    public static int Encode(byte address, byte function, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int l = data.Length + 2;
        if (l > MaxL)
        {
            throw new ArgumentOutOfRangeException(nameof(data), "caller68 frames carry at most 6 data bytes");
        }

        int length = l + Overhead;
        if (destination.Length < length)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), "destination too small for the frame");
        }

        destination[0] = Start;
        destination[1] = Start2;
        destination[2] = (byte)l;
        destination[3] = (byte)l;
        destination[4] = Start2;
        destination[5] = address;
        destination[6] = function;
        data.CopyTo(destination[7..]);
        destination[length - 2] = Checksum(destination.Slice(AddressOffset, l));
        destination[length - 1] = End;
        return length;
    }

    /// <summary>
    /// Writes the keypad display frame (FUNC 02): left three digits the waiting count (capped at 999, leading
    /// zeros blank), right three the current ticket's number (its last three digits, zero-padded as printed: 023),
    /// all blank when the counter holds no ticket.
    /// </summary>
    public static int EncodeDisplay(byte address, int waiting, int ticketNumber, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[6];
        int w = Math.Clamp(waiting, 0, 999);
        digits[0] = w >= 100 ? (byte)(w / 100) : BlankDigit;
        digits[1] = w >= 10 ? (byte)(w / 10 % 10) : BlankDigit;
        digits[2] = (byte)(w % 10);
        if (ticketNumber > 0)
        {
            int n = ticketNumber % 1000;
            digits[3] = (byte)(n / 100);
            digits[4] = (byte)(n / 10 % 10);
            digits[5] = (byte)(n % 10);
        }
        else
        {
            digits[3] = BlankDigit;
            digits[4] = BlankDigit;
            digits[5] = BlankDigit;
        }

        return Encode(address, FunctionDisplay, digits, destination);
    }

    /// <summary>Writes the beep frame (FUNC 03, no data).</summary>
    public static int EncodeBeep(byte address, Span<byte> destination) => Encode(address, FunctionBeep, [], destination);

    /// <summary>
    /// Writes the rating prompt frame (FUNC 12, a LobbyEdge extension): DATA = the seconds the pad asks for,
    /// rounded up and clamped to 1..255.
    /// </summary>
    public static int EncodeRatingPrompt(byte address, TimeSpan timeout, Span<byte> destination)
    {
        int seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 255);
        return Encode(address, FunctionRatingPrompt, [(byte)seconds], destination);
    }

    /// <summary>Writes the prompt-over frame (FUNC 13, a LobbyEdge extension): DATA = the outcome.</summary>
    public static int EncodeRatingPromptEnd(byte address, RatingPromptEnd end, Span<byte> destination) =>
        Encode(address, FunctionRatingPromptEnd, [(byte)end], destination);

    /// <summary>The checksum: the sum of the bytes mod 256.</summary>
    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        int sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return (byte)sum;
    }

    private static int IndexOfStart(ReadOnlySpan<byte> buffer)
    {
        for (int i = buffer.IndexOf(Start); i >= 0 && i < buffer.Length;)
        {
            if (i == buffer.Length - 1 || buffer[i + 1] == Start2)
            {
                return i;
            }

            int next = buffer[(i + 1)..].IndexOf(Start);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return -1;
    }

    private static Caller68Scan Reject(Caller68Rejection reason, out int consumed, out Caller68Rejection rejection)
    {
        consumed = 1;
        rejection = reason;
        return Caller68Scan.Rejected;
    }
}
