using System.Runtime.InteropServices;

namespace LobbyEdge.Engine;

/// <summary>
/// What happened. The meaning of a <see cref="LobbyEvent"/>'s generic fields (<c>A</c>, <c>B</c>, <c>Count</c>,
/// <c>Detail</c>, <c>Reason</c>) depends on it; read them by name through the kind's view (<see cref="LobbyEvent.AsTicketCalled"/>, …).
/// </summary>
public enum EventKind : byte
{
    /// <summary>Unused slot.</summary>
    None = 0,

    /// <summary>
    /// The business day opened. <c>A</c> = business date as <see cref="DateOnly.DayNumber"/>; <c>B</c> = the
    /// <see cref="BranchConfig.Version"/> the day runs with (0 = unversioned, and in logs written before versions).
    /// </summary>
    DayOpened = 1,

    /// <summary>The business day closed (after every live ticket has ended). <c>A</c> = business date as <see cref="DateOnly.DayNumber"/>.</summary>
    DayClosed = 2,

    /// <summary>
    /// A ticket was issued. <c>Count</c> = people ahead; <c>A</c>/<c>B</c> = predicted wait typical/upper in ms
    /// (-1 when no counter is open for the service); <c>Detail</c> = 1 for a walk-in.
    /// </summary>
    TicketIssued = 3,

    /// <summary>
    /// A ticket was called to <c>Counter</c>. <c>Detail</c> = <see cref="CallSource"/>; <c>A</c> = wait in ms from
    /// entering the queue (valid when <c>Reason</c> bit 1 is set); <c>B</c> = prediction error in ms, actual minus
    /// predicted typical (valid when <c>Reason</c> bit 2 is set).
    /// </summary>
    TicketCalled = 4,

    /// <summary>A called ticket was announced again. <c>Count</c> = how many recalls so far.</summary>
    TicketRecalled = 5,

    /// <summary>The customer is at the counter. <c>Detail</c> = 1 when implied by another action.</summary>
    TicketStarted = 6,

    /// <summary>Served to the end. <c>A</c> = service time in ms.</summary>
    TicketCompleted = 7,

    /// <summary>Empty number (空号): called, never came. <c>Count</c> = recalls made.</summary>
    TicketNoShow = 8,

    /// <summary>A no-show re-entered its lane <c>Count</c> places from the front. <c>B</c> = staff id (0 = not a staff act).</summary>
    TicketRecovered = 9,

    /// <summary>A recovery was refused. <c>Reason</c> = <see cref="RefusalReason"/>; <c>B</c> = staff id (0 = not a staff act). Changes no state.</summary>
    RecoveryRefused = 10,

    /// <summary>
    /// Moved from <c>B</c> (service index) into <c>Service</c>'s queue at <c>Count</c> places from the front of its
    /// lane. <c>Detail</c> = <see cref="Placement"/> used.
    /// </summary>
    TicketTransferred = 11,

    /// <summary>Cancelled while waiting or parked. <c>Reason</c> = <see cref="CancelReason"/> (e.g. the print failed); <c>B</c> = staff id (0 = not a staff act).</summary>
    TicketCancelled = 12,

    /// <summary>
    /// Ended without service. <c>Reason</c> = <see cref="AbandonReason"/>; for an expired no-show, <c>Detail</c> =
    /// the <see cref="RefusalReason"/> of the limit that passed (calls or minutes).
    /// </summary>
    TicketAbandoned = 13,

    /// <summary>Put aside by <c>Counter</c> to be called back.</summary>
    TicketParked = 14,

    /// <summary>A waiting ticket crossed the care threshold. <c>A</c> = ms since issue; <c>Count</c> = alert number.</summary>
    CareNeeded = 15,

    /// <summary>A waiting ticket crossed the SLA target. <c>A</c> = ms since issue.</summary>
    SlaBreached = 16,

    /// <summary>
    /// <c>Counter</c> changed state. <c>Detail</c> = new <see cref="CounterState"/>; <c>Reason</c> = old state;
    /// <c>A</c> = ms spent in the old state.
    /// </summary>
    CounterStateChanged = 17,

    /// <summary>A device reported a status. <c>Count</c> = device index; <c>Detail</c> = <see cref="DeviceStatus"/>.</summary>
    DeviceStatusChanged = 18,

    /// <summary>
    /// The host's wall clock stepped (README, "Clock policy"). <c>A</c> = the step in ms (signed: positive when the
    /// wall clock jumped forward); <c>B</c> = how far the branch clock (this event's time) runs ahead of the wall
    /// clock after the step, in ms (0 or more: the branch clock never runs backwards); <c>Detail</c> = 1 when found
    /// at start (the wall clock reads earlier than the log's last event), 0 while running; <c>Reason</c> = 1 when
    /// the wall clock is synchronised (NTP), 0 when not. Changes no queue state.
    /// </summary>
    ClockStepped = 19,

    /// <summary>
    /// An outside request (a head-office command with an identity, <see cref="Command.Request"/>) was decided; the
    /// last event of its step, so it is durable with the request's effect or not at all. <c>A</c> = the request's
    /// identity (<see cref="RequestKey.Id"/>); <c>B</c> = its fingerprint; <c>Detail</c> = the
    /// <see cref="CommandKind"/>; <c>Reason</c> = the <see cref="RefusalReason"/> (<c>None</c> when carried out);
    /// <c>Count</c> = how many events of the step come before it (the effect, at the sequences just before);
    /// <c>Ticket</c>, <c>Number</c>, <c>NumberService</c>, <c>Service</c>, <c>Tier</c> = the ticket the command
    /// produced, if any. Changes no queue state.
    /// </summary>
    RequestDecided = 20,

    /// <summary>
    /// A staff member cared for a waiting ticket (greeted, served water, explained the wait). <c>A</c> = the care
    /// response in ms, from the oldest unanswered <see cref="CareNeeded"/> alert of the ticket to this event, or -1
    /// when no alert was pending; <c>B</c> = staff id (0 = unknown); <c>Count</c> = the ticket's care number (1 =
    /// first); <c>Detail</c> = 1 when the ticket had already waited past its service's care threshold.
    /// Restarts the ticket's care repeat.
    /// </summary>
    CareGiven = 21,

    /// <summary>
    /// A waiting ticket's tier changed (VIP recognised, green channel). <c>Tier</c> = the new tier; <c>Detail</c> = the
    /// old tier; <c>Count</c> = places from the front of the new lane; <c>B</c> = staff id.
    /// </summary>
    TierChanged = 22,

    /// <summary>
    /// A waiting ticket was diverted (分流) into <c>Service</c>'s queue. <c>A</c> = the service it left;
    /// <c>Count</c> = places from the front of its lane; <c>Detail</c> = <see cref="Placement"/> used; <c>B</c> = staff id.
    /// </summary>
    TicketDiverted = 23,

    /// <summary>A live ticket's slip was printed again. <c>Count</c> = reprints of the ticket so far; <c>B</c> = staff id.</summary>
    TicketReprinted = 24,

    /// <summary>
    /// The customer of <c>Counter</c>'s last finished ticket was asked to rate the visit (the rating pad lights, the
    /// rating page shows). Ticket fields = the finished ticket; <c>A</c> = ms since it was finished; <c>Count</c> =
    /// the prompt number for this ticket (1 = first). Changes no queue state.
    /// </summary>
    RatingRequested = 25,

    /// <summary>
    /// A customer rated the visit at <c>Counter</c>. <c>Count</c> = the score; <c>Detail</c> = the
    /// <see cref="RatingScale"/>; <c>Reason</c> = <see cref="RatingReasons"/> flags. Linked (within the rating window
    /// after the finish): ticket fields = the rated ticket; <c>A</c> = the ticket's wait in ms, from issue to the
    /// call that brought it to the counter that finished it; <c>B</c> = acts of care it received while waiting.
    /// Unlinked (a rating of the counter after the window): <c>Ticket</c> = -1, <c>Service</c> and
    /// <c>NumberService</c> = -1, <c>Number</c> = 0, <c>A</c> = -1, <c>B</c> = 0. Changes no queue state.
    /// </summary>
    TicketRated = 26,

    /// <summary>
    /// The branch configuration changed. <c>A</c> = the new <see cref="BranchConfig.Version"/>; <c>B</c> = its
    /// <see cref="BranchConfig.Hash"/>; <c>Detail</c> = <see cref="ConfigurationChange"/> (live, at the next opening,
    /// took effect); <c>Reason</c> = <see cref="ConfigurationSource"/>. No ticket fields (Ticket -1, Service -1,
    /// NumberService -1). A <c>Live</c> or <c>TookEffect</c> change puts the configuration in force (applying it needs
    /// the configuration itself: <see cref="QueueEngine.ConfigurationResolver"/> at replay).
    /// </summary>
    ConfigurationChanged = 27,

    /// <summary>
    /// Staffing advice for the lobby manager: a change to one counter and what the queue forecast says it gives.
    /// <c>Count</c> = the advice id (1-based within the business day); <c>Detail</c> = <see cref="AdviceKind"/>;
    /// <c>Counter</c> = the counter to change; <c>Service</c> = the service whose forecast the change helps most, or
    /// -1; <c>A</c> = the forecast service level over the horizon without the change, in basis points (0..10000);
    /// <c>B</c> = with the change, in basis points; <c>Number</c> = customers past the care threshold the change
    /// avoids (negative when it adds some, e.g. a pause); <c>Reason</c> = the horizon in minutes. <c>Ticket</c> and
    /// <c>NumberService</c> = -1. Changes no queue state (it adds to the day's advice list).
    /// </summary>
    AdviceIssued = 28,

    /// <summary>
    /// The lobby manager answered an advice. <c>Count</c> = the advice id; <c>Detail</c> = <see cref="AdviceAnswer"/>;
    /// <c>Counter</c> and <c>Service</c> = the advice's; <c>A</c> = ms from the advice to the answer; <c>B</c> = staff
    /// id (0 = unknown). <c>Ticket</c> and <c>NumberService</c> = -1. Changes no queue state.
    /// </summary>
    AdviceAnswered = 29,

    /// <summary>
    /// A customer took <c>Service</c>'s self-service alternative (<see cref="ServiceConfig.SelfService"/>) at the
    /// kiosk instead of a ticket (智能分流). <c>A</c> = the service's predicted typical wait in ms at that moment (-1
    /// when unknown); <c>Count</c> = people waiting for the service then. <c>Ticket</c> and <c>NumberService</c> =
    /// -1. Changes no queue state (it counts the choice).
    /// </summary>
    SelfServiceChosen = 30,
}

/// <summary>
/// One change in the branch. A fixed-size, blittable struct so that emitting, logging and shipping it never
/// allocates. Ticket events carry the ticket's service, number and tier so that a consumer needs no other state.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 8)]
public readonly partial record struct LobbyEvent
{
    /// <summary>Branch-wide sequence number: 1, 2, 3, … gap-free and never reused.</summary>
    public long Sequence { get; init; }

    /// <summary>When it happened, as UTC ticks.</summary>
    public long TimeTicks { get; init; }

    /// <summary>First numeric payload; see <see cref="EventKind"/>. Read it through the kind's view (<c>AsTicketCalled()</c>, …); only the engine and the log's codec read it raw.</summary>
    public long A { get; init; }

    /// <summary>Second numeric payload; see <see cref="EventKind"/>. Read it through the kind's view; only the engine and the log's codec read it raw.</summary>
    public long B { get; init; }

    /// <summary>The ticket's id within the business day (0-based), or -1.</summary>
    public int Ticket { get; init; }

    /// <summary>The ticket's number, e.g. 23 for A023, or 0.</summary>
    public int Number { get; init; }

    /// <summary>A count or position; see <see cref="EventKind"/>. Read it through the kind's view; only the engine and the log's codec read it raw.</summary>
    public int Count { get; init; }

    /// <summary>The service whose queue the ticket is in (index), or -1.</summary>
    public short Service { get; init; }

    /// <summary>The service that issued the ticket's number (its prefix), or -1. Differs from <see cref="Service"/> after a transfer.</summary>
    public short NumberService { get; init; }

    /// <summary>The counter number, or 0.</summary>
    public short Counter { get; init; }

    /// <summary>What happened.</summary>
    public EventKind Kind { get; init; }

    /// <summary>The customer's tier.</summary>
    public Tier Tier { get; init; }

    /// <summary>A small enum payload; see <see cref="EventKind"/>. Read it through the kind's view; only the engine and the log's codec read it raw.</summary>
    public byte Detail { get; init; }

    /// <summary>A reason or flags; see <see cref="EventKind"/>. Read it through the kind's view; only the engine and the log's codec read it raw.</summary>
    public byte Reason { get; init; }

    /// <summary>When it happened.</summary>
    public DateTime TimeUtc => new(TimeTicks, DateTimeKind.Utc);
}
