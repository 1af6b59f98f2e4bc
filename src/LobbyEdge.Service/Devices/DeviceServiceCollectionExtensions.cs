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
public static partial class DeviceServiceCollectionExtensions
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
        BranchHardware hardware = profile.Hardware;
        if (hardware.IsEmpty)
        {
            return services;
        }

        services.AddSingleton<IDeviceCommands>(sp => new LobbyDeviceCommands(sp.GetRequiredService<ILobbyCommands>()));
        services.AddSingleton(sp =>
        {
            BranchConfig inForce = sp.GetRequiredService<BranchConfig>();
            ILoggerFactory loggers = sp.GetRequiredService<ILoggerFactory>();
            return new LobbyDevices(
                inForce,
                HardwareFor(profile, inForce, loggers.CreateLogger(typeof(LobbyDevices).FullName!)),
                sp.GetRequiredService<IDeviceCommands>(),
                sp.GetService<ISerialConnector>() ?? LineConnector.Instance,
                TimeProvider.System,
                loggers,
                sp.GetService<LobbyMetrics>());
        });
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

        // A printer the devices do not run (idle until the configuration the profile names is in force): no printer.
        if (hardware.KioskPrinter is { } kioskPrinter)
        {
            services.AddSingleton<IKioskPrinter>(sp => sp.GetRequiredService<LobbyDevices>().Printer(kioskPrinter) is { } printer
                ? new DeviceKioskPrinter(sp.GetRequiredService<BranchConfig>(), printer, sp.GetRequiredService<ILogger<DeviceKioskPrinter>>())
                : new NoKioskPrinter());
        }

        // Reprints come out of the kiosk's printer, else the branch's first printer (it replaces NoReprintPrinter).
        if ((hardware.KioskPrinter ?? (hardware.Printers.Count > 0 ? hardware.Printers[0].Device.Id : null)) is { } reprintPrinter)
        {
            services.AddSingleton<IReprintPrinter>(sp => sp.GetRequiredService<LobbyDevices>().Printer(reprintPrinter) is { } printer
                ? new DeviceReprintPrinter(sp.GetRequiredService<BranchConfig>(), printer)
                : new NoReprintPrinter());
        }

        return services;
    }

    /// <summary>
    /// The hardware to run with the configuration in force: the profile's hardware names services and counters by their
    /// place in the profile FILE's lists, which can differ from the configuration in force (the process restarted
    /// while a structural change waits for the next opening). Then no device is run (logged as an error naming both
    /// versions): a button or keypad would issue for, or call at, the wrong service or counter. The in-process
    /// restart when the waiting version takes effect runs them again.
    /// </summary>
    internal static BranchHardware HardwareFor(BranchProfile profile, BranchConfig inForce, ILogger logger)
    {
        BranchConfig file = profile.Branch;
        if (file.Services.Select(s => s.Id).SequenceEqual(inForce.Services.Select(s => s.Id))
            && file.Counters.Select(c => c.Number).SequenceEqual(inForce.Counters.Select(c => c.Number)))
        {
            return profile.Hardware;
        }

        Log.DevicesIdle(
            logger,
            inForce.Version,
            string.Join(", ", inForce.Services.Select(s => s.Id)),
            string.Join(", ", inForce.Counters.Select(c => c.Number)),
            string.Join(", ", file.Services.Select(s => s.Id)),
            string.Join(", ", file.Counters.Select(c => c.Number)));
        return BranchHardware.Empty;
    }

    private static partial class Log
    {
        [LoggerMessage(725, LogLevel.Error,
            "Devices idle: the configuration in force (version {Version}: services {Services}; counters {Counters}) differs from the profile file's (services {FileServices}; counters {FileCounters}), which waits for the next opening; the hardware section names services and counters of the file, so no keypad, dispenser, display or printer runs until that version takes effect (the service then restarts in-process and runs them)")]
        public static partial void DevicesIdle(ILogger logger, long version, string services, string counters, string fileServices, string fileCounters);
    }
}
