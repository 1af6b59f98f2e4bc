using LobbyEdge.Engine;
using LobbyEdge.Forecasting;

namespace LobbyEdge.Simulator;

/// <summary>A command or a timer tick at an instant, as recorded from a simulated day.</summary>
/// <param name="TimeTicks">UTC ticks.</param>
/// <param name="Command">The command; <see cref="CommandKind.None"/> for a timer tick.</param>
public readonly record struct TimedCommand(long TimeTicks, Command Command)
{
    /// <summary>Whether this is a timer tick rather than a command.</summary>
    public bool IsTick => Command.Kind == CommandKind.None;
}

/// <summary>Runs a whole business day against an engine with a fake clock, as fast as the engine goes.</summary>
public static class SimulatedDay
{
    /// <summary>
    /// Drives <paramref name="engine"/> with <paramref name="traffic"/> from the day's open to its close (plus a
    /// minute, so the day closes), ticking timers every <paramref name="tickEvery"/>. Every event batch goes to the
    /// traffic (<see cref="LobbyTraffic.OnEvents"/>: the lobby manager's console, when she is on the floor), to
    /// <paramref name="onEvents"/> (if given) and into the returned summary; every command and tick goes to
    /// <paramref name="recording"/> (if given), so the day can be replayed command for command.
    /// </summary>
    /// <remarks>
    /// With an <paramref name="advisor"/>, every event batch goes to it too (<see cref="Advisor.Observe"/>), and every
    /// <paramref name="adviseEvery"/> of simulated time (a minute when not given) while the day is open it is asked for
    /// advice (<see cref="Advisor.TryAdvise"/>); the <see cref="CommandKind.Advise"/> command it gives is executed on the
    /// engine like any other, so the staff see the advice event (and follow it under
    /// <see cref="TrafficProfile.FollowAdvice"/>). Give it history first (<see cref="PlayHistory"/>).
    /// </remarks>
    public static DaySummary Run(
        QueueEngine engine,
        LobbyTraffic traffic,
        TimeSpan tickEvery,
        EventBatchHandler? onEvents = null,
        List<TimedCommand>? recording = null,
        Advisor? advisor = null,
        TimeSpan? adviseEvery = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(traffic);
        var summary = new DaySummary(engine.Config);
        long now = traffic.DayOpen.Ticks - TimeSpan.TicksPerMinute;
        long end = traffic.DayClose.Ticks + TimeSpan.TicksPerMinute;
        long nextTick = now;
        long adviseTicks = Math.Max(TimeSpan.TicksPerSecond, (adviseEvery ?? TimeSpan.FromMinutes(1)).Ticks);
        long nextAdvice = now;
        while (now <= end)
        {
            DateTimeOffset? due = traffic.NextDue;
            long next = due is { } d && d.UtcTicks < nextTick ? d.UtcTicks : nextTick;
            now = Math.Max(now, next);
            var at = new DateTimeOffset(now, TimeSpan.Zero);
            if (now >= nextTick)
            {
                engine.Tick(at);
                recording?.Add(new TimedCommand(now, default));
                Deliver(engine, traffic, summary, onEvents, advisor);
                nextTick += tickEvery.Ticks;
            }

            if (advisor is not null && now >= nextAdvice)
            {
                nextAdvice += adviseTicks;
                if (engine.IsDayOpen && advisor.TryAdvise(engine, at, out Command advise))
                {
                    engine.Execute(in advise, at);
                    recording?.Add(new TimedCommand(now, advise));
                    Deliver(engine, traffic, summary, onEvents, advisor);
                }
            }

            while (traffic.TryNext(at, out Command command))
            {
                CommandResult result = engine.Execute(in command, at);
                recording?.Add(new TimedCommand(now, command));
                Deliver(engine, traffic, summary, onEvents, advisor);
                traffic.Observe(in command, in result, at);
            }
        }

        summary.TakeCounterHours(engine, new DateTimeOffset(now, TimeSpan.Zero));
        return summary;
    }

    /// <summary>
    /// Plays the branch's open days in the <paramref name="days"/> calendar days before <paramref name="before"/>
    /// (oldest first, each on a fresh engine, with <paramref name="profile"/> and a seed drawn from
    /// <paramref name="seed"/>) and feeds their events to <paramref name="advisor"/>, so its arrival history holds
    /// weeks of the branch as the service's would from its log (28 days: four of each weekday). Nobody is advised on
    /// those days. Returns how many days were played.
    /// </summary>
    public static int PlayHistory(Advisor advisor, BranchConfig config, TrafficProfile profile, DateOnly before, int days, int seed)
    {
        ArgumentNullException.ThrowIfNull(advisor);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        var seeds = new Random(seed);
        int played = 0;
        for (DateOnly date = before.AddDays(-days); date < before; date = date.AddDays(1))
        {
            int daySeed = seeds.Next();
            if (LobbyTraffic.IsOpenDate(config, date))
            {
                Run(new QueueEngine(config), new LobbyTraffic(config, profile, date, daySeed), TimeSpan.FromSeconds(10), events => advisor.Observe(events));
                played++;
            }
        }

        return played;
    }

    private static void Deliver(QueueEngine engine, LobbyTraffic traffic, DaySummary summary, EventBatchHandler? onEvents, Advisor? advisor)
    {
        ReadOnlySpan<LobbyEvent> events = engine.LastEvents;
        if (events.Length > 0)
        {
            advisor?.Observe(events);
            summary.Observe(events);
            summary.TakeCareFigures(engine.CareFiguresTotal());
            traffic.OnEvents(events);
            onEvents?.Invoke(events);
        }
    }
}

/// <summary>Receives a batch of events produced by one engine step.</summary>
public delegate void EventBatchHandler(ReadOnlySpan<LobbyEvent> events);
