using System.Globalization;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 15, item 3: every CloudEvent the real <c>lobby-edge</c> publishes validates against its type's JSON Schema
/// (<c>schemas/events</c>). The demo branch with hardware runs a simulated day (tickets, calls, counters, the
/// virtual devices reporting), takes head-office commands (carried out and refused), then runs again on the
/// machine's serial ports, where its devices are missing (device events <c>offline</c>); a real Mosquitto carries
/// everything to a head-office subscriber.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EmittedEventSchemaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string BranchId = "demo-hw-001";
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(120);
    private static readonly string s_profile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-schemas-");
    private Mosquitto _broker = null!;
    private Observer _office = null!;
    private ServiceProcess? _running;

    private static string Events => $"lobby/v1/{BranchId}/events";

    private static string Replies => $"lobby/v1/{BranchId}/replies/office";

    private static string Status => $"lobby/v1/{BranchId}/status";

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        _office = await Observer.ConnectAsync(_broker, [Events, Replies, Status]);
    }

    public async Task DisposeAsync()
    {
        await _office.DisposeAsync();
        await _broker.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task EveryEventTheServicePublishes_ValidatesAgainstItsTypesSchema()
    {
        string data = Path.Combine(_work.FullName, "data");

        // A simulated day, with head-office commands while it runs.
        await using (ServiceProcess day = Start("--simulate", "--speed", "1000", "--days", "1", "--data", data))
        {
            await day.WaitUntilReadyAsync();
            await day.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
            await Wait.UntilAsync(() => Types().Contains("lobby.ticket.called"), s_long, "the simulated day's first calls", BranchLines);
            await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "issue-1");
            await SendAsync("broadcast-notice", """{"text":"Schema check"}""", "notice-1");
            await SendAsync("open-day", "", "open-again");
            Assert.Equal(0, await day.WaitForExitAsync(s_long));
        }

        // The same branch on the machine's serial ports: its devices are not there, and it ships what the
        // simulation left unshipped.
        await using (ServiceProcess live = Start("--data", data))
        {
            await live.WaitUntilReadyAsync();
            await live.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
            await SendAsync("close-day", "", "close-1");
            await SendAsync("open-day", "", "open-1");
            // The entrance printer's own report, which the checks below name (any device's offline report could come
            // first and end the wait before the printer's was shipped).
            await Wait.UntilAsync(
                () => CloudEvents().Any(e => e.GetProperty("type").GetString() == "lobby.device.status_changed" && e.GetProperty("data").GetProperty("status").GetString() == "offline")
                    && CloudEvents().Any(e => e.GetProperty("subject").GetString() == "device/printer-entrance"),
                s_long,
                "a device reported offline, and the entrance printer's report",
                BranchLines);
            await Wait.UntilAsync(() => Decided() >= 5, s_long, "the five commands decided and shipped", BranchLines);
            await live.KillAsync();
        }

        List<JsonElement> events = CloudEvents();
        foreach (JsonElement e in events)
        {
            EventSchemas.Loaded.AssertValid(e);
        }

        output.WriteLine($"{events.Count} CloudEvents validated: " + string.Join(", ", events.GroupBy(e => e.GetProperty("type").GetString()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));

        // Gap-free from the first event: every event of the log up to the last one shipped was checked.
        long[] sequences = [.. events.Select(e => long.Parse(e.GetProperty("sequence").GetString()!, CultureInfo.InvariantCulture)).Distinct().Order()];
        Assert.Equal(1, sequences[0]);
        Assert.Equal(sequences.Length, sequences[^1]);
        string[] types = [.. Types()];
        foreach (string type in new[]
        {
            "lobby.day.opened", "lobby.day.closed", "lobby.ticket.issued", "lobby.ticket.called", "lobby.ticket.completed",
            "lobby.counter.state_changed", "lobby.device.status_changed", "lobby.request.decided",
        })
        {
            Assert.Contains(type, types);
        }

        // Device events name the profile's devices; day events carry no ticket fields.
        Assert.Contains(events, e => e.GetProperty("subject").GetString() == "device/printer-entrance"
            && e.GetProperty("data").GetProperty("kind").GetString() == "printer");
        Assert.All(events.Where(e => e.GetProperty("type").GetString()!.StartsWith("lobby.day.", StringComparison.Ordinal)), e =>
        {
            Assert.False(e.GetProperty("data").TryGetProperty("service", out _));
            Assert.Equal(e.GetProperty("data").GetProperty("businessDate").GetString(), e.GetProperty("subject").GetString());
        });
    }

    [Fact]
    public async Task ConfigurationChanges_AsTheEngineRecordsThemInTheLog_ShipValidAgainstTheirSchema()
    {
        // The real engine and log, the real link and a real Mosquitto: the configuration changes of API15 (live with
        // no day open, waiting for the next opening, taking effect before it, a rollback), between simulated days.
        using var branch = new TestBranch("schema-config");
        branch.RunDays(1, ticketsPerDay: 30);
        branch.CommandTime = branch.CommandTime.AddDays(1);
        await ExecuteAsync(branch, Command.Reconfigure(branch.Config.WithVersion(2, 0x2222), ConfigurationSource.HeadOffice));
        await ExecuteAsync(branch, Command.OpenDay());
        await ExecuteAsync(branch, Command.Reconfigure(TestBranch.CreateConfig("schema-config", maxTicketsPerDay: 20_000).WithVersion(3, 0x3333), ConfigurationSource.HeadOffice));
        await ExecuteAsync(branch, Command.CloseDay());
        branch.CommandTime = branch.CommandTime.AddDays(1);
        await ExecuteAsync(branch, Command.OpenDay());
        await ExecuteAsync(branch, Command.Reconfigure(branch.Engine.Config.WithVersion(4, 0x4444), ConfigurationSource.Rollback));
        long last = branch.Log.LastSequence;

        await using Observer office = await Observer.ConnectAsync(_broker, ["lobby/v1/schema-config/events"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(_broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.DistinctEvents >= last, s_long, "every event shipped", () => branch.Logger.Text);
        await link.StopAsync();

        List<JsonElement> events = [.. office.Messages().Select(m => m.Json)];
        foreach (JsonElement e in events)
        {
            EventSchemas.Loaded.AssertValid(e);
        }

        JsonElement[] changes = [.. events.Where(e => e.GetProperty("type").GetString() == "lobby.config.changed")];
        Assert.Equal(
            ["configuration/2 live head_office", "configuration/3 next_opening head_office", "configuration/3 took_effect head_office", "configuration/4 live rollback"],
            changes.Select(e => $"{e.GetProperty("subject").GetString()} {e.GetProperty("data").GetProperty("change").GetString()} {e.GetProperty("data").GetProperty("source").GetString()}"));
        Assert.Equal("0000000000003333", changes[1].GetProperty("data").GetProperty("hash").GetString());
        Assert.Equal(
            [JsonValueKind.Null, JsonValueKind.Number, JsonValueKind.Number],
            events.Where(e => e.GetProperty("type").GetString() == "lobby.day.opened").Select(e => e.GetProperty("data").GetProperty("configurationVersion").ValueKind));
        Assert.Equal(
            [2L, 3L],
            events.Where(e => e.GetProperty("type").GetString() == "lobby.day.opened").Skip(1).Select(e => e.GetProperty("data").GetProperty("configurationVersion").GetInt64()));
    }

    private static async Task ExecuteAsync(TestBranch branch, Command command)
    {
        CommandResult result = await branch.Handler.ExecuteAsync(command, CancellationToken.None);
        Assert.True(result.Accepted, $"{command.Kind} refused: {result.Refusal}");
    }

    private ServiceProcess Start(params string[] args)
    {
        _running = ServiceProcess.Start(
            _work.FullName,
            [
                "--branch", s_profile, "--Http:Enabled=false",
                $"--HeadOffice:Brokers:0={_broker.Endpoint}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5",
                .. args,
            ]);
        return _running;
    }

    /// <summary>Sends a command as head office does and waits for its answer (carried out or refused: both are decided and recorded).</summary>
    private async Task SendAsync(string name, string payload, string correlation)
    {
        byte[] id = Encoding.UTF8.GetBytes(correlation);
        await _office.PublishAsync($"lobby/v1/{BranchId}/commands/{name}", payload, Replies, id);
        await Wait.UntilAsync(
            () => _office.Messages(Replies).Any(m => m.CorrelationData is not null && m.CorrelationData.AsSpan().SequenceEqual(id)),
            s_long,
            $"the answer to {name}",
            BranchLines);
    }

    private List<JsonElement> CloudEvents() => [.. _office.Messages(Events).Select(m => m.Json)];

    private IEnumerable<string> Types() => CloudEvents().Select(e => e.GetProperty("type").GetString()!).Distinct();

    private int Decided() => CloudEvents().Where(e => e.GetProperty("type").GetString() == "lobby.request.decided").Select(e => e.GetProperty("id").GetString()).Distinct().Count();

    private string BranchLines() => _running is null ? "" : string.Join(" | ", _running.Lines.TakeLast(12).Select(ServiceProcess.Message));
}
