using System.Globalization;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// <c>verify</c> judges the end of the newest segment as the start does, and says so once. A technician cut 7 bytes
/// from the newest segment behind the durable mark: verify printed "torn tail … the service cuts it at its next start"
/// and then "DAMAGE (the branch refuses to start)" for the same file and offset. The start's check is the truth: a bad
/// end behind the durable mark, a snapshot or a cursor held acknowledged events and is damage; a bad end with nothing
/// beyond it is a torn tail the start cuts; and a torn tail beside damage elsewhere is not cut, because the start
/// refuses first. Each case on the real process: a simulated day, the file damaged, <c>verify</c>, then a start.
/// </summary>
[Trait("Category", "Integration")]
public sealed class VerifyTornTailTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-verify-torn-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("mark")]
    [InlineData("snapshot")]
    [InlineData("cursor")]
    public async Task Verify_ABadEndBehindEvidence_IsOneDamageFinding_NotATornTail_AndTheStartRefusesAsItSays(string evidence)
    {
        string data = Path.Combine(_work.FullName, "data");
        string segment = await SimulatedDayAsync(data);
        long length = new FileInfo(segment).Length;
        string mark = Path.Combine(data, "durable.mark");
        string snapshots = Path.Combine(data, "snapshots");
        long first = long.Parse(Path.GetFileNameWithoutExtension(segment), CultureInfo.InvariantCulture);

        // The end cut inside the record the evidence shows was durable: 7 bytes of it gone.
        long cutTo = length - 7;
        switch (evidence)
        {
            case "snapshot":
                // The newest snapshot is the only evidence: the record of its event cut short, the mark gone.
                long sequence = Directory.GetFiles(snapshots, "*.snap")
                    .Max(f => long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture));
                cutTo = 16 + (64 * (sequence - first + 1)) - 7;
                File.Delete(mark);
                break;
            case "cursor":
                // A consumer that had finished with the last event (a cursor has the mark's format) is the only evidence.
                Directory.CreateDirectory(Path.Combine(data, "cursors"));
                File.Copy(mark, Path.Combine(data, "cursors", "head-office.cursor"));
                File.Delete(mark);
                Directory.Delete(snapshots, recursive: true);
                break;
            default:
                // The technician's repro: the mark alone.
                Directory.Delete(snapshots, recursive: true);
                break;
        }

        using (var f = new FileStream(segment, FileMode.Open))
        {
            f.SetLength(cutTo);
        }

        byte[] damaged = File.ReadAllBytes(segment);
        long goodLength = cutTo - (cutTo - 16) % 64;

        (int verifyCode, string report, string verifyErr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data);

        Assert.True(verifyCode == 1, $"verify exit {verifyCode}: {report} {verifyErr}");
        string finding = Assert.Single(Lines(report), l => l.Contains($"offset {goodLength}", StringComparison.Ordinal));
        Assert.StartsWith("DAMAGE (the branch refuses to start): ", finding, StringComparison.Ordinal);
        Assert.Contains(segment, finding, StringComparison.Ordinal);
        Assert.Contains("57 byte(s)", finding, StringComparison.Ordinal);
        Assert.Contains(evidence == "mark" ? mark : evidence == "snapshot" ? ".snap" : "head-office.cursor", finding, StringComparison.Ordinal);
        Assert.DoesNotContain("the service cuts it", report, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(report), l => l.StartsWith("  torn tail", StringComparison.Ordinal));
        Assert.Single(Lines(report), l => l.StartsWith("DAMAGE", StringComparison.Ordinal));
        Assert.EndsWith(": DAMAGED", Assert.Single(Lines(report), l => l.StartsWith($"segment  {segment}", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("verdict: DAMAGED: the branch refuses to start", report, StringComparison.Ordinal);

        // The start does what verify said: it refuses, names the same file and offset, and cuts nothing.
        await using ServiceProcess start = Start(data);
        Assert.Equal(1, await start.WaitForExitWithoutReadyAsync(s_patience));
        string stderr = await start.StderrAsync();
        Assert.Contains($"{segment}, offset {goodLength}", stderr, StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(segment));
    }

    [Fact]
    public async Task Verify_ATornTailWithNothingBeyondIt_SaysTheStartCutsIt_AndTheStartDoes()
    {
        string data = Path.Combine(_work.FullName, "data");
        string segment = await SimulatedDayAsync(data);
        long goodLength = new FileInfo(segment).Length;

        // A commit that never returned: the first 57 bytes of a record after the last durable one.
        byte[] content = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, [.. content, .. content.AsSpan((int)goodLength - 64, 57)]);

        (int verifyCode, string report, string verifyErr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data);

        Assert.True(verifyCode == 3, $"verify exit {verifyCode}: {report} {verifyErr}");
        string finding = Assert.Single(Lines(report), l => l.Contains($"offset {goodLength}", StringComparison.Ordinal));
        Assert.Equal($"  torn tail at offset {goodLength}, 57 byte(s) (record cut short (57 bytes)): never acknowledged; the service cuts it at its next start", finding);
        Assert.DoesNotContain("DAMAGE", report, StringComparison.Ordinal);
        Assert.EndsWith(": torn tail", Assert.Single(Lines(report), l => l.StartsWith($"segment  {segment}", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("verdict: the branch starts; see the findings above", report, StringComparison.Ordinal);

        // The start does what verify said: it starts and cuts the tail.
        await using ServiceProcess start = Start(data);
        await start.WaitUntilReadyAsync();
        Assert.Contains(start.Lines, l => ServiceProcess.Message(l).StartsWith($"Event log tail repaired: {segment} cut back by 57 bytes", StringComparison.Ordinal));
        await start.KillAsync();
    }

    [Fact]
    public async Task Verify_ATornTailBesideDamageElsewhere_DoesNotPromiseTheNextStartCutsIt_AsTheStartRefuses()
    {
        string data = Path.Combine(_work.FullName, "data");
        string segment = await SimulatedDayAsync(data);
        byte[] content = File.ReadAllBytes(segment);
        long goodLength = content.Length;
        long first = long.Parse(Path.GetFileNameWithoutExtension(segment), CultureInfo.InvariantCulture);

        // A flipped byte in the middle of the day (intact records after it), and a torn tail at the end.
        long slot = (goodLength - 16) / 64 / 2;
        content[16 + (64 * slot) + 30] ^= 0x5A;
        File.WriteAllBytes(segment, [.. content, .. content.AsSpan((int)goodLength - 64, 57)]);
        byte[] damaged = File.ReadAllBytes(segment);

        (int verifyCode, string report, string verifyErr) = await ServiceProcess.RunToEndAsync(_work.FullName, s_patience, "verify", "--data", data);

        Assert.True(verifyCode == 1, $"verify exit {verifyCode}: {report} {verifyErr}");
        string tail = Assert.Single(Lines(report), l => l.Contains($"offset {goodLength}", StringComparison.Ordinal));
        Assert.StartsWith($"  torn tail at offset {goodLength}", tail, StringComparison.Ordinal);
        Assert.DoesNotContain("at its next start", tail, StringComparison.Ordinal);
        Assert.Contains("refuses to start", tail, StringComparison.Ordinal);
        Assert.StartsWith("DAMAGE (the branch refuses to start): ", Assert.Single(Lines(report), l => l.Contains($"offset {16 + (64 * slot)}", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("verdict: DAMAGED: the branch refuses to start", report, StringComparison.Ordinal);

        // inspect of the events after the damage says the same of the tail.
        (int inspectCode, _, string inspectErr) = await ServiceProcess.RunToEndAsync(
            _work.FullName, s_patience, "inspect", "--data", data, "--from", (first + slot + 1).ToString(CultureInfo.InvariantCulture));
        Assert.True(inspectCode == 0, $"inspect exit {inspectCode}: {inspectErr}");
        Assert.Contains($"offset {goodLength}", inspectErr, StringComparison.Ordinal);
        Assert.DoesNotContain("when it next starts", inspectErr, StringComparison.Ordinal);
        Assert.Contains("refuses to start", inspectErr, StringComparison.Ordinal);

        // The start refuses, and cuts nothing: not the tail either.
        await using ServiceProcess start = Start(data);
        Assert.Equal(1, await start.WaitForExitWithoutReadyAsync(s_patience));
        Assert.Equal(damaged, File.ReadAllBytes(segment));
    }

    private static string[] Lines(string report) => report.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private ServiceProcess Start(string data) => ServiceProcess.Start(
        _work.FullName,
        "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "100", "--days", "30", "--seed", "7", "--data", data, "--Http:Enabled=false");

    /// <summary>A simulated day run to its end (a clean stop: the mark at the last event, snapshots taken); returns the segment.</summary>
    private async Task<string> SimulatedDayAsync(string data)
    {
        (int exitCode, _, string stderr) = await ServiceProcess.RunToEndAsync(
            _work.FullName, s_patience, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "5000", "--days", "1", "--seed", "7",
            "--data", data, "--Http:Enabled=false", "--EventLog:SnapshotEveryEvents=60");
        Assert.True(exitCode == 0, $"the simulated day exited {exitCode}: {stderr}");
        return Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Max(StringComparer.Ordinal)!;
    }
}
