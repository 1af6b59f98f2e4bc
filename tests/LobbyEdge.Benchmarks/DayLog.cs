using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>What <see cref="DayLog.Write"/> put on disk.</summary>
/// <param name="Events">Events in the log.</param>
/// <param name="Tickets">Tickets issued (<see cref="EventKind.TicketIssued"/> events).</param>
/// <param name="Snapshots">The sequences snapshots were taken at, in order (the store keeps the two newest).</param>
internal sealed record DayLogInfo(long Events, int Tickets, IReadOnlyList<long> Snapshots);

/// <summary>Writes a recorded day into a branch event log on disk, as the service's event log sink would.</summary>
internal static class DayLog
{
    /// <summary>Steps (commands and ticks) per commit while writing; the grouping does not change what is on disk.</summary>
    private const int StepsPerCommit = 256;

    /// <summary>
    /// Replays <paramref name="day"/> into a new engine and appends every step's events to the log in
    /// <paramref name="directory"/> (which should be empty). After each commit, if
    /// <paramref name="snapshotDue"/>(last sequence, last snapshot's sequence or 0) says so, an engine snapshot is
    /// saved beside the log, the way the service's sink takes them.
    /// </summary>
    public static DayLogInfo Write(BranchConfig config, TimedCommand[] day, string directory, Func<long, long, bool>? snapshotDue = null)
    {
        var engine = new QueueEngine(config);
        var snapshots = new List<long>();
        int tickets = 0;
        using BranchLog log = BranchLog.Open(directory);
        for (int i = 0; i < day.Length; i++)
        {
            TimedCommand step = day[i];
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            if (step.IsTick)
            {
                engine.Tick(at);
            }
            else
            {
                engine.Execute(step.Command, at);
            }

            ReadOnlySpan<LobbyEvent> events = engine.LastEvents;
            foreach (LobbyEvent e in events)
            {
                tickets += e.Kind == EventKind.TicketIssued ? 1 : 0;
            }

            log.Append(events);
            if (i % StepsPerCommit == StepsPerCommit - 1 || i == day.Length - 1)
            {
                log.Commit();
                long last = snapshots.Count > 0 ? snapshots[^1] : 0;
                if (snapshotDue is not null && engine.LastSequence > last && snapshotDue(engine.LastSequence, last))
                {
                    log.Snapshots.Save(engine.LastSequence, engine.CreateSnapshot());
                    snapshots.Add(engine.LastSequence);
                }
            }
        }

        if (log.LastSequence != engine.LastSequence)
        {
            throw new InvalidOperationException($"The log ends at {log.LastSequence}, the engine at {engine.LastSequence}.");
        }

        return new DayLogInfo(log.LastSequence, tickets, snapshots);
    }

    /// <summary>Every event of a recorded day, in order, as a new engine emits them.</summary>
    public static LobbyEvent[] Events(BranchConfig config, TimedCommand[] day)
    {
        var engine = new QueueEngine(config);
        var all = new List<LobbyEvent>();
        foreach (TimedCommand step in day)
        {
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            if (step.IsTick)
            {
                engine.Tick(at);
            }
            else
            {
                engine.Execute(step.Command, at);
            }

            foreach (LobbyEvent e in engine.LastEvents)
            {
                all.Add(e);
            }
        }

        return [.. all];
    }

    /// <summary>Copies a data directory (log, snapshots, cursors) to <paramref name="target"/>.</summary>
    public static void Copy(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }

        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }
}
