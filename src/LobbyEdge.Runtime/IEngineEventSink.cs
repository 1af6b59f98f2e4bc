using LobbyEdge.Engine;

namespace LobbyEdge.Runtime;

/// <summary>
/// Receives every event the engine produces, in sequence order, on the engine loop. Register implementations
/// in DI as <see cref="IEngineEventSink"/>; they are called in registration order, so the event log is
/// registered first.
/// </summary>
/// <remarks>
/// <para>
/// The rule that keeps the branch "durable first": sinks are called synchronously, in order, before the result
/// of the command that produced the events is released to its sender. By the time a dispenser learns its
/// ticket number, the event log has the ticket.
/// </para>
/// <para>
/// Calls happen on the engine loop, so a sink must be quick and must not wait on <see cref="ILobbyCommands"/>
/// (that would deadlock the loop). A sink that throws stops the engine loop and the process (exit code 1):
/// the event log cannot skip an event, and the other sinks must not silently miss one.
/// </para>
/// </remarks>
public interface IEngineEventSink
{
    /// <summary>
    /// Takes the events of one engine step (a command or a timer tick). Never called with an empty span. The
    /// span is valid only during the call; copy what must outlive it.
    /// </summary>
    public void OnEvents(ReadOnlySpan<LobbyEvent> events);

    /// <summary>
    /// Called after a batch of steps (the commands that were waiting in the channel together) and before their
    /// results are released. The event log makes the batch durable here, one group commit for many commands.
    /// </summary>
    public void OnBatchEnd()
    {
    }
}
