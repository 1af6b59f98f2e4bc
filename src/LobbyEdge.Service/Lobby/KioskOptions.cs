namespace LobbyEdge.Service.Lobby;

/// <summary>
/// The <c>Kiosk</c> configuration section: which callers may take tickets at <c>POST /kiosk/tickets</c> and how
/// fast. Lives outside the branch profile (the profile is shared with head office; kiosk tokens are secrets).
/// </summary>
/// <remarks>
/// A fresh install allows the box itself (loopback) and nothing else: a LAN kiosk is enrolled with a token
/// (<see cref="TokenFile"/>) or its address (<see cref="AllowedAddresses"/>). Every other caller gets 403.
/// </remarks>
public sealed class KioskOptions
{
    /// <summary>The section's name.</summary>
    public const string Section = "Kiosk";

    /// <summary>
    /// Whether a caller on a loopback address (127.0.0.0/8, ::1) is the kiosk <c>local</c>: a kiosk browser running
    /// on the box itself and the <c>--simulate</c> demo. Turn it off when a reverse proxy on the box forwards the LAN
    /// (every caller would then look local).
    /// </summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>
    /// Kiosks allowed by their address, each an IP address (<c>192.168.10.21</c>) or a network
    /// (<c>192.168.10.16/28</c>). A caller allowed this way is the kiosk <c>address:&lt;ip&gt;</c>. Forwarded headers
    /// (<c>X-Forwarded-For</c>) are never read: the address is the TCP peer's.
    /// </summary>
    public List<string> AllowedAddresses { get; } = [];

    /// <summary>
    /// The kiosk token file (empty: none): one kiosk a line, <c>name sha256-hex-of-token</c>, <c>#</c> starts a
    /// comment. Only hashes are kept; the file is read again when it changes, so enrolling or revoking a kiosk
    /// needs no restart.
    /// </summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Tickets one kiosk may take a minute, on average (a token bucket refilled evenly).</summary>
    public int TicketsPerMinute { get; set; } = 10;

    /// <summary>
    /// Requests one kiosk may make at once before the per-minute rate applies (the bucket's size). Every request to
    /// <c>POST /kiosk/tickets</c> from a known kiosk counts, also one answered 400 or 409.
    /// </summary>
    public int Burst { get; set; } = 20;

    /// <summary>Tickets all kiosks together may take a minute: the branch's cap, whatever the number of kiosks.</summary>
    public int BranchTicketsPerMinute { get; set; } = 60;

    /// <summary>Tickets all kiosks together may take at once before the branch's rate applies.</summary>
    public int BranchBurst { get; set; } = 60;

    /// <summary>
    /// Ratings one device may post a minute at <c>POST /rate/{counter}</c>, on average (a counter's rating tablet, known
    /// to this gate like a kiosk). A customer rates once a visit; a script is stopped here.
    /// </summary>
    public int RatingsPerMinute { get; set; } = 6;

    /// <summary>Ratings one device may post at once before <see cref="RatingsPerMinute"/> applies; every post counts, also one answered 400 or 409.</summary>
    public int RatingBurst { get; set; } = 6;
}
