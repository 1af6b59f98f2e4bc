using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// The branch as the log remembers it: the opened event log and the engine rebuilt from it. Made once, at
/// start, before the engine loop accepts a single command.
/// </summary>
public sealed partial class RestoredBranch : IDisposable
{
    private RestoredBranch(BranchLog log, QueueEngine engine, RecoveryReport report)
    {
        Log = log;
        Engine = engine;
        Report = report;
    }

    /// <summary>The open log; the engine loop appends to it.</summary>
    public BranchLog Log { get; }

    /// <summary>The engine, in the state the durable events give.</summary>
    public QueueEngine Engine { get; }

    /// <summary>How the engine was rebuilt.</summary>
    public RecoveryReport Report { get; }

    /// <summary>Opens the log in <paramref name="dataDirectory"/>, repairs a torn tail, and rebuilds the engine.</summary>
    public static RestoredBranch Open(string dataDirectory, BranchConfig config, ILogger logger, ILogCommitObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logger);
        BranchLog log = BranchLog.Open(Path.Combine(dataDirectory), observer);
        try
        {
            LogOpenReport open = log.OpenReport;
            if (open.RepairReason is not null)
            {
                Messages.TailRepaired(logger, open.RepairedFile ?? "", open.RepairedBytes, open.RepairReason);
            }

            (QueueEngine engine, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(config), log);
            foreach (string note in report.Notes)
            {
                Messages.SnapshotSkipped(logger, note);
            }

            Messages.Restored(logger, log.Directory, open.Segments, report.LastSequence, report.SnapshotSequence, report.EventsReplayed, report.Elapsed.TotalMilliseconds);
            return new RestoredBranch(log, engine, report);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>Closes the log (committing anything pending).</summary>
    public void Dispose() => Log.Dispose();

    private static partial class Messages
    {
        [LoggerMessage(301, LogLevel.Warning, "Event log tail repaired: {File} cut back by {Bytes} bytes ({Reason}); those events were never acknowledged")]
        public static partial void TailRepaired(ILogger logger, string file, long bytes, string reason);

        [LoggerMessage(302, LogLevel.Warning, "Start-up: {Note}")]
        public static partial void SnapshotSkipped(ILogger logger, string note);

        [LoggerMessage(303, LogLevel.Information,
            "Event log {Directory} open: {Segments} segment(s), last event {Sequence}; restored from snapshot {Snapshot} plus {Replayed} replayed event(s) in {Milliseconds:0.0} ms; ready")]
        public static partial void Restored(ILogger logger, string directory, int segments, long sequence, long snapshot, long replayed, double milliseconds);
    }
}
