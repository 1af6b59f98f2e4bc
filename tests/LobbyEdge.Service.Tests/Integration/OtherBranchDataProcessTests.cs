using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A data directory belongs to one branch. Started on another branch's data (a copied SD card, a wrong --data, the next
/// branch's profile), the service started, replayed that branch's log under its own id and added the profile as a new
/// configuration version; inspect and verify named the other branch's services with this profile's names. Now the
/// service exits 2 before writing anything, and the tools refuse the profile, naming both branches.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OtherBranchDataProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-branchdata-");

    private static string SmallProfile => Path.Combine(AppContext.BaseDirectory, "profiles", "small.yaml");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task AnotherBranchsData_TheServiceExitsTwoWritingNothing_AndTheToolsRefuseTheProfile()
    {
        string data = await SimulatedDemoDayAsync();
        await AssertTheStartIsRefusedWritingNothingAsync(data, "its configuration version");

        foreach (string tool in new[] { "inspect", "verify" })
        {
            (int refused, string printed, string problem) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, tool, "--data", data, "--branch", SmallProfile);
            output.WriteLine($"{tool}: {problem}");
            Assert.Equal(2, refused);
            Assert.Equal("", printed);
            Assert.Contains("belongs to branch \"demo-001\"", problem, StringComparison.Ordinal);
            Assert.EndsWith($"see lobby-edge {tool} --help", problem.TrimEnd(), StringComparison.Ordinal);

            (int own, _, string ownError) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, tool, "--data", data, "--branch", ServiceProcess.DemoProfile);
            // verify finds the torn tail put there by the refusal's check (exit 3: the service cuts it at its start).
            Assert.True(own == (tool == "verify" ? 3 : 0), $"{tool} with the branch's own profile, exit {own}: {ownError}");
        }

        // The branch's own profile still starts on its data.
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Http:Port={ServiceProcess.FreePort()}");
        await service.WaitUntilReadyAsync();
    }

    /// <summary>
    /// The data's stored profile names device models the profile started now does not have beside it: the check read
    /// the owner by loading the stored profile with this profile's models, failed, and let the start go on.
    /// </summary>
    [Fact]
    public async Task AnotherBranchsDataWithDevices_IsRefusedToo_WithoutTheirModelsBesideTheProfile()
    {
        string data = Path.Combine(_work.FullName, "data");
        await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience, Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml"));

        // Another branch's profile alone in a folder: no ../devices beside it.
        string alone = Path.Combine(_work.FullName, "elsewhere", "branch.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(alone)!);
        string text = await File.ReadAllTextAsync(ServiceProcess.DemoProfile);
        await File.WriteAllTextAsync(alone, text.Replace("id: demo-001", "id: demo-002", StringComparison.Ordinal));

        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "--branch", alone, "--data", data, "--Http:Port=0");
        output.WriteLine(stderr);
        Assert.Equal(2, exitCode);
        Assert.Contains("is branch \"demo-002\"", stderr, StringComparison.Ordinal);

        (int verified, _, string verifyError) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data, "--branch", alone);
        Assert.True(verified == 2, verifyError);
    }

    /// <summary>
    /// The kind: the data directory's record of its branch in the configuration store is gone or unreadable
    /// (<c>config/</c> deleted, every stored version damaged, the index and versions replaced by junk). The store was
    /// the only record, so such data started under any profile; the <c>branch.id</c> file beside it now refuses it.
    /// </summary>
    [Theory]
    [InlineData("config-deleted")]
    [InlineData("every-version-damaged")]
    [InlineData("config-a-file")]
    public async Task AnotherBranchsData_WithoutItsConfigurationStore_IsRefusedByTheBranchFile(string damage)
    {
        string data = await SimulatedDemoDayAsync();
        Assert.Contains("branch.id: demo-001", await File.ReadAllTextAsync(Path.Combine(data, "branch.id")), StringComparison.Ordinal);
        string config = Path.Combine(data, "config");
        switch (damage)
        {
            case "config-deleted":
                Directory.Delete(config, recursive: true);
                break;
            case "every-version-damaged":
                foreach (string version in Directory.EnumerateFiles(config, "v*.yaml"))
                {
                    await File.WriteAllTextAsync(version, "branch:\n  id: garbled\n");
                }

                break;
            default:
                Directory.Delete(config, recursive: true);
                await File.WriteAllTextAsync(config, "not a folder");
                break;
        }

        await AssertTheStartIsRefusedWritingNothingAsync(data, "its branch.id file");
        foreach (string tool in new[] { "inspect", "verify" })
        {
            (int refused, _, string problem) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, tool, "--data", data, "--branch", SmallProfile);
            Assert.True(refused == 2, $"{tool}: {problem}");
            Assert.Contains("belongs to branch \"demo-001\" (its branch.id file)", problem, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Data that records no branch any more (its <c>config/</c> folder and <c>branch.id</c> both deleted), started
    /// under the wrong profile: the log cannot be replayed under it, so the start is refused (exit 2, saying so; it was exit 1 "Index was outside the bounds of the array"). It used to leave that profile
    /// stored as configuration version 1 and written in <c>branch.id</c>, so the data's own branch was refused from
    /// then on. Now a start that fails takes back what it stored and records no owner; the own profile starts.
    /// </summary>
    [Fact]
    public async Task DataThatRecordsNoBranch_AFailedStartUnderTheWrongProfile_DoesNotRecordItAsTheOwner()
    {
        string data = await SimulatedDemoDayAsync();
        Directory.Delete(Path.Combine(data, "config"), recursive: true);
        File.Delete(Path.Combine(data, "branch.id"));

        // verify replays the day under the profile the same way (it crashed with an unhandled exception, exit 134).
        (int verified, string report, string verifyError) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data, "--branch", SmallProfile);
        Assert.True(verified == 1, $"verify exit {verified}: {verifyError}");
        Assert.Contains("REPLAY FAILS (the branch refuses to start): replay of the day from event", report, StringComparison.Ordinal);
        Assert.Contains("cannot be replayed under this configuration", report, StringComparison.Ordinal);

        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "--branch", SmallProfile, "--data", data, "--Http:Port=0");
        output.WriteLine(stderr);
        Assert.Equal(2, exitCode);
        Assert.Contains("of the log cannot be replayed under this configuration", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "branch.id")), "branch.id was written by the failed start");

        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Http:Port={ServiceProcess.FreePort()}");
        await service.WaitUntilReadyAsync();
        Assert.Contains("branch.id: demo-001", await File.ReadAllTextAsync(Path.Combine(data, "branch.id")), StringComparison.Ordinal);
    }

    /// <summary>
    /// A damaged <c>branch.id</c> (a flipped bit, an edit by hand) must not refuse the branch its own data: it is
    /// said in a Warning and written again; a missing one (data from before the file) is written at the next start.
    /// </summary>
    [Fact]
    public async Task ADamagedOrMissingBranchFile_TheOwnBranchStarts_AndTheFileIsWrittenAgain()
    {
        string data = await SimulatedDemoDayAsync();
        string marker = Path.Combine(data, "branch.id");
        string written = await File.ReadAllTextAsync(marker);
        foreach (bool damaged in new[] { true, false })
        {
            if (damaged)
            {
                await File.WriteAllTextAsync(marker, written.Replace("demo-001", "demo-00l", StringComparison.Ordinal));
            }
            else
            {
                File.Delete(marker);
            }

            await using (ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Http:Port={ServiceProcess.FreePort()}"))
            {
                await service.WaitUntilReadyAsync();
                if (damaged)
                {
                    Assert.Contains(service.Lines, l => ServiceProcess.Message(l).Contains("branch.id cannot be used (its check does not match", StringComparison.Ordinal));
                }
            }

            Assert.Equal(written, await File.ReadAllTextAsync(marker));
        }
    }

    /// <summary>A data directory of branch demo-001 with one simulated day in it.</summary>
    private async Task<string> SimulatedDemoDayAsync()
    {
        string data = Path.Combine(_work.FullName, "data");
        await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience);
        return data;
    }

    /// <summary>
    /// Starting branch small-001 on <paramref name="data"/> exits 2, names both branches and where the data's is
    /// <paramref name="recordedIn"/>, and changes no byte of any file: not even the torn tail (an interrupted write)
    /// put at the end of its newest segment here, which any start of the data's own branch cuts. The refusal used to
    /// come after the log was opened, which cut it.
    /// </summary>
    private async Task AssertTheStartIsRefusedWritingNothingAsync(string data, string recordedIn)
    {
        string newest = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Max(StringComparer.Ordinal)!;
        await using (FileStream segment = new(newest, FileMode.Append))
        {
            segment.Write("torn write"u8);
        }

        Dictionary<string, string> before = DataDirectories.Contents(data);
        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "--branch", SmallProfile, "--data", data, "--Http:Port=0");
        output.WriteLine(stderr);

        Assert.Equal(2, exitCode);
        Assert.Contains($"belongs to branch \"demo-001\" ({recordedIn}", stderr, StringComparison.Ordinal);
        Assert.Contains("is branch \"small-001\"", stderr, StringComparison.Ordinal);
        Dictionary<string, string> after = DataDirectories.Contents(data);
        after.Remove("lock");
        before.Remove("lock");
        Assert.Equal(before, after);
    }
}
