using System.Diagnostics.CodeAnalysis;
using LobbyEdge.Service.Advice;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using LobbyEdge.Voice;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
        AddLogger<EngineLoop>(services);
        AddLogger<EventLogSink>(services);
        AddLogger<HttpServer>(services);
        AddLogger<SystemdWatchdog>(services);
        AddLogger<KioskGate>(services);
        AddLogger<RatingPage>(services);
        AddLogger<RatingPrompter>(services);
        AddLogger<ReprintDesk>(services);
        AddLogger<ConsoleSignIn>(services);
        AddLogger<LobbyConsole>(services);
        AddLogger<AdviceHost>(services);
        AddLogger<HostRestart>(services);
        AddLogger<ConfigurationUpdates>(services);
        AddLogger<ConfigurationAtStart>(services);
        AddLogger<LobbyDevicesService>(services);
        AddLogger<DeviceKioskPrinter>(services);
        AddLogger<Announcer>(services);
        AddOptions<HostOptions>(services);
        AddOptions<EventLogOptions>(services);
        AddOptions<HttpOptions>(services);
        AddOptions<ConsoleOptions>(services);
        AddOptions<VoiceOptions>(services);
    }

    private static void AddLogger<T>(IServiceCollection services) =>
        services.AddSingleton<ILogger<T>>(sp => new Logger<T>(sp.GetRequiredService<ILoggerFactory>()));

    private static void AddOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(IServiceCollection services)
        where T : class
    {
        // As IOptions<T> and IOptionsFactory<T> are registered by AddOptions: a singleton giving the unnamed options,
        // made once by a transient factory from every Configure, PostConfigure and Validate registered for T.
        services.AddSingleton<IOptions<T>>(sp => new OptionsManager<T>(sp.GetRequiredService<IOptionsFactory<T>>()));
        services.AddTransient<IOptionsFactory<T>>(sp => new OptionsFactory<T>(
            sp.GetServices<IConfigureOptions<T>>(),
            sp.GetServices<IPostConfigureOptions<T>>(),
            sp.GetServices<IValidateOptions<T>>()));
    }
}
