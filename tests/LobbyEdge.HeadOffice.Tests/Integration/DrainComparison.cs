using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 17 item 6: the link's backlog drain side by side with a bare MQTTnet 5 publish loop of the same messages
/// (same topic, payload bytes, QoS 1, content type and payload format indicator, same client options and socket
/// buffers) with the same window of publishes in flight, each run against a fresh local Mosquitto. Runs alternate
/// (ours, bare, bare, ours, …) so that load from elsewhere falls on both; the medians and their ratio are printed.
/// One untimed drain of each first warms the JIT up. Both are timed from the connection attempt to the broker's last PUBACK; ours also reads the log, writes each
/// CloudEvent, publishes <c>status</c>, subscribes to its commands and saves its cursor durably, as in production.
/// Both are watched the same way, by a loop that looks every millisecond; a run in which that loop itself stood still for
/// 200 ms or more is marked <c>frozen</c>: the whole test process stopped (no acknowledgement is
/// read either), which is not the drain's doing. On the development VM such freezes of 0.5-1 s hit both sides, in most
/// runs at 1 in flight (the longest runs) and a few at 32, without a GC pause, with at most one major page fault, and no pause in
/// other processes (root README, "Performance"). The ratio is printed over all runs as timed, and with the time the
/// watcher stood still taken out of each run (every look of 50 ms or more, less the 10 ms a look may take on a busy
/// machine): a freeze stops both sides' drains alike, so what is left is the drain's own pace.
/// <c>LOBBYEDGE_DRAIN_EVENTS</c> (default 5,000), <c>LOBBYEDGE_DRAIN_RUNS</c> (runs of each, default 1),
/// <c>LOBBYEDGE_DRAIN_WINDOWS</c> (default <c>1,8,32</c>) and, for profiling one side, <c>LOBBYEDGE_DRAIN_ONLY</c>
/// (<c>ours</c> or <c>bare</c>; no ratio then).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DrainComparison(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Measure")]
    public async Task Drain_SideBySideWithABareMqttNetLoop_OfTheSameMessages()
    {
        long wanted = DrainMeasurement.Setting("LOBBYEDGE_DRAIN_EVENTS", 5_000);
        int runs = (int)DrainMeasurement.Setting("LOBBYEDGE_DRAIN_RUNS", 1);
        using var branch = new TestBranch("drain");
        long total = branch.RunUntil(wanted, ticketsPerDay: 3_000);
        List<LobbyEvent> events = branch.ReadAll();
        Assert.Equal(total, events.Count);
        byte[][] payloads = Payloads(branch, events);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} events, {payloads.Sum(p => (long)p.Length) / (double)total:0} payload bytes on average, {runs} run(s) of each, alternating, a fresh Mosquitto per run"));
        // Warm-up, not timed: one drain of each, so that neither pays for the JIT's first compilations (the shipped
        // binary is compiled ahead of time).
        foreach (bool oursNow in new[] { true, false })
        {
            await using Mosquitto broker = await Mosquitto.StartAsync();
            _ = oursNow ? await OursAsync(branch, broker, 32, total) : await BareAsync(branch, broker, 32, payloads);
        }

        output.WriteLine("| In flight | Ours (events/s, median) | Bare MQTTnet (events/s, median) | Ours / bare | Frozen runs (ours, bare) | Ours / bare, freezes taken out |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|");

        string only = Environment.GetEnvironmentVariable("LOBBYEDGE_DRAIN_ONLY") ?? "";
        foreach (int window in (Environment.GetEnvironmentVariable("LOBBYEDGE_DRAIN_WINDOWS") ?? "1,8,32").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)))
        {
            var ours = new List<double>();
            var bare = new List<double>();
            var oursSteady = new List<double>();
            var bareSteady = new List<double>();
            int oursFrozen = 0;
            int bareFrozen = 0;
            for (int run = 0; run < 2 * runs; run++)
            {
                // ours, bare, bare, ours, ours, bare, …: neither always goes first.
                bool oursNow = only switch { "ours" => true, "bare" => false, _ => (run % 4) is 0 or 3 };
                await using Mosquitto broker = await Mosquitto.StartAsync();
                long workItems = ThreadPool.CompletedWorkItemCount;
                TimeSpan cpu = Environment.CpuUsage.TotalTime;
                long allocated = GC.GetTotalAllocatedBytes(precise: false);
                int collections = GC.CollectionCount(0);
                (TimeSpan took, TimeSpan stood, TimeSpan stoodStill) = oursNow ? await OursAsync(branch, broker, window, total) : await BareAsync(branch, broker, window, payloads);
                bool frozen = stood >= s_freezeThreshold;
                workItems = ThreadPool.CompletedWorkItemCount - workItems;
                cpu = Environment.CpuUsage.TotalTime - cpu;
                allocated = GC.GetTotalAllocatedBytes(precise: false) - allocated;
                collections = GC.CollectionCount(0) - collections;
                (oursNow ? ours : bare).Add(total / took.TotalSeconds);
                (oursNow ? oursSteady : bareSteady).Add(total / (took - stoodStill).TotalSeconds);
                oursFrozen += oursNow && frozen ? 1 : 0;
                bareFrozen += !oursNow && frozen ? 1 : 0;

                // The thread pool's work items and this process's CPU time per event: a drain with one in flight waits
                // on round trips, so each hop between threads (a wake-up) counts more than the CPU.
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  window {window,2} {(oursNow ? "ours" : "bare"),-4}: {took.TotalSeconds:0.000} s, {total / took.TotalSeconds:0} events/s, {workItems / (double)total:0.00} work items and {cpu.TotalMicroseconds / total:0.0} µs CPU, {allocated / (double)total:0} B allocated per event, {collections} gen-0 collections, the watcher's longest look {stood.TotalMilliseconds:0} ms{(frozen ? " (frozen)" : "")}, {stoodStill.TotalMilliseconds:0} ms standing still in all"));
            }

            if (only.Length > 0)
            {
                continue;
            }

            double o = Median(ours);
            double b = Median(bare);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {window} | {o:0} | {b:0} | {o / b:0.00}x | {oursFrozen}, {bareFrozen} | {Median(oursSteady) / Median(bareSteady):0.00}x |"));
        }
    }

    /// <summary>The link drains the whole log from a fresh cursor: from its start to the broker's last PUBACK.</summary>
    private static async Task<(TimeSpan Took, TimeSpan LongestLook, TimeSpan StoodStill)> OursAsync(TestBranch branch, Mosquitto broker, int window, long total)
    {
        File.Delete(Path.Combine(branch.Directory, "cursors", HeadOfficeOptions.CursorName + ".cursor"));
        HeadOfficeOptions options = TestBranch.Options(broker.Endpoint);
        options.MaxInFlight = window;
        await using HeadOfficeLink link = branch.CreateLink(options);
        var watch = Stopwatch.StartNew();
        var watcher = new Watcher(watch);
        await link.StartAsync();
        while (link.AcknowledgedSequence < total)
        {
            // The failure message only when it fails: built at every look (each millisecond), it joined the test
            // logger's every line, a cost the bare loop's watcher did not have, that grew with each run.
            if (watch.Elapsed >= TimeSpan.FromMinutes(10))
            {
                Assert.Fail($"{link.AcknowledgedSequence} of {total} events acknowledged in 10 minutes: {branch.Logger.Text}");
            }

            await watcher.LookAgainAsync();
        }

        TimeSpan took = watch.Elapsed;
        await link.StopAsync();
        Assert.Equal(total, link.Published);
        return (took, watcher.Longest, watcher.StoodStill);
    }

    /// <summary>
    /// The bare loop: connect as the link does, then publish the messages in order with up to
    /// <paramref name="window"/> (capped by the broker's Receive Maximum, as the link caps it) unacknowledged,
    /// awaiting the oldest before the next.
    /// </summary>
    private static async Task<(TimeSpan Took, TimeSpan LongestLook, TimeSpan StoodStill)> BareAsync(TestBranch branch, Mosquitto broker, int window, byte[][] payloads)
    {
        var topics = new HeadOfficeTopics(branch.Config.BranchId);
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(topics.ClientId)
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(86_400)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 64 * 1024;
        long acknowledged = 0;
        var watch = Stopwatch.StartNew();
        var watcher = new Watcher(watch);

        // On the thread pool, watched from here as the link is (so both runs have the same company).
        Task loop = Task.Run(async () =>
        {
            MqttClientConnectResult connected = await client.ConnectAsync(options).ConfigureAwait(false);
            int inFlight = Math.Min(window, connected.ReceiveMaximum is ushort max and > 0 ? max : 65_535);
            var pending = new Queue<Task<MqttClientPublishResult>>(inFlight);
            int next = 0;
            while (next < payloads.Length || pending.Count > 0)
            {
                while (pending.Count < inFlight && next < payloads.Length)
                {
                    pending.Enqueue(client.PublishAsync(new MqttApplicationMessage
                    {
                        Topic = topics.Events,
                        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                        Retain = false,
                        ContentType = CloudEventWriter.ContentType,
                        PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
                        Payload = new ReadOnlySequence<byte>(payloads[next++]),
                    }));
                }

                MqttClientPublishResult result = await pending.Dequeue().ConfigureAwait(false);
                Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, result.ReasonCode.ToString());
                Volatile.Write(ref acknowledged, Volatile.Read(ref acknowledged) + 1);
            }
        });
        while (Volatile.Read(ref acknowledged) < payloads.Length && !loop.IsCompleted)
        {
            await watcher.LookAgainAsync();
        }

        TimeSpan took = watch.Elapsed;
        await loop;
        await client.DisconnectAsync();
        return (took, watcher.Longest, watcher.StoodStill);
    }

    /// <summary>Each event's CloudEvent, the bytes the link publishes (same writer, same branch, same topics).</summary>
    private static byte[][] Payloads(TestBranch branch, List<LobbyEvent> events)
    {
        var topics = new HeadOfficeTopics(branch.Config.BranchId);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        var payloads = new byte[events.Count][];
        for (int i = 0; i < events.Count; i++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            LobbyEvent e = events[i];
            CloudEventWriter.Write(writer, in e, topics, branch.Config);
            writer.Flush();
            payloads[i] = buffer.WrittenSpan.ToArray();
        }

        return payloads;
    }

    /// <summary>A watcher's look that took this long means the test process stood still (see the class summary).</summary>
    private static readonly TimeSpan s_freezeThreshold = TimeSpan.FromMilliseconds(200);

    /// <summary>Waits a millisecond between looks and remembers the longest time from one look to the next.</summary>
    private sealed class Watcher(Stopwatch watch)
    {
        private TimeSpan _last = watch.Elapsed;

        public TimeSpan Longest { get; private set; }

        /// <summary>The looks of 50 ms or more, less 10 ms each: how long the process stood still.</summary>
        public TimeSpan StoodStill { get; private set; }

        public async Task LookAgainAsync()
        {
            await Task.Delay(1);
            TimeSpan now = watch.Elapsed;
            TimeSpan look = now - _last;
            Longest = look > Longest ? look : Longest;
            StoodStill += look >= TimeSpan.FromMilliseconds(50) ? look - TimeSpan.FromMilliseconds(10) : TimeSpan.Zero;
            _last = now;
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
