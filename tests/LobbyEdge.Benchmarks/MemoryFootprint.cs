using System.Diagnostics;
using System.Globalization;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>memory [--binary &lt;lobby-edge&gt;] [--worker-binary &lt;plain-worker&gt;] [--scrapes n] [--clients n] [--hold s]
/// [--cases idle,demo,hardware,worker] [--unit-environment yes|no]</c>: the real service's resident memory (issue 17).
/// The service cases run with the <c>Environment=</c> of deploy/systemd/lobby-edge.service (as the box runs it) unless
/// <c>--unit-environment no</c>; at steady state the resident set is broken down by mapping kind from
/// <c>/proc/&lt;pid&gt;/smaps</c> (see <see cref="Breakdown"/>). Each case starts a fresh
/// process on a fresh data directory and an HTTP port of its own, waits for its steady state, then does
/// <c>--scrapes</c> sequential <c>GET /metrics</c> twice (two rounds: the first also warms up) and holds
/// <c>--clients</c> concurrent Server-Sent Events clients on <c>/signage/events</c> for <c>--hold</c> seconds before
/// closing them, and reads <c>VmRSS</c> and <c>VmHWM</c> from <c>/proc/&lt;pid&gt;/status</c> before and after each.
/// The service is the native executable given by <c>--binary</c> (or <c>LOBBYEDGE_BINARY</c>), else
/// <c>dotnet lobby-edge.dll</c> next to the benchmarks (the JIT build). The baseline is <c>plain-worker</c>
/// (tests/LobbyEdge.PlainWorker): a generic host with the service's packages and nothing of LobbyEdge, scraped the
/// same way (it has no SSE feed).
/// </summary>
internal static class MemoryFootprint
{
    private const int SteadyWindow = 10;
    private const double SteadyBandMb = 1.5;
    private static readonly TimeSpan s_sampleEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_steadyAtMost = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        string? binary = Environment.GetEnvironmentVariable("LOBBYEDGE_BINARY") is { Length: > 0 } b ? b : null;
        string? workerBinary = null;
        int scrapes = 1000, clients = 100, hold = 20;
        string[] cases = ["idle", "demo", "hardware", "worker"];
        bool unitEnvironment = true;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--binary":
                    binary = Path.GetFullPath(value);
                    break;
                case "--worker-binary":
                    workerBinary = Path.GetFullPath(value);
                    break;
                case "--scrapes":
                    scrapes = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--clients":
                    clients = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--hold":
                    hold = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--cases":
                    cases = value.Split(',');
                    break;
                case "--unit-environment":
                    unitEnvironment = value is "yes" or "true";
                    break;
                default:
                    throw new ArgumentException($"memory: unknown option {args[i]}");
            }
        }

        string branches = Path.Combine(RepositoryRoot(), "hardware-profiles", "branches");
        Dictionary<string, string> environment = unitEnvironment ? SystemdUnit.Environment(Path.Combine(RepositoryRoot(), "deploy", "systemd", "lobby-edge.service")) : [];
        Console.WriteLine($"service environment (deploy/systemd/lobby-edge.service): {(environment.Count == 0 ? "none" : string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}")))}");
        Console.WriteLine($"service: {binary ?? Path.Combine(AppContext.BaseDirectory, "lobby-edge.dll") + " (JIT)"}; baseline: {workerBinary ?? "plain-worker.dll (JIT)"}");
        Console.WriteLine($"{scrapes:N0} scrapes per round, {clients} SSE clients held {hold} s; load average before: {CommitLatency.LoadAverage()}");
        var rows = new List<string>();
        DirectoryInfo root = Directory.CreateTempSubdirectory("le-memory-");
        try
        {
            foreach (string name in cases)
            {
                int port = ServiceProcess.FreePort();
                string data = Path.Combine(root.FullName, name);
                (string label, string exe, List<string> arguments, bool feed) = name switch
                {
                    "idle" => ("service, demo branch, idle", "", Service(Path.Combine(branches, "demo.yaml"), simulate: false), true),
                    "demo" => ("service, demo branch simulating", "", Service(Path.Combine(branches, "demo.yaml"), simulate: true), true),
                    "hardware" => ("service, demo hardware simulating", "", Service(Path.Combine(branches, "demo-hardware.yaml"), simulate: true), true),
                    "worker" => ("plain .NET worker (baseline)", workerBinary ?? "", ["--port", port.ToString(CultureInfo.InvariantCulture)], false),
                    _ => throw new ArgumentException($"memory: unknown case {name} (idle, demo, hardware, worker)"),
                };
                if (name != "worker")
                {
                    exe = binary ?? "";
                }

                string dll = Path.Combine(AppContext.BaseDirectory, name == "worker" ? "plain-worker.dll" : "lobby-edge.dll");
                Console.WriteLine($"-- {label}");
                rows.Add(await MeasureAsync(label, exe, dll, arguments, name == "worker" ? [] : environment, port, feed, scrapes, clients, hold));

                List<string> Service(string branch, bool simulate) =>
                    ["--branch", branch, .. simulate ? new[] { "--simulate" } : [], "--data", data, $"--Http:Port={port}"];
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }

        Console.WriteLine($"load average after: {CommitLatency.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("All figures MB (VmRSS; HWM = VmHWM, the peak). Steady = median of 10 one-second samples that stay within 1.5 MB.");
        Console.WriteLine();
        Console.WriteLine($"| Process | GC threads | Steady RSS | {scrapes:N0} scrapes: after | growth | again: after | growth | {clients} SSE clients: held | after close | growth | HWM |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string row in rows)
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(string label, string exe, string dll, List<string> arguments, Dictionary<string, string> environment, int port, bool feed, int scrapes, int clients, int hold)
    {
        var start = new ProcessStartInfo(exe.Length > 0 ? exe : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (exe.Length == 0)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{label} did not start");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        var ready = new TaskCompletionSource();
        Task stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Contains("; ready", StringComparison.Ordinal) || line == "ready")
                {
                    ready.TrySetResult();
                }
            }
        });
        var inv = CultureInfo.InvariantCulture;
        try
        {
            if (await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromMinutes(1)), process.WaitForExitAsync()) != ready.Task)
            {
                throw new InvalidOperationException($"{label} was not ready (exited: {process.HasExited}): {(process.HasExited ? await stderr : "")}");
            }

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(1) };
            await WaitForHttpAsync(http, process);
            double steady = await SteadyAsync(process.Id);
            string gc = GcThreads(process.Id);
            Console.WriteLine($"   steady {steady:N1} MB; GC threads: {gc}");
            Console.WriteLine($"   {Breakdown(process.Id, exe.Length > 0 ? exe : dll)}");

            double scraped1 = await ScrapeAsync(http, process.Id, scrapes);
            double scraped2 = await ScrapeAsync(http, process.Id, scrapes);
            Console.WriteLine($"   after {scrapes} scrapes {scraped1:N1} MB, after {scrapes} more {scraped2:N1} MB");
            string sse = "| n/a | n/a | n/a ";
            if (feed)
            {
                (double held, double closed) = await StreamAsync(port, process.Id, clients, hold);
                Console.WriteLine($"   {clients} SSE clients held {held:N1} MB, closed {closed:N1} MB");
                sse = string.Create(inv, $"| {held:N1} | {closed:N1} | {closed - scraped2:+0.0;-0.0} ");
            }

            Console.WriteLine($"   at the end: {Breakdown(process.Id, exe.Length > 0 ? exe : dll)}");
            double hwm = Status(process.Id, "VmHWM:");
            return string.Create(inv, $"| {label} | {gc} | {steady:N1} | {scraped1:N1} | {scraped1 - steady:+0.0;-0.0} | {scraped2:N1} | {scraped2 - scraped1:+0.0;-0.0} {sse}| {hwm:N1} |");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            await stdout;
        }
    }

    /// <summary>The service reports ready before Kestrel listens; waits for <c>/metrics</c> to answer.</summary>
    private static async Task WaitForHttpAsync(HttpClient http, Process process)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync("metrics");
                response.EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (attempt < 200 && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<double> ScrapeAsync(HttpClient http, int pid, int scrapes)
    {
        for (int i = 0; i < scrapes; i++)
        {
            using HttpResponseMessage response = await http.GetAsync("metrics");
            response.EnsureSuccessStatusCode();
            _ = await response.Content.ReadAsByteArrayAsync();
        }

        return await SteadyAsync(pid);
    }

    /// <summary>Opens <paramref name="clients"/> feeds, reads them for <paramref name="hold"/> s, closes them.</summary>
    private static async Task<(double Held, double Closed)> StreamAsync(int port, int pid, int clients, int hold)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 1 };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
        using var close = new CancellationTokenSource();
        var opened = new List<Task<long>>();
        for (int i = 0; i < clients; i++)
        {
            opened.Add(ReadFeedAsync(http, close.Token));
        }

        await Task.Delay(TimeSpan.FromSeconds(hold));
        double held = Status(pid, "VmRSS:");
        await close.CancelAsync();
        long[] bytes = await Task.WhenAll(opened);
        if (bytes.Any(b => b == 0))
        {
            throw new InvalidOperationException($"{bytes.Count(b => b == 0)} of {clients} feeds received nothing");
        }

        return (held, await SteadyAsync(pid));
    }

    private static async Task<long> ReadFeedAsync(HttpClient http, CancellationToken close)
    {
        long read = 0;
        try
        {
            using HttpResponseMessage response = await http.GetAsync("signage/events", HttpCompletionOption.ResponseHeadersRead, close);
            response.EnsureSuccessStatusCode();
            await using Stream body = await response.Content.ReadAsStreamAsync(close);
            var buffer = new byte[4096];
            int n;
            while ((n = await body.ReadAsync(buffer, close)) > 0)
            {
                read += n;
            }
        }
        catch (OperationCanceledException) when (close.IsCancellationRequested)
        {
            // Closed by us.
        }

        return read;
    }

    /// <summary>Samples VmRSS once a second until <see cref="SteadyWindow"/> samples in a row stay within the band; their median.</summary>
    private static async Task<double> SteadyAsync(int pid)
    {
        var samples = new List<double>();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            samples.Add(Status(pid, "VmRSS:"));
            if (samples.Count >= SteadyWindow)
            {
                double[] window = [.. samples.TakeLast(SteadyWindow).Order()];
                if (window[^1] - window[0] <= SteadyBandMb || waited.Elapsed > s_steadyAtMost)
                {
                    return window[SteadyWindow / 2];
                }
            }

            await Task.Delay(s_sampleEvery);
        }
    }

    /// <summary>
    /// The resident set by mapping kind, in MB, from <c>/proc/&lt;pid&gt;/smaps</c>: the executable's (or the
    /// <c>lobby-edge.dll</c>'s) own file pages, clean (read from the file, dropped and re-read under memory pressure)
    /// and dirty (written after load: relocations, statics); other files (shared libraries, mapped assemblies); and
    /// anonymous memory (GC heap, thread stacks, native allocations), with the part in mappings of at most 8 MiB
    /// that are read-write (thread stacks and malloc arenas, roughly) given separately.
    /// </summary>
    internal static string Breakdown(int pid, string executable)
    {
        string name = Path.GetFileName(executable);
        double exeClean = 0, exeDirty = 0, files = 0, anonymous = 0, small = 0;
        var libraries = new Dictionary<string, double>();
        string mapping = "";
        long size = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 5 && parts[0].Contains('-', StringComparison.Ordinal) && !parts[0].EndsWith(':'))
            {
                string[] range = parts[0].Split('-');
                size = Convert.ToInt64(range[1], 16) - Convert.ToInt64(range[0], 16);
                mapping = parts.Length == 6 ? parts[5].Trim() : "";
                continue;
            }

            if (parts.Length < 2 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long kb))
            {
                continue;
            }

            double mb = kb / 1024.0;
            bool file = mapping.StartsWith('/');
            bool own = file && Path.GetFileName(mapping) == name;
            switch (parts[0])
            {
                case "Rss:" when file && !own:
                    files += mb;
                    libraries[Path.GetFileName(mapping)] = libraries.GetValueOrDefault(Path.GetFileName(mapping)) + mb;
                    break;
                case "Private_Clean:" or "Shared_Clean:" when own:
                    exeClean += mb;
                    break;
                case "Private_Dirty:" or "Shared_Dirty:" when own:
                    exeDirty += mb;
                    break;
                case "Rss:" when !file:
                    anonymous += mb;
                    small += size <= 8 << 20 ? mb : 0;
                    break;
            }
        }

        string largest = string.Join(", ", libraries.Where(l => l.Value >= 0.5).OrderByDescending(l => l.Value).Take(4).Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value:N1}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}: {exeClean:N1} clean + {exeDirty:N1} dirty; other files {files:N1} ({largest}); anonymous {anonymous:N1} (of it {small:N1} in mappings <= 8 MiB)");
    }

    /// <summary>A <c>/proc/&lt;pid&gt;/status</c> field given in kB, in MB.</summary>
    internal static double Status(int pid, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }

    /// <summary>The runtime's GC threads by name (<c>.NET BGC</c>: concurrent GC; <c>.NET Server GC</c>: server GC).</summary>
    private static string GcThreads(int pid)
    {
        string[] names = [.. Directory.GetDirectories($"/proc/{pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim())];
        int background = names.Count(n => n.Contains("BGC", StringComparison.Ordinal));
        int server = names.Count(n => n.Contains("Server GC", StringComparison.Ordinal));
        return background + server == 0 ? $"none ({names.Length} threads)" : $"{background} BGC, {server} server ({names.Length} threads)";
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LobbyEdge.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("memory: run from the repository (LobbyEdge.sln not found above the benchmarks)");
    }
}
