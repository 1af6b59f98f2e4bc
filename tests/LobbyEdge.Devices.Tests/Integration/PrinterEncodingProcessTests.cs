using System.Net;
using System.Text;
using LobbyEdge.Devices.Printer;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Issue 12, item 6 (the printer's half), through the real process: the kiosk's printer on a real pty, told by the
/// profile which character set it speaks. A GBK printer receives valid GBK, with substitutes for what GBK lacks; a
/// GB18030 printer (the default) still receives GB18030, byte for byte.
/// </summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class PrinterEncodingProcessTests : IAsyncDisposable
{
    // Names a branch may well have: the yuan sign, the euro, a bullet, and a rare name character outside GBK (𠮷).
    private const string BranchZh = "𠮷祥路支行";
    private const string Service = "Cash ¥ € • 𠮷";
    private const string ServiceZh = "现金 ¥";

    private static readonly Encoding s_strictGbk = CodePagesEncodingProvider.Instance.GetEncoding(936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;
    private static readonly Encoding s_gb18030 = CodePagesEncodingProvider.Instance.GetEncoding(54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)!;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-printer-encoding");
    private PtyPrinter? _pty;

    [Theory]
    [InlineData("gbk")]
    [InlineData("gb18030")]
    [InlineData(null)]
    public async Task KioskTicket_ReachesThePrinterInItsCharacterSet_WithSubstitutesOnAGbkPrinter(string? encoding)
    {
        _pty = await PtyPrinter.StartAsync(_dir.FullName);
        string branch = _pty.WriteKioskBranch(_dir.FullName, encoding);
        await File.WriteAllTextAsync(branch, (await File.ReadAllTextAsync(branch))
            .Replace("nameZh: \"自助网点\"", $"nameZh: \"{BranchZh}\"", StringComparison.Ordinal)
            .Replace("name: \"Personal cash\", nameZh: \"个人现金\"", $"name: \"{Service}\", nameZh: \"{ServiceZh}\"", StringComparison.Ordinal));
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}");
        (HttpStatusCode status, _) = await KioskTaps.TapWhenPrinterReadyAsync(http, service, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(9));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(await _pty.Printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30)));
        byte[][] lines = [.. _pty.Printer.LineBytes];

        if (encoding == "gbk")
        {
            // Every line is valid GBK: ASCII, or a lead 0x81..0xFE and a trail 0x40..0xFE (not 0x7F); no GB18030
            // four-byte sequences, no code page 936's lone 0x80 ...
            Assert.All(lines, line => Assert.True(IsGbk(line), Convert.ToHexString(line)));

            // ... and what GBK lacks came as its substitute: ¥ as ￥, € as EUR, • as ·, 𠮷 as □.
            Assert.Contains(s_strictGbk.GetBytes("□祥路支行"), lines, ByteLines.Instance);
            Assert.Contains(s_strictGbk.GetBytes("现金 ￥ / Cash ￥ EUR · □"), lines, ByteLines.Instance);
            Assert.Equal([0xA3, 0xA4], PrinterText.Encode("¥", PrinterEncoding.Gbk));
        }
        else
        {
            // GB18030, as before: the characters themselves, four-byte sequences included (¥ is 81 30 84 36).
            Assert.Contains(s_gb18030.GetBytes(BranchZh), lines, ByteLines.Instance);
            byte[] serviceLine = s_gb18030.GetBytes($"{ServiceZh} / {Service}");
            Assert.Contains(serviceLine, lines, ByteLines.Instance);
            Assert.Equal([0x81, 0x30, 0x84, 0x36], serviceLine.AsSpan(5, 4).ToArray());
        }

        Assert.Contains(s_strictGbk.GetBytes("A001"), lines, ByteLines.Instance);
    }

    [Fact]
    public void GbkEncoding_OfEveryCharacter_IsValidGbk_AndGb18030KeepsThemAll()
    {
        // Every BMP character but the surrogates, and an astral one: what GBK lacks never goes out as junk bytes.
        var all = new StringBuilder();
        for (int c = 1; c <= 0xFFFF; c++)
        {
            if (!char.IsSurrogate((char)c))
            {
                all.Append((char)c);
            }
        }

        all.Append("𠮷😀");
        byte[] gbk = PrinterText.Encode(all.ToString(), PrinterEncoding.Gbk);
        string back = s_strictGbk.GetString(gbk);
        Assert.True(IsGbk(gbk));
        Assert.EndsWith("□□", back, StringComparison.Ordinal);
        Assert.Contains("你好￥", PrinterText.Encode("你好¥", PrinterEncoding.Gbk) is var b ? s_strictGbk.GetString(b) : "", StringComparison.Ordinal);
        Assert.Equal(all.ToString(), s_gb18030.GetString(PrinterText.Encode(all.ToString(), PrinterEncoding.Gb18030)));
    }

    public async ValueTask DisposeAsync()
    {
        if (_pty is not null)
        {
            await _pty.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    /// <summary>GBK's byte grammar: ASCII, or a lead 0x81..0xFE and a trail 0x40..0x7E or 0x80..0xFE.</summary>
    private static bool IsGbk(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b < 0x80)
            {
                continue;
            }

            if (b is 0x80 or 0xFF || i + 1 == bytes.Length || bytes[i + 1] is < 0x40 or 0x7F or 0xFF)
            {
                return false;
            }

            i++;
        }

        return true;
    }

    private sealed class ByteLines : IEqualityComparer<byte[]>
    {
        public static ByteLines Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
