using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CsCheck;
using Xunit.Abstractions;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>
/// Random days with random configuration changes (live and structural, during the day and between days, pushed
/// again and rolled back) through the calendar: the fold of the log (replay from the first event, from the day's
/// opening, and a snapshot taken anywhere followed by the rest of the log) gives exactly the live state, the
/// configuration in force and the one waiting included. The replaying engine starts from version 1 or from any other
/// version and gets every other configuration from <see cref="QueueEngine.ConfigurationResolver"/>.
/// </summary>
public sealed class ReconfigurationProperties(ITestOutputHelper output)
{
    private const int Iterations = 150;

    private static readonly Gen<(byte Op, int A, int B, int Minutes)> s_step =
        Gen.Select(Gen.Byte[0, 13], Gen.Int[0, 999], Gen.Int[0, 999], Gen.Frequency((6, Gen.Int[0, 3]), (2, Gen.Int[3, 30]), (1, Gen.Int[30, 600])));

    /// <summary>Versions 1..6; 0 is a version no resolver knows.</summary>
    private static readonly BranchConfig[] s_versions = [.. Enumerable.Range(1, 6).Select(v => Config(v))];

    private static BranchConfig? Resolve(long version) => version is >= 1 and <= 6 ? s_versions[version - 1] : null;

    /// <summary>
    /// 1: the small branch. 2: tighter care, SLA, tolerance and a daily cap (live). 3: a foreign-exchange service
    /// (structural). 4: 2 with weighted counters and a calendar that closes Sundays and gives Saturdays short hours
    /// (live). 5: 3 with a shorter cash range and fewer tickets a day (structural). 6: 1 in another zone (structural).
    /// </summary>
    private static BranchConfig Config(int version)
    {
        bool tight = version is 2 or 4 or 5;
        bool fx = version is 3 or 5;
        CounterMode mode = version == 4 ? CounterMode.Weighted : CounterMode.Ordered;
        ServiceConfig Service(char prefix, string id, int last) => new()
        {
            Prefix = prefix,
            Id = id,
            LastNumber = last,
            CareThreshold = TimeSpan.FromMinutes(tight ? 3 : 10),
            CareRepeat = TimeSpan.FromMinutes(tight ? 2 : 10),
            SlaTarget = TimeSpan.FromMinutes(tight ? 5 : 15),
            ToleranceTime = TimeSpan.FromMinutes(tight ? 4 : 20),
            ToleranceCalls = tight ? 1 : 5,
            DailyCap = tight ? 40 : 0,
        };

        List<ServiceConfig> services = [Service('A', "cash", version == 5 ? 30 : 999), Service('B', "noncash", 999), Service('V', "vip", 999)];
        if (fx)
        {
            services.Add(Service('F', "fx", 99));
        }

        DayHours?[] weekly = [.. Enumerable.Repeat<DayHours?>(new DayHours(new TimeOnly(9, 0), new TimeOnly(17, 0)), 7)];
        weekly[(int)DayOfWeek.Sunday] = null;
        weekly[(int)DayOfWeek.Saturday] = new DayHours(new TimeOnly(10, 0), new TimeOnly(13, 0));
        return new BranchConfig
        {
            BranchId = "prop-001",
            TimeZone = version == 6 ? TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo") : Branches.Shanghai,
            MaxTicketsPerDay = version == 5 ? 300 : 2000,
            Calendar = version == 4 ? new BranchCalendar { Weekly = weekly } : null,
            Services = services,
            Counters =
            [
                new CounterConfig { Number = 1, Mode = mode, Services = fx ? [new(0), new(3)] : [new(0)] },
                new CounterConfig { Number = 2, Mode = mode, Services = [new(1), new(0, 2)] },
                new CounterConfig { Number = 3, Mode = mode, Services = [new(2, 3), new(0)] },
            ],
        }.WithVersion(version, (version * 0x1_0000_0001L) + 7);
    }

    [Fact]
    public void RandomDaysAndReconfigurations_ReplayAndSnapshotPlusReplayGiveTheLiveState()
    {
        var tally = new ConcurrentDictionary<string, int>();
        Gen.Select(s_step.Array[1, 300], Gen.Int[0, 5], Gen.Int[0, 999]).Sample(
            run => Check(run.Item1, s_versions[run.Item2], run.Item3, tally),
            writeLine: output.WriteLine,
            iter: Iterations);
        foreach ((string what, int count) in tally.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,8} {what}");
        }

        // The sample reached every way a configuration takes effect, and snapshots under other versions.
        foreach (string reached in new[] { "change Live", "change AtNextOpening", "change TookEffect", "refused ConfigurationUnchanged", "snapshot under another version" })
        {
            Assert.True(tally.ContainsKey(reached), $"never reached: {reached}");
        }
    }

    private static void Check((byte Op, int A, int B, int Minutes)[] steps, BranchConfig replayStart, int snapshotPick, ConcurrentDictionary<string, int> tally)
    {
        var live = new QueueEngine(s_versions[0]);
        var log = new List<LobbyEvent>();
        var snapshots = new List<(int Events, byte[] State)>();
        var trace = new StringBuilder();
        DateTimeOffset now = Branches.At(8, 50);

        void Record(string what)
        {
            trace.Append(CultureInfo.InvariantCulture, $"{now:MM-dd HH:mm} {what}\n");
            log.AddRange(live.LastEvents.ToArray());
        }

        foreach ((byte op, int a, int b, int minutes) in steps)
        {
            now += TimeSpan.FromMinutes(minutes);
            int counter = 1 + (a % 3);
            int ticket = live.TicketCount == 0 ? 0 : b % live.TicketCount;
            Command? command = op switch
            {
                0 or 1 or 2 => Command.Issue(b % live.ServiceCount, (Tier)(a % 3)),
                3 or 4 => Command.CallNext(counter),
                5 => Command.Finish(counter),
                6 => Command.NoShow(counter),
                7 => Command.RecoverLastAt(counter),
                8 => Command.GiveCare(ticket, 1 + (a % 5)),
                9 or 10 => Command.Reconfigure(s_versions[b % s_versions.Length], (ConfigurationSource)(a % 3)),
                11 => live.IsDayOpen ? Command.CloseDay() : Command.OpenDay(),
                _ => null,
            };
            if (op == 12)
            {
                snapshots.Add((log.Count, live.CreateSnapshot()));
                trace.Append("snapshot\n");
                continue;
            }

            if (command is Command c)
            {
                CommandResult r = live.Execute(c, now);
                if (c.Kind == CommandKind.Reconfigure && !r.Accepted)
                {
                    tally.AddOrUpdate($"refused {r.Refusal}", 1, (_, n) => n + 1);
                }

                Record($"{c.Kind} {(c.Kind == CommandKind.Reconfigure ? c.Configuration!.Version : c.Counter)} -> {r.Refusal}");
            }
            else
            {
                live.Tick(now);
                Record("Tick");
            }
        }

        foreach (LobbyEvent e in log.Where(e => e.Kind == EventKind.ConfigurationChanged))
        {
            tally.AddOrUpdate($"change {e.AsConfigurationChanged().Change}", 1, (_, n) => n + 1);
        }

        string expected = live.DescribeState();
        string Where(string how) => $"{how} differs from the live state\n{trace}";

        // The fold of the whole log, starting from any version (a log begins with a day's opening or a configuration
        // change, which names its version; an empty log has nothing to fold).
        if (log.Count == 0)
        {
            return;
        }

        var replay = new QueueEngine(replayStart) { ConfigurationResolver = Resolve };
        foreach (LobbyEvent e in log)
        {
            replay.Apply(in e);
        }

        Assert.True(expected == replay.DescribeState(), Where($"replay from the first event (engine created with version {replayStart.Version})"));

        // From the current (or last) day's opening, as start-up does without a snapshot.
        int dayStart = log.FindLastIndex(e => e.Kind == EventKind.DayOpened);
        if (dayStart >= 0)
        {
            var fromDay = new QueueEngine(replayStart) { ConfigurationResolver = Resolve };
            for (int i = dayStart; i < log.Count; i++)
            {
                fromDay.Apply(log[i]);
            }

            Assert.True(expected == fromDay.DescribeState(), Where("replay from the day's opening"));
        }

        // A snapshot anywhere, restored by an engine of any version, then the rest of the log.
        if (snapshots.Count > 0)
        {
            (int at, byte[] state) = snapshots[snapshotPick % snapshots.Count];
            var restored = new QueueEngine(replayStart) { ConfigurationResolver = Resolve };
            if (BitConverter.ToInt64(state, 8) != replayStart.Version)
            {
                tally.AddOrUpdate("snapshot under another version", 1, (_, n) => n + 1);
            }

            Assert.True(restored.TryRestoreSnapshot(state), $"snapshot after {at} events refused\n{trace}");
            for (int i = at; i < log.Count; i++)
            {
                restored.Apply(log[i]);
            }

            Assert.True(expected == restored.DescribeState(), Where($"snapshot after {at} events plus replay"));
        }
    }
}
