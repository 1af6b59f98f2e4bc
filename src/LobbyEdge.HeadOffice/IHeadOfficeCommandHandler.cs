using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// Carries out the commands head office sends, once the link has validated them. The host implements it over
/// its single-writer command channel; the link never touches the engine itself.
/// </summary>
/// <remarks>
/// Called on the MQTT client's receive task, one command at a time, never on the engine loop. An implementation
/// may throw: the link answers head office with an error and carries on.
/// </remarks>
public interface IHeadOfficeCommandHandler
{
    /// <summary>
    /// Runs an engine command (open day, close day, issue a ticket) and returns the engine's answer, accepted or
    /// refused with a reason. The result must be released only after the events it produced are durable.
    /// </summary>
    public ValueTask<CommandResult> ExecuteAsync(Command command, CancellationToken cancellationToken);

    /// <summary>
    /// Shows <paramref name="text"/> on the branch's signage until <paramref name="until"/> (or until replaced,
    /// when null). Returns <see cref="HeadOfficeReply.Done"/>, or a failure whose error is sent back to head office.
    /// </summary>
    public ValueTask<HeadOfficeReply> BroadcastNoticeAsync(string text, DateTimeOffset? until, CancellationToken cancellationToken);

    /// <summary>
    /// Carries out a configuration command (<c>update-configuration</c>, <c>rollback-configuration</c>,
    /// <c>update-calendar</c>); the link checked the payload's shape, the profile is the host's to validate. Returns
    /// the whole reply: <c>version</c>, <c>hash</c>, <c>applied</c> (<c>live</c>, <c>next_opening</c> or
    /// <c>unchanged</c>), <c>live</c> and <c>nextOpening</c> when done; the error with <c>field</c>, <c>line</c> and
    /// <c>column</c> when the profile was refused (nothing changed). Called again with the same
    /// <see cref="ConfigurationRequest.Request"/> for a repeat: the answer must be the same and nothing may change twice.
    /// </summary>
    public ValueTask<HeadOfficeReply> ConfigureAsync(ConfigurationRequest request, CancellationToken cancellationToken);
}
