using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Configuration;

/// <summary>
/// The branch configuration in force now, for the host's consumers (pages, signage, console) that show what can change
/// live (names, hours): read <see cref="Config"/> each time rather than keeping the one the host started with. Set at
/// start from the restored engine and after every durable <see cref="EventKind.ConfigurationChanged"/>. Thread-safe.
/// </summary>
public sealed class CurrentConfiguration
{
    private BranchConfig _config;
    private BranchConfig? _pending;

    /// <summary>Starts with <paramref name="config"/> in force (until the engine is restored).</summary>
    public CurrentConfiguration(BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
    }

    /// <summary>The configuration in force.</summary>
    public BranchConfig Config => Volatile.Read(ref _config);

    /// <summary>The configuration waiting for the next opening (a structural change pushed while the day is open), or null.</summary>
    public BranchConfig? Pending => Volatile.Read(ref _pending);

    /// <summary>The version in force (0 = unversioned).</summary>
    public long Version => Config.Version;

    /// <summary>Raised (on the engine loop) after the configuration in force or pending changed.</summary>
    public event EventHandler? Changed;

    /// <summary>Sets what is in force and what is pending.</summary>
    public void Set(BranchConfig config, BranchConfig? pending)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _pending, pending);
        Volatile.Write(ref _config, config);
        Changed?.Invoke(this, EventArgs.Empty);
    }
}

/// <summary>
/// A request to stop this host and build a new one from the branch profile file, in the same process: how a
/// configuration that changes the branch's structure (services, counters, number ranges) reaches every consumer.
/// <see cref="Program"/> checks <see cref="Requested"/> once the host has stopped.
/// </summary>
public sealed partial class HostRestart(IHostApplicationLifetime lifetime, ILogger<HostRestart> logger)
{
    private int _requested;

    /// <summary>Whether a restart was asked for.</summary>
    public bool Requested => Volatile.Read(ref _requested) != 0;

    /// <summary>
    /// Stops the host after <paramref name="delay"/> (so the answer to the command that caused it is sent first) to
    /// build a new one; logged once.
    /// </summary>
    public void Request(string reason, TimeSpan delay)
    {
        if (Interlocked.Exchange(ref _requested, 1) != 0)
        {
            return;
        }

        Log.Restarting(logger, reason);
        _ = Task.Delay(delay).ContinueWith(
            _ =>
            {
                // Stopped meanwhile (SIGTERM): that stop wins, no new host.
                if (lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    Volatile.Write(ref _requested, 0);
                    return;
                }

                lifetime.StopApplication();
            },
            TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(720, LogLevel.Warning,
            "Configuration: {Reason}; restarting the service in-process (the data directory, ports and head-office session are released and taken again) so every page, device and counter uses it")]
        public static partial void Restarting(ILogger logger, string reason);
    }
}

/// <summary>
/// Follows configuration changes on the engine loop: after each batch with a durable
/// <see cref="EventKind.ConfigurationChanged"/>, sets <see cref="CurrentConfiguration"/> from the engine and, when the
/// change is structural and in force now (taken effect at an opening, or live while the branch was closed), asks for an
/// in-process restart.
/// </summary>
public sealed class ConfigurationSink(QueueEngine engine, CurrentConfiguration current, HostRestart restart) : IEngineEventSink
{
    private bool _changed;
    private bool _tookEffect;

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind == EventKind.ConfigurationChanged)
            {
                _changed = true;
                _tookEffect |= e.AsConfigurationChanged().Change == ConfigurationChange.TookEffect;
            }
        }
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        if (!_changed)
        {
            return;
        }

        BranchConfig before = current.Config;
        BranchConfig now = engine.Config;
        bool tookEffect = _tookEffect;
        _changed = false;
        _tookEffect = false;
        current.Set(now, engine.PendingConfiguration);
        if (!ReferenceEquals(before, now) && (tookEffect || BranchConfig.Compare(before, now).NeedsOpening))
        {
            restart.Request($"version {now.Version} changes the branch's structure and is now in force", TimeSpan.FromSeconds(1));
        }
    }
}
