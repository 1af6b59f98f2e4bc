using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>The operations endpoints of the running service: metrics against the engine's own counts, health, state.</summary>
[Trait("Category", "Integration")]
public sealed partial class OperationsTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-ops-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Metrics_AfterASimulatedHour_AgreeWithTheEngineAndPassPromtool()
    {
        int port = ServiceProcess.FreePort();
        string data = Path.Combine(_work.FullName, "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string metrics;
        await using (ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "900", "--seed", "11", "--data", data, $"--Http:Port={port}"))
        {
            await service.WaitUntilReadyAsync();
            await WaitForAsync(async () => (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode == HttpStatusCode.OK);
            await WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);

            // A simulated hour: the branch opens at 09:00; wait until the state's clock reads 10:00 local and
            // someone who waited past the care threshold has left waiting. The simulated staff act on wall-clock
            // timers, so which simulated minute that happens in varies from run to run (and between the JIT and
            // AOT builds); the scrape is taken once both hold, and the checks below compare it with the log.
            TimeZoneInfo shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
            string scraped = string.Empty;
            await WaitForAsync(async () =>
            {
                using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
                DateTime time = state.RootElement.GetProperty("time").GetDateTime();
                if (TimeZoneInfo.ConvertTimeFromUtc(time.ToUniversalTime(), shanghai).TimeOfDay < TimeSpan.FromHours(10))
                {
                    return false;
                }

                scraped = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return Parse(scraped).Where(kv => kv.Key.StartsWith("lobby_care_decided_total{", StringComparison.Ordinal)).Sum(kv => kv.Value) > 0;
            }, TimeSpan.FromMinutes(3));
            metrics = scraped;
        }

        Dictionary<string, double> samples = Parse(metrics);
        long sequence = (long)samples["lobby_eventlog_last_sequence"];
        output.WriteLine($"scraped at event {sequence}");
        Assert.True(sequence > 100, $"only {sequence} events after a simulated hour");

        // The engine's own view at that sequence: replay the durable log up to it.
        BranchConfig config = BranchProfileLoader.Load(ServiceProcess.DemoProfile).Branch;
        var engine = new QueueEngine(config);
        var ended = new Dictionary<(int Service, int Outcome), int>();
        using (BranchLog log = BranchLog.Open(data))
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.NextSequence <= sequence && reader.TryRead(out LobbyEvent e))
            {
                engine.Apply(in e);
                int outcome = LobbyMetrics.OutcomeOf(in e);
                if (outcome >= 0)
                {
                    ended[(e.Service, outcome)] = ended.GetValueOrDefault((e.Service, outcome)) + 1;
                }
            }
        }

        Assert.Equal(sequence, engine.LastSequence);
        int totalIssued = 0;
        for (int s = 0; s < config.Services.Count; s++)
        {
            string id = config.Services[s].Id;
            double issued = 0;
            for (int t = 0; t < 3; t++)
            {
                issued += samples[$"lobby_tickets_issued_total{{service=\"{id}\",tier=\"{LobbyMetrics.Tiers[t]}\"}}"];
                Assert.Equal(engine.WaitingCount(s, (Tier)t), samples[$"lobby_queue_waiting{{service=\"{id}\",tier=\"{LobbyMetrics.Tiers[t]}\"}}"]);
            }

            Assert.Equal(engine.IssuedCount(s), issued);
            totalIssued += engine.IssuedCount(s);
            for (int o = 0; o < LobbyMetrics.Outcomes.Length; o++)
            {
                Assert.Equal(ended.GetValueOrDefault((s, o)), samples[$"lobby_tickets_ended_total{{service=\"{id}\",outcome=\"{LobbyMetrics.Outcomes[o]}\"}}"]);
            }
        }

        Assert.True(totalIssued > 20, $"only {totalIssued} tickets in a simulated hour");
        Assert.True(ended.Values.Sum() > 0);
        foreach (CounterConfig counter in config.Counters)
        {
            Assert.True(engine.TryGetCounter(counter.Number, out CounterView view));
            Assert.Equal(1, samples[$"lobby_counter_state{{counter=\"{counter.Number}\",state=\"{LobbyMetrics.States[(int)view.State]}\"}}"]);
        }

        Assert.True(samples["lobby_eventlog_commit_seconds_count"] > 0);

        // The care families: today's figures of the engine at that sequence, and today's events in the log.
        using (BranchLog log = BranchLog.Open(data))
        {
            CareMetricsTests.AssertCareMetrics(engine, log, sequence, samples);
        }

        // The rating families: today's ratings of the engine at that sequence.
        RatingMetricsTests.AssertRatingMetrics(engine, samples);
        output.WriteLine($"ratings at event {sequence}: {engine.RatingFiguresTotal()}");
        Assert.True(engine.CareFiguresTotal().Decided > 0, "nobody waited past the care threshold in a simulated hour");
        AssertPromtoolAccepts(metrics);
    }

    [Fact]
    public async Task CareMetrics_AfterARestartMidDay_AreTheDaysFiguresAgain()
    {
        int port = ServiceProcess.FreePort();
        string data = Path.Combine(_work.FullName, "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        TimeZoneInfo shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        await using (ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "900", "--seed", "11", "--data", data, $"--Http:Port={port}"))
        {
            // A simulated morning until 10:15 local, then the process stops.
            await service.WaitUntilReadyAsync();
            await WaitForAsync(async () =>
            {
                using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
                DateTime time = state.RootElement.GetProperty("time").GetDateTime();
                return TimeZoneInfo.ConvertTimeFromUtc(time.ToUniversalTime(), shanghai).TimeOfDay >= new TimeSpan(10, 15, 0);
            }, TimeSpan.FromMinutes(2));
        }

        string metrics;
        await using (ServiceProcess restarted = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "1", "--seed", "11", "--data", data, $"--Http:Port={port}"))
        {
            // Scraped as soon as it serves: what it shows of the morning was rebuilt at start.
            await restarted.WaitUntilReadyAsync();
            await WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
            metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }

        Dictionary<string, double> samples = Parse(metrics);
        long sequence = (long)samples["lobby_eventlog_last_sequence"];
        BranchConfig config = BranchProfileLoader.Load(ServiceProcess.DemoProfile).Branch;
        var engine = new QueueEngine(config);
        using BranchLog log = BranchLog.Open(data);
        using (LogReader reader = log.ReadFrom(1))
        {
            while (reader.NextSequence <= sequence && reader.TryRead(out LobbyEvent e))
            {
                engine.Apply(in e);
            }
        }

        CareFigures care = engine.CareFiguresTotal();
        output.WriteLine($"scraped at event {sequence} after the restart: {care}");
        Assert.True(care.Decided > 0, $"nobody waited past the care threshold by 10:15: {care}");
        CareMetricsTests.AssertCareMetrics(engine, log, sequence, samples);
        RatingMetricsTests.AssertRatingMetrics(engine, samples);
    }

    [Fact]
    public async Task RatingMetrics_OfTheRealProcess_AgreeWithTheEngineAndWithTheStatesRatings()
    {
        // A day with ratings on pads and the page, asked and unasked, linked and after the window, already in the log.
        (string profile, string data) = await RatedBranch.WriteAsync(_work.FullName);
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string metrics;
        JsonDocument state;
        await using (ServiceProcess service = ServiceProcess.Start(_work.FullName, "--branch", profile, "--data", data, $"--Http:Port={port}"))
        {
            await service.WaitUntilReadyAsync();
            await WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
            metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
        }

        using (state)
        {
            Dictionary<string, double> samples = Parse(metrics);
            long sequence = (long)samples["lobby_eventlog_last_sequence"];
            Assert.Equal(sequence, state.RootElement.GetProperty("sequence").GetInt64());
            BranchConfig config = BranchProfileLoader.Load(profile).Branch;
            var engine = new QueueEngine(config);
            using (BranchLog log = BranchLog.Open(data))
            using (LogReader reader = log.ReadFrom(1))
            {
                while (reader.NextSequence <= sequence && reader.TryRead(out LobbyEvent e))
                {
                    engine.Apply(in e);
                }
            }

            RatingFigures total = engine.RatingFiguresTotal();
            output.WriteLine($"ratings at event {sequence}: {total}");
            Assert.True(total.Linked > 0 && total.Unlinked > 0 && total.Requested > total.Answered, $"ratings {total}");

            // /metrics and /api/state both say what the engine's figures say.
            RatingMetricsTests.AssertRatingMetrics(engine, samples);
            JsonElement root = state.RootElement;
            RatingMetricsTests.AssertRatings(total, root.GetProperty("ratings"));
            for (int s = 0; s < config.Services.Count; s++)
            {
                RatingMetricsTests.AssertRatings(engine.RatingFiguresOfService(s), root.GetProperty("services")[s].GetProperty("ratings"));
            }

            for (int c = 0; c < config.Counters.Count; c++)
            {
                RatingMetricsTests.AssertRatings(engine.RatingFiguresOfCounter(config.Counters[c].Number), root.GetProperty("counters")[c].GetProperty("ratings"));
            }

            AssertPromtoolAccepts(metrics);
        }
    }

    [Fact]
    public async Task State_And_OpenMetrics_AreServed_AndHttpCanBeTurnedOff()
    {
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using (ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--speed", "600", "--data", Path.Combine(_work.FullName, "a"), $"--Http:Port={port}"))
        {
            await service.WaitUntilReadyAsync();
            await WaitForAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).IsSuccessStatusCode);
            using JsonDocument state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/state", UriKind.Relative)));
            Assert.Equal("demo-001", state.RootElement.GetProperty("branchId").GetString());
            Assert.Equal(5, state.RootElement.GetProperty("services").GetArrayLength());
            Assert.Equal(8, state.RootElement.GetProperty("counters").GetArrayLength());
            foreach (JsonElement care in state.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("care")).Append(state.RootElement.GetProperty("care")))
            {
                double coverage = care.GetProperty("coverage").GetDouble();
                int decided = care.GetProperty("decided").GetInt32();
                int covered = care.GetProperty("covered").GetInt32();
                Assert.True(coverage is >= 0 and <= 1 && covered <= decided, care.GetRawText());
                Assert.True(care.GetProperty("uncaredWaiting").GetInt32() >= 0 && care.GetProperty("careGiven").GetInt32() >= 0, care.GetRawText());
                Assert.True(care.GetProperty("meanResponseMs").ValueKind is JsonValueKind.Null or JsonValueKind.Number, care.GetRawText());
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
            using HttpResponseMessage response = await http.SendAsync(request);
            Assert.StartsWith("application/openmetrics-text", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
            Assert.EndsWith("# EOF\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        int off = ServiceProcess.FreePort();
        await using ServiceProcess quiet = ServiceProcess.Start(
            _work.FullName, "--branch", ServiceProcess.DemoProfile, "--simulate", "--data", Path.Combine(_work.FullName, "b"), $"--Http:Port={off}", "--Http:Enabled=false");
        await quiet.WaitUntilReadyAsync();
        await quiet.WaitForLineAsync(m => m.Contains("HTTP endpoints disabled", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri($"http://127.0.0.1:{off}/healthz")));
    }

    [Fact]
    public void Watchdog_PingsOnlyUnderASystemdWatchdogAndOnlyWhileTheLoopIsAlive()
    {
        Assert.Null(SystemdWatchdog.Interval(null, null));
        Assert.Null(SystemdWatchdog.Interval("0", null));
        Assert.Null(SystemdWatchdog.Interval("30000000", "1"));
        Assert.Equal(TimeSpan.FromSeconds(15), SystemdWatchdog.Interval("30000000", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
        long now = Stopwatch.GetTimestamp();
        Assert.True(SystemdWatchdog.IsAlive(now - Stopwatch.Frequency, now));
        Assert.False(SystemdWatchdog.IsAlive(now - (Stopwatch.Frequency * 11), now));
    }

    /// <summary>
    /// promtool's lint, with one known exception: CONTRACTS.md names two metrics after the lobby's counters
    /// (service windows, 窗口), and promtool reads the word "counter" in a name as the metric type.
    /// </summary>
    internal static void AssertPromtoolAccepts(string exposition)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process promtool = Process.Start(start)!;
        promtool.StandardInput.Write(exposition);
        promtool.StandardInput.Close();
        string said = promtool.StandardOutput.ReadToEnd() + promtool.StandardError.ReadToEnd();
        promtool.WaitForExit();
        string[] problems = [.. said.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !KnownContractName().IsMatch(l))];
        Assert.True(problems.Length == 0, $"promtool check metrics: {string.Join("; ", problems)}");
    }

    internal static Dictionary<string, double> Parse(string exposition)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    internal static Task WaitForAsync(Func<Task<bool>> condition, TimeSpan? patience = null) =>
        Eventually.UntilAsync(async () =>
        {
            try
            {
                return await condition();
            }
            catch (HttpRequestException)
            {
                return false;   // Not listening yet.
            }
        }, "the condition", patience);

    [GeneratedRegex("^lobby_counter_state(_seconds_total)? metric name should not include type 'counter'$")]
    private static partial Regex KnownContractName();
}
