using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Simulator.Devices;
using Microsoft.Extensions.DependencyInjection;

namespace LobbyEdge.Simulator.Hosting;

/// <summary>
/// What <c>--simulate</c> puts into a host in place of the real world: a scaled clock, the simulated lobby's
/// customers and staff, a narrator, and the virtual twins at the far end of every serial line. The only way the host
/// reaches the simulator, so that without <c>--simulate</c> this assembly is never loaded.
/// </summary>
public static class SimulationHosting
{
    /// <summary>
    /// Registers the simulation's clock (a <see cref="ScaledTimeProvider"/> as the host's <see cref="TimeProvider"/>,
    /// stopped until the driver starts), its <see cref="SimulationPlan"/> (the branch's traffic with a lobby manager on
    /// the floor and customers who rate at the counters' pads and pages, <see cref="TrafficFor"/>), the <see cref="LobbyNarrator"/> and the
    /// <see cref="LobbyEventFeed"/> (her console) as <see cref="IEngineEventSink"/>s, and an <see cref="ISerialConnector"/> with the virtual twins of
    /// <paramref name="hardware"/> (<see cref="VirtualBranchDevices.For"/>) for the host's device links.
    /// </summary>
    /// <remarks>
    /// Needs the host's restored <see cref="QueueEngine"/> (where the log left off decides where the simulation
    /// starts). Call where the host registers its clock: the narrator's place among the sinks is where this is called.
    /// Register the driver with <see cref="AddSimulationDriver"/> after the engine loop.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="hardware">The branch's devices, from its profile (empty without hardware).</param>
    /// <param name="speed">Simulated seconds per real second; more than 0.</param>
    /// <param name="days">Business days to play before the host stops; 1 or more.</param>
    /// <param name="seed">The run's seed, or null for a random one (logged, so a run can be repeated).</param>
    /// <param name="followAdvice">Whether the simulated staff follow the staffing advice (<see cref="TrafficProfile.FollowAdvice"/>, <c>--Simulation:FollowAdvice</c>).</param>
    /// <param name="selfServiceTakeUp">Share of customers who take a self-service alternative when the wait is long (<see cref="TrafficProfile.SelfServiceTakeUp"/>, <c>--Simulation:SelfServiceTakeUp</c>).</param>
    public static IServiceCollection AddSimulation(this IServiceCollection services, BranchHardware hardware, double speed, int days, int? seed, bool followAdvice = false, double selfServiceTakeUp = 0)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(hardware);

        // The branch as the restored engine runs it (the configuration in force), not as the profile file says.
        services.AddSingleton(sp => SimulationStart(sp.GetRequiredService<QueueEngine>().Config, sp.GetRequiredService<QueueEngine>()));
        services.AddSingleton(sp => new ScaledTimeProvider(sp.GetRequiredService<SimulationStartPoint>().Start, speed, running: false));
        services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<ScaledTimeProvider>());
        services.AddSingleton(sp => new SimulationPlan(
            sp.GetRequiredService<SimulationStartPoint>().FirstDay,
            days,
            seed ?? Random.Shared.Next(),
            TrafficFor(sp.GetRequiredService<QueueEngine>().Config, hardware) with { FollowAdvice = followAdvice, SelfServiceTakeUp = selfServiceTakeUp }));
        services.AddSingleton<LobbyNarrator>();
        services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<LobbyNarrator>());
        services.AddSingleton(sp => new LobbyEventFeed(sp.GetRequiredService<QueueEngine>()));
        services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<LobbyEventFeed>());
        services.AddSingleton<ISerialConnector>(_ => VirtualBranchDevices.For(hardware));
        return services;
    }

    /// <summary>
    /// The <c>--simulate</c> day: <see cref="TrafficProfile.ForBranch"/>, with the rating pads of the hardware profile
    /// (<c>rating: true</c> keypads) as the counters' pads when it has any. The host's rating prompter asks at those
    /// (they are real devices to it, registered in its rating stations), so the simulation does not prompt there
    /// itself (<see cref="CustomerRatingProfile.PromptedElsewhere"/>); it prompts at its own simulated stations,
    /// which the host does not know, as the host's prompter would. Nobody is asked twice.
    /// </summary>
    internal static TrafficProfile TrafficFor(BranchConfig config, BranchHardware hardware)
    {
        int[] pads = [.. hardware.KeypadLines.SelectMany(l => l.Keypads).Where(k => k.IsRatingPad).Select(k => k.Counter).Distinct()];
        TrafficProfile traffic = TrafficProfile.ForBranch(config);
        return traffic with { Ratings = CustomerRatingProfile.ForBranch(config, pads) with { PromptedElsewhere = pads } };
    }

    /// <summary>
    /// Registers the <see cref="SimulationDriver"/> as a hosted service. Call after the engine loop's hosted service
    /// (and the devices'), so the driver stops first and never posts to a stopped loop.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="dispensers">The branch's dispensers, where the simulated customers take their tickets (empty without hardware).</param>
    public static IServiceCollection AddSimulationDriver(this IServiceCollection services, Func<IServiceProvider, IReadOnlyList<TicketDispenser>> dispensers)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dispensers);
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SimulationDriver>(sp, dispensers(sp)));
        return services;
    }

    /// <summary>
    /// Where a simulation starts: a minute before today's opening, in the branch's own time zone, or, when the
    /// data directory already holds a later day (a restart, a second demo), where its log left off, so the log's
    /// timeline never runs backwards. A day the log shows already closed is not played again; a date the branch's
    /// calendar closes is skipped by the driver.
    /// </summary>
    internal static SimulationStartPoint SimulationStart(BranchConfig config, QueueEngine engine)
    {
        TimeZoneInfo zone = config.TimeZone;
        var today = DateOnly.FromDateTime(BusinessCalendar.ToLocal(zone, TimeProvider.System.GetUtcNow().UtcDateTime));
        TimeOnly opens = config.EffectiveCalendar.HoursOn(today)?.Open ?? config.OpenTime;
        var start = new DateTimeOffset(BusinessCalendar.ToUtc(zone, today, opens), TimeSpan.Zero) - TimeSpan.FromMinutes(1);
        var last = new DateTimeOffset(engine.LastEventUtc.Ticks, TimeSpan.Zero);
        if (last > start)
        {
            start = last;
        }

        var day = DateOnly.FromDateTime(BusinessCalendar.ToLocal(zone, start.UtcDateTime));
        if (engine.BusinessDate >= day && !engine.IsDayOpen)
        {
            day = engine.BusinessDate.AddDays(1);
        }

        return new SimulationStartPoint(day, start);
    }
}
