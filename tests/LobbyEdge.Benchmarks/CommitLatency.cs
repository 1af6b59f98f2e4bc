using System.Diagnostics;
using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>latency [events per commit] [commits]</c>: the distribution of group-commit times, which BenchmarkDotNet's
/// mean and standard deviation do not show. Times every <see cref="BranchLog.Append"/> +
/// <see cref="BranchLog.Commit"/> with a <see cref="Stopwatch"/> on the caller's side, and the write + fsync
/// inside each commit as the log reports it to its <see cref="ILogCommitObserver"/>.
/// </summary>
internal static class CommitLatency
{
    private const int WarmUpCommits = 1_000;

    /// <summary>Bytes on disk per event: the 8-byte record header and the 56-byte payload.</summary>
    private const int RecordSize = 64;

    public static int Run(string[] args)
    {
        int events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
        int commits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        if (events is < 1 or > 64 || commits < 100)
        {
            Console.Error.WriteLine("usage: latency [events per commit, 1..64] [commits, at least 100]");
            return 2;
        }

        BranchConfig config = Lobby.Busy();
        LobbyEvent[] day = DayLog.Events(config, DayReplay.RecordBusyDay(config));
        LobbyEvent[] template = LogAppendBenchmarks.MidDayEvents(day, events);
        var group = new LobbyEvent[events];
        long[] caller = new long[commits];
        var observer = new FsyncTimes(commits);
        DirectoryInfo directory = Directory.CreateTempSubdirectory("le-logbench-latency-");
        string loadBefore = LoadAverage();
        long allocated;
        int collections;
        TimeSpan total;
        try
        {
            using BranchLog log = BranchLog.Open(directory.FullName, observer);
            log.Append(day.AsSpan(0, 1));
            log.Commit();
            long sequence = log.LastSequence;
            for (int c = 0; c < WarmUpCommits; c++)
            {
                Fill(group, template, ref sequence);
                log.Append(group);
                log.Commit();
            }

            observer.Reset();
            allocated = GC.GetAllocatedBytesForCurrentThread();
            collections = GC.CollectionCount(0);
            long start = Stopwatch.GetTimestamp();
            for (int c = 0; c < caller.Length; c++)
            {
                Fill(group, template, ref sequence);
                long t0 = Stopwatch.GetTimestamp();
                log.Append(group);
                log.Commit();
                caller[c] = Stopwatch.GetTimestamp() - t0;
            }

            total = Stopwatch.GetElapsedTime(start);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            collections = GC.CollectionCount(0) - collections;
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        double[] callerUs = Array.ConvertAll(caller, t => t * 1e6 / Stopwatch.Frequency);
        double[] fsyncUs = Array.ConvertAll(observer.Ticks, t => t / (double)TimeSpan.TicksPerMicrosecond);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"{commits:N0} commits of {events} events ({events * RecordSize} bytes each) in {directory.FullName}, after {WarmUpCommits:N0} unmeasured"));
        Console.WriteLine($"load average before: {loadBefore}; after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| Time per commit (µs) | p50 | p90 | p99 | p99.9 | max | mean |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(Row("Append + Commit (caller)", callerUs));
        Console.WriteLine(Row("write + fsync (observer)", fsyncUs));
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"{commits / total.TotalSeconds:N0} commits/s, {commits * (long)events / total.TotalSeconds:N0} events/s ({total.TotalSeconds:0.00} s in all)"));
        Console.WriteLine(string.Create(inv, $"commits over 1 ms: {Array.FindAll(callerUs, t => t > 1_000).Length}, over 10 ms: {Array.FindAll(callerUs, t => t > 10_000).Length}"));
        Console.WriteLine(string.Create(inv, $"allocated on the appending thread over the measured commits: {allocated:N0} B; gen-0 collections: {collections}"));
        return 0;
    }

    private static void Fill(LobbyEvent[] group, LobbyEvent[] template, ref long sequence)
    {
        for (int i = 0; i < group.Length; i++)
        {
            group[i] = template[i] with { Sequence = ++sequence };
        }
    }

    private static string Row(string name, double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        double mean = 0;
        foreach (double v in sorted)
        {
            mean += v;
        }

        mean /= sorted.Length;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Percentile(sorted, 0.50):N1} | {Percentile(sorted, 0.90):N1} | {Percentile(sorted, 0.99):N1} | {Percentile(sorted, 0.999):N1} | {sorted[^1]:N1} | {mean:N1} |");
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="q"/> of the values at or below it.</summary>
    private static double Percentile(double[] sorted, double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>Keeps the write + fsync time of each commit, as the log reports it. Does not allocate.</summary>
    private sealed class FsyncTimes(int capacity) : ILogCommitObserver
    {
        private int _count;

        public long[] Ticks { get; } = new long[capacity];

        public void Committed(int events, TimeSpan elapsed)
        {
            if (_count < Ticks.Length)
            {
                Ticks[_count++] = elapsed.Ticks;
            }
        }

        public void Reset() => _count = 0;
    }
}
