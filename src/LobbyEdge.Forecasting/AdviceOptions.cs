namespace LobbyEdge.Forecasting;

/// <summary>How the <see cref="Advisor"/> advises (the service binds it from the <c>Advice:</c> section).</summary>
public sealed record AdviceOptions
{
    /// <summary>Whether advice is given at all (the forecast is still made for the console and metrics).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The service level the branch aims at over the horizon, 0..1 (0.8: 80 % called within target).</summary>
    public double ServiceLevelTarget { get; init; } = 0.8;

    /// <summary>The horizon the advice judges, 5..60 minutes (30).</summary>
    public TimeSpan Horizon { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the forecast is made and advice considered, on the branch clock (1 minute).</summary>
    public TimeSpan EvaluateEvery { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The same kind of advice for the same counter is not given again before this (15 minutes).</summary>
    public TimeSpan RepeatAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether a counter that can pause without loss is advised to pause.</summary>
    public bool AdvisePause { get; init; } = true;

    /// <summary>Business days of arrivals the forecast keeps (28: four of each weekday).</summary>
    public int RetainedDays { get; init; } = 28;

    /// <summary>
    /// The problems with these options, as (field, message) pairs; empty when they are usable. Fields are named as in
    /// the <c>Advice:</c> section.
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Validate()
    {
        var problems = new List<(string, string)>();
        if (!(ServiceLevelTarget > 0 && ServiceLevelTarget <= 1))
        {
            problems.Add(("ServiceLevelTarget", $"must be above 0 and at most 1 (a share), not {ServiceLevelTarget}"));
        }

        if (Horizon < TimeSpan.FromMinutes(5) || Horizon > TimeSpan.FromMinutes(60))
        {
            problems.Add(("Horizon", $"must be 5 to 60 minutes, not {Horizon}"));
        }

        if (EvaluateEvery < TimeSpan.FromSeconds(10) || EvaluateEvery > TimeSpan.FromMinutes(30))
        {
            problems.Add(("EvaluateEvery", $"must be 10 seconds to 30 minutes, not {EvaluateEvery}"));
        }

        if (RepeatAfter < TimeSpan.Zero || RepeatAfter > TimeSpan.FromHours(12))
        {
            problems.Add(("RepeatAfter", $"must be 0 to 12 hours, not {RepeatAfter}"));
        }

        if (RetainedDays is < 1 or > 366)
        {
            problems.Add(("RetainedDays", $"must be 1 to 366, not {RetainedDays}"));
        }

        return problems;
    }
}
