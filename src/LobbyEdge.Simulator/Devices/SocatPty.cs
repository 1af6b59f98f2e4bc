using System.Diagnostics;

namespace LobbyEdge.Simulator.Devices;

/// <summary>
/// A pair of linked pseudo-terminals made by socat (<c>socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B</c>):
/// what is written to one end comes out of the other, so a virtual device on one end looks like a real serial
/// device to the service on the other. Killing it is pulling the cable.
/// </summary>
public sealed class SocatPty : IDisposable
{
    private readonly Process _process;

    private SocatPty(Process process, string hostEnd, string deviceEnd)
    {
        _process = process;
        HostEnd = hostEnd;
        DeviceEnd = deviceEnd;
    }

    /// <summary>The end the service opens.</summary>
    public string HostEnd { get; }

    /// <summary>The end the virtual device opens.</summary>
    public string DeviceEnd { get; }

    /// <summary>Whether socat is still running.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Starts socat and waits (at most <paramref name="timeout"/>) for both links to appear.</summary>
    /// <exception cref="InvalidOperationException">socat is missing or did not make the links in time.</exception>
    public static async Task<SocatPty> StartAsync(string hostEnd, string deviceEnd, TimeSpan timeout)
    {
        foreach (string link in new[] { hostEnd, deviceEnd })
        {
            // A link left by a killed socat would make the new one fail.
            if (File.Exists(link) || new FileInfo(link).LinkTarget is not null)
            {
                File.Delete(link);
            }
        }

        var start = new ProcessStartInfo("socat")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add($"pty,raw,echo=0,link={hostEnd}");
        start.ArgumentList.Add($"pty,raw,echo=0,link={deviceEnd}");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("socat did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var pty = new SocatPty(process, hostEnd, deviceEnd);
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(hostEnd) && File.Exists(deviceEnd)))
        {
            if (process.HasExited || clock.Elapsed > timeout)
            {
                pty.Dispose();
                throw new InvalidOperationException($"socat did not create {hostEnd} and {deviceEnd} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return pty;
    }

    /// <summary>Kills socat at once (SIGKILL): the ptys vanish as if the cable were pulled.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
