using System.Diagnostics;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A simulation that falls behind its clock says so. At a <c>--speed</c> the machine cannot keep up with (the tester ran
/// 10,000x under load) the day played on late and silently, its waits and care figures worse than the lobby's. Here
/// the process is held up for real (SIGSTOP for two seconds: 66 simulated minutes at 2,000x), as a box that swaps would
/// be; the service must warn while the day plays and again at its close. Being held up is no step of the clock: the
/// simulated clock is the wall and the monotonic clock at once, so neither the stop (4,000 simulated seconds) nor the
/// scheduling delays of a busy machine at 2,000x (1 ms is 2 simulated seconds) may be logged or recorded as one.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SimulationLagProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-lag-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task ASimulationHeldUp_WarnsThatItIsBehindItsClock_AndAgainAtTheDaysClose()
    {
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "2000", "--days", "1", "--seed", "3",
            "--data", Path.Combine(_work.FullName, "data"), "--Http:Port=0");
        await service.WaitUntilReadyAsync();
        await service.WaitForLineAsync(m => m.StartsWith("Day ", StringComparison.Ordinal) && m.Contains("customers planned", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        Signal("STOP", service.Id);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Signal("CONT", service.Id);

        JsonElement behind = await service.WaitForLineAsync(m => m.Contains("behind its clock at 2000x", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        output.WriteLine(ServiceProcess.Message(behind));
        Assert.Equal("Warning", behind.GetProperty("LogLevel").GetString());
        Assert.True(behind.GetProperty("State").GetProperty("Minutes").GetDouble() > 5);

        JsonElement day = await service.WaitForLineAsync(m => m.Contains("ran up to", StringComparison.Ordinal) && m.Contains("lower --speed", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        output.WriteLine(ServiceProcess.Message(day));
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(2)));

        Assert.DoesNotContain(service.Lines, l => ServiceProcess.Message(l).StartsWith("The wall clock stepped by", StringComparison.Ordinal));
        using BranchLog log = BranchLog.Open(Path.Combine(_work.FullName, "data"));
        using LogReader reader = log.ReadFrom(1);
        int events = 0;
        while (reader.TryRead(out LobbyEvent e))
        {
            events++;
            if (e.Kind == EventKind.ClockStepped)
            {
                Assert.Fail($"event {e.Sequence}: a clock step of {e.AsClockStepped().StepMs} ms under simulation");
            }
        }

        Assert.True(events > 100, $"{events} events in the day's log");
    }

    private static void Signal(string signal, int pid)
    {
        using Process kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
