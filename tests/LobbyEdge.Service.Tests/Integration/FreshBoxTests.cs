using System.Net.Http.Json;
using System.Text.Json;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 17, item 5 (a fresh Pi starts): the service needs nothing the README's install does not put on the box. A fresh
/// Raspberry Pi OS / Debian has no libicu: the service runs with invariant globalization and starts, is ready, simulates
/// and issues tickets with every libicu file hidden (a private mount namespace, <c>unshare -m</c>, with
/// <c>/dev/null</c> bound over each). tzdata is a dependency the README installs; without the branch's zone the start
/// is refused with exit 2 naming it, never an abort (134) that systemd would restart forever. Runs against the JIT
/// build and, in CI, the native binary (<see cref="ServiceProcess.BinaryVariable"/>). Needs root (mount namespaces).
/// </summary>
[Trait("Category", "Integration")]
public sealed class FreshBoxTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-edge-fresh-box-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task WithoutIcu_TheServiceStartsReady_SimulatesCalls_AndTheKioskIssuesATicket()
    {
        string[] icu = IcuFiles();
        string hide = string.Concat(icu.Select(f => $"mount --bind /dev/null '{f}' || exit 97; "));
        int port = ServiceProcess.FreePort();
        await using ServiceProcess service = ServiceProcess.StartUnder(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide + "exec \"$@\"", "sh"], _work.FullName, null,
            "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "600", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");

        await service.WaitUntilReadyAsync();
        // The simulation issues and calls in the branch's zone (Asia/Shanghai), its services named in Chinese.
        await service.WaitForLineAsync(m => m.Contains(" Call ", StringComparison.Ordinal) && m.Contains(" -> counter ", StringComparison.Ordinal), s_patience);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await OperationsTests.WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
        using HttpResponseMessage issued = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        string answer = await issued.Content.ReadAsStringAsync();
        Assert.True(issued.IsSuccessStatusCode, $"POST /kiosk/tickets answered {(int)issued.StatusCode}: {answer}");
        Assert.True(JsonDocument.Parse(answer).RootElement.TryGetProperty("ticket", out _), answer);

        // Every libicu file really is hidden from this process (its mount table), and none is mapped into it.
        string mounts = await File.ReadAllTextAsync($"/proc/{service.Id}/mountinfo");
        Assert.All(icu, f => Assert.Contains($" {f} ", mounts, StringComparison.Ordinal));
        Assert.DoesNotContain("libicu", await File.ReadAllTextAsync($"/proc/{service.Id}/maps"), StringComparison.Ordinal);
    }

    public static TheoryData<string> MissingZoneWays => ["TZDIR names an empty folder", "no tzdata installed"];

    [Theory]
    [MemberData(nameof(MissingZoneWays))]
    public async Task WithoutTheBranchZone_TheStartIsRefusedWithExitTwo_NamingTheZone(string how)
    {
        string empty = _work.CreateSubdirectory("zoneinfo").FullName;
        // "No tzdata": an empty tmpfs over the zone files, in a mount namespace of this run's own.
        string[] wrapper = how == "no tzdata installed"
            ? ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /usr/share/zoneinfo || exit 97; exec \"$@\"", "sh"]
            : ["env", $"TZDIR={empty}"];
        await using ServiceProcess service = ServiceProcess.StartUnder(
            wrapper, _work.FullName, null, "--branch", ServiceProcess.DemoProfile, "--simulate", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={ServiceProcess.FreePort()}");

        int exit = await service.WaitForExitWithoutReadyAsync(s_patience);

        string stderr = await service.StderrAsync();
        Assert.True(exit == 2, $"exit {exit} ({how}); stderr: {stderr}");
        Assert.Contains($"{ServiceProcess.DemoProfile}:", stderr, StringComparison.Ordinal);
        Assert.Contains("unknown time zone \"Asia/Shanghai\"", stderr, StringComparison.Ordinal);
        // The cause, not a hint to use the id it was given.
        Assert.Contains("this machine has no time-zone data; install the tzdata package", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("use an IANA id such as", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work.FullName, "data")), "a refused start created the data directory");
    }

    /// <summary>
    /// Every libicu shared object the dynamic loader could find on this machine (none on a fresh Pi): the files
    /// themselves, not their symbolic links (hiding a file hides every link to it); <c>/lib</c> only where it is not a
    /// link to <c>/usr/lib</c>.
    /// </summary>
    private static string[] IcuFiles() =>
        [.. new[] { "/lib", "/usr/lib", "/usr/local/lib" }
            .Where(d => Directory.Exists(d) && new DirectoryInfo(d).LinkTarget is null)
            .SelectMany(d => Directory.EnumerateDirectories(d, "*-linux-gnu*").Prepend(d))
            .SelectMany(d => Directory.EnumerateFiles(d, "libicu*.so*"))
            .Where(f => new FileInfo(f).LinkTarget is null)
            .Order(StringComparer.Ordinal)];
}
