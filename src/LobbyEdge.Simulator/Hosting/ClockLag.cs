namespace LobbyEdge.Simulator.Hosting;

/// <summary>
/// How far a simulated day runs behind its clock: the time between when a planned action (a customer's arrival, a
/// clerk's call) was due and when the driver got to it. At a <c>--speed</c> the machine cannot keep up with, or when the
/// process is held up (swapping, a stopped process), the lag grows and the day's figures stop being the lobby's.
/// </summary>
/// <param name="threshold">The lag, in simulated time, past which the day counts as behind.</param>
public sealed class ClockLag(TimeSpan threshold)
{
    /// <summary>Five simulated minutes: half the care threshold, enough to change who waits past it.</summary>
    public static readonly TimeSpan DefaultThreshold = TimeSpan.FromMinutes(5);

    /// <summary>The worst lag seen (simulated time; zero or more).</summary>
    public TimeSpan Worst { get; private set; }

    /// <summary>Whether the lag has passed the threshold (and been reported).</summary>
    public bool Warned { get; private set; }

    /// <summary>
    /// Takes one reading (<paramref name="lag"/>: the clock's time minus the earliest action's due time; negative when
    /// nothing is overdue) and returns true the first time it passes the threshold, so it is reported once a day.
    /// </summary>
    public bool Observe(TimeSpan lag)
    {
        if (lag > Worst)
        {
            Worst = lag;
        }

        if (Warned || lag <= threshold)
        {
            return false;
        }

        Warned = true;
        return true;
    }
}
