using LobbyEdge.HeadOffice;

namespace LobbyEdge.Service.Operations;

/// <summary>The head-office <c>state</c> topic's payload: the same JSON as <c>/api/state</c>.</summary>
public sealed class BranchStateSource(BranchState state) : IBranchStateSource
{
    /// <inheritdoc />
    public ReadOnlyMemory<byte> GetStateJson() => state.Json;
}
