using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LobbyEdge.Engine;

// Each event kind reads its fields through a view named after it: a readonly struct over the event, so a read
// costs a copy and never an allocation. Asking an event for the view of another kind throws (ViewOf), in every
// build: the check is one byte compare on a field already loaded, and a wrong-kind read is always a bug.

/// <summary>Which measures a <see cref="EventKind.TicketCalled"/> event carries (the raw event's <c>Reason</c> flags).</summary>
[Flags]
public enum CallMeasures : byte
{
    /// <summary>Neither the wait nor the prediction error is known (e.g. a call-back of a parked ticket).</summary>
    None = 0,

    /// <summary><see cref="TicketCalledView.WaitMs"/> is valid.</summary>
    Wait = 1,

    /// <summary><see cref="TicketCalledView.PredictionErrorMs"/> is valid.</summary>
    PredictionError = 2,
}

public readonly partial record struct LobbyEvent
{
    /// <summary>The fields of a <see cref="EventKind.DayOpened"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public DayOpenedView AsDayOpened() => new(ViewOf(EventKind.DayOpened));

    /// <summary>The fields of a <see cref="EventKind.DayClosed"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public DayClosedView AsDayClosed() => new(ViewOf(EventKind.DayClosed));

    /// <summary>The fields of a <see cref="EventKind.TicketIssued"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketIssuedView AsTicketIssued() => new(ViewOf(EventKind.TicketIssued));

    /// <summary>The fields of a <see cref="EventKind.TicketCalled"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketCalledView AsTicketCalled() => new(ViewOf(EventKind.TicketCalled));

    /// <summary>The fields of a <see cref="EventKind.TicketRecalled"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketRecalledView AsTicketRecalled() => new(ViewOf(EventKind.TicketRecalled));

    /// <summary>The fields of a <see cref="EventKind.TicketStarted"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketStartedView AsTicketStarted() => new(ViewOf(EventKind.TicketStarted));

    /// <summary>The fields of a <see cref="EventKind.TicketCompleted"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketCompletedView AsTicketCompleted() => new(ViewOf(EventKind.TicketCompleted));

    /// <summary>The fields of a <see cref="EventKind.TicketNoShow"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketNoShowView AsTicketNoShow() => new(ViewOf(EventKind.TicketNoShow));

    /// <summary>The fields of a <see cref="EventKind.TicketRecovered"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketRecoveredView AsTicketRecovered() => new(ViewOf(EventKind.TicketRecovered));

    /// <summary>The fields of a <see cref="EventKind.RecoveryRefused"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public RecoveryRefusedView AsRecoveryRefused() => new(ViewOf(EventKind.RecoveryRefused));

    /// <summary>The fields of a <see cref="EventKind.TicketTransferred"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketTransferredView AsTicketTransferred() => new(ViewOf(EventKind.TicketTransferred));

    /// <summary>The fields of a <see cref="EventKind.TicketCancelled"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketCancelledView AsTicketCancelled() => new(ViewOf(EventKind.TicketCancelled));

    /// <summary>The fields of a <see cref="EventKind.TicketAbandoned"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketAbandonedView AsTicketAbandoned() => new(ViewOf(EventKind.TicketAbandoned));

    /// <summary>The fields of a <see cref="EventKind.CareNeeded"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public CareNeededView AsCareNeeded() => new(ViewOf(EventKind.CareNeeded));

    /// <summary>The fields of a <see cref="EventKind.SlaBreached"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public SlaBreachedView AsSlaBreached() => new(ViewOf(EventKind.SlaBreached));

    /// <summary>The fields of a <see cref="EventKind.CounterStateChanged"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public CounterStateChangedView AsCounterStateChanged() => new(ViewOf(EventKind.CounterStateChanged));

    /// <summary>The fields of a <see cref="EventKind.DeviceStatusChanged"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public DeviceStatusChangedView AsDeviceStatusChanged() => new(ViewOf(EventKind.DeviceStatusChanged));

    /// <summary>The fields of a <see cref="EventKind.ClockStepped"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public ClockSteppedView AsClockStepped() => new(ViewOf(EventKind.ClockStepped));

    /// <summary>The fields of a <see cref="EventKind.RequestDecided"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public RequestDecidedView AsRequestDecided() => new(ViewOf(EventKind.RequestDecided));

    /// <summary>The fields of a <see cref="EventKind.CareGiven"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public CareGivenView AsCareGiven() => new(ViewOf(EventKind.CareGiven));

    /// <summary>The fields of a <see cref="EventKind.TierChanged"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TierChangedView AsTierChanged() => new(ViewOf(EventKind.TierChanged));

    /// <summary>The fields of a <see cref="EventKind.TicketDiverted"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketDivertedView AsTicketDiverted() => new(ViewOf(EventKind.TicketDiverted));

    /// <summary>The fields of a <see cref="EventKind.TicketReprinted"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketReprintedView AsTicketReprinted() => new(ViewOf(EventKind.TicketReprinted));

    /// <summary>The fields of a <see cref="EventKind.RatingRequested"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public RatingRequestedView AsRatingRequested() => new(ViewOf(EventKind.RatingRequested));

    /// <summary>The fields of a <see cref="EventKind.ConfigurationChanged"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public ConfigurationChangedView AsConfigurationChanged() => new(ViewOf(EventKind.ConfigurationChanged));

    /// <summary>The fields of a <see cref="EventKind.TicketRated"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public TicketRatedView AsTicketRated() => new(ViewOf(EventKind.TicketRated));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private LobbyEvent ViewOf(EventKind kind)
    {
        if (Kind != kind)
        {
            ThrowWrongKind(kind, Kind, Sequence);
        }

        return this;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowWrongKind(EventKind asked, EventKind actual, long sequence) =>
        throw new InvalidOperationException($"event {sequence} is {actual}, not {asked}: its fields mean something else");
}

/// <summary>A <see cref="EventKind.DayOpened"/> event's fields. The event's time is when the day opened.</summary>
public readonly struct DayOpenedView
{
    private readonly LobbyEvent _e;

    internal DayOpenedView(LobbyEvent e) => _e = e;

    /// <summary>The business date that opened (a local date in the branch's time zone).</summary>
    public DateOnly BusinessDate => DateOnly.FromDayNumber((int)_e.A);

    /// <summary>The <see cref="BranchConfig.Version"/> the day runs with; 0 = unversioned.</summary>
    public long ConfigurationVersion => _e.B;
}

/// <summary>A <see cref="EventKind.DayClosed"/> event's fields. The event's time is when the day closed.</summary>
public readonly struct DayClosedView
{
    private readonly LobbyEvent _e;

    internal DayClosedView(LobbyEvent e) => _e = e;

    /// <summary>The business date that closed (a local date in the branch's time zone).</summary>
    public DateOnly BusinessDate => DateOnly.FromDayNumber((int)_e.A);
}

/// <summary>
/// A <see cref="EventKind.TicketIssued"/> event's fields. The ticket, its number, service and tier are the event's
/// own <see cref="LobbyEvent.Ticket"/>, <see cref="LobbyEvent.Number"/>, <see cref="LobbyEvent.Service"/> and
/// <see cref="LobbyEvent.Tier"/>.
/// </summary>
public readonly struct TicketIssuedView
{
    private readonly LobbyEvent _e;

    internal TicketIssuedView(LobbyEvent e) => _e = e;

    /// <summary>How many people were ahead of the ticket in its service's queue when it was issued (0 or more).</summary>
    public int PeopleAhead => _e.Count;

    /// <summary>The predicted typical wait, in milliseconds; -1 when no counter is open for the service.</summary>
    public long TypicalWaitMs => _e.A;

    /// <summary>The predicted upper wait (the pessimistic bound), in milliseconds; -1 when no counter is open for the service.</summary>
    public long UpperWaitMs => _e.B;

    /// <summary>True for a walk-in ticket (issued at a counter for a customer standing there), false from a dispenser or head office.</summary>
    public bool IsWalkIn => _e.Detail == 1;
}

/// <summary>
/// A <see cref="EventKind.TicketCalled"/> event's fields. The counter is the event's own
/// <see cref="LobbyEvent.Counter"/>.
/// </summary>
public readonly struct TicketCalledView
{
    private readonly LobbyEvent _e;

    internal TicketCalledView(LobbyEvent e) => _e = e;

    /// <summary>How the ticket came to be called: next in the queue, called back from parked, or a walk-in.</summary>
    public CallSource Source => (CallSource)_e.Detail;

    /// <summary>Which of <see cref="WaitMs"/> and <see cref="PredictionErrorMs"/> are valid.</summary>
    public CallMeasures Measured => (CallMeasures)_e.Reason;

    /// <summary>True when <see cref="WaitMs"/> is valid.</summary>
    public bool HasWait => (_e.Reason & (byte)CallMeasures.Wait) != 0;

    /// <summary>The wait from entering the queue to this call, in milliseconds (0 or more); valid when <see cref="HasWait"/>.</summary>
    public long WaitMs => _e.A;

    /// <summary>True when <see cref="PredictionErrorMs"/> is valid.</summary>
    public bool HasPredictionError => (_e.Reason & (byte)CallMeasures.PredictionError) != 0;

    /// <summary>
    /// The wait prediction's error, in milliseconds: actual wait minus the predicted typical wait (negative when the
    /// customer was called early); valid when <see cref="HasPredictionError"/>.
    /// </summary>
    public long PredictionErrorMs => _e.B;
}

/// <summary>A <see cref="EventKind.TicketRecalled"/> event's fields.</summary>
public readonly struct TicketRecalledView
{
    private readonly LobbyEvent _e;

    internal TicketRecalledView(LobbyEvent e) => _e = e;

    /// <summary>How many times the ticket has been recalled so far, this recall included (1 or more).</summary>
    public int Recalls => _e.Count;
}

/// <summary>A <see cref="EventKind.TicketStarted"/> event's fields.</summary>
public readonly struct TicketStartedView
{
    private readonly LobbyEvent _e;

    internal TicketStartedView(LobbyEvent e) => _e = e;

    /// <summary>True when the start is implied by another action (e.g. call next without a start); false when pressed.</summary>
    public bool IsImplied => _e.Detail == 1;
}

/// <summary>A <see cref="EventKind.TicketCompleted"/> event's fields.</summary>
public readonly struct TicketCompletedView
{
    private readonly LobbyEvent _e;

    internal TicketCompletedView(LobbyEvent e) => _e = e;

    /// <summary>The service time, in milliseconds (0 or more): from the start (or the call, when the start was implied) to the end.</summary>
    public long ServiceMs => _e.A;
}

/// <summary>A <see cref="EventKind.TicketNoShow"/> event's fields (an empty number, 空号: called, never came).</summary>
public readonly struct TicketNoShowView
{
    private readonly LobbyEvent _e;

    internal TicketNoShowView(LobbyEvent e) => _e = e;

    /// <summary>How many recalls were made before the ticket was given up (0 or more).</summary>
    public int Recalls => _e.Count;
}

/// <summary>A <see cref="EventKind.TicketRecovered"/> event's fields.</summary>
public readonly struct TicketRecoveredView
{
    private readonly LobbyEvent _e;

    internal TicketRecoveredView(LobbyEvent e) => _e = e;

    /// <summary>Where the no-show re-entered its lane: this many places from the front (0 = first).</summary>
    public int PlacesFromFront => _e.Count;

    /// <summary>The staff member who recovered it, or 0 when not a staff act (a keypad, head office).</summary>
    public int Staff => (int)_e.B;
}

/// <summary>A <see cref="EventKind.RecoveryRefused"/> event's fields. The ticket is the event's own <see cref="LobbyEvent.Ticket"/>.</summary>
public readonly struct RecoveryRefusedView
{
    private readonly LobbyEvent _e;

    internal RecoveryRefusedView(LobbyEvent e) => _e = e;

    /// <summary>Why the recovery was refused (a tolerance limit, or the recovery cap).</summary>
    public RefusalReason Refusal => (RefusalReason)_e.Reason;

    /// <summary>The staff member who asked, or 0 when not a staff act.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>
/// A <see cref="EventKind.TicketTransferred"/> event's fields. The service the ticket moved into is the event's own
/// <see cref="LobbyEvent.Service"/>.
/// </summary>
public readonly struct TicketTransferredView
{
    private readonly LobbyEvent _e;

    internal TicketTransferredView(LobbyEvent e) => _e = e;

    /// <summary>The service (index into <see cref="BranchConfig.Services"/>) the ticket moved out of.</summary>
    public int FromService => (int)_e.B;

    /// <summary>Where the ticket entered its new lane: this many places from the front (0 = first).</summary>
    public int PlacesFromFront => _e.Count;

    /// <summary>The placement the transfer asked for.</summary>
    public Placement Placement => (Placement)_e.Detail;
}

/// <summary>A <see cref="EventKind.TicketCancelled"/> event's fields.</summary>
public readonly struct TicketCancelledView
{
    private readonly LobbyEvent _e;

    internal TicketCancelledView(LobbyEvent e) => _e = e;

    /// <summary>Why the ticket was cancelled (<see cref="CancelReason.None"/> when asked for, e.g. at a counter).</summary>
    public CancelReason Reason => (CancelReason)_e.Reason;

    /// <summary>The staff member who cancelled it, or 0 when not a staff act.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>A <see cref="EventKind.TicketAbandoned"/> event's fields.</summary>
public readonly struct TicketAbandonedView
{
    private readonly LobbyEvent _e;

    internal TicketAbandonedView(LobbyEvent e) => _e = e;

    /// <summary>Why the ticket ended without service.</summary>
    public AbandonReason Reason => (AbandonReason)_e.Reason;

    /// <summary>
    /// For an expired no-show (<see cref="AbandonReason.NoShowExpired"/>), the tolerance limit that passed (further
    /// calls or minutes); <see cref="RefusalReason.None"/> otherwise.
    /// </summary>
    public RefusalReason ExpiredLimit => (RefusalReason)_e.Detail;
}

/// <summary>A <see cref="EventKind.CareNeeded"/> event's fields.</summary>
public readonly struct CareNeededView
{
    private readonly LobbyEvent _e;

    internal CareNeededView(LobbyEvent e) => _e = e;

    /// <summary>How long the ticket has waited since it was issued, in milliseconds.</summary>
    public long WaitedMs => _e.A;

    /// <summary>Which care alert this is for the ticket: 1 for the first, 2 for the first repeat, …</summary>
    public int AlertNumber => _e.Count;
}

/// <summary>A <see cref="EventKind.SlaBreached"/> event's fields.</summary>
public readonly struct SlaBreachedView
{
    private readonly LobbyEvent _e;

    internal SlaBreachedView(LobbyEvent e) => _e = e;

    /// <summary>How long the ticket has waited since it was issued, in milliseconds (at least the service's SLA target).</summary>
    public long WaitedMs => _e.A;
}

/// <summary>A <see cref="EventKind.CounterStateChanged"/> event's fields. The counter is the event's own <see cref="LobbyEvent.Counter"/>.</summary>
public readonly struct CounterStateChangedView
{
    private readonly LobbyEvent _e;

    internal CounterStateChangedView(LobbyEvent e) => _e = e;

    /// <summary>The counter's new state.</summary>
    public CounterState State => (CounterState)_e.Detail;

    /// <summary>The counter's state before this change.</summary>
    public CounterState PreviousState => (CounterState)_e.Reason;

    /// <summary>How long the counter spent in <see cref="PreviousState"/>, in milliseconds (0 or more).</summary>
    public long PreviousStateMs => _e.A;
}

/// <summary>A <see cref="EventKind.DeviceStatusChanged"/> event's fields.</summary>
public readonly struct DeviceStatusChangedView
{
    private readonly LobbyEvent _e;

    internal DeviceStatusChangedView(LobbyEvent e) => _e = e;

    /// <summary>Which device reported (its index in the branch's device list, 0 or more).</summary>
    public int DeviceIndex => _e.Count;

    /// <summary>The status the device reported.</summary>
    public DeviceStatus Status => (DeviceStatus)_e.Detail;
}

/// <summary>A <see cref="EventKind.ClockStepped"/> event's fields (README, "Clock policy"). The event's time is the branch clock's.</summary>
public readonly struct ClockSteppedView
{
    private readonly LobbyEvent _e;

    internal ClockSteppedView(LobbyEvent e) => _e = e;

    /// <summary>The wall clock's step, in milliseconds: positive when it jumped forward, negative when back.</summary>
    public long StepMs => _e.A;

    /// <summary>
    /// How far the branch clock runs ahead of the wall clock after the step, in milliseconds (0 or more: the branch
    /// clock never runs backwards).
    /// </summary>
    public long BranchClockAheadMs => _e.B;

    /// <summary>True when found at start (the wall clock read earlier than the log's last event); false while running.</summary>
    public bool AtStart => _e.Detail == 1;

    /// <summary>True when the wall clock is synchronised (NTP) at the step.</summary>
    public bool IsSynchronized => _e.Reason == 1;
}

/// <summary>
/// A <see cref="EventKind.RequestDecided"/> event's fields. The ticket the command produced, if any, is the event's
/// own <see cref="LobbyEvent.Ticket"/>, <see cref="LobbyEvent.Number"/>, <see cref="LobbyEvent.NumberService"/>,
/// <see cref="LobbyEvent.Service"/> and <see cref="LobbyEvent.Tier"/>.
/// </summary>
public readonly struct RequestDecidedView
{
    private readonly LobbyEvent _e;

    internal RequestDecidedView(LobbyEvent e) => _e = e;

    /// <summary>The request's identity and fingerprint, as the command carried them.</summary>
    public RequestKey Request => new(_e.A, _e.B);

    /// <summary>The command's kind.</summary>
    public CommandKind Command => (CommandKind)_e.Detail;

    /// <summary>Why the command was refused; <see cref="RefusalReason.None"/> when it was carried out.</summary>
    public RefusalReason Refusal => (RefusalReason)_e.Reason;

    /// <summary>True when the command was carried out.</summary>
    public bool Accepted => _e.Reason == 0;

    /// <summary>How many events of the same step come before this one (the command's effect, at the sequences just before).</summary>
    public int EffectEvents => _e.Count;
}

/// <summary>A <see cref="EventKind.CareGiven"/> event's fields.</summary>
public readonly struct CareGivenView
{
    private readonly LobbyEvent _e;

    internal CareGivenView(LobbyEvent e) => _e = e;

    /// <summary>
    /// The care response in milliseconds: from the oldest unanswered care alert of the ticket to this care, or -1 when
    /// no alert was pending (see <see cref="Answered"/>).
    /// </summary>
    public long ResponseMs => _e.A;

    /// <summary>True when this care answered a pending care alert (<see cref="ResponseMs"/> is valid).</summary>
    public bool Answered => _e.A >= 0;

    /// <summary>The staff member who gave the care, or 0 when unknown.</summary>
    public int Staff => (int)_e.B;

    /// <summary>Which act of care this is for the ticket: 1 for the first.</summary>
    public int CareNumber => _e.Count;

    /// <summary>True when the ticket had already waited past its service's care threshold.</summary>
    public bool PastThreshold => _e.Detail != 0;
}

/// <summary>A <see cref="EventKind.TierChanged"/> event's fields. The new tier is the event's own <see cref="LobbyEvent.Tier"/>.</summary>
public readonly struct TierChangedView
{
    private readonly LobbyEvent _e;

    internal TierChangedView(LobbyEvent e) => _e = e;

    /// <summary>The tier the ticket had before.</summary>
    public Tier OldTier => (Tier)_e.Detail;

    /// <summary>Where the ticket now stands in its new lane: this many places from the front (0 = first).</summary>
    public int PlacesFromFront => _e.Count;

    /// <summary>The staff member who changed it, or 0 when unknown.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>
/// A <see cref="EventKind.TicketDiverted"/> event's fields. The service the ticket moved into is the event's own
/// <see cref="LobbyEvent.Service"/>.
/// </summary>
public readonly struct TicketDivertedView
{
    private readonly LobbyEvent _e;

    internal TicketDivertedView(LobbyEvent e) => _e = e;

    /// <summary>The service (index into <see cref="BranchConfig.Services"/>) the ticket moved out of.</summary>
    public int FromService => (int)_e.A;

    /// <summary>Where the ticket entered its new lane: this many places from the front (0 = first).</summary>
    public int PlacesFromFront => _e.Count;

    /// <summary>The placement used.</summary>
    public Placement Placement => (Placement)_e.Detail;

    /// <summary>The staff member who diverted it, or 0 when unknown.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>A <see cref="EventKind.TicketReprinted"/> event's fields.</summary>
public readonly struct TicketReprintedView
{
    private readonly LobbyEvent _e;

    internal TicketReprintedView(LobbyEvent e) => _e = e;

    /// <summary>How many times the ticket's slip has been reprinted, this one included (1 = first reprint).</summary>
    public int ReprintNumber => _e.Count;

    /// <summary>The staff member who asked for it, or 0 when unknown.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>A <see cref="EventKind.RatingRequested"/> event's fields. The counter and the finished ticket are the event's own.</summary>
public readonly struct RatingRequestedView
{
    private readonly LobbyEvent _e;

    internal RatingRequestedView(LobbyEvent e) => _e = e;

    /// <summary>Milliseconds from the ticket's finish to this prompt (0 or more).</summary>
    public long SinceFinishMs => _e.A;

    /// <summary>Which prompt this is for the ticket: 1 for the first (a re-prompt counts up).</summary>
    public int PromptNumber => _e.Count;
}

/// <summary>
/// A <see cref="EventKind.TicketRated"/> event's fields. The counter is the event's own; for a linked rating, so are
/// the ticket, its service, number and tier.
/// </summary>
public readonly struct TicketRatedView
{
    private readonly LobbyEvent _e;

    internal TicketRatedView(LobbyEvent e) => _e = e;

    /// <summary>The score: 1..5 on <see cref="RatingScale.Pad5"/>, 0..10 on <see cref="RatingScale.Nps11"/>.</summary>
    public int Score => _e.Count;

    /// <summary>The scale of <see cref="Score"/>.</summary>
    public RatingScale Scale => (RatingScale)_e.Detail;

    /// <summary>The reason chips chosen with the score (none on a pad).</summary>
    public RatingReasons Reasons => (RatingReasons)_e.Reason;

    /// <summary>True when the rating is linked to a ticket (given within the rating window after its finish).</summary>
    public bool Linked => _e.Ticket >= 0;

    /// <summary>The rated ticket's wait in milliseconds (issue to the call that brought it to the counter), or -1 when unlinked.</summary>
    public long WaitMs => _e.A;

    /// <summary>Acts of care the rated ticket received while waiting (0 when unlinked).</summary>
    public int CareGiven => (int)_e.B;

    /// <summary>
    /// The score as a share of its scale, 0..1 ((score - 1) / 4 on a pad, score / 10 on the Net Promoter scale),
    /// so that ratings of both scales can be averaged.
    /// </summary>
    public double Normalized => RatingFigures.Normalize(Scale, Score);
}


/// <summary>A <see cref="EventKind.ConfigurationChanged"/> event's fields.</summary>
public readonly struct ConfigurationChangedView
{
    private readonly LobbyEvent _e;

    internal ConfigurationChangedView(LobbyEvent e) => _e = e;

    /// <summary>The new configuration's <see cref="BranchConfig.Version"/>.</summary>
    public long Version => _e.A;

    /// <summary>The new configuration's <see cref="BranchConfig.Hash"/>.</summary>
    public long Hash => _e.B;

    /// <summary>How it takes effect.</summary>
    public ConfigurationChange Change => (ConfigurationChange)_e.Detail;

    /// <summary>Who changed it.</summary>
    public ConfigurationSource Source => (ConfigurationSource)_e.Reason;
}
