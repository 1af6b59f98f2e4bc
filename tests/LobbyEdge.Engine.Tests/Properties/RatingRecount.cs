using System.Globalization;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>
/// Customer ratings recounted from the event stream alone, as README "Customer ratings" defines them, to hold the
/// engine's <see cref="RatingFigures"/>, ticket and counter views against. Also checks each RatingRequested and
/// TicketRated event against the stream: the ticket was completed at that counter (a prompt within the rating
/// window), a ticket is rated (linked) at most once, prompts count up, the wait and the care carried are the
/// ticket's. A linked rating may come after the window (the page names its ticket; the stream cannot tell a page's
/// rating from a pad's, so LobbyRun holds each rating decision against the command that made it).
/// </summary>
internal sealed class RatingRecount(BranchConfig config)
{
    private readonly Dictionary<int, Ticket> _tickets = [];
    private readonly Dictionary<int, Tally> _byCounter = [];
    private readonly Tally[] _byService = NewTallies(config.Services.Count);
    private readonly Dictionary<int, (int Ticket, long Ticks)> _lastFinished = [];

    /// <summary>Folds one event; returns a description of a field that disagrees with the stream, or null.</summary>
    public string? Add(in LobbyEvent e)
    {
        long t = e.TimeTicks;
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                _tickets.Clear();
                _byCounter.Clear();
                Array.Clear(_byService);
                for (int s = 0; s < _byService.Length; s++)
                {
                    _byService[s] = new Tally();
                }

                _lastFinished.Clear();
                return null;
            case EventKind.TicketIssued:
                _tickets[e.Ticket] = new Ticket { Issued = t };
                return null;
            case EventKind.TicketCalled:
                _tickets[e.Ticket].Called = t;
                return null;
            case EventKind.CareGiven:
                _tickets[e.Ticket].Cares++;
                return null;
            case EventKind.TicketCompleted:
                {
                    Ticket tk = _tickets[e.Ticket];
                    tk.Finished = t;
                    tk.FinishedAt = e.Counter;
                    tk.Service = e.Service;
                    _lastFinished[e.Counter] = (e.Ticket, t);
                    return null;
                }

            case EventKind.RatingRequested:
                return Requested(in e);
            case EventKind.TicketRated:
                return Rated(in e);
            default:
                return null;
        }
    }

    /// <summary>The recounted figures of a counter (every rating there, linked or not, and its prompts).</summary>
    public Tally OfCounter(int counter) => _byCounter.GetValueOrDefault(counter) ?? new Tally();

    /// <summary>The recounted figures of a service (the linked ratings of the tickets it served, and their prompts).</summary>
    public Tally OfService(int service) => _byService[service];

    /// <summary>The counter's last finished ticket and when, or (-1, 0).</summary>
    public (int Ticket, long Ticks) LastFinished(int counter) => _lastFinished.GetValueOrDefault(counter, (-1, 0L));

    /// <summary>What the stream says about a ticket's rating: score (-1 = none), scale, prompts, finish time (0 = not completed).</summary>
    public (int Score, RatingScale Scale, int Prompts, long Finished) TicketRating(int ticket) =>
        _tickets.TryGetValue(ticket, out Ticket? tk) ? (tk.Scale == RatingScale.None ? -1 : tk.Score, tk.Scale, tk.Prompts, tk.Finished) : (-1, RatingScale.None, 0, 0);

    private string? Requested(in LobbyEvent e)
    {
        Ticket tk = _tickets[e.Ticket];
        RatingRequestedView prompt = e.AsRatingRequested();
        long since = (e.TimeTicks - tk.Finished) / TimeSpan.TicksPerMillisecond;
        string? wrong =
            tk.FinishedAt != e.Counter || tk.Finished == 0 ? $"prompt #{e.Sequence} is for ticket {e.Ticket}, which counter {e.Counter} did not complete"
            : LastFinished(e.Counter).Ticket != e.Ticket ? $"prompt #{e.Sequence} at counter {e.Counter} is for ticket {e.Ticket}, not the counter's last finished {LastFinished(e.Counter).Ticket}"
            : e.TimeTicks - tk.Finished > config.RatingWindow.Ticks ? $"prompt #{e.Sequence} comes after the rating window ({since} ms after the finish)"
            : tk.Scale != RatingScale.None ? $"prompt #{e.Sequence} is for ticket {e.Ticket}, already rated"
            : prompt.PromptNumber != tk.Prompts + 1 ? $"prompt #{e.Sequence} is prompt {prompt.PromptNumber}, the stream says {tk.Prompts + 1}"
            : prompt.SinceFinishMs != since ? $"prompt #{e.Sequence} says {prompt.SinceFinishMs} ms since the finish, the stream says {since}"
            : e.Service != tk.Service ? $"prompt #{e.Sequence} names service {e.Service}, the ticket was served in {tk.Service}"
            : null;
        if (tk.Prompts == 0)
        {
            Counter(e.Counter).Requested++;
            _byService[tk.Service].Requested++;
        }

        tk.Prompts = prompt.PromptNumber;
        return wrong;
    }

    private string? Rated(in LobbyEvent e)
    {
        TicketRatedView rated = e.AsTicketRated();
        int slot = SlotOf(rated.Scale, rated.Score);
        Tally counter = Counter(e.Counter);
        if (slot < 0)
        {
            return $"rating #{e.Sequence} has score {rated.Score} outside its scale {rated.Scale}";
        }

        if ((rated.Reasons & ~RatingReasons.All) != 0)
        {
            return $"rating #{e.Sequence} has reasons {(int)rated.Reasons} outside the defined chips";
        }

        counter.Scores[slot]++;
        if (!rated.Linked)
        {
            counter.Unlinked++;
            return e.Service != -1 || e.NumberService != -1 || e.Number != 0 || rated.WaitMs != -1 || rated.CareGiven != 0
                ? $"unlinked rating #{e.Sequence} carries ticket fields"
                : null;
        }

        counter.Linked++;
        Ticket tk = _tickets[e.Ticket];
        long wait = (tk.Called - tk.Issued) / TimeSpan.TicksPerMillisecond;
        string? wrong =
            tk.Scale != RatingScale.None ? $"ticket {e.Ticket} is rated a second time by #{e.Sequence}"
            : tk.FinishedAt != e.Counter || tk.Finished == 0 ? $"rating #{e.Sequence} at counter {e.Counter} links ticket {e.Ticket}, which the counter did not complete"
            : e.Service != tk.Service ? $"rating #{e.Sequence} names service {e.Service}, the ticket was served in {tk.Service}"
            : rated.WaitMs != wait ? $"rating #{e.Sequence} says the ticket waited {rated.WaitMs} ms, the stream says {wait}"
            : rated.CareGiven != tk.Cares ? $"rating #{e.Sequence} says {rated.CareGiven} acts of care, the stream says {tk.Cares}"
            : null;
        tk.Score = rated.Score;
        tk.Scale = rated.Scale;
        Tally service = _byService[tk.Service];
        service.Scores[slot]++;
        service.Linked++;
        if (tk.Prompts > 0)
        {
            counter.Answered++;
            service.Answered++;
        }

        return wrong;
    }

    private Tally Counter(int counter)
    {
        if (!_byCounter.TryGetValue(counter, out Tally? tally))
        {
            tally = new Tally();
            _byCounter[counter] = tally;
        }

        return tally;
    }

    private static Tally[] NewTallies(int n) => [.. Enumerable.Range(0, n).Select(_ => new Tally())];

    /// <summary>Slots as the figures count them: pad 1..5, then 0..10.</summary>
    private static int SlotOf(RatingScale scale, int score) => scale switch
    {
        RatingScale.Pad5 when score is >= 1 and <= 5 => score - 1,
        RatingScale.Nps11 when score is >= 0 and <= 10 => 5 + score,
        _ => -1,
    };

    /// <summary>Recounted rating figures: requests, answers, linked and unlinked ratings, and the count per score.</summary>
    internal sealed class Tally
    {
        public int Requested;
        public int Answered;
        public int Linked;
        public int Unlinked;
        public int[] Scores = new int[16];

        /// <summary>The tally of several (the branch: its counters).</summary>
        public static Tally Sum(IEnumerable<Tally> parts)
        {
            var sum = new Tally();
            foreach (Tally p in parts)
            {
                sum.Requested += p.Requested;
                sum.Answered += p.Answered;
                sum.Linked += p.Linked;
                sum.Unlinked += p.Unlinked;
                for (int i = 0; i < 16; i++)
                {
                    sum.Scores[i] += p.Scores[i];
                }
            }

            return sum;
        }

        /// <summary>The engine's figures as a tally, read through the public API only.</summary>
        public static Tally Of(RatingFigures f)
        {
            var tally = new Tally { Requested = f.Requested, Answered = f.Answered, Linked = f.Linked, Unlinked = f.Unlinked };
            for (int s = 1; s <= 5; s++)
            {
                tally.Scores[s - 1] = f.Count(RatingScale.Pad5, s);
            }

            for (int s = 0; s <= 10; s++)
            {
                tally.Scores[5 + s] = f.Count(RatingScale.Nps11, s);
            }

            return tally;
        }

        public bool SameAs(Tally other) =>
            Requested == other.Requested && Answered == other.Answered && Linked == other.Linked && Unlinked == other.Unlinked && Scores.SequenceEqual(other.Scores);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"requested={Requested} answered={Answered} linked={Linked} unlinked={Unlinked} scores=[{string.Join(",", Scores)}]");
    }

    private sealed class Ticket
    {
        public long Issued;
        public long Called;
        public int Cares;
        public long Finished;
        public int FinishedAt;
        public int Service;
        public int Prompts;
        public int Score;
        public RatingScale Scale;
    }
}
