namespace LobbyEdge.Engine;

/// <summary>How a new branch configuration takes effect (the <see cref="EventKind.ConfigurationChanged"/> event's <c>Detail</c>).</summary>
public enum ConfigurationChange : byte
{
    /// <summary>Not a change.</summary>
    None = 0,

    /// <summary>
    /// In force from this event: thresholds, caps, tolerance, counter profiles, and the hours of days not yet opened.
    /// Also a structural change made while no day is open.
    /// </summary>
    Live = 1,

    /// <summary>
    /// Accepted and durable, but it changes what cannot change during an open day (services added, removed or
    /// reordered, number ranges, prefixes, counters added or removed, the day's storage, the time zone): the whole
    /// configuration takes effect when the next day opens, with a <see cref="TookEffect"/> event.
    /// </summary>
    AtNextOpening = 2,

    /// <summary>A configuration accepted <see cref="AtNextOpening"/> took effect: the day that opens next runs with it.</summary>
    TookEffect = 3,
}

/// <summary>Who changed the configuration (the <see cref="EventKind.ConfigurationChanged"/> event's <c>Reason</c>).</summary>
public enum ConfigurationSource : byte
{
    /// <summary>The branch profile file on the box (at start, after a technician edited it).</summary>
    Profile = 0,

    /// <summary>Head office pushed it (<c>update-configuration</c>, <c>update-calendar</c>).</summary>
    HeadOffice = 1,

    /// <summary>Head office rolled back to the previous version (<c>rollback-configuration</c>).</summary>
    Rollback = 2,
}

/// <summary>
/// What differs between two configurations and when it can take effect. <see cref="Live"/> and
/// <see cref="AtNextOpening"/> list human-readable changes, each starting with its profile field path, e.g.
/// <c>services[1].careMinutes: 10 -> 8</c>.
/// </summary>
/// <param name="Live">Changes that can take effect during an open day.</param>
/// <param name="AtNextOpening">Changes that can only take effect when a day opens; when any, the whole configuration waits.</param>
public sealed record ConfigurationDiff(IReadOnlyList<string> Live, IReadOnlyList<string> AtNextOpening)
{
    /// <summary>Whether anything differs.</summary>
    public bool IsEmpty => Live.Count == 0 && AtNextOpening.Count == 0;

    /// <summary>Whether the configuration must wait for the next opening (a day is open and something structural changes).</summary>
    public bool NeedsOpening => AtNextOpening.Count > 0;
}
