namespace LobbyEdge.Service.Persistence;

/// <summary>The <c>EventLog</c> configuration section.</summary>
public sealed class EventLogOptions
{
    /// <summary>Closed day segments older than this many days are deleted.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>A snapshot of the engine is taken after this many events, so start-up replays at most that many.</summary>
    public int SnapshotEveryEvents { get; set; } = 5000;
}
