using LobbyEdge.Devices;
using LobbyEdge.Devices.Profiles;
using LobbyEdge.Engine;
using LobbyEdge.Service.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Devices;

/// <summary>Registers the branch's devices with the host.</summary>
public static class DeviceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the devices of the branch's hardware profile (read by <see cref="BranchProfileLoader.Load"/>): the
    /// device owner tasks, a sink that drives displays and keypad displays after each commit, the key and status
    /// pumps. Call after the event log sink and the engine loop are registered (sinks run in registration order;
    /// hosted services stop in reverse). A branch without hardware registers nothing.
    /// </summary>
    public static IServiceCollection AddLobbyDevices(this IServiceCollection services, LaunchOptions options, BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        BranchHardware hardware = BranchProfileLoader.HardwareOf(config);
        if (hardware.IsEmpty)
        {
            return services;
        }

        services.AddSingleton<IDeviceCommands>(sp => new LobbyDeviceCommands(() => sp.GetRequiredService<ILobbyCommands>()));
        services.AddSingleton(sp => new LobbyDevices(
            config,
            hardware,
            sp.GetRequiredService<IDeviceCommands>(),
            options.Simulate,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IEngineEventSink>(sp => new DeviceEventSink(sp.GetRequiredService<QueueEngine>(), sp.GetRequiredService<LobbyDevices>()));
        services.AddHostedService<LobbyDevicesService>();
        return services;
    }
}
