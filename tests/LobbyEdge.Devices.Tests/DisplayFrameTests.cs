using System.Globalization;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Display frame checksums by parameters: every preset against the CRC RevEng catalogue's check value over ASCII
/// "123456789" (and its residue where the width is whole bytes), CRCs of odd widths given by parameters, the sums,
/// each kind through a model file (encode, decode back, a damaged frame refused), hex case, the worked example of
/// hardware-profiles/README.md, and no allocation when encoding.
/// </summary>
public sealed class DisplayFrameTests : IDisposable
{
    private static readonly byte[] s_check = "123456789"u8.ToArray();

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-frames-");

    private static string Models => Path.Combine(AppContext.BaseDirectory, "devices");

    /// <summary>Catalogue lines (https://reveng.sourceforge.io/crc-catalogue/): preset name, then width poly init refin refout xorout check residue.</summary>
    public static TheoryData<string, string> Presets => new()
    {
        { "crc8", "width=8 poly=0x07 init=0x00 refin=false refout=false xorout=0x00 check=0xf4 residue=0x00 name=CRC-8/SMBUS" },
        { "crc8-maxim", "width=8 poly=0x31 init=0x00 refin=true refout=true xorout=0x00 check=0xa1 residue=0x00 name=CRC-8/MAXIM-DOW" },
        { "crc8-itu", "width=8 poly=0x07 init=0x00 refin=false refout=false xorout=0x55 check=0xa1 residue=0xac name=CRC-8/I-432-1" },
        { "crc8-rohc", "width=8 poly=0x07 init=0xff refin=true refout=true xorout=0x00 check=0xd0 residue=0x00 name=CRC-8/ROHC" },
        { "crc16-modbus", "width=16 poly=0x8005 init=0xffff refin=true refout=true xorout=0x0000 check=0x4b37 residue=0x0000 name=CRC-16/MODBUS" },
        { "crc16-arc", "width=16 poly=0x8005 init=0x0000 refin=true refout=true xorout=0x0000 check=0xbb3d residue=0x0000 name=CRC-16/ARC" },
        { "crc16-usb", "width=16 poly=0x8005 init=0xffff refin=true refout=true xorout=0xffff check=0xb4c8 residue=0xb001 name=CRC-16/USB" },
        { "crc16-xmodem", "width=16 poly=0x1021 init=0x0000 refin=false refout=false xorout=0x0000 check=0x31c3 residue=0x0000 name=CRC-16/XMODEM" },
        { "crc16-ccitt-false", "width=16 poly=0x1021 init=0xffff refin=false refout=false xorout=0x0000 check=0x29b1 residue=0x0000 name=CRC-16/IBM-3740" },
        { "crc16-kermit", "width=16 poly=0x1021 init=0x0000 refin=true refout=true xorout=0x0000 check=0x2189 residue=0x0000 name=CRC-16/KERMIT" },
        { "crc16-x25", "width=16 poly=0x1021 init=0xffff refin=true refout=true xorout=0xffff check=0x906e residue=0xf0b8 name=CRC-16/IBM-SDLC" },
        { "crc16-mcrf4xx", "width=16 poly=0x1021 init=0xffff refin=true refout=true xorout=0x0000 check=0x6f91 residue=0x0000 name=CRC-16/MCRF4XX" },
        { "crc16-genibus", "width=16 poly=0x1021 init=0xffff refin=false refout=false xorout=0xffff check=0xd64e residue=0x1d0f name=CRC-16/GENIBUS" },
        { "crc32", "width=32 poly=0x04c11db7 init=0xffffffff refin=true refout=true xorout=0xffffffff check=0xcbf43926 residue=0xdebb20e3 name=CRC-32/ISO-HDLC" },
        { "crc32-bzip2", "width=32 poly=0x04c11db7 init=0xffffffff refin=false refout=false xorout=0xffffffff check=0xfc891918 residue=0xc704dd7b name=CRC-32/BZIP2" },
        { "crc32-mpeg2", "width=32 poly=0x04c11db7 init=0xffffffff refin=false refout=false xorout=0x00000000 check=0x0376e6e7 residue=0x00000000 name=CRC-32/MPEG-2" },
        { "crc32c", "width=32 poly=0x1edc6f41 init=0xffffffff refin=true refout=true xorout=0xffffffff check=0xe3069283 residue=0xb798b438 name=CRC-32/ISCSI" },
    };

    /// <summary>Catalogue CRCs no preset names, of widths that are not whole bytes and with refin different from refout.</summary>
    public static TheoryData<string> ByParameters => new()
    {
        "width=5 poly=0x05 init=0x1f refin=true refout=true xorout=0x1f check=0x19 residue=0x06 name=CRC-5/USB",
        "width=7 poly=0x09 init=0x00 refin=false refout=false xorout=0x00 check=0x75 residue=0x00 name=CRC-7/MMC",
        "width=7 poly=0x4f init=0x7f refin=true refout=true xorout=0x00 check=0x53 residue=0x00 name=CRC-7/ROHC",
        "width=11 poly=0x307 init=0x000 refin=false refout=false xorout=0x000 check=0x061 residue=0x000 name=CRC-11/UMTS",
        "width=12 poly=0x80f init=0x000 refin=false refout=true xorout=0x000 check=0xdaf residue=0x000 name=CRC-12/UMTS",
        "width=15 poly=0x4599 init=0x0000 refin=false refout=false xorout=0x0000 check=0x059e residue=0x0000 name=CRC-15/CAN",
        "width=16 poly=0x8005 init=0x800d refin=false refout=false xorout=0x0000 check=0x9ecf residue=0x0000 name=CRC-16/DDS-110",
        "width=32 poly=0x04c11db7 init=0x00000000 refin=false refout=false xorout=0xffffffff check=0x765e7680 residue=0xc704dd7b name=CRC-32/CKSUM",
        "width=32 poly=0x000000af init=0x00000000 refin=false refout=false xorout=0x00000000 check=0xbd0be338 residue=0x00000000 name=CRC-32/XFER",
    };

    /// <summary>Checksum kinds through a model file: the kind as written, its hex digits, and the value over "123456789" by its definition.</summary>
    public static TheoryData<string, int, uint> Kinds => new()
    {
        { "kind: sum8", 2, 0x1DD & 0xFF },
        { "kind: sum16", 4, 0x1DD },
        { "kind: sum8-twos", 2, (0x100 - (0x1DD & 0xFF)) & 0xFF },
        { "kind: lrc", 2, (0x100 - (0x1DD & 0xFF)) & 0xFF },
        { "kind: sum16-twos", 4, (0x10000 - 0x1DD) & 0xFFFF },
        { "kind: sum8-ones", 2, 0xFF - (0x1DD & 0xFF) },
        { "kind: sum16-ones", 4, 0xFFFF - 0x1DD },
        { "kind: xor8", 2, 0x31 },
        { "kind: bcc", 2, 0x31 },
        { "kind: crc16-xmodem", 4, 0x31C3 },
        { "kind: crc16-ibm-3740", 4, 0x29B1 },
        { "kind: crc8-maxim", 2, 0xA1 },
        { "kind: crc32", 8, 0xCBF43926 },
        { "{kind: crc, crc: {width: 16, poly: 0x1021, init: 0xFFFF, refin: false, refout: false, xorout: 0x0000}}", 4, 0x29B1 },
        { "{kind: crc, crc: {width: 5, poly: 0x05, init: 0x1f, refin: true, refout: true, xorout: 0x1f}}", 2, 0x19 },
    };

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(Presets))]
    public void Preset_HasTheCatalogueParameters_CheckValue_AndResidue(string preset, string catalogue)
    {
        Dictionary<string, string> p = Parse(catalogue);
        Assert.True(CrcAlgorithm.TryGetPreset(preset, out CrcAlgorithm crc), preset);
        Assert.Equal(p["name"], crc.CatalogueName);
        Assert.Equal(int.Parse(p["width"], CultureInfo.InvariantCulture), crc.Width);
        Assert.Equal(Hex(p["poly"]), crc.Poly);
        Assert.Equal(Hex(p["init"]), crc.Init);
        Assert.Equal(p["refin"] == "true", crc.RefIn);
        Assert.Equal(p["refout"] == "true", crc.RefOut);
        Assert.Equal(Hex(p["xorout"]), crc.XorOut);
        Assert.Equal(Hex(p["check"]), crc.Compute(s_check));
        AssertResidue(crc, Hex(p["residue"]));
    }

    [Theory]
    [MemberData(nameof(ByParameters))]
    public void CrcByParameters_OddWidthsAndMixedReflection_MatchTheCatalogue(string catalogue)
    {
        Dictionary<string, string> p = Parse(catalogue);
        var crc = new CrcAlgorithm("crc", int.Parse(p["width"], CultureInfo.InvariantCulture), Hex(p["poly"]), Hex(p["init"]), p["refin"] == "true", p["refout"] == "true", Hex(p["xorout"]));
        Assert.Equal(Hex(p["check"]), crc.Compute(s_check));
        AssertResidue(crc, Hex(p["residue"]));
    }

    [Fact]
    public void PresetAliases_AreTheSameCrc_AndEveryPresetNameIsKnown()
    {
        Assert.True(CrcAlgorithm.TryGetPreset("crc16-ibm-3740", out CrcAlgorithm a));
        Assert.True(CrcAlgorithm.TryGetPreset("crc16-ccitt-false", out CrcAlgorithm b));
        Assert.Same(a, b);
        Assert.True(CrcAlgorithm.TryGetPreset("crc16-ibm", out CrcAlgorithm arc));
        Assert.Equal("CRC-16/ARC", arc.CatalogueName);
        Assert.False(CrcAlgorithm.TryGetPreset("crc16-ccitt", out _));
        Assert.Equal(Presets.Count, CrcAlgorithm.Presets.Count);
    }

    [Fact]
    public void Sums_AreDefinedAsDocumented_AndTheLrcMakesTheBytesAddUpToZero()
    {
        byte[] bytes = [0x01, 0x02, 0xFF, 0x80];
        uint sum = 0x01 + 0x02 + 0xFF + 0x80;
        Assert.Equal(sum & 0xFF, DisplayModel.Compute(ChecksumKind.Sum8, bytes));
        Assert.Equal(sum & 0xFFFF, DisplayModel.Compute(ChecksumKind.Sum16, bytes));
        Assert.Equal(0u, (sum + DisplayModel.Compute(ChecksumKind.Sum8TwosComplement, bytes)) & 0xFF);
        Assert.Equal(0u, (sum + DisplayModel.Compute(ChecksumKind.Sum16TwosComplement, bytes)) & 0xFFFF);
        Assert.Equal(0xFFu, (sum + DisplayModel.Compute(ChecksumKind.Sum8OnesComplement, bytes)) & 0xFF);
        Assert.Equal(0xFFFFu, (sum + DisplayModel.Compute(ChecksumKind.Sum16OnesComplement, bytes)) & 0xFFFF);
        Assert.Equal((uint)(0x01 ^ 0x02 ^ 0xFF ^ 0x80), DisplayModel.Compute(ChecksumKind.Xor8, bytes));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ChecksumKind_InAModel_EncodesItsValueAsHex_DecodesBack_AndRefusesADamagedFrame(string kind, int digits, uint expected)
    {
        // The frame: STX, "123456789" as the text, the checksum over the text as lower-case hex, ETX.
        string checksum = kind.StartsWith('{') ? kind[1..^1] : kind;
        DisplayModel model = ModelWithFrame("ascii", $$"""
              - bytes: [0x02]
              - text: {width: 9}
              - checksum: {{{checksum}}, format: hex, case: lower, from: text, to: text}
              - bytes: [0x03]
                name: etx
            """);
        byte[] frame = new byte[64];
        int n = model.Encode(1, new DisplayText(["123456789"], Blink: false), 0, frame);
        Assert.Equal(1 + 9 + digits + 1, n);
        string written = System.Text.Encoding.ASCII.GetString(frame, 10, digits);
        Assert.Equal(expected.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), written);
        Assert.True(model.TryDecode(frame.AsSpan(0, n), out DecodedDisplayFrame? decoded));
        Assert.Equal("123456789", decoded!.Texts[1]);

        // One text byte changed: the checksum no longer matches, so the frame is not read.
        frame[5] ^= 0x01;
        Assert.False(model.TryDecode(frame.AsSpan(0, n), out _));

        // Upper-case digits are a different frame for a controller that compares bytes.
        frame[5] ^= 0x01;
        for (int i = 10; i < 10 + digits; i++)
        {
            frame[i] = (byte)char.ToUpperInvariant((char)frame[i]);
        }

        Assert.Equal(written.Any(char.IsAsciiLetterLower), !model.TryDecode(frame.AsSpan(0, n), out _));
    }

    [Fact]
    public void HexCase_AppliesToAddressLengthAndLineNumber()
    {
        DisplayModel model = ModelWithFrame("ascii", """
              - bytes: [0x3A]
              - address: {format: hex, size: 2, case: lower}
              - line: {format: hex, size: 2, base: 1, case: lower}
              - length: {format: hex, size: 2, case: lower, from: text, to: text}
              - text: {}
              - checksum: {kind: sum8-twos, format: hex, from: address, to: text}
              - bytes: [0x0D, 0x0A]
                name: end
            """);
        byte[] frame = new byte[64];
        int n = model.Encode(0xAB, new DisplayText(["0123456789ABCDEF"], Blink: false), 0, frame);
        Assert.Equal(":ab0110", System.Text.Encoding.ASCII.GetString(frame, 0, 7));

        // The LRC stays upper case (the default): the case is per number.
        byte lrc = (byte)(0x100 - ("ab0110"u8.ToArray().Concat("0123456789ABCDEF"u8.ToArray()).Sum(b => b) & 0xFF));
        Assert.Equal(lrc.ToString("X2", CultureInfo.InvariantCulture), System.Text.Encoding.ASCII.GetString(frame, n - 4, 2));
        Assert.True(model.TryDecode(frame.AsSpan(0, n), out DecodedDisplayFrame? decoded));
        Assert.Equal(0xAB, decoded!.Address);
        Assert.Equal(0, decoded.Line);
    }

    /// <summary>The worked example of hardware-profiles/README.md, "Display frames", byte for byte.</summary>
    [Fact]
    public void WorkedExample_Crc16CcittCounterDisplay_FrameIsAsDocumented()
    {
        const string Documented = "02 03 31 20 20 41 30 32 33 20 20 06 E7 03";
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Path.Combine(Models, "led-counter-crc16ccitt.yaml"));
        byte[] frame = new byte[64];
        int n = model.Encode(3, new DisplayText(["A023"], Blink: false), 0, frame);
        Assert.Equal(Documented, Convert.ToHexString(frame, 0, n).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => $"{a} {b}"));

        // The CRC is CRC-16/CCITT-FALSE of address..text (the catalogue's algorithm, here bit by bit), high byte first.
        ushort crc = 0xFFFF;
        foreach (byte b in frame.AsSpan(1, 10))
        {
            crc ^= (ushort)(b << 8);
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        Assert.Equal([(byte)(crc >> 8), (byte)crc], frame[11..13]);
        Assert.Equal(RecallAction.Resend, model.Recall);

        // The docs show the same bytes, and the model file's comment too.
        string repository = FindRepositoryRoot();
        Assert.Contains(Documented, File.ReadAllText(Path.Combine(repository, "hardware-profiles", "README.md")), StringComparison.Ordinal);
        Assert.Contains(Documented, File.ReadAllText(Path.Combine(Models, "led-counter-crc16ccitt.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void DocumentedPresetTable_ListsEveryPresetWithItsCheckValue()
    {
        string doc = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "hardware-profiles", "README.md"));
        foreach (CrcAlgorithm p in CrcAlgorithm.Presets)
        {
            string check = "0x" + p.Check.ToString("X" + ((p.Width + 3) / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            Assert.Contains($"| `{p.Name}` |", doc, StringComparison.Ordinal);
            Assert.Contains($"| {check} |", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task VirtualDisplay_DropsAndCountsAFrameWithABadCrc_AndReadsTheGoodOnes()
    {
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Path.Combine(Models, "led-counter-crc16ccitt.yaml"));
        var display = new VirtualDisplayBus(new Dictionary<int, DisplayModel> { [3] = model });
        var pipe = new System.IO.Pipelines.Pipe();
        using var stop = new CancellationTokenSource();
        Task run = display.RunAsync(new DuplexStream(pipe.Reader.AsStream(), Stream.Null), stop.Token);

        byte[] frame = new byte[64];
        int n = model.Encode(3, new DisplayText(["A023"], Blink: false), 0, frame);
        byte[] bad = frame[..n];
        bad[12] ^= 0xFF;
        await pipe.Writer.WriteAsync(bad);

        // Enough good frames after it that the display gives up waiting for the rest of the bad one.
        for (int i = 0; i < 40; i++)
        {
            n = model.Encode(3, new DisplayText([$"B{i:D3}"], Blink: false), 0, frame);
            await pipe.Writer.WriteAsync(frame.AsMemory(0, n));
        }

        Assert.True(await display.WaitForAsync(d => d.Text(3) == "B039", TimeSpan.FromSeconds(30)), $"shows {display.Text(3)}");
        Assert.True(display.Undecodable > 0);
        Assert.DoesNotContain(display.FramesTo(3), f => f.AsSpan().SequenceEqual(bad));
        Assert.Equal(40, display.Frames);
        await pipe.Writer.CompleteAsync();
        await stop.CancelAsync();
        await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    internal static string FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LobbyEdge.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository root (LobbyEdge.sln) above " + AppContext.BaseDirectory);
    }

    private static void AssertResidue(CrcAlgorithm crc, uint residue)
    {
        if (crc.Width % 8 != 0)
        {
            return;
        }

        // The codeword: the message and its CRC, sent in the algorithm's bit order (reflected: low byte first).
        uint value = crc.Compute(s_check);
        byte[] codeword = new byte[s_check.Length + crc.Bytes];
        s_check.CopyTo(codeword, 0);
        for (int i = 0; i < crc.Bytes; i++)
        {
            int shift = crc.RefOut ? 8 * i : 8 * (crc.Bytes - 1 - i);
            codeword[s_check.Length + i] = (byte)(value >> shift);
        }

        Assert.Equal(residue, crc.Compute(codeword) ^ crc.XorOut);
    }

    private static Dictionary<string, string> Parse(string catalogue) =>
        catalogue.Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);

    private static uint Hex(string text) => uint.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>A display model file with these frame elements (YAML list lines) and a call and idle message, loaded.</summary>
    internal static DisplayModel ModelWithFrame(string encoding, string frame, string directory)
    {
        string path = Path.Combine(directory, $"model-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"kind: display\nencoding: {encoding}\nframe:\n{frame}\nmessages:\n  call: {{text: [\"{{number}}\"]}}\n  idle: {{text: [\"-\"]}}\n");
        return BranchProfileLoader.LoadDisplayModel(path);
    }

    private DisplayModel ModelWithFrame(string encoding, string frame) => ModelWithFrame(encoding, frame, _dir.FullName);
}
