using LobbyEdge.Profiles;
using LobbyEdge.Service.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>The configuration store on real files, and the textual replacement of a profile's calendar section.</summary>
public sealed class ConfigurationStoreTests : IDisposable
{
    private const string Profile = """
        # Riverside branch
        branch:
          id: b1
          name: "B"
          timeZone: Asia/Shanghai
          open: "09:00"
          close: "17:00"
        calendar:
          weekly:
            mon: "09:00-17:00"   # old hours
        # Services of the branch.
        services:
          - id: cash
            prefix: A
            name: "Cash"
        counters:
          - number: 1
            services: [cash]

        """;

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("lobby-store-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public void AddedVersions_AreNumbered_Stored_AndResolved_AndADamagedIndexIsRebuiltFromTheFiles()
    {
        ConfigurationStore store = ConfigurationStore.Open(_data.FullName, _data.FullName, NullLogger.Instance);
        string text = Profile.Replace("calendar:\n  weekly:\n    mon: \"09:00-17:00\"   # old hours\n", "", StringComparison.Ordinal);
        long hash = BranchProfileLoader.HashOf(text);
        StoredVersion first = store.Add(text, new StoredVersion(0, StoredVersion.HashText(hash), "profile", DateTimeOffset.UnixEpoch));

        Assert.Equal(1, first.Version);
        Assert.Equal(text, File.ReadAllText(Path.Combine(_data.FullName, "config", "v000001.yaml")));
        Assert.Equal((1L, hash), (store.Resolve(1)!.Version, store.Resolve(1)!.Hash));

        File.WriteAllText(Path.Combine(_data.FullName, "config", "index.json"), "{ not json");
        ConfigurationStore reopened = ConfigurationStore.Open(_data.FullName, _data.FullName, NullLogger.Instance);
        Assert.Equal(StoredVersion.HashText(hash), Assert.Single(reopened.Versions).Hash);
    }

    [Fact]
    public void Index_IsWrittenByteForByteAsTheReflectionSerializerWroteIt_AndReadBack()
    {
        // The index was written with reflection-based JSON and these options before issue 17; the generated contract
        // (ConfigurationJsonContext.Store) must write the same bytes, and read an index an older version wrote.
        var before = new System.Text.Json.JsonSerializerOptions
        {
            PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = true,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        ConfigurationStore store = ConfigurationStore.Open(_data.FullName, _data.FullName, NullLogger.Instance);
        store.Add("branch: {}\n", new StoredVersion(0, StoredVersion.HashText(BranchProfileLoader.HashOf("branch: {}\n")), "profile", DateTimeOffset.UnixEpoch));
        store.Add("branch: {id: b2}\n", new StoredVersion(
            0, StoredVersion.HashText(BranchProfileLoader.HashOf("branch: {id: b2}\n")), "head-office", new DateTimeOffset(2026, 11, 30, 8, 15, 0, TimeSpan.FromHours(8)),
            Request: "00000000000000ff", Applied: "live", Live: ["calendar.weekly.mon: 09:00-17:00 -> 09:00-16:00 \"午休\" <b>"], NextOpening: []));
        string index = Path.Combine(_data.FullName, "config", "index.json");

        byte[] written = File.ReadAllBytes(index);
        Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(store.Versions.ToList(), before), written);

        File.WriteAllBytes(index, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(store.Versions.ToList(), before));
        ConfigurationStore reopened = ConfigurationStore.Open(_data.FullName, _data.FullName, NullLogger.Instance);
        Assert.Equal(store.Versions.Select(v => (v.Version, v.Hash, v.Source, v.At, v.Request, v.Applied, Live: string.Join("|", v.Live ?? []))),
            reopened.Versions.Select(v => (v.Version, v.Hash, v.Source, v.At, v.Request, v.Applied, Live: string.Join("|", v.Live ?? []))));
    }

    [Fact]
    public void AVersionFileThatNoLongerMatchesItsHash_IsNotUsed()
    {
        ConfigurationStore store = ConfigurationStore.Open(_data.FullName, _data.FullName, NullLogger.Instance);
        store.Add("branch: {}\n", new StoredVersion(0, StoredVersion.HashText(BranchProfileLoader.HashOf("branch: {}\n")), "profile", DateTimeOffset.UnixEpoch));
        File.WriteAllText(store.PathOf(1), "branch: {id: changed}\n");

        Assert.Null(store.ReadText(1));
        Assert.Null(store.Resolve(1));
    }

    [Fact]
    public void CalendarSection_IsReplaced_KeepingCommentsAndTheOtherSections()
    {
        string replaced = ConfigurationUpdates.CalendarSection.Replace(Profile, """{"weekly": {"mon": "08:30-17:00"}, "dates": [{"date": "2026-10-01", "closed": true, "note": "国庆节"}]}""");

        Assert.Contains("calendar: {\"weekly\":{\"mon\":\"08:30-17:00\"},\"dates\":[{\"date\":\"2026-10-01\",\"closed\":true,\"note\":\"国庆节\"}]}\n# Services of the branch.\nservices:", replaced, StringComparison.Ordinal);
        Assert.DoesNotContain("old hours", replaced, StringComparison.Ordinal);
        Assert.StartsWith("# Riverside branch\nbranch:", replaced, StringComparison.Ordinal);

        string appended = ConfigurationUpdates.CalendarSection.Replace("branch:\n  id: b1\n", """{"weekly":{}}""");
        Assert.Equal("branch:\n  id: b1\ncalendar: {\"weekly\":{}}\n", appended);

        string json = ConfigurationUpdates.CalendarSection.Replace("""{"branch": {"id": "b1"}, "calendar": {"weekly": {}}}""", """{"weekly":{"sun":"closed"}}""");
        Assert.Contains("\"sun\": \"closed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"branch\"", json, StringComparison.Ordinal);
    }
}
