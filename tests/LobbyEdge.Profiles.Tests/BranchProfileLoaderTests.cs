using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.Profiles.Tests;

public sealed partial class BranchProfileLoaderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lobbyedge-profile-tests", Guid.NewGuid().ToString("N"));

    public BranchProfileLoaderTests()
    {
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
    }

    // ---- the shipped profiles ----

    [Fact]
    public void Load_DemoProfile_HasItsServicesCountersAndDay()
    {
        BranchConfig config = BranchProfileLoader.Load(ShippedProfile("demo.yaml")).Branch;

        Assert.Equal("demo-001", config.BranchId);
        Assert.Equal("Demo Branch", config.Name);
        Assert.Equal("演示网点", config.NameZh);
        Assert.Equal("Asia/Shanghai", config.TimeZone.Id);
        Assert.Equal(new TimeOnly(9, 0), config.OpenTime);
        Assert.Equal(new TimeOnly(17, 0), config.CloseTime);
        Assert.Equal(TimeSpan.FromMinutes(15), config.TicketingCutoff);
        Assert.True(config.AutoOpenClose);
        Assert.Equal(16_384, config.MaxTicketsPerDay);
        Assert.Equal(8, config.RecentCallCount);

        Assert.Equal(["cash", "noncash", "corp", "vip", "help"], config.Services.Select(s => s.Id));
        Assert.Equal("ABCVD", string.Concat(config.Services.Select(s => s.Prefix)));
        Assert.Equal("个人现金", config.Services[0].NameZh);

        ServiceConfig vip = config.Services[3];
        Assert.Equal(TimeSpan.FromMinutes(5), vip.CareThreshold);
        Assert.Equal(TimeSpan.FromMinutes(10), vip.SlaTarget);
        Assert.Equal(TimeSpan.FromMinutes(30), vip.ToleranceTime);
        Assert.Equal(2, vip.MaxRecoveries);
        Assert.Equal(1, vip.RecoverOffset);
        Assert.Equal((1, 299), (vip.FirstNumber, vip.LastNumber));

        ServiceConfig cash = config.Services[0];
        Assert.Equal(TimeSpan.FromMinutes(10), cash.CareThreshold);
        Assert.Equal(5, cash.ToleranceCalls);
        Assert.Equal(TimeSpan.FromMinutes(4), cash.SeedServiceTime);
        Assert.Equal(Placement.Front, cash.TransferPlacement);

        ServiceConfig help = config.Services[4];
        Assert.Equal(200, help.DailyCap);
        Assert.Equal(Placement.End, help.TransferPlacement);

        Assert.Equal(8, config.Counters.Count);
        Assert.Equal(Enumerable.Range(1, 8), config.Counters.Select(c => c.Number));

        CounterConfig vipCounter = config.Counters[0];
        Assert.Equal(CounterMode.Ordered, vipCounter.Mode);
        Assert.Equal([new ServiceWeight(3, 1), new ServiceWeight(0, 1)], vipCounter.Services);

        CounterConfig weighted = config.Counters[1];
        Assert.Equal(CounterMode.Weighted, weighted.Mode);
        Assert.Equal([new ServiceWeight(3, 2), new ServiceWeight(0, 1)], weighted.Services);

        Assert.Equal(3, config.Counters.Count(c => c.Mode == CounterMode.LongestWait));
        Assert.False(config.Counters[6].OpenAtDayStart);
        Assert.Equal([8], config.Counters.Where(c => c.ButtonOnly).Select(c => c.Number));
        Assert.Empty(config.Validate());
    }

    [Fact]
    public void Load_SmallProfile_HasTwoServicesAndThreeCounters()
    {
        BranchConfig config = BranchProfileLoader.Load(ShippedProfile("small.yaml")).Branch;

        Assert.Equal("small-001", config.BranchId);
        Assert.Equal(new TimeOnly(9, 30), config.OpenTime);
        Assert.Equal(new TimeOnly(16, 30), config.CloseTime);
        Assert.Equal(TimeSpan.FromMinutes(10), config.TicketingCutoff);
        Assert.Equal(2, config.Services.Count);
        Assert.Equal(3, config.Counters.Count);
        Assert.Equal(TimeSpan.FromMinutes(8), config.Services[1].SeedServiceTime);
        Assert.Equal(TimeSpan.FromMinutes(5), config.Services[0].SeedServiceTime);
        Assert.Equal((1, 999), (config.Services[0].FirstNumber, config.Services[0].LastNumber));
        Assert.True(config.Counters[2].ButtonOnly);
        Assert.Equal([new ServiceWeight(1, 1), new ServiceWeight(0, 1)], config.Counters[1].Services);
        Assert.Empty(config.Validate());
    }

    [Fact]
    public void Load_HardwareSections_AreCheckedWithLineAndField()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              timeZone: Asia/Shanghai
              open: "09:00"
              close: "17:00"
            services:
              - id: cash
                prefix: A
                name: "Cash"
            counters:
              - number: 1
                services: [cash]
            devices:
              - anything: here
            dispensers: {}
            displays: [1, 2]
            """);

        // The hardware sections are read now (LobbyEdge.Profiles, HardwareSections): what they hold is checked like the rest.
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Contains(e.Problems, p => p.Field == "devices[0].anything" && p.Line == 15);
        Assert.Contains(e.Problems, p => p.Field == "dispensers" && p.Message.Contains("must be a list", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Field == "displays[0]" && p.Line == 17);
    }

    [Fact]
    public void Load_WeightedCounter_AcceptsBareIdsAndWeightedEntriesMixed()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                mode: weighted
                services: [{service: cash, weight: 3}, noncash]
            """));

        BranchConfig config = BranchProfileLoader.Load(path).Branch;

        Assert.Equal([new ServiceWeight(0, 3), new ServiceWeight(1, 1)], config.Counters[0].Services);
    }

    [Fact]
    public void Load_OptionalKeysLeftOut_TakeTheEngineDefaults()
    {
        BranchConfig config = BranchProfileLoader.Load(Write(Minimal())).Branch;
        var engine = new ServiceConfig { Prefix = 'A', Id = "x" };

        Assert.Equal(TimeSpan.FromMinutes(15), config.TicketingCutoff);
        Assert.Equal(engine.CareThreshold, config.Services[0].CareThreshold);
        Assert.Equal(engine.TransferPlacement, config.Services[0].TransferPlacement);
        Assert.Equal((1, 999), (config.Services[0].FirstNumber, config.Services[0].LastNumber));
        Assert.Equal(CounterMode.Ordered, config.Counters[0].Mode);
        Assert.True(config.Counters[0].OpenAtDayStart);
        Assert.False(config.Counters[0].ButtonOnly);
    }

    // ---- the file ----

    [Fact]
    public void Load_MissingFile_SaysFileNotFoundWithoutLine()
    {
        string path = Path.Combine(_directory, "nope.yaml");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(path, e.File);
        Assert.Equal(0, e.Line);
        Assert.Null(e.Field);
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void Load_DirectoryInsteadOfFile_SaysItCannotBeRead()
    {
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(_directory));

        Assert.StartsWith($"{_directory}: cannot read the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileNotUtf8_NamesLineOfFirstBadByte()
    {
        string path = Path.Combine(_directory, "gbk.yaml");
        byte[] gbk = [.. "branch:\n  id: b1\n  name: \""u8, 0xD1, 0xDD, 0xCA, 0xBE, .. "\"\n"u8];
        File.WriteAllBytes(path, gbk);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal((3, 10), (e.Line, e.Column));
        Assert.Contains("not UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyFile_SaysWhichSectionsAreNeeded()
    {
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write("# nothing yet\n")));

        Assert.Equal(1, e.Line);
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    // ---- YAML syntax ----

    [Fact]
    public void Load_YamlSyntaxError_ReportsYamlDotNetsLine()
    {
        string path = Write("""
            branch:
              id: b1
              name: "unterminated
            services: []
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(3, problem.Line);
        Assert.Null(problem.Field);
        Assert.StartsWith($"{path}:3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("YAML syntax error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadIndentation_ReportsTheLineYamlDotNetStoppedAt()
    {
        string path = Write("""
            branch:
              id: b1
             name: "B"
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(3, e.Line);
        Assert.Contains("YAML syntax error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnclosedBracketFollowedByKeys_ReportsWhereReadingStopped()
    {
        // YamlDotNet throws here without a position; the loader still names a line.
        string path = Write("""
            branch:
              id: b1
            counters:
              - number: 1
                services: [cash, noncash
              - number: 2
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.InRange(e.Line, 5, 6);
        Assert.Contains("YAML syntax error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateKey_NamesKeyAndLine()
    {
        string path = Write("""
            branch:
              id: b1
              id: b2
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(3, e.Line);
        Assert.Contains("key \"id\" appears twice", e.Message, StringComparison.Ordinal);
    }

    // ---- keys ----

    [Fact]
    public void Load_UnknownKey_NamesLineAndSuggestsClosestKey()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              timeZone: Asia/Shanghai
              open: "09:00"
              close: "17:00"
            services:
              - id: cash
                prefix: A
                name: "Cash"
              - id: noncash
                prefix: B
                name: "Non-cash"
                toleranceMinute: 30
            counters:
              - number: 1
                services: [cash, noncash]
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal((14, 5), (problem.Line, problem.Column));
        Assert.Equal("services[1].toleranceMinute", problem.Field);
        Assert.Equal(
            $"{path}:14:5: services[1].toleranceMinute: unknown key \"toleranceMinute\"; did you mean \"toleranceMinutes\"?",
            problem.ToString());
    }

    [Fact]
    public void Load_UnknownKeyWithNothingClose_ListsTheKnownKeys()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                services: [cash]
                colour: red
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("counters[0].colour", e.Field);
        Assert.Contains("known keys here: number, mode, services, buttonOnly, openAtDayStart", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VoiceLanguages_AreReadInTheOrderSpoken_AndAbsentMeansUnset()
    {
        BranchProfile english = BranchProfileLoader.Load(Write(Minimal() + "voice:\n  languages: [en, zh-CN]\n"));
        Assert.Equal(["en", "zh-CN"], english.Voice.Languages);
        Assert.Null(BranchProfileLoader.Load(Write(Minimal())).Voice.Languages);
    }

    [Fact]
    public void Load_UnknownOrRepeatedVoiceLanguage_NamesTheLineAndTheEntry()
    {
        string path = Write(Minimal() + "voice:\n  languages:\n    - zh-CN\n    - fr\n    - zh-CN\n");
        int line = File.ReadAllLines(path).ToList().IndexOf("    - fr") + 1;

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem unknown = Assert.Single(e.Problems, p => p.Field == "voice.languages[1]");
        Assert.Equal(line, unknown.Line);
        Assert.Contains("unknown language \"fr\"", unknown.Message, StringComparison.Ordinal);
        Assert.Contains(e.Problems, p => p.Field == "voice.languages[2]" && p.Message.Contains("listed twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnknownTopLevelSection_IsReported()
    {
        string path = Write(Minimal() + "printers:\n  - model: x\n");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("printers", e.Field);
        Assert.Equal(1, e.Column);
        Assert.Contains("unknown key \"printers\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingRequiredKey_NamesFieldAtItsSection()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              open: "09:00"
              close: "17:00"
            services:
              - id: cash
                prefix: A
                name: "Cash"
            counters:
              - number: 1
                services: [cash]
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("branch.timeZone", problem.Field);
        Assert.Equal(1, problem.Line);
        Assert.Contains("required key \"timeZone\" is missing", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingRequiredSections_AreEachReported()
    {
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write("defaults:\n  careMinutes: 5\n")));

        Assert.Equal(["branch", "services", "counters"], e.Problems.Select(p => p.Field));
    }

    [Fact]
    public void Load_RequiredKeyWithoutValue_SaysItNeedsAValue()
    {
        string path = Write(Minimal(counters: """
              - number:
                services: [cash]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("counters[0].number", problem.Field);
        Assert.Contains("needs a value", problem.Message, StringComparison.Ordinal);
    }

    // ---- values ----

    [Fact]
    public void Load_TextWhereNumberExpected_NamesFieldAndValue()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              timeZone: Asia/Shanghai
              open: "09:00"
              close: "17:00"
              maxTicketsPerDay: lots
            services:
              - id: cash
                prefix: A
                name: "Cash"
            counters:
              - number: 1
                services: [cash]
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal((7, 3), (problem.Line, problem.Column));
        Assert.Equal("branch.maxTicketsPerDay", problem.Field);
        Assert.Equal("must be a whole number (got \"lots\")", problem.Message);
    }

    [Fact]
    public void Load_ListWhereValueExpected_SaysWhatWasFound()
    {
        string path = Write(Minimal(counters: """
              - number: [1, 2]
                services: [cash]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("counters[0].number", e.Field);
        Assert.Contains("must be a whole number, not a list", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_YesInsteadOfTrue_IsRefused()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                services: [cash]
                buttonOnly: yes
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("counters[0].buttonOnly", e.Field);
        Assert.Contains("must be true or false (got \"yes\")", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9am")]
    [InlineData("9:00")]
    [InlineData("25:00")]
    [InlineData("09:00:00")]
    public void Load_BadTimeFormat_NamesFieldAndExpectedFormat(string open)
    {
        string path = Write(Minimal(open: $"\"{open}\""));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("branch.open", problem.Field);
        Assert.Equal(5, problem.Line);
        Assert.Equal($"must be a 24-hour time of day as HH:mm, e.g. \"09:00\" (got \"{open}\")", problem.Message);
    }

    [Fact]
    public void Load_UnknownTimeZone_NamesItAndSuggestsClosest()
    {
        string path = Write(Minimal(timeZone: "Asia/Shanghia"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(("branch.timeZone", 4), (problem.Field, problem.Line));
        Assert.Equal("unknown time zone \"Asia/Shanghia\"; did you mean \"Asia/Shanghai\"?", problem.Message);
    }

    [Fact]
    public void Load_BadPrefix_ReadsLikeTheDocumentedExample()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              timeZone: Asia/Shanghai
              open: "09:00"
              close: "17:00"
            services:
              - id: cash
                prefix: A
                name: "Cash"
              - id: noncash
                prefix: aa
                name: "Non-cash"
            counters:
              - number: 1
                services: [cash, noncash]
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal($"{path}:12:5: services[1].prefix: must be one capital letter A..Z (got \"aa\")", e.Message);
        Assert.Equal((12, 5, "services[1].prefix"), (e.Line, e.Column, e.Field));
    }

    [Fact]
    public void Load_BadNumberRange_ShowsTheExpectedForm()
    {
        string path = Write(Minimal(cashExtra: "numbers: 1..999"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("services[0].numbers", e.Field);
        Assert.Contains("must be a number range first-last, e.g. \"1-999\" (got \"1..999\")", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownPlacement_SuggestsClosest()
    {
        string path = Write(Minimal(cashExtra: "transferPlacement: byage"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("services[0].transferPlacement", e.Field);
        Assert.EndsWith("must be one of front, end, by-age (got \"byage\"); did you mean \"by-age\"?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownCounterMode_SuggestsClosest()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                mode: longestwait
                services: [cash]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("counters[0].mode", e.Field);
        Assert.Contains("did you mean \"longest-wait\"?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BranchIdWithTopicCharacters_IsRefused()
    {
        string path = Write(Minimal().Replace("id: b1", "id: sh/pudong#1", StringComparison.Ordinal));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("branch.id", 2), (e.Field, e.Line));
    }

    // ---- services and counters ----

    [Fact]
    public void Load_CounterReferencingUnknownService_NamesItsLineAndSuggests()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                services: [cash, nocash]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("counters[0].services[1]", problem.Field);
        Assert.Equal(18, problem.Line);
        Assert.Equal(22, problem.Column);
        Assert.Equal("unknown service \"nocash\" (known: cash, noncash); did you mean \"noncash\"?", problem.Message);
    }

    [Fact]
    public void Load_WeightedEntryWithUnknownService_NamesTheServiceKey()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                mode: weighted
                services:
                  - service: vip
                    weight: 2
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("counters[0].services[0].service", 20), (e.Field, e.Line));
    }

    [Fact]
    public void Load_WeightOnOrderedCounter_IsReported()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                services:
                  - service: cash
                    weight: 2
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("counters[0].services[0].weight", 20), (e.Field, e.Line));
        Assert.Contains("only counts when the counter's mode is weighted (this counter's mode is ordered)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateServiceId_NamesTheFirstUse()
    {
        string path = Write(Minimal().Replace("id: noncash", "id: cash", StringComparison.Ordinal));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("services[1].id", 13), (e.Field, e.Line));
        Assert.Contains("already used by services[0]", e.Message, StringComparison.Ordinal);
    }

    // ---- the engine's own checks, placed on their lines ----

    [Fact]
    public void Load_CloseBeforeOpen_EngineFindingPointsAtCloseLine()
    {
        string path = Write(Minimal(open: "\"17:00\"", close: "\"09:00\""));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = e.Problems[0];
        Assert.Equal(("branch.close", 6, 3), (problem.Field, problem.Line, problem.Column));
        Assert.Equal("close time 09:00 must be after open time 17:00", problem.Message);
    }

    [Fact]
    public void Load_DuplicateCounterNumber_EngineFindingPointsAtSecondCounter()
    {
        string path = Write(Minimal(counters: """
              - number: 4
                services: [cash]
              - number: 4
                services: [noncash]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(("counters[1].number", 19, 5), (problem.Field, problem.Line, problem.Column));
        Assert.Equal("counter number 4 is used twice", problem.Message);
    }

    [Fact]
    public void Load_DuplicatePrefix_EngineFindingPointsAtSecondPrefix()
    {
        string path = Write(Minimal().Replace("prefix: B", "prefix: A", StringComparison.Ordinal));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("services[1].prefix", 14), (e.Field, e.Line));
    }

    [Fact]
    public void Load_WeightOutOfRange_EngineFindingShowsTheValue()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                mode: weighted
                services: [{service: cash, weight: 500}]
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(("counters[0].services[0].weight", 19), (problem.Field, problem.Line));
        Assert.Equal("must be between 1 and 100 (got \"500\")", problem.Message);
    }

    [Fact]
    public void Load_CounterWithEmptyServiceList_EngineFindingPointsAtIt()
    {
        string path = Write(Minimal(counters: """
              - number: 1
                services: []
            """));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(("counters[0].services", 18), (e.Field, e.Line));
    }

    [Fact]
    public void Load_BadValueInDefaults_ReportedOnceAtTheDefaultsLine()
    {
        string path = Write(Minimal(defaults: "defaults:\n  careMinutes: 0\n  slaMinutes: soon\n"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Collection(
            e.Problems,
            care =>
            {
                Assert.Equal(("defaults.careMinutes", 8), (care.Field, care.Line));
                Assert.Equal("must be more than 0", care.Message);
            },
            sla =>
            {
                Assert.Equal(("defaults.slaMinutes", 9), (sla.Field, sla.Line));
                Assert.Equal("must be a whole number (got \"soon\")", sla.Message);
            });
    }

    [Fact]
    public void Load_ServiceOverride_WinsOverDefaults()
    {
        string path = Write(Minimal(defaults: "defaults:\n  careMinutes: 0\n", cashExtra: "careMinutes: 4"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        // cash overrides the bad default; only noncash inherits it.
        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("defaults.careMinutes", problem.Field);
    }

    // ---- many problems ----

    [Fact]
    public void Load_SeveralProblems_AreAllReportedInFileOrder()
    {
        string path = Write("""
            branch:
              id: b1
              name: "B"
              timeZone: Mars/Olympus
              open: "9am"
              close: "17:00"
              autoOpenClos: true
            services:
              - id: cash
                prefix: a
                name: "Cash"
            counters:
              - number: 0
                services: [cash, vip]
              - number: x
                services: [cash]
            """);

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(
            [
                ("branch.timeZone", 4),
                ("branch.open", 5),
                ("branch.autoOpenClos", 7),
                ("services[0].prefix", 10),
                ("counters[0].number", 13),
                ("counters[0].services[1]", 14),
                ("counters[1].number", 15),
            ],
            e.Problems.Select(p => (p.Field, p.Line)));
        Assert.Equal(e.Problems.Count, e.Message.Split('\n').Length);
        Assert.All(e.Message.Split('\n'), line => Assert.StartsWith($"{path}:", line, StringComparison.Ordinal));
        Assert.Equal(("branch.timeZone", 4), (e.Field, e.Line));
    }

    // ---- the rating window (issue 13) ----

    [Fact]
    public void Load_RatingWindowSeconds_SetsTheEnginesRatingWindow_AndDefaultsToTwoMinutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(2), BranchProfileLoader.Load(Write(Minimal())).Branch.RatingWindow);
        BranchConfig config = BranchProfileLoader.Load(Write(Minimal(close: "\"17:00\"\n  ratingWindowSeconds: 90"))).Branch;
        Assert.Equal(TimeSpan.FromSeconds(90), config.RatingWindow);
        Assert.Equal(TimeSpan.FromHours(1), BranchProfileLoader.Load(Write(Minimal(close: "\"17:00\"\n  ratingWindowSeconds: 3600"))).Branch.RatingWindow);
        Assert.Equal(TimeSpan.FromSeconds(1), BranchProfileLoader.Load(Write(Minimal(close: "\"17:00\"\n  ratingWindowSeconds: 1"))).Branch.RatingWindow);
    }

    [Theory]
    [InlineData("0", "must be between 1 and 3600 seconds (got \"0\")")]
    [InlineData("3601", "must be between 1 and 3600 seconds (got \"3601\")")]
    [InlineData("-5", "must be between 1 and 3600 seconds (got \"-5\")")]
    [InlineData("two minutes", "must be a whole number (got \"two minutes\")")]
    [InlineData("1.5", "must be a whole number (got \"1.5\")")]
    public void Load_BadRatingWindowSeconds_NamesFileLineFieldAndValue(string value, string message)
    {
        string path = Write(Minimal(close: $"\"17:00\"\n  ratingWindowSeconds: {value}"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal((path, 7, 3), (problem.File, problem.Line, problem.Column));
        Assert.Equal("branch.ratingWindowSeconds", problem.Field);
        Assert.Equal(message, problem.Message);
    }

    [Fact]
    public void Load_MisspelledRatingWindow_SuggestsTheKey()
    {
        string path = Write(Minimal(close: "\"17:00\"\n  ratingWindowSecond: 90"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(7, problem.Line);
        Assert.Contains("ratingWindowSeconds", problem.Message, StringComparison.Ordinal);
    }

    // ---- helpers ----

    private string Write(string yaml)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml.ReplaceLineEndings("\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary>
    /// A valid profile. Without defaults its lines are: 2 id, 4 timeZone, 5 open, 6 close,
    /// 7 blank (or defaults), 9 cash, 12 cashExtra, 13 noncash, 14 its prefix, 16 counters,
    /// 17 the first counter line.
    /// </summary>
    private static string Minimal(
        string timeZone = "Asia/Shanghai",
        string open = "\"09:00\"",
        string close = "\"17:00\"",
        string defaults = "",
        string cashExtra = "numbers: 1-999",
        string counters = "  - number: 1\n    services: [cash, noncash]\n")
    {
        return $"""
            branch:
              id: b1
              name: "B"
              timeZone: {timeZone}
              open: {open}
              close: {close}
            {defaults.TrimEnd('\n')}
            services:
              - id: cash
                prefix: A
                name: "Cash"
                {cashExtra}
              - id: noncash
                prefix: B
                name: "Non-cash"
            counters:
            {counters.TrimEnd('\n')}

            """;
    }

    /// <summary>A profile from hardware-profiles/branches, copied next to the tests by the project file.</summary>
    private static string ShippedProfile(string name) => Path.Combine(AppContext.BaseDirectory, "profiles", name);
}
