using LobbyEdge.Engine;
using LobbyEdge.Simulator;

namespace LobbyEdge.EventLog.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public void Restore_WithoutSnapshot_ReplaysTheCurrentDayAndMatchesTheLiveEngine()
    {
        using var dir = new TempDir();
        QueueEngine live;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = Days.Run(2, events =>
            {
                log.Append(events);
                log.Commit();
            });
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Days.Config()), reopened);
        Assert.Equal(0, report.SnapshotSequence);
        Assert.Equal(LogFilesView.Segments(dir.Path)[1], LogFilesView.Segments(dir.Path).Single(s => s.EndsWith($"{report.ReplayedFrom:D20}.seg", StringComparison.Ordinal)));
        Assert.Equal(live.DescribeState(), restored.DescribeState());
    }

    [Fact]
    public void Restore_FromAMidDaySnapshot_ReplaysOnlyTheTail()
    {
        using var dir = new TempDir();
        BranchConfig config = Days.Config();
        var live = new QueueEngine(config);
        long snapshotAt = 0;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            var traffic = new LobbyTraffic(config, new TrafficProfile { TicketsPerDay = 300 }, Days.Monday, seed: 5);
            SimulatedDay.Run(live, traffic, TimeSpan.FromSeconds(10), events =>
            {
                log.Append(events);
                log.Commit();
                if (snapshotAt == 0 && live.TicketCount > 150)
                {
                    snapshotAt = live.LastSequence;
                    log.Snapshots.Save(snapshotAt, live.CreateSnapshot());
                }
            });
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(config), reopened);
        Assert.Equal(snapshotAt, report.SnapshotSequence);
        Assert.Equal(reopened.LastSequence - snapshotAt, report.EventsReplayed);
        Assert.Equal(live.DescribeState(), restored.DescribeState());
    }

    [Fact]
    public void Restore_SkipsACorruptOrForeignSnapshot_AndStillMatches()
    {
        using var dir = new TempDir();
        QueueEngine live;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = Days.Run(1, events =>
            {
                log.Append(events);
                log.Commit();
            }, tickets: 80);
            log.Snapshots.Save(log.LastSequence, new QueueEngine(new BranchConfig
            {
                BranchId = "other",
                Services = [new ServiceConfig { Prefix = 'Z', Id = "z" }],
                Counters = [new CounterConfig { Number = 9, Services = [new(0)] }],
            }).CreateSnapshot());
            log.Snapshots.Save(log.LastSequence + 100, live.CreateSnapshot());
        }

        // A snapshot ahead of the log is evidence that acknowledged events were lost: opening refuses (it used to
        // skip the snapshot and go on, handing out the lost events' numbers again).
        string ahead = Directory.GetFiles(Path.Combine(dir.Path, "snapshots")).Max(StringComparer.Ordinal)!;
        var refused = Assert.Throws<LogDamagedException>(() => BranchLog.Open(dir.Path));
        Assert.Contains(ahead, refused.Message, StringComparison.Ordinal);
        File.Delete(ahead);

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(Days.Config()), reopened);
        Assert.Equal(0, report.SnapshotSequence);
        Assert.Single(report.Notes);
        Assert.Equal(live.DescribeState(), restored.DescribeState());
    }
}
