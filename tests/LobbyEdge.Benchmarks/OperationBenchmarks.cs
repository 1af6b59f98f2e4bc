using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;

namespace LobbyEdge.Benchmarks;

// Steady-state operations at a counter or a dispenser, engine against baseline. Each benchmark method runs one
// group of commands that leaves the lobby as it found it (same number waiting per service, counters in the same
// state), so every invocation measures the same situation; the figures are per group.

/// <summary>
/// The base of the benchmarks whose groups issue or re-queue tickets. Every issued ticket takes a new id of the
/// day and every re-queued one arms timers that fall due only minutes later, so the lobby cannot be reused
/// forever: before every iteration the one long-running engine (and the one baseline) rolls to the next business
/// day and the mid-morning lobby is built again (<see cref="Lobby.RollToMidMorning"/>); an iteration is
/// <see cref="Lobby.GroupsPerIteration"/> groups.
/// </summary>
/// <remarks>
/// Iterations are short (well under a millisecond for the engine), too short for tiered compilation to promote
/// the code during BenchmarkDotNet's warm-up, so the global setup first runs the benchmark itself for a second:
/// what is measured is the tier-1 code a long-running branch process runs.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(Lobby.GroupsPerIteration)]
public abstract class RollingDayBenchmark
{
    private static readonly TimeSpan s_warmUp = TimeSpan.FromSeconds(1);

    private readonly BranchConfig _config;
    private QueueEngine? _engine;
    private BaselineQueue? _baseline;
    private int _engineDay;
    private int _baselineDay;
    private int _next;

    private protected RollingDayBenchmark(BranchConfig config) => _config = config;

    private protected QueueEngine LobbyEngine => _engine!;

    private protected BaselineQueue LobbyBaseline => _baseline!;

    /// <summary>The instant the current iteration's commands run at (mid-morning of its business day).</summary>
    private protected DateTimeOffset Now { get; private set; }

    [GlobalSetup(Target = nameof(Engine))]
    public void WarmUpEngine() => WarmUp(SetUpEngine, () => Engine());

    [GlobalSetup(Target = nameof(Baseline))]
    public void WarmUpBaseline() => WarmUp(SetUpBaseline, () => Baseline());

    [IterationSetup(Target = nameof(Engine))]
    public void SetUpEngine()
    {
        _engine ??= new QueueEngine(_config);
        Now = Lobby.RollToMidMorning(Lobby.Runner(_engine), _engineDay++);
        _next = 0;
    }

    [IterationSetup(Target = nameof(Baseline))]
    public void SetUpBaseline()
    {
        _baseline ??= new BaselineQueue(_config);
        Now = Lobby.RollToMidMorning(Lobby.Runner(_baseline), _baselineDay++);
        _next = 0;
    }

    public abstract int Baseline();

    public abstract int Engine();

    /// <summary>The counter the next group runs at: round all 12, so every calling profile takes its turn.</summary>
    private protected int NextCounter() => 1 + (_next++ % Lobby.CounterCount);

    private protected int NextIndex() => _next++;

    private static void WarmUp(Action setUp, Action group)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_warmUp)
        {
            setUp();
            for (int i = 0; i < Lobby.GroupsPerIteration; i++)
            {
                group();
            }
        }
    }
}

/// <summary>(a) A customer takes a ticket in a lobby of 200 waiting; cancelling it keeps the lobby at 200.</summary>
public class IssueBenchmarks() : RollingDayBenchmark(Lobby.Busy())
{
    /// <summary>Issue, then cancel the new ticket.</summary>
    [Benchmark(Baseline = true)]
    public override int Baseline()
    {
        int i = NextIndex();
        BaselineResult issued = LobbyBaseline.Execute(Command.Issue(i % 4, Lobby.TierOf(i)), Now);
        return LobbyBaseline.Execute(Command.Cancel(issued.Ticket!.Id), Now).Events.Count;
    }

    /// <summary>Issue, then cancel the new ticket.</summary>
    [Benchmark]
    public override int Engine()
    {
        int i = NextIndex();
        CommandResult issued = LobbyEngine.Execute(Command.Issue(i % 4, Lobby.TierOf(i)), Now);
        return LobbyEngine.Execute(Command.Cancel(issued.Ticket), Now).EventCount;
    }
}

/// <summary>
/// (b) A counter calls the next customer and finishes; a new customer of the same service and tier takes a
/// ticket, so the lobby stays at 200 waiting.
/// </summary>
public class CallFinishBenchmarks() : RollingDayBenchmark(Lobby.Busy())
{
    /// <summary>CallNext, Finish, Issue (refill).</summary>
    [Benchmark(Baseline = true)]
    public override int Baseline()
    {
        int counter = NextCounter();
        Ticket called = LobbyBaseline.Execute(Command.CallNext(counter), Now).Ticket!;
        LobbyBaseline.Execute(Command.Finish(counter), Now);
        return LobbyBaseline.Execute(Command.Issue(called.Service, called.Tier), Now).Events.Count;
    }

    /// <summary>CallNext, Finish, Issue (refill).</summary>
    [Benchmark]
    public override int Engine()
    {
        int counter = NextCounter();
        CommandResult called = LobbyEngine.Execute(Command.CallNext(counter), Now);
        LobbyEngine.Execute(Command.Finish(counter), Now);
        LobbyEngine.TryGetTicket(called.Ticket, out TicketView ticket);
        return LobbyEngine.Execute(Command.Issue(ticket.Service, ticket.Tier), Now).EventCount;
    }
}

/// <summary>
/// (d) A called customer does not come (空号) and comes back to be recovered three places from the front. The
/// same customers are recovered again and again, so this benchmark's branch allows unlimited recoveries.
/// </summary>
public class NoShowRecoverBenchmarks() : RollingDayBenchmark(Lobby.Busy(maxRecoveries: int.MaxValue))
{
    /// <summary>CallNext, NoShow, Recover by printed number.</summary>
    [Benchmark(Baseline = true)]
    public override int Baseline()
    {
        int counter = NextCounter();
        Ticket called = LobbyBaseline.Execute(Command.CallNext(counter), Now).Ticket!;
        LobbyBaseline.Execute(Command.NoShow(counter), Now);
        return LobbyBaseline.Execute(Command.RecoverNumber(called.NumberService, called.NumberValue), Now).Events.Count;
    }

    /// <summary>CallNext, NoShow, Recover by printed number.</summary>
    [Benchmark]
    public override int Engine()
    {
        int counter = NextCounter();
        CommandResult called = LobbyEngine.Execute(Command.CallNext(counter), Now);
        LobbyEngine.Execute(Command.NoShow(counter), Now);
        return LobbyEngine.Execute(Command.RecoverNumber(called.NumberService, called.Number), Now).EventCount;
    }
}

/// <summary>
/// (c) A counter recalls its called customer. A ticket can be recalled only <c>MaxRecalls</c> times, so the
/// counter then parks it and calls it back, which resets its recall count and leaves the lobby exactly as it was
/// (no new ticket, no timer): the lobby is built once and BenchmarkDotNet runs as usual.
/// </summary>
[MemoryDiagnoser]
public class RecallBenchmarks
{
    private readonly BranchConfig _config = Lobby.Busy();
    private readonly DateTimeOffset _now = Lobby.MidMorning;
    private QueueEngine _engine = null!;
    private BaselineQueue _baseline = null!;
    private int _next;

    [GlobalSetup(Target = nameof(Engine))]
    public void SetUpEngine()
    {
        _engine = new QueueEngine(_config);
        CallAtEveryCounter(Lobby.Runner(_engine));
    }

    [GlobalSetup(Target = nameof(Baseline))]
    public void SetUpBaseline()
    {
        _baseline = new BaselineQueue(_config);
        CallAtEveryCounter(Lobby.Runner(_baseline));
    }

    /// <summary>Recall, Park, CallBack.</summary>
    [Benchmark(Baseline = true)]
    public int Baseline()
    {
        int counter = 1 + (_next++ % Lobby.CounterCount);
        _baseline.Execute(Command.Recall(counter), _now);
        _baseline.Execute(Command.Park(counter), _now);
        return _baseline.Execute(Command.CallBack(counter), _now).Events.Count;
    }

    /// <summary>Recall, Park, CallBack.</summary>
    [Benchmark]
    public int Engine()
    {
        int counter = 1 + (_next++ % Lobby.CounterCount);
        _engine.Execute(Command.Recall(counter), _now);
        _engine.Execute(Command.Park(counter), _now);
        return _engine.Execute(Command.CallBack(counter), _now).EventCount;
    }

    private void CallAtEveryCounter(Func<Command, DateTimeOffset, bool> run)
    {
        Lobby.MidMorningLobby(run);
        for (int c = 1; c <= Lobby.CounterCount; c++)
        {
            Lobby.Check(run(Command.CallNext(c), _now), "call next");
        }
    }
}
