namespace LobbyEdge.Simulator;

/// <summary>
/// How the simulated lobby manager (大堂经理) works: who she is, how quickly she answers a care alert, how long an act
/// of care takes her, and what else takes her time (greeting at the door, recognising VIPs, diverting customers).
/// One person: she does one thing at a time, so at busy times she falls behind and care coverage drops below 100 %.
/// </summary>
public sealed record LobbyManagerProfile
{
    /// <summary>
    /// The simulated lobby manager's staff id (1001), on the events of what she does. The console's demo sign-in under
    /// <c>--simulate</c> is another person, staff 8001 (a second manager at the tablet), so the two are told apart.
    /// </summary>
    public const int DemoStaffId = 1001;

    /// <summary>Her staff id (1..999999), carried on the events of what she does.</summary>
    public int Staff { get; init; } = DemoStaffId;

    /// <summary>
    /// Acts of care she manages per hour when she does nothing else (the mean act, walking over included, takes
    /// 60 / this minutes); more than 0.
    /// </summary>
    public double CareActionsPerHour { get; init; } = 30;

    /// <summary>
    /// The median time from a care alert to her reaching the customer when she is free (seeing the alert, finishing
    /// a sentence, walking over). Log-normal: half come sooner, a few much later; when she is busy the alert waits.
    /// </summary>
    public TimeSpan ResponseDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How spread out the response delay is (the log-normal's sigma; 0 = always <see cref="ResponseDelay"/>).</summary>
    public double ResponseSpread { get; init; } = 0.6;

    /// <summary>
    /// Share (0..1) of arriving customers she greets at the door (asks their business, helps at the dispenser). What
    /// keeps her from care at busy times: greeting comes first while the customer is at the door.
    /// </summary>
    public double GreetingShare { get; init; } = 0.4;

    /// <summary>How long a greeting takes her, on average.</summary>
    public TimeSpan GreetingTime { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Share (0..1) of customers holding a normal ticket whom she recognises as VIPs and moves to the VIP line.</summary>
    public double VipRecognitionShare { get; init; } = 0.03;

    /// <summary>
    /// When she diverts (分流): the expected wait of a greeted customer's queue (waiting × seeded service time ÷
    /// counters serving it) is at least this much longer than at the quickest service (the one with the shortest
    /// seeded service time, in the demo the self-service help desk) and at least twice as long.
    /// <see cref="TimeSpan.Zero"/> = she never diverts.
    /// </summary>
    public TimeSpan DivertGap { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Which customers she may divert: those of a service whose seeded service time is at most this many times the
    /// quickest service's (short business, e.g. personal cash and non-cash in the demo); longer business (corporate,
    /// wealth) stays where it is.
    /// </summary>
    public double DivertFromAtMost { get; init; } = 3;

    /// <summary>Share (0..1) of customers at a long queue whose business can be done at the quickest service.</summary>
    public double DivertableShare { get; init; } = 0.5;

    /// <summary>
    /// Share (0..1) of returning no-shows she could not recover (past tolerance) who take a new ticket from her; the
    /// others leave.
    /// </summary>
    public double ReissueShare { get; init; } = 0.6;

    /// <summary>Checks the values; returns the first problem, or null.</summary>
    internal string? Problem() =>
        Staff is < 1 or > 999_999 ? "Staff must be 1..999999"
        : !(CareActionsPerHour > 0) ? "CareActionsPerHour must be more than 0"
        : ResponseDelay < TimeSpan.Zero || GreetingTime < TimeSpan.Zero ? "ResponseDelay and GreetingTime must not be negative"
        : !(ResponseSpread >= 0) ? "ResponseSpread must not be negative"
        : DivertGap < TimeSpan.Zero || !(DivertFromAtMost >= 1) ? "DivertGap must not be negative and DivertFromAtMost must be 1 or more"
        : !IsShare(GreetingShare) || !IsShare(VipRecognitionShare) || !IsShare(DivertableShare) || !IsShare(ReissueShare)
            ? "GreetingShare, VipRecognitionShare, DivertableShare and ReissueShare must be shares from 0 to 1"
        : null;

    private static bool IsShare(double x) => x is >= 0 and <= 1;
}
