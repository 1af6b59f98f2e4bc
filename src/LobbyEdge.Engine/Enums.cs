namespace LobbyEdge.Engine;

/// <summary>A customer's tier. Decides the order of calling, never the number.</summary>
public enum Tier : byte
{
    /// <summary>An ordinary customer.</summary>
    Normal = 0,

    /// <summary>Green channel (绿色通道): elderly, disabled, pregnant.</summary>
    Priority = 1,

    /// <summary>VIP (贵宾).</summary>
    Vip = 2,
}

/// <summary>Where a ticket is in its lifecycle.</summary>
public enum TicketState : byte
{
    /// <summary>No ticket in this slot.</summary>
    None = 0,

    /// <summary>In a queue, waiting to be called.</summary>
    Waiting,

    /// <summary>Called to a counter, customer not yet there.</summary>
    Called,

    /// <summary>The customer is at the counter.</summary>
    Serving,

    /// <summary>Put aside by a counter (customer fetching a document) to be called back.</summary>
    Parked,

    /// <summary>Called but did not come (空号); may still be recovered within tolerance.</summary>
    NoShow,

    /// <summary>Served to the end. Terminal.</summary>
    Completed,

    /// <summary>Cancelled while waiting or parked. Terminal.</summary>
    Cancelled,

    /// <summary>Left without being served: day closed, or a no-show whose tolerance passed. Terminal.</summary>
    Abandoned,
}

/// <summary>The four counter states (臺席四態) plus closed.</summary>
public enum CounterState : byte
{
    /// <summary>Nobody logged in.</summary>
    Closed = 0,

    /// <summary>Open and free to call (待命).</summary>
    Standby,

    /// <summary>Holding a called or served ticket (受理).</summary>
    Serving,

    /// <summary>Training or back-office work (学习).</summary>
    Paused,

    /// <summary>Staff away from the counter (离席).</summary>
    Away,
}

/// <summary>Where a transferred ticket enters its new queue.</summary>
public enum Placement : byte
{
    /// <summary>The service's configured default.</summary>
    Default = 0,

    /// <summary>At the front of its lane.</summary>
    Front,

    /// <summary>At the end of its lane.</summary>
    End,

    /// <summary>Among the waiting tickets by original issue time.</summary>
    ByAge,
}

/// <summary>How a counter picks the next ticket across the services it serves.</summary>
public enum CounterMode : byte
{
    /// <summary>The first listed service with anyone waiting wins.</summary>
    Ordered = 0,

    /// <summary>Across the listed services, the ticket that has waited longest wins.</summary>
    LongestWait,

    /// <summary>Services are interleaved by weight (smooth weighted round robin).</summary>
    Weighted,
}

/// <summary>Why a ticket ended as abandoned.</summary>
public enum AbandonReason : byte
{
    /// <summary>Not applicable.</summary>
    None = 0,

    /// <summary>Still waiting when the day closed.</summary>
    WaitingAtClose,

    /// <summary>Parked and never called back before the day closed.</summary>
    ParkedAtClose,

    /// <summary>Called but never started when the day closed.</summary>
    CalledAtClose,

    /// <summary>A no-show whose recovery tolerance passed (calls or minutes).</summary>
    NoShowExpired,

    /// <summary>A no-show still inside tolerance when the day closed.</summary>
    NoShowAtClose,
}

/// <summary>How a ticket came to be called.</summary>
public enum CallSource : byte
{
    /// <summary>Call next, chosen by the counter's profile.</summary>
    Next = 0,

    /// <summary>A parked ticket called back.</summary>
    CallBack,

    /// <summary>A walk-in ticket created and called at the counter.</summary>
    WalkIn,
}

/// <summary>The status a device reports. The engine records it; devices decide what it means.</summary>
public enum DeviceStatus : byte
{
    /// <summary>Working.</summary>
    Online = 0,

    /// <summary>Not reachable.</summary>
    Offline,

    /// <summary>A printer's paper is near its end.</summary>
    PaperLow,

    /// <summary>A printer has no paper.</summary>
    PaperOut,

    /// <summary>A printer's cover is open.</summary>
    CoverOpen,

    /// <summary>Any other fault.</summary>
    Error,
}

/// <summary>Why a ticket was cancelled: the <c>Reason</c> byte of a <see cref="EventKind.TicketCancelled"/> event.</summary>
public enum CancelReason : byte
{
    /// <summary>Cancelled on request (staff, head office, an API call); no reason given.</summary>
    None = 0,

    /// <summary>
    /// The ticket was issued but its printer did not confirm the print (no status answer after the cut, paper end,
    /// cover open, an error, a write timeout, the port gone): nobody holds the number, so no counter may call it.
    /// </summary>
    PrintFailed = 1,
}

/// <summary>
/// The scale a customer's rating is on: the <see cref="EventKind.TicketRated"/> event's <c>Detail</c>. Numbers are
/// in the log and never change.
/// </summary>
public enum RatingScale : byte
{
    /// <summary>Not a rating.</summary>
    None = 0,

    /// <summary>A rating pad's five keys, 1 (very dissatisfied) .. 5 (very satisfied) (caller68 FUNC 11).</summary>
    Pad5 = 1,

    /// <summary>
    /// "How likely are you to recommend us", 0 .. 10, the Net Promoter scale (promoters 9-10, passives 7-8,
    /// detractors 0-6): the rating page.
    /// </summary>
    Nps11 = 2,
}

/// <summary>
/// Why a customer gave a low score: the reason chips of the rating page, the classic four detractors of a branch
/// visit (being made to wait, to think, to be annoyed, to pay more). The <see cref="EventKind.TicketRated"/>
/// event's <c>Reason</c> flags.
/// </summary>
[Flags]
public enum RatingReasons : byte
{
    /// <summary>No reason given.</summary>
    None = 0,

    /// <summary>Made to wait (等待太久).</summary>
    Waiting = 1,

    /// <summary>Made to think: confusing forms or steps (流程复杂).</summary>
    Confusing = 2,

    /// <summary>Annoyed: unfriendly or careless service (服务态度).</summary>
    Annoying = 4,

    /// <summary>Made to pay more: fees and charges (收费).</summary>
    Cost = 8,

    /// <summary>Every defined reason; other bits are refused as <see cref="RefusalReason.InvalidCommand"/>.</summary>
    All = Waiting | Confusing | Annoying | Cost,
}

/// <summary>
/// What an advice (<see cref="EventKind.AdviceIssued"/>) asks of a counter: the event's <c>Detail</c>. Numbers are in
/// the log and never change.
/// </summary>
public enum AdviceKind : byte
{
    /// <summary>No change (the current staffing).</summary>
    None = 0,

    /// <summary>Open a closed counter (staff logs in).</summary>
    Open = 1,

    /// <summary>Resume a paused or away counter.</summary>
    Resume = 2,

    /// <summary>Pause an open counter (after its current customer): the queue can spare it.</summary>
    Pause = 3,

    /// <summary>Close an open counter: the queue can spare it for the rest of the horizon.</summary>
    Close = 4,
}

/// <summary>How the lobby manager answered an advice: the <see cref="EventKind.AdviceAnswered"/> event's <c>Detail</c>.</summary>
public enum AdviceAnswer : byte
{
    /// <summary>Not answered yet.</summary>
    None = 0,

    /// <summary>Accepted: the manager will make the change.</summary>
    Accepted = 1,

    /// <summary>Dismissed: the manager will not.</summary>
    Dismissed = 2,
}

/// <summary>
/// The numbers of an advice: what it asks and what the queue forecast says it gives over the horizon.
/// </summary>
/// <param name="Kind">The change asked of the counter.</param>
/// <param name="ServiceLevelNowBp">
/// The forecast service level (share of customers called within their service's SLA target) over the horizon under the
/// current staffing, in basis points 0..10000 (8000 = 80 %).
/// </param>
/// <param name="ServiceLevelWithBp">The same with the change made, in basis points 0..10000.</param>
/// <param name="PastCareAvoided">
/// Customers forecast to wait past their care threshold that the change avoids; negative when the change adds some.
/// </param>
/// <param name="HorizonMinutes">The horizon of the forecast, 1..255 minutes (30 by default).</param>
public readonly record struct AdviceFigures(AdviceKind Kind, int ServiceLevelNowBp, int ServiceLevelWithBp, int PastCareAvoided, int HorizonMinutes);
