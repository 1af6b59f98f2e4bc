using System.Threading.Channels;

namespace LobbyEdge.Runtime;

/// <summary>
/// The engine loop stopped after a fault and carries out no more commands: every command sent from the moment of
/// the fault on (and every command of the batch it happened in) gets this instead of an outcome. The message says
/// why in the lobby's words, e.g. <c>branch storage full: appending events to /var/lib/lobby-edge/log/….seg
/// failed (No space left on device); …</c>. It is a <see cref="ChannelClosedException"/>, so code that treats a
/// closed channel as "the engine has stopped" keeps doing so.
/// </summary>
public sealed class EngineStoppedException : ChannelClosedException
{
    /// <summary>Creates the exception with the generic reason <c>engine_failed</c>.</summary>
    public EngineStoppedException()
        : this("the engine loop has stopped")
    {
    }

    /// <summary>Creates the exception with a message and the generic reason <c>engine_failed</c>.</summary>
    public EngineStoppedException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Creates the exception with a message, the fault that stopped the loop and the generic reason <c>engine_failed</c>.</summary>
    public EngineStoppedException(string message, Exception? innerException)
        : this(message, "engine_failed", innerException)
    {
    }

    /// <summary>Creates the exception with a message, the reason code it gives and the fault that stopped the loop.</summary>
    /// <param name="message">Why, in the lobby's words.</param>
    /// <param name="reason">A stable snake_case code (see <see cref="Reason"/>).</param>
    /// <param name="innerException">The fault that stopped the loop, or null.</param>
    public EngineStoppedException(string message, string reason, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        Reason = reason;
    }

    /// <summary>
    /// The reason as a stable snake_case code for machines (the kiosk's JSON): <c>storage_full</c> (the event log's
    /// disk is full), <c>storage_failed</c> (another write or fsync failure: I/O error, read-only) or
    /// <c>engine_failed</c> (anything else).
    /// </summary>
    public string Reason { get; }

    /// <summary>A fresh copy for one more refused sender (an exception instance is not thrown from several threads).</summary>
    public EngineStoppedException Again() => new(Message, Reason, InnerException);
}
