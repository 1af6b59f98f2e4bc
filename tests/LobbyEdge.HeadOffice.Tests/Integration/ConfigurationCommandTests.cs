using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
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
    private HttpClient? _http;

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

        _http?.Dispose();
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

    [Fact]
    public async Task RestartWhileAnAddedServiceWaits_EveryConsumerRunsTheConfigurationInForce()
    {
        await StartBranchAsync(http: true);
        Assert.True((await SendAsync("open-day", "", "open-1")).GetProperty("ok").GetBoolean());
        Assert.True((await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "cash-1")).GetProperty("ok").GetBoolean());
        JsonElement waits = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = Profile(careMinutes: 30, extraService: true) }), "push-fx");
        Assert.Equal("next_opening", waits.GetProperty("applied").GetString());
        Assert.Equal(2, waits.GetProperty("version").GetInt64());

        // systemd restarts the service: the file already holds version 2, the open day runs version 1.
        await RestartAsync();

        JsonElement state = await StateAsync();
        Assert.Equal(["cash"], state.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(1, state.GetProperty("configuration").GetProperty("version").GetInt64());
        Assert.Equal(2, state.GetProperty("configuration").GetProperty("pending").GetInt64());

        // The kiosk does not know fx (it is not in force); cash issues, and head office's events name it.
        using (HttpResponseMessage fx = await _http!.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "fx" }))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, fx.StatusCode);
            Assert.Equal("unknown_service", (await fx.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        // The metrics have series for the services in force only (built from the file, they would name fx).
        using (HttpResponseMessage metrics = await _http!.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            string text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("lobby_tickets_issued_total{service=\"cash\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("service=\"fx\"", text, StringComparison.Ordinal);
        }

        using (HttpResponseMessage cash = await _http!.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" }))
        {
            Assert.True(cash.IsSuccessStatusCode, await cash.Content.ReadAsStringAsync());
        }

        JsonElement issued = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "cash-3");
        Assert.True(issued.GetProperty("ok").GetBoolean(), issued.GetRawText());
        Assert.Equal("A003", issued.GetProperty("ticket").GetString());
        await Wait.UntilAsync(() => IssuedEvent("A003") is not null, s_long, "the CloudEvent of A003", BranchLines);
        Assert.Equal("cash", IssuedEvent("A002")!.Value.GetProperty("data").GetProperty("service").GetString());
        Assert.Equal("cash", IssuedEvent("A003")!.Value.GetProperty("data").GetProperty("service").GetString());
        Assert.False((await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-early")).GetProperty("ok").GetBoolean());
        AssertNoFault();
    }

    [Fact]
    public async Task RestartWhileARemovedServiceHasWaitingTickets_NoCrash_EventsNameTheServicesInForce()
    {
        File.WriteAllText(_profile, Profile(careMinutes: 30, extraService: true));
        await StartBranchAsync(http: true);
        Assert.True((await SendAsync("open-day", "", "open-1")).GetProperty("ok").GetBoolean());
        Assert.True((await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-1")).GetProperty("ok").GetBoolean());
        Assert.True((await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-2")).GetProperty("ok").GetBoolean());
        JsonElement waits = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = Profile(careMinutes: 30) }), "drop-fx");
        Assert.Equal("next_opening", waits.GetProperty("applied").GetString());

        await RestartAsync();

        JsonElement state = await StateAsync();
        Assert.Equal(["cash", "fx"], state.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.Equal(2, state.GetProperty("services")[1].GetProperty("waiting").GetInt32());
        Assert.Equal(2, state.GetProperty("configuration").GetProperty("pending").GetInt64());

        // The day goes on with version 1: fx still issues (C003) and its waiting tickets are served by name.
        JsonElement fx = await SendAsync("issue-ticket", """{"service":"fx","channel":"mobile"}""", "fx-3");
        Assert.True(fx.GetProperty("ok").GetBoolean(), fx.GetRawText());
        Assert.Equal("C003", fx.GetProperty("ticket").GetString());
        JsonElement cash = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "cash-1");
        Assert.Equal("A001", cash.GetProperty("ticket").GetString());
        await Wait.UntilAsync(() => IssuedEvent("C003") is not null && IssuedEvent("A001") is not null, s_long, "the CloudEvents of C003 and A001", BranchLines);
        Assert.Equal("fx", IssuedEvent("C003")!.Value.GetProperty("data").GetProperty("service").GetString());
        Assert.Equal("cash", IssuedEvent("A001")!.Value.GetProperty("data").GetProperty("service").GetString());
        using (HttpResponseMessage kiosk = await _http!.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "fx" }))
        {
            Assert.True(kiosk.IsSuccessStatusCode, await kiosk.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage metrics = await _http!.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            string text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("lobby_tickets_issued_total{service=\"fx\"", text, StringComparison.Ordinal);
        }

        AssertNoFault();
    }

    [Fact]
    public async Task Simulation_AServiceAddedDuringDayOne_TakesEffectAtDayTwosOpening_ThroughAnInProcessRestart()
    {
        File.WriteAllText(_profile, SimulatedProfile(extraService: false));
        _running = ServiceProcess.Start(
            _work.FullName,
            "--branch", _profile, "--data", _data, "--simulate", "--speed", "600", "--days", "2", "--seed", "7", "--Http:Enabled=false",
            $"--HeadOffice:Brokers:0=127.0.0.1:{_broker.Port}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5");
        await _running.WaitUntilReadyAsync();
        await _running.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
        await WaitForCommandsAsync();
        await _running.WaitForLineAsync(m => m.Contains(" opened", StringComparison.Ordinal) && m.Contains("Day ", StringComparison.Ordinal), s_long);

        JsonElement waits = await SendAsync("update-configuration", JsonSerializer.Serialize(new { profile = SimulatedProfile(extraService: true) }), "push-fx-sim");
        Assert.True(waits.GetProperty("ok").GetBoolean(), waits.GetRawText());
        Assert.Equal("next_opening", waits.GetProperty("applied").GetString());

        // Day 2 opens with version 2: the host restarts in-process, the simulation resumes the day and issues fx.
        await _running.WaitForLineAsync(m => m.Contains("restarting the service in-process", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        await _running.WaitForLineAsync(m => m.StartsWith("Engine loop running for branch", StringComparison.Ordinal) && m.Contains("2 services", StringComparison.Ordinal), s_long);
        await Wait.UntilAsync(
            () => Events("lobby.ticket.issued").Any(m => m.Json.GetProperty("data").GetProperty("service").GetString() == "fx"),
            s_long,
            "a simulated fx ticket on day 2",
            BranchLines);
        AssertNoFault();
    }

    /// <summary>A branch the simulation runs (its clock opens and closes the day), with or without the fx service.</summary>
    private string SimulatedProfile(bool extraService)
    {
        string fx = extraService ? "\n  - id: fx\n    prefix: C\n    name: \"Foreign exchange\"\n" : "";
        string served = extraService ? "cash, fx" : "cash";
        return $"""
            branch:
              id: {_branchId}
              name: "Simulated Configuration Branch"
              timeZone: Etc/GMT
              open: "09:00"
              close: "17:00"

            services:
              - id: cash
                prefix: A
                name: "Personal cash"
            {fx}
            counters:
              - number: 1
                services: [{served}]
              - number: 2
                services: [{served}]

            """.ReplaceLineEndings("\n");
    }

    private async Task StartBranchAsync(bool http = false)
    {
        int port = ServiceProcess.FreePort();
        _running = ServiceProcess.Start(
            _work.FullName,
            "--branch", _profile, "--data", _data, http ? $"--Http:Port={port}" : "--Http:Enabled=false",
            $"--HeadOffice:Brokers:0=127.0.0.1:{_broker.Port}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5");
        await _running.WaitUntilReadyAsync();
        await _running.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
        await WaitForCommandsAsync();
        if (http)
        {
            _http?.Dispose();
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Wait.UntilAsync(async () => (await _http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode, s_long, "/readyz", BranchLines);
        }
    }

    /// <summary>SIGTERM (as systemd stops it), a clean exit, and a start on the same data directory and profile file.</summary>
    private async Task RestartAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _running!.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        Assert.Equal(0, await _running.WaitForExitAsync(s_long));
        await _running.DisposeAsync();
        await StartBranchAsync(http: _http is not null);
    }

    private async Task<JsonElement> StateAsync() => await _http!.GetFromJsonAsync<JsonElement>(new Uri("/api/state", UriKind.Relative));

    /// <summary>The <c>lobby.ticket.issued</c> CloudEvent of a ticket number, if head office has it.</summary>
    private JsonElement? IssuedEvent(string ticket) =>
        Events("lobby.ticket.issued").Select(m => (JsonElement?)m.Json).FirstOrDefault(j => j!.Value.GetProperty("data").GetProperty("ticket").GetString() == ticket);

    /// <summary>No fault in the running process's log (an index error would surface as an Error or Critical line).</summary>
    private void AssertNoFault() =>
        Assert.DoesNotContain(_running!.Lines, l => l.GetProperty("LogLevel").GetString() is "Error" or "Critical");

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
    /// The zone whose local time is near noon when the test starts; chosen once, so a test that runs across the hour
    /// still compares the profile text it wrote with the same zone.
    /// </summary>
    private readonly string _zoneNearNoon = (12 - DateTime.UtcNow.Hour) switch
    {
        0 => "Etc/GMT",
        > 0 and int ahead => "Etc/GMT-" + ahead.ToString(CultureInfo.InvariantCulture),
        int behind => "Etc/GMT+" + (-behind).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A branch without hardware whose day is opened by head office, local time near noon whenever the test runs.
    /// </summary>
    private string Profile(int careMinutes, bool extraService = false, string? branchId = null)
    {
        string zone = _zoneNearNoon;
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
