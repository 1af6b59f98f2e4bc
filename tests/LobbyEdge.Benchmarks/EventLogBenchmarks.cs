using BenchmarkDotNet.Attributes;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// (g) Group commit: one <see cref="BranchLog.Append"/> of a group of events and one <see cref="BranchLog.Commit"/>
/// (one write, one fsync) per invocation, on a real file in a temporary directory under the system's temp
/// directory. The events are 64 consecutive events from the middle of the recorded busy day, renumbered to
/// continue the log. The segment grows for the whole run, as a day's segment does. The disk is shared with other
/// work, so the median is shown beside the mean.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LogAppendBenchmarks
{
    private const int TemplateSize = 64;
    private LobbyEvent[] _template = [];
    private LobbyEvent[] _group = [];
    private DirectoryInfo _directory = null!;
    private BranchLog _log = null!;
    private long _sequence;

    /// <summary>Events per commit: one command's events, a handful of commands, a burst.</summary>
    [Params(1, 8, 64)]
    public int Events { get; set; }

    [GlobalSetup]
    public void OpenLog()
    {
        BranchConfig config = Lobby.Busy();
        LobbyEvent[] day = DayLog.Events(config, DayReplay.RecordBusyDay(config));
        _template = MidDayEvents(day, TemplateSize);
        _group = new LobbyEvent[Events];
        _directory = Directory.CreateTempSubdirectory("le-logbench-append-");
        _log = BranchLog.Open(_directory.FullName);

        // The day's opening starts the segment (creating a segment is not part of a steady-state commit).
        _log.Append(day.AsSpan(0, 1));
        _log.Commit();
        _sequence = _log.LastSequence;
    }

    [GlobalCleanup]
    public void DeleteLog()
    {
        _log.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>Appends one group and makes it durable: what the engine loop does once per batch of commands.</summary>
    [Benchmark]
    public long AppendCommit()
    {
        LobbyEvent[] group = _group;
        for (int i = 0; i < group.Length; i++)
        {
            group[i] = _template[i] with { Sequence = ++_sequence };
        }

        _log.Append(group);
        _log.Commit();
        return _log.LastSequence;
    }

    /// <summary>
    /// <paramref name="count"/> consecutive events from the middle of the day, none of which opens a day (that
    /// would start a new segment).
    /// </summary>
    public static LobbyEvent[] MidDayEvents(LobbyEvent[] day, int count)
    {
        ArgumentNullException.ThrowIfNull(day);
        LobbyEvent[] events = day.AsSpan(day.Length / 2, count).ToArray();
        if (day[0].Kind != EventKind.DayOpened || day[0].Sequence != 1 || Array.Exists(events, e => e.Kind == EventKind.DayOpened))
        {
            throw new InvalidOperationException("Benchmark setup failed: the recorded day does not open with sequence 1, or opens a day in the middle.");
        }

        return events;
    }
}

/// <summary>
/// (h) Start-up from the log of the recorded busy day (<see cref="DayReplay.RecordBusyDay"/>: 3,054 tickets,
/// 20,469 events, one segment of 1.3 MB), written in setup to a temporary directory. The files are in the page
/// cache, as they are right after a restart (not after a power cut).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LogReplayBenchmarks
{
    private readonly BranchConfig _config = Lobby.Busy();
    private Func<QueueEngine> _createEngine = null!;
    private LobbyEvent[] _events = [];
    private DirectoryInfo _root = null!;
    private string _replayDirectory = "";
    private BranchLog _replayLog = null!;
    private BranchLog _snapshotLog = null!;

    [GlobalSetup]
    public void WriteDay()
    {
        _createEngine = () => new QueueEngine(_config);
        TimedCommand[] day = DayReplay.RecordBusyDay(_config);
        _events = DayLog.Events(_config, day);
        _root = Directory.CreateTempSubdirectory("le-logbench-replay-");
        _replayDirectory = Path.Combine(_root.FullName, "replay");
        string snapshotDirectory = Path.Combine(_root.FullName, "snapshot");
        DayLogInfo replay = DayLog.Write(_config, day, _replayDirectory);
        long midDay = replay.Events / 2;
        DayLogInfo snapshot = DayLog.Write(_config, day, snapshotDirectory, (sequence, last) => last == 0 && sequence >= midDay);
        _replayLog = BranchLog.Open(_replayDirectory);
        _snapshotLog = BranchLog.Open(snapshotDirectory);

        // Both restores must give the state the day left, and each the way it is meant to.
        (QueueEngine replayed, RecoveryReport replayReport) = EngineRecovery.Restore(_createEngine, _replayLog);
        (QueueEngine restored, RecoveryReport snapshotReport) = EngineRecovery.Restore(_createEngine, _snapshotLog);
        if (replayReport.SnapshotSequence != 0 || replayReport.EventsReplayed != _events.Length
            || snapshot.Snapshots.Count != 1 || snapshotReport.SnapshotSequence != snapshot.Snapshots[0]
            || snapshotReport.EventsReplayed != _events.Length - snapshot.Snapshots[0]
            || replayed.DescribeState() != restored.DescribeState())
        {
            throw new InvalidOperationException($"Benchmark setup failed: replay {replayReport}, snapshot {snapshotReport}.");
        }

        Console.WriteLine($"// Busy day: {replay.Tickets} tickets, {replay.Events} events; snapshot at {snapshot.Snapshots[0]}, tail {snapshotReport.EventsReplayed} events");
    }

    [GlobalCleanup]
    public void DeleteDay()
    {
        _replayLog.Dispose();
        _snapshotLog.Dispose();
        _root.Delete(recursive: true);
    }

    /// <summary>The day's events applied from memory to a new engine: the engine's share of a replay.</summary>
    [Benchmark(Baseline = true)]
    public long ApplyFromMemory()
    {
        QueueEngine engine = _createEngine();
        foreach (ref readonly LobbyEvent e in _events.AsSpan())
        {
            engine.Apply(in e);
        }

        return engine.LastSequence;
    }

    /// <summary><see cref="EngineRecovery.Restore"/> with no snapshot: the whole day read, checked and applied.</summary>
    [Benchmark]
    public long Replay() => EngineRecovery.Restore(_createEngine, _replayLog).Engine.LastSequence;

    /// <summary><see cref="EngineRecovery.Restore"/> from a snapshot taken mid-day, then the afternoon's events.</summary>
    [Benchmark]
    public long SnapshotPlusTail() => EngineRecovery.Restore(_createEngine, _snapshotLog).Engine.LastSequence;

    /// <summary><see cref="BranchLog.Open"/> of the day's log: reads and checks every record of the last segment.</summary>
    [Benchmark]
    public long OpenLog()
    {
        using BranchLog log = BranchLog.Open(_replayDirectory);
        return log.LastSequence;
    }
}
