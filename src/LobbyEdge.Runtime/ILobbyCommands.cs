using LobbyEdge.Engine;

namespace LobbyEdge.Runtime;

/// <summary>
/// The one way into the queue: devices, pages, head office and the simulator post a <see cref="Command"/> and
/// await what the engine made of it. Implemented by <see cref="LobbyCommandChannel"/>, whose one reader is the engine loop, the single writer.
/// </summary>
public interface ILobbyCommands
{
    /// <summary>
    /// Queues a command for the engine and returns its outcome once every <see cref="IEngineEventSink"/> has seen
    /// the events it produced.
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">
    /// Cancels only the wait for room in the command channel. Once queued, a command is carried out and its
    /// outcome awaited: the engine may already have acted on it (a ticket issued must reach its printer).
    /// </param>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The engine loop has stopped.</exception>
    public ValueTask<CommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default);
}

/// <summary>What became of a command.</summary>
/// <param name="Result">The engine's answer: accepted with what it produced, or refused with a reason.</param>
/// <param name="At">The instant the engine decided the command at (its <c>now</c>).</param>
/// <param name="LastSequence">
/// The branch sequence number of the last event emitted up to and including this command; a caller can wait for
/// a consumer (e.g. the head-office shipper) to pass it.
/// </param>
public readonly record struct CommandOutcome(CommandResult Result, DateTimeOffset At, long LastSequence);
