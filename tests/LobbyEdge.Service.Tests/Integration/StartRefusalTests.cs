using System.Text.Json;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The kind: a data directory the service cannot write in. One that could not be created was refused with exit 2 and
/// a plain message; one that existed but was not writable ended with exit 1 and a bare "Access to the path '…/lock' is
/// denied" or "Read-only file system", and a read-only one with a lock file left in it was reported as "in use by
/// process N" (another lobby-edge), all with a stack trace in the journal. Now: a permission is a deployment mistake
/// (exit 2, naming the user and the chown to run), a read-only file system a storage fault (exit 1, as a full card,
/// saying what to check), neither with a stack trace; another process holding the directory, and a damaged log, are
/// said without one too, and so is an HTTP port another program holds (Kestrel's own stack trace before). On the real
/// process, a real read-only mount, a real other user and a real listener on the port.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StartRefusalTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-datadir-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("with-a-log")]
    [InlineData("empty")]
    [InlineData("not-created-yet")]
    public async Task AReadOnlyDataDirectory_ExitsOne_SayingReadOnly_NotInUse(string layout)
    {
        using var disk = new Tmpfs(8 * 1024);
        string data = Path.Combine(disk.Path, "data");
        if (layout == "with-a-log")
        {
            await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience);
            Assert.True(File.Exists(Path.Combine(data, "lock")));
        }
        else
        {
            Directory.CreateDirectory(data);
        }

        disk.MakeReadOnly(data);

        // A data directory still to be made on the read-only mount: the same storage fault (it was exit 2, "cannot
        // create the data directory", as a deployment mistake).
        string given = layout == "not-created-yet" ? Path.Combine(data, "branch") : data;
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", given, "--Http:Port=0");
        int exitCode = await service.WaitForExitWithoutReadyAsync(s_patience);
        string stderr = await service.StderrAsync();
        output.WriteLine(stderr);

        Assert.Equal(1, exitCode);
        Assert.Contains($"the data directory {given} is on a read-only file system", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("in use by process", stderr, StringComparison.Ordinal);
        if (layout != "not-created-yet")
        {
            AssertRefusedWithoutAStackTrace(service.Lines, "read-only file system");
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task ADataDirectoryItMayNotWriteIn_ExitsTwo_NamingTheUserAndTheFix()
    {
        // A directory nobody may write in (r-x).
        string data = Path.Combine(_work.FullName, "data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        try
        {
            await AssertRefusedForPermissionAsync(data);
        }
        finally
        {
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// The directory is writable but something in it the branch must write is not (left by a run as root, or its mode
    /// changed). The newest segment: the start failed when the log was opened, exit 1 with "Access to the path … is
    /// denied" and a stack trace. The log's folder: the branch started and failed at the next day's opening (a new
    /// segment), exit 1, saying "free space", nothing on stderr. The durable mark: only a Warning, though without it
    /// acknowledged numbers could be handed out again after a crash. Now each is the permission refusal at the start,
    /// naming the directory and the fix: exit 2, and nothing changed.
    /// </summary>
    [Theory]
    [InlineData("newest-segment")]
    [InlineData("log-folder")]
    [InlineData("durable-mark")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task SomethingInTheDataDirectoryItMayNotWrite_ExitsTwo_NamingTheFix(string what)
    {
        string data = Path.Combine(_work.FullName, "data");
        await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience);
        string newest = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Max(StringComparer.Ordinal)!;
        const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        string named = what switch
        {
            "newest-segment" => newest,
            "log-folder" => Path.Combine(data, "log"),
            _ => Path.Combine(data, "durable.mark"),
        };
        File.SetUnixFileMode(named, what == "log-folder" ? ReadOnly | Execute : ReadOnly);
        byte[] before = await File.ReadAllBytesAsync(newest);
        try
        {
            string stderr = await AssertRefusedForPermissionAsync(data);
            Assert.Contains(what == "log-folder" ? Path.Combine(data, "log") : named, stderr, StringComparison.Ordinal);
            Assert.Contains($"sudo chmod -R u+w {data}", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("denied..", stderr, StringComparison.Ordinal);
            Assert.Equal(before, await File.ReadAllBytesAsync(newest));
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "log"), ".write-check"));
        }
        finally
        {
            File.SetUnixFileMode(named, what == "log-folder" ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>
    /// The kind: something in the data directory of another kind than the branch keeps there: a file where a folder
    /// belongs, a folder where a file belongs, a symbolic link that loops or leads nowhere, for every entry the branch
    /// keeps (and the files in its folders). Before: exit 1, "The file '…/log' already exists." or "Too many levels of
    /// symbolic links" and a stack trace; a folder named <c>lock</c> was a permission refusal whose <c>chown</c> could
    /// not help. Now: exit 2 before anything is opened, naming the entry, what belongs there and what to do, no stack
    /// trace, nothing changed but the lock file's PID; <c>verify</c> says the same (LAYOUT, exit 1).
    /// </summary>
    [Theory]
    [InlineData("log", "is a file")]
    [InlineData("cursors", "is a file")]
    [InlineData("snapshots", "is a file")]
    [InlineData("config", "is a file")]
    [InlineData("durable.mark", "is a folder")]
    [InlineData("lock", "is a folder")]
    [InlineData("branch.id", "is a folder")]
    [InlineData("log/00000000000000900000.seg", "is a folder")]
    [InlineData("log/00000000000000900000.seg", "a symbolic link that cannot be followed")]
    [InlineData("log/00000000000000900000.seg", "which does not exist")]
    [InlineData("log", "which does not exist")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task SomethingInTheDataDirectoryOfAnotherKind_ExitsTwo_NamingItAndWhatBelongsThere_ChangingNothing(string entry, string problem)
    {
        string data = Path.Combine(_work.FullName, "data");
        await DataDirectories.SimulatedDayAsync(_work.FullName, data, s_patience);
        string path = Path.Combine(data, entry);
        string aside = Path.Combine(_work.FullName, "aside");
        if (Directory.Exists(path))
        {
            Directory.Move(path, aside);
        }
        else if (File.Exists(path))
        {
            File.Move(path, aside);
        }

        switch (problem)
        {
            case "is a file":
                await File.WriteAllTextAsync(path, "copied here by mistake\n");
                break;
            case "is a folder":
                Directory.CreateDirectory(path);
                break;
            case "which does not exist":
                File.CreateSymbolicLink(path, Path.Combine(_work.FullName, "unmounted", entry));
                break;
            default:
                string other = Path.Combine(data, "log", "00000000000000900001.seg");
                File.CreateSymbolicLink(path, other);
                File.CreateSymbolicLink(other, path);
                break;
        }

        Dictionary<string, string> before = DataDirectories.Contents(data);
        await using (ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, "--Http:Port=0"))
        {
            int exitCode = await service.WaitForExitWithoutReadyAsync(s_patience);
            string stderr = await service.StderrAsync();
            output.WriteLine(stderr);
            Assert.Equal(2, exitCode);
            Assert.Contains($"the data directory {data} is not laid out as the branch keeps it: ", stderr, StringComparison.Ordinal);
            Assert.Contains(problem, stderr, StringComparison.Ordinal);
            Assert.Contains($"Move {(problem == "a symbolic link that cannot be followed" ? Path.Combine(data, "log") : path)}", stderr, StringComparison.Ordinal);
            AssertRefusedWithoutAStackTrace(service.Lines, "is not laid out as the branch keeps it");
        }

        // The lock file takes the PID of whoever holds the directory (config/ and branch.id are checked after the lock
        // is taken and the owner checked: another branch's data is said to be that first); nothing else changes.
        Dictionary<string, string> after = DataDirectories.Contents(data);
        if (entry != "lock")
        {
            before.Remove("lock");
            after.Remove("lock");
        }

        Assert.Equal(before, after);
        (int verified, string report, _) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data);
        Assert.Equal(1, verified);
        Assert.StartsWith("LAYOUT (the branch refuses to start): ", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondInstance_IsRefusedWithoutAStackTrace()
    {
        string data = Path.Combine(_work.FullName, "data");
        await using ServiceProcess first = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Http:Port={ServiceProcess.FreePort()}");
        await first.WaitUntilReadyAsync();

        await using ServiceProcess second = ServiceProcess.Start(_work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", data, $"--Http:Port={ServiceProcess.FreePort()}");
        Assert.Equal(1, await second.WaitForExitWithoutReadyAsync(s_patience));
        Assert.Contains($"is in use by process {first.Id}", await second.StderrAsync(), StringComparison.Ordinal);
        AssertRefusedWithoutAStackTrace(second.Lines, "is in use by process");
    }

    [Fact]
    public async Task AnHttpPortInUse_ExitsOne_SayingWhatToDo_WithoutAStackTrace()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--data", Path.Combine(_work.FullName, "data"), "--Http:Address=127.0.0.1", $"--Http:Port={port}");
        Assert.Equal(1, await service.ExitCodeAsync(s_patience));
        string stderr = await service.StderrAsync();
        output.WriteLine(stderr);
        Assert.Contains("address already in use", stderr, StringComparison.Ordinal);
        Assert.Contains("give this one another port (Http:Port)", stderr, StringComparison.Ordinal);
        Assert.Contains(service.Lines, l => l.GetProperty("LogLevel").GetString() == "Critical" && ServiceProcess.Message(l).StartsWith("Cannot serve HTTP: ", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Lines, l => l.TryGetProperty("Exception", out JsonElement e) && e.GetString() is { Length: > 0 });
    }

    /// <summary>
    /// Starts the service on <paramref name="data"/> without root's power to override file permissions (the
    /// capabilities dropped from its bounding set: as the service's own user on a box where root made the files,
    /// without needing the test's files to be readable by another user) and checks the permission refusal: exit 2,
    /// the directory, the user this process runs as and the chown for that user (the shipped unit's user is dynamic:
    /// a chown to "lobby-edge" fails while it is stopped), no stack trace. Returns stderr.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private async Task<string> AssertRefusedForPermissionAsync(string data)
    {
        await using ServiceProcess service = ServiceProcess.StartUnder(
            ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"], _work.FullName, null,
            "--branch", ServiceProcess.DemoProfile, "--data", data, "--Http:Port=0");
        int exitCode = await service.WaitForExitWithoutReadyAsync(s_patience);
        string stderr = await service.StderrAsync();
        output.WriteLine(stderr);

        Assert.Equal(2, exitCode);
        Assert.Contains($"the data directory {data} cannot be written by this process (user {Environment.UserName})", stderr, StringComparison.Ordinal);
        Assert.Contains($"sudo chown -R {Environment.UserName}: {data}", stderr, StringComparison.Ordinal);
        Assert.Contains("--data /var/lib/lobby-edge", stderr, StringComparison.Ordinal);
        AssertRefusedWithoutAStackTrace(service.Lines, "cannot be written by this process");
        return stderr;
    }

    /// <summary>One Critical "Refusing to start" line saying <paramref name="what"/>, and no log line carrying a stack trace.</summary>
    private static void AssertRefusedWithoutAStackTrace(List<JsonElement> lines, string what)
    {
        Assert.Contains(lines, l => l.GetProperty("LogLevel").GetString() == "Critical"
            && ServiceProcess.Message(l).StartsWith("Refusing to start: ", StringComparison.Ordinal)
            && ServiceProcess.Message(l).Contains(what, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.TryGetProperty("Exception", out JsonElement e) && e.GetString() is { Length: > 0 });
    }
}
