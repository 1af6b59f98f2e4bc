namespace LobbyEdge.Service.Tests;

/// <summary>
/// A process-level fact about the JIT build only (<c>dotnet lobby-edge.dll</c>): skipped, with the reason said in the results,
/// when the tests run against a native binary (<see cref="ServiceProcess.BinaryVariable"/>). The reason says why the
/// fact does not apply to a native binary.
/// </summary>
public sealed class JitOnlyFactAttribute : FactAttribute
{
    public JitOnlyFactAttribute(string reason)
    {
        if (!ServiceProcess.IsJit)
        {
            Skip = $"JIT build only ({ServiceProcess.BinaryVariable} names a native binary): {reason}";
        }
    }
}
