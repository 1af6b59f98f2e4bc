using System.Globalization;
using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>The wait bands of the day summary's rating breakdown (the wait of a linked rating's ticket, issue to call).</summary>
public enum WaitBand
{
    /// <summary>Under 5 minutes.</summary>
    Under5 = 0,

    /// <summary>5 to under 10 minutes.</summary>
    From5To10 = 1,

    /// <summary>10 to under 20 minutes (past the usual care threshold).</summary>
    From10To20 = 2,

    /// <summary>20 minutes or more.</summary>
    Over20 = 3,
}

/// <summary>
/// Customer ratings of one row of the day summary (the branch, a counter, a service, or a wait band with or without
/// care), counted from the day's events: prompts, linked and unlinked ratings and their scores, with the figures a
/// branch is managed by (satisfaction, Net Promoter Score, response rate, mean normalized score) defined as the
/// engine's <see cref="RatingFigures"/> defines them.
/// </summary>
public sealed class RatingTotals
{
    private readonly int[] _pad = new int[5];    // scores 1..5
    private readonly int[] _page = new int[11];  // scores 0..10

    /// <summary>Tickets whose customer was asked to rate (first prompts).</summary>
    public int Requested { get; private set; }

    /// <summary>Of <see cref="Requested"/>, the tickets rated.</summary>
    public int Answered { get; private set; }

    /// <summary>Ratings linked to a ticket.</summary>
    public int Linked { get; private set; }

    /// <summary>Ratings of a counter with no ticket (after the rating window).</summary>
    public int Unlinked { get; private set; }

    /// <summary>Every rating.</summary>
    public int Total => Linked + Unlinked;

    /// <summary>Ratings on the 1..5 pads.</summary>
    public int PadRatings => _pad.Sum();

    /// <summary>Pad ratings of 4 or 5.</summary>
    public int Satisfied => _pad[3] + _pad[4];

    /// <summary>Ratings on the 0..10 rating page.</summary>
    public int PageRatings => _page.Sum();

    /// <summary>0..10 ratings of 9 or 10.</summary>
    public int Promoters => _page[9] + _page[10];

    /// <summary>0..10 ratings of 7 or 8.</summary>
    public int Passives => _page[7] + _page[8];

    /// <summary>0..10 ratings of 0 to 6.</summary>
    public int Detractors => PageRatings - Promoters - Passives;

    /// <summary>Satisfaction (CSAT), 0..1: the share of pad ratings that are 4 or 5; NaN without pad ratings.</summary>
    public double Satisfaction => PadRatings == 0 ? double.NaN : (double)Satisfied / PadRatings;

    /// <summary>The Net Promoter Score, -100..100; NaN without 0..10 ratings.</summary>
    public double NetPromoterScore => PageRatings == 0 ? double.NaN : 100.0 * (Promoters - Detractors) / PageRatings;

    /// <summary>The response rate, 0..1: <see cref="Answered"/> / <see cref="Requested"/>; NaN when nobody was asked.</summary>
    public double ResponseRate => Requested == 0 ? double.NaN : (double)Answered / Requested;

    /// <summary>The mean score as a share of its scale (<see cref="RatingFigures.Normalize"/>), 0..1; NaN without ratings.</summary>
    public double MeanNormalized
    {
        get
        {
            double sum = 0;
            for (int s = 1; s <= 5; s++)
            {
                sum += _pad[s - 1] * RatingFigures.Normalize(RatingScale.Pad5, s);
            }

            for (int s = 0; s <= 10; s++)
            {
                sum += _page[s] * RatingFigures.Normalize(RatingScale.Nps11, s);
            }

            return Total == 0 ? double.NaN : sum / Total;
        }
    }

    /// <summary>Ratings with this score on this scale (0 outside the scale).</summary>
    public int Count(RatingScale scale, int score) => scale switch
    {
        RatingScale.Pad5 when score is >= 1 and <= 5 => _pad[score - 1],
        RatingScale.Nps11 when score is >= 0 and <= 10 => _page[score],
        _ => 0,
    };

    /// <summary>True when every count equals the engine's figures.</summary>
    public bool Matches(in RatingFigures figures)
    {
        for (int s = 0; s <= 10; s++)
        {
            if (Count(RatingScale.Pad5, s) != figures.Count(RatingScale.Pad5, s) || Count(RatingScale.Nps11, s) != figures.Count(RatingScale.Nps11, s))
            {
                return false;
            }
        }

        return Requested == figures.Requested && Answered == figures.Answered && Linked == figures.Linked && Unlinked == figures.Unlinked;
    }

    /// <summary>
    /// The row in words: <c>12 ratings (9 of 13 asked, 69.2%), satisfaction 83.3% (5 of 6 pad ratings 4-5), NPS +16.7
    /// (6 ratings 0-10: 2 promoters, 3 passives, 1 detractor), mean 0.78</c>; the parts without ratings left out.
    /// </summary>
    public override string ToString()
    {
        CultureInfo ci = CultureInfo.InvariantCulture;
        var parts = new List<string>(4) { string.Create(ci, $"{Total} {Wording.Plural(Total, "rating")}") };
        if (Requested > 0)
        {
            parts[0] += string.Create(ci, $" ({Answered} of {Requested} asked, {Percent(ResponseRate)})");
        }

        if (Unlinked > 0)
        {
            parts[0] += string.Create(ci, $", {Unlinked} unlinked");
        }

        if (PadRatings > 0)
        {
            parts.Add(string.Create(ci, $"satisfaction {Percent(Satisfaction)} ({Satisfied} of {PadRatings} pad {Wording.Plural(PadRatings, "rating")} 4-5)"));
        }

        if (PageRatings > 0)
        {
            parts.Add(string.Create(ci, $"NPS {Nps(NetPromoterScore)} ({PageRatings} {Wording.Plural(PageRatings, "rating")} 0-10: {Promoters} {Wording.Plural(Promoters, "promoter")}, {Passives} {Wording.Plural(Passives, "passive")}, {Detractors} {Wording.Plural(Detractors, "detractor")})"));
        }

        if (Total > 0)
        {
            parts.Add(string.Create(ci, $"mean {MeanNormalized:0.00}"));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The band of a wait.</summary>
    public static WaitBand BandOf(long waitMs) => waitMs switch
    {
        < 5 * 60_000 => WaitBand.Under5,
        < 10 * 60_000 => WaitBand.From5To10,
        < 20 * 60_000 => WaitBand.From10To20,
        _ => WaitBand.Over20,
    };

    /// <summary>A band in words: "under 5 min", "5-10 min", "10-20 min", "20 min and more".</summary>
    public static string Describe(WaitBand band) => band switch
    {
        WaitBand.Under5 => "under 5 min",
        WaitBand.From5To10 => "5-10 min",
        WaitBand.From10To20 => "10-20 min",
        _ => "20 min and more",
    };

    /// <summary>A share as a percentage with one decimal ("83.3%"), or "-" for NaN.</summary>
    public static string Percent(double share) => double.IsNaN(share) ? "-" : (100 * share).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A Net Promoter Score with its sign ("+16.7", "-40.0", "0.0"), or "-" for NaN.</summary>
    public static string Nps(double score) => double.IsNaN(score) ? "-" : score.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    /// <summary>A first prompt for a ticket.</summary>
    internal void Ask() => Requested++;

    /// <summary>A rating; <paramref name="answered"/> when its ticket had been asked.</summary>
    internal void Rate(in TicketRatedView rating, bool answered)
    {
        if (rating.Scale == RatingScale.Pad5 && rating.Score is >= 1 and <= 5)
        {
            _pad[rating.Score - 1]++;
        }
        else if (rating.Scale == RatingScale.Nps11 && rating.Score is >= 0 and <= 10)
        {
            _page[rating.Score]++;
        }

        if (rating.Linked)
        {
            Linked++;
        }
        else
        {
            Unlinked++;
        }

        Answered += answered ? 1 : 0;
    }
}
