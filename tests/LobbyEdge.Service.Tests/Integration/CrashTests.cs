using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Pulls the plug on the real process: <c>lobby-edge --simulate</c> at high speed is killed with SIGKILL at random
/// moments and started again on the same data, and after every kill the log must hold every ticket the process
/// had handed out, with a gap-free sequence, and rebuild the same state with or without snapshots.
/// </summary>
/// <remarks>
/// CI runs a handful of trials. The soak run is the same test with more:
/// <c>LOBBYEDGE_CRASH_TRIALS=50 dotnet test tests/LobbyEdge.Service.Tests -c Release --filter FullyQualifiedName~CrashTests</c>.
/// </remarks>
[Trait("Category", "Integration")]
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_demoProfile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-crash-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task KilledAtRandomMoments_LosesNoHandedOutTicket_NumbersNoTicketTwice_AndRebuildsTheSameState()
    {
        int trials = int.TryParse(Environment.GetEnvironmentVariable("LOBBYEDGE_CRASH_TRIALS"), CultureInfo.InvariantCulture, out int n) ? n : 4;
        var random = new Random(20261123);
        // The service numbers its configuration (version 1 on a first start with this profile); its snapshots say so.
        BranchConfig loaded = BranchProfileLoader.Load(s_demoProfile).Branch;
        BranchConfig config = loaded.WithVersion(1, loaded.Hash);
        string data = Path.Combine(_work.FullName, "data");
        int handedOut = 0;
        int fromSnapshot = 0;
        for (int trial = 1; trial <= trials; trial++)
        {
            TimeSpan runFor = TimeSpan.FromMilliseconds(random.Next(200, 2500));
            List<JsonElement> lines = await RunAndKillAsync(data, trial, runFor);
            List<(string Ticket, long Sequence)> acks = [.. lines
                .Where(l => Message(l).Contains("handed to the customer", StringComparison.Ordinal))
                .Select(l => (l.GetProperty("State").GetProperty("Ticket").GetString()!, l.GetProperty("State").GetProperty("Sequence").GetInt64()))];
            handedOut += acks.Count;

            // Check a copy, as the next start would find it, so the service's own repair is not what we test.
            string copy = CopyOf(data, $"trial-{trial}");
            using BranchLog log = BranchLog.Open(copy);
            List<LobbyEvent> events = ReadAll(log);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            foreach ((string ticket, long sequence) in acks)
            {
                Assert.True(log.LastSequence >= sequence, $"trial {trial}: {ticket} was handed out at event {sequence}, the log ends at {log.LastSequence}");
                Assert.Contains(events, e => e.Kind == EventKind.TicketIssued && e.Sequence <= sequence
                    && config.Services[e.NumberService].FormatNumber(e.Number) == ticket);
            }

            (QueueEngine withSnapshots, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(config), log);
            Directory.Delete(Path.Combine(copy, "snapshots"), recursive: true);
            Directory.CreateDirectory(Path.Combine(copy, "snapshots"));
            (QueueEngine replayOnly, RecoveryReport replayReport) = EngineRecovery.Restore(() => new QueueEngine(config), log);
            Assert.Equal(0, replayReport.SnapshotSequence);
            Assert.Equal(replayOnly.DescribeState(), withSnapshots.DescribeState());
            Assert.Equal(log.LastSequence, withSnapshots.LastSequence);
            fromSnapshot += report.SnapshotSequence > 0 ? 1 : 0;
            output.WriteLine($"trial {trial}: ran {runFor.TotalMilliseconds} ms, {acks.Count} tickets handed out, log at {log.LastSequence}, snapshot {report.SnapshotSequence} + {report.EventsReplayed} replayed");
        }

        // No number twice in a business day: the demo's ranges (1..999) never wrap in these runs.
        using (BranchLog final = BranchLog.Open(CopyOf(data, "final")))
        {
            int day = 0;
            var seen = new HashSet<(int Day, int Service, int Number)>();
            foreach (LobbyEvent e in ReadAll(final))
            {
                day = e.Kind == EventKind.DayOpened ? e.AsDayOpened().BusinessDate.DayNumber : day;
                if (e.Kind == EventKind.TicketIssued)
                {
                    Assert.True(seen.Add((day, e.NumberService, e.Number)), $"{config.Services[e.NumberService].FormatNumber(e.Number)} issued twice on day {day}");
                }
            }

            Assert.True(seen.Count > 0);
        }

        Assert.True(handedOut > 0, "no ticket was handed out in any trial: the runs were too short to test anything");
        Assert.True(trials < 3 || fromSnapshot > 0, "no trial restored from a snapshot");
    }

    /// <summary>
    /// Corruption trials: between runs of the real process, a random byte of a random file is flipped or the file
    /// cut at a random offset (segments mostly, snapshots, the cursor and the durable mark now and then). Every start
    /// must either refuse (exit 1, stderr naming a file of the data directory and an offset, nothing changed; the
    /// trial then restores the backup, as an operator would) or run and keep every intact record, continue the
    /// sequence without a gap and never issue a number twice in a day.
    /// </summary>
    /// <remarks>
    /// CI runs a few; the soak: <c>LOBBYEDGE_CORRUPTION_TRIALS=100 dotnet test tests/LobbyEdge.Service.Tests -c Release
    /// --filter FullyQualifiedName~CrashTests.Corrupted</c> (LOBBYEDGE_CORRUPTION_SEED picks another sequence).
    /// </remarks>
    [Fact]
    public async Task CorruptedBetweenRuns_RefusesNamingFileAndOffset_OrKeepsEveryIntactRecordAndReissuesNoNumber()
    {
        int trials = int.TryParse(Environment.GetEnvironmentVariable("LOBBYEDGE_CORRUPTION_TRIALS"), CultureInfo.InvariantCulture, out int n) ? n : 4;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("LOBBYEDGE_CORRUPTION_SEED"), CultureInfo.InvariantCulture, out int s) ? s : 20261130;
        var random = new Random(seed);
        BranchConfig config = BranchProfileLoader.Load(s_demoProfile).Branch;
        string data = Path.Combine(_work.FullName, "data");
        await using (ServiceProcess busy = ServiceProcess.Start(_work.FullName, Arguments(data, seed: 1, speed: 10_000)))
        {
            // Two whole days and part of a third: closed segments, so damage in them is tried too.
            await Eventually.UntilAsync(async () =>
            {
                Assert.False(busy.HasExited, await busy.StderrAsync());
                return busy.Lines.Count(l => Message(l).Contains(" closed: ", StringComparison.Ordinal)) >= 2;
            }, "two simulated days to close", TimeSpan.FromMinutes(2));

            await Task.Delay(300);
        }

        // A consumer cursor part-way through the log, so damage both before and after it is tried.
        string cursor = Path.Combine(data, "cursors", "head-office.cursor");
        using (BranchLog log = BranchLog.Open(data))
        {
            log.Cursor("head-office").Save(log.LastSequence / 2);
        }

        byte[] goodCursor = File.ReadAllBytes(cursor);

        int refused = 0;
        int started = 0;
        for (int trial = 1; trial <= trials; trial++)
        {
            string backup = CopyOf(data, $"backup-{trial}");
            string corruption = Corrupt(data, random);
            Dictionary<long, LobbyEvent> before = IntactEvents(data);
            Dictionary<string, byte[]> files = Contents(data);

            await using ServiceProcess service = ServiceProcess.Start(_work.FullName, Arguments(data, trial));
            JsonElement? ready = await ReadyOrExitAsync(service);
            if (ready is null)
            {
                int exitCode = await service.WaitForExitWithoutReadyAsync(TimeSpan.FromMinutes(1));
                string stderr = await service.StderrAsync();
                Assert.True(exitCode == 1, $"trial {trial} ({corruption}): exit {exitCode}: {stderr}");
                Assert.Matches($"{Regex.Escape(data)}/[^,]+, offset \\d+", stderr);
                Assert.Equal(files.Keys.Order(), Contents(data).Keys.Order());
                foreach ((string path, byte[] content) in Contents(data))
                {
                    Assert.True(content.AsSpan().SequenceEqual(files[path]), $"trial {trial} ({corruption}): the refused start changed {path}");
                }

                output.WriteLine($"trial {trial}: {corruption}: refused: {stderr.Split('\n')[1].Trim()}");
                refused++;
                Directory.Delete(data, recursive: true);
                Directory.Move(backup, data);
                continue;
            }

            await Task.Delay(random.Next(200, 2000));
            List<JsonElement> lines = await service.KillAsync();
            started++;
            Dictionary<long, LobbyEvent> after = IntactEvents(data);

            // Every record that was intact before the start is still there, unchanged (nothing intact was cut)...
            foreach ((long sequence, LobbyEvent e) in before)
            {
                Assert.True(after.TryGetValue(sequence, out LobbyEvent kept) && kept == e, $"trial {trial} ({corruption}): intact event {sequence} lost or changed");
            }

            // ...the new ones continue the log without a gap...
            long last = before.Count == 0 ? 0 : before.Keys.Max();
            long[] added = [.. after.Keys.Where(k => k > last).Order()];
            Assert.Equal(Enumerable.Range(0, added.Length).Select(i => last + 1 + i), added);

            // ...no number is issued twice in a day (a segment is a day), and every ticket handed out is in the log.
            var issued = new HashSet<(long Day, short Service, int Number)>();
            foreach ((long day, LobbyEvent e) in LogCheck.IntactEvents(data))
            {
                if (e.Kind == EventKind.TicketIssued && !issued.Add((day, e.NumberService, e.Number)))
                {
                    Assert.Fail($"trial {trial} ({corruption}): {config.Services[e.NumberService].FormatNumber(e.Number)} issued twice on the day of segment {day}");
                }
            }

            foreach (JsonElement ack in lines.Where(l => Message(l).Contains("handed to the customer", StringComparison.Ordinal)))
            {
                long sequence = ack.GetProperty("State").GetProperty("Sequence").GetInt64();
                string ticket = ack.GetProperty("State").GetProperty("Ticket").GetString()!;
                Assert.Contains(after.Values, e => e.Kind == EventKind.TicketIssued && e.Sequence <= sequence && config.Services[e.NumberService].FormatNumber(e.Number) == ticket);
            }

            string findings = string.Join(" | ", lines.Where(l => l.GetProperty("LogLevel").GetString() is "Warning" or "Critical").Select(Message));
            output.WriteLine($"trial {trial}: {corruption}: started, {added.Length} new events; {findings}");
            Directory.Delete(backup, recursive: true);

            // A corrupt cursor was tried in this trial; later trials try damage before and after a good one again.
            File.WriteAllBytes(cursor, goodCursor);
        }

        output.WriteLine($"{trials} corruption trials (seed {seed}): {refused} refused, {started} started");
        Assert.Equal(trials, refused + started);
    }

    private static string[] Arguments(string data, int seed, int speed = 1500) =>
        ["--branch", s_demoProfile, "--simulate", "--speed", speed.ToString(CultureInfo.InvariantCulture), "--days", "30", "--seed", seed.ToString(CultureInfo.InvariantCulture),
        "--data", data, "--Http:Enabled=false", "--EventLog:SnapshotEveryEvents=60",
        "--Logging:LogLevel:LobbyEdge.Simulator.Hosting.SimulationDriver=Debug"];

    /// <summary>Waits for the ready line (returned) or the process's exit (null).</summary>
    private static async Task<JsonElement?> ReadyOrExitAsync(ServiceProcess service)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            foreach (JsonElement line in service.Lines)
            {
                if (Message(line).EndsWith("; ready", StringComparison.Ordinal))
                {
                    return line;
                }
            }

            if (service.HasExited)
            {
                return null;
            }

            await Task.Delay(20);
        }

        Assert.Fail("lobby-edge neither got ready nor exited within a minute");
        return null;
    }

    /// <summary>Flips a random byte of, or cuts at a random offset, a random file; says what it did.</summary>
    private static string Corrupt(string data, Random random)
    {
        double pick = random.NextDouble();
        string[] candidates = pick < 0.75 ? Directory.GetFiles(Path.Combine(data, "log"), "*.seg")
            : pick < 0.85 ? Directory.GetFiles(Path.Combine(data, "snapshots"), "*.snap")
            : pick < 0.95 ? Directory.GetFiles(Path.Combine(data, "cursors"), "*.cursor")
            : Directory.GetFiles(data, "*.mark");
        if (candidates.Length == 0)
        {
            return "nothing corrupted";
        }

        Array.Sort(candidates, StringComparer.Ordinal);
        string file = candidates[random.Next(candidates.Length)];
        byte[] content = File.ReadAllBytes(file);
        if (content.Length == 0)
        {
            return $"{file} is empty";
        }

        int offset = random.Next(content.Length);
        if (random.Next(2) == 0)
        {
            byte mask = (byte)random.Next(1, 256);
            content[offset] ^= mask;
            File.WriteAllBytes(file, content);
            return $"flipped byte {offset} of {Path.GetRelativePath(data, file)} ({content.Length} bytes) with {mask:X2}";
        }

        File.WriteAllBytes(file, content[..offset]);
        return $"cut {Path.GetRelativePath(data, file)} from {content.Length} to {offset} bytes";
    }

    private static Dictionary<long, LobbyEvent> IntactEvents(string data)
    {
        var events = new Dictionary<long, LobbyEvent>();
        foreach ((long _, LobbyEvent e) in LogCheck.IntactEvents(data))
        {
            events[e.Sequence] = e;
        }

        return events;
    }

    private static Dictionary<string, byte[]> Contents(string data) =>
        Directory.GetFiles(data, "*", SearchOption.AllDirectories).Where(p => Path.GetFileName(p) != "lock").ToDictionary(p => p, File.ReadAllBytes);

    [Fact]
    public async Task StartOnALogWithACorruptTail_RepairsItSaysSoAndGoesOn()
    {
        string data = Path.Combine(_work.FullName, "data");
        await RunAndKillAsync(data, seed: 9, TimeSpan.FromMilliseconds(1500));
        string segment = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Max(StringComparer.Ordinal)!;
        long before;
        using (BranchLog log = BranchLog.Open(CopyOf(data, "before")))
        {
            before = log.LastSequence;
        }

        // A half-written record, as a power cut in the middle of a write leaves it.
        using (var f = new FileStream(segment, FileMode.Append))
        {
            f.Write([56, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3]);
        }

        List<JsonElement> lines = await RunAndKillAsync(data, seed: 9, TimeSpan.FromMilliseconds(800));

        JsonElement repaired = Assert.Single(lines, l => Message(l).Contains("tail repaired", StringComparison.Ordinal));
        Assert.Equal(11, repaired.GetProperty("State").GetProperty("Bytes").GetInt64());
        Assert.Contains(lines, l => Message(l).Contains($"last event {before};", StringComparison.Ordinal));
        using BranchLog after = BranchLog.Open(CopyOf(data, "after"));
        Assert.True(after.LastSequence >= before);
        Assert.Null(after.OpenReport.RepairReason);
    }

    /// <summary>Starts the simulation on <paramref name="data"/>, waits until it is ready, lets it run, then SIGKILLs it.</summary>
    private async Task<List<JsonElement>> RunAndKillAsync(string data, int seed, TimeSpan runFor)
    {
        await using ServiceProcess service = ServiceProcess.Start(_work.FullName, Arguments(data, seed));
        await service.WaitUntilReadyAsync();
        await Task.Delay(runFor);
        if (service.HasExited)
        {
            Assert.Fail($"lobby-edge exited early; stderr: {await service.StderrAsync()}");
        }

        return await service.KillAsync();
    }

    private string CopyOf(string data, string name)
    {
        string target = Path.Combine(_work.FullName, name);
        foreach (string file in Directory.GetFiles(data, "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(data, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        foreach (string dir in new[] { "log", "snapshots", "cursors" })
        {
            Directory.CreateDirectory(Path.Combine(target, dir));
        }

        return target;
    }

    private static List<LobbyEvent> ReadAll(BranchLog log)
    {
        var events = new List<LobbyEvent>();
        using LogReader reader = log.ReadFrom(1);
        while (reader.TryRead(out LobbyEvent e))
        {
            events.Add(e);
        }

        return events;
    }

    private static string Message(JsonElement line) => ServiceProcess.Message(line);
}
