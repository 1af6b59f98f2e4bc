using LobbyEdge.EventLog;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// Stands in for the log's observer (the metrics) while the log is opened and the engine restored: the metrics are
/// built from the configuration in force, which only the restored engine knows. The open report is kept and handed
/// over on <see cref="Attach"/>; commits and write failures before it are not expected (nothing is appended before
/// the engine loop runs) and are dropped.
/// </summary>
public sealed class LogObserverRelay : ILogCommitObserver
{
    private ILogCommitObserver? _target;
    private LogOpenReport? _opened;

    /// <summary>From now on forwards to <paramref name="target"/>, first with the open report if the log was opened.</summary>
    /// <returns><paramref name="target"/>.</returns>
    public T Attach<T>(T target)
        where T : ILogCommitObserver
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_opened is { } report)
        {
            target.Opened(report);
        }

        Volatile.Write(ref _target, target);
        return target;
    }

    /// <inheritdoc />
    public void Committed(int events, TimeSpan elapsed) => Volatile.Read(ref _target)?.Committed(events, elapsed);

    /// <inheritdoc />
    public void WriteFailed(LogWriteException failure) => Volatile.Read(ref _target)?.WriteFailed(failure);

    /// <inheritdoc />
    public void Opened(LogOpenReport report)
    {
        _opened = report;
        Volatile.Read(ref _target)?.Opened(report);
    }
}
