using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

/// <summary>Configuration changes in the log (event 27): inspect, check, and recovery through the resolver.</summary>
public sealed class ConfigurationEventsTests
{
    private static BranchConfig V1() => Days.Config().WithVersion(1, 0x1111222233334444);

    /// <summary>Version 1 with a care threshold of 4 minutes (live).</summary>
    private static BranchConfig V2()
    {
        BranchConfig c = Days.Config();
        return new BranchConfig
        {
            BranchId = c.BranchId,
            TimeZone = c.TimeZone,
            Services = [.. c.Services.Select(s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, SeedServiceTime = s.SeedServiceTime, CareThreshold = TimeSpan.FromMinutes(4) })],
            Counters = c.Counters,
        }.WithVersion(2, unchecked((long)0x9f3c0a1b2c3d4e5fUL));
    }

    /// <summary>Version 2 with a third service (structural).</summary>
    private static BranchConfig V3()
    {
        BranchConfig c = V2();
        return new BranchConfig
        {
            BranchId = c.BranchId,
            TimeZone = c.TimeZone,
            Services = [.. c.Services, new ServiceConfig { Prefix = 'F', Id = "fx", LastNumber = 99 }],
            Counters = [.. c.Counters.Take(2), new CounterConfig { Number = 3, Services = [new(2), new(0)] }],
        }.WithVersion(3, 0x3333);
    }

    private static BranchConfig? Resolve(long version) => version switch { 1 => V1(), 2 => V2(), 3 => V3(), _ => null };

    private static DateTimeOffset At(int day, int hour, int minute) =>
        new(BusinessCalendar.ToUtc(Days.Shanghai, Days.Monday.AddDays(day), new TimeOnly(hour, minute)), TimeSpan.Zero);

    /// <summary>Two days: a live change and a structural one on day 1, which takes effect when day 2 opens.</summary>
    private static QueueEngine WriteTwoDays(BranchLog log, Action<QueueEngine>? midDay2 = null)
    {
        var engine = new QueueEngine(V1());
        void Do(Command c, DateTimeOffset at)
        {
            CommandResult r = engine.Execute(c, at);
            Assert.True(r.Accepted, $"{c.Kind}: {r.Refusal}");
            log.Append(engine.LastEvents);
            log.Commit();
        }

        Do(Command.OpenDay(), At(0, 9, 0));
        Do(Command.Issue(0), At(0, 9, 1));
        Do(Command.Reconfigure(V2(), ConfigurationSource.HeadOffice), At(0, 9, 2));
        Do(Command.Issue(1), At(0, 9, 3));
        Do(Command.Reconfigure(V3(), ConfigurationSource.HeadOffice), At(0, 9, 4));
        Do(Command.CallNext(1), At(0, 9, 5));
        Do(Command.CloseDay(), At(0, 17, 0));
        Do(Command.OpenDay(), At(1, 9, 0));
        Do(Command.Issue(2), At(1, 9, 1));
        midDay2?.Invoke(engine);
        Do(Command.Issue(0), At(1, 9, 2));
        return engine;
    }

    [Fact]
    public void Inspect_ShowsConfigurationChangesAndTheVersionEachDayRunsWith()
    {
        using var dir = new TempDir();
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            WriteTwoDays(log);
        }

        Assert.True(LogCheck.Run(dir.Path).IsIntact);
        using var output = new MemoryStream();
        LogInspector.Write(dir.Path, output, config: V3());
        JsonElement[] events = [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];

        JsonElement[] changes = [.. events.Where(e => e.GetProperty("type").GetString() == "lobby.config.changed")];
        Assert.Equal(3, changes.Length);
        Assert.Equal(2, changes[0].GetProperty("version").GetInt64());
        Assert.Equal("9f3c0a1b2c3d4e5f", changes[0].GetProperty("hash").GetString());
        Assert.Equal(("live", "head_office"), (changes[0].GetProperty("change").GetString(), changes[0].GetProperty("source").GetString()));
        Assert.Equal(("next_opening", 3L), (changes[1].GetProperty("change").GetString(), changes[1].GetProperty("version").GetInt64()));
        Assert.Equal("0000000000003333", changes[1].GetProperty("hash").GetString());
        Assert.Equal("took_effect", changes[2].GetProperty("change").GetString());
        Assert.False(changes[0].TryGetProperty("ticket", out _));
        Assert.False(changes[0].TryGetProperty("service", out _));

        JsonElement[] days = [.. events.Where(e => e.GetProperty("type").GetString() == "lobby.day.opened")];
        Assert.Equal([1L, 3L], days.Select(d => d.GetProperty("configurationVersion").GetInt64()));
        int took = Array.IndexOf(events, changes[2]);
        Assert.Equal("lobby.day.opened", events[took + 1].GetProperty("type").GetString());
    }

    [Fact]
    public void Restore_WithTheResolver_ReplaysEachStretchWithItsConfiguration()
    {
        using var dir = new TempDir();
        QueueEngine live;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = WriteTwoDays(log);
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);

        // The host creates the engine with the configuration the log ran with before this start, or an older one.
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(V1()) { ConfigurationResolver = Resolve }, reopened);
        Assert.Equal(0, report.SnapshotSequence);
        Assert.Equal(3, restored.Config.Version);
        Assert.Equal(live.DescribeState(), restored.DescribeState());

        // From the first event: day 1 under versions 1 then 2 (live), then 3 waiting, in force at day 2.
        var full = new QueueEngine(V1()) { ConfigurationResolver = Resolve };
        using LogReader reader = reopened.ReadFrom(1);
        while (reader.TryRead(out LobbyEvent e))
        {
            full.Apply(in e);
        }

        Assert.Equal(live.DescribeState(), full.DescribeState());
    }

    [Fact]
    public void Restore_ASnapshotTakenUnderAnotherVersion_IsResolvedOrRefused()
    {
        using var dir = new TempDir();
        QueueEngine live;
        long snapshotAt = 0;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            live = WriteTwoDays(log, engine =>
            {
                snapshotAt = engine.LastSequence;
                log.Snapshots.Save(snapshotAt, engine.CreateSnapshot());
            });
        }

        using BranchLog reopened = BranchLog.Open(dir.Path);
        (QueueEngine restored, RecoveryReport report) = EngineRecovery.Restore(() => new QueueEngine(V1()) { ConfigurationResolver = Resolve }, reopened);
        Assert.Equal(snapshotAt, report.SnapshotSequence);
        Assert.Equal(live.DescribeState(), restored.DescribeState());

        // A resolver that does not know version 3: the snapshot is refused (the day is replayed, and needs it too).
        var blind = new QueueEngine(V1()) { ConfigurationResolver = v => v == 3 ? null : Resolve(v) };
        Assert.False(blind.TryRestoreSnapshot(reopened.Snapshots.NewestFirst().First().Item2));
        Assert.Equal(0, blind.LastSequence);
    }

    [Fact]
    public void NewRefusals_HaveTheirSnakeCaseWireNames()
    {
        var weekly = new DayHours?[7];
        weekly[(int)DayOfWeek.Monday] = new DayHours(new TimeOnly(9, 0), new TimeOnly(17, 0));
        BranchConfig c = V1();
        BranchConfig config = new BranchConfig
        {
            BranchId = c.BranchId,
            TimeZone = c.TimeZone,
            Calendar = new BranchCalendar { Weekly = weekly },
            Services = c.Services,
            Counters = c.Counters,
        }.WithVersion(1, 1);
        var engine = new QueueEngine(config);
        long id = 0;
        string Outcome(Command command, DateTimeOffset at)
        {
            engine.Execute(command with { Request = new RequestKey(++id, id) }, at);
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                EventJson.Write(w, engine.LastEvents[^1], config);
            }

            return JsonDocument.Parse(stream.ToArray()).RootElement.GetProperty("outcome").GetString()!;
        }

        Assert.Equal("accepted", Outcome(Command.OpenDay(), At(0, 9, 0)));
        Assert.Equal("configuration_unchanged", Outcome(Command.Reconfigure(config, ConfigurationSource.HeadOffice), At(0, 9, 1)));
        Assert.Equal("accepted", Outcome(Command.CloseDay(), At(0, 10, 0)));
        Assert.Equal("day_already_closed", Outcome(Command.OpenDay(), At(0, 10, 1)));
        Assert.Equal("closed_by_calendar", Outcome(Command.OpenDay(), At(1, 9, 0)));
    }
}
