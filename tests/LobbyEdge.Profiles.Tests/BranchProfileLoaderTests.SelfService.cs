using LobbyEdge.Engine;

namespace LobbyEdge.Profiles.Tests;

/// <summary>Issue 14, smart diversion: <c>services[].selfService</c> read, checked at its line and compared live.</summary>
public sealed partial class BranchProfileLoaderTests
{
    [Fact]
    public void Load_DemoProfile_NamesTheSelfServiceAlternativesOfCashAndNonCash_AndNoneForTheOthers()
    {
        BranchConfig config = BranchProfileLoader.Load(ShippedProfile("demo.yaml")).Branch;

        SelfServiceAlternative cash = Assert.IsType<SelfServiceAlternative>(config.Services[0].SelfService);
        Assert.Equal(("ATM / cash recycler in the lobby", "大厅自助存取款机", TimeSpan.FromMinutes(10)), (cash.Name, cash.NameZh, cash.WaitThreshold));
        Assert.NotNull(config.Services[1].SelfService);
        Assert.All(config.Services.Skip(2), s => Assert.Null(s.SelfService));
    }

    [Fact]
    public void Load_SelfService_IsReadIntoTheServiceConfig()
    {
        string path = Write(Minimal(cashExtra: "selfService: {name: \"ATM in the lobby\", nameZh: \"大厅自助存取款机\", waitMinutes: 12}"));

        BranchConfig config = BranchProfileLoader.Load(path).Branch;

        Assert.Equal(new SelfServiceAlternative("ATM in the lobby", "大厅自助存取款机", TimeSpan.FromMinutes(12)), config.Services[0].SelfService);
        Assert.Null(config.Services[1].SelfService);
        Assert.True(config.Services[0].SelfService!.IsSuggestedAt(12 * 60_000));
        Assert.False(config.Services[0].SelfService!.IsSuggestedAt((12 * 60_000) - 1));
        Assert.False(config.Services[0].SelfService!.IsSuggestedAt(-1));
    }

    [Theory]
    [InlineData("waitMinutes: 0", 14, 7, "services[0].selfService.waitMinutes", "must be between 1 and 480 (got \"0\")")]
    [InlineData("waitMinutes: 481", 14, 7, "services[0].selfService.waitMinutes", "must be between 1 and 480 (got \"481\")")]
    [InlineData("waitMinutes: soon", 14, 7, "services[0].selfService.waitMinutes", "soon")]
    [InlineData("waitMinute: 10", 14, 7, "services[0].selfService.waitMinute", "did you mean \"waitMinutes\"?")]
    public void Load_BadSelfService_IsReportedAtItsLineAndColumn(string waitLine, int line, int column, string field, string message)
    {
        string path = Write(Minimal(cashExtra: $"selfService:\n      name: \"ATM\"\n      {waitLine}"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = e.Problems.First(p => p.Field == field);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.ToString(), StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}:{column}: {field}: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SelfServiceWithoutNameOrNotAMap_SaysWhatIsMissing()
    {
        ProfileException missing = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {waitMinutes: 10}"))));
        Assert.Contains(missing.Problems, p => p.Field == "services[0].selfService.name" && p.Message.Contains("required key \"name\" is missing", StringComparison.Ordinal));

        ProfileException empty = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {name: \" \", waitMinutes: 10}"))));
        Assert.Contains(empty.Problems, p => p.Field == "services[0].selfService.name" && p.Message.Contains("must not be empty", StringComparison.Ordinal));

        ProfileException scalar = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: ATM"))));
        ProfileProblem problem = Assert.Single(scalar.Problems);
        Assert.Equal(("services[0].selfService", 12, 5), (problem.Field, problem.Line, problem.Column));
        Assert.Contains("must be a set of keys (name:, nameZh:, waitMinutes:)", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>selfService:</c> with nothing under it (or <c>{}</c>) is a slip, not "none": it used to load silently as no
    /// alternative. Leaving the key out is how a service names none.
    /// </summary>
    [Fact]
    public void Load_EmptySelfService_IsAnErrorAtItsLine_NotNone()
    {
        string path = Write(Minimal(cashExtra: "selfService:"));
        ProfileException empty = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));
        ProfileProblem problem = Assert.Single(empty.Problems);
        Assert.Equal(("services[0].selfService", 12, 5), (problem.Field, problem.Line, problem.Column));
        Assert.Contains("is empty; give its keys indented under it", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:12:5: services[0].selfService: ", problem.ToString(), StringComparison.Ordinal);

        ProfileException braces = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {}"))));
        Assert.Contains(braces.Problems, p => p.Field == "services[0].selfService.name" && p.Message.Contains("required key \"name\" is missing", StringComparison.Ordinal));
        Assert.Contains(braces.Problems, p => p.Field == "services[0].selfService.waitMinutes");

        Assert.Null(BranchProfileLoader.Load(Write(Minimal())).Branch.Services[0].SelfService);
    }

    /// <summary>
    /// The names are printed on the 48-column ticket printer (<c>No queue: {name}</c>, <c>可使用{nameZh}，免排队</c>) and
    /// shown on one line at the kiosk: at most 34 columns each, a Chinese character taking two, and one line.
    /// </summary>
    [Theory]
    [InlineData("name: \"ATM / cash recycler in the main lobby\"", "services[0].selfService.name", 37)]
    [InlineData("name: \"ATM\", nameZh: \"大厅一楼东侧自助存取款机与智能柜员机区\"", "services[0].selfService.nameZh", 38)]
    public void Load_SelfServiceNameTooWideForTheTicketLine_IsAnError(string names, string field, int columns)
    {
        string path = Write(Minimal(cashExtra: $"selfService: {{{names}, waitMinutes: 10}}"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(field, problem.Field);
        Assert.Equal(12, problem.Line);
        Assert.Contains($"must be one line of at most {BranchProfileLoader.MaxSelfServiceNameColumns} printer columns", problem.Message, StringComparison.Ordinal);
        Assert.EndsWith($"not {columns}", problem.Message, StringComparison.Ordinal);
    }

    /// <summary>A tab (or any character no printer shows as written) is the shared text check's refusal, naming the code point.</summary>
    [Fact]
    public void Load_SelfServiceNameNotOneLineOfPlainText_IsAnError_NamingTheCharacter()
    {
        string path = Write(Minimal(cashExtra: "selfService: {name: \"ATM\\tin the lobby\", waitMinutes: 10}"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("services[0].selfService.name", problem.Field);
        Assert.Equal(12, problem.Line);
        Assert.Contains("U+0009 (a control character) at character 4", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SelfServiceNamesAsWideAsTheTicketLineTakes_AreRead()
    {
        string name = new('N', BranchProfileLoader.MaxSelfServiceNameColumns);
        string nameZh = new('字', BranchProfileLoader.MaxSelfServiceNameColumns / 2);
        BranchConfig config = BranchProfileLoader.Load(Write(Minimal(cashExtra: $"selfService: {{name: \"{name}\", nameZh: \"{nameZh}\", waitMinutes: 10}}"))).Branch;
        Assert.Equal((name, nameZh), (config.Services[0].SelfService!.Name, config.Services[0].SelfService!.NameZh));
    }

    /// <summary>
    /// A service with a Chinese name says its alternative in Chinese first (kiosk, ticket, signage): without
    /// <c>nameZh</c> that text was half English, so it is required there. A service with no Chinese name is shown in
    /// English throughout, and <c>nameZh</c> stays optional (the English name is used).
    /// </summary>
    [Fact]
    public void Load_SelfServiceWithoutNameZh_IsAnError_WhenTheServiceHasAChineseName()
    {
        string path = Write(Minimal(cashExtra: "nameZh: \"个人现金\"\n    selfService: {name: \"ATM in the lobby\", waitMinutes: 10}"));
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));
        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("services[0].selfService.nameZh", problem.Field);
        Assert.Contains("required key \"nameZh\" is missing", problem.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:13:", problem.ToString(), StringComparison.Ordinal);

        SelfServiceAlternative english = BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {name: \"ATM in the lobby\", waitMinutes: 10}"))).Branch.Services[0].SelfService!;
        Assert.Equal(("ATM in the lobby", ""), (english.Name, english.NameZh));
    }

    [Fact]
    public void Compare_AddingChangingOrRemovingTheAlternative_IsALiveChange()
    {
        BranchConfig none = BranchProfileLoader.Load(Write(Minimal())).Branch;
        BranchConfig atm = BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {name: \"ATM\", nameZh: \"自助机\", waitMinutes: 10}"))).Branch;
        BranchConfig later = BranchProfileLoader.Load(Write(Minimal(cashExtra: "selfService: {name: \"ATM\", nameZh: \"自助机\", waitMinutes: 20}"))).Branch;

        ConfigurationDiff added = BranchConfig.Compare(none, atm);
        Assert.Equal(["services[0].selfService: none -> \"ATM\" / \"自助机\" from 10 min"], added.Live);
        Assert.Empty(added.AtNextOpening);
        Assert.Equal(["services[0].selfService: \"ATM\" / \"自助机\" from 10 min -> \"ATM\" / \"自助机\" from 20 min"], BranchConfig.Compare(atm, later).Live);
        Assert.Equal(["services[0].selfService: \"ATM\" / \"自助机\" from 20 min -> none"], BranchConfig.Compare(later, none).Live);
        Assert.NotEqual(none.Hash, atm.Hash);
    }
}
