namespace LobbyEdge.HeadOffice;

/// <summary>
/// The branch's current state as the UTF-8 JSON that <c>/api/state</c> serves, published retained on
/// <c>lobby/v1/{branchId}/state</c> at most once a second when it changed.
/// </summary>
public interface IBranchStateSource
{
    /// <summary>
    /// The state now. Called from the link's own task, not the engine loop, so it must be safe to call from any
    /// thread (e.g. return the last snapshot the engine loop published). The memory must not change afterwards.
    /// </summary>
    public ReadOnlyMemory<byte> GetStateJson();
}
