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
    }
}
