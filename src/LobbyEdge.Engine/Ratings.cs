using System.Runtime.CompilerServices;

namespace LobbyEdge.Engine;

/// <summary>
/// Customer ratings of a counter, a service or the branch today: counts per score on each scale and the figures
/// branch service is managed by. Satisfaction (CSAT) is the share of pad ratings of 4 or 5 (top two boxes of five);
/// the Net Promoter Score is the share of promoters (9-10) minus the share of detractors (0-6) of the 0..10 ratings,
/// times 100. Kept by the events as they are applied, so reading it costs a copy and replay gives the same figures.
/// </summary>
public readonly struct RatingFigures : IEquatable<RatingFigures>
{
    private readonly RatingTally _t;

    internal RatingFigures(in RatingTally tally) => _t = tally;

    /// <summary>Tickets whose customer was asked to rate (a first <see cref="EventKind.RatingRequested"/>).</summary>
    public int Requested => _t.Requested;

    /// <summary>Of <see cref="Requested"/>, the tickets that were rated (the response rate's numerator).</summary>
    public int Answered => _t.Answered;

    /// <summary>Ratings linked to a ticket (given within the rating window after its finish).</summary>
    public int Linked => _t.Linked;

    /// <summary>Ratings of the counter with no ticket (given after the window).</summary>
    public int Unlinked => _t.Unlinked;

    /// <summary>All ratings: <see cref="Linked"/> + <see cref="Unlinked"/>.</summary>
    public int Total => _t.Linked + _t.Unlinked;

    /// <summary>Ratings with this score on this scale; 0 for a score outside the scale.</summary>
    public int Count(RatingScale scale, int score)
    {
        int slot = RatingTally.SlotOf(scale, score);
        return slot < 0 ? 0 : _t.Scores[slot];
    }

    /// <summary>Ratings on a scale.</summary>
    public int Rated(RatingScale scale)
    {
        int sum = 0;
        int first = scale == RatingScale.Pad5 ? 1 : 0;
        int last = scale == RatingScale.Pad5 ? 5 : scale == RatingScale.Nps11 ? 10 : -1;
        for (int s = first; s <= last; s++)
        {
            sum += Count(scale, s);
        }

        return sum;
    }

    /// <summary>Pad ratings of 4 or 5.</summary>
    public int Satisfied => Count(RatingScale.Pad5, 4) + Count(RatingScale.Pad5, 5);

    /// <summary>Satisfaction (CSAT): the share 0..1 of pad ratings that are 4 or 5; NaN when there are none.</summary>
    public double Satisfaction => Rated(RatingScale.Pad5) is var n && n == 0 ? double.NaN : (double)Satisfied / n;

    /// <summary>0..10 ratings of 9 or 10.</summary>
    public int Promoters => Count(RatingScale.Nps11, 9) + Count(RatingScale.Nps11, 10);

    /// <summary>0..10 ratings of 7 or 8.</summary>
    public int Passives => Count(RatingScale.Nps11, 7) + Count(RatingScale.Nps11, 8);

    /// <summary>0..10 ratings of 0 to 6.</summary>
    public int Detractors => Rated(RatingScale.Nps11) - Promoters - Passives;

    /// <summary>The Net Promoter Score, -100..100: (promoters - detractors) / ratings x 100; NaN when there are no 0..10 ratings.</summary>
    public double NetPromoterScore =>
        Rated(RatingScale.Nps11) is var n && n == 0 ? double.NaN : 100.0 * (Promoters - Detractors) / n;

    /// <summary>The response rate: the share 0..1 of tickets asked to rate that were rated; NaN when none was asked.</summary>
    public double ResponseRate => _t.Requested == 0 ? double.NaN : (double)_t.Answered / _t.Requested;

    /// <summary>The mean of every rating as a share of its scale (<see cref="Normalize"/>), 0..1; NaN when there are none.</summary>
    public double MeanNormalized
    {
        get
        {
            double sum = 0;
            int n = 0;
            for (int s = 1; s <= 5; s++)
            {
                int c = Count(RatingScale.Pad5, s);
                sum += c * Normalize(RatingScale.Pad5, s);
                n += c;
            }

            for (int s = 0; s <= 10; s++)
            {
                int c = Count(RatingScale.Nps11, s);
                sum += c * Normalize(RatingScale.Nps11, s);
                n += c;
            }

            return n == 0 ? double.NaN : sum / n;
        }
    }

    /// <summary>A score as a share of its scale, 0..1: (score - 1) / 4 on a pad, score / 10 on the 0..10 scale; NaN outside the scale.</summary>
    public static double Normalize(RatingScale scale, int score) => scale switch
    {
        RatingScale.Pad5 when score is >= 1 and <= 5 => (score - 1) / 4.0,
        RatingScale.Nps11 when score is >= 0 and <= 10 => score / 10.0,
        _ => double.NaN,
    };

    /// <summary>True when every count is the same.</summary>
    public bool Equals(RatingFigures other) => _t.Equals(in other._t);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is RatingFigures other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_t.Requested, _t.Answered, _t.Linked, _t.Unlinked);

    /// <summary>Equal counts.</summary>
    public static bool operator ==(RatingFigures left, RatingFigures right) => left.Equals(right);

    /// <summary>Different counts.</summary>
    public static bool operator !=(RatingFigures left, RatingFigures right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        $"requested={Requested} answered={Answered} linked={Linked} unlinked={Unlinked} pad={Rated(RatingScale.Pad5)} nps11={Rated(RatingScale.Nps11)}";
}

/// <summary>Counts per score: slots 0..4 are pad scores 1..5, slots 5..15 are 0..10 scores 0..10.</summary>
[InlineArray(RatingTally.SlotCount)]
internal struct ScoreSlots
{
    private int _e0;
}

/// <summary>The rating counters of one counter or service; see <see cref="RatingFigures"/>.</summary>
internal struct RatingTally
{
    public const int SlotCount = 16;

    public ScoreSlots Scores;
    public int Requested;
    public int Answered;
    public int Linked;
    public int Unlinked;

    public readonly RatingFigures Figures => new(in this);

    /// <summary>The slot of a score, or -1 when the score is outside its scale.</summary>
    public static int SlotOf(RatingScale scale, int score) => scale switch
    {
        RatingScale.Pad5 when score is >= 1 and <= 5 => score - 1,
        RatingScale.Nps11 when score is >= 0 and <= 10 => 5 + score,
        _ => -1,
    };

    /// <summary>Counts one rating in its score slot (none for -1) as linked or unlinked.</summary>
    public void Count(int slot, bool linked)
    {
        if (slot >= 0)
        {
            Scores[slot]++;
        }

        if (linked)
        {
            Linked++;
        }
        else
        {
            Unlinked++;
        }
    }

    public void Add(in RatingTally other)
    {
        for (int i = 0; i < SlotCount; i++)
        {
            Scores[i] += other.Scores[i];
        }

        Requested += other.Requested;
        Answered += other.Answered;
        Linked += other.Linked;
        Unlinked += other.Unlinked;
    }

    public readonly bool Equals(in RatingTally other)
    {
        for (int i = 0; i < SlotCount; i++)
        {
            if (Scores[i] != other.Scores[i])
            {
                return false;
            }
        }

        return Requested == other.Requested && Answered == other.Answered && Linked == other.Linked && Unlinked == other.Unlinked;
    }
}
