using LobbyEdge.Devices.Displays;

namespace LobbyEdge.Profiles.Tests;

/// <summary>
/// A display model's checksum (<c>kind:</c>, <c>crc:</c> parameters, <c>case:</c>) and <c>recall:</c> as the profile
/// loader reads them: what loads, and every mistake refused with file:line:column, the field and what to write.
/// </summary>
public sealed class DisplayChecksumProfileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-checksum-");

    /// <summary>The checksum element as written (line 6, from column 16), the text it is reported at, the field, and words of the message.</summary>
    public static TheoryData<string, string, string, string> BadChecksums => new()
    {
        { "kind: crc, crc: {width: 0, poly: 0x07, init: 0, refin: false, refout: false, xorout: 0}", "width", "crc.width", "must be between 1 and 32" },
        { "kind: crc, crc: {width: 33, poly: 0x07, init: 0, refin: false, refout: false, xorout: 0}", "width", "crc.width", "must be between 1 and 32 (got \"33\")" },
        { "kind: crc, crc: {width: 16, poly: 0x1020, init: 0, refin: false, refout: false, xorout: 0}", "poly", "crc.poly", "0x1020 is even" },
        { "kind: crc, crc: {width: 16, poly: 0x11021, init: 0, refin: false, refout: false, xorout: 0}", "poly", "crc.poly", "0x11021 does not fit in 16 bits (at most 0xFFFF)" },
        { "kind: crc, crc: {width: 8, poly: 0x07, init: 0x1FF, refin: false, refout: false, xorout: 0}", "init", "crc.init", "0x1FF does not fit in 8 bits" },
        { "kind: crc, crc: {width: 8, poly: 0x07, init: 0, refin: false, refout: false, xorout: 0x100}", "xorout", "crc.xorout", "0x100 does not fit in 8 bits" },
        { "kind: crc, crc: {width: 8, poly: 0xZZ, init: 0, refin: false, refout: false, xorout: 0}", "poly", "crc.poly", "must be a whole number from 0 to 0xFFFFFFFF" },
        { "kind: crc, crc: {width: 8, poly: 0x07, init: 0, refin: no, refout: false, xorout: 0}", "refin", "crc.refin", "true or false" },
        { "kind: crc, crc: {width: 8, poly: 0x07, init: 0, refin: false, refout: false}", "crc:", "crc.xorout", "required key \"xorout\" is missing" },
        { "kind: crc, crc: {width: 8, poly: 0x07, init: 0, refin: false, refout: false, xorout: 0, check: 0xF4}", "check", "crc.check", "unknown key \"check\"" },
        { "kind: crc", "kind", "crc", "kind: crc needs its catalogue parameters" },
        { "kind: crc16-xmodm", "kind", "kind", "did you mean \"crc16-xmodem\"?" },
        { "kind: crc16-ccitt", "kind", "kind", "\"crc16-ccitt\" is ambiguous" },
        { "kind: crc16-kermit, crc: {width: 16, poly: 0x1021, init: 0, refin: true, refout: true, xorout: 0}", "crc:", "crc", "crc16-kermit is a preset with its own parameters" },
        { "kind: sum8, crc: {width: 8, poly: 0x07, init: 0, refin: false, refout: false, xorout: 0}", "crc:", "crc", "crc: parameters are for kind: crc" },
        { "kind: sum8, case: lower", "case", "case", "is the case of hex digits: it needs format: hex (got format: binary)" },
        { "kind: sum8, format: hex, case: small", "case", "case", "must be upper or lower (got \"small\")" },
    };

    /// <summary>The recall line as written (line 10), the field, and words of the message.</summary>
    public static TheoryData<string, string, string> BadRecalls => new()
    {
        { "recall: {action: template}", "recall.action", "template sends the model's recall message: add `messages: recall: {text: [\"{number}\"]}`" },
        { "recall: {action: blink}", "recall.action", "blink needs a blink element in the frame" },
        { "recall: {action: blnk}", "recall.action", "did you mean \"blink\"?" },
        { "recall: resend", "recall", "must be `{action: resend}`" },
        { "recall: {}", "recall.action", "required key \"action\" is missing" },
    };

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(BadChecksums))]
    public void BadChecksum_IsRefusedAtItsPosition_WithTheField(string checksum, string at, string field, string message)
    {
        string path = Write(checksum, "");
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(path));
        int column = 16 + checksum.IndexOf(at, StringComparison.Ordinal);
        Assert.Contains($"{path}:6:{column}: frame[2].checksum.{field}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadRecalls))]
    public void BadRecall_IsRefusedOnItsLine_WithTheField(string recall, string field, string message)
    {
        string path = Write("kind: sum8", recall);
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(path));
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(path)}:10:\d+: {System.Text.RegularExpressions.Regex.Escape(field)}: ", e.Message);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RecallMessage_WithResend_IsRefusedAsNeverShown()
    {
        ProfileException e = Refused("recall: {action: resend}", "  idle: {text: [\"-\"]}", "  idle: {text: [\"-\"]}\n  recall: {text: [\"{number}\"]}");
        Assert.Contains("recall.action: with resend the recall message is never shown", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateWithoutRecall_OnAModelThatCanBlink_SuggestsABlinkingRecallMessage()
    {
        ProfileException e = Refused("recall: {action: template}", "  - bytes: [0x02]", "  - bytes: [0x02]\n  - blink: {on: [0x31], off: [0x30]}");
        Assert.Contains("recall.action: template sends the model's recall message: add `messages: recall: {text: [\"{number}\"], blink: true}`", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind: crc16-ccitt-false", ChecksumKind.Crc, 16, 2)]
    [InlineData("kind: crc16-ibm-3740", ChecksumKind.Crc, 16, 2)]
    [InlineData("kind: crc32", ChecksumKind.Crc, 32, 4)]
    [InlineData("kind: crc8", ChecksumKind.Crc, 8, 1)]
    [InlineData("kind: bcc", ChecksumKind.Xor8, 8, 1)]
    [InlineData("kind: lrc", ChecksumKind.Sum8TwosComplement, 8, 1)]
    [InlineData("kind: sum16-ones", ChecksumKind.Sum16OnesComplement, 16, 2)]
    [InlineData("kind: crc, crc: {width: 12, poly: 0x80F, init: 0, refin: false, refout: true, xorout: 0}", ChecksumKind.Crc, 12, 2)]
    public void GoodChecksum_Loads_WithItsKindAndSize(string checksum, ChecksumKind kind, int bits, int bytes)
    {
        DisplayModel model = BranchProfileLoader.LoadDisplayModel(Write(checksum, ""));
        FrameElement e = model.Frame[2];
        Assert.Equal(kind, e.Checksum);
        Assert.Equal(bits, DisplayModel.ChecksumBits(e.Checksum, e.Crc));
        Assert.Equal(bytes, e.Number.Size);
    }

    [Fact]
    public void ShippedModels_RecallDefaults_TemplateWithARecallMessage_ResendWithout()
    {
        string models = Path.Combine(AppContext.BaseDirectory, "devices");
        Assert.Equal(RecallAction.Template, BranchProfileLoader.LoadDisplayModel(Path.Combine(models, "led-counter-1line.yaml")).Recall);
        Assert.Equal(RecallAction.Resend, BranchProfileLoader.LoadDisplayModel(Path.Combine(models, "led-main-4line.yaml")).Recall);
        Assert.Equal(RecallAction.Resend, BranchProfileLoader.LoadDisplayModel(Path.Combine(models, "led-counter-crc16ccitt.yaml")).Recall);
    }

    /// <summary>The model with <paramref name="recall"/> and one line of it replaced, refused by the loader.</summary>
    private ProfileException Refused(string recall, string line, string replacement)
    {
        string path = Write("kind: sum8", recall);
        File.WriteAllText(path, File.ReadAllText(path).Replace(line, replacement, StringComparison.Ordinal));
        return Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(path));
    }

    private string Write(string checksum, string recall)
    {
        string path = Path.Combine(_dir.FullName, $"model-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $$"""
            kind: display
            encoding: ascii
            frame:
              - bytes: [0x02]
              - text: {width: 8}
              - checksum: {{{checksum}}, from: text, to: text}
            messages:
              call: {text: ["{number}"]}
              idle: {text: ["-"]}
            {{recall}}
            """);
        return path;
    }
}
