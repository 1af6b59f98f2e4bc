using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// The wire names of the engine's refusals: a <see cref="RefusalReason"/> in snake_case (<c>DayAlreadyClosed</c> →
/// <c>day_already_closed</c>), as head office reads them in a command's reply (<c>"reason"</c>) and in the
/// <c>outcome</c> of <c>lobby.request.decided</c>. Every reason and what it means: README, "Refusal reasons".
/// </summary>
public static class RefusalNames
{
    // The reasons are numbered 0, 1, 2… without gaps (they are in the log), so the value is the index.
    private static readonly string[] s_names = [.. Enum.GetValues<RefusalReason>().Select(r => Snake(r.ToString()))];

    /// <summary>
    /// The wire name of <paramref name="reason"/> (<c>none</c> for <see cref="RefusalReason.None"/>; a number this
    /// build does not know, e.g. from a newer log, as its digits).
    /// </summary>
    public static string Of(RefusalReason reason) =>
        (int)reason < s_names.Length ? s_names[(int)reason] : Snake(reason.ToString());

    private static string Snake(string pascal) => EventJson.Snake(pascal);
}
