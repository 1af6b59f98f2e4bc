using System.Buffers;
using System.Globalization;
using System.Text;

namespace LobbyEdge.Engine;

/// <summary>
/// The one check for text a person reads (a branch, service or self-service name; a calendar note; a display model's
/// message; a staff name on the console): one plain line that every device of the branch can show as written.
/// </summary>
/// <remarks>
/// Refused, by Unicode general category (Unicode Standard, chapter 4.5) and code point:
/// <list type="bullet">
/// <item>control characters (Cc: C0, DEL, C1): a line break, a tab or an ESC would end a display frame or an ESC/POS
/// line early or start a command;</item>
/// <item>format characters (Cf): bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), zero-width
/// joiners and spaces, the byte-order mark; they show nothing, or turn the text around on a page, so a name can read
/// as another;</item>
/// <item>line and paragraph separators (Zl, Zp), private-use and unassigned code points (Co, Cn), lone surrogates (Cs);</item>
/// <item>emoji and pictographs of the supplementary planes (U+1F000..U+1FAFF), the keycap mark (U+20E3) and
/// variation selectors (U+FE00..U+FE0F, U+E0100..U+E01EF): no LED display or thermal-printer font has them, so they
/// print as "?" or a blank box;</item>
/// <item>characters that show as nothing or as a placeholder: the hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the
/// blank braille pattern (U+2800), the combining grapheme joiner (U+034F), the object and replacement characters
/// (U+FFFC, U+FFFD: text that was broken before it got here), and more than three combining marks in a row.</item>
/// </list>
/// CJK ideographs (extension B and beyond included, which GB18030 encodes), kana, hangul, Latin, digits and the symbols
/// of the Basic Multilingual Plane (℃, ①, ×, ★, ☆, ♀, ✓: GB2312 has several) are allowed; whether a given display's
/// encoding has a character is the display model's own check. The length limits stay with each field.
/// </remarks>
public static class ShownText
{
    /// <summary>
    /// Why <paramref name="text"/> cannot be shown as written, naming the first character refused and its position
    /// (e.g. <c>U+202E (a bidi or invisible format character) at character 4</c>); null when it can.
    /// </summary>
    public static string? Problem(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int position = 0;
        int marks = 0;
        for (int i = 0; i < text.Length; position++)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed) != OperationStatus.Done)
            {
                return $"a broken surrogate U+{(int)text[i]:X4} at character {position + 1}";
            }

            if (Refused(rune) is { } kind)
            {
                return $"U+{rune.Value:X4} ({kind}) at character {position + 1}";
            }

            marks = Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark ? marks + 1 : 0;
            if (marks > MaxMarksInARow)
            {
                return $"U+{rune.Value:X4} (more than {MaxMarksInARow} combining marks in a row) at character {position + 1}";
            }

            i += consumed;
        }

        return null;
    }

    /// <summary>Whether <paramref name="rune"/> alone is refused (as <see cref="Problem"/> would): for showing untrusted text with such characters replaced.</summary>
    public static bool Refuses(Rune rune) => Refused(rune) is not null;

    /// <summary>The most combining marks in a row a shown text may have (Vietnamese needs two; a stack of them overprints its line).</summary>
    public const int MaxMarksInARow = 3;

    private static string? Refused(Rune rune)
    {
        int v = rune.Value;
        if (v is >= 0x1F000 and <= 0x1FAFF or 0x20E3)
        {
            return "an emoji or pictograph no display or printer font has";
        }

        if (v is >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF)
        {
            return "a variation selector";
        }

        if (v is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0x034F or 0xFFFC or 0xFFFD)
        {
            return "a character that shows as nothing or as a placeholder";
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => "a control character",
            UnicodeCategory.Format => "a bidi or invisible format character",
            UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "a line break",
            UnicodeCategory.PrivateUse => "a private-use character",
            UnicodeCategory.OtherNotAssigned => "an unassigned code point",
            _ => null,
        };
    }
}
