using System.Buffers;
using System.Globalization;
using System.Text;

namespace LobbyEdge.Profiles;

/// <summary>
/// Which characters a profile's customer-facing text (ticket, kiosk, signage, counter displays, voice) may hold: the
/// one rule behind <see cref="ProfileReader.DisplayText"/>.
/// </summary>
/// <remarks>
/// The ticket printer encodes GB18030 (or GBK) and prints from its built-in font, which covers the Basic Multilingual
/// Plane's letters, digits, punctuation, symbols and CJK ideographs; the LED displays and the kiosk line lay text out
/// one glyph per character. Refused, each named by its code point: control characters (Cc: tab, line feed, ESC, which
/// the printer takes as commands), format characters (Cf: bidi overrides such as U+202E that reverse the line on the
/// kiosk, zero-width spaces and joiners, the byte-order mark U+FEFF, all invisible on paper), the line and paragraph
/// separators (Zl U+2028, Zp U+2029: a second line where one is laid out), unassigned code points (Cn, including the
/// non-characters U+FFFE/U+FFFF), private use (Co: no glyph in the printer's font; GB18030 maps them to its
/// user-defined areas, which printers leave empty), and every character outside the Basic Multilingual Plane
/// (emoji, CJK Extension B and later: not in the printer's font, printed as a box) as well as any unpaired
/// surrogate (Cs).
/// </remarks>
internal static class PrintableText
{
    /// <summary>The first character <paramref name="text"/> may not hold, or null when every one is printable.</summary>
    /// <returns>Its position (1-based, in characters as a person counts them) and code point.</returns>
    public static Unprintable? FindUnprintable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int position = 0;
        for (int i = 0; i < text.Length;)
        {
            position++;
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int used) != OperationStatus.Done)
            {
                return new Unprintable(position, text[i], "an unpaired surrogate");
            }

            i += used;
            if (rune.Value > 0xFFFF)
            {
                return new Unprintable(position, rune.Value, "outside the Basic Multilingual Plane (an emoji or a rare character the printer's font lacks)");
            }

            string? why = Rune.GetUnicodeCategory(rune) switch
            {
                UnicodeCategory.Control => "a control character",
                UnicodeCategory.Format => "an invisible format character (bidi override, zero-width or byte-order mark)",
                UnicodeCategory.LineSeparator => "a line separator",
                UnicodeCategory.ParagraphSeparator => "a paragraph separator",
                UnicodeCategory.OtherNotAssigned => "not an assigned character",
                UnicodeCategory.PrivateUse => "a private-use character",
                UnicodeCategory.Surrogate => "an unpaired surrogate",
                _ => null,
            };
            if (why is not null)
            {
                return new Unprintable(position, rune.Value, why);
            }
        }

        return null;
    }

    /// <summary>A character a customer-facing text may not hold.</summary>
    /// <param name="Position">Its position in the text, 1-based, counting a character outside the BMP once.</param>
    /// <param name="CodePoint">Its code point.</param>
    /// <param name="Why">What kind of character it is.</param>
    internal readonly record struct Unprintable(int Position, int CodePoint, string Why)
    {
        /// <summary>"U+202E (an invisible format character ...)".</summary>
        public string Describe() => string.Create(CultureInfo.InvariantCulture, $"U+{CodePoint:X4} ({Why})");
    }
}
