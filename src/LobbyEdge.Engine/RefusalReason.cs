namespace LobbyEdge.Engine;

/// <summary>Why the engine refused a command. A refused command changes nothing.</summary>
public enum RefusalReason : byte
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>The business day is not open.</summary>
    DayNotOpen,

    /// <summary>The business day is already open.</summary>
    DayAlreadyOpen,

    /// <summary>Ticketing has stopped: the cut-off before close has passed (or, to open the day, close time has).</summary>
    TicketingClosed,

    /// <summary>The service's daily cap of tickets is reached.</summary>
    DailyCapReached,

    /// <summary>Every number in the service's range is held by a live ticket.</summary>
    NumbersExhausted,

    /// <summary>The day's ticket storage is full.</summary>
    CapacityExhausted,

    /// <summary>No such service.</summary>
    UnknownService,

    /// <summary>No such counter.</summary>
    UnknownCounter,

    /// <summary>No such ticket today.</summary>
    UnknownTicket,

    /// <summary>The command kind or an argument is not valid.</summary>
    InvalidCommand,

    /// <summary>The counter is closed, paused or away and cannot call.</summary>
    CounterNotCalling,

    /// <summary>The counter still holds a ticket; finish, transfer or park it first.</summary>
    CounterBusy,

    /// <summary>The counter holds no ticket.</summary>
    NoCurrentTicket,

    /// <summary>Nobody is waiting for the counter's services.</summary>
    NothingWaiting,

    /// <summary>The ticket is not waiting.</summary>
    TicketNotWaiting,

    /// <summary>The ticket is not a no-show, so it cannot be recovered.</summary>
    TicketNotNoShow,

    /// <summary>The ticket has already been recovered the maximum number of times.</summary>
    MaxRecoveriesReached,

    /// <summary>Too many further calls of the service since the no-show.</summary>
    ToleranceCallsExceeded,

    /// <summary>Too many minutes since the no-show.</summary>
    ToleranceMinutesExceeded,

    /// <summary>The counter's current ticket is not in the state this needs (e.g. start a ticket already serving).</summary>
    WrongTicketState,

    /// <summary>The counter has no parked ticket to call back.</summary>
    NoParkedTicket,

    /// <summary>The counter is already in the requested state.</summary>
    AlreadyInState,

    /// <summary>The counter does not serve that service.</summary>
    ServiceNotServedHere,

    /// <summary>A transfer to the ticket's own service.</summary>
    SameService,

    /// <summary>The ticket already has the requested tier.</summary>
    SameTier,

    /// <summary>The ticket has ended (served, cancelled or abandoned), so there is nothing to act on.</summary>
    TicketEnded,

    /// <summary>The ticket already has its one rating; a second press is not counted (the first one stands).</summary>
    AlreadyRated,

    /// <summary>A rating prompt with nothing to rate: the counter finished no ticket within the rating window.</summary>
    NothingToRate,

    /// <summary>A score outside its scale (1..5 on a pad, 0..10 on the Net Promoter scale), or no scale given.</summary>
    ScoreOutOfRange,

    /// <summary>Today's business day was already held and closed: a closed day does not open again (its numbers would be handed out twice).</summary>
    DayAlreadyClosed,

    /// <summary>The business calendar closes the branch on this date (a holiday, a closed day of the week, a special closure).</summary>
    ClosedByCalendar,

    /// <summary>A configuration change that changes nothing (the same content as the one in force, or as the one waiting for the next opening).</summary>
    ConfigurationUnchanged,

    /// <summary>No advice of that id today.</summary>
    UnknownAdvice,

    /// <summary>The advice has already been answered (accepted or dismissed); the first answer stands.</summary>
    AlreadyAnswered,

    /// <summary>
    /// The counter's state does not fit the advice: opening needs a closed counter, resuming a paused or away one,
    /// pausing or closing an open one (standby or serving).
    /// </summary>
    AdviceNotApplicable,

    /// <summary>The service names no self-service alternative (<see cref="ServiceConfig.SelfService"/>).</summary>
    NoSelfService,

    /// <summary>The day's advice list is full (<see cref="QueueEngine.MaxAdvicePerDay"/>).</summary>
    TooMuchAdvice,

    /// <summary>
    /// The advice lapsed: nobody answered it within its horizon (<see cref="AdviceFigures.HorizonMinutes"/> after it
    /// was issued), so the forecast it rests on is over and it can no longer be accepted or dismissed.
    /// </summary>
    AdviceLapsed,

    /// <summary>
    /// The kiosk does not suggest the service's self-service alternative now: the predicted typical wait is under
    /// its threshold (<see cref="SelfServiceAlternative.WaitThreshold"/>), so a choice of it is not counted.
    /// </summary>
    SelfServiceNotSuggested,
}
