using System.Runtime.ExceptionServices;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Monitoring;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Persistence;

/// <summary>
/// Start-up (issue 17, start to ready): the branch's restore (lock the data directory, open and check the log, rebuild
/// the engine) run on a thread of its own while the host's container is built, instead of after it. Started only once
/// every input was checked (configuration, profile, staff and token files), so a start refused with exit code 2 has
/// touched nothing. Its log lines wait in order until the host's loggers exist (<see cref="Take"/>), so the journal
/// reads exactly as before: the start line, the configuration version, then "; ready".
/// </summary>
internal sealed class EarlyRestore
{
    private readonly DeferredLog _log = new();
    private readonly Task<RestoredBranch?> _restore;

    private EarlyRestore(string dataDirectory, BranchConfig fileConfig, ILogCommitObserver observer, Func<ILogger<ConfigurationVersions>, ConfigurationVersions?> makeVersions)
    {
        Versions = makeVersions(_log.CreateLogger<ConfigurationVersions>());
        _restore = Task.Factory.StartNew(
            () => Restore(dataDirectory, fileConfig, observer),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>The configuration store the restore numbers the profile with (null when running unversioned); its logger waits like the restore's.</summary>
    public ConfigurationVersions? Versions { get; }

    /// <summary>
    /// Starts the restore of <paramref name="dataDirectory"/> on its own thread. A data directory that cannot be made
    /// is left to the caller's check (exit code 2): the restore then does not run and <see cref="Take"/> opens the log
    /// as a start always did.
    /// </summary>
    /// <param name="dataDirectory">The branch's data directory.</param>
    /// <param name="fileConfig">The profile file's configuration (see <see cref="RestoredBranch.Open"/>).</param>
    /// <param name="observer">Told of the log's opening and commits.</param>
    /// <param name="makeVersions">Makes the configuration store with the logger it is given, or returns null (unversioned).</param>
    public static EarlyRestore Start(string dataDirectory, BranchConfig fileConfig, ILogCommitObserver observer, Func<ILogger<ConfigurationVersions>, ConfigurationVersions?> makeVersions) =>
        new(dataDirectory, fileConfig, observer, makeVersions);

    /// <summary>
    /// Waits for the restore, writes its log lines (and the configuration store's) to <paramref name="loggers"/> in
    /// the order they were made, and gives the restored branch; from now on those loggers write directly. Throws what
    /// <see cref="RestoredBranch.Open"/> threw (a locked directory, a damaged log), with its stack. Returns null when
    /// the restore did not run (the data directory could not be made).
    /// </summary>
    public RestoredBranch? Take(ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        try
        {
            _restore.Wait();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            _log.Attach(loggers);
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        _log.Attach(loggers);
        return _restore.Result;
    }

    /// <summary>Writes the waiting log lines to <paramref name="loggers"/> without waiting for the restore (the configuration store is used before it).</summary>
    public void AttachLog(ILoggerFactory loggers) => _log.Attach(loggers);

    /// <summary>For a host that is dropped before it ran: waits for the restore and closes what it opened.</summary>
    public void Abandon()
    {
        try
        {
            _restore.Wait();
            _restore.Result?.Dispose();
        }
        catch (AggregateException)
        {
            // It failed; nothing is open.
        }
    }

    private RestoredBranch? Restore(string dataDirectory, BranchConfig fileConfig, ILogCommitObserver observer)
    {
        try
        {
            Directory.CreateDirectory(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        StartupTrace.Mark("restore-begin");
        RestoredBranch restored = RestoredBranch.Open(dataDirectory, fileConfig, _log.CreateLogger(typeof(RestoredBranch).FullName!), observer, Versions);
        StartupTrace.Mark("restore-end");
        return restored;
    }
}

/// <summary>
/// Loggers whose entries wait, in the order they were made across all of them, until <see cref="Attach"/> gives the
/// real logger factory; then they are written there and every later entry goes straight through. Levels are
/// filtered by the real loggers, when written.
/// </summary>
internal sealed class DeferredLog
{
    private readonly Lock _lock = new();
    private List<(string Category, Action<ILogger> Write)>? _waiting = [];
    private ILoggerFactory? _factory;

    /// <summary>A logger of <paramref name="category"/>.</summary>
    public ILogger CreateLogger(string category) => new Logger(this, category);

    /// <summary>A logger named after <typeparamref name="T"/>, as <see cref="Microsoft.Extensions.Logging.Logger{T}"/> names it.</summary>
    public ILogger<T> CreateLogger<T>() => new Logger<T>(this, typeof(T).FullName!);

    /// <summary>Writes the waiting entries to <paramref name="factory"/>'s loggers; later entries go there directly. Once only; later calls do nothing.</summary>
    public void Attach(ILoggerFactory factory)
    {
        lock (_lock)
        {
            if (_waiting is not { } waiting)
            {
                return;
            }

            var loggers = new Dictionary<string, ILogger>(StringComparer.Ordinal);
            foreach ((string category, Action<ILogger> write) in waiting)
            {
                if (!loggers.TryGetValue(category, out ILogger? logger))
                {
                    logger = factory.CreateLogger(category);
                    loggers[category] = logger;
                }

                write(logger);
            }

            _factory = factory;
            _waiting = null;
        }
    }

    /// <summary>Null while entries wait (then <paramref name="write"/> was queued), else the factory to write to now.</summary>
    private ILoggerFactory? QueueOrGet(string category, Action<ILogger> write)
    {
        lock (_lock)
        {
            if (_waiting is { } waiting)
            {
                waiting.Add((category, write));
                return null;
            }

            return _factory;
        }
    }

    private class Logger(DeferredLog log, string category) : ILogger
    {
        private ILogger? _target;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Target()?.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Target()?.IsEnabled(logLevel) ?? logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Target() is { } target)
            {
                target.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            if (log.QueueOrGet(category, l => l.Log(logLevel, eventId, state, exception, formatter)) is { } factory)
            {
                // Attached in between.
                Target(factory)!.Log(logLevel, eventId, state, exception, formatter);
            }
        }

        private ILogger? Target(ILoggerFactory? factory = null)
        {
            if (_target is { } target)
            {
                return target;
            }

            factory ??= Volatile.Read(ref log._factory);
            if (factory is null)
            {
                return null;
            }

            target = factory.CreateLogger(category);
            _target = target;
            return target;
        }
    }

    private sealed class Logger<T>(DeferredLog log, string category) : Logger(log, category), ILogger<T>;
}
