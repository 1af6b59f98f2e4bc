using System.Diagnostics.CodeAnalysis;
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
using Microsoft.Extensions.Options;

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

/// <summary>
/// Closed registrations of framework generics (issue 17, start to ready; src/LobbyEdge.Service/README.md, "Start-up"):
/// the same objects the open-generic registrations (<c>ILogger&lt;&gt;</c>, <c>IOptions&lt;&gt;</c>,
/// <c>IOptionsFactory&lt;&gt;</c>, <c>IOptionsMonitor&lt;&gt;</c>, <c>IOptionsMonitorCache&lt;&gt;</c>) make, named with their
/// closed types so that the Native AOT compiler builds those types ahead instead of the runtime's type loader at start.
/// Registered after the framework's own, so they win; lifetimes and configuration as the framework registers them.
/// Used by the service's host and by its web application (<see cref="Operations.HttpServer"/>).
/// </summary>
internal static class ClosedServices
{
    /// <summary><c>ILogger&lt;T&gt;</c>: a <see cref="Logger{T}"/> over the container's logger factory, as <c>AddLogging</c> registers it.</summary>
    public static void AddLogger<T>(IServiceCollection services) =>
        services.AddSingleton<ILogger<T>>(sp => new Logger<T>(sp.GetRequiredService<ILoggerFactory>()));

    /// <summary>
    /// <c>IOptions&lt;T&gt;</c> and <c>IOptionsFactory&lt;T&gt;</c> as <c>AddOptions</c> registers them: a singleton giving the
    /// unnamed options, made once by a transient factory from every Configure, PostConfigure and Validate registered for T.
    /// </summary>
    public static void AddOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceCollection services)
        where T : class
    {
        services.AddSingleton<IOptions<T>>(sp => new OptionsManager<T>(sp.GetRequiredService<IOptionsFactory<T>>()));
        services.AddTransient<IOptionsFactory<T>>(sp => new OptionsFactory<T>(
            sp.GetServices<IConfigureOptions<T>>(),
            sp.GetServices<IPostConfigureOptions<T>>(),
            sp.GetServices<IValidateOptions<T>>()));
    }

    /// <summary>
    /// <see cref="AddOptions{T}"/>, and <c>IOptionsMonitor&lt;T&gt;</c> and <c>IOptionsMonitorCache&lt;T&gt;</c> as
    /// <c>AddOptions</c> registers them: singletons, the monitor following every change-token source registered for T
    /// (the logging configuration's, for the console logger's options).
    /// </summary>
    public static void AddOptionsMonitor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceCollection services)
        where T : class
    {
        AddOptions<T>(services);
        services.AddSingleton<IOptionsMonitorCache<T>>(_ => new OptionsCache<T>());
        services.AddSingleton<IOptionsMonitor<T>>(sp => new OptionsMonitor<T>(
            sp.GetRequiredService<IOptionsFactory<T>>(),
            sp.GetServices<IOptionsChangeTokenSource<T>>(),
            sp.GetRequiredService<IOptionsMonitorCache<T>>()));
    }
}
