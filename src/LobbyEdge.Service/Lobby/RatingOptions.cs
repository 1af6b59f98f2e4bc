using System.Globalization;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// When the customer is asked to rate, and for how long (the <c>Rating</c> section: <c>--Rating:PromptSeconds=20</c>,
/// <c>LOBBYEDGE__Rating__PromptOnFinish=false</c>). Checked before anything starts; a bad value stops the start with exit
/// code 2 naming the key.
/// </summary>
public sealed class RatingOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Rating";

    /// <summary>Longest prompt: a rating pad's prompt frame carries the seconds in one byte.</summary>
    public const int MaxPromptSeconds = 255;

    /// <summary>
    /// Ask for a rating after every finish at a counter that can take one (a rating pad, or an open rating page);
    /// default true. False: only the keypad's finish-and-rate key (评价) asks.
    /// </summary>
    public bool PromptOnFinish { get; set; } = true;

    /// <summary>
    /// How long a rating pad (and page) asks before the prompt is over as "not rated", in seconds (1..255, default 30).
    /// Device time: under <c>--simulate</c> it is real seconds, not simulated ones.
    /// </summary>
    public int PromptSeconds { get; set; } = 30;

    /// <summary>
    /// How many presses one rating pad may count at once (1..1000, default 3) before <see cref="PadRatingsPerMinute"/>
    /// bounds it: a stuck key or a child at the pad must not swamp the counter's figures. A press over the bound is
    /// answered on the pad as "not counted" and counted as <c>lobby_device_frames_rejected_total{reason="rating_rate_limit"}</c>.
    /// </summary>
    public int PadBurst { get; set; } = 3;

    /// <summary>How many presses per minute one rating pad may count after its <see cref="PadBurst"/> (1..6000, default 6).</summary>
    public int PadRatingsPerMinute { get; set; } = 6;

    /// <summary><see cref="PromptSeconds"/> as a time span.</summary>
    public TimeSpan PromptTimeout => TimeSpan.FromSeconds(PromptSeconds);

    /// <summary>What is wrong with the options, one line each naming the key (empty when they are valid).</summary>
    public static IEnumerable<string> Problems(RatingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PromptSeconds is < 1 or > MaxPromptSeconds)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(PromptSeconds)} = '{options.PromptSeconds}': must be seconds from 1 to {MaxPromptSeconds} (a rating pad's prompt carries at most {MaxPromptSeconds} s)");
        }

        if (options.PadBurst is < 1 or > 1000)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(PadBurst)} = '{options.PadBurst}': must be a whole number of ratings from 1 to 1000");
        }

        if (options.PadRatingsPerMinute is < 1 or > 6000)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{Section}:{nameof(PadRatingsPerMinute)} = '{options.PadRatingsPerMinute}': must be a whole number of ratings per minute from 1 to 6000");
        }
    }
}
