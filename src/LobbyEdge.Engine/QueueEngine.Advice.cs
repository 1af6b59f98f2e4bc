namespace LobbyEdge.Engine;

// Staffing advice and self-service choices (issue 14): the day's advice list and the count of customers who took a
// service's self-service alternative. Neither changes queue state; both are kept by the events as they are applied,
// so replay and a snapshot give the same list.
public sealed partial class QueueEngine
{
    /// <summary>The most advice one business day holds; further <see cref="CommandKind.Advise"/> is refused as <see cref="RefusalReason.TooMuchAdvice"/>.</summary>
    public const int MaxAdvicePerDay = 1024;

    /// <summary>The longest horizon an advice may give (its event's <c>Reason</c> byte), in minutes.</summary>
    private const int MaxAdviceHorizonMinutes = 255;

    private const int MaxBasisPoints = 10_000;

    private readonly AdviceRecord[] _advice = new AdviceRecord[MaxAdvicePerDay];  // [id - 1], today's
    private int _adviceCount;
    private int[] _selfServiceChosen = [];  // [service], today's

    /// <summary>Advice issued today (the highest advice id of the day). The last day's stays readable after it closes, until the next day opens.</summary>
    public int AdviceCount => _adviceCount;

    /// <summary>An advice of today by its id (1-based); false for an id not issued today.</summary>
    public bool TryGetAdvice(int adviceId, out AdviceView view)
    {
        if ((uint)(adviceId - 1) >= (uint)_adviceCount)
        {
            view = default;
            return false;
        }

        view = ViewOfAdvice(adviceId);
        return true;
    }

    /// <summary>Copies today's advice, oldest first, as many as <paramref name="destination"/> holds; returns how many.</summary>
    public int CopyAdvice(Span<AdviceView> destination)
    {
        int n = Math.Min(_adviceCount, destination.Length);
        for (int i = 0; i < n; i++)
        {
            destination[i] = ViewOfAdvice(i + 1);
        }

        return n;
    }

    /// <summary>Customers who took a service's self-service alternative at the kiosk today; 0 for an unknown service.</summary>
    public int SelfServiceChosenCount(int service) =>
        (uint)service < (uint)_selfServiceChosen.Length ? _selfServiceChosen[service] : 0;

    private AdviceView ViewOfAdvice(int adviceId)
    {
        ref AdviceRecord a = ref _advice[adviceId - 1];
        return new AdviceView(adviceId, a.Kind, a.Counter, a.Service, new DateTime(a.IssuedTicks, DateTimeKind.Utc),
            new AdviceFigures(a.Kind, a.ServiceLevelNowBp, a.ServiceLevelWithBp, a.PastCareAvoided, a.HorizonMinutes),
            a.Answer, new DateTime(a.AnsweredTicks, DateTimeKind.Utc), a.Staff);
    }

    /// <summary>The day's advice, one line each, and the self-service choices per service (<see cref="DescribeState"/>).</summary>
    private void AppendAdvice(System.Text.StringBuilder sb)
    {
        System.Globalization.CultureInfo ci = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < _adviceCount; i++)
        {
            ref AdviceRecord a = ref _advice[i];
            sb.Append(ci, $"a{i + 1} {a.Kind} ctr={a.Counter} svc={a.Service} at={a.IssuedTicks} sl={a.ServiceLevelNowBp}->{a.ServiceLevelWithBp} ");
            sb.Append(ci, $"care={a.PastCareAvoided} h={a.HorizonMinutes} answer={a.Answer}@{a.AnsweredTicks} staff={a.Staff}\n");
        }

        sb.Append("selfService:");
        foreach (int n in _selfServiceChosen)
        {
            sb.Append(ci, $" {n}");
        }

        sb.Append('\n');
    }

    /// <summary>Sizes the per-service counts (at allocation).</summary>
    private void AllocateAdvice(int services) => _selfServiceChosen = new int[services];

    /// <summary>A new day starts with no advice and no self-service choices.</summary>
    private void ResetAdvice()
    {
        Array.Clear(_advice, 0, _adviceCount);
        _adviceCount = 0;
        Array.Clear(_selfServiceChosen);
    }

    private CommandResult Advise(int counter, int service, in AdviceFigures advice, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if (advice.Kind is AdviceKind.None or > AdviceKind.Close
            || (uint)advice.ServiceLevelNowBp > MaxBasisPoints || (uint)advice.ServiceLevelWithBp > MaxBasisPoints
            || advice.HorizonMinutes is < 1 or > MaxAdviceHorizonMinutes || service < -1)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        int ci = CounterIndex(counter);
        if (ci < 0)
        {
            return CommandResult.Refused(RefusalReason.UnknownCounter);
        }

        if (service >= _services.Length)
        {
            return CommandResult.Refused(RefusalReason.UnknownService);
        }

        if (service >= 0 && !Serves(ci, service))
        {
            return CommandResult.Refused(RefusalReason.ServiceNotServedHere);
        }

        if (!AdviceFits(advice.Kind, _counterState[ci].State))
        {
            return CommandResult.Refused(RefusalReason.AdviceNotApplicable);
        }

        if (_adviceCount >= MaxAdvicePerDay)
        {
            return CommandResult.Refused(RefusalReason.TooMuchAdvice);
        }

        Emit(new LobbyEvent
        {
            Kind = EventKind.AdviceIssued,
            Ticket = -1,
            NumberService = -1,
            Service = (short)service,
            Counter = (short)counter,
            Count = _adviceCount + 1,
            Detail = (byte)advice.Kind,
            A = advice.ServiceLevelNowBp,
            B = advice.ServiceLevelWithBp,
            Number = advice.PastCareAvoided,
            Reason = (byte)advice.HorizonMinutes,
        }, t);
        return Ok(-1);
    }

    /// <summary>
    /// Whether a counter's state fits an advice: opening needs a closed counter, resuming a paused or away one,
    /// pausing or closing an open one (a serving counter pauses or closes after its customer).
    /// </summary>
    private static bool AdviceFits(AdviceKind kind, CounterState state) => kind switch
    {
        AdviceKind.Open => state == CounterState.Closed,
        AdviceKind.Resume => state is CounterState.Paused or CounterState.Away,
        AdviceKind.Pause or AdviceKind.Close => state is CounterState.Standby or CounterState.Serving,
        _ => false,
    };

    private CommandResult AnswerAdvice(int adviceId, AdviceAnswer answer, int staff, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if (answer is AdviceAnswer.None or > AdviceAnswer.Dismissed)
        {
            return CommandResult.Refused(RefusalReason.InvalidCommand);
        }

        if ((uint)(adviceId - 1) >= (uint)_adviceCount)
        {
            return CommandResult.Refused(RefusalReason.UnknownAdvice);
        }

        ref AdviceRecord a = ref _advice[adviceId - 1];
        if (a.Answer != AdviceAnswer.None)
        {
            return CommandResult.Refused(RefusalReason.AlreadyAnswered);
        }

        if (t - a.IssuedTicks >= a.HorizonMinutes * TimeSpan.TicksPerMinute)
        {
            // Nobody answered within its horizon: the forecast it rests on is over (the console lists it as lapsed).
            // Judged on the command's time only, so a log written before this rule replays as it was.
            return CommandResult.Refused(RefusalReason.AdviceLapsed);
        }

        Emit(new LobbyEvent
        {
            Kind = EventKind.AdviceAnswered,
            Ticket = -1,
            NumberService = -1,
            Service = (short)a.Service,
            Counter = (short)a.Counter,
            Count = adviceId,
            Detail = (byte)answer,
            A = Math.Max(0, ElapsedMs(a.IssuedTicks, t)),
            B = staff,
        }, t);
        return Ok(-1);
    }

    private CommandResult ChooseSelfService(int service, long t)
    {
        if (!_dayOpen)
        {
            return CommandResult.Refused(RefusalReason.DayNotOpen);
        }

        if ((uint)service >= (uint)_services.Length)
        {
            return CommandResult.Refused(RefusalReason.UnknownService);
        }

        if (_services[service].SelfService is null)
        {
            return CommandResult.Refused(RefusalReason.NoSelfService);
        }

        // Only while the kiosk suggests it (the same prediction the branch state shows): a choice the kiosk did not
        // offer (a script on the LAN, a stale page) would inflate the count.
        long typicalMs = Predict(service, Tier.Normal).TypicalMs;
        if (!_services[service].SelfService!.IsSuggestedAt(typicalMs))
        {
            return CommandResult.Refused(RefusalReason.SelfServiceNotSuggested);
        }

        Emit(new LobbyEvent
        {
            Kind = EventKind.SelfServiceChosen,
            Ticket = -1,
            NumberService = -1,
            Service = (short)service,
            Count = _waiting[service],
            A = typicalMs,
        }, t);
        return Ok(-1);
    }

    /// <summary>
    /// Checks an advice or self-service event from the log against the state before it (replay): advice ids follow
    /// each other from 1, an answer names an advice of the day, a choice a service of the configuration in force.
    /// </summary>
    private void CheckAdviceEvent(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.AdviceIssued when e.Count != _adviceCount + 1 || _adviceCount >= MaxAdvicePerDay:
                ThrowReplay($"Event {e.Sequence} issues advice {e.Count} but the day has {_adviceCount} advice.");
                break;
            case EventKind.AdviceAnswered when (uint)(e.Count - 1) >= (uint)_adviceCount:
                ThrowReplay($"Event {e.Sequence} answers advice {e.Count} but the day has {_adviceCount} advice.");
                break;
            case EventKind.SelfServiceChosen when (uint)e.Service >= (uint)_selfServiceChosen.Length:
                ThrowReplay($"Event {e.Sequence} is a self-service choice of service {e.Service} but configuration version {_config.Version} has {_services.Length} services.");
                break;
            default:
                break;
        }
    }

    /// <summary>Applies an advice or self-service event (checked by <see cref="CheckAdviceEvent"/> when replayed).</summary>
    private void ApplyAdvice(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.AdviceIssued:
                {
                    AdviceIssuedView v = e.AsAdviceIssued();
                    _advice[v.AdviceId - 1] = new AdviceRecord
                    {
                        Kind = v.Kind,
                        Counter = v.CounterNumber,
                        Service = v.Service,
                        IssuedTicks = e.TimeTicks,
                        ServiceLevelNowBp = v.ServiceLevelNowBp,
                        ServiceLevelWithBp = v.ServiceLevelWithBp,
                        PastCareAvoided = v.PastCareAvoided,
                        HorizonMinutes = v.HorizonMinutes,
                    };
                    _adviceCount = v.AdviceId;
                    break;
                }

            case EventKind.AdviceAnswered:
                {
                    AdviceAnsweredView v = e.AsAdviceAnswered();
                    ref AdviceRecord a = ref _advice[v.AdviceId - 1];
                    a.Answer = v.Answer;
                    a.AnsweredTicks = e.TimeTicks;
                    a.Staff = v.Staff;
                    break;
                }

            case EventKind.SelfServiceChosen:
                _selfServiceChosen[e.Service]++;
                break;

            default:
                break;
        }
    }
}

/// <summary>
/// A read-only copy of one advice of today.
/// </summary>
/// <param name="Id">Its id, 1-based within the business day.</param>
/// <param name="Kind">The change it asks.</param>
/// <param name="CounterNumber">The counter to change.</param>
/// <param name="Service">The service the change helps most (index into <see cref="BranchConfig.Services"/>), or -1.</param>
/// <param name="IssuedUtc">When it was given.</param>
/// <param name="Figures">Its kind and forecast figures.</param>
/// <param name="Answer">How the lobby manager answered it; <see cref="AdviceAnswer.None"/> while open.</param>
/// <param name="AnsweredUtc">When it was answered; <see cref="DateTime.MinValue"/> while open.</param>
/// <param name="Staff">Who answered it (staff id), 0 when unknown or open.</param>
public readonly record struct AdviceView(int Id, AdviceKind Kind, int CounterNumber, int Service, DateTime IssuedUtc, AdviceFigures Figures,
    AdviceAnswer Answer, DateTime AnsweredUtc, int Staff);

/// <summary>One advice of the day as the engine keeps it (blittable, for the snapshot).</summary>
internal struct AdviceRecord
{
    public AdviceKind Kind;
    public AdviceAnswer Answer;
    public int Counter;
    public int Service;
    public int ServiceLevelNowBp;
    public int ServiceLevelWithBp;
    public int PastCareAvoided;
    public int HorizonMinutes;
    public int Staff;
    public long IssuedTicks;
    public long AnsweredTicks;
}
