using System.Globalization;

namespace LobbyEdge.Service.Advice;

/// <summary>
/// The <c>Advice</c> configuration section: staffing advice for the lobby manager (<c>--Advice:Enabled=false</c>,
/// <c>LOBBYEDGE__Advice__ServiceLevelTarget=0.85</c>). Checked before anything starts; a bad value stops the start with
/// exit code 2 naming the key. Times are minutes of the branch clock (the simulated clock under <c>--simulate</c>).
/// </summary>
public sealed class AdviceSettings
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Advice";

    /// <summary>Whether the branch forecasts and advises at all (default true). False: no forecast, no advice, no advice metrics move.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The service level the branch aims for over the horizon, a share 0.5..0.99 (default 0.8): advice to add staff
    /// comes when the forecast falls below it and a change brings it back up.
    /// </summary>
    public double ServiceLevelTarget { get; set; } = 0.8;

    /// <summary>How far ahead the advice looks, in minutes (5..60, default 30; the queue forecast covers 60).</summary>
    public double HorizonMinutes { get; set; } = 30;

    /// <summary>How often the forecast is made and advice judged, in minutes of the branch clock (0.25..60, default 1).</summary>
    public double EvaluateEveryMinutes { get; set; } = 1;

    /// <summary>The same advice (same kind and counter) is not given again before this many minutes (1..480, default 15).</summary>
    public double RepeatAfterMinutes { get; set; } = 15;

    /// <summary>Whether to say when a counter can pause or close without loss (default true).</summary>
    public bool AdvisePause { get; set; } = true;

    /// <summary>How many past days of the log the arrival forecast learns from (1..366, default 28; the log keeps <c>EventLog:RetentionDays</c>).</summary>
    public int RetainedDays { get; set; } = 28;

    /// <summary>What is wrong with the options, one line each naming the key (empty when they are valid).</summary>
    public static IEnumerable<string> Problems(AdviceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!(settings.ServiceLevelTarget is >= 0.5 and <= 0.99))
        {
            yield return Line(nameof(ServiceLevelTarget), settings.ServiceLevelTarget, "must be a share from 0.5 to 0.99 (0.8 = 80 % of customers called within their service's target)");
        }

        if (!(settings.HorizonMinutes is >= 5 and <= 60))
        {
            yield return Line(nameof(HorizonMinutes), settings.HorizonMinutes, "must be minutes from 5 to 60 (the queue forecast looks 60 minutes ahead)");
        }

        if (!(settings.EvaluateEveryMinutes is >= 0.25 and <= 60))
        {
            yield return Line(nameof(EvaluateEveryMinutes), settings.EvaluateEveryMinutes, "must be minutes from 0.25 to 60");
        }

        if (!(settings.RepeatAfterMinutes is >= 1 and <= 480))
        {
            yield return Line(nameof(RepeatAfterMinutes), settings.RepeatAfterMinutes, "must be minutes from 1 to 480");
        }

        if (settings.RetainedDays is < 1 or > 366)
        {
            yield return Line(nameof(RetainedDays), settings.RetainedDays, "must be a whole number of days from 1 to 366");
        }
    }

    private static string Line(string key, double value, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{Section}:{key} = '{value}': {what}");
}
