using System.Globalization;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog;

/// <summary>
/// An event of the log cannot be applied to the engine created for the replay: it names a service, counter or tier
/// index that configuration does not have. The log is intact (its checksums held); the configuration is not the one it
/// ran with: another branch's profile on data that records no branch any more, or a profile edited on the box after
/// the configuration store was lost. Nothing was changed.
/// </summary>
public sealed class LogReplayException : Exception
{
    /// <summary>Names the event by sequence and kind.</summary>
    public LogReplayException(long sequence, EventKind kind, Exception inner)
        : base(string.Create(CultureInfo.InvariantCulture, $"event {sequence} ({kind}) of the log cannot be replayed under this configuration: it names a service, counter or tier the configuration does not have"), inner)
    {
        Sequence = sequence;
        Kind = kind;
    }

    /// <summary>The event's sequence number.</summary>
    public long Sequence { get; }

    /// <summary>The event's kind.</summary>
    public EventKind Kind { get; }
}
