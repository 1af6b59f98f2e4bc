using System.Diagnostics;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>How start-up rebuilt the engine.</summary>
/// <param name="SnapshotSequence">The snapshot restored, or 0 if none was usable.</param>
/// <param name="ReplayedFrom">The first event replayed, or 0 if nothing was replayed.</param>
/// <param name="EventsReplayed">Events applied after the snapshot (or from the day's start).</param>
/// <param name="LastSequence">The engine's last sequence after recovery; equals the log's.</param>
/// <param name="Elapsed">How long recovery took.</param>
/// <param name="Notes">Snapshots skipped and why, for the log.</param>
public sealed record RecoveryReport(long SnapshotSequence, long ReplayedFrom, long EventsReplayed, long LastSequence, TimeSpan Elapsed, IReadOnlyList<string> Notes);

/// <summary>Rebuilds the engine's state from the log at start-up: newest usable snapshot, then the tail.</summary>
public static class EngineRecovery
{
    /// <summary>
    /// Returns an engine whose state is the fold of every durable event. Tries the snapshots newest first (one
    /// taken under another configuration, one whose replay crosses damage, or one ahead of the log, is skipped; a
    /// snapshot ahead of the log stops <see cref="BranchLog.Open"/> before this is reached); without one, replays
    /// from the start of the current business day's segment. The log runs under configuration versions
    /// (<see cref="EventKind.ConfigurationChanged"/>, <see cref="EventKind.DayOpened"/>'s version): give each engine
    /// <paramref name="createEngine"/> returns its <see cref="QueueEngine.ConfigurationResolver"/>, so a snapshot or a
    /// day of another version than the engine's is restored with that version's configuration.
    /// </summary>
    /// <exception cref="LogReplayException">An event names a service, counter or tier the created engine's configuration does not have.</exception>
    public static (QueueEngine Engine, RecoveryReport Report) Restore(Func<QueueEngine> createEngine, BranchLog log)
    {
        ArgumentNullException.ThrowIfNull(createEngine);
        ArgumentNullException.ThrowIfNull(log);
        long start = Stopwatch.GetTimestamp();
        var notes = new List<string>();
        long durable = log.LastSequence;
        foreach ((long sequence, byte[] state) in log.Snapshots.NewestFirst())
        {
            if (sequence > durable)
            {
                notes.Add($"snapshot {sequence} is ahead of the log ({durable}); skipped");
                continue;
            }

            QueueEngine engine = createEngine();
            if (!engine.TryRestoreSnapshot(state) || engine.LastSequence != sequence)
            {
                notes.Add($"snapshot {sequence} does not fit this configuration or build; skipped");
                continue;
            }

            try
            {
                long replayed = Replay(engine, log, sequence + 1);
                return (engine, new RecoveryReport(sequence, replayed > 0 ? sequence + 1 : 0, replayed, engine.LastSequence, Stopwatch.GetElapsedTime(start), notes));
            }
            catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException)
            {
                // InvalidDataException: the replay from this snapshot crosses damage in a closed segment that the
                // day's own replay does not need.
                notes.Add($"snapshot {sequence}: replay after it failed ({ex.Message}); skipped");
            }
        }

        QueueEngine fresh = createEngine();
        long from = DayStart(log);
        long count = Replay(fresh, log, from);
        return (fresh, new RecoveryReport(0, count > 0 ? from : 0, count, fresh.LastSequence, Stopwatch.GetElapsedTime(start), notes));
    }

    private static long Replay(QueueEngine engine, BranchLog log, long from)
    {
        long count = 0;
        using LogReader reader = log.ReadFrom(from);
        while (reader.TryRead(out LobbyEvent e))
        {
            ApplyLogged(engine, in e);
            count++;
        }

        if (engine.LastSequence != log.LastSequence)
        {
            throw new InvalidOperationException($"replay ended at {engine.LastSequence}, the log at {log.LastSequence}");
        }

        return count;
    }

    /// <summary>
    /// Applies one event read back from the log; how every replay (the start's, <c>verify</c>'s) applies them.
    /// </summary>
    /// <exception cref="LogReplayException">The event names a service, counter or tier the engine's configuration does not have.</exception>
    public static void ApplyLogged(QueueEngine engine, in LobbyEvent e)
    {
        ArgumentNullException.ThrowIfNull(engine);
        try
        {
            engine.Apply(in e);
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException or KeyNotFoundException)
        {
            // The engine indexes services, counters and tiers by number: an event of another configuration.
            throw new LogReplayException(e.Sequence, e.Kind, ex);
        }
    }

    /// <summary>The first sequence of the newest segment that begins with a day opening, else 1.</summary>
    private static long DayStart(BranchLog log)
    {
        List<(long First, string Path)> segments = LogFiles.ListSegments(log.Directory);
        for (int i = segments.Count - 1; i >= 0; i--)
        {
            using LogReader reader = log.ReadFrom(segments[i].First);
            if (reader.TryRead(out LobbyEvent first) && first.Kind == EventKind.DayOpened)
            {
                return first.Sequence;
            }
        }

        return 1;
    }
}
