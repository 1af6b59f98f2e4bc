using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// <c>lobby-edge --simulate --Simulation:FollowAdvice=true --Simulation:SelfServiceTakeUp=…</c> on the real process:
/// the options are read and the simulation says so, the narrator tells the service's advice and the simulated lobby
/// manager's answer, and ends the day with its service level, advice and self-service figures.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SimulateAdviceProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("lobby-edge-advice-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task Simulate_FollowAdvice_TheNarratorTellsAdviceAndTheManagersAnswer_AndTheDaysServiceLevel()
    {
        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(
            _workingDirectory.FullName,
            TimeSpan.FromMinutes(4),
            "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "2000", "--days", "1", "--seed", "42",
            "--data", Path.Combine(_workingDirectory.FullName, "data"), "--Http:Port=0",
            "--Simulation:FollowAdvice=true", "--Simulation:SelfServiceTakeUp=0.5");
        output.WriteLine($"exit {exitCode}; stderr: {stderr}");
        string[] messages = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => { using JsonDocument d = JsonDocument.Parse(l); return ServiceProcess.Message(d.RootElement); })];
        foreach (string m in messages.Where(m => m.Contains("Advice", StringComparison.Ordinal) || m.Contains("self-service", StringComparison.Ordinal)))
        {
            output.WriteLine(m);
        }

        Assert.Equal(0, exitCode);
        Assert.Contains(messages, m => m.StartsWith("Staff follow the staffing advice (Simulation:FollowAdvice)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("50 % of customers take the self-service alternative (Simulation:SelfServiceTakeUp)", StringComparison.Ordinal)
            && m.EndsWith("services with one: cash, noncash", StringComparison.Ordinal));

        // The service's advisor advises (a fresh data directory: today's rate only), the simulated lobby manager accepts.
        Assert.Contains(messages, m => m.Contains(" Advice 1: ", StringComparison.Ordinal) && m.Contains(" over the next 30 min; ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" Advice 1 accepted by Lobby manager (大堂经理), ", StringComparison.Ordinal));

        // The day's service level line after the summary.
        Assert.Contains(messages, m => m.StartsWith("Day ", StringComparison.Ordinal) && m.Contains(" service level ", StringComparison.Ordinal)
            && m.Contains("; advice issued ", StringComparison.Ordinal) && m.Contains("; self-service chosen ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_FollowAdvice_AfterARestart_TheStaffPickUpAdviceGivenBeforeIt()
    {
        // Killed as soon as the lobby manager accepted advice 1 (the clerk carries it out 1-3 simulated minutes later).
        string data = Path.Combine(_workingDirectory.FullName, "data");
        string[] run = ["--branch", ServiceProcess.DemoProfile, "--simulate", "--days", "1", "--seed", "42", "--data", data,
            "--Http:Enabled=false", "--Simulation:FollowAdvice=true"];
        await using (ServiceProcess first = ServiceProcess.Start(_workingDirectory.FullName, [.. run, "--speed", "120"]))
        {
            JsonElement accepted = await first.WaitForLineAsync(m => m.Contains(" Advice 1 accepted by ", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
            await first.KillAsync();
            output.WriteLine(ServiceProcess.Message(accepted));
        }

        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_workingDirectory.FullName, TimeSpan.FromMinutes(4), [.. run, "--speed", "2000"]);
        output.WriteLine($"exit {exitCode}; stderr: {stderr}");
        string[] messages = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => { using JsonDocument d = JsonDocument.Parse(l); return ServiceProcess.Message(d.RootElement); })];
        foreach (string m in messages.Where(m => m.Contains("dvice", StringComparison.Ordinal) || m.Contains("Resumed", StringComparison.Ordinal)))
        {
            output.WriteLine(m);
        }

        Assert.Equal(0, exitCode);

        // The accepted advice is on the restarted engine's list: the simulated clerk picks it up and carries it out.
        Assert.Contains(messages, m => m.StartsWith("The staff pick up ", StringComparison.Ordinal) && m.Contains(" advice given before the restart", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Day ", StringComparison.Ordinal) && m.Contains("; advice issued ", StringComparison.Ordinal));
    }
}
