using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>The branches, events and simulated days the forecasting tests share.</summary>
internal static class Lobbies
{
    /// <summary>The demo branch (hardware-profiles/branches/demo.yaml): what <c>--simulate</c> plays.</summary>
    public static readonly BranchConfig Demo = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;

    /// <summary>
    /// A small branch in Shanghai, 09:00-17:00: <paramref name="services"/> services (SLA <paramref name="slaMinutes"/> min, care 10 min, seed
    /// <paramref name="serviceMinutes"/> min) and <paramref name="counters"/> counters serving all of them in order;
    /// counters past <paramref name="openAtStart"/> start closed.
    /// </summary>
    public static BranchConfig Small(int services = 1, int counters = 2, int openAtStart = 1, double serviceMinutes = 5, int slaMinutes = 15) => new()
    {
        BranchId = "forecast-001",
        TimeZone = TestBranches.Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(17, 0),
        AutoOpenClose = false,
        Services =
        [
            .. Enumerable.Range(0, services).Select(s => new ServiceConfig
            {
                Prefix = (char)('A' + s),
                Id = $"s{s}",
                SeedServiceTime = TimeSpan.FromMinutes(serviceMinutes),
                SlaTarget = TimeSpan.FromMinutes(slaMinutes),
                CareThreshold = TimeSpan.FromMinutes(10),
            }),
        ],
        Counters =
        [
            .. Enumerable.Range(1, counters).Select(n => new CounterConfig
            {
                Number = n,
                Services = [.. Enumerable.Range(0, services).Select(s => new ServiceWeight(s))],
                OpenAtDayStart = n <= openAtStart,
            }),
        ],
    };

    /// <summary>Local time on a date in Shanghai as a UTC instant.</summary>
    public static DateTimeOffset At(DateOnly date, int hour, int minute, int second = 0) =>
        new(BusinessCalendar.ToUtc(TestBranches.Shanghai, date, new TimeOnly(hour, minute, second)), TimeSpan.Zero);

    public static LobbyEvent DayOpened(DateOnly date, long sequence = 0) =>
        new() { Kind = EventKind.DayOpened, A = date.DayNumber, TimeTicks = At(date, 9, 0).UtcTicks, Sequence = sequence, Ticket = -1, Service = -1, NumberService = -1 };

    public static LobbyEvent Issued(DateTimeOffset at, int service, bool walkIn = false, long sequence = 0) =>
        new() { Kind = EventKind.TicketIssued, TimeTicks = at.UtcTicks, Service = (short)service, NumberService = (short)service, Detail = walkIn ? (byte)1 : (byte)0, Sequence = sequence };

    /// <summary>An engine with the day opened at 09:00 on <paramref name="date"/>.</summary>
    public static QueueEngine Opened(BranchConfig config, DateOnly date)
    {
        var engine = new QueueEngine(config);
        Execute(engine, Command.OpenDay(), At(date, 9, 0));
        return engine;
    }

    public static void Execute(QueueEngine engine, Command command, DateTimeOffset at)
    {
        CommandResult result = engine.Execute(in command, at);
        Assert.True(result.Accepted, $"{command.Kind} refused: {result.Refusal}");
    }

    /// <summary>
    /// Hands <paramref name="observe"/> the events of whole simulated days of <paramref name="profile"/> on the dates given
    /// (each with its own seed), as the service feeds the retained days from its log.
    /// </summary>
    public static void FeedDays(BranchConfig config, TrafficProfile profile, IEnumerable<DateOnly> dates, int seed, Action<LobbyEvent[]> observe)
    {
        int i = 0;
        foreach (DateOnly date in dates)
        {
            var engine = new QueueEngine(config);
            var traffic = new LobbyTraffic(config, profile, date, seed + (1000 * ++i));
            SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(10), events => observe(events.ToArray()));
        }
    }
}
