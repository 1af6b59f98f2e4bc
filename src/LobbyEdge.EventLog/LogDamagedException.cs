namespace LobbyEdge.EventLog;

/// <summary>
/// The log is damaged where the branch needs it, or shows that acknowledged events were lost: opening it was
/// refused and nothing was cut or rewritten. The message names each file, byte offset and event range, how many
/// intact records follow, and what to do; <see cref="Check"/> has the full report.
/// </summary>
public sealed class LogDamagedException : IOException
{
    /// <summary>Creates the exception from a check that must refuse.</summary>
    public LogDamagedException(LogCheck check)
        : base((check ?? throw new ArgumentNullException(nameof(check))).RefusalMessage()) => Check = check;

    /// <summary>What the check found.</summary>
    public LogCheck Check { get; }
}
