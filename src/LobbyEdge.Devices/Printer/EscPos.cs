using System.Buffers;
using System.Text;

namespace LobbyEdge.Devices.Printer;

/// <summary>The ESC/POS commands LobbyEdge sends (Epson ESC/POS Application Programming Guide; the GB18030 and
/// Chinese-mode commands are those of the common 58/80 mm Chinese thermal printers).</summary>
public static class EscPos
{
    /// <summary>DLE EOT n: transmit real-time status (n = 1 printer, 2 offline cause, 3 error cause, 4 paper sensor).</summary>
    public static ReadOnlySpan<byte> StatusRequest1 => [0x10, 0x04, 0x01];

    /// <summary>DLE EOT 2.</summary>
    public static ReadOnlySpan<byte> StatusRequest2 => [0x10, 0x04, 0x02];

    /// <summary>DLE EOT 3.</summary>
    public static ReadOnlySpan<byte> StatusRequest3 => [0x10, 0x04, 0x03];

    /// <summary>DLE EOT 4.</summary>
    public static ReadOnlySpan<byte> StatusRequest4 => [0x10, 0x04, 0x04];

    /// <summary>ESC @: initialise the printer.</summary>
    public static ReadOnlySpan<byte> Initialize => [0x1B, 0x40];

    /// <summary>GS a 0x0E: Automatic Status Back on for online/offline, errors and the paper sensor.</summary>
    public static ReadOnlySpan<byte> EnableAutomaticStatusBack => [0x1D, 0x61, 0x0E];

    /// <summary>FS &amp;: Chinese character mode (GB18030 or GBK double-byte text, as the printer's <see cref="PrinterEncoding"/>).</summary>
    public static ReadOnlySpan<byte> ChineseMode => [0x1C, 0x26];

    /// <summary>GS V 66 0: feed to the cutter and cut (partial cut).</summary>
    public static ReadOnlySpan<byte> Cut => [0x1D, 0x56, 0x42, 0x00];

    /// <summary>The GB18030 encoding (code page 54936) the printers' Chinese mode takes.</summary>
    public static Encoding Gb18030 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(54936)
        ?? throw new PlatformNotSupportedException("GB18030 (code page 54936) is not available");

    /// <summary>Appends ESC a n: 0 left, 1 centre, 2 right.</summary>
    public static void Align(IBufferWriter<byte> output, byte n) => Write(output, [0x1B, 0x61, n]);

    /// <summary>Appends GS ! n: character size; high nibble width - 1, low nibble height - 1 (0x00 normal, 0x11 double, 0x33 four times).</summary>
    public static void Size(IBufferWriter<byte> output, byte n) => Write(output, [0x1D, 0x21, n]);

    /// <summary>Appends ESC E n: bold on (1) or off (0).</summary>
    public static void Bold(IBufferWriter<byte> output, bool on) => Write(output, [0x1B, 0x45, on ? (byte)1 : (byte)0]);

    /// <summary>Appends ESC d n: print and feed n lines.</summary>
    public static void Feed(IBufferWriter<byte> output, byte lines) => Write(output, [0x1B, 0x64, lines]);

    /// <summary>Appends text in GB18030 and a line feed.</summary>
    public static void Line(IBufferWriter<byte> output, string text) => Line(output, text, PrinterEncoding.Gb18030);

    /// <summary>
    /// Appends text in the printer's character set and a line feed; for GBK, what GBK lacks is replaced by its
    /// substitute (<see cref="PrinterText.Substitute"/>).
    /// </summary>
    public static void Line(IBufferWriter<byte> output, string text, PrinterEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(text);
        text = PrinterText.Prepare(text, encoding);
        Encoding charset = PrinterText.For(encoding);
        Span<byte> span = output.GetSpan(charset.GetMaxByteCount(text.Length) + 1);
        int n = charset.GetBytes(text, span);
        span[n] = 0x0A;
        output.Advance(n + 1);
    }

    /// <summary>
    /// Appends a QR code (GS ( k, function 165/167/169/180/181: model 2, module size, error correction M, store,
    /// print). Data up to 7089 bytes.
    /// </summary>
    public static void QrCode(IBufferWriter<byte> output, string data, byte moduleSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        byte[] bytes = Encoding.ASCII.GetBytes(data);
        Write(output, [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);       // fn 165: model 2
        Write(output, [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, moduleSize]);       // fn 167: module size
        Write(output, [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);             // fn 169: error correction M
        int store = bytes.Length + 3;
        Write(output, [0x1D, 0x28, 0x6B, (byte)(store & 0xFF), (byte)(store >> 8), 0x31, 0x50, 0x30]); // fn 180: store
        Write(output, bytes);
        Write(output, [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);             // fn 181: print
    }

    /// <summary>Appends raw bytes.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
