namespace LobbyEdge.Engine.Tests;

public sealed class ShownTextTests
{
    [Theory]
    [InlineData("Personal cash")]
    [InlineData("个人现金")]
    [InlineData("手机银行 / 大厅智能柜员机")]
    [InlineData("张\U00020000伟")]           // CJK extension B: a surrogate pair, a real name character
    [InlineData("室温 25℃ ① × ½ ©")]         // ordinary symbols printers have
    [InlineData("Zoë Ñúñez-O'Brien")]
    [InlineData("김민준 やまだ")]
    [InlineData("★贵宾☆ ♀ ♂ ✓")]           // in GB2312: refused as emoji before
    [InlineData("Nguyễn Thị Hằng")]         // Vietnamese: two marks on a letter when decomposed too
    public void PlainText_HasNoProblem(string text) => Assert.Null(ShownText.Problem(text));

    [Theory]
    [InlineData("a\u202Eb", "U+202E", 2)]    // right-to-left override
    [InlineData("\u2066ab", "U+2066", 1)]    // left-to-right isolate
    [InlineData("ab\u200B", "U+200B", 3)]    // zero-width space
    [InlineData("a\u200Db", "U+200D", 2)]    // zero-width joiner
    [InlineData("\uFEFFab", "U+FEFF", 1)]    // byte-order mark
    [InlineData("a\tb", "U+0009", 2)]
    [InlineData("a\nb", "U+000A", 2)]
    [InlineData("\u001B[2J", "U+001B", 1)]
    [InlineData("a\u0085", "U+0085", 2)]     // C1 next line
    [InlineData("a\u2028", "U+2028", 2)]     // line separator
    [InlineData("a\uE000", "U+E000", 2)]     // private use
    [InlineData("😀", "U+1F600", 1)]
    [InlineData("张\U00020000\U0001F3E7", "U+1F3E7", 3)] // positions count characters, not UTF-16 units
    [InlineData("\u2764\uFE0F", "U+FE0F", 2)]
    [InlineData("\u3164", "U+3164", 1)]    // hangul filler: an invisible name
    [InlineData("a\u2800\u2800", "U+2800", 2)]
    [InlineData("ab\u034F", "U+034F", 3)]
    [InlineData("1\u20E3", "U+20E3", 2)]    // keycap
    [InlineData("a\uFFFD", "U+FFFD", 2)]
    [InlineData("a\u0301\u0301\u0301\u0301", "U+0301", 5)] // a fourth combining mark in a row
    [InlineData("a\uFE0F", "U+FE0F", 2)]
    public void TextNoDeviceShowsAsWritten_IsRefused_NamingTheCodePointAndItsPosition(string text, string codePoint, int position)
    {
        string? problem = ShownText.Problem(text);

        Assert.NotNull(problem);
        Assert.Contains(codePoint, problem, StringComparison.Ordinal);
        Assert.Contains($"at character {position}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoneSurrogate_IsRefused()
    {
        // Built here: a test runner's serialisation of [InlineData] turns a lone surrogate into U+FFFD.
        string text = string.Concat("a", ((char)0xD800).ToString(), "b");

        Assert.Contains("U+D800", ShownText.Problem(text), StringComparison.Ordinal);
    }
}
