using System.Globalization;
using System.Text;
using CsCheck;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>What one generated step does. Arguments are resolved against the engine's state when the step runs.</summary>
internal enum Op : byte
{
    Tick,
    Issue,
    CallNext,
    Recall,
    Start,
    Finish,
    NoShow,
    RecoverTicket,
    RecoverNumber,
    RecoverLastAt,
    Transfer,
    Cancel,
    CancelNumber,
    Park,
    CallBack,
    WalkIn,
    Pause,
    Away,
    Resume,
    OpenCounter,
    CloseCounter,
    OpenDay,
    CloseDay,
    NextMorning,
    GiveCare,
    ChangeTier,
    Divert,
    Reprint,
    RequestRating,
    Rate,
    RateTicket,
    FinishAndRate,
}

/// <summary>
/// One step: an operation with three raw arguments (a counter, a service, a tier, a ticket … picked from them by
/// <see cref="LobbyRun"/> modulo what exists) and the seconds that pass before it.
/// </summary>
internal readonly record struct Step(Op Op, int A, int B, int C, int Seconds)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"+{Seconds}s {Op}({A},{B},{C})");
}

/// <summary>The rules of one service, kept as small numbers so that shrinking makes them simpler.</summary>
internal sealed record ServiceRules(
    int First,
    int Size,
    int DailyCap,
    int MaxRecalls,
    int ToleranceCalls,
    int ToleranceMinutes,
    int MaxRecoveries,
    int RecoverOffset,
    int SlaMinutes,
    int CareMinutes,
    int CareRepeatMinutes,
    Placement TransferPlacement)
{
    public ServiceConfig Build(int index) => new()
    {
        Prefix = (char)('A' + index),
        Id = "svc" + index.ToString(CultureInfo.InvariantCulture),
        FirstNumber = First,
        LastNumber = First + Size - 1,
        DailyCap = DailyCap,
        MaxRecalls = MaxRecalls,
        ToleranceCalls = ToleranceCalls,
        ToleranceTime = TimeSpan.FromMinutes(ToleranceMinutes),
        MaxRecoveries = MaxRecoveries,
        RecoverOffset = RecoverOffset,
        SlaTarget = TimeSpan.FromMinutes(SlaMinutes),
        CareThreshold = TimeSpan.FromMinutes(CareMinutes),
        CareRepeat = TimeSpan.FromMinutes(CareRepeatMinutes),
        TransferPlacement = TransferPlacement,
        SeedServiceTime = TimeSpan.FromMinutes(3),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"numbers {First}..{First + Size - 1}, cap {DailyCap}, maxRecalls {MaxRecalls}, toleranceCalls {ToleranceCalls}, " +
        $"toleranceMin {ToleranceMinutes}, maxRecoveries {MaxRecoveries}, recoverOffset {RecoverOffset}, sla {SlaMinutes}m, " +
        $"care {CareMinutes}m/{CareRepeatMinutes}m, transfer {TransferPlacement}");
}

/// <summary>
/// A counter's profile. <see cref="Keys"/> orders the service indices (smallest key first) and the first
/// <see cref="Take"/> that exist are served, with the matching <see cref="Weights"/>.
/// </summary>
internal sealed record CounterRules(CounterMode Mode, bool ButtonOnly, bool OpenAtStart, int Take, int[] Keys, int[] Weights)
{
    public CounterConfig Build(int number, int serviceCount)
    {
        int[] order = [.. Enumerable.Range(0, serviceCount).OrderBy(s => Keys[s]).ThenBy(s => s)];
        return new CounterConfig
        {
            Number = number,
            Mode = Mode,
            ButtonOnly = ButtonOnly,
            OpenAtDayStart = OpenAtStart,
            Services = [.. order.Take(Math.Min(Take, serviceCount)).Select(s => new ServiceWeight(s, Weights[s]))],
        };
    }
}

/// <summary>A branch with tweaked rules. Opens at 09:00 Shanghai time.</summary>
internal sealed record BranchRules(int OpenHours, int CutoffMinutes, bool AutoOpenClose, int MaxTickets, int RatingWindowSeconds, ServiceRules[] Services, CounterRules[] Counters)
{
    public BranchConfig Build() => new()
    {
        BranchId = "prop-001",
        Name = "Property Branch",
        TimeZone = Branches.Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(9 + OpenHours, 0),
        TicketingCutoff = TimeSpan.FromMinutes(Math.Min(CutoffMinutes, (OpenHours * 60) - 1)),
        AutoOpenClose = AutoOpenClose,
        MaxTicketsPerDay = MaxTickets,
        RecentCallCount = 4,
        RatingWindow = TimeSpan.FromSeconds(RatingWindowSeconds),
        Services = [.. Services.Select((s, i) => s.Build(i))],
        Counters = [.. Counters.Select((c, i) => c.Build(i + 1, Services.Length))],
    };

    public override string ToString()
    {
        BranchConfig config = Build();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"branch: open 09:00-{config.CloseTime:HH\\:mm}, cutoff {config.TicketingCutoff.TotalMinutes}m, autoOpenClose {AutoOpenClose}, maxTickets {MaxTickets}, ratingWindow {RatingWindowSeconds}s\n");
        for (int i = 0; i < Services.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  service {i} ({(char)('A' + i)}): {Services[i]}\n");
        }

        foreach (CounterConfig c in config.Counters)
        {
            string list = string.Join(", ", c.Services.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Service}:{s.Weight}")));
            sb.Append(CultureInfo.InvariantCulture,
                $"  counter {c.Number}: {c.Mode}, buttonOnly {c.ButtonOnly}, openAtStart {c.OpenAtDayStart}, services [{list}]\n");
        }

        return sb.ToString();
    }
}

/// <summary>A generated lobby day: the branch, the steps, and the step from which a restarted twin runs the commands itself.</summary>
internal sealed record Scenario(BranchRules Rules, Step[] Steps, int RestartAt)
{
    public override string ToString() =>
        $"{Rules}restart at step {RestartAt}\nsteps ({Steps.Length}): {string.Join("; ", Steps)}";
}

/// <summary>Generators for lobby days.</summary>
internal static class LobbyGen
{
    public const int MaxSteps = 150;

    /// <summary>Service rules, often at the edges: tiny number ranges, caps, zero tolerances and offsets.</summary>
    public static Gen<ServiceRules> Service { get; } = Gen.Select(
        Gen.Frequency((4, Gen.Const(1)), (1, Gen.Int[2, 50])),
        Gen.Frequency((3, Gen.Int[1, 5]), (2, Gen.Int[6, 40]), (1, Gen.Const(999))),
        Gen.Frequency((4, Gen.Const(0)), (1, Gen.Int[1, 12])),
        Gen.Int[0, 4],
        Gen.Int[0, 6],
        Gen.Frequency((1, Gen.Const(0)), (3, Gen.Int[1, 40])),
        Gen.Int[0, 2],
        Gen.Frequency((1, Gen.Const(0)), (3, Gen.Int[1, 6])),
        Gen.Int[1, 40],
        Gen.Int[1, 20],
        Gen.Frequency((1, Gen.Const(0)), (2, Gen.Int[1, 15])),
        Gen.Frequency((1, Placement.Front), (1, Placement.End), (1, Placement.ByAge)),
        (first, size, cap, recalls, tolCalls, tolMin, maxRec, offset, sla, care, repeat, placement) =>
            new ServiceRules(first, size, cap, recalls, tolCalls, tolMin, maxRec, offset, sla, care, repeat, placement));

    /// <summary>Counter profiles in all three modes, some button-only, a few closed at day start.</summary>
    public static Gen<CounterRules> Counter { get; } = Gen.Select(
        Gen.Frequency((2, CounterMode.Ordered), (1, CounterMode.LongestWait), (1, CounterMode.Weighted)),
        Gen.Frequency((3, false), (1, true)),
        Gen.Frequency((5, true), (1, false)),
        Gen.Int[1, 4],
        Gen.Int[0, 99].Array[4],
        Gen.Int[1, 3].Array[4],
        (mode, buttonOnly, open, take, keys, weights) => new CounterRules(mode, buttonOnly, open, take, keys, weights));

    /// <summary>
    /// Branches of one to four services and counters, mostly long days, some short; auto open/close mostly on; a
    /// rating window of the default two minutes, or short, or long.
    /// </summary>
    public static Gen<BranchRules> Branch { get; } = Gen.Select(
        Gen.Frequency((1, Gen.Int[1, 3]), (3, Gen.Int[5, 8])),
        Gen.Int[0, 30],
        Gen.Frequency((4, true), (1, false)),
        Gen.Frequency((3, Gen.Const(512)), (1, Gen.Int[2, 40])),
        Gen.Frequency((3, Gen.Const(120)), (1, Gen.Int[1, 60]), (1, Gen.Int[61, 3600])),
        Service.Array[1, 4],
        Counter.Array[1, 4],
        (hours, cutoff, auto, maxTickets, window, services, counters) => new BranchRules(hours, cutoff, auto, maxTickets, window, services, counters));

    /// <summary>Operations, weighted so that no-shows, recoveries, transfers and park/call-back happen often enough.</summary>
    public static Gen<Op> Operation { get; } = Gen.Frequency(
        (14, Op.Tick),
        (20, Op.Issue),
        (15, Op.CallNext),
        (6, Op.Recall),
        (5, Op.Start),
        (5, Op.Finish),
        (8, Op.NoShow),
        (2, Op.RecoverTicket),
        (5, Op.RecoverNumber),
        (5, Op.RecoverLastAt),
        (6, Op.Transfer),
        (3, Op.Cancel),
        (1, Op.CancelNumber),
        (3, Op.Park),
        (4, Op.CallBack),
        (2, Op.WalkIn),
        (1, Op.Pause),
        (1, Op.Away),
        (3, Op.Resume),
        (2, Op.OpenCounter),
        (1, Op.CloseCounter),
        (1, Op.OpenDay),
        (1, Op.CloseDay),
        (3, Op.NextMorning),
        (6, Op.GiveCare),
        (3, Op.ChangeTier),
        (4, Op.Divert),
        (2, Op.Reprint),
        (4, Op.RequestRating),
        (5, Op.Rate),
        (4, Op.RateTicket),
        (5, Op.FinishAndRate));

    /// <summary>Seconds before a step: often none or a few, sometimes minutes, now and then half an hour.</summary>
    public static Gen<int> Seconds { get; } = Gen.Frequency(
        (5, Gen.Const(0)),
        (8, Gen.Int[1, 59]),
        (4, Gen.Int[60, 300]),
        (1, Gen.Int[301, 1800]));

    /// <summary>One step: an operation with raw arguments and the seconds before it.</summary>
    public static Gen<Step> Step { get; } = Gen.Select(Operation, Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999], Seconds,
        (op, a, b, c, seconds) => new Step(op, a, b, c, seconds));

    /// <summary>A lobby day of up to <see cref="MaxSteps"/> steps, with the step at which the followers restart.</summary>
    public static Gen<Scenario> Scenario { get; } = Gen.Select(Branch, Step.Array[1, MaxSteps], Gen.Int[0, MaxSteps],
        (rules, steps, restartAt) => new Scenario(rules, steps, restartAt));
}
