using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// Closed registrations of framework generics (issue 17, start to ready; src/LobbyEdge.Service/README.md, "Start-up"):
/// the same objects the open-generic registrations (<c>ILogger&lt;&gt;</c>, <c>IOptions&lt;&gt;</c>,
/// <c>IOptionsFactory&lt;&gt;</c>, <c>IOptionsMonitor&lt;&gt;</c>, <c>IOptionsMonitorCache&lt;&gt;</c>) make, named with their
/// closed types so that the Native AOT compiler builds those types ahead instead of the runtime's type loader at start.
/// Registered after the framework's own, so they win; lifetimes and configuration as the framework registers them.
/// Used by the service's host (<c>LobbyEdgeHost.AddClosedLoggersAndOptions</c>) and by its web application (<see cref="HttpServer"/>).
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
