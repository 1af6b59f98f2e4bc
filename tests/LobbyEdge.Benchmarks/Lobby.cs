using LobbyEdge.Engine;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// The branch every benchmark runs (the engine tests' busy city branch, <see cref="TestBranches.Busy"/>), its clock, and the lobby
/// states the steady-state benchmarks start from. Each state is built by the same commands for the engine and
/// for the baseline, so both start equal.
/// </summary>
internal static class Lobby
{
    /// <summary>Steady-state groups per measured iteration where the lobby has to be rebuilt between iterations.</summary>
    /// <remarks>
    /// Every issued ticket takes a new id of the day, and every re-queued one arms timers that only fall due minutes
    /// later, so those benchmarks rebuild the lobby before each iteration. 2,048 groups keep a day within one busy
    /// day's size (1,000 tickets at the start of an iteration, about 3,000 at its end).
    /// </remarks>
    public const int GroupsPerIteration = 2048;

    public const int CounterCount = 12;

    /// <summary>A Monday in Shanghai (no DST), 09:00 local = 01:00 UTC.</summary>
    public static readonly DateOnly Day = TestBranches.Monday;

    public static readonly TimeZoneInfo Shanghai = TestBranches.Shanghai;

    /// <summary>The instant the mid-morning benchmarks run at: every ticket's care and SLA clock is still short of due.</summary>
    public static readonly DateTimeOffset MidMorning = At(10, 0);

    public static DateTimeOffset At(int hour, int minute, int second = 0) => TestBranches.At(hour, minute, second);

    /// <summary>
    /// The engine tests' <c>Branches.Busy()</c>: 4 services, 12 counters with every calling mode (ordered,
    /// longest-wait, weighted, a button-only caller). <paramref name="autoOpenClose"/> and
    /// <paramref name="maxRecoveries"/> are the only knobs, for benchmarks that run a clock past closing time or
    /// recover the same customers again and again.
    /// </summary>
    public static BranchConfig Busy(bool autoOpenClose = true, int maxRecoveries = 1) => TestBranches.Busy(autoOpenClose, maxRecoveries);

    /// <summary>One VIP and one green-channel customer in every twenty, as in the simulator's traffic.</summary>
    public static Tier TierOf(int i) => (i % 20) switch
    {
        0 => Tier.Vip,
        10 => Tier.Priority,
        _ => Tier.Normal,
    };

    /// <summary>
    /// 10:00 on a busy morning: the day opened at 09:00, 800 customers have been served, and
    /// <paramref name="waiting"/> wait (spread evenly over the four services, one in ten VIP or green channel),
    /// all issued in the last few minutes so that no care or SLA alert is due at <see cref="MidMorning"/>. Every
    /// counter is in standby.
    /// </summary>
    public static void MidMorningLobby(Func<Command, DateTimeOffset, bool> run, int waiting = 200, int served = 800)
    {
        Check(run(Command.OpenDay(), At(9, 0)), "open the day");
        DateTimeOffset issued = At(9, 55);
        for (int i = 0; i < served; i++)
        {
            Check(run(Command.Issue(i % 4, TierOf(i)), issued.AddMilliseconds(250 * i)), "issue");
        }

        // Serve them all: call and finish round the counters until none has anyone left to call.
        DateTimeOffset serve = At(9, 59);
        bool any = true;
        while (any)
        {
            any = false;
            for (int c = 1; c <= CounterCount; c++)
            {
                if (run(Command.CallNext(c), serve))
                {
                    Check(run(Command.Finish(c), serve), "finish");
                    any = true;
                }
            }
        }

        DateTimeOffset queued = At(9, 59, 5);
        for (int i = 0; i < waiting; i++)
        {
            Check(run(Command.Issue(i % 4, TierOf(i)), queued.AddMilliseconds(250 * i)), "issue");
        }
    }

    /// <summary>
    /// Rolls a long-running engine or baseline to business day number <paramref name="day"/> (counted from
    /// <see cref="Day"/>): closes the previous day at 17:00 and builds <see cref="MidMorningLobby"/> on the new
    /// one. Returns that day's mid-morning instant.
    /// </summary>
    public static DateTimeOffset RollToMidMorning(Func<Command, DateTimeOffset, bool> run, int day, int waiting = 200)
    {
        TimeSpan shift = TimeSpan.FromDays(day);
        run(Command.CloseDay(), At(17, 0) + shift - TimeSpan.FromDays(1));   // refused on the first day: nothing open
        MidMorningLobby((command, now) => run(command, now + shift), waiting);
        return MidMorning + shift;
    }

    public static Func<Command, DateTimeOffset, bool> Runner(QueueEngine engine) =>
        (command, now) => engine.Execute(in command, now).Accepted;

    public static Func<Command, DateTimeOffset, bool> Runner(BaselineQueue baseline) =>
        (command, now) => baseline.Execute(in command, now).Accepted;

    public static void Check(bool accepted, string what)
    {
        if (!accepted)
        {
            throw new InvalidOperationException($"Benchmark setup failed: could not {what}.");
        }
    }
}
