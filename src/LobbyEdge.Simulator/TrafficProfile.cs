using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// How a simulated lobby day behaves: how many customers come, when, for what, how staff work, whether a lobby
/// manager is on the floor and how customers rate their visit.
/// </summary>
public sealed record TrafficProfile
{
    /// <summary>Expected tickets over the day (the arrival process is random around it).</summary>
    public int TicketsPerDay { get; init; } = 600;

    /// <summary>Relative share of each service's customers, by service index; empty means equal shares.</summary>
    public IReadOnlyList<double> ServiceMix { get; init; } = [];

    /// <summary>Share of VIP customers.</summary>
    public double VipShare { get; init; } = 0.05;

    /// <summary>Share of green-channel (priority) customers.</summary>
    public double PriorityShare { get; init; } = 0.05;

    /// <summary>Share of called customers who do not come (空号).</summary>
    public double NoShowRate { get; init; } = 0.06;

    /// <summary>Share of no-shows who come back and ask to be recovered.</summary>
    public double ReturnRate { get; init; } = 0.35;

    /// <summary>Share of served customers transferred to another service.</summary>
    public double TransferRate { get; init; } = 0.02;

    /// <summary>Share of waiting customers who give up and have their ticket cancelled.</summary>
    public double CancelRate { get; init; } = 0.01;

    /// <summary>
    /// The lobby manager on the floor (大堂经理: answers care alerts, recovers returning no-shows by their number,
    /// recognises VIPs, diverts), or null for none; then returning no-shows are recovered without a staff id, as a
    /// device would. None unless set; <see cref="ForBranch"/> puts one on the floor with the defaults of
    /// <see cref="LobbyManagerProfile"/>.
    /// </summary>
    public LobbyManagerProfile? LobbyManager { get; init; }

    /// <summary>
    /// The counters' rating pads and pages and how customers rate there (a long wait lowers the score, care while
    /// waiting wins part of it back), or null: nobody is asked to rate. None unless set; <see cref="ForBranch"/> sets
    /// <see cref="CustomerRatingProfile.ForBranch"/> (pads and pages on the demo's counters).
    /// </summary>
    public CustomerRatingProfile? Ratings { get; init; }

    /// <summary>
    /// Whether the staff follow the staffing advice (opt-in; off by default). When on, the clerk of a counter that does
    /// not open at day start (<see cref="CounterConfig.OpenAtDayStart"/> false, "staffed only on busy days") stays off
    /// the floor until advised to open it; on every <see cref="EventKind.AdviceIssued"/> event the lobby manager (or,
    /// with none on the floor, the staff, staff id 0) answers it on the console within about a minute
    /// (<see cref="Command.AnswerAdvice"/>, accepted; a close advice for a counter opened on advice less than
    /// <see cref="AdvisedStayAtLeast"/> ago is dismissed), and once advice is accepted (by anyone) the counter's clerk
    /// carries it out after <see cref="AdviceResponse"/> (open: logs the counter in; resume; pause or close after the
    /// current customer). A clerk paused on advice comes back when advised to resume, or after an hour at the latest.
    /// Advice itself comes from an advisor (<see cref="SimulatedDay.Run"/>'s, or the service's); without one nothing
    /// is advised and those counters stay closed all day.
    /// </summary>
    public bool FollowAdvice { get; init; }

    /// <summary>
    /// With <see cref="FollowAdvice"/>: how long after advice is accepted its counter's clerk carries it out, on
    /// average (drawn evenly from half to one and a half times this: finishing a task, walking to the counter).
    /// </summary>
    public TimeSpan AdviceResponse { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// With <see cref="FollowAdvice"/>: a clerk opened on advice stays at least this long (a close advice before then is
    /// dismissed); advice to pause is followed at any time.
    /// </summary>
    public TimeSpan AdvisedStayAtLeast { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Share (0..1) of customers who take their service's self-service alternative (<see cref="ServiceConfig.SelfService"/>)
    /// instead of a ticket when the kiosk shows a predicted typical wait at or above the alternative's threshold
    /// (<see cref="Command.ChooseSelfService"/>: no ticket, the customer leaves the queue's count); 0 (the default):
    /// nobody does. The predicted wait is the one the kiosk showed last for the service (the latest ticket or choice
    /// event's typical wait). Services without an alternative are never diverted.
    /// </summary>
    public double SelfServiceTakeUp { get; init; }

    /// <summary>Mean service time; when null, each service's configured seed is used.</summary>
    public TimeSpan? MeanServiceTime { get; init; }

    /// <summary>
    /// Each service's true mean service time as a multiple of its configured seed (1 = the profile is right; 1.4 =
    /// customers take 40 % longer than the profile's seeds say, as a branch's first guess may be off). Ignored when
    /// <see cref="MeanServiceTime"/> is set. Must be positive.
    /// </summary>
    public double ServiceTimeFactor { get; init; } = 1;

    /// <summary>Busy hours (local time) and how much busier than the base rate they are.</summary>
    public IReadOnlyList<(TimeOnly From, TimeOnly To, double Factor)> Peaks { get; init; } =
    [
        (new TimeOnly(10, 0), new TimeOnly(11, 30), 2.2),
        (new TimeOnly(14, 0), new TimeOnly(15, 30), 1.8),
    ];

    /// <summary>
    /// A day sized to the branch: as many customers as its counters can serve at <paramref name="utilisation"/>
    /// of their time (each customer costs the service's seeded time plus about 45 s of calling and walking).
    /// Peaks still run past capacity for a while, as in a real lobby. A lobby manager with the defaults of
    /// <see cref="LobbyManagerProfile"/> is on the floor, and the counters have the rating stations of
    /// <see cref="CustomerRatingProfile.ForBranch"/> (the <c>--simulate</c> day).
    /// </summary>
    public static TrafficProfile ForBranch(BranchConfig config, double utilisation = 0.65)
    {
        ArgumentNullException.ThrowIfNull(config);
        double minutes = (config.CloseTime - config.OpenTime).TotalMinutes - config.TicketingCutoff.TotalMinutes;
        double perCustomer = 0;
        foreach (ServiceConfig s in config.Services)
        {
            perCustomer += s.SeedServiceTime.TotalMinutes + 0.75;
        }

        perCustomer /= Math.Max(1, config.Services.Count);
        int tickets = (int)(config.Counters.Count * minutes / perCustomer * utilisation);
        return new TrafficProfile
        {
            TicketsPerDay = Math.Max(10, tickets),
            LobbyManager = new LobbyManagerProfile(),
            Ratings = CustomerRatingProfile.ForBranch(config),
        };
    }

    /// <summary>
    /// A day like a busy city branch: 3,000 tickets, short transactions. No lobby manager and no ratings: this is the engine's load
    /// day, replayed command for command against the baseline queue of the tests and benchmarks, which knows only
    /// the counters' and dispensers' commands (set <see cref="LobbyManager"/> and <see cref="Ratings"/> with <c>with</c> to add them).
    /// </summary>
    public static TrafficProfile Busy => new() { TicketsPerDay = 3000, MeanServiceTime = TimeSpan.FromSeconds(60) };

    internal int PickService(BranchConfig config, Random random)
    {
        int n = config.Services.Count;
        if (ServiceMix.Count != n)
        {
            return random.Next(n);
        }

        double total = 0;
        for (int i = 0; i < n; i++)
        {
            total += ServiceMix[i];
        }

        double x = random.NextDouble() * total;
        for (int i = 0; i < n; i++)
        {
            x -= ServiceMix[i];
            if (x <= 0)
            {
                return i;
            }
        }

        return n - 1;
    }

    internal Tier PickTier(Random random)
    {
        double x = random.NextDouble();
        return x < VipShare ? Tier.Vip : x < VipShare + PriorityShare ? Tier.Priority : Tier.Normal;
    }
}
