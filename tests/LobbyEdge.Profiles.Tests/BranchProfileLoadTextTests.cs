using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LobbyEdge.Engine;

namespace LobbyEdge.Profiles.Tests;

/// <summary>A profile given as text (head office's push): the same checks and messages as a file, positions in the text.</summary>
public sealed class BranchProfileLoadTextTests : IDisposable
{
    private const string Profile = """
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
            careMinutes: 10
        counters:
          - number: 1
            services: [cash]

        """;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lobbyedge-profile-tests", Guid.NewGuid().ToString("N"));

    public BranchProfileLoadTextTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadText_ReadsTheProfile_AndSetsTheHashOfItsText()
    {
        BranchConfig config = BranchProfileLoader.LoadText(Profile, "update-configuration").Branch;

        Assert.Equal("b1", config.BranchId);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Services[0].CareThreshold);
        Assert.Equal(0, config.Version);
        byte[] sha = SHA256.HashData(Encoding.UTF8.GetBytes(Profile));
        Assert.Equal(BinaryPrimitives.ReadInt64BigEndian(sha), config.Hash);
        Assert.Equal(config.Hash, BranchProfileLoader.HashOf(Profile));
        Assert.NotEqual(config.Hash, BranchProfileLoader.LoadText(Profile + "# a comment\n", "x").Branch.Hash);
    }

    [Fact]
    public void LoadText_BadValue_IsReportedAtSourceNameLineColumn_WithTheSameMessageAsLoad()
    {
        string bad = Profile.Replace("careMinutes: 10", "careMinutes: 0", StringComparison.Ordinal);
        string path = Path.Combine(_directory, "branch.yaml");
        File.WriteAllText(path, bad, new UTF8Encoding(false));

        ProfileException fromText = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadText(bad, "update-configuration"));
        ProfileException fromFile = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("update-configuration", fromText.File);
        Assert.Equal(11, fromText.Line);
        Assert.Equal("services[0].careMinutes", fromText.Field);
        Assert.StartsWith("update-configuration:11:", fromText.Message, StringComparison.Ordinal);
        Assert.Equal(fromFile.Message.Replace(path, "update-configuration", StringComparison.Ordinal), fromText.Message);
        Assert.Equal((fromFile.Line, fromFile.Column, fromFile.Field), (fromText.Line, fromText.Column, fromText.Field));
    }

    [Fact]
    public void LoadText_Json_IsAcceptedAsYamlFlow_AndErrorsNameTheLineInTheJson()
    {
        const string json = """
            {
              "branch": {"id": "b1", "name": "B", "timeZone": "Asia/Shanghai", "open": "09:00", "close": "17:00"},
              "services": [{"id": "cash", "prefix": "A", "name": "Cash", "careMinutes": 4}],
              "counters": [{"number": 1, "services": ["cash"]}]
            }
            """;

        BranchConfig config = BranchProfileLoader.LoadText(json, "update-configuration").Branch;
        Assert.Equal(TimeSpan.FromMinutes(4), config.Services[0].CareThreshold);

        string bad = json.Replace("\"prefix\": \"A\"", "\"prefix\": \"AA\"", StringComparison.Ordinal);
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadText(bad, "update-configuration"));
        Assert.Equal(3, e.Line);
        Assert.Equal("services[0].prefix", e.Field);
    }

    [Fact]
    public void LoadText_SyntaxErrorOrEmpty_IsAProblemNotAnException()
    {
        ProfileException syntax = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadText("branch: [\n  id: b1\nservices: {", "update-configuration"));
        Assert.Contains("YAML syntax error", syntax.Message, StringComparison.Ordinal);
        Assert.True(syntax.Line > 0);

        ProfileException empty = Assert.Throws<ProfileException>(() => BranchProfileLoader.LoadText("", "update-configuration"));
        Assert.Contains("the profile is empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_SaysSoAsBefore()
    {
        string path = Path.Combine(_directory, "missing.yaml");

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal($"{path}: file not found", e.Message);
    }
}
