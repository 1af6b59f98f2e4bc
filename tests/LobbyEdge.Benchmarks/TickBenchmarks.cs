using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LobbyEdge.Engine;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// (e) The timer tick with 500 customers waiting: one tick when nothing is due (what almost every tick of a day
/// is), and one tick that raises exactly one care alert. The 500 tickets are issued 1.2 s apart, so their
/// 10-minute care alerts (repeating every 10 minutes) fall due one per 1.2 s; the care tick advances the clock by
/// 1.2 s per invocation and so raises one alert each time, for as long as the benchmark runs. The branch does not
/// open or close by the clock here, so that the clock can run past closing time.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TickBenchmarks
{
    private const int Waiting = 500;
    private static readonly TimeSpan s_spacing = TimeSpan.FromMilliseconds(1200);
    private static readonly DateTimeOffset s_firstIssue = Lobby.At(9, 30);

    private readonly BranchConfig _config = Lobby.Busy(autoOpenClose: false);
    private QueueEngine _engine = null!;
    private BaselineQueue _baseline = null!;
    private long _step;
    private DateTimeOffset _quiet;

    [GlobalSetup(Targets = [nameof(EngineNothingDue), nameof(EngineCareAlert)])]
    public void SetUpEngine()
    {
        _engine = new QueueEngine(_config);
        FillLobby(Lobby.Runner(_engine));
        _step = Waiting;
        PastSlaBreaches(() => _engine.Tick(At(_step++)));
        _quiet = At(_step) - (s_spacing / 2);
        Lobby.Check(_engine.Tick(_quiet) == 0, "find a quiet instant");
    }

    [GlobalSetup(Targets = [nameof(BaselineNothingDue), nameof(BaselineCareAlert)])]
    public void SetUpBaseline()
    {
        _baseline = new BaselineQueue(_config);
        FillLobby(Lobby.Runner(_baseline));
        _step = Waiting;
        PastSlaBreaches(() => _baseline.Tick(At(_step++)).Events.Count);
        _quiet = At(_step) - (s_spacing / 2);
        Lobby.Check(_baseline.Tick(_quiet).Events.Count == 0, "find a quiet instant");
    }

    [BenchmarkCategory("Nothing due")]
    [Benchmark(Baseline = true)]
    public int BaselineNothingDue() => _baseline.Tick(_quiet).Events.Count;

    [BenchmarkCategory("Nothing due")]
    [Benchmark]
    public int EngineNothingDue() => _engine.Tick(_quiet);

    [BenchmarkCategory("One care alert")]
    [Benchmark(Baseline = true)]
    public int BaselineCareAlert() => _baseline.Tick(At(_step++)).Events.Count;

    [BenchmarkCategory("One care alert")]
    [Benchmark]
    public int EngineCareAlert() => _engine.Tick(At(_step++));

    private static DateTimeOffset At(long step) => s_firstIssue + (s_spacing * step);

    private static void FillLobby(Func<Command, DateTimeOffset, bool> run)
    {
        Lobby.Check(run(Command.OpenDay(), Lobby.At(9, 0)), "open the day");
        for (int i = 0; i < Waiting; i++)
        {
            Lobby.Check(run(Command.Issue(i % 4, Lobby.TierOf(i)), At(i)), "issue");
        }
    }

    /// <summary>
    /// Ticks from the first care alert (step 500: 600 s after ticket 0) until every ticket has also crossed its
    /// SLA target (900 s = 750 steps after its issue; normal tickets move to the priority lane then), then two
    /// rounds more, checking that from then on every tick raises exactly one care alert.
    /// </summary>
    private static void PastSlaBreaches(Func<int> tick)
    {
        for (int i = 0; i < 750; i++)
        {
            tick();
        }

        for (int i = 0; i < Waiting * 2; i++)
        {
            Lobby.Check(tick() == 1, "raise exactly one care alert per tick");
        }
    }
}
