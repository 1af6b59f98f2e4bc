using System.Globalization;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// <c>verify --branch</c> judges each snapshot as a start would: under the configuration version the snapshot
/// recorded, from the data directory's configuration store. Before, it built its engine from the profile as read
/// (configuration version 0) and said "does not fit" of every snapshot the service itself restores from.
/// </summary>
[Trait("Category", "Integration")]
public sealed class VerifySnapshotTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-verify-snap-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Verify_WithTheBranch_SaysTheSnapshotsAStartRestoresFrom_Restore()
    {
        string data = Path.Combine(_work.FullName, "data");
        string snapshots = Path.Combine(data, "snapshots");
        await using (ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "3000", "--days", "30", "--seed", "7",
            "--data", data, "--Http:Enabled=false", "--EventLog:SnapshotEveryEvents=60"))
        {
            await service.WaitUntilReadyAsync();
            await Eventually.UntilAsync(() => Directory.Exists(snapshots) && Directory.GetFiles(snapshots, "*.snap").Length >= 2, "two snapshots taken", s_patience);
            await service.KillAsync();
        }

        // The service restores from the newest: the start says so.
        await using (ServiceProcess again = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "100", "--days", "30", "--seed", "7",
            "--data", data, "--Http:Enabled=false"))
        {
            await again.WaitUntilReadyAsync();
            string ready = ServiceProcess.Message(again.Lines.Last(l => ServiceProcess.Message(l).Contains("replayed event(s) in", StringComparison.Ordinal)));
            Assert.DoesNotContain("restored from snapshot 0 ", ready, StringComparison.Ordinal);
            await again.KillAsync();
        }

        (int exit, string report, string stderr) = await ServiceProcess.RunToEndAsync(
            _work.FullName, s_patience, "verify", "--data", data, "--branch", ServiceProcess.DemoProfile);

        Assert.True(exit == 0, $"verify exit {exit.ToString(CultureInfo.InvariantCulture)}: {report} {stderr}");
        Assert.Contains("restores under this profile", report, StringComparison.Ordinal);
        Assert.DoesNotContain("does not fit this profile or build", report, StringComparison.Ordinal);
        Assert.Contains("replay of the current day", report, StringComparison.Ordinal);
    }
}
