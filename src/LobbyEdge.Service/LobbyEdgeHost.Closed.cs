using LobbyEdge.Service.Advice;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using LobbyEdge.Voice;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LobbyEdge.Service;

public static partial class LobbyEdgeHost
{
    /// <summary>
    /// Start-up (issue 17; src/LobbyEdge.Service/README.md, "Start-up"): closed registrations of the loggers and options
    /// the service's own parts take, the same objects the framework's open-generic registrations (<c>ILogger&lt;&gt;</c>,
    /// <c>IOptions&lt;&gt;</c>, <c>IOptionsFactory&lt;&gt;</c>) would make. Resolving an open generic makes its closed
    /// type at run time, which in the Native AOT binary is the runtime's type loader building the type (the largest
    /// part of the container's CPU at start); these factories name the closed types, so the compiler builds them ahead.
    /// Registered last, so they win over the open generics; nothing else changes (same lifetimes, same configuration).
    /// </summary>
    private static void AddClosedLoggersAndOptions(IServiceCollection services)
    {
        // The host's own: its lifetime and the console logger (the JSON and plain formatters, and systemd's).
        ClosedServices.AddOptions<ConsoleLifetimeOptions>(services);
        ClosedServices.AddOptions<LoggerFactoryOptions>(services);
        ClosedServices.AddOptionsMonitor<LoggerFilterOptions>(services);
        ClosedServices.AddOptionsMonitor<ConsoleLoggerOptions>(services);
        ClosedServices.AddOptionsMonitor<ConsoleFormatterOptions>(services);
        ClosedServices.AddOptionsMonitor<JsonConsoleFormatterOptions>(services);
        ClosedServices.AddOptionsMonitor<SimpleConsoleFormatterOptions>(services);
        ClosedServices.AddOptionsMonitor<MetricsOptions>(services);
        ClosedServices.AddLogger<ApplicationLifetime>(services);

        // The service's parts.
        ClosedServices.AddLogger<EngineLoop>(services);
        ClosedServices.AddLogger<EventLogSink>(services);
        ClosedServices.AddLogger<HttpServer>(services);
        ClosedServices.AddLogger<SystemdWatchdog>(services);
        ClosedServices.AddLogger<KioskGate>(services);
        ClosedServices.AddLogger<RatingPage>(services);
        ClosedServices.AddLogger<RatingPrompter>(services);
        ClosedServices.AddLogger<ReprintDesk>(services);
        ClosedServices.AddLogger<ConsoleSignIn>(services);
        ClosedServices.AddLogger<LobbyConsole>(services);
        ClosedServices.AddLogger<AdviceHost>(services);
        ClosedServices.AddLogger<HostRestart>(services);
        ClosedServices.AddLogger<ConfigurationUpdates>(services);
        ClosedServices.AddLogger<ConfigurationAtStart>(services);
        ClosedServices.AddLogger<LobbyDevicesService>(services);
        ClosedServices.AddLogger<DeviceKioskPrinter>(services);
        ClosedServices.AddLogger<Announcer>(services);
        ClosedServices.AddOptions<HostOptions>(services);
        ClosedServices.AddOptions<EventLogOptions>(services);
        ClosedServices.AddOptions<HttpOptions>(services);
        ClosedServices.AddOptions<ConsoleOptions>(services);
        ClosedServices.AddOptions<VoiceOptions>(services);
    }
}
