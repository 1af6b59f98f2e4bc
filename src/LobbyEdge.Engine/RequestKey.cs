namespace LobbyEdge.Engine;

/// <summary>
/// The identity of a request from outside the branch (a head-office command) that must take effect at most once,
/// however often it is delivered. Carried by <see cref="Command.Request"/>; the engine records it, in the same step
/// as the command's effect, as an <see cref="EventKind.RequestDecided"/> event. The engine never compares keys:
/// whoever sends keyed commands remembers them from those events and does not send a decided request again.
/// </summary>
/// <param name="Id">The request's identity as a 64-bit hash; 0 means "no identity" (nothing is recorded).</param>
/// <param name="Fingerprint">
/// A 64-bit hash of what the request asked for, so that an identity reused for a different request can be told
/// from a repeat of the same one.
/// </param>
public readonly record struct RequestKey(long Id, long Fingerprint)
{
    /// <summary>No identity: the command is not recorded as a request.</summary>
    public static RequestKey None => default;

    /// <summary>True when there is no identity.</summary>
    public bool IsNone => Id == 0;
}
