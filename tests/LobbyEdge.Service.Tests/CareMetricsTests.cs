using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The care metrics and the care figures of the state against the engine's own figures and the durable log, on a
/// real engine over a real log driven as the engine loop drives its sinks: through a day, a restart and the next
/// day's opening.
/// </summary>
public sealed class CareMetricsTests : IDisposable
{
    private static readonly string[] s_dayFamilies =
    [
        "lobby_care_given_total", "lobby_care_decided_total", "lobby_care_covered_total", "lobby_care_response_seconds_count",
        "lobby_care_response_seconds_sum", "lobby_tier_changes_total", "lobby_diversions_total", "lobby_reprints_total",
    ];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-care-");

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>Cash and loans, a 10-minute care threshold repeated every 5 minutes, a counter each.</summary>
    internal static BranchConfig TwoServices() => new()
    {
        BranchId = "test-care",
        Name = "Care Branch",
        TimeZone = TestBranch.Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(17, 0),
        Services =
        [
            new ServiceConfig { Prefix = 'A', Id = "cash", Name = "Cash", CareThreshold = TimeSpan.FromMinutes(10), CareRepeat = TimeSpan.FromMinutes(5) },
            new ServiceConfig { Prefix = 'B', Id = "loans", Name = "Loans", CareThreshold = TimeSpan.FromMinutes(10), CareRepeat = TimeSpan.FromMinutes(5) },
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new ServiceWeight(0)] },
            new CounterConfig { Number = 2, Services = [new ServiceWeight(1)] },
        ],
    };

    [Fact]
    public async Task CareFamilies_FollowTheEngineThroughADay_ARestart_AndTheNextDaysOpening()
    {
        BranchConfig config = TwoServices();
        var time = new TwoClocks(TestBranch.At(8, 59));
        Dictionary<string, double> beforeRestart;
        await using (var run = new DrivenBranch(_work.FullName, config, time))
        {
            PlayAMorning(run, time);
            beforeRestart = await run.ScrapeAsync();
            AssertAgreesWithTheEngineAndTheLog(run, beforeRestart);

            // What the sequence must have produced, so the comparison is not of zeros with zeros.
            CareFigures total = run.Engine.CareFiguresTotal();
            Assert.True(total.CareGiven >= 3, $"care given {total.CareGiven}");
            Assert.True(total.Responses >= 1, $"responses {total.Responses}");
            Assert.True(total.Decided >= 2 && total.Covered >= 1 && total.Covered < total.Decided, $"decided {total.Decided}, covered {total.Covered}");
            Assert.True(total.UncaredWaiting >= 1, $"uncared waiting {total.UncaredWaiting}");
            Assert.Equal(1, beforeRestart["lobby_tier_changes_total{service=\"cash\",tier=\"vip\"}"]);
            Assert.Equal(1, beforeRestart["lobby_diversions_total{from_service=\"cash\",service=\"loans\"}"]);
            Assert.Equal(0, beforeRestart["lobby_diversions_total{from_service=\"loans\",service=\"cash\"}"]);
            Assert.Equal(2, beforeRestart["lobby_reprints_total{service=\"cash\"}"]);
        }

        // A restart: a new process's metrics over the same log show the same day.
        await using (var run = new DrivenBranch(_work.FullName, config, time))
        {
            Dictionary<string, double> afterRestart = await run.ScrapeAsync();
            AssertAgreesWithTheEngineAndTheLog(run, afterRestart);
            foreach ((string series, double value) in beforeRestart.Where(s => IsDayFamily(s.Key) || s.Key.StartsWith("lobby_care_uncared_waiting", StringComparison.Ordinal)))
            {
                Assert.True(afterRestart.TryGetValue(series, out double after) && after == value, $"{series}: {value} before the restart, {after} after");
            }

            // The day goes on after the restart, then closes; the next day's opening starts today's figures again.
            run.Execute(Command.GiveCare(WaitingTicket(run.Engine, 0), 8));
            AssertAgreesWithTheEngineAndTheLog(run, await run.ScrapeAsync());
            time.Advance(TimeSpan.FromHours(9));
            run.Execute(Command.CloseDay());
            run.TickEvery(TimeSpan.FromMinutes(1), TestBranch.At(9, 1).AddDays(1), time);
            Assert.True(run.Engine.IsDayOpen && run.Engine.BusinessDate == TestBranch.Day.AddDays(1), "the next day opened");
            Dictionary<string, double> nextDay = await run.ScrapeAsync();
            AssertAgreesWithTheEngineAndTheLog(run, nextDay);
            Assert.All(nextDay.Where(s => IsDayFamily(s.Key)), s => Assert.True(s.Value == 0, $"{s.Key} = {s.Value} on the next day's opening"));
        }
    }

    [Fact]
    public void State_CarriesTheCareFiguresPerServiceAndForTheBranch()
    {
        BranchConfig config = TwoServices();
        var time = new TwoClocks(TestBranch.At(8, 59));
        using RestoredBranch branch = RestoredBranch.Open(_work.FullName, config, NullLogger.Instance);
        var state = new BranchState(branch, time);
        QueueEngine engine = branch.Engine;
        void Do(Command command)
        {
            engine.Execute(in command, time.GetUtcNow());
            state.OnEvents(engine.LastEvents);
            state.OnBatchEnd();
        }

        time.Advance(TimeSpan.FromMinutes(1));
        engine.Tick(time.GetUtcNow());
        Do(Command.OpenCounter(1));
        Do(Command.Issue(0));
        Do(Command.Issue(0));
        Do(Command.Issue(1));
        for (int m = 0; m < 12; m++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            engine.Tick(time.GetUtcNow());
            state.OnBatchEnd();
        }

        Do(Command.GiveCare(WaitingTicket(engine, 0), 3));
        Do(Command.CallNext(1));
        time.Advance(BranchState.MinInterval);
        state.OnBatchEnd();

        using JsonDocument json = JsonDocument.Parse(state.Json);
        JsonElement root = json.RootElement;
        Assert.Equal(engine.LastSequence, root.GetProperty("sequence").GetInt64());
        AssertCare(engine.CareFiguresTotal(), root.GetProperty("care"));
        JsonElement services = root.GetProperty("services");
        for (int s = 0; s < config.Services.Count; s++)
        {
            AssertCare(engine.CareFiguresOf(s), services[s].GetProperty("care"));
        }

        CareFigures total = engine.CareFiguresTotal();
        Assert.True(total.CareGiven >= 1 && total.Decided >= 1 && total.UncaredWaiting >= 1, $"figures {total}");
    }

    /// <summary>The JSON's <c>care</c> object says what the engine's figures say.</summary>
    internal static void AssertCare(CareFigures expected, JsonElement care)
    {
        Assert.Equal(Math.Round(expected.Coverage, 4), care.GetProperty("coverage").GetDouble());
        Assert.Equal(expected.Decided, care.GetProperty("decided").GetInt32());
        Assert.Equal(expected.Covered, care.GetProperty("covered").GetInt32());
        Assert.Equal(expected.UncaredWaiting, care.GetProperty("uncaredWaiting").GetInt32());
        Assert.Equal(expected.CareGiven, care.GetProperty("careGiven").GetInt32());
        Assert.Equal(expected.Responses, care.GetProperty("responses").GetInt32());
        JsonElement mean = care.GetProperty("meanResponseMs");
        if (expected.Responses == 0)
        {
            Assert.Equal(JsonValueKind.Null, mean.ValueKind);
        }
        else
        {
            Assert.Equal((long)Math.Round(expected.MeanResponseMs), mean.GetInt64());
        }
    }

    /// <summary>
    /// The metrics of a branch against the engine's figures (care given, decided, covered, uncared waiting per
    /// service) and against the current day's events in the durable log (care responses, tier changes,
    /// diversions, reprints).
    /// </summary>
    internal static void AssertCareMetrics(QueueEngine engine, BranchLog log, long sequence, IReadOnlyDictionary<string, double> samples)
    {
        BranchConfig config = engine.Config;
        int services = config.Services.Count;
        var responses = new int[services];
        var responseMs = new long[services];
        var tiers = new int[services * 3];
        var diversions = new int[services * services];
        var reprints = new int[services];
        using (LogReader reader = log.ReadFrom(log.NewestSegmentFirst))
        {
            while (reader.NextSequence <= sequence && reader.TryRead(out LobbyEvent e))
            {
                switch (e.Kind)
                {
                    case EventKind.CareGiven when e.AsCareGiven().Answered:
                        responses[e.Service]++;
                        responseMs[e.Service] += e.AsCareGiven().ResponseMs;
                        break;
                    case EventKind.TierChanged:
                        tiers[(e.Service * 3) + (int)e.Tier]++;
                        break;
                    case EventKind.TicketDiverted:
                        diversions[(e.AsTicketDiverted().FromService * services) + e.Service]++;
                        break;
                    case EventKind.TicketReprinted:
                        reprints[e.Service]++;
                        break;
                    default:
                        break;
                }
            }
        }

        for (int s = 0; s < services; s++)
        {
            string id = config.Services[s].Id;
            CareFigures care = engine.CareFiguresOf(s);
            Assert.Equal(care.CareGiven, samples[$"lobby_care_given_total{{service=\"{id}\"}}"]);
            Assert.Equal(care.Decided, samples[$"lobby_care_decided_total{{service=\"{id}\"}}"]);
            Assert.Equal(care.Covered, samples[$"lobby_care_covered_total{{service=\"{id}\"}}"]);
            Assert.Equal(care.UncaredWaiting, samples[$"lobby_care_uncared_waiting{{service=\"{id}\"}}"]);
            Assert.Equal(care.Responses, samples[$"lobby_care_response_seconds_count{{service=\"{id}\"}}"]);
            Assert.Equal(responses[s], care.Responses);
            Assert.Equal(responseMs[s], care.ResponseMsTotal);
            Assert.Equal(care.ResponseMsTotal / 1000.0, samples[$"lobby_care_response_seconds_sum{{service=\"{id}\"}}"], 6);
            Assert.Equal(reprints[s], samples[$"lobby_reprints_total{{service=\"{id}\"}}"]);
            for (int t = 0; t < 3; t++)
            {
                Assert.Equal(tiers[(s * 3) + t], samples[$"lobby_tier_changes_total{{service=\"{id}\",tier=\"{LobbyMetrics.Tiers[t]}\"}}"]);
            }

            for (int to = 0; to < services; to++)
            {
                Assert.Equal(diversions[(s * services) + to], samples[$"lobby_diversions_total{{from_service=\"{id}\",service=\"{config.Services[to].Id}\"}}"]);
            }
        }
    }

    private static void AssertAgreesWithTheEngineAndTheLog(DrivenBranch run, Dictionary<string, double> samples)
    {
        Assert.Equal(run.Engine.LastSequence, samples["lobby_eventlog_last_sequence"]);
        AssertCareMetrics(run.Engine, run.Branch.Log, run.Engine.LastSequence, samples);
    }

    private static bool IsDayFamily(string series) => s_dayFamilies.Any(f => series.StartsWith(f + "{", StringComparison.Ordinal));

    /// <summary>
    /// Opens the day; five tickets; care before the threshold, a VIP recognised, a diversion, reprints; the
    /// threshold passes; care answering alerts; calls. Leaves a ticket past the threshold uncared.
    /// </summary>
    private static void PlayAMorning(DrivenBranch run, TwoClocks time)
    {
        run.TickEvery(TimeSpan.FromSeconds(30), TestBranch.At(9, 0), time);
        run.Execute(Command.OpenCounter(1));
        run.Execute(Command.OpenCounter(2));
        int[] cash = [.. Enumerable.Range(0, 4).Select(_ => run.Execute(Command.Issue(0)).Ticket)];
        int loans = run.Execute(Command.Issue(1)).Ticket;
        run.Execute(Command.CallNext(2));

        run.TickEvery(TimeSpan.FromSeconds(30), TestBranch.At(9, 3), time);
        Assert.True(run.Execute(Command.GiveCare(cash[2], 7)).Accepted, "care before the threshold");
        Assert.True(run.Execute(Command.ChangeTier(cash[1], Tier.Vip, 7)).Accepted, "VIP recognised");
        Assert.True(run.Execute(Command.Reprint(cash[0], 7)).Accepted, "reprint");
        Assert.True(run.Execute(Command.Reprint(cash[0], 7)).Accepted, "second reprint");
        Assert.True(run.Execute(Command.Divert(cash[3], 1, Placement.Default, 7)).Accepted, "diversion");
        Assert.False(run.Execute(Command.GiveCare(loans, 7)).Accepted, "care for a ticket already called");

        run.TickEvery(TimeSpan.FromSeconds(30), TestBranch.At(9, 12), time);
        Assert.True(run.Execute(Command.GiveCare(cash[0], 7)).Accepted, "care answering an alert");
        Assert.True(run.Execute(Command.GiveCare(cash[0], 9)).Accepted, "care again");
        run.Execute(Command.CallNext(1));
        run.Execute(Command.CallNext(1));
        run.TickEvery(TimeSpan.FromSeconds(30), TestBranch.At(9, 14), time);
    }

    private static int WaitingTicket(QueueEngine engine, int service)
    {
        for (int t = 0; engine.TryGetTicket(t, out TicketView view); t++)
        {
            if (view.State == TicketState.Waiting && view.Service == service)
            {
                return t;
            }
        }

        throw new InvalidOperationException($"nobody waits for service {service}");
    }

    /// <summary>A branch on its log with its metrics, driven as the engine loop drives its sinks: log first, then metrics.</summary>
    internal sealed class DrivenBranch : IAsyncDisposable
    {
        private readonly TwoClocks _time;

        public DrivenBranch(string data, BranchConfig config, TwoClocks time)
        {
            _time = time;
            Metrics = new LobbyMetrics(config);
            Branch = RestoredBranch.Open(data, config, NullLogger.Instance, Metrics);
            Sink = new MetricsSink(Metrics, Branch, time);
        }

        public LobbyMetrics Metrics { get; }

        public RestoredBranch Branch { get; }

        public MetricsSink Sink { get; }

        public QueueEngine Engine => Branch.Engine;

        public CommandResult Execute(Command command)
        {
            CommandResult result = Engine.Execute(in command, _time.GetUtcNow());
            Deliver();
            return result;
        }

        /// <summary>Ticks the engine every <paramref name="step"/> until <paramref name="until"/>.</summary>
        public void TickEvery(TimeSpan step, DateTimeOffset until, TwoClocks time)
        {
            while (time.GetUtcNow() < until)
            {
                time.Advance(step);
                Engine.Tick(time.GetUtcNow());
                Deliver();
            }
        }

        public async Task<Dictionary<string, double>> ScrapeAsync()
        {
            using var exposition = new MemoryStream();
            await Metrics.Registry.CollectAndExportAsTextAsync(exposition);
            return OperationsTests.Parse(Encoding.UTF8.GetString(exposition.ToArray()));
        }

        public ValueTask DisposeAsync()
        {
            Branch.Dispose();
            return ValueTask.CompletedTask;
        }

        private void Deliver()
        {
            ReadOnlySpan<LobbyEvent> events = Engine.LastEvents;
            if (events.Length > 0)
            {
                Branch.Log.Append(events);
                Branch.Log.Commit();
                Sink.OnEvents(events);
            }

            Sink.OnBatchEnd();
        }
    }
}
