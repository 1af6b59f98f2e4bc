using LobbyEdge.Engine;

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
    public static DaySummary Run(
        QueueEngine engine,
        LobbyTraffic traffic,
        TimeSpan tickEvery,
        EventBatchHandler? onEvents = null,
        List<TimedCommand>? recording = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(traffic);
        var summary = new DaySummary(engine.Config);
        long now = traffic.DayOpen.Ticks - TimeSpan.TicksPerMinute;
        long end = traffic.DayClose.Ticks + TimeSpan.TicksPerMinute;
        long nextTick = now;
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
                Deliver(engine, traffic, summary, onEvents);
                nextTick += tickEvery.Ticks;
            }

            while (traffic.TryNext(at, out Command command))
            {
                CommandResult result = engine.Execute(in command, at);
                recording?.Add(new TimedCommand(now, command));
                Deliver(engine, traffic, summary, onEvents);
                traffic.Observe(in command, in result, at);
            }
        }

        summary.TakeCounterHours(engine, new DateTimeOffset(now, TimeSpan.Zero));
        return summary;
    }

    private static void Deliver(QueueEngine engine, LobbyTraffic traffic, DaySummary summary, EventBatchHandler? onEvents)
    {
        ReadOnlySpan<LobbyEvent> events = engine.LastEvents;
        if (events.Length > 0)
        {
            summary.Observe(events);
            summary.TakeCareFigures(engine.CareFiguresTotal());
            traffic.OnEvents(events);
            onEvents?.Invoke(events);
        }
    }
}

/// <summary>Receives a batch of events produced by one engine step.</summary>
public delegate void EventBatchHandler(ReadOnlySpan<LobbyEvent> events);
