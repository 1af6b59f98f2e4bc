using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>startup [runs] [--binary &lt;lobby-edge&gt;] [--phases] [--http-off] [--keep] [--unit-environment yes|no]</c>: starts the real service, <c>dotnet lobby-edge.dll --branch demo.yaml
/// --simulate --data &lt;dir&gt; --Http:Port=0</c> (HTTP bound on a port the system picks; <c>--http-off</c>: <c>--Http:Enabled=false</c>) (or the native executable given by <c>--binary</c> or
/// <c>LOBBYEDGE_BINARY</c>, the Native AOT build, with the same arguments), and times it from just before the process starts until its stdout carries
/// the JSON log line whose message ends with "; ready" (the event log is open, the engine restored and every part started). The process
/// is then killed.
/// Each run gets a fresh copy of its data directory: empty (a first start), the recorded busy day's log without
/// snapshots, and the same day with the snapshots the service itself would have kept (one every 5,000 events, two
/// newest kept); both busy days with the configuration store the service keeps beside its log (the profile as version 1).
/// The service runs with <c>LOBBYEDGE_STARTUP_TRACE=1</c>: its phase marks give the CPU time (all threads) it had used
/// when it logged "ready", less noisy than the wall time while other work shares the machine; <c>--phases</c> also
/// prints each phase mark's median.
/// The cases take turns, so background load spreads over all of them. The service's own log lines split the time:
/// its start line is logged just before the log is opened, and the restore line reports how long
/// <c>EngineRecovery.Restore</c> took (opening the log, which reads and checks the last segment, comes before it).
/// </summary>
internal static class StartupTime
{
    private const int SnapshotEveryEvents = 5000;

    public static async Task<int> RunAsync(string[] args)
    {
        int runs = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        int binaryAt = Array.IndexOf(args, "--binary");
        string app = binaryAt >= 0 && binaryAt + 1 < args.Length ? Path.GetFullPath(args[binaryAt + 1])
            : Environment.GetEnvironmentVariable("LOBBYEDGE_BINARY") is { Length: > 0 } binary ? binary
            : Path.Combine(AppContext.BaseDirectory, "lobby-edge.dll");
        string profile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml");
        bool httpOff = args.Contains("--http-off");

        // As the service runs on a branch box: with the systemd unit's environment (its GC settings), as the memory
        // mode does; --unit-environment no starts it with none.
        int unitAt = Array.IndexOf(args, "--unit-environment");
        Dictionary<string, string> environment = unitAt >= 0 && unitAt + 1 < args.Length && args[unitAt + 1] is "no" or "false"
            ? []
            : SystemdUnit.Environment(Path.Combine(MemoryFootprint.RepositoryRoot(), "deploy", "systemd", "lobby-edge.service"));
        // Numbered as the service numbers the profile it starts with on a fresh data directory (version 1 of its
        // configuration store): a snapshot records the configuration version its engine ran with, and start-up skips
        // one that does not fit.
        BranchConfig read = BranchProfileLoader.Load(profile).Branch;
        BranchConfig config = read.WithVersion(1, read.Hash);
        DirectoryInfo root = Directory.CreateTempSubdirectory("le-logbench-startup-");
        var inv = CultureInfo.InvariantCulture;
        try
        {
            // The simulator's busy day on the demo branch, as the service's log sink would have written it.
            TimedCommand[] day = DayReplay.RecordBusyDay(config);
            string busy = Path.Combine(root.FullName, "template-busy-day");
            string snapshots = Path.Combine(root.FullName, "template-busy-day-snapshots");
            DayLogInfo plain = DayLog.Write(config, day, busy);
            DayLogInfo kept = DayLog.Write(config, day, snapshots, (sequence, last) => sequence - last >= SnapshotEveryEvents);

            // A branch that ran all day has its configuration store: the service stored the profile as version 1 at
            // its first start (the numbers the log and snapshots carry). Without it every "busy" start was also the
            // store's first, writing and syncing version 1 (about 6 ms, which no restart of a busy branch pays).
            foreach (string template in new[] { busy, snapshots })
            {
                StoreVersionOne(profile, template);
            }

            Console.WriteLine($"busy day on {config.BranchId}: {plain.Tickets:N0} tickets, {plain.Events:N0} events; snapshots taken at {string.Join(", ", kept.Snapshots)} (the two newest kept)");
            Console.WriteLine($"{app}, {runs} runs per case, HTTP {(httpOff ? "off" : "on")}; load average before: {CommitLatency.LoadAverage()}");
            Console.WriteLine($"service environment (deploy/systemd/lobby-edge.service): {(environment.Count == 0 ? "none" : string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}")))}");

            (string Name, string? Template)[] cases =
            [
                ("empty data directory", null),
                ("busy day, no snapshot (replays the day)", busy),
                ($"busy day, snapshots every {SnapshotEveryEvents:N0} events", snapshots),
            ];
            var results = cases.Select(_ => new List<Ready>()).ToArray();

            // One start that is not counted, so the runtime's and the app's files are in the page cache.
            await StartAsync(app, profile, Path.Combine(root.FullName, "warm-up"), root.FullName, httpOff, environment);
            for (int run = 1; run <= runs; run++)
            {
                for (int c = 0; c < cases.Length; c++)
                {
                    string data = Path.Combine(root.FullName, $"run-{run}-{c}");
                    if (cases[c].Template is { } template)
                    {
                        DayLog.Copy(template, data);
                    }

                    results[c].Add(await StartAsync(app, profile, data, root.FullName, httpOff, environment));
                }
            }

            Console.WriteLine($"load average after: {CommitLatency.LoadAverage()}");
            Console.WriteLine();
            Console.WriteLine("| Data directory | Replayed events | Process start to \"ready\": median | min | max | CPU to \"ready\" (all threads): median | min | max | Of which: start line to ready line, median | Of which: restore as reported, median | max |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int c = 0; c < cases.Length; c++)
            {
                List<Ready> r = results[c];
                double[] wall = [.. r.Select(x => x.WallMs).Order()];
                double[] cpu = [.. r.Select(x => x.CpuMs).Order()];
                double[] openAndRestore = [.. r.Select(x => x.OpenAndRestoreMs).Order()];
                double[] restore = [.. r.Select(x => x.RestoreMs).Order()];
                string replayed = string.Join(" / ", r.Select(x => x.Replayed).Distinct().Order().Select(x => x.ToString("N0", inv)));
                Console.WriteLine(string.Create(inv,
                    $"| {cases[c].Name} | {replayed} | {Median(wall):N0} ms | {wall[0]:N0} ms | {wall[^1]:N0} ms | {Median(cpu):N1} ms | {cpu[0]:N1} ms | {cpu[^1]:N1} ms | {Median(openAndRestore):N0} ms | {Median(restore):N1} ms | {restore[^1]:N1} ms |"));
            }

            if (args.Contains("--phases"))
            {
                // Each phase mark's median over the runs: wall time since spawn and the process's CPU time by then.
                Console.WriteLine();
                Console.WriteLine($"| Phase (mark at its end) | {string.Join(" | ", cases.Select(x => $"{x.Name}: wall since spawn / CPU, medians"))} |");
                Console.WriteLine($"|---|{string.Concat(cases.Select(_ => "---:|"))}");
                string[] phases = [.. results.SelectMany(r => r).SelectMany(x => x.Phases.Keys).Distinct()
                    .OrderBy(p => Median([.. results.SelectMany(r => r).Where(x => x.Phases.ContainsKey(p)).Select(x => x.Phases[p].WallMs).Order()]))];
                foreach (string phase in phases)
                {
                    IEnumerable<string> cells = results.Select(r =>
                    {
                        Mark[] marks = [.. r.Where(x => x.Phases.ContainsKey(phase)).Select(x => x.Phases[phase])];
                        return marks.Length == 0 ? "" : string.Create(inv, $"{Median([.. marks.Select(m => m.WallMs).Order()]):N1} / {Median([.. marks.Select(m => m.CpuMs).Order()]):N1} ms");
                    });
                    Console.WriteLine($"| {phase} | {string.Join(" | ", cells)} |");
                }
            }

            return 0;
        }
        finally
        {
            if (args.Contains("--keep"))
            {
                // For profiling a start by hand (perf record): the data directories stay, each as the run left it.
                Console.WriteLine($"kept: {root.FullName} (template-busy-day, template-busy-day-snapshots: the data directories as written)");
            }
            else
            {
                root.Delete(recursive: true);
            }
        }
    }

    /// <summary>Stores the profile in <paramref name="data"/>'s configuration store as the service's first start does (version 1).</summary>
    private static void StoreVersionOne(string profile, string data)
    {
        BranchProfile loaded = BranchProfileLoader.Load(profile);
        var versions = new ConfigurationVersions(profile, loaded, File.ReadAllText(profile), NullLogger<ConfigurationVersions>.Instance);
        if (versions.Prepare(data).Version != 1)
        {
            throw new InvalidOperationException($"the profile was not stored as version 1 in {data}");
        }
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>
    /// Starts the service (<paramref name="app"/>: lobby-edge.dll under dotnet, or a native executable) on
    /// <paramref name="data"/>, waits for "; ready", kills it (SIGKILL).
    /// </summary>
    private static async Task<Ready> StartAsync(string app, string profile, string data, string workingDirectory, bool httpOff, Dictionary<string, string> environment)
    {
        bool native = !app.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(native ? app : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        // Phase marks on stderr, each with the process's CPU time so far (src/LobbyEdge.Service/README.md, "Start-up").
        start.Environment["LOBBYEDGE_STARTUP_TRACE"] = "1";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        // HTTP on, as "ready" promises (Kestrel bound), on a port the system picks: 9180 may be in use by other runs.
        // --http-off measures without it (Http:Enabled=false), as this mode did before.
        if (!native)
        {
            start.ArgumentList.Add(app);
        }

        foreach (string arg in new[] { "--branch", profile, "--simulate", "--data", data, httpOff ? "--Http:Enabled=false" : "--Http:Port=0" })
        {
            start.ArgumentList.Add(arg);
        }

        long spawnedUs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
        long t0 = Stopwatch.GetTimestamp();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("lobby-edge did not start");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        DateTime? starting = null;
        JsonElement? restoreState = null;
        Ready? ready = null;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                using JsonDocument? json = TryParse(line);
                if (json is null)
                {
                    continue;
                }

                JsonElement root = json.RootElement;
                string message = root.TryGetProperty("Message", out JsonElement m) ? m.GetString() ?? "" : "";
                DateTime at = DateTime.Parse(root.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

                // "Branch ... from ..., simulation; data directory ..." is logged just before the log is opened.
                if (starting is null && root.GetProperty("EventId").GetInt32() == 1 && root.GetProperty("Category").GetString() == "LobbyEdge.Service.LobbyEdgeHost")
                {
                    starting = at;
                }

                // The restore line carries the restore figures; "; ready" follows once every part has started (older
                // builds said both on one line).
                if (message.Contains("replayed event(s) in", StringComparison.Ordinal))
                {
                    restoreState = root.GetProperty("State").Clone();
                }

                if (message.EndsWith("; ready", StringComparison.Ordinal))
                {
                    double wallMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    JsonElement state = restoreState ?? root.GetProperty("State");
                    ready = new Ready(
                        wallMs,
                        starting is { } s ? (at - s).TotalMilliseconds : double.NaN,
                        Number(state.GetProperty("Milliseconds")),
                        (long)Number(state.GetProperty("Replayed")),
                        double.NaN,
                        []);
                    break;
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
        }

        if (ready is not null)
        {
            Dictionary<string, Mark> phases = Marks(await stderr, spawnedUs);
            return ready with { CpuMs = phases.TryGetValue("ready", out Mark r) ? r.CpuMs : double.NaN, Phases = phases };
        }

        throw new InvalidOperationException($"lobby-edge exited with {process.ExitCode} before it was ready: {await stderr}");
    }

    /// <summary>
    /// The phase marks on the service's stderr (<c>startup-trace {phase} {µs since the Unix epoch} cpu {µs}</c>):
    /// each phase's wall time since the process was spawned and the process's CPU time (all threads) at the mark,
    /// NaN from a build without CPU in its marks. The first mark of a phase counts.
    /// </summary>
    private static Dictionary<string, Mark> Marks(string stderr, long spawnedUs)
    {
        var marks = new Dictionary<string, Mark>(StringComparer.Ordinal);
        foreach (string line in stderr.Split('\n'))
        {
            string[] fields = line.TrimEnd('\r').Split(' ');
            if (fields.Length >= 3 && fields[0] == "startup-trace" && long.TryParse(fields[2], CultureInfo.InvariantCulture, out long at))
            {
                double cpu = fields is [_, _, _, "cpu", string c, ..] ? long.Parse(c, CultureInfo.InvariantCulture) / 1000.0 : double.NaN;
                marks.TryAdd(fields[1], new Mark((at - spawnedUs) / 1000.0, cpu));
            }
        }

        return marks;
    }

    private static JsonDocument? TryParse(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    /// <param name="WallMs">From just before the process started until the "; ready" line was read.</param>
    /// <param name="OpenAndRestoreMs">From the service's start line to its ready line, by their timestamps (1 ms steps).</param>
    /// <param name="RestoreMs">The restore time the ready line reports (<c>EngineRecovery.Restore</c> alone).</param>
    /// <param name="Replayed">Events replayed, as the ready line reports.</param>
    /// <param name="CpuMs">The process's CPU time (all threads) when it logged "ready", from its phase marks.</param>
    /// <param name="Phases">The service's phase marks, by phase.</param>
    private sealed record Ready(double WallMs, double OpenAndRestoreMs, double RestoreMs, long Replayed, double CpuMs, Dictionary<string, Mark> Phases);

    /// <param name="WallMs">Since the process was spawned (the service's clock against the benchmark's).</param>
    /// <param name="CpuMs">The process's CPU time so far, all threads.</param>
    private readonly record struct Mark(double WallMs, double CpuMs);
}
