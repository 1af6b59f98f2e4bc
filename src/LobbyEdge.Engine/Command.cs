namespace LobbyEdge.Engine;

/// <summary>What a device, a page, head office or the simulator asks the engine to do.</summary>
public enum CommandKind : byte
{
    /// <summary>Not a command.</summary>
    None = 0,

    /// <summary>Open the business day.</summary>
    OpenDay,

    /// <summary>Close the business day; live tickets end.</summary>
    CloseDay,

    /// <summary>Issue a ticket for <see cref="Command.Service"/> and <see cref="Command.Tier"/>.</summary>
    Issue,

    /// <summary>Call the next ticket at <see cref="Command.Counter"/>, ending its current one first.</summary>
    CallNext,

    /// <summary>Announce the counter's called ticket again; past MaxRecalls it becomes a no-show.</summary>
    Recall,

    /// <summary>The customer of the counter's called ticket has arrived.</summary>
    Start,

    /// <summary>Finish the counter's ticket.</summary>
    Finish,

    /// <summary>The counter's called ticket did not come (空号).</summary>
    NoShow,

    /// <summary>Put a no-show back into its queue (by ticket, by service and number, or the counter's last no-show).</summary>
    Recover,

    /// <summary>Move the counter's ticket to <see cref="Command.Service"/>'s queue with <see cref="Command.Placement"/>.</summary>
    Transfer,

    /// <summary>Create a ticket for a customer with none and serve it at the counter at once.</summary>
    WalkIn,

    /// <summary>Cancel a waiting or parked ticket.</summary>
    Cancel,

    /// <summary>Put the counter's ticket aside to call it back later.</summary>
    Park,

    /// <summary>Call a parked ticket back to the counter.</summary>
    CallBack,

    /// <summary>Staff logs in at the counter.</summary>
    OpenCounter,

    /// <summary>Staff logs out of the counter.</summary>
    CloseCounter,

    /// <summary>Counter goes to training / back office (学习).</summary>
    Pause,

    /// <summary>Staff leaves the counter (离席).</summary>
    Away,

    /// <summary>Counter returns to standby from pause or away.</summary>
    Resume,

    /// <summary>A device reports its status; recorded as an event.</summary>
    ReportDevice,

    /// <summary>
    /// Records a request carried out outside the queue (a head-office notice on the signage): changes nothing and
    /// emits only the <see cref="EventKind.RequestDecided"/> of <see cref="Command.Request"/>, which it needs.
    /// </summary>
    Note,

    /// <summary>
    /// Record an act of care for a waiting ticket (<see cref="Command.Ticket"/>) by <see cref="Command.Staff"/>;
    /// restarts its care repeat.
    /// </summary>
    GiveCare,

    /// <summary>Change a waiting ticket's tier (VIP recognised, green channel, back to normal) to <see cref="Command.Tier"/>.</summary>
    ChangeTier,

    /// <summary>Move a waiting ticket to <see cref="Command.Service"/>'s queue (分流) with <see cref="Command.Placement"/>.</summary>
    Divert,

    /// <summary>Record that a live ticket's slip is printed again; the printer layer prints it on the event.</summary>
    Reprint,

    /// <summary>
    /// Prompt the customer of <see cref="Command.Counter"/>'s last finished ticket to rate the visit (the keypad's
    /// finish-and-rate, or the host on finish): emits <see cref="EventKind.RatingRequested"/>, on which the rating pad
    /// or page asks. Refused when the counter finished nothing within <see cref="BranchConfig.RatingWindow"/>.
    /// </summary>
    RequestRating,

    /// <summary>
    /// A customer's rating at <see cref="Command.Counter"/>: <see cref="Command.Score"/> on <see cref="Command.Scale"/>
    /// with <see cref="Command.Reasons"/>. Without a ticket (the pad, <see cref="Command.Ticket"/> -1): linked to the
    /// ticket the counter finished last within <see cref="BranchConfig.RatingWindow"/> after its finish; after the
    /// window, an unlinked rating of the counter. With <see cref="Command.Ticket"/> (the page): linked to that ticket,
    /// which the counter must have completed today, whatever the time since its finish; never unlinked. One rating
    /// per ticket: a second one is refused as <see cref="RefusalReason.AlreadyRated"/>.
    /// </summary>
    Rate,

    /// <summary>
    /// Put <see cref="Command.Configuration"/> in force: live when it can change during an open day (or no day is
    /// open), else at the next opening (<see cref="ConfigurationChange"/>). Emits
    /// <see cref="EventKind.ConfigurationChanged"/>. The host validates, versions and stores it first.
    /// </summary>
    Reconfigure,

    /// <summary>
    /// Record staffing advice for the lobby manager: <see cref="Command.Advice"/> for <see cref="Command.Counter"/>,
    /// helping <see cref="Command.Service"/> most (-1 none). Emits <see cref="EventKind.AdviceIssued"/> with the next
    /// advice id of the day. Refused as <see cref="RefusalReason.AdviceNotApplicable"/> when the counter's state does
    /// not fit the kind, <see cref="RefusalReason.TooMuchAdvice"/> past <see cref="QueueEngine.MaxAdvicePerDay"/>.
    /// </summary>
    Advise,

    /// <summary>
    /// The lobby manager's answer (<see cref="Command.AdviceAnswer"/>) to advice <see cref="Command.AdviceId"/>, by
    /// <see cref="Command.Staff"/>. Emits <see cref="EventKind.AdviceAnswered"/>; one answer per advice.
    /// </summary>
    AnswerAdvice,

    /// <summary>
    /// A customer took <see cref="Command.Service"/>'s self-service alternative at the kiosk instead of a ticket.
    /// Emits <see cref="EventKind.SelfServiceChosen"/>; refused as <see cref="RefusalReason.NoSelfService"/> for a
    /// service that names none.
    /// </summary>
    ChooseSelfService,
}

/// <summary>
/// A command to the engine. A small struct that passes through the command channel without boxing; use the
/// static factories.
/// </summary>
public readonly record struct Command
{
    /// <summary>What to do.</summary>
    public CommandKind Kind { get; init; }

    /// <summary>Counter number (1..999), or 0.</summary>
    public int Counter { get; init; }

    /// <summary>Service index, or -1.</summary>
    public int Service { get; init; }

    /// <summary>Tier for issue and walk-in.</summary>
    public Tier Tier { get; init; }

    /// <summary>Ticket id of the day, or -1.</summary>
    public int Ticket { get; init; }

    /// <summary>Ticket number within <see cref="NumberService"/>, used when <see cref="Ticket"/> is -1; 0 when unused.</summary>
    public int Number { get; init; }

    /// <summary>The service whose prefix <see cref="Number"/> carries, or -1.</summary>
    public int NumberService { get; init; }

    /// <summary>Placement for transfer.</summary>
    public Placement Placement { get; init; }

    /// <summary>Device index for <see cref="CommandKind.ReportDevice"/>.</summary>
    public int Device { get; init; }

    /// <summary>Status for <see cref="CommandKind.ReportDevice"/>.</summary>
    public DeviceStatus DeviceStatus { get; init; }

    /// <summary>Why, for <see cref="CommandKind.Cancel"/>; carried in the <see cref="EventKind.TicketCancelled"/> event's <c>Reason</c>.</summary>
    public CancelReason CancelReason { get; init; }

    /// <summary>
    /// The identity of the outside request this command carries out (head office), or <see cref="RequestKey.None"/>.
    /// With an identity, the step ends with one <see cref="EventKind.RequestDecided"/> event recording it and the
    /// outcome, accepted or refused, in the same group commit as the command's effect.
    /// </summary>
    public RequestKey Request { get; init; }

    /// <summary>
    /// The staff member who asked (staff id, 1..999999), or 0 when the command is not a staff act (a device, the
    /// kiosk, head office). Carried in the <c>Staff</c> of the events it produces.
    /// </summary>
    public int Staff { get; init; }

    /// <summary>A customer's score for <see cref="CommandKind.Rate"/>: 1..5 on <see cref="RatingScale.Pad5"/>, 0..10 on <see cref="RatingScale.Nps11"/>.</summary>
    public int Score { get; init; }

    /// <summary>The scale of <see cref="Score"/> for <see cref="CommandKind.Rate"/>.</summary>
    public RatingScale Scale { get; init; }

    /// <summary>The reason chips a customer chose with a low score, for <see cref="CommandKind.Rate"/>.</summary>
    public RatingReasons Reasons { get; init; }

    /// <summary>The new configuration for <see cref="CommandKind.Reconfigure"/>, or null.</summary>
    public BranchConfig? Configuration { get; init; }

    /// <summary>Why the configuration changes, for <see cref="CommandKind.Reconfigure"/>.</summary>
    public ConfigurationSource ConfigurationSource { get; init; }

    /// <summary>The advice's kind and forecast figures, for <see cref="CommandKind.Advise"/>.</summary>
    public AdviceFigures Advice { get; init; }

    /// <summary>The advice of the day (1-based id) that <see cref="CommandKind.AnswerAdvice"/> answers, or 0.</summary>
    public int AdviceId { get; init; }

    /// <summary>The answer for <see cref="CommandKind.AnswerAdvice"/>.</summary>
    public AdviceAnswer AdviceAnswer { get; init; }

    private static Command Of(CommandKind kind) => new() { Kind = kind, Service = -1, Ticket = -1, NumberService = -1 };

    /// <summary>Open the business day.</summary>
    public static Command OpenDay() => Of(CommandKind.OpenDay);

    /// <summary>Close the business day.</summary>
    public static Command CloseDay() => Of(CommandKind.CloseDay);

    /// <summary>Issue a ticket.</summary>
    public static Command Issue(int service, Tier tier = Tier.Normal) => Of(CommandKind.Issue) with { Service = service, Tier = tier };

    /// <summary>Call next at a counter.</summary>
    public static Command CallNext(int counter) => Of(CommandKind.CallNext) with { Counter = counter };

    /// <summary>Recall at a counter.</summary>
    public static Command Recall(int counter) => Of(CommandKind.Recall) with { Counter = counter };

    /// <summary>Start serving at a counter.</summary>
    public static Command Start(int counter) => Of(CommandKind.Start) with { Counter = counter };

    /// <summary>Finish at a counter.</summary>
    public static Command Finish(int counter) => Of(CommandKind.Finish) with { Counter = counter };

    /// <summary>Mark the counter's called ticket a no-show.</summary>
    public static Command NoShow(int counter) => Of(CommandKind.NoShow) with { Counter = counter };

    /// <summary>Recover a no-show by ticket id.</summary>
    public static Command Recover(int ticket) => Of(CommandKind.Recover) with { Ticket = ticket };

    /// <summary>Recover a no-show by its printed number (e.g. service 0, number 23 for A023).</summary>
    public static Command RecoverNumber(int numberService, int number) => Of(CommandKind.Recover) with { NumberService = numberService, Number = number };

    /// <summary>Recover the last no-show of a counter (the keypad's "7 confirm").</summary>
    public static Command RecoverLastAt(int counter) => Of(CommandKind.Recover) with { Counter = counter };

    /// <summary>Transfer the counter's ticket to another service.</summary>
    public static Command Transfer(int counter, int service, Placement placement = Placement.Default) =>
        Of(CommandKind.Transfer) with { Counter = counter, Service = service, Placement = placement };

    /// <summary>Create and serve a walk-in ticket.</summary>
    public static Command WalkIn(int counter, int service, Tier tier = Tier.Normal) =>
        Of(CommandKind.WalkIn) with { Counter = counter, Service = service, Tier = tier };

    /// <summary>Cancel a ticket by id, saying why (<see cref="CancelReason.PrintFailed"/> when its print was not confirmed).</summary>
    public static Command Cancel(int ticket, CancelReason reason = CancelReason.None) => Of(CommandKind.Cancel) with { Ticket = ticket, CancelReason = reason };

    /// <summary>Cancel a ticket by its printed number, saying why.</summary>
    public static Command CancelNumber(int numberService, int number, CancelReason reason = CancelReason.None) =>
        Of(CommandKind.Cancel) with { NumberService = numberService, Number = number, CancelReason = reason };

    /// <summary>Park the counter's ticket.</summary>
    public static Command Park(int counter) => Of(CommandKind.Park) with { Counter = counter };

    /// <summary>Call back the counter's oldest parked ticket, or a given one.</summary>
    public static Command CallBack(int counter, int ticket = -1) => Of(CommandKind.CallBack) with { Counter = counter, Ticket = ticket };

    /// <summary>Log in at a counter.</summary>
    public static Command OpenCounter(int counter) => Of(CommandKind.OpenCounter) with { Counter = counter };

    /// <summary>Log out of a counter.</summary>
    public static Command CloseCounter(int counter) => Of(CommandKind.CloseCounter) with { Counter = counter };

    /// <summary>Pause a counter (training / back office).</summary>
    public static Command Pause(int counter) => Of(CommandKind.Pause) with { Counter = counter };

    /// <summary>Mark a counter's staff away.</summary>
    public static Command Away(int counter) => Of(CommandKind.Away) with { Counter = counter };

    /// <summary>Return a counter to standby.</summary>
    public static Command Resume(int counter) => Of(CommandKind.Resume) with { Counter = counter };

    /// <summary>Record a device's status.</summary>
    public static Command ReportDevice(int device, DeviceStatus status) => Of(CommandKind.ReportDevice) with { Device = device, DeviceStatus = status };

    /// <summary>Record an act of care for a waiting ticket, by a staff member (0 = unknown).</summary>
    public static Command GiveCare(int ticket, int staff) => Of(CommandKind.GiveCare) with { Ticket = ticket, Staff = staff };

    /// <summary>Change a waiting ticket's tier; it is re-placed in the new tier's lane by its queue time.</summary>
    public static Command ChangeTier(int ticket, Tier tier, int staff) => Of(CommandKind.ChangeTier) with { Ticket = ticket, Tier = tier, Staff = staff };

    /// <summary>Move a waiting ticket to another service's queue (分流), placed as a transfer would be.</summary>
    public static Command Divert(int ticket, int service, Placement placement, int staff) =>
        Of(CommandKind.Divert) with { Ticket = ticket, Service = service, Placement = placement, Staff = staff };

    /// <summary>Record that a live ticket's slip is printed again.</summary>
    public static Command Reprint(int ticket, int staff) => Of(CommandKind.Reprint) with { Ticket = ticket, Staff = staff };

    /// <summary>Prompt the customer of the counter's last finished ticket to rate the visit.</summary>
    public static Command RequestRating(int counter) => Of(CommandKind.RequestRating) with { Counter = counter };

    /// <summary>
    /// A customer's rating at a counter, linked to the ticket the counter finished last when within the rating
    /// window (else an unlinked rating of the counter).
    /// </summary>
    public static Command Rate(int counter, int score, RatingScale scale, RatingReasons reasons = RatingReasons.None) =>
        Of(CommandKind.Rate) with { Counter = counter, Score = score, Scale = scale, Reasons = reasons };

    /// <summary>
    /// A customer's rating of a given ticket the counter finished (the rating page knows which ticket it was shown
    /// for): always linked to it, whatever the time since the finish (the rating window is only for the pad, which
    /// cannot name its ticket); never an unlinked rating. Refused as
    /// <see cref="RefusalReason.UnknownTicket"/> for an id that is not today's (a ticket of -1 means "the counter's
    /// last finished ticket", as <see cref="Rate"/>), <see cref="RefusalReason.WrongTicketState"/> for a ticket this
    /// counter did not complete, <see cref="RefusalReason.AlreadyRated"/> for one already rated.
    /// </summary>
    public static Command RateTicket(int counter, int ticket, int score, RatingScale scale, RatingReasons reasons = RatingReasons.None) =>
        Of(CommandKind.Rate) with { Counter = counter, Ticket = ticket, Score = score, Scale = scale, Reasons = reasons };

    /// <summary>Put a new branch configuration in force (see <see cref="CommandKind.Reconfigure"/>).</summary>
    public static Command Reconfigure(BranchConfig configuration, ConfigurationSource source) =>
        Of(CommandKind.Reconfigure) with { Configuration = configuration, ConfigurationSource = source };

    /// <summary>
    /// Record staffing advice: change <paramref name="counter"/> as <paramref name="advice"/> says, helping
    /// <paramref name="service"/> most (-1 none). Basis points 0..10000, horizon 1..255 minutes, else
    /// <see cref="RefusalReason.InvalidCommand"/>. See <see cref="CommandKind.Advise"/>.
    /// </summary>
    public static Command Advise(int counter, int service, AdviceFigures advice) =>
        Of(CommandKind.Advise) with { Counter = counter, Service = service, Advice = advice };

    /// <summary>
    /// Accept or dismiss advice <paramref name="adviceId"/> of today, by a staff member (0 = unknown). See
    /// <see cref="CommandKind.AnswerAdvice"/>.
    /// </summary>
    public static Command AnswerAdvice(int adviceId, AdviceAnswer answer, int staff) =>
        Of(CommandKind.AnswerAdvice) with { AdviceId = adviceId, AdviceAnswer = answer, Staff = staff };

    /// <summary>A customer took a service's self-service alternative at the kiosk (see <see cref="CommandKind.ChooseSelfService"/>).</summary>
    public static Command ChooseSelfService(int service) => Of(CommandKind.ChooseSelfService) with { Service = service };

    /// <summary>Record a request carried out outside the queue (see <see cref="CommandKind.Note"/>).</summary>
    public static Command Note(RequestKey request) => Of(CommandKind.Note) with { Request = request };
}

/// <summary>The answer to a command: accepted (with what it produced) or refused with a reason.</summary>
public readonly record struct CommandResult
{
    /// <summary>Why it was refused, or <see cref="RefusalReason.None"/>.</summary>
    public RefusalReason Refusal { get; init; }

    /// <summary>True when the command was carried out.</summary>
    public bool Accepted => Refusal == RefusalReason.None;

    /// <summary>The ticket the command produced or acted on, or -1 (e.g. call next with nobody waiting).</summary>
    public int Ticket { get; init; }

    /// <summary>The ticket's number (e.g. 23), or 0.</summary>
    public int Number { get; init; }

    /// <summary>The service whose prefix the number carries, or -1.</summary>
    public int NumberService { get; init; }

    /// <summary>For an issued ticket: people ahead.</summary>
    public int PeopleAhead { get; init; }

    /// <summary>For an issued ticket: typical predicted wait in ms, -1 if unknown.</summary>
    public long TypicalWaitMs { get; init; }

    /// <summary>For an issued ticket: upper predicted wait in ms, -1 if unknown.</summary>
    public long UpperWaitMs { get; init; }

    /// <summary>How many events the command produced (see <see cref="QueueEngine.LastEvents"/>).</summary>
    public int EventCount { get; init; }

    internal static CommandResult Refused(RefusalReason reason) => new() { Refusal = reason, Ticket = -1, NumberService = -1 };
}
