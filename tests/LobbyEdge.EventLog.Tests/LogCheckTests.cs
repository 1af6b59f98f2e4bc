using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

/// <summary>Torn tail or damage, evidence of lost events, and what opening does with each (issue 10, items 1, 4, 13).</summary>
public sealed class LogCheckTests
{
    [Fact]
    public void IntactLog_IsIntact_AndOpensWithoutFindings()
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 2);
        LogCheck check = LogCheck.Run(dir.Path);
        Assert.True(check.IsIntact, string.Join("; ", check.Damage.Select(d => d.ToString()).Concat(check.Warnings)));
        Assert.Equal(last, check.LastSequence);
        Assert.Equal(last, check.DurableMark);
        Assert.Equal(2, check.Segments.Count);
        Assert.Equal(last, LogCheck.IntactEvents(dir.Path).Count());
    }

    [Fact]
    public void BadRecordInTheNewestSegment_FollowedByIntactOnes_IsDamageThatRefuses()
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 2);
        string segment = dir.LastSegment;
        long first = FirstOf(segment);
        Flip(segment, 16 + (64 * 7) + 40);
        LogCheck check = LogCheck.Run(dir.Path);
        LogDamage damage = Assert.Single(check.Damage);
        Assert.Equal(LogDamageKind.BadRecords, damage.Kind);
        Assert.True(damage.Blocking);
        Assert.Equal(16 + (64 * 7), damage.Offset);
        Assert.Equal(first + 7, damage.FirstSequence);
        Assert.Equal(first + 7, damage.LastSequence);
        Assert.Equal(last - first - 7, damage.IntactAfter);
        Assert.Null(check.Tail);
        Assert.True(check.MustRefuse);
        Assert.Throws<LogDamagedException>(() => BranchLog.Open(dir.Path));
    }

    [Fact]
    public void BadLastRecord_WithTheDurableMarkAtIt_IsEvidenceOfLoss_NotATornTail()
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 1);
        string segment = dir.LastSegment;
        Flip(segment, new FileInfo(segment).Length - 10);
        LogCheck check = LogCheck.Run(dir.Path);

        // One finding, not a torn tail and damage at once: the bad last record is part of the damage.
        Assert.Null(check.Tail);
        LogDamage damage = Assert.Single(check.Damage);
        Assert.Equal(LogDamageKind.MissingEvents, damage.Kind);
        Assert.Equal(last, damage.FirstSequence);
        Assert.Equal(new FileInfo(segment).Length - 64, damage.Offset);
        Assert.Contains("durable.mark", damage.What, StringComparison.Ordinal);
        Assert.Contains("not a torn tail", damage.What, StringComparison.Ordinal);
        Assert.Throws<LogDamagedException>(() => BranchLog.Open(dir.Path));

        // Had the last commit never returned (a power cut), the mark would be one behind: then it is a torn tail.
        LogFixture.SetDurableMark(dir.Path, last - 1);
        using BranchLog log = BranchLog.Open(dir.Path);
        Assert.Equal(last - 1, log.LastSequence);
        Assert.Equal(64, log.OpenReport.RepairedBytes);
    }

    [Theory]
    [InlineData("mark")]
    [InlineData("snapshot")]
    [InlineData("cursor")]
    public void NewestSegmentCutAtARecordBoundary_WithEvidenceBeyondIt_Refuses(string evidence)
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 1);
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            log.Snapshots.Save(last - 2, [1, 2, 3]);
            log.Cursor("head-office").Save(last - 1);
        }

        // Five records gone: what a truncated copy or a lost write-back leaves. It looks like a clean end.
        string segment = dir.LastSegment;
        using (var f = new FileStream(segment, FileMode.Open))
        {
            f.SetLength(f.Length - (5 * 64));
        }

        string mark = DurableMarkFile.PathOf(dir.Path);
        string snapshots = Path.Combine(dir.Path, "snapshots");
        string cursors = Path.Combine(dir.Path, "cursors");
        switch (evidence)
        {
            case "snapshot":
                File.Delete(mark);
                Directory.Delete(cursors, true);
                break;
            case "cursor":
                File.Delete(mark);
                Directory.Delete(snapshots, true);
                break;
            default:
                Directory.Delete(snapshots, true);
                Directory.Delete(cursors, true);
                break;
        }

        LogCheck check = LogCheck.Run(dir.Path);
        LogDamage damage = Assert.Single(check.Damage);
        Assert.Equal(LogDamageKind.MissingEvents, damage.Kind);
        Assert.Equal(last - 4, damage.FirstSequence);
        Assert.Equal(segment, damage.File);
        Assert.Equal(new FileInfo(segment).Length, damage.Offset);
        var ex = Assert.Throws<LogDamagedException>(() => BranchLog.Open(dir.Path));
        Assert.Contains(evidence == "mark" ? "durable.mark" : evidence == "snapshot" ? ".snap" : "head-office.cursor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamageInAClosedSegment_NobodyNeeds_OpensAndReportsIt_ACursorBehindItRefuses()
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 3);
        string oldest = LogFilesView.Segments(dir.Path)[0];
        Flip(oldest, 16 + (64 * 3) + 1);

        LogCheck check = LogCheck.Run(dir.Path);
        LogDamage damage = Assert.Single(check.Damage);
        Assert.False(damage.Blocking);
        Assert.Equal(1, check.ToleratedRecords);
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            Assert.Equal(damage.File, Assert.Single(log.OpenReport.Check!.Damage).File);
            (QueueEngine _, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Days.Config()), log);
            Assert.Equal(log.LastSequence, report.LastSequence);

            // A consumer that has passed the damage does not need it...
            log.Cursor("head-office").Save(damage.LastSequence);
        }

        using (BranchLog reopened = BranchLog.Open(dir.Path))
        {
            Assert.False(reopened.OpenReport.Check!.MustRefuse);
        }

        // ...one that has not would read into it: refuse.
        File.WriteAllBytes(Path.Combine(dir.Path, "cursors", "metrics.cursor"), LogFixture.SequenceFile(2));
        Assert.True(LogCheck.Run(dir.Path).MustRefuse);
        Assert.Throws<LogDamagedException>(() => BranchLog.Open(dir.Path));
    }

    [Fact]
    public void MissingMiddleSegment_IsAGap_AndCutShortClosedSegmentIsDamage()
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 3);
        string[] segments = LogFilesView.Segments(dir.Path);
        File.Delete(segments[1]);
        LogDamage gap = Assert.Single(LogCheck.Run(dir.Path).Damage);
        Assert.Equal(LogDamageKind.Gap, gap.Kind);
        Assert.Equal(FirstOf(segments[1]), gap.FirstSequence);
        Assert.Equal(FirstOf(segments[2]) - 1, gap.LastSequence);

        using (var f = new FileStream(segments[0], FileMode.Open))
        {
            f.SetLength(f.Length - 30);
        }

        LogCheck check = LogCheck.Run(dir.Path);
        Assert.Contains(check.Damage, d => d.Kind == LogDamageKind.BadRecords && d.File == segments[0]);
        Assert.False(check.MustRefuse);
    }

    [Fact]
    public void DamageInTheDayBefore_WhileTodaysSegmentIsStillEmpty_Refuses_BecauseTheEngineReplaysIt()
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 1);
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            // A new day's segment begun, its first commit not yet made (a crash between the two).
            log.Append([new LobbyEvent { Sequence = last + 1, Kind = EventKind.DayOpened }]);
        }

        File.WriteAllBytes(LogFilesView.Segments(dir.Path)[^1], File.ReadAllBytes(LogFilesView.Segments(dir.Path)[^1])[..16]);
        LogFixture.SetDurableMark(dir.Path, last);
        Flip(LogFilesView.Segments(dir.Path)[0], 16 + (64 * 4) + 9);
        LogCheck check = LogCheck.Run(dir.Path);
        Assert.True(Assert.Single(check.Damage).Blocking);
    }

    [Fact]
    public void OverlappingSegments_AreDamage()
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 2);
        string[] segments = LogFilesView.Segments(dir.Path);
        File.Move(segments[1], Path.Combine(Path.GetDirectoryName(segments[1])!, $"{FirstOf(segments[1]) - 3:D20}.seg"));
        LogCheck check = LogCheck.Run(dir.Path);
        Assert.Contains(check.Damage, d => d.Kind == LogDamageKind.Overlap && d.Blocking);
    }

    [Fact]
    public void BadHeaderOfTheNewestSegmentWithRecords_IsDamage()
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 2);
        Flip(dir.LastSegment, 3);
        LogCheck check = LogCheck.Run(dir.Path);
        Assert.Contains(check.Damage, d => d.Kind == LogDamageKind.BadHeader && d.Blocking && d.Offset == 0);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(13)]
    public void CorruptCursor_IsAWarning_AndTheConsumerRestartsAtTheStartOfTheRetainedLog(int length)
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 2);
        File.Delete(LogFilesView.Segments(dir.Path)[0]);
        long retainedFrom = FirstOf(LogFilesView.Segments(dir.Path)[0]);
        byte[] garbage = new byte[length];
        new Random(length).NextBytes(garbage);
        string path = Path.Combine(dir.Path, "cursors", "head-office.cursor");
        File.WriteAllBytes(path, garbage);

        LogCheck check = LogCheck.Run(dir.Path);
        Assert.False(check.MustRefuse);
        Assert.Contains(check.Warnings, w => w.Contains(path, StringComparison.Ordinal));
        using BranchLog log = BranchLog.Open(dir.Path);
        ConsumerCursor cursor = log.Cursor("head-office");
        Assert.NotNull(cursor.Problem);
        Assert.Equal(retainedFrom - 1, cursor.Position);
        using LogReader reader = log.ReadFrom(cursor.Position + 1);
        Assert.Equal(0, reader.Skipped);
    }

    [Fact]
    public void DamagedSnapshot_IsAWarning_AndStartReplaysTheDay()
    {
        using var dir = new TempDir();
        long last = FillDays(dir.Path, 1);
        string snapshot;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            log.Snapshots.Save(last, new byte[100]);
            snapshot = Directory.GetFiles(Path.Combine(dir.Path, "snapshots")).Single();
        }

        Flip(snapshot, 60);
        LogCheck check = LogCheck.Run(dir.Path);
        Assert.False(check.MustRefuse);
        Assert.Contains(check.Snapshots, s => s.Path == snapshot && s.Problem == "checksum mismatch");
        Assert.Contains(check.Warnings, w => w.Contains(snapshot, StringComparison.Ordinal));
    }

    [Fact]
    public void DataDirectoryLock_IsExclusive_NamesTheHolder_AndIsFreedOnRelease()
    {
        using var dir = new TempDir();
        using (DataDirectoryLock held = DataDirectoryLock.Acquire(dir.Path))
        {
            var ex = Assert.Throws<DataDirectoryLockedException>(() => DataDirectoryLock.Acquire(dir.Path));
            Assert.Contains(dir.Path, ex.Message, StringComparison.Ordinal);
            Assert.Contains($"process {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
        }

        using DataDirectoryLock again = DataDirectoryLock.Acquire(dir.Path);
        Assert.True(File.Exists(again.FilePath));
    }

    [Fact]
    public void Check_NeverWritesAFile()
    {
        using var dir = new TempDir();
        FillDays(dir.Path, 2);
        Flip(dir.LastSegment, 100);
        File.WriteAllBytes(Path.Combine(dir.Path, "cursors", "x.cursor"), [9]);
        Dictionary<string, (DateTime, byte[])> before = Files(dir.Path);
        LogCheck check = LogCheck.Run(dir.Path);
        using var text = new StringWriter();
        check.WriteReport(text);
        Assert.Contains("DAMAGE", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(before.Keys.Order(), Files(dir.Path).Keys.Order());
        foreach ((string path, (DateTime time, byte[] content)) in Files(dir.Path))
        {
            Assert.Equal(before[path].Item1, time);
            Assert.Equal(before[path].Item2, content);
        }
    }

    private static Dictionary<string, (DateTime, byte[])> Files(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(p => p, p => (File.GetLastWriteTimeUtc(p), File.ReadAllBytes(p)));

    private static long FillDays(string path, int days)
    {
        using BranchLog log = BranchLog.Open(path);
        Days.Run(days, events =>
        {
            log.Append(events);
            log.Commit();
        }, tickets: 40);
        return log.LastSequence;
    }

    private static long FirstOf(string segment) => long.Parse(Path.GetFileNameWithoutExtension(segment), System.Globalization.CultureInfo.InvariantCulture);

    private static void Flip(string path, long offset)
    {
        using var f = new FileStream(path, FileMode.Open);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x5A));
    }
}
