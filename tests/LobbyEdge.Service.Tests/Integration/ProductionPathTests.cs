namespace LobbyEdge.Service.Tests;

/// <summary>
/// The production path does not load the simulator: the real <c>lobby-edge</c> on a branch with hardware, without
/// <c>--simulate</c>, runs every part of the host (log, engine loop, devices on the machine's serial ports, HTTP)
/// and never maps <c>LobbyEdge.Simulator.dll</c>; under <c>--simulate</c> it does. Read from the process's own
/// memory map (<c>/proc/&lt;pid&gt;/maps</c>), where the runtime maps every assembly it loads.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProductionPathTests : IDisposable
{
    private const string Simulator = "LobbyEdge.Simulator.dll";

    private static readonly string s_hardwareProfile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml");
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-production-");

    public void Dispose() => _work.Delete(recursive: true);

    [JitOnlyFact("a native binary maps no .dll files; every part, the simulator included, is compiled into it")]
    public async Task WithoutSimulate_TheSimulatorAssemblyIsNeverLoaded()
    {
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_hardwareProfile, "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={ServiceProcess.FreePort()}");
        await service.WaitUntilReadyAsync();

        // Every hosted service has started: the devices (trying the machine's serial ports) and then HTTP.
        await service.WaitForLineAsync(m => m.StartsWith("Devices: ", StringComparison.Ordinal) && m.EndsWith(", serial ports", StringComparison.Ordinal), s_patience);
        await service.WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), s_patience);

        string[] assemblies = LoadedAssemblies(service.Id);
        Assert.Contains("lobby-edge.dll", assemblies);           // the map does show the program's assemblies
        Assert.Contains("LobbyEdge.Devices.dll", assemblies);
        Assert.DoesNotContain(Simulator, assemblies);
    }

    [JitOnlyFact("a native binary maps no .dll files; every part, the simulator included, is compiled into it")]
    public async Task WithSimulate_TheSimulatorIsLoaded()
    {
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_hardwareProfile, "--simulate", "--speed", "60", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={ServiceProcess.FreePort()}");
        await service.WaitUntilReadyAsync();
        await service.WaitForLineAsync(m => m.StartsWith("Simulating ", StringComparison.Ordinal), s_patience);

        Assert.Contains(Simulator, LoadedAssemblies(service.Id));
    }

    /// <summary>The file names of the <c>.dll</c> files mapped into process <paramref name="pid"/>.</summary>
    private static string[] LoadedAssemblies(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => Path.GetFileName(string.Join(' ', fields[5..])))
            .Where(file => file.EndsWith(".dll", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)];
}
