using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>What the simulated customers did with the rating stations over a day.</summary>
public sealed class RatingCustomersTally
{
    /// <summary><see cref="Command.RequestRating"/> commands the simulation posted (as the rating prompter would).</summary>
    public int PromptsSent { get; internal set; }

    /// <summary>Of those, accepted by the engine.</summary>
    public int PromptsAccepted { get; internal set; }

    /// <summary>Prompts (<see cref="EventKind.RatingRequested"/>, first ones) the customers saw at a station of theirs.</summary>
    public int Asked { get; internal set; }

    /// <summary>Customers who chose to rate (a first press).</summary>
    public int Rated { get; internal set; }

    /// <summary>First presses the engine accepted.</summary>
    public int RatingsAccepted { get; internal set; }

    /// <summary>Second presses sent (a double press or double tap).</summary>
    public int SecondPresses { get; internal set; }

    /// <summary>Second presses the engine refused as <see cref="RefusalReason.AlreadyRated"/> (the first stands).</summary>
    public int SecondPressesRefused { get; internal set; }
}

/// <summary>
/// The simulated customers at the counters' rating stations (<see cref="CustomerRatingProfile"/>). From the engine's
/// events it learns each ticket's wait and care; after a finish at a station it prompts (as the host's rating prompter
/// would, except where <see cref="CustomerRatingProfile.PromptedElsewhere"/>), and on each first
/// <see cref="EventKind.RatingRequested"/> at a station the customer decides whether to rate and what, and presses a
/// few seconds later: <see cref="Command.Rate"/> on a pad, <see cref="Command.RateTicket"/> on the rating page.
/// Deterministic for a seed and a sequence of events; draws from its own random stream.
/// </summary>
public sealed class RatingCustomers
{
    private readonly BranchConfig _config;
    private readonly CustomerRatingProfile _profile;
    private readonly Random _random;
    private readonly PriorityQueue<Press, (long Due, long Order)> _plans = new();
    private readonly Dictionary<int, Visit> _visits = [];
    private readonly HashSet<int> _decided = [];
    private long _order;
    private Press _pending;

    /// <summary>Creates the customers of a day.</summary>
    public RatingCustomers(BranchConfig config, CustomerRatingProfile profile, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        _config = config;
        _profile = profile;
        _random = new Random(seed);
    }

    /// <summary>What they did so far.</summary>
    public RatingCustomersTally Tally { get; } = new();

    /// <summary>When the next prompt or press is due, or null.</summary>
    public DateTimeOffset? NextDue => _plans.TryPeek(out _, out (long Due, long Order) p) ? new DateTimeOffset(p.Due, TimeSpan.Zero) : null;

    /// <summary>Takes in what the engine did, in order (every event of the day).</summary>
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            switch (e.Kind)
            {
                case EventKind.DayOpened:
                    _visits.Clear();
                    _decided.Clear();
                    break;
                case EventKind.DayClosed:
                    // Whoever is still at a station leaves with the day (the engine takes no rating once it is closed).
                    _plans.Clear();
                    break;
                case EventKind.TicketIssued:
                    _visits[e.Ticket] = new Visit(e.TimeTicks, e.TimeTicks, 0);
                    break;
                case EventKind.TicketCalled when _visits.TryGetValue(e.Ticket, out Visit v):
                    _visits[e.Ticket] = v with { CalledTicks = e.TimeTicks };
                    break;
                case EventKind.CareGiven when _visits.TryGetValue(e.Ticket, out Visit v):
                    _visits[e.Ticket] = v with { Care = v.Care + 1 };
                    break;
                case EventKind.TicketCompleted when _profile.ScaleAt(e.Counter) != RatingScale.None && !_profile.PromptedElsewhere.Contains(e.Counter):
                    // The prompter asks as soon as the finish is durable.
                    At(e.TimeTicks, new Press(PressKind.Prompt, e.Counter, e.Ticket));
                    break;
                case EventKind.RatingRequested:
                    Asked(in e);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Takes the next prompt or press due at or before <paramref name="now"/>.</summary>
    public bool TryNext(DateTimeOffset now, out Command command)
    {
        if (_plans.TryPeek(out Press press, out (long Due, long Order) p) && p.Due <= now.UtcTicks)
        {
            _plans.Dequeue();
            _pending = press;
            command = press.Kind == PressKind.Prompt
                ? Command.RequestRating(press.Counter)
                : press.Scale == RatingScale.Pad5
                    ? Command.Rate(press.Counter, press.Score, press.Scale)
                    : Command.RateTicket(press.Counter, press.Ticket, press.Score, press.Scale, press.Reasons);
            return true;
        }

        command = default;
        return false;
    }

    /// <summary>Reports the result of the command last taken.</summary>
    public void Observe(in CommandResult result)
    {
        switch (_pending.Kind)
        {
            case PressKind.Prompt:
                Tally.PromptsSent++;
                Tally.PromptsAccepted += result.Accepted ? 1 : 0;
                break;
            case PressKind.Rate:
                Tally.RatingsAccepted += result.Accepted ? 1 : 0;
                break;
            case PressKind.SecondPress:
                Tally.SecondPresses++;
                Tally.SecondPressesRefused += result.Refusal == RefusalReason.AlreadyRated ? 1 : 0;
                break;
            default:
                break;
        }
    }

    /// <summary>After a restart mid-day: prompts and presses that were due before <paramref name="now"/> are dropped.</summary>
    public void ResumeAt(DateTimeOffset now)
    {
        var kept = new List<(Press Press, (long Due, long Order) Priority)>();
        while (_plans.TryDequeue(out Press press, out (long Due, long Order) p))
        {
            if (p.Due >= now.UtcTicks)
            {
                kept.Add((press, p));
            }
        }

        foreach ((Press press, (long Due, long Order) p) in kept)
        {
            _plans.Enqueue(press, p);
        }
    }

    /// <summary>A first prompt at a station: the customer rates (or walks away), once per ticket whoever prompted.</summary>
    private void Asked(in LobbyEvent e)
    {
        RatingScale scale = _profile.ScaleAt(e.Counter);
        if (scale == RatingScale.None || e.Ticket < 0 || !_decided.Add(e.Ticket))
        {
            return;
        }

        Tally.Asked++;
        if (_random.NextDouble() >= _profile.ResponseRate)
        {
            return;
        }

        // A ticket issued before a restart is unknown here: the customer rates as if the wait went unnoticed.
        Visit visit = _visits.GetValueOrDefault(e.Ticket, new Visit(e.TimeTicks, e.TimeTicks, 0));
        double waitMinutes = (visit.CalledTicks - visit.IssuedTicks) / (double)TimeSpan.TicksPerMinute;
        double threshold = (uint)e.Service < (uint)_config.Services.Count ? _config.Services[e.Service].CareThreshold.TotalMinutes : 10;
        (int score, RatingReasons reasons) = _profile.Draw(_random, scale, waitMinutes, visit.Care, threshold);
        long due = e.TimeTicks + RandomDraws.Seconds(_random, _profile.RateAfterMinSeconds, _profile.RateAfterMaxSeconds);
        var press = new Press(PressKind.Rate, e.Counter, e.Ticket, score, scale, reasons);
        Tally.Rated++;
        At(due, press);
        if (_random.NextDouble() < _profile.DoublePressRate)
        {
            At(due + RandomDraws.Seconds(_random, 1, 2), press with { Kind = PressKind.SecondPress });
        }
    }

    private void At(long due, in Press press) => _plans.Enqueue(press, (due, _order++));

    private enum PressKind : byte
    {
        Prompt,
        Rate,
        SecondPress,
    }

    private readonly record struct Press(PressKind Kind, int Counter, int Ticket, int Score = 0, RatingScale Scale = RatingScale.None, RatingReasons Reasons = RatingReasons.None);

    private readonly record struct Visit(long IssuedTicks, long CalledTicks, int Care);
}
