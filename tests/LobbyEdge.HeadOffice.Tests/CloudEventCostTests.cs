using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// What the drain pays per event before MQTT (issue 17 item 6): reading the durable log and writing the CloudEvent.
/// A busy simulated day's events, as the link ships them.
/// </summary>
public sealed class CloudEventCostTests(ITestOutputHelper output)
{
    /// <summary>Kinds whose CloudEvent names a date, a device, a configuration or a request: written with a string or two.</summary>
    private static readonly EventKind[] s_rareKinds =
    [
        EventKind.DayOpened, EventKind.DayClosed, EventKind.DeviceStatusChanged, EventKind.ConfigurationChanged,
        EventKind.RequestDecided, EventKind.SelfServiceChosen,
    ];

    [Fact(Skip = "Not yet true: 147,168 B over a day's common events on 2026-12-01 (some kind still allocates; find which before enabling)")]
    public void WritingTheCloudEventsOfADay_AllocatesNothing_ButForTheRareKinds()
    {
        using var branch = new TestBranch("alloc");
        branch.RunDays(1, ticketsPerDay: 3_000);
        LobbyEvent[] events = [.. branch.ReadAll().Where(e => !s_rareKinds.Contains(e.Kind))];
        Assert.True(events.Length > 10_000, $"{events.Length} events");
        Assert.Contains(events, e => e.Kind == EventKind.CounterStateChanged);
        Assert.Contains(events, e => e.Kind == EventKind.TicketAbandoned);
        var topics = new HeadOfficeTopics(branch.Config.BranchId);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer);

        // Once before measuring: the writer's buffer grows and the names of enum values are worked out once.
        WriteAll(events, writer, buffer, topics, branch.Config);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long bytes = WriteAll(events, writer, buffer, topics, branch.Config);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(bytes > events.Length * 100L, $"{bytes} bytes written");
        Assert.Equal(0, allocated);
    }

    [Fact]
    [Trait("Category", "Measure")]
    public void ReadingAndWriting_PerEvent_HowLongAndHowMuch()
    {
        long wanted = DrainMeasurement.Setting("LOBBYEDGE_DRAIN_EVENTS", 5_000);
        using var branch = new TestBranch("cost");
        long total = branch.RunUntil(wanted, ticketsPerDay: 3_000);
        var topics = new HeadOfficeTopics(branch.Config.BranchId);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer);
        LobbyEvent[] events = [.. branch.ReadAll()];
        WriteAll(events, writer, buffer, topics, branch.Config);
        for (int round = 0; round < 3; round++)
        {
            long start = Stopwatch.GetTimestamp();
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long read = 0;
            using (LogReader reader = branch.Log.ReadFrom(1))
            {
                while (reader.TryRead(out _))
                {
                    read++;
                }
            }

            TimeSpan reading = Stopwatch.GetElapsedTime(start);
            long readAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            start = Stopwatch.GetTimestamp();
            allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long bytes = WriteAll(events, writer, buffer, topics, branch.Config);
            TimeSpan writing = Stopwatch.GetElapsedTime(start);
            long writeAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.Equal(total, read);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{total} events: reading the log {reading.TotalMicroseconds * 1000 / total:0} ns and {readAllocated / (double)total:0.0} B per event; writing the CloudEvent and its pooled copy {writing.TotalMicroseconds * 1000 / total:0} ns and {writeAllocated / (double)total:0.0} B per event ({bytes / total} bytes)"));
        }
    }

    /// <summary>Writes every event's CloudEvent as the link does (into a buffer, then a pooled copy); the bytes written.</summary>
    private static long WriteAll(LobbyEvent[] events, Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, HeadOfficeTopics topics, BranchConfig config)
    {
        long bytes = 0;
        foreach (LobbyEvent e in events)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            CloudEventWriter.Write(writer, in e, topics, config, []);
            writer.Flush();
            byte[] payload = ArrayPool<byte>.Shared.Rent(buffer.WrittenCount);
            buffer.WrittenSpan.CopyTo(payload);
            bytes += buffer.WrittenCount;
            ArrayPool<byte>.Shared.Return(payload);
        }

        return bytes;
    }
}
