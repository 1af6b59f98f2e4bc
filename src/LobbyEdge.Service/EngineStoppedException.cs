using System.Threading.Channels;
using LobbyEdge.EventLog;

namespace LobbyEdge.Service;

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

    /// <summary>Creates the exception with a message, the fault that stopped the loop and the reason it gives.</summary>
    public EngineStoppedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = innerException switch
        {
            LogWriteException { IsStorageFull: true } => "storage_full",
            LogWriteException => "storage_failed",
            _ => "engine_failed",
        };
    }

    /// <summary>
    /// The reason as a stable snake_case code for machines (the kiosk's JSON): <c>storage_full</c> (the event log's
    /// disk is full), <c>storage_failed</c> (another write or fsync failure: I/O error, read-only) or
    /// <c>engine_failed</c> (anything else).
    /// </summary>
    public string Reason { get; }

    /// <summary>The refusal for the commands after <paramref name="fault"/> stopped the loop.</summary>
    internal static EngineStoppedException After(Exception fault) => fault switch
    {
        EngineStoppedException stopped => stopped.Again(),
        LogWriteException storage => new EngineStoppedException(
            $"{storage.Message}; the branch takes no more commands and the service stops (exit code 1). Every acknowledged ticket is in the log.", storage),
        _ => new EngineStoppedException($"the engine loop failed ({fault.GetType().Name}: {fault.Message}); the branch takes no more commands", fault),
    };

    /// <summary>A fresh copy for one more refused sender (an exception instance is not thrown from several threads).</summary>
    internal EngineStoppedException Again() => new(Message, InnerException);
}
