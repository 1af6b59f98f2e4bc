using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Service.Configuration;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// The branch as the log remembers it: the data directory locked for this process, the opened event log and the
/// engine rebuilt from it. Made once, at start, before the engine loop accepts a single command.
/// </summary>
public sealed partial class RestoredBranch : IDisposable
{
    private readonly DataDirectoryLock _lock;
    private readonly Lock _todayLock = new();
    private LobbyEvent[]? _today;
    private int _todayCount;
    private long _todayUpTo;

    private RestoredBranch(DataDirectoryLock directoryLock, BranchLog log, QueueEngine engine, RecoveryReport report)
    {
        _lock = directoryLock;
        Log = log;
        Engine = engine;
        Report = report;
    }

    /// <summary>What the service keeps in the data directory beside the event log's own (<see cref="DataDirectoryLayout.LogEntries"/>).</summary>
    public static IReadOnlyList<DataDirectoryEntry> ServiceEntries { get; } =
    [
        new(ConfigurationStore.FolderName, true, "the branch's configuration versions", ".yaml"),
        new(BranchMarker.FileName, false, "the record of the branch this data belongs to"),
    ];

    /// <summary>The open log; the engine loop appends to it.</summary>
    public BranchLog Log { get; }

    /// <summary>The engine, in the state the durable events give.</summary>
    public QueueEngine Engine { get; }

    /// <summary>How the engine was rebuilt.</summary>
    public RecoveryReport Report { get; }

    /// <summary>
    /// Locks <paramref name="dataDirectory"/> for this process, opens the log (checking every segment, snapshot and
    /// cursor; a torn tail is cut), and rebuilds the engine. Everything found is logged: damage the branch does not
    /// need and damaged snapshots as Critical/Warning, unreadable cursors as Warning.
    /// </summary>
    /// <exception cref="DataDirectoryLayoutException">Something in the directory is of the wrong kind (a file where a folder belongs, a link in a loop); nothing written.</exception>
    /// <exception cref="DataDirectoryLockedException">Another process runs on the directory (message names it and the process).</exception>
    /// <exception cref="LogDamagedException">The log is damaged where the branch needs it; logged as Critical, nothing changed.</exception>
    /// <param name="dataDirectory">The branch's data directory.</param>
    /// <param name="fileConfig">
    /// The profile file's configuration: the engine starts with it only when nothing is versioned (no store, an empty
    /// store). The configuration in force after recovery is <see cref="QueueEngine.Config"/> of <see cref="Engine"/>,
    /// which may be an older version than the file's (a structural change waiting for the next opening).
    /// </param>
    /// <param name="logger">Where findings go.</param>
    /// <param name="observer">Told of each group commit, or null.</param>
    /// <param name="versions">
    /// The configuration store, or null (unversioned): once the directory is locked it gives the configuration the log
    /// ran with (the engine is created with it) and resolves every stored version at replay.
    /// </param>
    public static RestoredBranch Open(string dataDirectory, BranchConfig fileConfig, ILogger logger, ILogCommitObserver? observer = null, ConfigurationVersions? versions = null)
    {
        ArgumentNullException.ThrowIfNull(fileConfig);
        ArgumentNullException.ThrowIfNull(logger);
        // A file where a folder belongs, a link in a loop: refused before anything is opened or written (exit 2). The
        // log's own entries (the lock among them) before the lock is taken; the service's after the owner check, so
        // another branch's data is said to be that first.
        DataDirectoryLayout.Check(dataDirectory, DataDirectoryLayout.LogEntries);
        DataDirectoryLock directoryLock = DataDirectoryLock.Acquire(dataDirectory);
        BranchLog log;
        try
        {
            // Another branch's data is refused before its log is opened: opening cuts a torn tail and writes the
            // durable mark.
            versions?.CheckOwner(dataDirectory);
            DataDirectoryLayout.Check(dataDirectory, ServiceEntries);
            log = BranchLog.Open(dataDirectory, observer);
            try
            {
                log.CheckWritable();
            }
            catch
            {
                log.Dispose();
                throw;
            }
            Monitoring.StartupTrace.Mark("log-opened");
        }
        catch (LogDamagedException)
        {
            // Said once, without a stack trace, where the start is refused (LobbyEdgeHost.RunAsync).
            directoryLock.Dispose();
            throw;
        }
        catch (Exception e) when (DataDirectoryNotWritableException.Explains(e) && e is not DataDirectoryNotWritableException)
        {
            // A file in it this process may not write (the newest segment left by a run as root): a permission, said
            // as the directory's own (exit 2, what to run), not a crash.
            directoryLock.Dispose();
            throw new DataDirectoryNotWritableException(dataDirectory, e);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }

        try
        {
            LogOpenReport open = log.OpenReport;
            if (open.RepairReason is not null)
            {
                Messages.TailRepaired(logger, open.RepairedFile ?? "", open.RepairedBytes, open.RepairReason);
            }

            if (open.Check is { } check)
            {
                foreach (LogDamage damage in check.Damage)
                {
                    Messages.ClosedSegmentDamaged(logger, damage.ToString());
                }

                foreach (string warning in check.Warnings)
                {
                    Messages.Finding(logger, warning);
                }
            }

            if (open.MarkProblem is not null)
            {
                Messages.Finding(logger, open.MarkProblem);
            }

            BranchConfig initial = versions?.Prepare(dataDirectory) ?? fileConfig;
            Monitoring.StartupTrace.Mark("config-prepared");
            Func<long, BranchConfig?>? resolver = versions is null ? null : versions.Resolve;
            (QueueEngine engine, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(initial) { ConfigurationResolver = resolver }, log);
            foreach (string note in report.Notes)
            {
                Messages.SnapshotSkipped(logger, note);
            }

            Messages.Restored(logger, log.Directory, open.Segments, report.LastSequence, report.SnapshotSequence, report.EventsReplayed, report.Elapsed.TotalMilliseconds);
            versions?.RecordOwner(dataDirectory);
            return new RestoredBranch(directoryLock, log, engine, report);
        }
        catch
        {
            versions?.Abandon();
            log.Dispose();
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The current business day's events read back from the log, up to the engine's last event: the newest segment,
    /// which begins with the day's opening (<see cref="BranchLog.NewestSegmentFirst"/>). How the sinks that show
    /// today's figures (metrics, the lobby console) rebuild them at start. Read from the log once and kept for the
    /// next caller until <see cref="ForgetToday"/> or until the engine has moved on (each sink used to read, check and
    /// decode the whole segment again: about 3 ms of a busy day's start, issue 17). Call while the engine loop does not
    /// run (before it starts): the engine's last event is read to know what is current.
    /// </summary>
    /// <remarks>
    /// After a structural configuration change put in force while the day was closed (a service removed from the
    /// profile), the segment still holds the day's events under the old structure: a ticket's event naming a service
    /// the configuration in force does not have is left out (<see cref="NamesKnownServices"/>; the sinks index their
    /// families by service, and the service crashed at every start, exit 1, until the next day). Everything else is
    /// kept as logged, the "none" service of an unlinked rating or a pause advice included.
    /// </remarks>
    /// <returns>The events in log order; valid until <see cref="ForgetToday"/>.</returns>
    public ReadOnlySpan<LobbyEvent> TodaysEvents()
    {
        lock (_todayLock)
        {
            if (_today is null || _todayUpTo != Engine.LastSequence)
            {
                // First asked, or the engine has moved on since (a host that applied commands before a sink was made).
                _todayUpTo = Engine.LastSequence;
                _today = ReadToday(_todayUpTo, out _todayCount);
            }

            return _today.AsSpan(0, _todayCount);
        }
    }

    /// <summary>
    /// Drops what <see cref="TodaysEvents"/> kept (about 56 bytes an event: 1.7 MB on a busy day), once every sink that
    /// rebuilds from it has been made. A later call reads the log again.
    /// </summary>
    public void ForgetToday()
    {
        lock (_todayLock)
        {
            _today = null;
            _todayCount = 0;
        }
    }

    private LobbyEvent[] ReadToday(long last, out int count)
    {
        int services = Engine.ServiceCount;
        using LogReader reader = Log.ReadFrom(Log.NewestSegmentFirst);
        var events = new LobbyEvent[(int)Math.Clamp(last - Log.NewestSegmentFirst + 1, 0, 1 << 20)];
        count = 0;
        while (reader.NextSequence <= last && reader.TryRead(out LobbyEvent e))
        {
            if (NamesKnownServices(in e, services))
            {
                if (count == events.Length)
                {
                    Array.Resize(ref events, Math.Max(16, events.Length * 2));
                }

                events[count++] = e;
            }
        }

        return events;
    }

    /// <summary>
    /// Whether a ticket's event among <paramref name="e"/>'s kinds names only services of <paramref name="services"/>
    /// (its service, its number's, the one it left). Events that are not about one ticket's service keep theirs as
    /// logged: an unlinked rating's or a pause advice's service is "none" by design and must be counted again.
    /// </summary>
    internal static bool NamesKnownServices(in LobbyEvent e, int services) => e.Kind switch
    {
        EventKind.TicketDiverted => Known(e.Service, e.NumberService, e.AsTicketDiverted().FromService, services),
        EventKind.TicketTransferred => Known(e.Service, e.NumberService, e.AsTicketTransferred().FromService, services),
        EventKind.CareGiven or EventKind.TierChanged or EventKind.TicketReprinted or EventKind.SelfServiceChosen
            or EventKind.RatingRequested => Known(e.Service, e.NumberService, 0, services),
        EventKind.TicketRated => !e.AsTicketRated().Linked || Known(e.Service, e.NumberService, 0, services),
        _ => true,
    };

    private static bool Known(int service, int numberService, int fromService, int services) =>
        (uint)service < (uint)services && (uint)numberService < (uint)services && (uint)fromService < (uint)services;

    /// <summary>Closes the log (committing anything pending), then releases the data directory.</summary>
    public void Dispose()
    {
        try
        {
            Log.Dispose();
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private static partial class Messages
    {
        [LoggerMessage(301, LogLevel.Warning, "Event log tail repaired: {File} cut back by {Bytes} bytes ({Reason}); those events were never acknowledged")]
        public static partial void TailRepaired(ILogger logger, string file, long bytes, string reason);

        [LoggerMessage(302, LogLevel.Warning, "Start-up: {Note}")]
        public static partial void SnapshotSkipped(ILogger logger, string note);

        [LoggerMessage(303, LogLevel.Information,
            "Event log {Directory} open: {Segments} segment(s), last event {Sequence}; restored from snapshot {Snapshot} plus {Replayed} replayed event(s) in {Milliseconds:0.0} ms")]
        public static partial void Restored(ILogger logger, string directory, int segments, long sequence, long snapshot, long replayed, double milliseconds);

        [LoggerMessage(305, LogLevel.Critical,
            "Event log damage in a closed segment nobody needs any more (the branch runs; restore the file from a backup): {Damage}")]
        public static partial void ClosedSegmentDamaged(ILogger logger, string damage);

        [LoggerMessage(306, LogLevel.Warning, "Start-up check: {Finding}")]
        public static partial void Finding(ILogger logger, string finding);
    }
}
