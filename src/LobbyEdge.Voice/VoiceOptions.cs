namespace LobbyEdge.Voice;

/// <summary>The <c>Voice</c> configuration section: whether and how calls are announced aloud.</summary>
public sealed class VoiceOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Voice";

    /// <summary>The default <see cref="Player"/>: ALSA's <c>aplay</c> on the default sound device, quietly.</summary>
    public const string DefaultPlayer = "aplay -q {file}";

    /// <summary>
    /// Whether to announce calls and recalls. Off by default: most places the service runs (CI, containers,
    /// <c>--simulate</c> at 60x, where calls come faster than they can be spoken) have no speaker. A branch box
    /// turns it on together with <see cref="Pack"/>.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The voice pack's directory (see deploy/voice/README.md). A relative path is relative to the program's
    /// directory, like <c>appsettings.json</c>: the default is <c>voice</c> beside the program.
    /// </summary>
    public string Pack { get; set; } = "voice";

    /// <summary>
    /// The languages, in the order they are spoken: <c>zh-CN</c> and/or <c>en</c>. Empty (the default) means
    /// <c>["zh-CN", "en"]</c>; a list in the configuration replaces it (environment:
    /// <c>LOBBYEDGE__Voice__Languages__0=en</c>).
    /// </summary>
    public IList<string> Languages { get; } = [];

    /// <summary>
    /// The command that plays one announcement: a program and its arguments, separated by spaces (double or
    /// single quotes group an argument with spaces). <c>{file}</c> is replaced by the WAV file's path; without it
    /// the path is added as the last argument. Run directly, not through a shell. Example for a USB sound card:
    /// <c>aplay -q -D plughw:1,0 {file}</c>.
    /// </summary>
    public string Player { get; set; } = DefaultPlayer;

    /// <summary>
    /// A player still running after this many seconds is killed and the next announcement plays: a stuck sound
    /// device must not hold up every later call.
    /// </summary>
    public double PlayTimeoutSeconds { get; set; } = 30;

    /// <summary>Silence before each announcement, in milliseconds (amplifiers that wake up on sound swallow the start).</summary>
    public int LeadInMilliseconds { get; set; } = (int)AnnouncementComposer.DefaultLeadIn.TotalMilliseconds;

    /// <summary>Silence after the chime and between languages, in milliseconds.</summary>
    public int GapMilliseconds { get; set; } = (int)AnnouncementComposer.DefaultGap.TotalMilliseconds;
}
