using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Pings systemd's watchdog (<c>WatchdogSec=</c> in the unit) while the engine loop is alive: the loop finishes a
/// batch at least every second (its timer tick), so a loop that has not done so for several seconds is stuck, the
/// pings stop, and systemd kills and restarts the service. Does nothing outside systemd or without a watchdog.
/// </summary>
public sealed partial class SystemdWatchdog : BackgroundService
{
    /// <summary>A loop silent this long is considered hung.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(10);

    private readonly IEngineLoopHealth _loop;
    private readonly ISystemdNotifier? _notifier;
    private readonly ILogger<SystemdWatchdog> _logger;

    /// <summary>Creates the watchdog.</summary>
    public SystemdWatchdog(IEngineLoopHealth loop, ILogger<SystemdWatchdog> logger, ISystemdNotifier? notifier = null)
    {
        _loop = loop;
        _notifier = notifier;
        _logger = logger;
    }

    /// <summary>The ping interval systemd asks for (half of <c>WATCHDOG_USEC</c>), or null without a watchdog.</summary>
    public static TimeSpan? Interval(string? watchdogUsec, string? watchdogPid)
    {
        if (!long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out long usec) || usec <= 0)
        {
            return null;
        }

        if (watchdogPid is not null && watchdogPid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    /// <summary>Whether a loop whose last batch ended at <paramref name="lastBatch"/> is alive at <paramref name="now"/>.</summary>
    public static bool IsAlive(long lastBatch, long now) => Stopwatch.GetElapsedTime(lastBatch, now) < StuckAfter;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan? interval = Interval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"));
        if (interval is null || _notifier is not { IsEnabled: true })
        {
            return;
        }

        Log.Enabled(_logger, interval.Value.TotalSeconds);
        using var timer = new PeriodicTimer(interval.Value);
        bool warned = false;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (IsAlive(_loop.LastBatchTimestamp, Stopwatch.GetTimestamp()))
            {
                _notifier.Notify(new ServiceState("WATCHDOG=1"));
                warned = false;
            }
            else if (!warned)
            {
                Log.Stuck(_logger, StuckAfter.TotalSeconds);
                warned = true;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(411, LogLevel.Information, "systemd watchdog: pinging every {Seconds:0.#} s while the engine loop is alive")]
        public static partial void Enabled(ILogger logger, double seconds);

        [LoggerMessage(412, LogLevel.Critical, "The engine loop has not finished a batch for {Seconds} s; watchdog pings stop so systemd restarts the service")]
        public static partial void Stuck(ILogger logger, double seconds);
    }
}
