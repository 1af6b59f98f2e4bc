using System.Text.Json;
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
    /// when null). Returns null when done, or the reason it was not (sent back to head office as the error).
    /// </summary>
    public ValueTask<string?> BroadcastNoticeAsync(string text, DateTimeOffset? until, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a new service and counter configuration. <paramref name="body"/> is the command's JSON object (the
    /// link only checked that it is an object; its fields are the host's to validate). Returns null when applied,
    /// or what is wrong, naming the field. The element is valid only during the call.
    /// </summary>
    public ValueTask<string?> UpdateConfigurationAsync(JsonElement body, CancellationToken cancellationToken);
}
