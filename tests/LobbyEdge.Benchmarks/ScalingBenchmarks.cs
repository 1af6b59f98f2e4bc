using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// Issue 17, engine scaling: the cost of one operation as the lobby grows from 100 to 100,000 waiting and from 8 to
/// 512 counters, 26 services. Each should stay flat: O(1) or O(log n) in the number waiting and the number of
/// counters, 0 B allocated. The lobby (<see cref="Waiting"/> tickets in services A to Y, then the tickets the
/// operations use) is built once per case and kept as a snapshot; every iteration restores it and runs one
/// invocation of a fixed number of operations (<c>OperationsPerInvoke</c>), so the figures are per operation.
/// </summary>
/// <remarks>
/// The lobby, all at one business day: <see cref="Waiting"/> tickets of services 0 to 24 issued 09:00 to 09:20, one
/// in ten priority; <see cref="SourceTickets"/> normal tickets of service 25 at 09:25 (the ones counter 1 calls);
/// <see cref="StormTickets"/> normal tickets of services 0 to 24 at 09:30. SLA targets are an hour, care only after
/// twelve hours. A tick at 10:26 lifts every normal ticket issued up to 09:25 into its priority lane, so the
/// priority lanes hold nearly the whole crowd, all issued before the storm tickets. Counter 1 serves service 25
/// only; every other counter serves four of services 0 to 24 (counter <c>n</c>: <c>7n</c> to <c>7n + 3</c>
/// modulo 25), so each of them is served by about 4/25 of the counters.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
public class ScalingBenchmarks
{
    /// <summary>Tickets of service 25, the ones counter 1 calls, transfers and marks no-show.</summary>
    public const int SourceTickets = 1000;

    /// <summary>The tickets that pass their SLA target in the one tick <see cref="SlaBreach"/> measures.</summary>
    public const int StormTickets = 500;

    private const int Issues = 1000;
    private const int Cycles = 1000;
    private const int Transfers = 500;
    private const int Services = 26;
    private const int Crowd = 25;

    private QueueEngine _engine = null!;
    private byte[] _snapshot = [];
    private DateTimeOffset _at;

    /// <summary>Tickets waiting in services 0 to 24 before the operations.</summary>
    [Params(100, 1_000, 10_000, 100_000)]
    public int Waiting { get; set; }

    /// <summary>Counters, all open.</summary>
    [Params(8, 64, 512)]
    public int Counters { get; set; }

    [GlobalSetup]
    public void BuildLobby()
    {
        BranchConfig config = Branch(Waiting, Counters);
        _engine = new QueueEngine(config);
        DateTimeOffset nine = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero); // a Monday; the branch runs on UTC
        Require(_engine.Execute(Command.OpenDay(), nine));
        long step = TimeSpan.FromMinutes(20).Ticks / Waiting;
        for (int i = 0; i < Waiting; i++)
        {
            Require(_engine.Execute(Command.Issue(i % Crowd, i % 10 == 9 ? Tier.Priority : Tier.Normal), nine.AddTicks(i * step)));
        }

        for (int i = 0; i < SourceTickets; i++)
        {
            Require(_engine.Execute(Command.Issue(Crowd), nine.AddMinutes(25)));
        }

        for (int i = 0; i < StormTickets; i++)
        {
            Require(_engine.Execute(Command.Issue(i % Crowd), nine.AddMinutes(30)));
        }

        _engine.Tick(nine.AddMinutes(86));
        _at = nine.AddMinutes(86);
        _snapshot = _engine.CreateSnapshot();

        // Every measured operation must do what it says on this lobby (the storm breaches exactly StormTickets).
        Restore();
        Tick();
        int breaches = 0;
        foreach (LobbyEvent e in _engine.LastEvents)
        {
            breaches += e.Kind == EventKind.SlaBreached ? 1 : 0;
        }

        if (breaches != StormTickets)
        {
            throw new InvalidOperationException($"the storm breached {breaches}, not {StormTickets}");
        }
    }

    [IterationSetup]
    public void Restore()
    {
        if (!_engine.TryRestoreSnapshot(_snapshot))
        {
            throw new InvalidOperationException("the lobby's snapshot did not restore");
        }
    }

    /// <summary>Issue a ticket (with its prediction: people ahead, typical and upper wait), round the 25 services.</summary>
    [Benchmark(OperationsPerInvoke = Issues)]
    public int Issue()
    {
        int sum = 0;
        for (int i = 0; i < Issues; i++)
        {
            sum += _engine.Execute(Command.Issue(i % Crowd), _at).Ticket;
        }

        return sum;
    }

    /// <summary>One tick at which <see cref="StormTickets"/> tickets pass their SLA target and move into the priority lane; per breach.</summary>
    [Benchmark(OperationsPerInvoke = StormTickets)]
    public int SlaBreach() => Tick();

    /// <summary>Counter 1 calls the next ticket of service 25 and transfers it by age to one of services 0 to 24 (behind its whole priority lane).</summary>
    [Benchmark(OperationsPerInvoke = Transfers)]
    public int TransferByAge()
    {
        int sum = 0;
        for (int i = 0; i < Transfers; i++)
        {
            sum += _engine.Execute(Command.CallNext(1), _at).EventCount;
            sum += _engine.Execute(Command.Transfer(1, i % Crowd, Placement.ByAge), _at).EventCount;
        }

        return sum;
    }

    /// <summary>Counter 1 calls the next ticket of service 25, marks it a no-show and recovers it (its timers re-armed); per cycle.</summary>
    [Benchmark(OperationsPerInvoke = Cycles)]
    public int NoShowRecover()
    {
        int sum = 0;
        for (int i = 0; i < Cycles; i++)
        {
            CommandResult called = _engine.Execute(Command.CallNext(1), _at);
            sum += _engine.Execute(Command.NoShow(1), _at).EventCount;
            sum += _engine.Execute(Command.Recover(called.Ticket), _at).EventCount;
        }

        return sum;
    }

    private int Tick() => _engine.Tick(_at.AddMinutes(5));

    private static void Require(CommandResult result)
    {
        if (!result.Accepted)
        {
            throw new InvalidOperationException($"the lobby could not be built: {result.Refusal}");
        }
    }

    /// <summary>26 services (A to Z) with hour-long SLA targets and no care alert before twelve hours; <paramref name="counters"/> counters.</summary>
    public static BranchConfig Branch(int waiting, int counters) => new()
    {
        BranchId = "scaling",
        TimeZone = TimeZoneInfo.Utc,
        OpenTime = new TimeOnly(0, 0),
        CloseTime = new TimeOnly(23, 59),
        AutoOpenClose = false,
        MaxTicketsPerDay = waiting + SourceTickets + StormTickets + Issues + 64,
        Services =
        [
            .. Enumerable.Range(0, Services).Select(s => new ServiceConfig
            {
                Prefix = (char)('A' + s),
                Id = "s" + s.ToString(System.Globalization.CultureInfo.InvariantCulture),
                LastNumber = 9999,
                SlaTarget = TimeSpan.FromHours(1),
                CareThreshold = TimeSpan.FromHours(12),
                ToleranceCalls = 1_000_000,
                ToleranceTime = TimeSpan.FromHours(8),
                MaxRecoveries = 1_000_000,
            }),
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new(Crowd)] },
            .. Enumerable.Range(2, counters - 1).Select(n => new CounterConfig
            {
                Number = n,
                Services = [.. Enumerable.Range(0, 4).Select(k => new ServiceWeight(((7 * n) + k) % Crowd))],
            }),
        ],
    };
}
