using System.Runtime.CompilerServices;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using LobbyEdge.HeadOffice;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Clock;
using LobbyEdge.Service.Configuration;
using LobbyEdge.Service.Devices;
using LobbyEdge.Service.HeadOffice;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using LobbyEdge.Simulator.Hosting;
using LobbyEdge.Voice;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service;

/// <summary>Composes the service: configuration, logging, systemd, the engine loop and, under <c>--simulate</c>, the simulation.</summary>
public static partial class LobbyEdgeHost
{
    /// <summary>Environment variables with this prefix are configuration keys: <c>LOBBYEDGE__Section__Key</c>.</summary>
    public const string EnvironmentPrefix = "LOBBYEDGE__";

    /// <summary>Builds the host. Starts nothing.</summary>
    /// <param name="options">The command line.</param>
    /// <param name="profile">The branch profile as loaded: the branch, its hardware and its voice settings.</param>
    /// <param name="profileText">
    /// The profile file's exact text, to version the configuration in <c>{data}/config</c> and take configuration
    /// commands from head office; null runs unversioned (tools, tests).
    /// </param>
    /// <exception cref="InvalidDataException">
    /// A configuration file (<c>appsettings.json</c>) cannot be read, or the configuration is invalid: an unknown
    /// section or key, a value that does not convert or is out of range (one line per problem, naming the key and
    /// the value; the program turns this into exit code 2).
    /// </exception>
    public static IHost Build(LaunchOptions options, BranchProfile profile, string? profileText = null) =>
        Build(options, profile, profileText, restoreWhileBuilding: false);

    /// <inheritdoc cref="Build(LaunchOptions, BranchProfile, string?)"/>
    /// <param name="options">The command line.</param>
    /// <param name="profile">The branch profile as loaded.</param>
    /// <param name="profileText">The profile file's exact text, or null (unversioned).</param>
    /// <param name="restoreWhileBuilding">
    /// The service's start: once every input is checked, the branch is restored from its log on a thread of its own
    /// while the container is built (<see cref="EarlyRestore"/>); the result and its log lines are taken when
    /// <see cref="RestoredBranch"/> is first resolved. Otherwise the restore runs then.
    /// </param>
    internal static IHost Build(LaunchOptions options, BranchProfile profile, string? profileText, bool restoreWhileBuilding)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(profile);

        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. options.ConfigurationArguments],

            // appsettings.json sits next to the program; systemd and demos start it from anywhere.
            ContentRootPath = AppContext.BaseDirectory,
        });
        StartupTrace.Mark("builder");
        AddPrefixedEnvironment(builder.Configuration);

        // Every key the operator set is one the service reads, and every value is in range, before anything starts.
        ConfigurationCheck.Check(builder.Configuration, ConfigurationCheck.IsOperatorSource);
        StartupTrace.Mark("config-checked");

        // Type=notify: tells systemd when the service is ready and when it stops (no-op outside systemd).
        builder.Services.AddSystemd();
        ConfigureLogging(builder.Logging);

        // A loop that fails must stop the host; RunAsync then turns the failure into exit code 1.
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);

        builder.Services.AddSingleton(options);

        // Every consumer (pages, signage, state, metrics, head office, devices, simulation) takes the configuration IN
        // FORCE, the one the restored engine runs with, never the profile file's: after a restart while a structural
        // change waits for the next opening, the file already holds the new text but the open day runs with the old
        // one. When the waiting one takes effect, HostRestart builds a new host, which then takes it.
        builder.Services.AddSingleton(sp => sp.GetRequiredService<RestoredBranch>().Engine.Config);
        if (options.Simulate)
        {
            AddSimulation(builder.Services, options, profile, builder.Configuration.GetSection(SimulationOptions.Section).Get<SimulationOptions>() ?? new SimulationOptions());
        }
        else
        {
            builder.Services.AddSingleton(TimeProvider.System);
        }

        // The log is opened and the engine rebuilt from it before the engine loop exists (RunAsync resolves it
        // first, so a log that cannot be opened stops the start with exit code 1 and a clear message).
        builder.Services.Configure<EventLogOptions>(builder.Configuration.GetSection("EventLog"));
        var logObserver = new LogObserverRelay();
        builder.Services.AddSingleton(sp => logObserver.Attach(new LobbyMetrics(sp.GetRequiredService<BranchConfig>())));
        EarlyRestore? early = null;
        AddConfigurationVersions(builder.Services, options, profile, profileText, () => early);
        builder.Services.AddSingleton(sp => early?.Take(sp.GetRequiredService<ILoggerFactory>()) ?? RestoredBranch.Open(
            options.DataDirectory,
            profile.Branch,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RestoredBranch).FullName!),
            logObserver,
            sp.GetService<ConfigurationVersions>()));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<RestoredBranch>().Engine);

        // The event log is the first sink: every other sink and every sender sees only durable events.
        builder.Services.AddSingleton<EventLogSink>();
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IEngineEventSink>(sp => sp.GetRequiredService<EventLogSink>()));

        // Metrics and the state snapshot follow the log: what they show is durable.
        builder.Services.AddSingleton<MetricsSink>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<MetricsSink>());
        builder.Services.AddSingleton<BranchState>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<BranchState>());

        // Voice: announces calls once they are durable; registered before the loop, so it stops after it.
        builder.Services.AddVoice(builder.Configuration);
        if (profile.Voice.Languages is { } languages)
        {
            // The branch profile says what the lobby speaks; it wins over the Voice:Languages default.
            builder.Services.PostConfigure<VoiceOptions>(o =>
            {
                o.Languages.Clear();
                foreach (string language in languages)
                {
                    o.Languages.Add(language);
                }
            });
        }

        // The engine's clock: follows the wall clock's rate, never runs backwards, records steps (engine README,
        // "Clock policy"). A simulation's clock is its own truth.
        ClockOptions clock = builder.Configuration.GetSection(ClockOptions.Section).Get<ClockOptions>() ?? new ClockOptions();
        IClockSynchronization synchronization = ClockSynchronization.TryParseSource(options.Simulate ? ClockSynchronization.Trusted : clock.Synchronization)!;
        builder.Services.AddSingleton(sp => new BranchClock(
            sp.GetRequiredService<TimeProvider>(),
            synchronization,
            sp.GetRequiredService<RestoredBranch>().Engine.LastEventUtc,
            TimeSpan.FromSeconds(clock.StepThresholdSeconds)));
        // Producers write to the channel; the loop alone reads it (so a sink that is also a producer is no cycle).
        builder.Services.AddSingleton<LobbyCommandChannel>();
        builder.Services.AddSingleton<ILobbyCommands>(sp => sp.GetRequiredService<LobbyCommandChannel>());
        builder.Services.AddSingleton<EngineLoop>();
        builder.Services.AddSingleton<IEngineLoopHealth>(sp => sp.GetRequiredService<EngineLoop>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EngineLoop>());
        builder.Services.AddHostedService<HeapTrim>();
        if (profileText is not null)
        {
            // Unversioned hosts (tools, tests building the host without the profile's text) have no store to number from.
            builder.Services.AddHostedService<ConfigurationAtStart>();
        }

        // Keypads, printers, displays and buttons the branch profile names (none for a profile without hardware).
        builder.Services.AddSingleton(builder.Configuration.GetSection(RatingOptions.Section).Get<RatingOptions>() ?? new RatingOptions());
        builder.Services.AddLobbyDevices(options.Simulate, profile);

        // Head office over MQTT: ships the log from its cursor, publishes the state, takes commands. Registered after
        // the loop, so it stops first; off (events stay in the log) without a broker.
        builder.Services.AddSingleton<IBranchStateSource>(sp => new BranchStateSource(sp.GetRequiredService<BranchState>()));
        builder.Services.AddHeadOffice(builder.Configuration);

        // Operations: HTTP (after the loop, so /readyz can only answer once the loop runs) and the watchdog.
        builder.Services.AddSingleton<NoticeBoard>();
        builder.Services.AddSingleton<RatingStations>();

        // Asks for a rating after each durable finish where a pad or page can take it (Rating:PromptOnFinish).
        builder.Services.AddSingleton<RatingPrompter>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<RatingPrompter>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RatingPrompter>());
        builder.Services.AddSingleton<SignageFeed>();
        builder.Services.TryAddSingleton<IKioskPrinter, NoKioskPrinter>();
        builder.Services.AddSingleton<Kiosk>();

        // Reprints: printed when the TicketReprinted event is durable, at the printer the devices name (or none).
        builder.Services.TryAddSingleton<IReprintPrinter, NoReprintPrinter>();
        builder.Services.AddSingleton<ReprintDesk>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<ReprintDesk>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReprintDesk>());

        // Who may take tickets, and how fast: the token file is read now, so a bad one stops the start (exit 2).
        KioskOptions kiosk = builder.Configuration.GetSection(KioskOptions.Section).Get<KioskOptions>() ?? new KioskOptions();
        KioskTokens kioskTokens = KioskTokens.Read(kiosk.TokenFile);
        builder.Services.AddSingleton(sp => new KioskGate(kiosk, kioskTokens, sp.GetRequiredService<LobbyMetrics>(), sp.GetRequiredService<ILogger<KioskGate>>()));
        builder.Services.AddSingleton<IHttpRateLimits>(sp => sp.GetRequiredService<KioskGate>());
        builder.Services.AddSingleton<IHttpEndpoints, LobbyPages>();
        AddRatingPage(builder, kiosk);
        AddAdvice(builder);
        AddConsole(builder, options);
        builder.Services.Configure<HttpOptions>(builder.Configuration.GetSection("Http"));
        builder.Services.AddSingleton<HttpServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HttpServer>());
        builder.Services.AddHostedService<SystemdWatchdog>();

        // Registered after the engine loop, so it stops first and never posts to a stopped loop.
        if (options.Simulate)
        {
            AddSimulationDriver(builder.Services);
        }

        AddClosedLoggersAndOptions(builder.Services);
        StartupTrace.Mark("services-added");
        if (restoreWhileBuilding)
        {
            // Everything that can refuse the start with exit code 2 has been checked by now.
            early = EarlyRestore.Start(
                options.DataDirectory,
                profile.Branch,
                logObserver,
                logger => profileText is null ? null : new ConfigurationVersions(options.BranchPath, profile, profileText, logger));
        }

        try
        {
            return builder.Build();
        }
        catch
        {
            early?.Abandon();
            throw;
        }
    }

    /// <summary>
    /// The configuration versions (<c>{data}/config</c>, when the profile's text is given), the configuration in force
    /// for consumers (<see cref="CurrentConfiguration"/>, followed on the engine loop) and the in-process restart when
    /// a structural change takes effect.
    /// </summary>
    private static void AddConfigurationVersions(IServiceCollection services, LaunchOptions options, BranchProfile profile, string? profileText, Func<EarlyRestore?> early)
    {
        if (profileText is not null)
        {
            services.AddSingleton(sp =>
            {
                ILoggerFactory loggers = sp.GetRequiredService<ILoggerFactory>();
                if (early() is { Versions: { } versions } restore)
                {
                    restore.AttachLog(loggers);
                    return versions;
                }

                return new ConfigurationVersions(options.BranchPath, profile, profileText, new Logger<ConfigurationVersions>(loggers));
            });
            services.AddSingleton<ConfigurationUpdates>();
        }

        services.AddSingleton(sp =>
        {
            QueueEngine engine = sp.GetRequiredService<RestoredBranch>().Engine;
            var current = new CurrentConfiguration(engine.Config);
            current.Set(engine.Config, engine.PendingConfiguration);
            return current;
        });
        services.AddSingleton<HostRestart>();
        services.AddSingleton<ConfigurationSink>();
        services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<ConfigurationSink>());
    }

    /// <summary>
    /// The rating page (<c>/rate/{counter}</c>): a sink (it asks once a prompt is durable), endpoints behind the kiosk's
    /// gate, and its own rate limit. The question stays up <c>Rating:PromptSeconds</c> (default 30), as on a rating pad.
    /// </summary>
    private static void AddRatingPage(HostApplicationBuilder builder, KioskOptions kiosk)
    {
        builder.Services.AddSingleton(sp => new RatingPage(
            sp.GetRequiredService<BranchConfig>(),
            sp.GetRequiredService<ILobbyCommands>(),
            sp.GetRequiredService<KioskGate>(),
            sp.GetRequiredService<RatingStations>(),
            kiosk,
            sp.GetRequiredService<RatingOptions>().PromptSeconds,
            sp.GetRequiredService<ILogger<RatingPage>>()));
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<RatingPage>());
        builder.Services.AddSingleton<IHttpEndpoints>(sp => sp.GetRequiredService<RatingPage>());
        builder.Services.AddSingleton<IHttpRateLimits>(sp => sp.GetRequiredService<RatingPage>());
    }

    /// <summary>
    /// The lobby manager's console (<c>/lobby</c>): the staff file is read now, so a bad one stops the start with exit
    /// code 2 naming file, line and field; its state is built on the engine loop like the signage's.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// <c>Lobby:StaffFile</c> is set and not an absolute path (the value not shown), or the staff file cannot be read or
    /// has a bad line.
    /// </exception>
    private static void AddConsole(HostApplicationBuilder builder, LaunchOptions options)
    {
        builder.Services.Configure<ConsoleOptions>(builder.Configuration.GetSection(ConsoleOptions.Section));
        string? configured = builder.Configuration.GetSection(ConsoleOptions.Section)[nameof(ConsoleOptions.StaffFile)];
        if (!string.IsNullOrWhiteSpace(configured) && ConfiguredSecrets.FileProblem(configured) is { } problem)
        {
            // The configuration check refuses it first; this keeps the rule where the path is used.
            throw new InvalidDataException($"{ConsoleOptions.Section}:{nameof(ConsoleOptions.StaffFile)}: {problem}");
        }

        string path = string.IsNullOrWhiteSpace(configured) ? Path.Combine(options.DataDirectory, StaffFile.DefaultFileName) : configured;
        try
        {
            builder.Services.AddSingleton(StaffDirectory.Open(path, demo: options.Simulate));
        }
        catch (StaffFileException e)
        {
            throw new InvalidDataException($"the staff file is not valid ({ConsoleOptions.Section}:{nameof(ConsoleOptions.StaffFile)}):{Environment.NewLine}{e.Message}");
        }

        builder.Services.AddSingleton<ConsoleSignIn>(sp => new ConsoleSignIn(
            sp.GetRequiredService<StaffDirectory>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConsoleOptions>>(),
            sp.GetRequiredService<LobbyMetrics>(),
            sp.GetRequiredService<ILogger<ConsoleSignIn>>()));
        builder.Services.AddSingleton<ConsoleState>();
        builder.Services.AddSingleton<IEngineEventSink>(sp => sp.GetRequiredService<ConsoleState>());
        builder.Services.AddSingleton<IHttpEndpoints, LobbyConsole>();
    }

    /// <summary>
    /// Runs the host until it stops and returns the process exit code: <see cref="ExitCodes.Stopped"/>, or
    /// <see cref="ExitCodes.Fatal"/> when the host failed to start or stop or any <see cref="BackgroundService"/>
    /// failed. Disposes the host.
    /// </summary>
    /// <remarks>
    /// Since .NET 10 a failed <see cref="BackgroundService"/> stops the host (with
    /// <see cref="BackgroundServiceExceptionBehavior.StopHost"/>) but the host itself ends normally, so the
    /// process would exit 0 and systemd would not restart it. The loops' tasks are checked here instead.
    /// </remarks>
    public static async Task<int> RunAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LobbyEdgeHost).FullName!);
        int exitCode = ExitCodes.Stopped;
        BackgroundService[] loops;
        try
        {
            // Nothing accepts a command before the branch is restored from its log.
            RestoredBranch? restored = host.Services.GetService<RestoredBranch>();
            StartupTrace.Mark("restored");

            // Start-up (issue 17): the two sinks that rebuild today's figures from the log (the metrics, the lobby
            // console's state) are made side by side, the metrics on another thread, while this one goes on with the
            // other parts; the container makes each singleton once (a part that needs one waits for it).
            Task metrics = Task.Run(() => host.Services.GetService<MetricsSink>());
            _ = host.Services.GetService<ConsoleState>();
            loops = [.. host.Services.GetServices<IHostedService>().OfType<BackgroundService>()];
            await metrics.ConfigureAwait(false);

            // The web application is built while the other parts start (HttpServer.StartAsync then binds it).
            host.Services.GetService<HttpServer>()?.PrepareInBackground();

            // Every sink that rebuilds today's figures from the log has been made: its one reading is not needed any more.
            restored?.ForgetToday();
            StartupTrace.Mark("services-resolved");
        }
        catch (OtherBranchDataException e)
        {
            // A deployment mistake, not a fault: exit 2, which systemd does not restart.
            return await RefuseAsync(host, logger, e.Message, ExitCodes.InvalidConfiguration).ConfigureAwait(false);
        }
        catch (LogReplayException e)
        {
            // A profile that is not the one the log ran with: a deployment mistake (2), nothing was written.
            return await RefuseAsync(host, logger, $"{e.Message}. Start with this data's own branch profile (the one it ran with; its earlier versions are in config/ of the data directory when that is still there); no configuration was stored.", ExitCodes.InvalidConfiguration).ConfigureAwait(false);
        }
        catch (DataDirectoryLayoutException e)
        {
            // A file where a folder belongs, a link in a loop: a mistake made on the box (2); a restart cannot help.
            return await RefuseAsync(host, logger, e.Message, ExitCodes.InvalidConfiguration).ConfigureAwait(false);
        }
        catch (DataDirectoryNotWritableException e)
        {
            // A permission is a deployment mistake (2); a read-only file system a storage fault (1), as a full card.
            return await RefuseAsync(host, logger, e.Message, e.ReadOnlyFileSystem ? ExitCodes.Fatal : ExitCodes.InvalidConfiguration).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DataDirectoryLockedException or LogDamagedException)
        {
            // Expected, and said in full by the message (who holds the directory; which file, offset and what to do):
            // no stack trace in the journal.
            return await RefuseAsync(host, logger, e.Message, ExitCodes.Fatal).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RestoreFailed(logger, e);

            // Also in plain words for whoever started it by hand (a locked or damaged data directory says what to do).
            Console.Error.WriteLine($"lobby-edge: {e.Message}");
            _ = await DisposeAsync(host).ConfigureAwait(false);
            return ExitCodes.Fatal;
        }

        try
        {
            try
            {
                await host.StartAsync().ConfigureAwait(false);
                StartupTrace.Mark("host-started");

                // After every part started (Kestrel bound, as systemd's READY=1): whoever reads "ready" can open the pages.
                Log.Ready(logger, host.Services.GetService<HttpServer>()?.BaseAddress?.ToString() ?? "disabled");
                StartupTrace.Mark("ready");
                StartupCollections.End();
                await host.WaitForShutdownAsync().ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Kestrel's "Failed to bind to address http://0.0.0.0:9180: address already in use.": said in full, no
                // stack trace. Exit 1: the other program may be gone at systemd's next try.
                string message = $"{e.Message} Another program (or another lobby-edge) listens on that port: stop it, or give this one another port (Http:Port).";
                Log.PortInUse(logger, message);
                Console.Error.WriteLine($"lobby-edge: {message}");
                exitCode = ExitCodes.Fatal;
            }
            catch (Exception e)
            {
                Log.HostFailed(logger, e);

                // In plain words too, for whoever started it by hand (e.g. the HTTP port is taken by another program).
                Console.Error.WriteLine($"lobby-edge: the service could not start or run: {e.Message}");
                exitCode = ExitCodes.Fatal;
            }

            foreach (BackgroundService loop in loops)
            {
                if (loop.ExecuteTask is { IsFaulted: true } failed)
                {
                    // The engine loop says its own failure (a storage fault in plain words, anything else with its stack
                    // trace), and a part that failed because the engine had stopped (EngineStoppedException: the
                    // simulation, the keypads) adds nothing to it; any other part's failure is a bug, logged here with
                    // its stack trace (the host's own line for it is filtered out, above).
                    Exception? inner = failed.Exception?.InnerException;
                    Exception? bug = loop is EngineLoop || inner is EngineStoppedException or LogWriteException ? null : inner;
                    // The reason is said in the line either way (the stack trace only for a bug).
                    Log.LoopFailed(logger, loop.GetType().Name, inner?.Message ?? "no reason given", bug);
                    exitCode = ExitCodes.Fatal;
                }
            }

            Log.Exiting(logger, exitCode);
        }
        finally
        {
            if (!await DisposeAsync(host).ConfigureAwait(false))
            {
                exitCode = ExitCodes.Fatal;
            }
        }

        return exitCode;
    }

    /// <summary>
    /// Refuses the start for a reason its message says in full (another branch's data, a data directory this process
    /// cannot write or another process holds): one Critical line without a stack trace, the message on stderr too for
    /// whoever started it by hand, the host disposed; returns <paramref name="exitCode"/>.
    /// </summary>
    private static async Task<int> RefuseAsync(IHost host, ILogger logger, string message, int exitCode)
    {
        Log.Refusing(logger, message, exitCode);
        Console.Error.WriteLine($"lobby-edge: {message}");
        _ = await DisposeAsync(host).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>Disposes the host; a failure is reported on stderr (the loggers are gone by then), never thrown.</summary>
    /// <returns>Whether it was disposed without an error.</returns>
    private static async Task<bool> DisposeAsync(IHost host)
    {
        try
        {
            // Disposing flushes the console logger's queue, so the last lines are not lost.
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }

            return true;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"lobby-edge: closing the service failed ({e.GetType().Name}: {e.Message}); exit code 1").ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Logs what the service is about to run, once, before it starts. Takes the branch id from the profile file (a box
    /// cannot change branch) and resolves nothing that opens the log: a damaged or locked log is reported by
    /// <see cref="RunAsync"/> with exit code 1.
    /// </summary>
    public static void LogStart(IHost host, string branchId)
    {
        ArgumentNullException.ThrowIfNull(host);
        LaunchOptions options = host.Services.GetRequiredService<LaunchOptions>();
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LobbyEdgeHost).FullName!);
        Log.Starting(logger, branchId, options.BranchPath, options.Simulate ? "simulation" : "live", options.DataDirectory);
    }

    /// <summary>
    /// Under <c>--simulate</c>: the simulation's clock, narrator and virtual devices (src/LobbyEdge.Simulator). The
    /// only places the host names a simulator type are this method and <see cref="AddSimulationDriver"/>, never
    /// inlined, so a run without <c>--simulate</c> never loads the simulator's assembly.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSimulation(IServiceCollection services, LaunchOptions options, BranchProfile profile, SimulationOptions simulation) =>
        services.AddSimulation(profile.Hardware, options.Speed, options.Days, options.Seed, simulation.FollowAdvice, simulation.SelfServiceTakeUp);

    /// <summary>Under <c>--simulate</c>: the simulated customers and staff, pressing the dispensers' buttons when the branch has any.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSimulationDriver(IServiceCollection services) =>
        services.AddSimulationDriver(sp => sp.GetService<LobbyDevices>()?.Dispensers ?? []);

    private static void AddPrefixedEnvironment(IConfigurationBuilder configuration)
    {
        // Below the command line, like the other environment variables, so "--Key=value" still wins. The builder
        // adds the command line twice (early, for host settings, and last); the last one is the one that counts,
        // and inserting before the early one would put appsettings.json above these variables.
        IList<IConfigurationSource> sources = configuration.Sources;
        int index = sources.Count;
        for (int i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is CommandLineConfigurationSource)
            {
                index = i;
                break;
            }
        }

        sources.Insert(index, new EnvironmentVariablesConfigurationSource { Prefix = EnvironmentPrefix });
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();

        // The generic host's own lines when a part fails ("Hosting failed to start", "A BackgroundService has thrown an
        // unhandled exception … configure this to Ignore") repeat, with a stack trace and advice that is not ours,
        // what RunAsync says itself: once, as Critical, with the stack trace only for a failure nobody expected.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        if (Console.IsOutputRedirected)
        {
            // Not a terminal (journald, a pipe, a file): one JSON object per line, for machines to read.
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                o.IncludeScopes = false;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.IncludeScopes = false;
            });
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Branch {BranchId} from {Profile}, {Mode}; data directory {DataDirectory}")]
        public static partial void Starting(ILogger logger, string branchId, string profile, string mode, string dataDirectory);

        [LoggerMessage(2, LogLevel.Critical, "The host failed; the service stops")]
        public static partial void HostFailed(ILogger logger, Exception exception);

        [LoggerMessage(12, LogLevel.Critical, "Cannot serve HTTP: {Message}; the service stops with exit code 1")]
        public static partial void PortInUse(ILogger logger, string message);

        [LoggerMessage(3, LogLevel.Critical, "{Loop} failed ({Reason}); the service stops with exit code 1")]
        public static partial void LoopFailed(ILogger logger, string loop, string reason, Exception? exception);

        [LoggerMessage(5, LogLevel.Critical, "The event log could not be opened or replayed; the service stops with exit code 1")]
        public static partial void RestoreFailed(ILogger logger, Exception exception);

        [LoggerMessage(11, LogLevel.Critical, "Refusing to start: {Message} (exit code {ExitCode})")]
        public static partial void Refusing(ILogger logger, string message, int exitCode);

        [LoggerMessage(6, LogLevel.Information, "Started, HTTP {Http}; ready")]
        public static partial void Ready(ILogger logger, string http);

        [LoggerMessage(4, LogLevel.Information, "Exiting with code {ExitCode}")]
        public static partial void Exiting(ILogger logger, int exitCode);
    }
}
