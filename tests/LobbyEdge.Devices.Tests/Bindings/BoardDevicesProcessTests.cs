using System.Globalization;
using LobbyEdge.Devices.Profiles;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Profiles;
using LobbyEdge.Service.Tests;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The real process with the board-devices example on a box without those buses (this one: no <c>/dev/i2c-1</c>,
/// <c>/dev/spidev*</c>, PWM chips or GPIO): every board device is reported down with the kernel's reason, in the
/// log and in <c>lobby_device_up</c>, and the branch runs on.
/// </summary>
public sealed class BoardDevicesProcessTests : IDisposable
{
    private static readonly string s_example = Path.Combine(AppContext.BaseDirectory, "examples", "board-devices.yaml");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lobbyedge-board-process-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task BoardDevicesWithoutTheirBuses_AreReportedDown_AndTheBranchRuns()
    {
        BranchHardware hardware = BranchProfileLoader.HardwareOf(BranchProfileLoader.Load(s_example));
        DeviceInfo[] absent =
        [
            .. hardware.CharacterLcds.Where(l => !File.Exists($"/dev/i2c-{l.Bus}")).Select(l => l.Device),
            .. hardware.SegmentDisplays.Where(d => !File.Exists($"/dev/spidev{d.Bus}.{d.ChipSelect}")).Select(d => d.Device),
            .. hardware.Buzzers.Where(b => b.IsPwm ? !Directory.Exists($"/sys/class/pwm/pwmchip{b.PwmChip}") : !File.Exists("/dev/gpiochip0")).Select(b => b.Device),
        ];

        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", s_example, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        foreach (DeviceInfo device in absent)
        {
            await service.WaitForLineAsync(m => m.StartsWith($"Device {device.Id}: Offline (", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        }

        string[] wanted = [.. absent.Select(d => string.Create(CultureInfo.InvariantCulture, $"lobby_device_up{{device=\"{d.Id}\",kind=\"{DeviceMetrics.KindLabel(d.Kind)}\"}} 0"))];
        string metrics = "";
        Assert.True(await PtyLobby.EventuallyAsync(() =>
        {
            try
            {
                metrics = http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult();
            }
            catch (HttpRequestException)
            {
                return false;                           // the HTTP endpoint may come up a moment after "ready"
            }

            return wanted.All(w => metrics.Contains(w, StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(1)), $"not every board device is down in /metrics:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("lobby_device_up", StringComparison.Ordinal)))}");

        // The branch runs on: the health endpoint answers and the process is still there.
        using HttpResponseMessage health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.True(health.IsSuccessStatusCode, $"/healthz answered {(int)health.StatusCode}");
        Assert.DoesNotContain(service.Lines, l => ServiceProcess.Message(l).Contains("Unhandled", StringComparison.Ordinal));

        // And stops cleanly on SIGTERM, as systemd stops it: the board devices' owner tasks end and close their buses.
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }
}
