using LobbyEdge.Simulator;

namespace LobbyEdge.Engine.Tests;

public sealed class SnapshotTests
{
    [Fact]
    public void Snapshot_MidDay_RestoresTheSameStateAndTheSameFuture()
    {
        BranchConfig config = Branches.Busy();
        var live = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, TrafficProfile.Busy, Branches.Day, seed: 7);
        var recording = new List<TimedCommand>();
        SimulatedDay.Run(live, traffic, TimeSpan.FromSeconds(5), recording: recording);

        // Rerun the day's commands, snapshot halfway, restore into a fresh engine and finish both.
        var first = new QueueEngine(config);
        int half = recording.Count / 2;
        for (int i = 0; i < half; i++)
        {
            Drive(first, recording[i]);
        }

        byte[] snapshot = first.CreateSnapshot();
        var restored = new QueueEngine(config);
        Assert.True(restored.TryRestoreSnapshot(snapshot));
        Assert.Equal(first.DescribeState(), restored.DescribeState());
        for (int i = half; i < recording.Count; i++)
        {
            Drive(first, recording[i]);
            Drive(restored, recording[i]);
        }

        Assert.Equal(first.DescribeState(), restored.DescribeState());
        Assert.Equal(live.DescribeState(), restored.DescribeState());
    }

    [Fact]
    public void Snapshot_FromAnotherConfiguration_OrTruncated_IsRefusedAndChangesNothing()
    {
        var lobby = new Lobby();
        lobby.Issue();
        byte[] snapshot = lobby.Engine.CreateSnapshot();

        var other = new QueueEngine(Branches.Busy());
        string before = other.DescribeState();
        Assert.False(other.TryRestoreSnapshot(snapshot));
        Assert.Equal(before, other.DescribeState());

        var same = new QueueEngine(Branches.Small());
        before = same.DescribeState();
        Assert.False(same.TryRestoreSnapshot(snapshot.AsSpan(0, snapshot.Length - 1)));
        Assert.False(same.TryRestoreSnapshot(snapshot.AsSpan(0, 10)));
        Assert.False(same.TryRestoreSnapshot([.. snapshot, 0]));
        Assert.Equal(before, same.DescribeState());
        Assert.True(same.TryRestoreSnapshot(snapshot));
        Assert.Equal(lobby.Engine.DescribeState(), same.DescribeState());
    }

    [Fact]
    public void Snapshot_OfAnOlderFormat_IsRefusedAndChangesNothing_SoTheLogIsReplayed()
    {
        // Format 9 added the typical wait's median correction to the prediction statistics: a format 8 snapshot
        // (the same bytes under the old version number) is refused, the engine is left as it was and start-up
        // replays the log instead.
        var lobby = new Lobby();
        lobby.Issue();
        byte[] snapshot = lobby.Engine.CreateSnapshot();
        int version = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(snapshot.AsSpan(4));
        Assert.Equal(9, version);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(snapshot.AsSpan(4), version - 1);

        var same = new QueueEngine(Branches.Small());
        string before = same.DescribeState();
        Assert.False(same.TryRestoreSnapshot(snapshot));
        Assert.Equal(before, same.DescribeState());
    }

    private static void Drive(QueueEngine engine, TimedCommand step)
    {
        var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
        if (step.IsTick)
        {
            engine.Tick(at);
        }
        else
        {
            Command command = step.Command;
            engine.Execute(in command, at);
        }
    }
}
