using System.Text;

namespace LobbyEdge.Devices.Printer;

/// <summary>The character set a ticket printer's Chinese mode (FS &amp;) takes.</summary>
public enum PrinterEncoding
{
    /// <summary>GB18030 (code page 54936): every Unicode character has bytes. The default.</summary>
    Gb18030,

    /// <summary>
    /// GBK (the two-byte subset many 58/80 mm printer clones speak): what GBK lacks is replaced by a substitute
    /// (<see cref="PrinterText.Substitute"/>), never sent as GB18030's four-byte sequences the printer prints as junk.
    /// </summary>
    Gbk,
}

/// <summary>Turns ticket text into the bytes a printer's character set takes.</summary>
public static class PrinterText
{
    /// <summary>What stands for a character that neither GBK nor the table of substitutes has: a white square.</summary>
    public const string Missing = "□";

    // GBK proper: ASCII, and two bytes with a lead of 0x81..0xFE. Code page 936 adds 0x80 for the euro sign and 0xFF
    // for U+F8F5, which GBK printers do not have, so those two are substituted before encoding (Prepare).
    private static readonly Encoding s_gbk = CodePagesEncodingProvider.Instance.GetEncoding(936, new Substitutes(), DecoderFallback.ReplacementFallback)
        ?? throw new PlatformNotSupportedException("GBK (code page 936) is not available");

    /// <summary>The encoding for <paramref name="encoding"/>.</summary>
    public static Encoding For(PrinterEncoding encoding) => encoding == PrinterEncoding.Gbk ? s_gbk : EscPos.Gb18030;

    /// <summary>Parses a profile's <c>encoding:</c> value: <c>gb18030</c> or <c>gbk</c>.</summary>
    public static bool TryParse(string? name, out PrinterEncoding encoding)
    {
        (bool ok, encoding) = name switch
        {
            "gb18030" => (true, PrinterEncoding.Gb18030),
            "gbk" => (true, PrinterEncoding.Gbk),
            _ => (false, PrinterEncoding.Gb18030),
        };
        return ok;
    }

    /// <summary>
    /// What a GBK printer prints for a character GBK does not have: <c>¥</c> → <c>￥</c> (the full-width yen/yuan sign,
    /// the same sign, in GBK), <c>€</c> → <c>EUR</c>, <c>•</c> → <c>·</c>, <c>™</c> → <c>TM</c>, <c>©</c> → <c>(C)</c>,
    /// <c>®</c> → <c>(R)</c>, a no-break space → a space, anything else (a rare name character outside GBK such as
    /// 𠮷, an emoji) → <c>□</c>.
    /// </summary>
    public static string Substitute(char c) => c switch
    {
        '\u00A5' => "\uFFE5",
        '\u20AC' => "EUR",
        '\u2022' => "\u00B7",
        '\u2122' => "TM",
        '\u00A9' => "(C)",
        '\u00AE' => "(R)",
        '\u00A0' => " ",
        _ => Missing,
    };

    /// <summary>The bytes of <paramref name="text"/> in <paramref name="encoding"/>, with substitutes for GBK.</summary>
    public static byte[] Encode(string text, PrinterEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(text);
        return For(encoding).GetBytes(Prepare(text, encoding));
    }

    /// <summary>
    /// The text as it will be encoded: for GBK, the two characters code page 936 gives single bytes outside GBK (the
    /// euro sign at 0x80, U+F8F5 at 0xFF) substituted first.
    /// </summary>
    internal static string Prepare(string text, PrinterEncoding encoding)
    {
        if (encoding != PrinterEncoding.Gbk || text.AsSpan().IndexOfAny('\u20AC', '\uF8F5') < 0)
        {
            return text;
        }

        var prepared = new StringBuilder(text.Length + 4);
        foreach (char c in text)
        {
            _ = c is '\u20AC' or '\uF8F5' ? prepared.Append(Substitute(c)) : prepared.Append(c);
        }

        return prepared.ToString();
    }

    /// <summary>The encoder fallback of the GBK encoding: <see cref="Substitute"/>; a pair of surrogates (outside the BMP, never in GBK) is <see cref="Missing"/>.</summary>
    private sealed class Substitutes : EncoderFallback
    {
        public override int MaxCharCount => 3;

        public override EncoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : EncoderFallbackBuffer
        {
            private string _replacement = "";
            private int _next;

            public override int Remaining => _replacement.Length - _next;

            public override bool Fallback(char charUnknown, int index) => Start(Substitute(charUnknown));

            public override bool Fallback(char charUnknownHigh, char charUnknownLow, int index) => Start(Missing);

            public override char GetNextChar() => _next < _replacement.Length ? _replacement[_next++] : '\0';

            public override bool MovePrevious()
            {
                if (_next == 0)
                {
                    return false;
                }

                _next--;
                return true;
            }

            public override void Reset()
            {
                _replacement = "";
                _next = 0;
            }

            private bool Start(string replacement)
            {
                _replacement = replacement;
                _next = 0;
                return true;
            }
        }
    }
}
