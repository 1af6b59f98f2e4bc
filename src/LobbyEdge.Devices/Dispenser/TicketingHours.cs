namespace LobbyEdge.Devices.Dispenser;

/// <summary>
/// Whether dispensers can issue by the branch's day: written by the engine loop's sink after each batch (the day
/// opened or closed, the cutoff of the day), read by the devices' owner tasks. Ticketing closes by the clock, with no
/// event, so a reader compares the cutoff with its own clock.
/// </summary>
public sealed class TicketingHours
{
    private long _cutoffTicks;
    private volatile bool _dayOpen;

    /// <summary>Records the engine's day: open or not, and the instant ticketing closes (UTC).</summary>
    public void Set(bool dayOpen, DateTime cutoffUtc)
    {
        Interlocked.Exchange(ref _cutoffTicks, cutoffUtc.Ticks);
        _dayOpen = dayOpen;
    }

    /// <summary>Whether a dispenser would be refused at <paramref name="now"/>: the day is not open, or ticketing has closed.</summary>
    public bool IsClosedAt(DateTimeOffset now) => !_dayOpen || now.UtcTicks >= Interlocked.Read(ref _cutoffTicks);
}
