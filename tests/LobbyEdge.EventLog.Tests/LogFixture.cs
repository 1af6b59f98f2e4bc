using LobbyEdge.Engine;
using LobbyEdge.Simulator;

namespace LobbyEdge.EventLog.Tests;

/// <summary>A temporary log directory and the events of simulated days to fill it with.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("lobby-log-").FullName;

    public string Path { get; }

    public string LastSegment => LogFilesView.Segments(Path)[^1];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class LogFixture
{
    /// <summary>Rewrites the durable mark, as the last commit before a power cut left it.</summary>
    public static void SetDurableMark(string root, long sequence) => File.WriteAllBytes(DurableMarkFile.PathOf(root), SequenceFile(sequence));

    /// <summary>The 12 bytes of a cursor or mark file: the sequence and its CRC-32C.</summary>
    public static byte[] SequenceFile(long sequence)
    {
        byte[] bytes = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, sequence);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc32C.Compute(Crc32C.Seed, bytes.AsSpan(0, 8)));
        return bytes;
    }
}

internal static class LogFilesView
{
    public static string[] Segments(string root)
    {
        string[] files = Directory.GetFiles(System.IO.Path.Combine(root, "log"), "*.seg");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}

internal static class Days
{
    public static readonly TimeZoneInfo Shanghai = TestBranches.Shanghai;
    public static readonly DateOnly Monday = TestBranches.Monday;

    public static BranchConfig Config() => new()
    {
        BranchId = "log-test",
        TimeZone = Shanghai,
        Services =
        [
            new ServiceConfig { Prefix = 'A', Id = "cash", SeedServiceTime = TimeSpan.FromMinutes(3) },
            new ServiceConfig { Prefix = 'B', Id = "noncash", SeedServiceTime = TimeSpan.FromMinutes(3) },
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new(0), new(1)] },
            new CounterConfig { Number = 2, Services = [new(1), new(0)] },
            new CounterConfig { Number = 3, Mode = CounterMode.LongestWait, Services = [new(0), new(1)] },
        ],
    };

    /// <summary>Runs simulated days on one engine; each step's events go to <paramref name="onEvents"/>.</summary>
    public static QueueEngine Run(int days, EventBatchHandler onEvents, int tickets = 300, QueueEngine? engine = null)
    {
        BranchConfig config = engine?.Config ?? Config();
        engine ??= new QueueEngine(config);
        for (int d = 0; d < days; d++)
        {
            var traffic = new LobbyTraffic(config, new TrafficProfile { TicketsPerDay = tickets }, Monday.AddDays(d), seed: 100 + d);
            SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), onEvents);
        }

        return engine;
    }
}
