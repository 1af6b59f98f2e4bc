using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// (f) A whole busy day: the simulator's busy profile (about 3,000 customers, seed 42) is run once against the
/// engine and every command and 5-second timer tick it produced is recorded; each benchmark replays that
/// recording, 09:00 to 17:01, into a fresh engine or a fresh baseline. Setup first replays it into both and
/// checks that the baseline makes the engine's decisions command for command (same acceptances and refusals,
/// same tickets called, same number of events).
/// </summary>
[MemoryDiagnoser]
public class FullDayBenchmarks
{
    private readonly BranchConfig _config = Lobby.Busy();
    private TimedCommand[] _day = [];
    private QueueEngine _reused = null!;
    private long _shift;

    [GlobalSetup]
    public void RecordDay()
    {
        _day = DayReplay.RecordBusyDay(_config);
        DayReplay.CheckBaselineAgrees(_config, _day);
        _reused = new QueueEngine(_config);
        _shift = 0;
    }

    /// <summary>The day into a new baseline.</summary>
    [Benchmark(Baseline = true)]
    public int Baseline()
    {
        var baseline = new BaselineQueue(_config);
        int events = 0;
        foreach (TimedCommand step in _day)
        {
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            events += step.IsTick ? baseline.Tick(at).Events.Count : baseline.Execute(step.Command, at).Events.Count;
        }

        return events;
    }

    /// <summary>The day into a new engine (its storage for the day is allocated by the constructor).</summary>
    [Benchmark]
    public int Engine()
    {
        var engine = new QueueEngine(_config);
        int events = 0;
        foreach (TimedCommand step in _day)
        {
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            events += step.IsTick ? engine.Tick(at) : engine.Execute(step.Command, at).EventCount;
        }

        return events;
    }

    /// <summary>
    /// The same day into one long-running engine, one calendar day later on every invocation: what a branch's
    /// process does every day, with the day's storage already there.
    /// </summary>
    [Benchmark]
    public int EngineNextDay()
    {
        long shift = ++_shift * TimeSpan.TicksPerDay;
        int events = 0;
        foreach (TimedCommand step in _day)
        {
            var at = new DateTimeOffset(step.TimeTicks + shift, TimeSpan.Zero);
            events += step.IsTick ? _reused.Tick(at) : _reused.Execute(step.Command, at).EventCount;
        }

        return events;
    }
}

/// <summary>Replays a recorded day into the engine and the baseline side by side.</summary>
internal static class DayReplay
{
    /// <summary>
    /// Runs the simulator's busy profile (about 3,000 customers, seed 42, 5-second ticks) once against a new engine
    /// for <paramref name="config"/> on <see cref="Lobby.Day"/> and returns every command and tick it produced.
    /// </summary>
    public static TimedCommand[] RecordBusyDay(BranchConfig config)
    {
        var traffic = new LobbyTraffic(config, TrafficProfile.Busy, Lobby.Day, seed: 42);
        var recording = new List<TimedCommand>();
        SimulatedDay.Run(new QueueEngine(config), traffic, TimeSpan.FromSeconds(5), recording: recording);
        return [.. recording];
    }

    /// <summary>Throws at the first step where the baseline decides differently from the engine (<see cref="BaselineOracle"/>).</summary>
    public static void CheckBaselineAgrees(BranchConfig config, TimedCommand[] day)
    {
        var oracle = new BaselineOracle(config);
        for (int i = 0; i < day.Length; i++)
        {
            TimedCommand step = day[i];
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            string? difference = step.IsTick ? oracle.Tick(at) : oracle.Execute(step.Command, at);
            if (difference is not null)
            {
                Fail(i, at, step.IsTick ? "tick" : step.Command.ToString(), difference);
            }
        }

        foreach ((string kind, int engine, int baseline) in oracle.KindCountDifferences())
        {
            throw new InvalidOperationException($"Over the day the engine emitted {engine} {kind}, the baseline {baseline}.");
        }

        if (oracle.Engine.IsDayOpen || oracle.Baseline.IsDayOpen || oracle.EngineCount(EventKind.TicketIssued) < 2000)
        {
            throw new InvalidOperationException("The recorded day is not a whole busy day.");
        }
    }

    private static void Fail(int step, DateTimeOffset at, string what, string difference) =>
        throw new InvalidOperationException($"The baseline disagrees with the engine at step {step} ({at:HH:mm:ss} UTC, {what}): {difference}.");
}
