using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

/// <summary>
/// The branch's storage refusing a write (a full disk, a read-only file system, an I/O error) at every write site
/// of the log, on real tmpfs mounts: the log stops after a failed commit and keeps every committed event, a failed
/// snapshot or cursor loses nothing and leaves no temp file, and retention never deletes what a cursor still needs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageFaultTests
{
    [Fact]
    public void Commit_WhenTheDiskFills_StopsTheLog_KeepsEveryCommittedEvent_AndLeavesNoPartialRecord()
    {
        using var disk = new Tmpfs(200);
        var observer = new Failures();
        var committed = new List<LobbyEvent>();
        BranchLog log = BranchLog.Open(disk.Path, observer);
        LogWriteException failure = Assert.Throws<LogWriteException>(() => Days.Run(10, events =>
        {
            log.Append(events);
            log.Commit();
            committed.AddRange(events.ToArray());
        }));

        Assert.True(failure.IsStorageFull);
        Assert.Contains(failure.Site, new[] { LogWriteSite.Segment, LogWriteSite.NewSegment });
        Assert.StartsWith("branch storage full: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(disk.Path, "log"), failure.Message, StringComparison.Ordinal);
        Assert.Same(failure, log.Fault);
        Assert.Equal(committed.Count, log.LastSequence);
        Assert.Equal([failure.Site], observer.Sites);

        // Fail closed: nothing more is taken, and closing writes nothing and throws nothing.
        var next = new LobbyEvent { Sequence = log.AppendedSequence + 1, Kind = EventKind.TicketIssued };
        Assert.Same(failure, Assert.Throws<LogWriteException>(() => log.Append([next])));
        Assert.Same(failure, Assert.Throws<LogWriteException>(log.Commit));
        log.Dispose();

        // The next start, on the still-full disk and on a copy: exactly the committed events, no torn record.
        foreach (string data in new[] { disk.Path, disk.CopyTo(Path.Combine(Directory.CreateTempSubdirectory("lobby-full-copy-").FullName, "data")) })
        {
            using BranchLog reopened = BranchLog.Open(data);
            Assert.Null(reopened.OpenReport.RepairReason);
            Assert.Equal(committed.Count, reopened.LastSequence);
            Assert.Equal(committed, EventLogTests.ReadAll(reopened, 1));
        }
    }

    [Fact]
    public void SnapshotAndCursor_OnAFullDisk_FailWithoutTempFiles_KeepWhatWasThere_AndWorkAgainOnceThereIsRoom()
    {
        using var disk = new Tmpfs(400);
        var observer = new Failures();
        using BranchLog log = BranchLog.Open(disk.Path, observer);
        QueueEngine engine = Days.Run(1, events =>
        {
            log.Append(events);
            log.Commit();
        }, tickets: 40);
        log.Snapshots.Save(log.LastSequence, engine.CreateSnapshot());
        ConsumerCursor cursor = log.Cursor("head-office");
        cursor.Save(10);

        string filler = Path.Combine(disk.Path, "filler");
        Fill(filler);
        LogWriteException snapshot = Assert.Throws<LogWriteException>(() => log.Snapshots.Save(log.LastSequence, engine.CreateSnapshot()));
        LogWriteException saved = Assert.Throws<LogWriteException>(() => cursor.Save(20));

        Assert.Equal((LogWriteSite.Snapshot, true), (snapshot.Site, snapshot.IsStorageFull));
        Assert.Equal((LogWriteSite.Cursor, true), (saved.Site, saved.IsStorageFull));
        Assert.Equal([LogWriteSite.Snapshot, LogWriteSite.Cursor], observer.Sites);
        Assert.Empty(Directory.GetFiles(disk.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(10, cursor.Position);
        Assert.Equal(10, log.Cursor("head-office").Position);
        Assert.Equal(log.LastSequence, Assert.Single(log.Snapshots.NewestFirst()).Sequence);
        Assert.Null(log.Fault);

        File.Delete(filler);
        cursor.Save(20);
        Assert.Equal(20, log.Cursor("head-office").Position);
    }

    [Fact]
    public void EveryWriteSite_OnAReadOnlyFileSystem_FailsTheSameWay()
    {
        using var disk = new Tmpfs(2048);
        var observer = new Failures();
        using BranchLog log = BranchLog.Open(disk.Path, observer);
        QueueEngine engine = Days.Run(3, events =>
        {
            log.Append(events);
            log.Commit();
        }, tickets: 20);
        ConsumerCursor cursor = log.Cursor("head-office");
        cursor.Save(log.LastSequence);
        foreach (string segment in LogFilesView.Segments(disk.Path))
        {
            File.SetLastWriteTimeUtc(segment, DateTime.UtcNow.AddDays(-40));
        }

        foreach (string directory in new[] { "log", "snapshots", "cursors" })
        {
            disk.MakeReadOnly(Path.Combine(disk.Path, directory));
        }

        var failures = new List<LogWriteException>
        {
            Assert.Throws<LogWriteException>(() => cursor.Save(log.LastSequence + 1)),
            Assert.Throws<LogWriteException>(() => log.Snapshots.Save(log.LastSequence, engine.CreateSnapshot())),
            Assert.Throws<LogWriteException>(() => log.Prune(DateTime.UtcNow, TimeSpan.FromDays(30))),
            Assert.Throws<LogWriteException>(() => log.Append([new LobbyEvent { Sequence = log.AppendedSequence + 1, Kind = EventKind.DayOpened }])),
        };

        Assert.Equal([LogWriteSite.Cursor, LogWriteSite.Snapshot, LogWriteSite.Prune, LogWriteSite.NewSegment], failures.Select(f => f.Site));
        Assert.All(failures, f => Assert.StartsWith("branch storage read-only: ", f.Message, StringComparison.Ordinal));
        Assert.All(failures, f => Assert.False(f.IsStorageFull));
        Assert.Equal(failures.Select(f => f.Site), observer.Sites);

        // Only the failed new segment stops the log; the others lose nothing.
        Assert.Same(failures[3], log.Fault);
        Assert.Equal(3, LogFilesView.Segments(disk.Path).Length);
        Assert.Throws<LogWriteException>(log.Commit);
    }

    [Theory]
    [InlineData(28, "branch storage full", true)]
    [InlineData(122, "branch storage full", true)]
    [InlineData(30, "branch storage read-only", false)]
    [InlineData(5, "branch storage I/O error", false)]
    [InlineData(0, "branch storage write failed", false)]
    public void LogWriteException_NamesTheProblemByErrno(int errno, string problem, bool full)
    {
        var e = new LogWriteException(LogWriteSite.Segment, "/data/log/1.seg", new IOException("the system's text", errno));
        Assert.Equal((problem, full), (e.Problem, e.IsStorageFull));
        Assert.Equal($"{problem}: appending events to /data/log/1.seg failed (the system's text)", e.Message);
        Assert.Equal("branch storage not writable", new LogWriteException(LogWriteSite.Cursor, "c", new UnauthorizedAccessException()).Problem);
    }

    [Fact]
    public void Prune_KeepsEverySegmentACursorHasNotPassed_AndReportsWhatItHeld()
    {
        using var dir = new TempDir();
        using BranchLog log = BranchLog.Open(dir.Path);
        Days.Run(5, events =>
        {
            log.Append(events);
            log.Commit();
        }, tickets: 20);
        string[] segments = LogFilesView.Segments(dir.Path);
        long[] firsts = [.. segments.Select(s => long.Parse(Path.GetFileNameWithoutExtension(s), System.Globalization.CultureInfo.InvariantCulture))];
        DateTime now = DateTime.UtcNow;
        foreach (string segment in segments)
        {
            File.SetLastWriteTimeUtc(segment, now.AddDays(-10));
        }

        // Head office has everything of day 1 and part of day 2: day 1 goes, days 2 to 4 (closed) are held.
        log.Cursor("head-office").Save(firsts[1] + 3);
        PruneReport report = log.Prune(now, TimeSpan.FromDays(1));
        Assert.Equal([segments[0]], report.Deleted.Select(d => d.Path));
        Assert.Equal(3, report.HeldSegments);
        Assert.Equal(segments[1..4].Sum(s => new FileInfo(s).Length), report.HeldBytes);
        Assert.Equal(("head-office", firsts[1] + 4), (report.HeldBy, report.HeldFrom));
        Assert.Equal(segments[1..], LogFilesView.Segments(dir.Path));

        // Another consumer further behind holds more; an unreadable cursor holds everything.
        File.WriteAllBytes(Path.Combine(dir.Path, "cursors", "archive.cursor"), [1, 2, 3]);
        log.Cursor("head-office").Save(firsts[4] - 1);
        report = log.Prune(now, TimeSpan.FromDays(1));
        Assert.Empty(report.Deleted);
        // (An unreadable cursor resends from the oldest event the log still holds: the first of day 2.)
        Assert.Equal(("archive", firsts[1], 3), (report.HeldBy, report.HeldFrom, report.HeldSegments));

        // Once every cursor has passed them, they go; the current segment always stays.
        File.Delete(Path.Combine(dir.Path, "cursors", "archive.cursor"));
        report = log.Prune(now, TimeSpan.FromDays(1));
        Assert.Equal(segments[1..4], report.Deleted.Select(d => d.Path));
        Assert.Equal((0, 0L, (string?)null), (report.HeldSegments, report.HeldBytes, report.HeldBy));
        Assert.Equal([segments[4]], LogFilesView.Segments(dir.Path));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Prune(now, TimeSpan.Zero));
    }

    private static void Fill(string path)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        byte[] block = new byte[4096];
        long offset = 0;
        try
        {
            while (true)
            {
                RandomAccess.Write(file, block, offset);
                offset += block.Length;
            }
        }
        catch (IOException)
        {
            // Full.
        }
    }

    private sealed class Failures : ILogCommitObserver
    {
        public List<LogWriteSite> Sites { get; } = [];

        public void Committed(int events, TimeSpan elapsed)
        {
        }

        public void WriteFailed(LogWriteException failure) => Sites.Add(failure.Site);
    }
}
