namespace LobbyEdge.Service.Lobby;

/// <summary>The <c>Lobby</c> configuration section: the lobby manager's console (<c>/lobby</c>) and its sign-in.</summary>
public sealed class ConsoleOptions
{
    /// <summary>The section's name.</summary>
    public const string Section = "Lobby";

    /// <summary>
    /// The staff file (who may sign in, with hashed PINs); null or empty: <c>staff.txt</c> in the data directory.
    /// Re-read when it changes, so staff added with <c>lobby-edge staff add</c> can sign in without a restart.
    /// </summary>
    public string? StaffFile { get; set; }

    /// <summary>A session ends after this many minutes without a request from its page (1..720).</summary>
    public int SessionIdleMinutes { get; set; } = 60;

    /// <summary>A session ends this many hours after sign-in, however busy (1..24).</summary>
    public int SessionMaxHours { get; set; } = 12;

    /// <summary>Wrong PINs in a row (per staff id, and per address) before sign-in is locked (1..100).</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>How long a lockout lasts, in minutes (1..1440).</summary>
    public int LockoutMinutes { get; set; } = 5;

    /// <summary>A care alert pending longer than this many minutes shows as overdue (1..120).</summary>
    public int OverdueMinutes { get; set; } = 2;
}
