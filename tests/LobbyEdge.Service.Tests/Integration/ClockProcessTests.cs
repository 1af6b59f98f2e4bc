using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Clock;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 10, item 8 on the real process: a log written while the clock ran a day ahead, then a start on the
/// right time; and the kernel's own synchronisation state. (Every kind of step with fake clocks: ClockPolicyTests.)
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClockProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_profile = Path.Combine(AppContext.BaseDirectory, "profiles", "small.yaml");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-clock-process-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task LogFromAClockADayAhead_StartOnTheRightTime_TheStepIsRecorded_AndEventTimesMoveOn()
    {
        // The log of a box whose clock ran ahead: tomorrow's day opened at 10:00 local, two customers waiting.
        BranchConfig config = BranchProfileLoader.Load(s_profile).Branch;
        DateOnly tomorrow = DateOnly.FromDateTime(BusinessCalendar.ToLocal(config.TimeZone, DateTime.UtcNow)).AddDays(1);
        var ahead = new DateTimeOffset(BusinessCalendar.ToUtc(config.TimeZone, tomorrow, new TimeOnly(10, 0)), TimeSpan.Zero);
        string data = Path.Combine(_work.FullName, "data");
        var engine = new QueueEngine(config);
        using (BranchLog log = BranchLog.Open(data))
        {
            foreach (Command command in new[] { Command.OpenDay(), Command.Issue(0), Command.Issue(1) })
            {
                Assert.True(engine.Execute(command, ahead).Accepted);
                log.Append(engine.LastEvents);
                ahead += TimeSpan.FromMinutes(1);
            }

            log.Commit();
        }

        DateTime lastEvent = engine.LastEventUtc;
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", s_profile, "--data", data, $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        // The step back is found at start (within the first second's tick), logged and counted.
        Dictionary<string, double> metrics = [];
        await OperationsTests.WaitForAsync(async () =>
        {
            metrics = OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return metrics.GetValueOrDefault("lobby_clock_steps_total{direction=\"backward\"}") == 1;
        });
        Assert.InRange(metrics["lobby_clock_ahead_seconds"], 3600, 2 * 86_400);
        Assert.Equal(1, metrics["lobby_clock_synchronized"]);
        await service.WaitForLineAsync(m => m.StartsWith("The wall clock stepped by -", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        // The day the log holds is still open and its customers still wait.
        using (JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative))))
        {
            Assert.True(state.RootElement.GetProperty("dayOpen").GetBoolean());
            Assert.Equal(1, state.RootElement.GetProperty("services")[0].GetProperty("waiting").GetInt32());
        }

        // Event times move on from the log's last event: not one frozen timestamp (before the fix both tickets
        // were stamped with the last event's time until the wall clock caught up, a day later).
        DateTimeOffset first = await IssueAsync(http);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        DateTimeOffset second = await IssueAsync(http);
        output.WriteLine($"last event {lastEvent:O}; tickets at {first:O} and {second:O}");
        Assert.True(first.UtcDateTime >= lastEvent);
        Assert.True(second - first >= TimeSpan.FromSeconds(1), $"{first:O} then {second:O}: time is frozen");
    }

    [Fact]
    public async Task KernelClockState_DecidesWhetherTheDayOpensByTheClock_AndIsExported()
    {
        bool synchronized = new KernelClockSynchronization().IsSynchronized();
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_profile, "--data", Path.Combine(_work.FullName, "kernel"), $"--Http:Port={port}", "--Clock:Synchronization=kernel");
        await service.WaitUntilReadyAsync();

        Dictionary<string, double> metrics = [];
        await OperationsTests.WaitForAsync(async () =>
        {
            metrics = OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            // The gauge follows the engine loop's first reading of the clock at the end of a batch, a moment after the
            // log line: wait for both (the wait fails the test if the gauge never shows the kernel's state).
            return metrics["lobby_eventlog_last_sequence"] >= 0 && service.Lines.Count > 0
                && metrics["lobby_clock_synchronized"] == (synchronized ? 1 : 0)
                && (synchronized || service.Lines.Any(l => ServiceProcess.Message(l).Contains("not synchronised", StringComparison.Ordinal)));
        });
        output.WriteLine($"kernel clock synchronised: {synchronized}");
        Assert.Equal(synchronized ? 1 : 0, metrics["lobby_clock_synchronized"]);
        if (!synchronized)
        {
            // Whatever the hour, an unsynchronised clock does not open the day; a command (here: none) would.
            await Task.Delay(TimeSpan.FromSeconds(2));
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            Assert.False(state.RootElement.GetProperty("dayOpen").GetBoolean());
        }
    }

    private static async Task<DateTimeOffset> IssueAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("issuedAt").GetDateTimeOffset();
    }
}
