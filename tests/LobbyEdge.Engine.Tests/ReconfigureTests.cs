namespace LobbyEdge.Engine.Tests;

/// <summary>Configuration changes (API15): what takes effect live, what waits for the next opening, and the event.</summary>
public sealed class ReconfigureTests
{
    /// <summary>The small branch as version <paramref name="version"/>, with its services tweaked.</summary>
    internal static BranchConfig Version(long version, Func<ServiceConfig, ServiceConfig>? tweak = null, CounterMode mode = CounterMode.Ordered) =>
        Branches.Small(tweak, mode: mode).WithVersion(version, 0x1000 + version);

    /// <summary>The small branch with a fourth service (foreign exchange, prefix F) served at counter 1: structural.</summary>
    internal static BranchConfig WithForeignExchange(long version) => new BranchConfig
    {
        BranchId = "test-001",
        Name = "Test Branch",
        TimeZone = Branches.Shanghai,
        MaxTicketsPerDay = 4096,
        Services =
        [
            new ServiceConfig { Prefix = 'A', Id = "cash", Name = "Cash" },
            new ServiceConfig { Prefix = 'B', Id = "noncash", Name = "Non-cash" },
            new ServiceConfig { Prefix = 'V', Id = "vip", Name = "VIP" },
            new ServiceConfig { Prefix = 'F', Id = "fx", Name = "Foreign exchange", FirstNumber = 1, LastNumber = 99 },
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new(Branches.Cash), new(3)] },
            new CounterConfig { Number = 2, Services = [new(Branches.NonCash), new(Branches.Cash)] },
            new CounterConfig { Number = 3, Services = [new(Branches.Vip, 2), new(Branches.Cash, 1)] },
        ],
    }.WithVersion(version, 0x1000 + version);

    [Fact]
    public void Reconfigure_DuringTheDay_LiveChangeIsInForceAtOnceWithOneEvent()
    {
        var lobby = new Lobby(Version(1));
        BranchConfig next = Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, Name = s.Name, CareThreshold = TimeSpan.FromMinutes(8) });

        CommandResult r = lobby.Ok(Command.Reconfigure(next, ConfigurationSource.HeadOffice));

        Assert.Equal(-1, r.Ticket);
        LobbyEvent e = Assert.Single(lobby.Last);
        Assert.Equal((EventKind.ConfigurationChanged, -1, (short)-1, (short)-1, 0), (e.Kind, e.Ticket, e.Service, e.NumberService, e.Number));
        ConfigurationChangedView view = e.AsConfigurationChanged();
        Assert.Equal((2L, 0x1002L, ConfigurationChange.Live, ConfigurationSource.HeadOffice), (view.Version, view.Hash, view.Change, view.Source));
        Assert.Same(next, lobby.Engine.Config);
        Assert.Null(lobby.Engine.PendingConfiguration);
        Assert.True(lobby.Engine.IsDayOpen);
    }

    [Fact]
    public void Reconfigure_TheSameContentAndHash_IsRefusedUnchanged()
    {
        var lobby = new Lobby(Version(1));
        Assert.Equal(RefusalReason.ConfigurationUnchanged, lobby.Refused(Command.Reconfigure(Version(1), ConfigurationSource.HeadOffice)));

        // Same content under another version number (a rollback to what is in force) is unchanged too.
        Assert.Equal(RefusalReason.ConfigurationUnchanged, lobby.Refused(Command.Reconfigure(Version(1).WithVersion(7, 0x1001), ConfigurationSource.Rollback)));

        // Another hash (the profile text changed, e.g. a comment) with the same content is a new version, in force live.
        lobby.Ok(Command.Reconfigure(Version(1).WithVersion(2, 0x2222), ConfigurationSource.Profile));
        Assert.Equal(2, lobby.Engine.Config.Version);
    }

    [Fact]
    public void Reconfigure_InvalidMissingOrOtherBranch_IsRefusedInvalidCommand()
    {
        var lobby = new Lobby(Version(1));
        BranchConfig invalid = Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareThreshold = TimeSpan.Zero });
        BranchConfig other = new BranchConfig { BranchId = "other-002", Services = Version(1).Services, Counters = Version(1).Counters }.WithVersion(2, 2);

        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Reconfigure(invalid, ConfigurationSource.HeadOffice)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Reconfigure(other, ConfigurationSource.HeadOffice)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Reconfigure(null!, ConfigurationSource.HeadOffice)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Reconfigure(Version(2), (ConfigurationSource)9)));
        Assert.Equal(1, lobby.Engine.Config.Version);
    }

    [Fact]
    public void Reconfigure_StructuralWhileNoDayIsOpen_IsLiveAndResizesAtOnce()
    {
        var lobby = new Lobby(Version(1), open: false);
        lobby.Ok(Command.Reconfigure(WithForeignExchange(2), ConfigurationSource.HeadOffice));

        Assert.Equal(ConfigurationChange.Live, lobby.Last[0].AsConfigurationChanged().Change);
        Assert.Equal(4, lobby.Engine.ServiceCount);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(2, lobby.Last[0].AsDayOpened().ConfigurationVersion);
        int fx = lobby.Issue(3);
        Assert.Equal("F001", lobby.Format(fx));
    }

    [Fact]
    public void Reconfigure_StructuralDuringTheDay_WaitsAndTakesEffectBeforeTheNextDayOpens()
    {
        var lobby = new Lobby(Version(1));
        lobby.Issue();
        lobby.Ok(Command.Reconfigure(WithForeignExchange(2), ConfigurationSource.HeadOffice));

        Assert.Equal(ConfigurationChange.AtNextOpening, lobby.Last[0].AsConfigurationChanged().Change);
        Assert.Equal(1, lobby.Engine.Config.Version);
        Assert.Equal(2, lobby.Engine.PendingConfiguration?.Version);
        Assert.Equal(3, lobby.Engine.ServiceCount);
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Issue(3)));

        // The same configuration again is unchanged (it waits already).
        Assert.Equal(RefusalReason.ConfigurationUnchanged, lobby.Refused(Command.Reconfigure(WithForeignExchange(2), ConfigurationSource.HeadOffice)));

        lobby.Ok(Command.CloseDay());
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());

        Assert.Equal(EventKind.ConfigurationChanged, lobby.Last[0].Kind);
        ConfigurationChangedView took = lobby.Last[0].AsConfigurationChanged();
        Assert.Equal((2L, ConfigurationChange.TookEffect, ConfigurationSource.HeadOffice), (took.Version, took.Change, took.Source));
        Assert.Equal(EventKind.DayOpened, lobby.Last[1].Kind);
        Assert.Equal(2, lobby.Last[1].AsDayOpened().ConfigurationVersion);
        Assert.Equal(4, lobby.Engine.ServiceCount);
        Assert.Null(lobby.Engine.PendingConfiguration);
        Assert.Equal("F001", lobby.Format(lobby.Issue(3)));
    }

    [Fact]
    public void Reconfigure_StructuralWaiting_TakesEffectAtTheTickThatOpensTheDay()
    {
        BranchConfig first = Version(1);
        var lobby = new Lobby(first);
        lobby.Ok(Command.Reconfigure(WithForeignExchange(2), ConfigurationSource.HeadOffice));
        lobby.Now = Branches.At(17, 0);
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);

        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Tick();

        Assert.Equal([EventKind.ConfigurationChanged, EventKind.DayOpened], lobby.Last[..2].Select(e => e.Kind));
        Assert.Equal(ConfigurationChange.TookEffect, lobby.Last[0].AsConfigurationChanged().Change);
        Assert.Equal(4, lobby.Engine.ServiceCount);
    }

    [Fact]
    public void Reconfigure_ALaterChange_ReplacesTheWaitingOne()
    {
        var lobby = new Lobby(Version(1));
        lobby.Ok(Command.Reconfigure(WithForeignExchange(2), ConfigurationSource.HeadOffice));

        // A live-only change on the configuration in force (e.g. a rollback of the waiting one) drops it.
        BranchConfig live = Version(3, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, Name = s.Name, DailyCap = 50 });
        lobby.Ok(Command.Reconfigure(live, ConfigurationSource.Rollback));
        Assert.Equal(ConfigurationChange.Live, lobby.Last[0].AsConfigurationChanged().Change);
        Assert.Null(lobby.Engine.PendingConfiguration);
        Assert.Same(live, lobby.Engine.Config);

        // Back to the structural one, then another structural one: the last one waits.
        lobby.Ok(Command.Reconfigure(WithForeignExchange(4), ConfigurationSource.HeadOffice));
        lobby.Ok(Command.Reconfigure(WithForeignExchange(5), ConfigurationSource.HeadOffice));
        Assert.Equal(5, lobby.Engine.PendingConfiguration?.Version);

        lobby.Ok(Command.CloseDay());
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(5, lobby.Last[0].AsConfigurationChanged().Version);
        Assert.Equal(5, lobby.Engine.Config.Version);
    }

    [Fact]
    public void Reconfigure_WithARequestIdentity_EndsWithRequestDecided()
    {
        var lobby = new Lobby(Version(1));
        var request = new RequestKey(77, 99);
        lobby.Ok(Command.Reconfigure(Version(2), ConfigurationSource.HeadOffice) with { Request = request });
        Assert.Equal([EventKind.ConfigurationChanged, EventKind.RequestDecided], lobby.Last.Select(e => e.Kind));
        Assert.Equal((CommandKind.Reconfigure, RefusalReason.None), (lobby.Last[1].AsRequestDecided().Command, lobby.Last[1].AsRequestDecided().Refusal));

        CommandResult refused = lobby.Do(Command.Reconfigure(Version(2), ConfigurationSource.HeadOffice) with { Request = new RequestKey(78, 99) });
        Assert.Equal(RefusalReason.ConfigurationUnchanged, refused.Refusal);
        Assert.Equal(RefusalReason.ConfigurationUnchanged, Assert.Single(lobby.Last).AsRequestDecided().Refusal);
    }

    [Fact]
    public void LoweredCareThreshold_TicketAlreadyPastIt_IsAlertedAtTheNextTick()
    {
        var lobby = new Lobby(Version(1));
        int early = lobby.Issue();
        lobby.Minutes(6);
        int late = lobby.Issue();
        lobby.Minutes(1);
        Assert.Equal(0, lobby.Tick());

        lobby.Ok(Command.Reconfigure(Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareThreshold = TimeSpan.FromMinutes(5) }), ConfigurationSource.HeadOffice));
        lobby.Tick();

        LobbyEvent care = Assert.Single(lobby.LastOf(EventKind.CareNeeded));
        Assert.Equal(early, care.Ticket);

        // The other ticket reaches the new threshold 5 minutes after its issue, not the old 10.
        lobby.Minutes(3);
        Assert.Equal(0, lobby.Tick());
        lobby.Minutes(1);
        lobby.Tick();
        Assert.Equal(late, Assert.Single(lobby.LastOf(EventKind.CareNeeded)).Ticket);
    }

    [Fact]
    public void RaisedSlaTarget_TicketIsNotBreachedAtTheOldTarget()
    {
        var lobby = new Lobby(Version(1));
        int t = lobby.Issue();
        lobby.Minutes(10);
        lobby.Ok(Command.Reconfigure(Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, SlaTarget = TimeSpan.FromMinutes(30) }), ConfigurationSource.HeadOffice));
        lobby.Minutes(10);
        lobby.Tick();
        Assert.Empty(lobby.LastOf(EventKind.SlaBreached));
        Assert.False(lobby.Ticket(t).SlaBreached);
        lobby.Minutes(10);
        lobby.Tick();
        Assert.Equal(t, Assert.Single(lobby.LastOf(EventKind.SlaBreached)).Ticket);
    }

    [Fact]
    public void LoweredToleranceTime_NoShowPastIt_ExpiresAtTheNextTick()
    {
        var lobby = new Lobby(Version(1));
        int t = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        lobby.Minutes(12);
        lobby.Tick();
        Assert.Equal(TicketState.NoShow, lobby.Ticket(t).State);

        lobby.Ok(Command.Reconfigure(Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, ToleranceTime = TimeSpan.FromMinutes(10) }), ConfigurationSource.HeadOffice));
        lobby.Tick();
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(t).State);
    }

    [Fact]
    public void LoweredDailyCap_RefusesTheNextTicket()
    {
        var lobby = new Lobby(Version(1));
        lobby.Issue();
        lobby.Issue();
        lobby.Ok(Command.Reconfigure(Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, DailyCap = 2 }), ConfigurationSource.HeadOffice));
        Assert.Equal(RefusalReason.DailyCapReached, lobby.Refused(Command.Issue(Branches.Cash)));
    }

    [Fact]
    public void RepeatedChanges_DoNotGrowTheTimers()
    {
        var lobby = new Lobby(Version(1));
        for (int i = 0; i < 40; i++)
        {
            lobby.Issue(i % 3);
        }

        int before = lobby.Engine.CreateSnapshot().Length;
        for (int v = 2; v < 400; v++)
        {
            double care = v % 2 == 0 ? 4 : 12;
            lobby.Ok(Command.Reconfigure(Version(v, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, CareThreshold = TimeSpan.FromMinutes(care), SlaTarget = TimeSpan.FromMinutes(care + 1) }), ConfigurationSource.HeadOffice));
        }

        // The snapshot holds the timer heap: as many entries as before (two per waiting ticket).
        Assert.Equal(before, lobby.Engine.CreateSnapshot().Length);
    }

    [Fact]
    public void CounterServicesChanged_WeightedRoundRobinStartsAfresh()
    {
        BranchConfig first = Version(1, mode: CounterMode.Weighted);
        var lobby = new Lobby(first);
        for (int i = 0; i < 6; i++)
        {
            lobby.Issue(Branches.Vip);
            lobby.Issue(Branches.Cash);
        }

        // Counter 3 serves VIP 2 : cash 1. One call: VIP.
        Assert.Equal(Branches.Vip, lobby.Ticket(lobby.Ok(Command.CallNext(3)).Ticket).Service);

        // Now VIP 1 : cash 3: the credits restart from zero (smooth weighted round robin: cash, VIP, cash, cash).
        BranchConfig next = new BranchConfig
        {
            BranchId = first.BranchId,
            Name = first.Name,
            TimeZone = first.TimeZone,
            MaxTicketsPerDay = first.MaxTicketsPerDay,
            Services = first.Services,
            Counters = [first.Counters[0], first.Counters[1], new CounterConfig { Number = 3, Mode = CounterMode.Weighted, Services = [new(Branches.Vip, 1), new(Branches.Cash, 3)] }],
        }.WithVersion(2, 2);
        lobby.Ok(Command.Reconfigure(next, ConfigurationSource.HeadOffice));
        int[] services = [.. Enumerable.Range(0, 4).Select(_ => lobby.Ticket(lobby.Ok(Command.CallNext(3)).Ticket).Service)];
        Assert.Equal([Branches.Cash, Branches.Vip, Branches.Cash, Branches.Cash], services);
    }
}

/// <summary><see cref="BranchConfig.Compare"/>: readable changes with the profile's field names, live or at the next opening.</summary>
public sealed class ConfigurationCompareTests
{
    [Fact]
    public void Compare_OfEqualContent_IsEmpty()
    {
        ConfigurationDiff diff = BranchConfig.Compare(ReconfigureTests.Version(1), ReconfigureTests.Version(2));
        Assert.True(diff.IsEmpty);
        Assert.False(diff.NeedsOpening);
    }

    [Fact]
    public void Compare_Thresholds_AreLiveWithProfileNamesAndUnits()
    {
        BranchConfig next = ReconfigureTests.Version(2, s => new ServiceConfig
        {
            Prefix = s.Prefix,
            Id = s.Id,
            Name = s.Name,
            CareThreshold = TimeSpan.FromMinutes(8),
            ToleranceTime = TimeSpan.FromMinutes(12.5),
            TransferPlacement = Placement.ByAge,
        });
        ConfigurationDiff diff = BranchConfig.Compare(ReconfigureTests.Version(1), next);
        Assert.Empty(diff.AtNextOpening);
        Assert.Contains("services[0].careMinutes: 10 -> 8", diff.Live);
        Assert.Contains("services[2].toleranceMinutes: 20 -> 12.5", diff.Live);
        Assert.Contains("services[1].transferPlacement: front -> by-age", diff.Live);
        Assert.Equal(9, diff.Live.Count);
    }

    [Fact]
    public void Compare_ServicesAddedAndNumberRanges_WaitForTheNextOpening()
    {
        ConfigurationDiff diff = BranchConfig.Compare(ReconfigureTests.Version(1), ReconfigureTests.WithForeignExchange(2));
        Assert.True(diff.NeedsOpening);
        Assert.Equal(["services: [cash, noncash, vip] -> [cash, noncash, vip, fx]"], diff.AtNextOpening);
        Assert.Equal(["counters[0].services: [cash] -> [cash, fx]"], diff.Live);

        BranchConfig numbers = ReconfigureTests.Version(3, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, Name = s.Name, LastNumber = s.Id == "vip" ? 99 : 999 });
        Assert.Equal(["services[2].numbers: 1-999 -> 1-99"], BranchConfig.Compare(ReconfigureTests.Version(1), numbers).AtNextOpening);
    }

    [Fact]
    public void Compare_CalendarAndHours_AreLive()
    {
        BranchConfig current = ReconfigureTests.Version(1);
        var weekly = new DayHours?[7];
        Array.Fill(weekly, new DayHours(new TimeOnly(9, 0), new TimeOnly(17, 0)));
        weekly[(int)DayOfWeek.Sunday] = null;
        var calendar = new BranchCalendar
        {
            Weekly = weekly,
            Dates = [new CalendarDate(new DateOnly(2026, 10, 1), CalendarDayKind.Closed, null, "National Day")],
        };
        BranchConfig next = new BranchConfig
        {
            BranchId = current.BranchId,
            Name = current.Name,
            TimeZone = current.TimeZone,
            MaxTicketsPerDay = current.MaxTicketsPerDay,
            TicketingCutoff = TimeSpan.FromMinutes(20),
            Calendar = calendar,
            Services = current.Services,
            Counters = current.Counters,
        }.WithVersion(2, 2);

        ConfigurationDiff diff = BranchConfig.Compare(current, next);
        Assert.Empty(diff.AtNextOpening);
        Assert.Equal(
            ["branch.ticketingCutoffMinutes: 15 -> 20", "calendar.weekly.sun: 09:00-17:00 -> closed", "calendar.dates[2026-10-01]: none -> closed \"National Day\""],
            diff.Live);
    }

    [Fact]
    public void Compare_TimeZoneCountersAndStorage_WaitForTheNextOpening()
    {
        BranchConfig current = ReconfigureTests.Version(1);
        BranchConfig next = new BranchConfig
        {
            BranchId = current.BranchId,
            Name = current.Name,
            TimeZone = TimeZoneInfo.Utc,
            MaxTicketsPerDay = 2000,
            RecentCallCount = 4,
            Services = current.Services,
            Counters = [current.Counters[0], current.Counters[1]],
        }.WithVersion(2, 2);

        ConfigurationDiff diff = BranchConfig.Compare(current, next);
        Assert.Equal(
            ["branch.timeZone: Asia/Shanghai -> UTC", "branch.maxTicketsPerDay: 4096 -> 2000", "branch.recentCalls: 8 -> 4", "counters: [1, 2, 3] -> [1, 2]"],
            diff.AtNextOpening);
    }
}

/// <summary>Snapshots (format 5) carry the configuration versions; replay asks the resolver for what it does not hold.</summary>
public sealed class ConfigurationSnapshotTests
{
    private static BranchConfig? Resolve(long version) => version switch
    {
        1 => ReconfigureTests.Version(1),
        2 => ReconfigureTests.Version(2, s => new ServiceConfig { Prefix = s.Prefix, Id = s.Id, Name = s.Name, DailyCap = 9 }),
        3 => ReconfigureTests.WithForeignExchange(3),
        _ => null,
    };

    private static Lobby Changed()
    {
        var lobby = new Lobby(Resolve(1));
        lobby.Issue();
        lobby.Ok(Command.Reconfigure(Resolve(2)!, ConfigurationSource.HeadOffice));
        lobby.Ok(Command.Reconfigure(Resolve(3)!, ConfigurationSource.HeadOffice));
        lobby.Issue(Branches.Vip);
        return lobby;
    }

    [Fact]
    public void Snapshot_OfFormat4_IsRefused()
    {
        byte[] snapshot = new Lobby(Resolve(1)).Engine.CreateSnapshot();
        Assert.Equal(9, BitConverter.ToInt32(snapshot, 4));
        snapshot[4] = 4;
        var other = new QueueEngine(Resolve(1)!);
        Assert.False(other.TryRestoreSnapshot(snapshot));
    }

    [Fact]
    public void Snapshot_UnderAnotherVersion_IsResolvedThroughTheResolver()
    {
        Lobby lobby = Changed();
        byte[] snapshot = lobby.Engine.CreateSnapshot();

        var resolved = new QueueEngine(Resolve(1)!) { ConfigurationResolver = Resolve };
        Assert.True(resolved.TryRestoreSnapshot(snapshot));
        Assert.Equal(2, resolved.Config.Version);
        Assert.Equal(3, resolved.PendingConfiguration?.Version);
        Assert.Equal(lobby.Engine.DescribeState(), resolved.DescribeState());
    }

    [Fact]
    public void Snapshot_UnderAVersionTheResolverDoesNotGive_IsRefusedAndChangesNothing()
    {
        byte[] snapshot = Changed().Engine.CreateSnapshot();
        foreach (Func<long, BranchConfig?>? resolver in new Func<long, BranchConfig?>?[] { null, v => v == 3 ? null : Resolve(v), v => v == 2 ? null : Resolve(v) })
        {
            var engine = new QueueEngine(Resolve(1)!) { ConfigurationResolver = resolver };
            string before = engine.DescribeState();
            Assert.False(engine.TryRestoreSnapshot(snapshot));
            Assert.Equal(before, engine.DescribeState());
        }
    }

    [Fact]
    public void Replay_OfAVersionNobodyKnows_KeepsTheConfigurationInForce()
    {
        var engine = new QueueEngine(Resolve(1)!) { ConfigurationResolver = Resolve };
        engine.Apply(new LobbyEvent { Sequence = 1, Kind = EventKind.ConfigurationChanged, A = 42, B = 42, Detail = (byte)ConfigurationChange.Live, Ticket = -1, Service = -1, NumberService = -1 });
        Assert.Equal(1, engine.Config.Version);
        engine.Apply(new LobbyEvent { Sequence = 2, Kind = EventKind.DayOpened, A = Branches.Day.DayNumber, B = 42 });
        Assert.Equal(1, engine.Config.Version);
        Assert.True(engine.IsDayOpen);
    }
}

/// <summary>Replay of a log whose configuration the engine could not resolve fails clearly, not with an index error.</summary>
public sealed class UnresolvedReplayTests
{
    [Fact]
    public void Replay_OfATicketOfAServiceTheConfigurationLacks_ThrowsInvalidOperation()
    {
        var lobby = new Lobby(ReconfigureTests.WithForeignExchange(3));
        lobby.Issue(3);

        var engine = new QueueEngine(ReconfigureTests.Version(1));
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (LobbyEvent e in lobby.Log)
            {
                engine.Apply(in e);
            }
        });
        Assert.Contains("service 3", ex.Message, StringComparison.Ordinal);
    }
}
