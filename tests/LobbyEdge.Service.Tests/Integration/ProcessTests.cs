using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Runs the real <c>lobby-edge</c> process, as systemd or a technician would, and checks its exit code and
/// output. The project reference puts <c>lobby-edge.dll</c> (with its runtimeconfig, deps and appsettings) next
/// to this assembly, and the demo profile is copied to <c>profiles/</c> beside it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_appDirectory = AppContext.BaseDirectory;
    private static readonly string s_demoProfile = Path.Combine(s_appDirectory, "profiles", "demo.yaml");

    // A simulated day at 2000x takes about 15 s; the rest is for a busy two-core machine.
    private static readonly TimeSpan s_dayPatience = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_startPatience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _workingDirectory = Directory.CreateTempSubdirectory("lobby-edge-test-");

    public void Dispose() => _workingDirectory.Delete(recursive: true);

    [Fact]
    public async Task Simulate_OneDay_ExitsZeroWithCallsAndADaySummaryAsJsonLines()
    {
        Run run = await RunAsync(s_dayPatience, "--branch", s_demoProfile, "--simulate", "--speed", "2000", "--days", "1");

        Assert.Equal(0, run.ExitCode);
        List<JsonElement> lines = ParseJsonLines(run.Stdout);
        Assert.Contains(lines, l => Message(l).Contains(" Call ", StringComparison.Ordinal) && Message(l).Contains(" -> counter ", StringComparison.Ordinal));
        JsonElement summary = Assert.Single(lines, l => Message(l).StartsWith("Day ", StringComparison.Ordinal) && Message(l).Contains(" closed: ", StringComparison.Ordinal));
        int tickets = summary.GetProperty("State").GetProperty("Tickets").GetInt32();
        Assert.True(tickets > 0, $"tickets {tickets}");
        Assert.True(summary.GetProperty("State").GetProperty("Completed").GetInt32() > 0);

        // Without --data a simulation keeps its data under the working directory.
        string data = Path.Combine(_workingDirectory.FullName, "lobby-data");
        Assert.True(Directory.Exists(data));

        // The summary's care figures are the engine's at the close: replay the log.
        var engine = new QueueEngine(BranchProfileLoader.Load(s_demoProfile).Branch);
        using (BranchLog log = BranchLog.Open(data))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                engine.Apply(in e);
            }
        }

        CareFigures care = engine.CareFiguresTotal();
        JsonElement state = summary.GetProperty("State");
        Assert.True(care.Decided > 0, $"nobody waited past the care threshold in a simulated day: {care}");
        Assert.Equal(care.Decided, state.GetProperty("CareDecided").GetInt32());
        Assert.Equal(care.Covered, state.GetProperty("CareCovered").GetInt32());
        Assert.Equal(care.Decided - care.Covered, state.GetProperty("Uncared").GetInt32());
        Assert.Equal(care.CareGiven, state.GetProperty("CareGiven").GetInt32());
        Assert.Equal(Math.Round(care.Coverage * 100, 1), state.GetProperty("CareCoveragePercent").GetDouble());
        Assert.Equal(care.Responses == 0 ? 0 : Math.Round(care.MeanResponseMs / 60_000.0, 1), state.GetProperty("CareResponseMinutes").GetDouble());
        output.WriteLine($"care: {care}");
    }

    [Fact]
    public async Task Simulate_OneDay_TheLobbyManagerAnswersCareAlertsAndRecoversReturningNoShows()
    {
        Run run = await RunAsync(s_dayPatience, "--branch", s_demoProfile, "--simulate", "--speed", "2000", "--days", "1", "--seed", "42");

        Assert.Equal(0, run.ExitCode);
        string[] messages = [.. ParseJsonLines(run.Stdout).Select(Message)];
        Assert.Contains(messages, m => m.StartsWith("Lobby manager (大堂经理, staff 1001) on the floor", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" Lobby manager (大堂经理) looks after ", StringComparison.Ordinal) && m.Contains(" min after the care alert", StringComparison.Ordinal));
        Assert.Contains(messages, m =>
            m.Contains(" Lobby manager (大堂经理) recovers ", StringComparison.Ordinal) || m.Contains(" Lobby manager (大堂经理) cannot recover ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Simulate_OneDay_EndsWithTheCustomerRatings_PerCounterAndWaitBand_AsTheEngineCountedThem()
    {
        Run run = await RunAsync(s_dayPatience, "--branch", s_demoProfile, "--simulate", "--speed", "2000", "--days", "1", "--seed", "42");

        Assert.Equal(0, run.ExitCode);
        List<JsonElement> lines = ParseJsonLines(run.Stdout);
        string[] messages = [.. lines.Select(Message)];
        Assert.Contains(messages, m => m.StartsWith("Customer ratings: rating pads (1-5) at counters 1, 2, the rating page (0-10, NPS) at counters 3, 4, 5, 6, 7", StringComparison.Ordinal));

        // Replay the day's log: the engine's figures, and the summary recounted from the events.
        BranchConfig config = BranchProfileLoader.Load(s_demoProfile).Branch;
        var engine = new QueueEngine(config);
        var recount = new LobbyEdge.Simulator.DaySummary();
        var asked = new Dictionary<int, int>();
        using (BranchLog log = BranchLog.Open(Path.Combine(_workingDirectory.FullName, "lobby-data")))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                engine.Apply(in e);
                recount.Observe([e]);
                if (e.Kind == EventKind.RatingRequested)
                {
                    asked[e.Ticket] = asked.GetValueOrDefault(e.Ticket) + 1;
                }
            }
        }

        // Nobody is asked twice (the simulation prompts only where the host does not).
        RatingFigures total = engine.RatingFiguresTotal();
        Assert.True(total.Requested > 50 && total.Total > 30, $"ratings of the day: {total}");
        Assert.All(asked.Values, n => Assert.Equal(1, n));
        Assert.True(recount.Ratings.Matches(total), $"recount {recount.Ratings}; engine {total}");

        JsonElement day = Assert.Single(lines, l => Message(l).Contains(" customer ratings: ", StringComparison.Ordinal)).GetProperty("State");
        Assert.Equal(total.Total, day.GetProperty("Ratings").GetInt32());
        Assert.Equal(total.Requested, day.GetProperty("Requested").GetInt32());
        Assert.Equal(total.Answered, day.GetProperty("Answered").GetInt32());
        Assert.Equal(total.Satisfied, day.GetProperty("Satisfied").GetInt32());
        Assert.Equal(total.Rated(RatingScale.Pad5), day.GetProperty("PadRatings").GetInt32());
        Assert.Equal(total.Promoters, day.GetProperty("Promoters").GetInt32());
        Assert.Equal(total.Detractors, day.GetProperty("Detractors").GetInt32());
        Assert.Equal(LobbyEdge.Simulator.RatingTotals.Nps(total.NetPromoterScore), day.GetProperty("NetPromoterScore").GetString());

        // Satisfaction at the pad counters, NPS at the page counters, and the wait-band table, one line a row.
        foreach (int counter in recount.RatedCounters)
        {
            Assert.True(recount.RatingsOfCounter(counter).Matches(engine.RatingFiguresOfCounter(counter)), $"counter {counter}");
            Assert.Contains(messages, m => m.EndsWith($" ratings at counter {counter}: {recount.RatingsOfCounter(counter)}", StringComparison.Ordinal));
        }

        Assert.Contains(messages, m => m.Contains(" ratings at counter 1: ", StringComparison.Ordinal) && m.Contains(" satisfaction ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(" ratings at counter 3: ", StringComparison.Ordinal) && m.Contains(" NPS ", StringComparison.Ordinal));
        Assert.Equal(8, messages.Count(m => m.Contains(" ratings after a wait of ", StringComparison.Ordinal)));
        foreach (string line in messages.Where(m => m.Contains(" ratings", StringComparison.Ordinal) && m.StartsWith("Day ", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }
    }

    [Fact]
    public async Task Simulate_DemoHardware_TheHostAsksAtThePads_TheSimulationAtThePages_NobodyTwice()
    {
        string profile = Path.Combine(s_appDirectory, "profiles", "demo-hardware.yaml");
        Run run = await RunAsync(s_dayPatience, "--branch", profile, "--simulate", "--speed", "2000", "--days", "1", "--seed", "42");

        Assert.Equal(0, run.ExitCode);
        string[] messages = [.. ParseJsonLines(run.Stdout).Select(Message)];
        int hostAsked = messages.Count(m => m.StartsWith("Counter ", StringComparison.Ordinal) && m.EndsWith("its customer is asked to rate", StringComparison.Ordinal));
        var engine = new QueueEngine(BranchProfileLoader.Load(profile).Branch);
        var prompts = new Dictionary<int, int>();
        using (BranchLog log = BranchLog.Open(Path.Combine(_workingDirectory.FullName, "lobby-data")))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.TryRead(out LobbyEvent e))
            {
                engine.Apply(in e);
                if (e.Kind == EventKind.RatingRequested)
                {
                    prompts[e.Ticket] = prompts.GetValueOrDefault(e.Ticket) + 1;
                }
            }
        }

        // The host's prompter asks at its (virtual) rating pads 1 and 2, the simulation at its pages: each ticket once.
        Assert.True(hostAsked > 0, "the host's prompter asked nobody at the rating pads");
        Assert.All(prompts.Values, n => Assert.Equal(1, n));
        Assert.True(engine.RatingFiguresOfCounter(1).Rated(RatingScale.Pad5) > 0 && engine.RatingFiguresOfCounter(3).Rated(RatingScale.Nps11) > 0,
            $"counter 1: {engine.RatingFiguresOfCounter(1)}; counter 3: {engine.RatingFiguresOfCounter(3)}");
        Assert.Equal(hostAsked, engine.RatingFiguresOfCounter(1).Requested + engine.RatingFiguresOfCounter(2).Requested);
    }

    [Fact]
    public async Task Simulate_AgainOnTheSameData_PlaysTheNextDayAndTheLogContinuesWithoutAGap()
    {
        string data = Path.Combine(_workingDirectory.FullName, "branch-data");
        Run first = await RunAsync(s_dayPatience, "--branch", s_demoProfile, "--simulate", "--speed", "3000", "--days", "1", "--data", data);
        Assert.Equal(0, first.ExitCode);
        Run second = await RunAsync(s_dayPatience, "--branch", s_demoProfile, "--simulate", "--speed", "3000", "--days", "1", "--data", data);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains(ParseJsonLines(second.Stdout), l => Message(l).Contains("replayed", StringComparison.Ordinal));
        Assert.Contains(ParseJsonLines(second.Stdout), l => Message(l).EndsWith("; ready", StringComparison.Ordinal));

        Run inspect = await RunAsync(s_startPatience, "inspect", "--data", data, "--branch", s_demoProfile);
        Assert.Equal(0, inspect.ExitCode);
        List<JsonElement> events = ParseJsonLines(inspect.Stdout);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("sequence").GetInt64()));
        string[] days = [.. events.Where(e => e.GetProperty("type").GetString() == "lobby.day.opened").Select(e => e.GetProperty("businessDate").GetString()!)];
        Assert.Equal(2, days.Length);
        // The next day the branch opens: the demo branch's calendar closes Sundays and holidays.
        BranchCalendar calendar = BranchProfileLoader.Load(s_demoProfile).Branch.EffectiveCalendar;
        Assert.Equal(calendar.NextOpenDate(DateOnly.Parse(days[0], CultureInfo.InvariantCulture).AddDays(1)), DateOnly.Parse(days[1], CultureInfo.InvariantCulture));
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == "lobby.day.closed"));
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "lobby.ticket.issued" && e.GetProperty("ticket").GetString() == "A001");

        // Past the newest event is a mistake to say (it printed nothing and exited 0, as if nothing had happened);
        // without the profile, the numbers in place of names are explained.
        long last = events[^1].GetProperty("sequence").GetInt64();
        Run past = await RunAsync(s_startPatience, "inspect", "--data", data, "--from", (last + 1).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(2, past.ExitCode);
        Assert.Equal("", past.Stdout);
        Assert.Contains($"--from {last + 1} is past the log's newest event, {last}", past.Stderr, StringComparison.Ordinal);
        Run unnamed = await RunAsync(s_startPatience, "inspect", "--data", data, "--from", "1", "--to", "3");
        Assert.Equal(0, unnamed.ExitCode);
        Assert.Equal(3, ParseJsonLines(unnamed.Stdout).Count);
        Assert.Contains("add --branch <file.yaml> to show them by name", unnamed.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A file where the log's folder belongs, under <c>--simulate</c>: refused before anything is opened, exit 2, saying
    /// what is wrong (it was exit 1, "The event log could not be opened" and a stack trace; every other entry of another
    /// kind: <c>StartRefusalTests.SomethingInTheDataDirectoryOfAnotherKind_…</c>).
    /// </summary>
    [Fact]
    public async Task DataDirectoryWhoseLogIsAFile_ExitsTwoSayingSo()
    {
        string data = Path.Combine(_workingDirectory.FullName, "bad-data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "log"), "not a directory");

        Run run = await RunAsync(s_startPatience, "--branch", s_demoProfile, "--simulate", "--data", data);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(ParseJsonLines(run.Stdout), l => Message(l).Contains($"{Path.Combine(data, "log")} is a file, where the branch keeps the event log's segments", StringComparison.Ordinal));
        Assert.Equal("not a directory", File.ReadAllText(Path.Combine(data, "log")));
    }

    [Fact]
    public async Task Inspect_WithoutData_OrOfAFolderWithoutALog_ExitsTwo()
    {
        Run missing = await RunAsync(s_startPatience, "inspect");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--data is required", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("see lobby-edge inspect --help", missing.Stderr, StringComparison.Ordinal);

        Run empty = await RunAsync(s_startPatience, "inspect", "--data", _workingDirectory.FullName);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("no event log", empty.Stderr, StringComparison.Ordinal);

        Run bad = await RunAsync(s_startPatience, "inspect", "--data", _workingDirectory.FullName, "--from", "x");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--from", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProfileWithAnError_ExitsTwoNamingFileLineAndFieldAndStartsNothing()
    {
        string[] lines = File.ReadAllLines(s_demoProfile);
        int index = Array.FindIndex(lines, l => l.TrimStart().StartsWith("prefix: A", StringComparison.Ordinal));
        Assert.True(index >= 0, "the demo profile has a service with prefix A");
        lines[index] = lines[index].Replace("prefix: A", "prefix: aa", StringComparison.Ordinal);
        string profile = Path.Combine(_workingDirectory.FullName, "broken.yaml");
        File.WriteAllLines(profile, lines);

        Run run = await RunAsync(s_startPatience, "--branch", profile, "--simulate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{profile}:{index + 1}:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("services[0].prefix", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(_workingDirectory.FullName, "lobby-data")));
    }

    [Fact]
    public async Task MissingProfile_ExitsTwoNamingTheFile()
    {
        string profile = Path.Combine(_workingDirectory.FullName, "nowhere.yaml");

        Run run = await RunAsync(s_startPatience, "--branch", profile);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(profile, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingBranch_ExitsTwoWithUsage()
    {
        Run run = await RunAsync(s_startPatience, "--simulate");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--branch", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: lobby-edge", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_ExitsTwoNamingIt()
    {
        Run run = await RunAsync(s_startPatience, "--branch", s_demoProfile, "--simulate", "--sped", "10");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown option '--sped'", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: lobby-edge", run.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("see lobby-edge --help", run.Stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonNumericSpeed_ExitsTwo()
    {
        Run run = await RunAsync(s_startPatience, "--branch", s_demoProfile, "--simulate", "--speed", "fast");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--speed 'fast'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrefixedEnvironment_ConfiguresLogging_AndTheCommandLineWins()
    {
        var quiet = new Dictionary<string, string> { ["LOBBYEDGE__Logging__LogLevel__Default"] = "Warning" };
        string[] args = ["--branch", s_demoProfile, "--simulate", "--speed", "10000"];

        // A configuration argument on the command line too (--Http:Port=0 is added): the environment must still
        // sit above appsettings.json.
        Run silent = await RunAsync(s_dayPatience, quiet, args);
        Run loud = await RunAsync(s_dayPatience, quiet, [.. args, "--Logging:LogLevel:Default=Information"]);

        Assert.Equal(0, silent.ExitCode);
        Assert.DoesNotContain(ParseJsonLines(silent.Stdout), l =>
            l.GetProperty("Category").GetString()!.StartsWith("LobbyEdge.", StringComparison.Ordinal)
            && l.GetProperty("LogLevel").GetString() == "Information");
        Assert.Equal(0, loud.ExitCode);
        Assert.Contains(ParseJsonLines(loud.Stdout), l => Message(l).Contains(" closed: ", StringComparison.Ordinal));
    }

    private Task<Run> RunAsync(TimeSpan patience, params string[] args) =>
        RunAsync(patience, new Dictionary<string, string>(), args);

    private async Task<Run> RunAsync(TimeSpan patience, Dictionary<string, string> environment, params string[] args)
    {
        // Any free port: tests run side by side, and a developer's own service may hold 9180.
        string[] arguments = args.Length > 0 && args[0] != "inspect" ? [.. args, "--Http:Port=0"] : args;
        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_workingDirectory.FullName, patience, environment, arguments);
        var run = new Run(exitCode, stdout, stderr);
        output.WriteLine($"lobby-edge {string.Join(' ', args)} -> {run.ExitCode}");
        output.WriteLine($"stderr: {run.Stderr}");
        output.WriteLine($"stdout (last 2000 chars): {run.Stdout[Math.Max(0, run.Stdout.Length - 2000)..]}");
        return run;
    }

    /// <summary>Every non-empty line must be one JSON object: that is the log contract when stdout is not a terminal.</summary>
    private static List<JsonElement> ParseJsonLines(string stdout)
    {
        var lines = new List<JsonElement>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            lines.Add(document.RootElement.Clone());
        }

        return lines;
    }

    private static string Message(JsonElement line) => line.GetProperty("Message").GetString() ?? "";

    private sealed record Run(int ExitCode, string Stdout, string Stderr);
}
