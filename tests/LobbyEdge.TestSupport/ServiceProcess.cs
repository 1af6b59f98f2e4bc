using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace LobbyEdge.TestSupport;

/// <summary>
/// The real <c>lobby-edge</c> process, started from the build output next to the tests (or the native binary that
/// <c>LOBBYEDGE_BINARY</c> names), with its JSON log lines collected as they come. For tests that watch a running service (crash, metrics) rather than wait for its exit.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public static readonly string DemoProfile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml");

    /// <summary>
    /// The environment variable naming a published native <c>lobby-edge</c> executable (the Native AOT build, issue 17).
    /// When it is set, every process these tests start is that binary; otherwise the JIT build, <c>dotnet lobby-edge.dll</c>
    /// from the build output next to the tests. test.sh re-runs the process-level tests with it set.
    /// </summary>
    public const string BinaryVariable = "LOBBYEDGE_BINARY";

    /// <summary>The full path of the native binary under test, or null for the JIT build (see <see cref="BinaryVariable"/>).</summary>
    public static readonly string? NativeBinary = NativeBinaryFromEnvironment();

    /// <summary>Whether the tests start the JIT build (<c>dotnet lobby-edge.dll</c>) rather than a native binary.</summary>
    public static bool IsJit => NativeBinary is null;

    private readonly Process _process;
    private readonly List<JsonElement> _lines = [];
    private readonly Task _reading;
    private readonly Task<string> _stderr;

    private readonly bool _serves;

    private ServiceProcess(Process process, IReadOnlyList<string> args)
    {
        _process = process;
        _serves = !args.Contains("--Http:Enabled=false", StringComparer.OrdinalIgnoreCase);
        _stderr = process.StandardError.ReadToEndAsync();
        _reading = Task.Run(async () =>
        {
            string? torn = null;
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                // Every line is one JSON object, except possibly the last after a SIGKILL: the console writes long
                // lines in pieces, and the kill can fall between two of them.
                Assert.True(torn is null, $"a log line that is not JSON, and not the last one: {torn}");
                JsonElement json;
                try
                {
                    json = JsonDocument.Parse(line).RootElement;
                }
                catch (JsonException)
                {
                    torn = line;
                    continue;
                }

                lock (_lines)
                {
                    _lines.Add(json);
                }
            }
        });
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (what a second instance names as the data directory's holder).</summary>
    public int Id => _process.Id;

    /// <summary>The log lines so far.</summary>
    public List<JsonElement> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static ServiceProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, null, args);

    /// <summary>Starts <c>lobby-edge</c> with extra environment variables.</summary>
    public static ServiceProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        new(Process.Start(StartInfo(workingDirectory, environment, args)) ?? throw new InvalidOperationException("lobby-edge did not start"), args);

    /// <summary>
    /// Starts <c>lobby-edge</c> through <paramref name="wrapper"/>, a command that ends by running the program and
    /// arguments appended to it (<c>unshare -m sh -c '...; exec "$@"' sh</c>): the process whose log is read is the
    /// wrapper's, which becomes lobby-edge by <c>exec</c>.
    /// </summary>
    public static ServiceProcess StartUnder(IReadOnlyList<string> wrapper, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        ProcessStartInfo program = StartInfo(workingDirectory, environment, args);
        var start = new ProcessStartInfo(wrapper[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in wrapper.Skip(1).Append(program.FileName).Concat(program.ArgumentList))
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new(Process.Start(start) ?? throw new InvalidOperationException($"{wrapper[0]} did not start"), args);
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code; fails (and kills it) after <paramref name="patience"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            Assert.Fail($"lobby-edge did not exit within {patience}; stderr: {await _stderr}");
        }

        await _reading;
        return _process.ExitCode;
    }

    /// <summary>
    /// How the tests start the program. A service run (<c>--branch</c>) that says nothing about the clock takes the
    /// wall clock as synchronised (<c>--Clock:Synchronization=trusted</c>): test machines and containers seldom run
    /// NTP, and on an unsynchronised clock the branch would not open its day by the clock (engine README, "Clock
    /// policy"). The clock policy's own tests set it themselves.
    /// </summary>
    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var start = new ProcessStartInfo(NativeBinary ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (NativeBinary is null)
        {
            // DOTNET_HOST_PATH is the dotnet that runs these tests (set by the SDK); fall back to the PATH.
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lobby-edge.dll"));
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (args.Contains("--branch") && args.FirstOrDefault() is not ("inspect" or "verify") && !args.Any(a => a.StartsWith("--Clock:", StringComparison.OrdinalIgnoreCase)))
        {
            start.ArgumentList.Add("--Clock:Synchronization=trusted");
        }

        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static string? NativeBinaryFromEnvironment()
    {
        string? named = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrEmpty(named))
        {
            return null;
        }

        string binary = Path.GetFullPath(named);
        // A wrong path fails every process test loudly here, instead of each one with "lobby-edge did not start".
        return File.Exists(binary)
            ? binary
            : throw new InvalidOperationException($"{BinaryVariable}={named}: no such file (a published lobby-edge executable is expected)");
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Message(JsonElement line) => line.GetProperty("Message").GetString() ?? "";

    /// <summary>Waits for a log line whose message satisfies <paramref name="match"/>; fails if the process exits first.</summary>
    public async Task<JsonElement> WaitForLineAsync(Func<string, bool> match, TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < patience)
        {
            foreach (JsonElement line in Lines)
            {
                if (match(Message(line)))
                {
                    return line;
                }
            }

            if (_process.HasExited)
            {
                await _reading;
                Assert.Fail($"lobby-edge exited with {_process.ExitCode} before the line came; stderr: {await _stderr}");
            }

            await Task.Delay(20);
        }

        Assert.Fail($"no such log line within {patience}; last lines: {string.Join(" | ", Lines.TakeLast(5).Select(Message))}");
        return default;
    }

    /// <summary>
    /// Waits until the service has opened its log and restored the engine and, unless it was started with
    /// <c>--Http:Enabled=false</c>, until its HTTP endpoints listen. "; ready" is said once every part has started
    /// (Kestrel bound); the wait for the HTTP line is kept for builds from before that.
    /// </summary>
    public async Task WaitUntilReadyAsync()
    {
        await WaitForLineAsync(m => m.EndsWith("; ready", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        if (_serves)
        {
            await WaitForLineAsync(m => m.StartsWith("HTTP endpoints on ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the plug is pulled.</summary>
    public async Task<List<JsonElement>> KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        await _reading;
        return Lines;
    }

    /// <summary>
    /// Waits until the process exits on its own and returns its exit code; fails if it reports ready first (a start
    /// that had to be refused) or is still running after <paramref name="patience"/>.
    /// </summary>
    public async Task<int> WaitForExitWithoutReadyAsync(TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        while (!_process.HasExited)
        {
            Assert.False(Lines.Any(l => Message(l).EndsWith("; ready", StringComparison.Ordinal)), "lobby-edge reported ready; it should have refused to start");
            Assert.True(deadline.Elapsed < patience, $"lobby-edge still runs after {patience}");
            await Task.Delay(20);
        }

        await _process.WaitForExitAsync();
        await _reading;
        return _process.ExitCode;
    }

    /// <summary>Runs a command of lobby-edge (inspect, verify) to its end: exit code, standard output and error.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(string workingDirectory, TimeSpan patience, params string[] args) =>
        RunToEndAsync(workingDirectory, patience, null, args);

    /// <summary>Runs lobby-edge to its end with extra environment variables; fails (and kills it) after <paramref name="patience"/>.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(
        string workingDirectory, TimeSpan patience, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using Process process = Process.Start(StartInfo(workingDirectory, environment, args)) ?? throw new InvalidOperationException("lobby-edge did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"lobby-edge {string.Join(' ', args)} still runs after {patience}; stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a command of lobby-edge (e.g. <c>staff add</c>) with <paramref name="input"/> on its standard input, to its end.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string workingDirectory, TimeSpan patience, string input, params string[] args)
    {
        ProcessStartInfo start = StartInfo(workingDirectory, null, args);
        start.RedirectStandardInput = true;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("lobby-edge did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"lobby-edge {string.Join(' ', args)} still runs after {patience}; stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public async Task<string> StderrAsync() => _process.HasExited ? await _stderr : "";

    /// <summary>Waits for the process to end by itself and returns its exit code; fails if it is still running after <paramref name="patience"/>.</summary>
    public Task<int> ExitCodeAsync(TimeSpan patience) => WaitForExitAsync(patience);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
