namespace LobbyEdge.Engine;

// The views of the advice and self-service events (issue 14); see LobbyEventViews.cs for the pattern.
public readonly partial record struct LobbyEvent
{
    /// <summary>The fields of an <see cref="EventKind.AdviceIssued"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public AdviceIssuedView AsAdviceIssued() => new(ViewOf(EventKind.AdviceIssued));

    /// <summary>The fields of an <see cref="EventKind.AdviceAnswered"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public AdviceAnsweredView AsAdviceAnswered() => new(ViewOf(EventKind.AdviceAnswered));

    /// <summary>The fields of a <see cref="EventKind.SelfServiceChosen"/> event.</summary>
    /// <exception cref="InvalidOperationException">The event is of another kind.</exception>
    public SelfServiceChosenView AsSelfServiceChosen() => new(ViewOf(EventKind.SelfServiceChosen));
}

/// <summary>An <see cref="EventKind.AdviceIssued"/> event's fields. The event's time is when the advice was given.</summary>
public readonly struct AdviceIssuedView
{
    private readonly LobbyEvent _e;

    internal AdviceIssuedView(LobbyEvent e) => _e = e;

    /// <summary>The advice's id, 1-based within the business day.</summary>
    public int AdviceId => _e.Count;

    /// <summary>The change it asks of the counter.</summary>
    public AdviceKind Kind => (AdviceKind)_e.Detail;

    /// <summary>The counter to change (its number).</summary>
    public int CounterNumber => _e.Counter;

    /// <summary>The service (index into <see cref="BranchConfig.Services"/>) the change helps most, or -1.</summary>
    public int Service => _e.Service;

    /// <summary>The forecast service level over the horizon without the change, basis points 0..10000.</summary>
    public int ServiceLevelNowBp => (int)_e.A;

    /// <summary>The forecast service level over the horizon with the change, basis points 0..10000.</summary>
    public int ServiceLevelWithBp => (int)_e.B;

    /// <summary>Customers past the care threshold the change avoids (negative: it adds some).</summary>
    public int PastCareAvoided => _e.Number;

    /// <summary>The forecast's horizon in minutes.</summary>
    public int HorizonMinutes => _e.Reason;

    /// <summary>The advice's figures as <see cref="Command.Advise"/> took them.</summary>
    public AdviceFigures Figures => new(Kind, ServiceLevelNowBp, ServiceLevelWithBp, PastCareAvoided, HorizonMinutes);
}

/// <summary>An <see cref="EventKind.AdviceAnswered"/> event's fields. The event's time is when it was answered.</summary>
public readonly struct AdviceAnsweredView
{
    private readonly LobbyEvent _e;

    internal AdviceAnsweredView(LobbyEvent e) => _e = e;

    /// <summary>The advice answered (its id of the day).</summary>
    public int AdviceId => _e.Count;

    /// <summary>Accepted or dismissed.</summary>
    public AdviceAnswer Answer => (AdviceAnswer)_e.Detail;

    /// <summary>The advice's counter (its number).</summary>
    public int CounterNumber => _e.Counter;

    /// <summary>The advice's service, or -1.</summary>
    public int Service => _e.Service;

    /// <summary>Milliseconds from the advice to this answer (0 or more).</summary>
    public long AnsweredAfterMs => _e.A;

    /// <summary>The staff member who answered, or 0 when unknown.</summary>
    public int Staff => (int)_e.B;
}

/// <summary>A <see cref="EventKind.SelfServiceChosen"/> event's fields.</summary>
public readonly struct SelfServiceChosenView
{
    private readonly LobbyEvent _e;

    internal SelfServiceChosenView(LobbyEvent e) => _e = e;

    /// <summary>The service (index into <see cref="BranchConfig.Services"/>) whose alternative the customer took.</summary>
    public int Service => _e.Service;

    /// <summary>The service's predicted typical wait in milliseconds at that moment, or -1 when unknown (no counter serves it).</summary>
    public long PredictedWaitMs => _e.A;

    /// <summary>People waiting for the service at that moment.</summary>
    public int Waiting => _e.Count;
}
