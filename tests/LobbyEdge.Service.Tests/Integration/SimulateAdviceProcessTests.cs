using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// <c>lobby-edge --simulate --Simulation:FollowAdvice=true --Simulation:SelfServiceTakeUp=…</c> on the real process:
/// the narrator tells the advice the service gives, the simulated lobby manager's answer and the customers who take
/// the self-service alternative.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SimulateAdviceProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("lobby-edge-advice-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task Simulate_FollowAdvice_TheNarratorTellsAdviceTheManagersAnswerAndSelfService()
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
        Assert.Contains(messages, m => m.Contains(" Advice 1: ", StringComparison.Ordinal) && m.Contains(" over the next 30 min; ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" Advice 1 accepted by Lobby manager (大堂经理), ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" takes the self-service alternative (", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" service level ", StringComparison.Ordinal) && m.Contains("; advice issued ", StringComparison.Ordinal));
    }
}
