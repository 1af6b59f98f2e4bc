namespace LobbyEdge.Engine.Tests;

/// <summary>Branch configurations and clocks shared by the engine tests.</summary>
internal static class Branches
{
    public const int Cash = 0;
    public const int NonCash = 1;
    public const int Vip = 2;

    /// <summary>A Monday in Shanghai (no DST), 09:00 local = 01:00 UTC.</summary>
    public static readonly DateOnly Day = TestBranches.Monday;

    public static readonly TimeZoneInfo Shanghai = TestBranches.Shanghai;

    public static DateTimeOffset At(int hour, int minute, int second = 0) => TestBranches.At(hour, minute, second);

    /// <summary>Three services, three counters: 1 cash-only, 2 non-cash then cash, 3 VIP then cash.</summary>
    public static BranchConfig Small(Func<ServiceConfig, ServiceConfig>? tweak = null, bool buttonOnly = false, CounterMode mode = CounterMode.Ordered) => new()
    {
        BranchId = "test-001",
        Name = "Test Branch",
        TimeZone = Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(17, 0),
        TicketingCutoff = TimeSpan.FromMinutes(15),
        MaxTicketsPerDay = 4096,
        Services =
        [
            (tweak ?? (s => s))(new ServiceConfig { Prefix = 'A', Id = "cash", Name = "Cash" }),
            (tweak ?? (s => s))(new ServiceConfig { Prefix = 'B', Id = "noncash", Name = "Non-cash" }),
            (tweak ?? (s => s))(new ServiceConfig { Prefix = 'V', Id = "vip", Name = "VIP" }),
        ],
        Counters =
        [
            new CounterConfig { Number = 1, Services = [new(Cash)], ButtonOnly = buttonOnly, Mode = mode },
            new CounterConfig { Number = 2, Services = [new(NonCash), new(Cash)], Mode = mode },
            new CounterConfig { Number = 3, Services = [new(Vip, 2), new(Cash, 1)], Mode = mode },
        ],
    };

    /// <summary>A busy city branch: 4 services, 12 counters with every calling mode (<see cref="TestBranches.Busy"/>).</summary>
    public static BranchConfig Busy() => TestBranches.Busy();

    /// <summary>An engine with the day opened at 09:00.</summary>
    public static QueueEngine Opened(BranchConfig? config = null)
    {
        var engine = new QueueEngine(config ?? Small());
        CommandResult r = engine.Execute(Command.OpenDay(), At(9, 0));
        Assert.True(r.Accepted, r.Refusal.ToString());
        return engine;
    }
}
