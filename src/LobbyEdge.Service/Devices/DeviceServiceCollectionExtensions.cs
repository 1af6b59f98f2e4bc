using LobbyEdge.Devices;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Devices;

/// <summary>Registers the branch's devices with the host.</summary>
public static class DeviceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the devices of the branch's hardware profile (<see cref="BranchProfile.Hardware"/>, read by <see cref="BranchProfileLoader.Load"/>): the
    /// device owner tasks, a sink that drives displays and keypad displays after each commit, the key and status
    /// pumps, the device metrics (when a <see cref="LobbyMetrics"/> is registered), and the kiosk's printer when the
    /// profile names one (<c>kiosk: {printer: …}</c>; it replaces the host's <see cref="NoKioskPrinter"/>). Call
    /// after the event log sink and the engine loop are registered and before the host's fallback
    /// <see cref="IKioskPrinter"/> (sinks run in registration order; hosted services stop in reverse). A branch
    /// without hardware registers nothing.
    /// </summary>
    /// <remarks>
    /// The device protocols run on the machine's clock even under <c>--simulate</c>: an ack timeout or a status poll
    /// interval is a time on the wire, not in the lobby, and a scaled clock would shrink a keypad's 200 ms to a
    /// fraction of a millisecond. The lines open through the registered <see cref="ISerialConnector"/> (the
    /// simulation's virtual devices under <c>--simulate</c>), else through the machine's serial ports.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="simulate">Under <c>--simulate</c>: no GPIO (the simulated customers press the dispensers' buttons).</param>
    /// <param name="profile">The branch profile: the branch and its hardware.</param>
    public static IServiceCollection AddLobbyDevices(this IServiceCollection services, bool simulate, BranchProfile profile)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(profile);
        BranchConfig config = profile.Branch;
        BranchHardware hardware = profile.Hardware;
        if (hardware.IsEmpty)
        {
            return services;
        }

        services.AddSingleton<IDeviceCommands>(sp => new LobbyDeviceCommands(sp.GetRequiredService<ILobbyCommands>()));
        services.AddSingleton(sp => new LobbyDevices(
            config,
            hardware,
            sp.GetRequiredService<IDeviceCommands>(),
            sp.GetService<ISerialConnector>() ?? SerialPortConnector.Instance,
            TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<LobbyMetrics>()));
        services.AddSingleton<IEngineEventSink>(sp => new DeviceEventSink(
            sp.GetRequiredService<QueueEngine>(),
            sp.GetRequiredService<LobbyDevices>(),
            (sp.GetService<RatingOptions>() ?? new RatingOptions()).PromptTimeout));
        services.AddHostedService<LobbyDevicesService>(sp => new LobbyDevicesService(
            sp.GetRequiredService<LobbyDevices>(),
            sp.GetRequiredService<IDeviceCommands>(),
            simulate,
            TimeProvider.System,
            sp.GetRequiredService<ILogger<LobbyDevicesService>>(),
            sp.GetService<RatingStations>(),
            sp.GetService<RatingPrompter>(),
            sp.GetService<RatingOptions>()));
        if (hardware.KioskPrinter is { } kioskPrinter)
        {
            services.AddSingleton<IKioskPrinter>(sp => new DeviceKioskPrinter(
                config,
                sp.GetRequiredService<LobbyDevices>().Printer(kioskPrinter) ?? throw new InvalidOperationException($"no printer {kioskPrinter}"),
                sp.GetRequiredService<ILogger<DeviceKioskPrinter>>()));
        }

        // Reprints come out of the kiosk's printer, else the branch's first printer (it replaces NoReprintPrinter).
        if ((hardware.KioskPrinter ?? (hardware.Printers.Count > 0 ? hardware.Printers[0].Device.Id : null)) is { } reprintPrinter)
        {
            services.AddSingleton<IReprintPrinter>(sp => new DeviceReprintPrinter(
                config,
                sp.GetRequiredService<LobbyDevices>().Printer(reprintPrinter) ?? throw new InvalidOperationException($"no printer {reprintPrinter}")));
        }

        return services;
    }
}
