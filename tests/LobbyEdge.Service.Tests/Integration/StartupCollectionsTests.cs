using System.Globalization;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 3 (src/LobbyEdge.Service/README.md, "Start-up"): the real process starts without a garbage
/// collection between building its host and "ready" (the no-GC region of <c>StartupCollections</c>), and once ready
/// it collects generation 0 by itself, so that the region's leftover budget does not hold the next collection off
/// until the first trim. Read from the start-up trace's collection counts (<c>LOBBYEDGE_STARTUP_TRACE=1</c>); no timing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StartupCollectionsTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-start-gc-");

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>
    /// Only the process's first start runs in a no-GC region: a host restarted in the same process (a structural
    /// configuration change, <c>HostRestart</c>) starts on the old host's garbage and must collect as usual. In this
    /// test process nothing else begins a region (only <c>Program</c> does), so the first call here may start one; after
    /// it ended, a second call must not start another.
    /// </summary>
    [Fact]
    public void Begin_StartsARegionOnlyOncePerProcess_NotForAHostRestartedInIt()
    {
        _ = Operations.StartupCollections.Begin();
        Operations.StartupCollections.End();
        bool again = Operations.StartupCollections.Begin();
        if (again)
        {
            Operations.StartupCollections.End();
        }

        Assert.False(again, "a second start in the same process began a no-GC region again");
        Assert.NotEqual(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
    }

    [Fact]
    public async Task Start_CollectsNothingUntilReady_ThenRestoresTheYoungBudget()
    {
        int port = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>(SystemdUnit.Environment(SystemdUnit.BesideTheTests)) { ["LOBBYEDGE_STARTUP_TRACE"] = "1" };
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, environment, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "60", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        // The collection comes 250 ms after "ready"; the trim (a gen-2 collection) 5 s after the start. Stop between.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await service.KillAsync();
        string stderr = await service.StderrAsync();
        output.WriteLine(stderr);
        Dictionary<string, int[]> marks = Marks(stderr);

        Assert.True(marks.ContainsKey("builder") && marks.ContainsKey("ready"), $"no start-up trace on stderr: {stderr}");
        Assert.Equal(marks["builder"], marks["ready"]);
        Assert.True(marks.TryGetValue("start-budget-collected", out int[]? after), "no generation-0 collection after ready (the no-GC region's budget still in force)");
        Assert.True(after[0] > marks["ready"][0], $"gen-0 collections: {marks["ready"][0]} at ready, {after[0]} after");
    }

    /// <summary>The trace's lines: <c>startup-trace {phase} {µs} cpu {µs} gc {g0}/{g1}/{g2}</c>, phase to counts.</summary>
    private static Dictionary<string, int[]> Marks(string stderr)
    {
        var marks = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (string line in stderr.Split('\n'))
        {
            string[] fields = line.Trim().Split(' ');
            if (fields.Length >= 7 && fields[0] == "startup-trace" && fields[5] == "gc")
            {
                marks[fields[1]] = [.. fields[6].Split('/').Select(f => int.Parse(f, CultureInfo.InvariantCulture))];
            }
        }

        return marks;
    }
}
