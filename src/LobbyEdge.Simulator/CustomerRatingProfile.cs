using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// How simulated customers rate their visit: which counters have a rating pad (1-5 keys) or a rating page (0-10,
/// "how likely are you to recommend us"), who answers when asked, and the score model in which a long wait lowers the
/// score and care received while waiting past the care threshold wins part of it back. All shares are 0..1; scores
/// are modelled on the normalized scale 0..1 (<see cref="RatingFigures.Normalize"/>) and then put on the station's
/// scale. See src/LobbyEdge.Simulator/README.md, "Customer ratings", for the model and its parameters.
/// </summary>
public sealed record CustomerRatingProfile
{
    /// <summary>Counters (by number) with a customer rating pad, 1..5 (<see cref="RatingScale.Pad5"/>).</summary>
    public IReadOnlyList<int> PadCounters { get; init; } = [];

    /// <summary>
    /// Counters (by number) with a tablet showing the rating page, 0..10 (<see cref="RatingScale.Nps11"/>). A counter
    /// in both lists has a pad.
    /// </summary>
    public IReadOnlyList<int> PageCounters { get; init; } = [];

    /// <summary>
    /// Counters whose rating prompt comes from elsewhere (the service host's rating prompter, for the hardware
    /// profile's rating pads): the simulated customers answer the <see cref="EventKind.RatingRequested"/> there but
    /// the simulation does not post <see cref="Command.RequestRating"/> itself, so nobody is asked twice.
    /// </summary>
    public IReadOnlyList<int> PromptedElsewhere { get; init; } = [];

    /// <summary>Share of customers who rate when asked (the others walk away: "not rated").</summary>
    public double ResponseRate { get; init; } = 0.7;

    /// <summary>Share of ratings pressed twice (a second key press or tap a moment later; the engine keeps the first).</summary>
    public double DoublePressRate { get; init; } = 0.03;

    /// <summary>Fewest seconds from the prompt to the customer's press.</summary>
    public int RateAfterMinSeconds { get; init; } = 3;

    /// <summary>Most seconds from the prompt to the customer's press (within the engine's rating window).</summary>
    public int RateAfterMaxSeconds { get; init; } = 20;

    /// <summary>Mean normalized score of a customer who did not wait at all (0.88: 4.5 of 5 on a pad, 8.8 of 10).</summary>
    public double NoWaitScore { get; init; } = 0.88;

    /// <summary>
    /// How the wait lowers the mean normalized score: from each band's start (minutes) the score falls by its slope
    /// per minute, up to <see cref="MaxWaitPenalty"/>. Defaults: 0.004 a minute under 5 minutes (hardly noticed),
    /// 0.015 from 5, 0.025 from 10 (past the care threshold it hurts most), 0.01 from 20.
    /// </summary>
    public IReadOnlyList<(double FromMinutes, double PerMinute)> WaitPenalty { get; init; } =
    [
        (0, 0.004),
        (5, 0.015),
        (10, 0.025),
        (20, 0.01),
    ];

    /// <summary>The most a wait can take off the mean normalized score.</summary>
    public double MaxWaitPenalty { get; init; } = 0.55;

    /// <summary>
    /// Share of the penalty accrued past the ticket's care threshold that care while waiting wins back (a customer
    /// looked after by the lobby manager forgives much of the wait, not all of it).
    /// </summary>
    public double CareRecovery { get; init; } = 0.65;

    /// <summary>Standard deviation of a customer's mood around the mean, on the normalized scale.</summary>
    public double Noise { get; init; } = 0.15;

    /// <summary>
    /// Chance that a detractor (0..6 on the rating page) taps the "waiting" chip after no wait; it rises in a straight
    /// line to <see cref="WaitingReasonAfterLongWait"/> at 20 minutes and more (less when cared for, by
    /// <see cref="CareRecovery"/>).
    /// </summary>
    public double WaitingReason { get; init; } = 0.1;

    /// <summary>Chance of the "waiting" chip after a wait of 20 minutes or more.</summary>
    public double WaitingReasonAfterLongWait { get; init; } = 0.85;

    /// <summary>Chance that a detractor taps the "confusing" chip.</summary>
    public double ConfusingReason { get; init; } = 0.25;

    /// <summary>Chance that a detractor taps the "annoying" chip.</summary>
    public double AnnoyingReason { get; init; } = 0.2;

    /// <summary>Chance that a detractor taps the "cost" chip.</summary>
    public double CostReason { get; init; } = 0.2;

    /// <summary>
    /// The demo's stations for a branch: rating pads at <paramref name="padCounters"/> (the hardware profile's rating
    /// pads) or, when none are given, at the first quarter of the counters (at least one); a rating page at every other
    /// counter with a clerk (not a button-only desk such as the self-service help desk). In the demo branch: pads at
    /// counters 1 and 2 (the wealth counters), pages at 3 to 7, nothing at the help desk (8).
    /// </summary>
    public static CustomerRatingProfile ForBranch(BranchConfig config, IReadOnlyList<int>? padCounters = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        int[] pads = padCounters is { Count: > 0 }
            ? [.. padCounters]
            : [.. config.Counters.Take(Math.Max(1, (config.Counters.Count + 3) / 4)).Select(c => c.Number)];
        int[] pages = [.. config.Counters.Where(c => !c.ButtonOnly && !pads.Contains(c.Number)).Select(c => c.Number)];
        return new CustomerRatingProfile { PadCounters = pads, PageCounters = pages };
    }

    /// <summary>The scale of the station at a counter, or <see cref="RatingScale.None"/> when it has none.</summary>
    public RatingScale ScaleAt(int counter) =>
        PadCounters.Contains(counter) ? RatingScale.Pad5 : PageCounters.Contains(counter) ? RatingScale.Nps11 : RatingScale.None;

    /// <summary>
    /// The mean normalized score (0..1) of a customer who waited <paramref name="waitMinutes"/> (issue to the call that
    /// brought them to the counter) and received <paramref name="careGiven"/> acts of care while waiting, in a service
    /// whose care threshold is <paramref name="careThresholdMinutes"/>.
    /// </summary>
    public double MeanScore(double waitMinutes, int careGiven, double careThresholdMinutes)
    {
        double penalty = Penalty(waitMinutes);
        if (careGiven > 0 && waitMinutes > careThresholdMinutes)
        {
            penalty -= CareRecovery * (penalty - Penalty(careThresholdMinutes));
        }

        return Math.Clamp(NoWaitScore - penalty, 0, 1);
    }

    /// <summary>
    /// A customer's score on <paramref name="scale"/> (one normal draw of mood around <see cref="MeanScore"/>), and the
    /// reason chips a rating-page detractor taps (four more draws; none on a pad).
    /// </summary>
    internal (int Score, RatingReasons Reasons) Draw(Random random, RatingScale scale, double waitMinutes, int careGiven, double careThresholdMinutes)
    {
        double x = Math.Clamp(MeanScore(waitMinutes, careGiven, careThresholdMinutes) + (Noise * RandomDraws.StandardNormal(random)), 0, 1);
        if (scale == RatingScale.Pad5)
        {
            return (1 + (int)Math.Round(4 * x, MidpointRounding.AwayFromZero), RatingReasons.None);
        }

        int score = (int)Math.Round(10 * x, MidpointRounding.AwayFromZero);
        RatingReasons reasons = RatingReasons.None;
        if (score <= 6)
        {
            double waiting = WaitingReason + ((WaitingReasonAfterLongWait - WaitingReason) * Math.Min(1, waitMinutes / 20));
            if (careGiven > 0)
            {
                waiting *= 1 - CareRecovery;
            }

            reasons |= random.NextDouble() < waiting ? RatingReasons.Waiting : RatingReasons.None;
            reasons |= random.NextDouble() < ConfusingReason ? RatingReasons.Confusing : RatingReasons.None;
            reasons |= random.NextDouble() < AnnoyingReason ? RatingReasons.Annoying : RatingReasons.None;
            reasons |= random.NextDouble() < CostReason ? RatingReasons.Cost : RatingReasons.None;
        }

        return (score, reasons);
    }

    private double Penalty(double waitMinutes)
    {
        double penalty = 0;
        for (int i = 0; i < WaitPenalty.Count; i++)
        {
            (double from, double perMinute) = WaitPenalty[i];
            double to = i + 1 < WaitPenalty.Count ? WaitPenalty[i + 1].FromMinutes : double.PositiveInfinity;
            penalty += perMinute * Math.Clamp(waitMinutes - from, 0, to - from);
        }

        return Math.Min(penalty, MaxWaitPenalty);
    }
}
