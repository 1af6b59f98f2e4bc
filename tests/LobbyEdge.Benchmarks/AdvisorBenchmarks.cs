using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;
using LobbyEdge.Forecasting;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// The staffing advice's cost per evaluation (issue 14; src/LobbyEdge.Forecasting/README.md): it runs every minute on
/// the engine's thread beside the live queue. The lobby is the demo branch (demo.yaml) at 10:45 of a busy simulated
/// Monday (85 % utilisation, four Mondays of history), rebuilt by replaying that day's events up to then: a queue at
/// its morning peak with counter 7 closed. <c>Forecast</c> is the current staffing's forecast (the arrival forecast
/// refreshed and one simulation); <c>Advise</c> is a whole <see cref="Advisor.TryAdvise"/>: the current staffing and
/// the changes its rules let through, with the advice picked; <c>EveryChange</c> is the upper bound: the current
/// staffing and a change at every counter, on one reused workspace.
/// <code>dotnet run -c Release --project tests/LobbyEdge.Benchmarks -- --filter '*AdvisorBenchmarks*' --inProcess</code>
/// </summary>
[MemoryDiagnoser]
public class AdvisorBenchmarks
{
    private QueueEngine _engine = null!;
    private Advisor _advisor = null!;
    private ArrivalForecast _arrivals = null!;
    private readonly ForecastWorkspace _workspace = new();
    private readonly QueueForecast _result = new();
    private DateTimeOffset _now;
    private int _step;

    [GlobalSetup]
    public void SetUp()
    {
        BranchConfig config = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;
        TrafficProfile profile = TrafficProfile.ForBranch(config, 0.85);
        _advisor = new Advisor(config, new AdviceOptions { EvaluateEvery = TimeSpan.FromSeconds(10), RepeatAfter = TimeSpan.Zero });
        for (int week = 4; week >= 1; week--)
        {
            RunDay(config, profile, Lobby.Day.AddDays(-7 * week), week, e => _advisor.Observe(e));
        }

        var log = new List<LobbyEvent>();
        RunDay(config, profile, Lobby.Day, 0, log.AddRange);
        _now = Lobby.At(10, 45);
        _engine = new QueueEngine(config);
        foreach (LobbyEvent e in log.Where(e => e.TimeTicks <= _now.UtcTicks))
        {
            _engine.Apply(in e);
            _advisor.Observe([e]);
        }

        _arrivals = ArrivalForecast.From(_advisor.History, config, _now);
        Lobby.Check(_engine.IsDayOpen, "an open day at 10:45");
        _advisor.TryAdvise(_engine, _now, out _);
        Lobby.Check(_advisor.LastServiceLevel is not null, "a forecast at 10:45");
    }

    /// <summary>The current staffing's forecast, allocating its result (the public one-off API).</summary>
    [Benchmark]
    public double Forecast() =>
        QueueForecaster.Forecast(_engine, _arrivals, _now, StaffingChange.None, QueueForecaster.DefaultWindow, _advisor.Handover).ServiceLevel(TimeSpan.FromMinutes(30));

    /// <summary>A whole evaluation of the advisor: every change forecast, the advice picked (10 s later each call).</summary>
    [Benchmark]
    public bool Advise()
    {
        _step = (_step + 1) % 60;
        return _advisor.TryAdvise(_engine, _now.AddSeconds(10 * _step), out _);
    }

    /// <summary>
    /// The upper bound of an evaluation: the arrival forecast refreshed, the customers prepared once, then the current
    /// staffing and a change at every counter (open, resume or pause by its state), as the advisor runs them.
    /// </summary>
    [Benchmark]
    public double EveryChange()
    {
        _arrivals.Refresh(_advisor.History, _engine.Config, _now);
        _workspace.Prepare(_engine, _arrivals, _now, QueueForecaster.DefaultWindow, _advisor.Handover);
        _workspace.Run(_engine, StaffingChange.None, _result);
        double level = _result.ServiceLevel(TimeSpan.FromMinutes(30));
        IReadOnlyList<CounterConfig> counters = _engine.Config.Counters;
        for (int c = 0; c < counters.Count; c++)
        {
            _engine.TryGetCounter(counters[c].Number, out CounterView view);
            AdviceKind kind = view.State switch
            {
                CounterState.Closed => AdviceKind.Open,
                CounterState.Paused or CounterState.Away => AdviceKind.Resume,
                _ => AdviceKind.Pause,
            };
            _workspace.Run(_engine, new StaffingChange(kind, counters[c].Number), _result);
            level += _result.ServiceLevel(TimeSpan.FromMinutes(30));
        }

        return level;
    }

    private static void RunDay(BranchConfig config, TrafficProfile profile, DateOnly date, int seed, Action<LobbyEvent[]> observe)
    {
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, profile, date, 4200 + seed);
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events => observe(events.ToArray()));
    }
}
