using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Json.Schema;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>The retained <c>status</c> (with its Last Will) and <c>state</c> topics.</summary>
[Trait("Category", "Integration")]
public sealed class StatusTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Status_IsOnlineRetained_WhileConnected_AndTheLastWillLeavesOfflineRetained_WhenTheLinkDies()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("status-a");
        HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => link.IsConnected, s_long, "the link to connect", () => branch.Logger.Text);

        // A late subscriber gets the retained status: that is what "retained" is for.
        JsonElement online = await RetainedStatusAsync(broker, "status-a", "online");
        DateTime since = online.GetProperty("since").GetDateTime();
        Assert.Equal(DateTimeKind.Utc, since.Kind);
        Assert.InRange(since, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));

        // Dies without a goodbye: the broker publishes the Last Will.
        await link.DisposeAsync();
        JsonElement offline = await RetainedStatusAsync(broker, "status-a", "offline");
        Assert.Equal(JsonValueKind.Null, offline.GetProperty("since").ValueKind);
        Assert.Equal("connection_lost", offline.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task GracefulStop_LeavesOfflineStoppedRetained_AndTheCursorSaved()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("status-b");
        long last = branch.RunDays(1, ticketsPerDay: 40);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => link.AcknowledgedSequence == last, s_long, "every event acknowledged", () => branch.Logger.Text);
        await link.StopAsync();

        Assert.False(link.IsConnected);
        Assert.Equal(last, branch.Log.Cursor(HeadOfficeOptions.CursorName).Position);
        JsonElement offline = await RetainedStatusAsync(broker, "status-b", "offline");
        Assert.Equal("stopped", offline.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.String, offline.GetProperty("since").ValueKind);
    }

    [Fact]
    public async Task State_IsPublishedRetained_OnlyWhenItChanged()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("status-c");
        branch.State.Set("""{"waiting":1}""");
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/status-c/state"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count == 1, s_long, "the first state");

        // Asked for twice more while unchanged: nothing new is published.
        int calls = branch.State.Calls;
        await Wait.UntilAsync(() => branch.State.Calls >= calls + 2, s_long, "two more state reads");
        Assert.Single(office.Messages());

        branch.State.Set("""{"waiting":2}""");
        await Wait.UntilAsync(() => office.Count == 2, s_long, "the changed state");
        Assert.Equal(["""{"waiting":1}""", """{"waiting":2}"""], office.Messages().Select(m => m.Text));

        await using Observer late = await Observer.ConnectAsync(broker, ["lobby/v1/status-c/state"]);
        await Wait.UntilAsync(() => late.Messages().Count == 1, s_long, "the retained state");
        Assert.True(late.Messages()[0].Retain);
        Assert.Equal("""{"waiting":2}""", late.Messages()[0].Text);
        await link.StopAsync();
    }

    [Fact]
    public async Task State_ChangingAllTheTime_IsPublishedAtMostOnceASecond()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("status-d");
        branch.State.ChangeEveryCall = true;
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/status-d/state"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count >= 3, s_long, "three states");
        await link.StopAsync();

        // Every read of a changed state is published (all three arrived); the reads are a second apart at least.
        long[] times = [.. branch.State.CallTimes];
        Assert.True(times.Length >= 3);
        for (int i = 1; i < times.Length; i++)
        {
            TimeSpan gap = Stopwatch.GetElapsedTime(times[i - 1], times[i]);
            Assert.True(gap >= TimeSpan.FromMilliseconds(990), $"states {i - 1} and {i} were made {gap.TotalMilliseconds:0} ms apart");
        }

        Assert.Equal(office.Messages().Select(m => m.Text).Distinct().Count(), office.Count);
    }

    [Fact]
    public async Task Status_CarriesVersionUptimeAndConfiguration_IsRepublishedWhenTheConfigurationChanges_AndEveryStatusIsValid()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("status-e");
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/status-e/status"]);
        var started = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        var link = new HeadOfficeLink(TestBranch.Options(broker.Endpoint), branch.Config, branch.Log, branch.Handler, branch.State, TimeProvider.System, branch.Logger)
        {
            StartedAt = started,
        };
        await link.StartAsync();

        // Published before a late subscriber connects, so that one gets it as the retained message.
        await Wait.UntilAsync(() => link.IsConnected && office.Count > 0, s_long, "the link to connect", () => branch.Logger.Text);
        JsonElement online = await RetainedStatusAsync(broker, "status-e", "online");
        string expectedVersion = typeof(HeadOfficeLink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expectedVersion, online.GetProperty("version").GetString());
        Assert.Equal(started.UtcDateTime, online.GetProperty("startedAt").GetDateTime());
        long uptime = online.GetProperty("uptimeSeconds").GetInt64();
        Assert.InRange(uptime, (long)(DateTimeOffset.UtcNow - started).TotalSeconds - 600, (long)(DateTimeOffset.UtcNow - started).TotalSeconds);
        Assert.Equal(branch.Config.Version, online.GetProperty("configuration").GetProperty("version").GetInt64());
        Assert.Equal(branch.Config.Hash.ToString("x16", CultureInfo.InvariantCulture), online.GetProperty("configuration").GetProperty("hash").GetString());

        // The engine put version 7 in force: status says so within a second, with the same "since".
        link.NotifyConfiguration(7, 0x0123456789abcdef);
        await Wait.UntilAsync(() => office.Messages().Any(m => m.Json.GetProperty("configuration").GetProperty("version").GetInt64() == 7), s_long, "status with configuration 7");
        JsonElement republished = office.Messages().Last().Json;
        Assert.Equal("online", republished.GetProperty("status").GetString());
        Assert.Equal("0123456789abcdef", republished.GetProperty("configuration").GetProperty("hash").GetString());
        Assert.Equal(online.GetProperty("since").GetDateTime(), republished.GetProperty("since").GetDateTime());

        // An older version arriving late changes nothing.
        link.NotifyConfiguration(6, 1);
        Assert.Equal(7, link.Configuration.Version);

        // Dies without a goodbye: the Last Will (fixed at connect) has the version and start, no uptime.
        await link.DisposeAsync();
        await Wait.UntilAsync(() => office.Messages().Any(m => m.Json.GetProperty("status").GetString() == "offline"), s_long, "the Last Will");
        JsonElement will = await RetainedStatusAsync(broker, "status-e", "offline");
        Assert.Equal(expectedVersion, will.GetProperty("version").GetString());
        Assert.False(will.TryGetProperty("uptimeSeconds", out _));
        Assert.False(will.TryGetProperty("configuration", out _));

        JsonSchema schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "schemas", "status.schema.json"));
        foreach (JsonElement status in office.Messages().Select(m => m.Json).Append(will))
        {
            Assert.True(schema.Evaluate(status, new EvaluationOptions { RequireFormatValidation = true }).IsValid, status.GetRawText());
        }
    }

    private static async Task<JsonElement> RetainedStatusAsync(Mosquitto broker, string branchId, string status)
    {
        JsonElement found = default;
        await Wait.UntilAsync(async () =>
        {
            await using Observer late = await Observer.ConnectAsync(broker, [$"lobby/v1/{branchId}/status"]);
            try
            {
                await Wait.UntilAsync(() => late.Messages().Count > 0, TimeSpan.FromSeconds(5), "a retained status");
            }
            catch (Xunit.Sdk.FailException)
            {
                return false;
            }

            Received message = late.Messages()[0];
            Assert.True(message.Retain);
            Assert.Equal("application/json", message.ContentType);
            found = message.Json;
            return found.GetProperty("status").GetString() == status;
        }, s_long, $"status {status} retained");
        return found;
    }
}
