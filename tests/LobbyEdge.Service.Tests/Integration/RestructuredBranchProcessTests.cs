using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A service removed from the profile after a day was played: the structural change is put in force at the next start
/// (no day open), the host restarts in-process with the new structure, and the day's figures are counted again from the
/// log. The log's events of the removed service made every start fail with exit 1 ("Index was outside the bounds of the
/// array" in the metrics' recount), so systemd restarted it over and over until the next day.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestructuredBranchProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-restructure-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task AServiceRemovedAfterADay_StartsWithTheNewStructure_AndServesItsPages()
    {
        string data = Path.Combine(_work.FullName, "data");
        await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience);

        // The demo without its last service (help, D) and the counter that served only it.
        string text = await File.ReadAllTextAsync(ServiceProcess.DemoProfile);
        int service = text.IndexOf("  - id: help", StringComparison.Ordinal);
        int serviceEnd = text.IndexOf("\n# Counters", service, StringComparison.Ordinal);
        int counter = text.IndexOf("  - number: 8", StringComparison.Ordinal);
        int counterEnd = text.IndexOf("\n# Announcements", counter, StringComparison.Ordinal);
        Assert.True(service > 0 && serviceEnd > service && counter > serviceEnd && counterEnd > counter, "the demo profile's layout changed");
        string profile = Path.Combine(_work.FullName, "branch.yaml");
        await File.WriteAllTextAsync(profile, text[..service] + text[serviceEnd..counter] + text[counterEnd..]);

        int port = ServiceProcess.FreePort();
        await using ServiceProcess service4 = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", data, $"--Http:Port={port}");
        await service4.WaitUntilReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // The host first restores the day under the structure the log ran with, then puts the edited profile in force
        // and restarts in-process with it: the restart is where the recount failed.
        await service4.WaitForLineAsync(m => m.Contains("restarting", StringComparison.OrdinalIgnoreCase), s_patience);
        await OperationsTests.WaitForAsync(
            () => Task.FromResult(service4.Lines.Count(l => ServiceProcess.Message(l).StartsWith("Started, HTTP", StringComparison.Ordinal)) >= 2), s_patience);
        string state = await http.GetStringAsync(new Uri("/api/state", UriKind.Relative));
        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        output.WriteLine(state[..Math.Min(state.Length, 300)]);

        Assert.Contains("service=\"cash\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("service=\"help\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("\"id\":\"help\"", state, StringComparison.Ordinal);
        Assert.False(service4.HasExited);
    }
}
