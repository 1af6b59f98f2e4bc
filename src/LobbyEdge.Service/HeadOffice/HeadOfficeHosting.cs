using LobbyEdge.Devices;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.HeadOffice;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.HeadOffice;

/// <summary>Puts the head-office link (<see cref="HeadOfficeLink"/>) into the host.</summary>
public static class HeadOfficeHosting
{
    /// <summary>
    /// Binds the <c>HeadOffice</c> section, and registers the link as a hosted service, the sink that wakes it after
    /// each group commit, the command handler over <see cref="ILobbyCommands"/> and (unless one is registered) a
    /// placeholder state source. Call it after the engine loop is registered: hosted services stop in reverse
    /// order, so the link stops first and never posts a command to a stopped loop.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The section is invalid; the message names each key (the host turns this into exit code 2).
    /// </exception>
    public static IServiceCollection AddHeadOffice(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // Bound and checked now, while the host is being built, so that a mistake stops the start (exit code 2)
        // instead of surfacing later in a background task.
        HeadOfficeOptions options = Bind(configuration.GetSection(HeadOfficeOptions.SectionName));
        services.AddSingleton(options);
        services.TryAddSingleton<IBranchStateSource, EmptyBranchState>();
        // The handler writes to the command channel, not to the engine loop, so the loop's sinks (the link's among
        // them) can need the handler without a cycle.
        services.TryAddSingleton<IHeadOfficeCommandHandler>(sp => new LobbyHeadOfficeCommands(
            sp.GetRequiredService<ILobbyCommands>(),
            sp.GetRequiredService<NoticeBoard>(),
            sp.GetService<ConfigurationUpdates>()));
        services.AddSingleton(sp => new HeadOfficeLink(
            options,
            sp.GetRequiredService<BranchConfig>(),
            sp.GetRequiredService<RestoredBranch>().Log,
            sp.GetRequiredService<IHeadOfficeCommandHandler>(),
            sp.GetRequiredService<IBranchStateSource>(),

            // Wall time, also under --simulate: back-off, the state throttle and "since" are about the network
            // and head office's clock, not the simulated lobby's.
            TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HeadOfficeLink).FullName!))
        {
            // Device events name the device by its profile id and kind, not the engine's index.
            Devices = EventDevices(sp.GetService<LobbyDevices>()),
        });

        // After the event log's sink (which the host inserts at index 0): the link is woken only once the batch
        // is durable.
        services.AddSingleton<IEngineEventSink, HeadOfficeCommitSink>();
        services.AddHostedService<HeadOfficeService>();
        return services;
    }

    /// <summary>The hardware profile's devices by index, as the head-office events name them (none without hardware).</summary>
    internal static IReadOnlyList<EventDevice> EventDevices(LobbyDevices? devices)
    {
        if (devices is null || devices.Hardware.Devices.Count == 0)
        {
            return [];
        }

        var named = new EventDevice[devices.Hardware.Devices.Max(d => d.Index) + 1];
        for (int i = 0; i < named.Length; i++)
        {
            named[i] = EventDevice.Unknown(i);
        }

        foreach (DeviceInfo device in devices.Hardware.Devices)
        {
            named[device.Index] = new EventDevice(device.Id, DeviceMetrics.KindLabel(device.Kind));
        }

        return named;
    }

    internal static HeadOfficeOptions Bind(IConfigurationSection section)
    {
        var options = new HeadOfficeOptions();
        try
        {
            // A misspelt key (e.g. "Broker") must not silently leave the link off.
            section.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder quotes the value: scrubbed as the configuration check does (ConfiguredSecrets), and the inner
            // exceptions (which quote it again, and which the program prints) are not passed on.
            string message = ConfiguredSecrets.Scrub(e.Message, section.AsEnumerable(makePathsRelative: false));
            throw new InvalidDataException($"Configuration section '{section.Path}': {message}");
        }

        IReadOnlyList<(string Field, string Message)> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidDataException(string.Join(Environment.NewLine, problems.Select(p => $"{p.Field}: {p.Message}")));
        }

        return options;
    }

    /// <summary>
    /// Wakes the link after each group commit, and tells it when the configuration in force changes (its
    /// <c>status</c> says the version). Runs on the engine loop: only drops a token in a channel or swaps a reference.
    /// </summary>
    private sealed class HeadOfficeCommitSink(HeadOfficeLink link, RestoredBranch branch) : IEngineEventSink
    {
        public void OnEvents(ReadOnlySpan<LobbyEvent> events)
        {
            foreach (ref readonly LobbyEvent e in events)
            {
                if (e.Kind == EventKind.ConfigurationChanged && e.AsConfigurationChanged() is { Change: ConfigurationChange.Live or ConfigurationChange.TookEffect } changed)
                {
                    link.NotifyConfiguration(changed.Version, changed.Hash);
                }
            }
        }

        public void OnBatchEnd() => link.NotifyCommitted(branch.Log.LastSequence);
    }

    /// <summary>Starts and stops the link with the host.</summary>
    private sealed class HeadOfficeService(HeadOfficeLink link, IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (services.GetService<QueueEngine>()?.Config is { } inForce)
            {
                // The configuration the engine runs with after recovery (the log's), until a change event says otherwise.
                link.NotifyConfiguration(inForce.Version, inForce.Hash);
            }

            if (link.IsActive && services.GetService<RestoredBranch>() is { } branch)
            {
                HoldRetention(branch.Log, services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HeadOfficeLink).FullName!));
            }

            // lobby_headoffice_connected, _pending_events, _commands_repeated_total, _missed_events_total and _resent_events_total are read
            // from the link at each scrape.
            if (services.GetService<LobbyMetrics>() is { } metrics)
            {
                metrics.Registry.AddBeforeCollectCallback(() =>
                {
                    metrics.HeadOfficeConnected.Set(link.IsConnected ? 1 : 0);
                    metrics.HeadOfficePendingEvents.Set(link.PendingEvents);
                    metrics.HeadOfficeCommandsRepeated.IncTo(link.CommandsRepeated);
                    metrics.HeadOfficeMissedEvents.IncTo(link.MissedEvents);
                    metrics.HeadOfficeResentEvents.IncTo(link.ResentEvents);
                });
            }

            return link.StartAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => link.StopAsync(cancellationToken);

        /// <summary>
        /// Makes sure the head-office cursor file exists from the link's first run, so retention keeps every event
        /// head office has not acknowledged, even when the link has never reached a broker.
        /// </summary>
        private static void HoldRetention(BranchLog log, ILogger logger)
        {
            try
            {
                ConsumerCursor cursor = log.Cursor(HeadOfficeOptions.CursorName);
                cursor.Save(cursor.Position);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // The link goes on; the cursor file is written at the first acknowledgement instead.
                s_cursorNotCreated(logger, e.Message, null);
            }
        }

        private static readonly Action<ILogger, string, Exception?> s_cursorNotCreated = LoggerMessage.Define<string>(
            LogLevel.Warning, new EventId(530), "Head-office cursor file could not be created: {Problem}; until it is, retention does not wait for head office");
    }
}

/// <summary>
/// Head-office commands through the host's single command channel; notices go to the signage's notice board;
/// configuration commands go to the host's configuration store (<see cref="ConfigurationUpdates"/>).
/// </summary>
public sealed class LobbyHeadOfficeCommands : IHeadOfficeCommandHandler
{
    /// <summary>The answer to a configuration command on a host without a configuration store (tools, tests).</summary>
    public const string NoConfigurationStore = "configuration changes are not available here: this host keeps no configuration store";

    private readonly ILobbyCommands _commands;
    private readonly NoticeBoard _notices;
    private readonly ConfigurationUpdates? _updates;

    /// <summary>Creates the handler over the command channel, the signage's notice board and the configuration store.</summary>
    /// <param name="commands">The engine's command channel.</param>
    /// <param name="notices">The signage's notice board.</param>
    /// <param name="updates">The configuration commands' handler, or null (then they are refused).</param>
    public LobbyHeadOfficeCommands(ILobbyCommands commands, NoticeBoard notices, ConfigurationUpdates? updates = null)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(notices);
        _commands = commands;
        _notices = notices;
        _updates = updates;
    }

    /// <inheritdoc />
    public async ValueTask<CommandResult> ExecuteAsync(Command command, CancellationToken cancellationToken)
    {
        CommandOutcome outcome = await _commands.SendAsync(command, cancellationToken).ConfigureAwait(false);
        return outcome.Result;
    }

    /// <inheritdoc />
    public ValueTask<HeadOfficeReply> BroadcastNoticeAsync(string text, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        // The signage pages get it at once over their event stream.
        _notices.Set(text, until);
        return ValueTask.FromResult(HeadOfficeReply.Done);
    }

    /// <inheritdoc />
    public ValueTask<HeadOfficeReply> ConfigureAsync(ConfigurationRequest request, CancellationToken cancellationToken) =>
        _updates is null
            ? ValueTask.FromResult(HeadOfficeReply.Failed(NoConfigurationStore))
            : _updates.ApplyAsync(request, cancellationToken);
}

/// <summary>A state source with nothing to say, for hosts that register no branch state.</summary>
public sealed class EmptyBranchState : IBranchStateSource
{
    private static readonly ReadOnlyMemory<byte> s_empty = "{}"u8.ToArray();

    /// <inheritdoc />
    public ReadOnlyMemory<byte> GetStateJson() => s_empty;
}
