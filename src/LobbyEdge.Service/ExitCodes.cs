namespace LobbyEdge.Service;

/// <summary>The process exit codes: part of the external contract (CONTRACTS.md, "Process").</summary>
public static class ExitCodes
{
    /// <summary>Stopped normally: a stop request, or a simulation that played all its days.</summary>
    public const int Stopped = 0;

    /// <summary>A fatal runtime error: a loop of the service failed, or the host could not start.</summary>
    public const int Fatal = 1;

    /// <summary>Invalid command line, configuration or profile; stderr says what and where, and nothing was started.</summary>
    public const int InvalidConfiguration = 2;
}
