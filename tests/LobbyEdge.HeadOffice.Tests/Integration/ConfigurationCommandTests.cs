using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 15, items 1, 2 and 7: head office changes the branch's configuration without touching the box. The real
/// <c>lobby-edge</c> process and a real Mosquitto; the profile file, <c>{data}/config</c> and the replies are checked.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConfigurationCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-config-");
    private readonly string _branchId = "config-001";
    private Mosquitto _broker = null!;
    private Observer _office = null!;
    private string _profile = "";
    private string _data = "";
    private ServiceProcess? _running;

    private string Replies => $"lobby/v1/{_branchId}/replies/office";

    private string CommandTopic(string name) => $"lobby/v1/{_branchId}/commands/{name}";

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        _office = await Observer.ConnectAsync(_broker, [Replies, $"lobby/v1/{_branchId}/events"]);
        _profile = Path.Combine(_work.FullName, "branch.yaml");
        File.WriteAllText(_profile, Profile(careMinutes: 30));
        _data = Path.Combine(_work.FullName, "data");
    }

    public async Task DisposeAsync()
    {
        if (_running is not null)
        {
            await _running.DisposeAsync();
        }

        await _office.DisposeAsync();
        await _broker.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task PushedCareThreshold_AppliesLive_IsIdempotent_SurvivesARestart_AndRollsBack()
    {
        await StartBranchAsync();
        JsonElement started = await SendAsync("update-configuration", """{"profile":"x: 1","expectVersion":99}""", "probe-version");
        Assert.Equal(1, started.GetProperty("version").GetInt64());
        Assert.Equal("version_conflict", started.GetProperty("reason").GetString());

        Assert.True((await SendAsync("open-day", "", "open-1")).GetProperty("ok").GetBoolean());
        Assert.True((await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1")).GetProperty("ok").GetBoolean());

        // Care after 1 minute instead of 30: applied live, the waiting ticket gets its alert within the test.
        string pushed = Profile(careMinutes: 1);
        string update = JsonSerializer.Serialize(new { profile = pushed, expectVersion = 1, requestId = "push-care-1" });
        JsonElement reply = await SendAsync("update-configuration", update, "push-1");
        Assert.True(reply.GetProperty("ok").GetBoolean(), reply.GetRawText());
        Assert.Equal(2, reply.GetProperty("version").GetInt64());
        Assert.Equal("live", reply.GetProperty("applied").GetString());
        Assert.Equal(16, reply.GetProperty("hash").GetString()!.Length);
        Assert.Contains(reply.GetProperty("live").EnumerateArray(), c => c.GetString()!.Contains("careMinutes", StringComparison.Ordinal));
        Assert.Equal(pushed, File.ReadAllText(_profile));
        Assert.Equal(pushed, File.ReadAllText(Path.Combine(_data, "config", "v000002.yaml")));

        await Wait.UntilAsync(() => Events("lobby.wait.care_needed").Count > 0, TimeSpan.FromSeconds(150), "the care alert at the lowered threshold", BranchLines);

        // The same request again (same requestId, new Correlation Data): the same answer, no new version.
        JsonElement again = await SendAsync("update-configuration", update, "push-1-again");
        Assert.Equal(reply.GetRawText(), again.GetRawText());
        Assert.Equal(2, IndexVersions());

        // A bad profile: refused naming position and field; the file and the version stay.
        byte[] before = File.ReadAllBytes(_profile);
        string bad = JsonSerializer.Serialize(new { profile = Profile(careMinutes: 0), requestId = "push-bad" });
        JsonElement refused = await SendAsync("update-configuration", bad, "push-bad");
        Assert.False(refused.GetProperty("ok").GetBoolean());
        Assert.Equal("services[0].careMinutes", refused.GetProperty("field").GetString());
        Assert.StartsWith("update-configuration:" + refused.GetProperty("line").GetInt32().ToString(CultureInfo.InvariantCulture) + ":", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_profile));
        Assert.Equal(2, IndexVersions());

        // Another branch's profile is refused.
        JsonElement other = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = Profile(careMinutes: 5, branchId: "other-002") }), "push-other");
        Assert.Equal("branch.id", other.GetProperty("field").GetString());

        // A restart keeps version 2 and its behaviour.
        await _running!.KillAsync();
        await _running.DisposeAsync();
        await StartBranchAsync();
        JsonElement afterRestart = await SendAsync("update-configuration", """{"profile":"x: 1","expectVersion":1}""", "probe-version-2");
        Assert.Equal(2, afterRestart.GetProperty("version").GetInt64());

        // Rollback: a new version with version 1's text, in force and in the file.
        JsonElement rollback = await SendAsync("rollback-configuration", "{}", "rollback-1");
        Assert.True(rollback.GetProperty("ok").GetBoolean(), rollback.GetRawText());
        Assert.Equal(3, rollback.GetProperty("version").GetInt64());
        Assert.Equal(Profile(careMinutes: 30), File.ReadAllText(_profile));
        Assert.Equal(File.ReadAllText(Path.Combine(_data, "config", "v000001.yaml")), File.ReadAllText(Path.Combine(_data, "config", "v000003.yaml")));
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_data, "config", "index.json")));
        Assert.Equal(["profile", "head-office", "rollback"], index.RootElement.EnumerateArray().Select(v => v.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task RepeatedPush_AfterTheIndexIsDamagedAndRebuilt_IsAnsweredFromTheLog_AndChangesNothing()
    {
        await StartBranchAsync();
        string pushA = JsonSerializer.Serialize(new { profile = Profile(careMinutes: 20), requestId = "push-a" });
        JsonElement a = await SendAsync("update-configuration", pushA, "push-a");
        Assert.Equal(2, a.GetProperty("version").GetInt64());
        string textB = Profile(careMinutes: 10);
        JsonElement b = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = textB, requestId = "push-b" }), "push-b");
        Assert.Equal(3, b.GetProperty("version").GetInt64());

        // The index is damaged while the branch is down, and rebuilt at start without the requests.
        await _running!.KillAsync();
        await _running.DisposeAsync();
        File.WriteAllText(Path.Combine(_data, "config", "index.json"), "{\n");
        await StartBranchAsync();

        // A redelivers: answered with the version it made, nothing carried out again.
        JsonElement again = await SendAsync("update-configuration", pushA, "push-a-redelivered");
        Assert.True(again.GetProperty("ok").GetBoolean(), again.GetRawText());
        Assert.Equal(2, again.GetProperty("version").GetInt64());
        Assert.Equal(a.GetProperty("hash").GetString(), again.GetProperty("hash").GetString());
        Assert.Equal(3, IndexVersions());
        Assert.Equal(textB, File.ReadAllText(_profile));
        JsonElement probe = await SendAsync("update-configuration", """{"profile":"x: 1","expectVersion":99}""", "probe-after");
        Assert.Equal(3, probe.GetProperty("version").GetInt64());
        Assert.DoesNotContain(_running!.Lines, l => ServiceProcess.Message(l).StartsWith("Configuration version 4", StringComparison.Ordinal));

        // The index has the request identity of version 2 back.
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_data, "config", "index.json")));
        Assert.NotNull(index.RootElement[1].GetProperty("request").GetString());
        Assert.Equal("head-office", index.RootElement[1].GetProperty("source").GetString());
    }

    [Fact]
    public async Task AddedService_WaitsForTheNextOpening_WhileOpen_AndTakesEffectAtOnceWhileClosed_ThroughAnInProcessRestart()
    {
        await StartBranchAsync();
        Assert.True((await SendAsync("open-day", "", "open-1")).GetProperty("ok").GetBoolean());

        string withFx = Profile(careMinutes: 30, extraService: true);
        JsonElement waits = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = withFx }), "push-fx");
        Assert.True(waits.GetProperty("ok").GetBoolean(), waits.GetRawText());
        Assert.Equal("next_opening", waits.GetProperty("applied").GetString());
        Assert.NotEmpty(waits.GetProperty("nextOpening").EnumerateArray());
        JsonElement notYet = await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-too-early");
        Assert.False(notYet.GetProperty("ok").GetBoolean());

        // A new data directory: a branch not yet open today takes the same change at once and restarts in-process.
        await _running!.KillAsync();
        await _running.DisposeAsync();
        File.WriteAllText(_profile, Profile(careMinutes: 30));
        _data = Path.Combine(_work.FullName, "data-closed");
        await StartBranchAsync();
        JsonElement live = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = withFx }), "push-fx-closed");
        Assert.True(live.GetProperty("ok").GetBoolean(), live.GetRawText() + string.Join("\n", _running!.Lines.Select(l => l.GetRawText()).Where(l => l.Contains("IndexOutOfRange", StringComparison.Ordinal))));
        Assert.Equal("live", live.GetProperty("applied").GetString());
        await _running!.WaitForLineAsync(m => m.Contains("restarting the service in-process", StringComparison.Ordinal), s_long);
        await Wait.UntilAsync(
            () => _running.Lines.Count(l => ServiceProcess.Message(l).StartsWith("Head office connected", StringComparison.Ordinal)) >= 2,
            s_long,
            "the new host to connect",
            BranchLines);
        await WaitForCommandsAsync();

        Assert.True((await SendAsync("open-day", "", "open-2")).GetProperty("ok").GetBoolean());
        JsonElement fx = await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-1");
        Assert.True(fx.GetProperty("ok").GetBoolean(), fx.GetRawText());
        Assert.Equal("C001", fx.GetProperty("ticket").GetString());
    }

    [Fact]
    public async Task UpdateCalendar_ReplacesTheCalendarSection_KeepingTheRestOfTheFile()
    {
        await StartBranchAsync();
        const string calendar = """{"calendar":{"weekly":{"mon":"08:30-17:00","tue":"08:30-17:00","wed":"08:30-17:00","thu":"08:30-17:00","fri":"08:30-17:00","sat":"09:00-16:00"},"dates":[{"date":"2026-10-01","to":"2026-10-07","closed":true,"note":"国庆节 National Day"}]}}""";

        JsonElement reply = await SendAsync("update-calendar", calendar, "calendar-1");

        Assert.True(reply.GetProperty("ok").GetBoolean(), reply.GetRawText());
        Assert.Equal(2, reply.GetProperty("version").GetInt64());
        string text = File.ReadAllText(_profile);
        Assert.Contains("# Counters of the test branch.", text, StringComparison.Ordinal);
        Assert.Contains("国庆节 National Day", text, StringComparison.Ordinal);
        Assert.Contains(reply.GetProperty("live").EnumerateArray(), c => c.GetString()!.StartsWith("calendar", StringComparison.Ordinal));
    }

    private async Task StartBranchAsync()
    {
        _running = ServiceProcess.Start(
            _work.FullName,
            "--branch", _profile, "--data", _data, "--Http:Enabled=false",
            $"--HeadOffice:Brokers:0=127.0.0.1:{_broker.Port}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5");
        await _running.WaitUntilReadyAsync();
        await _running.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
        await WaitForCommandsAsync();
    }

    /// <summary>"Connected" comes before the subscription: waits until a command is answered.</summary>
    private async Task WaitForCommandsAsync()
    {
        string probe = "probe-" + Guid.NewGuid().ToString("N");
        await Wait.UntilAsync(
            async () =>
            {
                await _office.PublishAsync(CommandTopic("update-configuration"), "{}", Replies, Encoding.UTF8.GetBytes(probe));
                await Task.Delay(250);
                return Answers(probe).Count > 0;
            },
            s_long,
            "the branch to take commands",
            BranchLines);
    }

    private async Task<JsonElement> SendAsync(string name, string payload, string correlation)
    {
        await _office.PublishAsync(CommandTopic(name), payload, Replies, Encoding.UTF8.GetBytes(correlation));
        await Wait.UntilAsync(() => Answers(correlation).Count >= 1, s_long, $"the answer to {name} {correlation}", BranchLines);
        return Answers(correlation)[0].Json;
    }

    private string BranchLines() => _running is null ? "" : string.Join(" | ", _running.Lines.TakeLast(12).Select(ServiceProcess.Message));

    private List<Received> Answers(string correlation)
    {
        byte[] id = Encoding.UTF8.GetBytes(correlation);
        return [.. _office.Messages(Replies).Where(m => m.CorrelationData is not null && m.CorrelationData.AsSpan().SequenceEqual(id))];
    }

    private List<Received> Events(string type) =>
        [.. _office.Messages($"lobby/v1/{_branchId}/events").Where(m => m.Json.GetProperty("type").GetString() == type)];

    private int IndexVersions()
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_data, "config", "index.json")));
        return index.RootElement.GetArrayLength();
    }

    /// <summary>
    /// A branch without hardware whose day is opened by head office, local time near noon whenever the test runs.
    /// </summary>
    private string Profile(int careMinutes, bool extraService = false, string? branchId = null)
    {
        int offset = 12 - DateTime.UtcNow.Hour;
        string zone = offset switch
        {
            0 => "Etc/GMT",
            > 0 => "Etc/GMT-" + offset.ToString(CultureInfo.InvariantCulture),
            _ => "Etc/GMT+" + (-offset).ToString(CultureInfo.InvariantCulture),
        };
        string fx = extraService ? "\n  - id: fx\n    prefix: C\n    name: \"Foreign exchange\"\n" : "";
        return $"""
            # The test branch: head office changes it.
            branch:
              id: {branchId ?? _branchId}
              name: "Configuration Test Branch"
              timeZone: {zone}
              open: "02:00"
              close: "23:00"
              autoOpenClose: false

            services:
              - id: cash
                prefix: A
                name: "Personal cash"
                careMinutes: {careMinutes}
            {fx}
            # Counters of the test branch.
            counters:
              - number: 1
                services: [{(extraService ? "cash, fx" : "cash")}]

            """.ReplaceLineEndings("\n");
    }
}
