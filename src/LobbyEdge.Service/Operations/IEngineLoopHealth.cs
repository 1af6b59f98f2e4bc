namespace LobbyEdge.Service.Operations;

/// <summary>What operations watch of the engine loop (<c>/readyz</c>, the systemd watchdog).</summary>
public interface IEngineLoopHealth
{
    /// <summary>Whether the loop is running and taking commands.</summary>
    public bool IsRunning { get; }

    /// <summary>When the loop last finished a batch or a tick: a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
    public long LastBatchTimestamp { get; }
}
