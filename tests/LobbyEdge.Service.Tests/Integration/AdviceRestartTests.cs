using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 14: advice and self-service choices are engine events, so they survive a restart of the real process. A
/// morning with advice given and answered and a customer taking the ATM is written to a data directory with the
/// service's own log code; the real <c>lobby-edge</c> starts on it (replaying the day), goes on with the day and
/// snapshots its state; <c>lobby-edge inspect</c> prints the events by name; the branch opened again (from the
/// process's snapshot) has the same advice list, answers and counts.
/// </summary>
public sealed class AdviceRestartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-advice-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task AdviceAndSelfServiceChoices_SurviveARestartOfTheRealProcess()
    {
        string profile = Path.Combine(_work.FullName, "advice-branch.yaml");
        await File.WriteAllTextAsync(profile, """
            branch: {id: advice-001, name: "Advice Branch", timeZone: UTC, open: "00:00", close: "23:59", ticketingCutoffMinutes: 0, autoOpenClose: true}
            defaults: {careMinutes: 10, careRepeatMinutes: 5}
            services:
              - id: cash
                prefix: A
                name: "Personal cash"
                selfService: {name: "ATM / cash recycler", nameZh: "自助存取款机", waitMinutes: 5}
              - {id: loans, prefix: B, name: "Loans"}
            counters:
              - {number: 1, services: [cash]}
              - {number: 2, services: [loans, cash]}
            """);
        BranchConfig config = BranchProfileLoader.Load(profile).Branch;
        string data = Path.Combine(_work.FullName, "data");

        // The morning, on the service's own log code, ending a few minutes before the real clock so the process
        // continues the same day.
        var time = new TwoClocks(RatedBranch.OpeningBeforeNow());
        long before;
        await using (var run = new CareMetricsTests.DrivenBranch(data, config, time))
        {
            void Ok(Command command) => Assert.True(run.Execute(command).Accepted, command.Kind.ToString());
            Ok(Command.OpenDay());
            Ok(Command.CloseCounter(2));
            for (int i = 0; i < 4; i++)
            {
                Ok(Command.Issue(0));
            }

            time.Advance(TimeSpan.FromMinutes(1));
            Ok(Command.ChooseSelfService(0));
            Ok(Command.Advise(2, 0, new AdviceFigures(AdviceKind.Open, 4000, 8812, 3, 30)));
            time.Advance(TimeSpan.FromSeconds(95));
            Ok(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 1007));
            Ok(Command.OpenCounter(2));
            Ok(Command.Advise(1, -1, new AdviceFigures(AdviceKind.Pause, 9600, 9500, -1, 30)));
            before = run.Engine.LastSequence;
        }

        // The real process replays the day and goes on with it: the tickets, waiting past ten minutes by now, raise
        // care alerts, and with a snapshot after every event it snapshots its state, advice included.
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using (ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", data, $"--Http:Port={port}",
            "--Clock:Synchronization=trusted", "--EventLog:SnapshotEveryEvents=1"))
        {
            await service.WaitUntilReadyAsync();
            await WaitForAsync(async () =>
            {
                string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return OperationsTests.Parse(metrics).TryGetValue("lobby_eventlog_last_sequence", out double sequence) && sequence > before;
            });
        }

        (int code, string events, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "inspect", "--data", data, "--branch", profile);
        Assert.True(code == 0, stderr);
        JsonElement[] lines = [.. events.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
        JsonElement[] advice = [.. lines.Where(l => l.GetProperty("type").GetString()!.StartsWith("lobby.advice.", StringComparison.Ordinal))];
        output.WriteLine(string.Join('\n', advice.Select(a => a.GetRawText())));
        Assert.Equal(["lobby.advice.issued", "lobby.advice.answered", "lobby.advice.issued"], advice.Select(a => a.GetProperty("type").GetString()));
        Assert.Equal(("open", "cash", 2, 0.4, 0.8812), (advice[0].GetProperty("kind").GetString(), advice[0].GetProperty("service").GetString(), advice[0].GetProperty("counter").GetInt32(),
            advice[0].GetProperty("serviceLevelNow").GetDouble(), advice[0].GetProperty("serviceLevelWith").GetDouble()));
        Assert.Equal(("accepted", 95_000, 1007), (advice[1].GetProperty("answer").GetString(), advice[1].GetProperty("answeredAfterMs").GetInt32(), advice[1].GetProperty("staff").GetInt32()));
        JsonElement chosen = Assert.Single(lines, l => l.GetProperty("type").GetString() == "lobby.kiosk.self_service_chosen");
        Assert.Equal(("cash", 4), (chosen.GetProperty("service").GetString(), chosen.GetProperty("waiting").GetInt32()));
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "lobby.wait.care_needed" && l.GetProperty("sequence").GetInt64() > before);

        // Opened again as a start does (the configuration the log ran with, from the data directory's store), from
        // the snapshot the process took after its own events: the same advice and choices.
        var versions = new ConfigurationVersions(profile, BranchProfileLoader.Load(profile), await File.ReadAllTextAsync(profile), NullLogger<ConfigurationVersions>.Instance);
        using RestoredBranch branch = RestoredBranch.Open(data, config, NullLogger.Instance, versions: versions);
        QueueEngine engine = branch.Engine;
        Assert.True(branch.Report.SnapshotSequence > before, $"snapshot at {branch.Report.SnapshotSequence}, the morning ended at {before}; {string.Join("; ", branch.Report.Notes)}; snapshots: {string.Join(", ", Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Select(Path.GetFileName))}");
        Assert.Equal(2, engine.AdviceCount);
        Assert.True(engine.TryGetAdvice(1, out AdviceView open));
        Assert.Equal((AdviceKind.Open, 2, 0, AdviceAnswer.Accepted, 1007), (open.Kind, open.CounterNumber, open.Service, open.Answer, open.Staff));
        Assert.Equal(new AdviceFigures(AdviceKind.Open, 4000, 8812, 3, 30), open.Figures);
        Assert.True(engine.TryGetAdvice(2, out AdviceView pause));
        Assert.Equal((AdviceKind.Pause, AdviceAnswer.None), (pause.Kind, pause.Answer));
        Assert.Equal(1, engine.SelfServiceChosenCount(0));

        // The open advice can still be answered, once; the accepted one not again.
        DateTimeOffset later = DateTimeOffset.UtcNow > engine.LastEventUtc ? DateTimeOffset.UtcNow : new DateTimeOffset(engine.LastEventUtc);
        Assert.Equal(RefusalReason.AlreadyAnswered, engine.Execute(Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 1007), later).Refusal);
        Assert.True(engine.Execute(Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 1007), later).Accepted);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        DateTime until = DateTime.UtcNow + s_patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out");
            await Task.Delay(100);
        }
    }
}
