using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LobbyEdge.Devices.Tests;

/// <summary>The real <c>lobby-edge</c> process (the build output next to these tests), its stdout and stderr collected.</summary>
internal sealed class LobbyEdgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private LobbyEdgeProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    public static LobbyEdgeProcess Start(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lobby-edge.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new LobbyEdgeProcess(Process.Start(start) ?? throw new InvalidOperationException("lobby-edge did not start"));
    }

    /// <summary>Waits for the process to exit by itself (at most <paramref name="patience"/>); its exit code, stdout and stderr.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> ExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            Assert.Fail($"lobby-edge did not exit within {patience}; stderr: {await _stderr}");
        }

        return (_process.ExitCode, await _stdout, await _stderr);
    }

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL (the plug pulled) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
