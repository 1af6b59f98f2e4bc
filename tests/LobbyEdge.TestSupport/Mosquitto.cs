using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LobbyEdge.TestSupport;

/// <summary>What the generated mosquitto.conf holds besides the loopback listener.</summary>
public sealed record BrokerSetup
{
    /// <summary>Keep sessions and queued messages across a graceful restart (SIGTERM saves, start loads).</summary>
    public bool Persistent { get; init; }

    /// <summary>TLS with a client certificate required (the certificate's CN becomes the user name).</summary>
    public TestCertificates? Tls { get; init; }

    /// <summary>Extra configuration lines (password_file, acl_file, ...); anonymous access is then off.</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];
}

/// <summary>
/// A real Mosquitto broker on a free loopback port, with a generated configuration, started and stopped by the
/// tests. Installed by test.sh when missing.
/// </summary>
public sealed partial class Mosquitto : IAsyncDisposable
{
    private readonly BrokerSetup _setup;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private Mosquitto(BrokerSetup setup, string directory)
    {
        _setup = setup;
        Directory = directory;
    }

    public string Directory { get; }

    public int Port { get; private set; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public string ConfigPath => Path.Combine(Directory, "mosquitto.conf");

    /// <summary>What the broker printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Binary
    {
        get
        {
            foreach (string candidate in new[] { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("mosquitto is not installed (test.sh installs it: apt-get install mosquitto)");
        }
    }

    public static async Task<Mosquitto> StartAsync(BrokerSetup? setup = null)
    {
        setup ??= new BrokerSetup();
        string directory = System.IO.Directory.CreateTempSubdirectory("lobby-mosquitto-").FullName;
        var broker = new Mosquitto(setup, directory);
        for (int attempt = 1; ; attempt++)
        {
            // The free port is only free until somebody else (a parallel test, another test run) takes it.
            broker.Port = ServiceProcess.FreePort();
            broker.WriteConfig();
            try
            {
                await broker.StartProcessAsync();
                return broker;
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
            catch
            {
                await broker.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Stops the broker: SIGTERM (it saves its persistence file) or SIGKILL.</summary>
    public async Task StopAsync(bool graceful = true)
    {
        Process? p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }

        if (!p.HasExited)
        {
            if (graceful)
            {
                _ = Kill(p.Id, 15);
            }
            else
            {
                p.Kill();
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        p.Dispose();
    }

    /// <summary>Makes the broker read its password and ACL files again (SIGHUP).</summary>
    public void Reload()
    {
        Assert.NotNull(_process);
        Assert.Equal(0, Kill(_process.Id, 1));
    }

    /// <summary>Starts the broker again on the same port with the same configuration.</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync(graceful: false);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WriteConfig()
    {
        var conf = new StringBuilder();
        conf.AppendLine($"listener {Port} 127.0.0.1");
        if (Environment.UserName == "root")
        {
            // Started as root, mosquitto would drop to the "mosquitto" user, which cannot read this directory.
            conf.AppendLine("user root");
        }

        // stderr: unbuffered, so that "running" is seen as soon as it is said (stdout to a pipe is block-buffered).
        conf.AppendLine("log_dest stderr");
        conf.AppendLine("log_type error");
        conf.AppendLine("log_type warning");
        conf.AppendLine("log_type notice");
        conf.AppendLine("log_type information");
        conf.AppendLine("connection_messages true");

        // Large backlogs are queued for an observer that is between connections; no limit in the tests.
        conf.AppendLine("max_queued_messages 0");
        if (_setup.Persistent)
        {
            conf.AppendLine("persistence true");
            conf.AppendLine($"persistence_location {Directory}/");
        }
        else
        {
            conf.AppendLine("persistence false");
        }

        if (_setup.Tls is { } tls)
        {
            conf.AppendLine($"cafile {tls.CaPath}");
            conf.AppendLine($"certfile {tls.ServerCertPath}");
            conf.AppendLine($"keyfile {tls.ServerKeyPath}");
            conf.AppendLine("require_certificate true");
            conf.AppendLine("use_identity_as_username true");
        }

        if (_setup.Tls is null && _setup.Extra.Count == 0)
        {
            conf.AppendLine("allow_anonymous true");
        }
        else
        {
            conf.AppendLine("allow_anonymous false");
        }

        foreach (string line in _setup.Extra)
        {
            conf.AppendLine(line);
        }

        File.WriteAllText(ConfigPath, conf.ToString());
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Binary, ["-c", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        int start = Output.Length;
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Ready when it says it runs, which it does after opening its listener (a port taken meanwhile makes it
        // exit with "Address already in use" instead). Its log lines are flushed one by one.
        var deadline = Stopwatch.StartNew();
        while (!Output[start..].Contains(" running", StringComparison.Ordinal))
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                _process = null;
                throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode}:\n{Output[start..]}\n{File.ReadAllText(ConfigPath)}");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                // Not left behind: nobody would ever stop it.
                process.Kill();
                await process.WaitForExitAsync();
                _process = null;
                throw new InvalidOperationException($"mosquitto did not start within 15 s:\n{Output[start..]}");
            }

            await Task.Delay(10);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
