using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;

namespace LobbyEdge.Profiles.Tests;

/// <summary>
/// One reader for every section: the same scalar grammar, problem form and did-you-mean in the branch sections,
/// the hardware sections and the device models, and every problem of all three in one run.
/// </summary>
public sealed class BranchProfileLoaderGrammarTests : IDisposable
{
    // One service, one counter, in flow style: line 1 the branch, 2 its services, 3 its counters.
    private const string Branch = """
        branch: {id: b1, name: "B", timeZone: Asia/Shanghai, open: "09:00", close: "17:00"}
        services: [{id: cash, prefix: A, name: "Cash"}]
        counters: [{number: 1, services: [cash]}]

        """;

    private readonly ProfileFolder _folder = new("le-profiles");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_ReturnsTheBranchItsHardwareAndItsVoice()
    {
        BranchProfile profile = BranchProfileLoader.Load(Write(Branch + """
            voice:
              languages: [en]
            devices:
              - {id: callers, model: caller68, port: /dev/ttyUSB0, keypads: [{counter: 1, address: 1}]}
            """));

        Assert.Equal("b1", profile.Branch.BranchId);
        Assert.Equal(["callers", "callers/keypad-1"], profile.Hardware.Devices.Select(d => d.Id));
        Assert.Equal(["en"], profile.Voice.Languages);
        Assert.Same(VoiceSettings.Unset, BranchProfileLoader.Load(Write(Branch)).Voice);
        Assert.True(BranchProfileLoader.Load(Write(Branch)).Hardware.IsEmpty);
    }

    [Fact]
    public void Load_CapitalisedTrueAndFalse_AreReadInEverySection()
    {
        // Before one reader, `True` loaded in the branch sections and was an error in the hardware sections.
        BranchProfile profile = BranchProfileLoader.Load(Write(Branch.Replace("close: \"17:00\"", "close: \"17:00\", autoOpenClose: False", StringComparison.Ordinal) + """
            devices:
              - id: callers
                model: caller68
                port: /dev/ttyUSB0
                keypads:
                  - {counter: 1, address: 1}
                  - {counter: 1, address: 2, rating: True}
            dispensers:
              - {id: entrance, buttons: [{service: cash, pin: 17}], activeLow: FALSE}
            """));

        Assert.False(profile.Branch.AutoOpenClose);
        KeypadAssignment[] keypads = [.. profile.Hardware.KeypadLines[0].Keypads];
        Assert.Equal([false, true], keypads.Select(k => k.IsRatingPad));
        Assert.False(profile.Hardware.Dispensers[0].Pins.ActiveLow);
    }

    [Fact]
    public void Load_RatingPadPrompt_IsOffByDefault_AndOnlyForRatingPads()
    {
        BranchProfile profile = BranchProfileLoader.Load(Write(Branch + """
            devices:
              - id: callers
                model: caller68
                port: /dev/ttyUSB0
                keypads:
                  - {counter: 1, address: 1}
                  - {counter: 1, address: 101, rating: true, prompt: true}
                  - {counter: 1, address: 102, rating: true}
            """));
        Assert.Equal([false, true, false], profile.Hardware.KeypadLines[0].Keypads.Select(k => k.Prompt));

        string path = Write(Branch + """
            devices:
              - {id: callers, model: caller68, port: /dev/ttyUSB0, keypads: [{counter: 1, address: 1, prompt: true}]}
            """);
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));
        Assert.Equal(
            [$"{path}:{Position(path, "prompt")}: devices[0].keypads[0].prompt: only a rating pad (rating: true) is prompted; a staff keypad has no prompt"],
            e.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Load_MixedCaseTrue_IsRefusedInEverySection()
    {
        // Before one reader, `tRUE` loaded in the branch sections (any case was accepted there).
        string path = Write(Branch.Replace("close: \"17:00\"", "close: \"17:00\", autoOpenClose: tRUE", StringComparison.Ordinal) + """
            devices:
              - {id: callers, model: caller68, port: /dev/ttyUSB0, keypads: [{counter: 1, address: 1, rating: yes}]}
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(
            [
                $"{path}:{Position(path, "autoOpenClose")}: branch.autoOpenClose: must be true or false (got \"tRUE\")",
                $"{path}:{Position(path, "rating")}: devices[0].keypads[0].rating: must be true or false (got \"yes\")",
            ],
            e.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Load_HexWholeNumbers_AreReadInTheBranchSectionsToo()
    {
        // Before one reader, 0x… was a whole number only in the hardware sections.
        BranchProfile profile = BranchProfileLoader.Load(Write(Branch
            .Replace("close: \"17:00\"", "close: \"17:00\", maxTicketsPerDay: 0x4000", StringComparison.Ordinal)
            .Replace("name: \"Cash\"", "name: \"Cash\", dailyCap: 0x64", StringComparison.Ordinal)));

        Assert.Equal(16_384, profile.Branch.MaxTicketsPerDay);
        Assert.Equal(100, profile.Branch.Services[0].DailyCap);
    }

    [Fact]
    public void Load_OutOfRangeInAHardwareSection_SaysTheRangeAndTheValueAsWritten()
    {
        string path = Write(Branch + """
            dispensers:
              - {id: entrance, buttons: [{service: cash, pin: 17}], debounceMs: 0x0}
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal($"{path}:{Position(path, "debounceMs")}: dispensers[0].debounceMs: must be between 1 and 1000 (got \"0x0\")", problem.ToString());
    }

    [Fact]
    public void Load_ABoardDeviceOnABadBus_IsOneProblem_NotAClashOnTheDefaultBus()
    {
        string path = Write(Branch + """
            dispensers:
              - {id: entrance, buttons: [{service: cash, pin: 17}], lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}}
              - {id: upstairs, buttons: [{service: cash, pin: 18}], lcd: {bus: one, address: 0x27, columns: 16, rows: 2}}
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal($"{path}:{Position(path, "bus: one")}: dispensers[1].lcd.bus: must be a whole number (got \"one\")", problem.ToString());
    }

    [Fact]
    public void Load_DispenserNamingAMisspeltPrinter_SuggestsTheClosestLikeTheKiosk()
    {
        string path = Write(Branch + """
            devices:
              - {id: printer-entrance, model: escpos-80mm, port: /dev/ttyUSB1}
            dispensers:
              - {id: entrance, printer: printer-entrace, buttons: [{service: cash}]}
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(("dispensers[0].printer", Position(path, "printer: printer-entrace")), (problem.Field, $"{problem.Line}:{problem.Column}"));
        Assert.Equal("no printer \"printer-entrace\" in devices (printers: printer-entrance); did you mean \"printer-entrance\"?", problem.Message);
    }

    [Fact]
    public void Load_PrinterEncoding_IsGb18030UnlessTheModelOrThePrinterSaysGbk_AndAWrongOneIsAPositionedProblem()
    {
        const string Printers = """
            devices:
              - {id: p1, model: escpos-80mm, port: /dev/ttyUSB1}
              - {id: p2, model: escpos-80mm, port: /dev/ttyUSB2, encoding: gbk}
              - {id: p3, model: escpos-80mm, port: /dev/ttyUSB3, encoding: gb18030}
            """;
        BranchProfile profile = BranchProfileLoader.Load(Write(Branch + Printers));
        Assert.Equal([PrinterEncoding.Gb18030, PrinterEncoding.Gbk, PrinterEncoding.Gb18030], profile.Hardware.Printers.Select(p => p.Settings.Encoding));

        // A model of GBK clones: its printers are GBK unless one says otherwise.
        string model = Path.Combine(_folder.Root, "devices", "escpos-80mm.yaml");
        File.AppendAllText(model, "encoding: gbk\n");
        profile = BranchProfileLoader.Load(Write(Branch + Printers));
        Assert.Equal([PrinterEncoding.Gbk, PrinterEncoding.Gbk, PrinterEncoding.Gb18030], profile.Hardware.Printers.Select(p => p.Settings.Encoding));

        string path = Write(Branch + """
            devices:
              - {id: p1, model: escpos-80mm, port: /dev/ttyUSB1, encoding: big5}
              - {id: callers, model: caller68, port: /dev/ttyUSB0, encoding: gbk, keypads: [{counter: 1, address: 1}]}
            """);
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));
        Assert.Collection(
            e.Problems,
            big5 => Assert.Equal(
                $"{path}:{Position(path, "encoding: big5")}: devices[0].encoding: a printer's encoding must be gb18030 or gbk (got \"big5\")", big5.ToString()),
            keypad => Assert.Equal(
                $"{path}:{Position(path, "encoding: gbk")}: devices[1].encoding: only a printer has an encoding (model \"caller68\" is a keypad)", keypad.ToString()));
    }

    [Fact]
    public void Load_ProblemsInTheBranchItsHardwareAndAModel_AreAllReportedInOneRun()
    {
        string model = Path.Combine(_folder.Root, "devices", "escpos-80mm.yaml");
        File.WriteAllText(model, File.ReadAllText(model).Replace("qrModuleSize: 6", "qrModuleSize: big", StringComparison.Ordinal));
        string path = Write(Branch.Replace("prefix: A", "prefix: a", StringComparison.Ordinal) + """
            devices:
              - {id: printer-entrance, model: escpos-80mm, port: /dev/ttyUSB1, baud: fast}
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Collection(
            e.Problems,
            prefix => Assert.Equal((path, Position(path, "prefix"), "services[0].prefix"), (prefix.File, $"{prefix.Line}:{prefix.Column}", prefix.Field)),
            baud => Assert.Equal((path, Position(path, "baud"), "devices[0].baud"), (baud.File, $"{baud.Line}:{baud.Column}", baud.Field)),
            qr =>
            {
                Assert.EndsWith("escpos-80mm.yaml", qr.File, StringComparison.Ordinal);
                Assert.Equal(("qrModuleSize", "must be a whole number (got \"big\")"), (qr.Field, qr.Message));
                Assert.True(qr.Line > 0 && qr.Column > 0);
            });
        Assert.Equal(string.Join('\n', e.Problems), e.Message);
    }

    [Fact]
    public void Load_AKeyLeftEmptyBeforeANestedKey_IsASyntaxErrorWithItsLine()
    {
        // YamlDotNet throws an ArgumentException without a position here (found by the mutation property in a model).
        string path = Write(Branch + "kiosk:\n : printer: x\n  other: y\n");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.True(problem.Line >= 4, problem.ToString());
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDisplayModel_OfAKeypadModel_IsAProfileProblem()
    {
        string model = Path.Combine(_folder.Root, "devices", "caller68.yaml");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadDisplayModel(model));

        Assert.Equal($"{model}:1:1: kind: model \"caller68\" is a keypad, not a display", e.Message);
    }

    private static string Position(string path, string text) => ProfileFolder.Position(path, text);

    private string Write(string yaml) => _folder.Write(yaml);
}
