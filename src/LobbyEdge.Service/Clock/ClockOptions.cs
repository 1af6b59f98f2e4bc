namespace LobbyEdge.Service.Clock;

/// <summary>
/// The <c>Clock</c> configuration section: how the branch clock (<see cref="BranchClock"/>) judges the system
/// clock. See the engine README ("Clock policy").
/// </summary>
public sealed class ClockOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string Section = "Clock";

    /// <summary>
    /// Where the clock's synchronisation state comes from: <c>kernel</c> (the default: adjtimex(2), unsynchronised
    /// while the kernel's <c>STA_UNSYNC</c> flag is set, which systemd-timesyncd, chrony and ntpd clear once they
    /// have set the clock) or <c>trusted</c> (always synchronised: a box whose clock is kept by other means, such
    /// as a battery-backed real-time clock and no NTP daemon).
    /// </summary>
    public string Synchronization { get; set; } = "kernel";

    /// <summary>
    /// How far, in seconds, the wall clock may move against the monotonic clock between two readings before the
    /// move counts as a step (reported, and never followed backwards). NTP slews by at most 0.5 ms a second, so
    /// anything above a few milliseconds is a step; the default 2 s leaves room for a busy machine. A delay between the
    /// reads of the two clocks is not part of the move (<see cref="BranchClock"/>), so this is never scaled by a
    /// simulation's speed.
    /// </summary>
    public double StepThresholdSeconds { get; set; } = 2;
}
