using System.Globalization;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Simulator.Hosting;

/// <summary>What a <c>--simulate</c> run plays.</summary>
/// <param name="FirstDay">The first business date, in the branch's time zone.</param>
/// <param name="Days">How many business days to play before the service stops.</param>
/// <param name="Seed">The run's seed; each day draws its own seed from it, so a run repeats with the same seed.</param>
/// <param name="Traffic">How busy the lobby is and how people behave.</param>
public sealed record SimulationPlan(DateOnly FirstDay, int Days, int Seed, TrafficProfile Traffic);

/// <summary>Where a simulation begins: its first business date and the clock's first reading.</summary>
/// <param name="FirstDay">The first business date to play.</param>
/// <param name="Start">The simulated clock's first reading (UTC).</param>
public sealed record SimulationStartPoint(DateOnly FirstDay, DateTimeOffset Start);

/// <summary>
/// Plays simulated lobby days under <c>--simulate</c>: the customers and staff of <see cref="LobbyTraffic"/> post
/// their commands through <see cref="ILobbyCommands"/>, exactly as devices would, on the scaled clock. Stops the
/// service (exit code 0) after the planned number of days.
/// </summary>
/// <remarks>
/// When the branch has dispensers (a hardware profile), customers take their tickets at them: the press goes
/// through <see cref="TicketDispenser"/>, which checks its printer, issues and prints on the virtual printer, as a
/// real press would. A customer whose service and tier no dispenser button issues (or whose dispensers cannot print)
/// asks the lobby manager, who issues the ticket by hand (the plain command).
/// </remarks>
public sealed partial class SimulationDriver : BackgroundService
{
    private readonly BranchConfig _config;
    private readonly ILobbyCommands _commands;
    private readonly ScaledTimeProvider _clock;
    private readonly LobbyNarrator _narrator;
    private readonly LobbyEventFeed _feed;
    private readonly SimulationPlan _plan;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<SimulationDriver> _logger;
    private readonly IReadOnlyList<TicketDispenser> _dispensers;

    /// <summary>Creates the driver.</summary>
    /// <param name="config">The branch.</param>
    /// <param name="commands">Where the simulated staff and the lobby manager post their commands.</param>
    /// <param name="clock">The scaled clock the host runs on; started when the lobby starts.</param>
    /// <param name="narrator">The narrator registered as a sink, which says when a day has closed.</param>
    /// <param name="feed">The sink that hands the engine's events to the simulated lobby manager.</param>
    /// <param name="plan">What to play.</param>
    /// <param name="lifetime">Stopped after the last day.</param>
    /// <param name="logger">The driver's log.</param>
    /// <param name="dispensers">The branch's dispensers, where customers take their tickets; empty without hardware.</param>
    public SimulationDriver(
        BranchConfig config,
        ILobbyCommands commands,
        ScaledTimeProvider clock,
        LobbyNarrator narrator,
        LobbyEventFeed feed,
        SimulationPlan plan,
        IHostApplicationLifetime lifetime,
        ILogger<SimulationDriver> logger,
        IReadOnlyList<TicketDispenser>? dispensers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(narrator);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(logger);
        _config = config;
        _commands = commands;
        _clock = clock;
        _narrator = narrator;
        _feed = feed;
        _plan = plan;
        _lifetime = lifetime;
        _logger = logger;
        _dispensers = dispensers ?? [];
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Starting(_logger, _plan.Days, _config.BranchId, _clock.Speed, Date(_plan.FirstDay), _plan.Seed);
        if (_plan.Traffic.LobbyManager is { } manager)
        {
            Log.ManagerOnFloor(_logger, manager.Staff, Math.Round(manager.ResponseDelay.TotalMinutes, 1), manager.CareActionsPerHour, manager.GreetingShare);
        }

        if (_plan.Traffic.Ratings is { } ratings)
        {
            Log.RatingStations(_logger, Counters(ratings.PadCounters), Counters(ratings.PageCounters.Where(c => !ratings.PadCounters.Contains(c))), ratings.ResponseRate);
        }

        if (_plan.Traffic.FollowAdvice)
        {
            Log.FollowingAdvice(_logger, Counters(_config.Counters.Where(c => !c.OpenAtDayStart).Select(c => c.Number)), Math.Round(_plan.Traffic.AdviceResponse.TotalMinutes, 1));
        }

        if (_plan.Traffic.SelfServiceTakeUp > 0)
        {
            Log.SelfServiceTakeUp(_logger, _plan.Traffic.SelfServiceTakeUp, string.Join(", ", _config.Services.Where(s => s.SelfService is not null).Select(s => s.Id)) is { Length: > 0 } ids ? ids : "none");
        }

        // The clock waits for the lobby: the host's start-up must not eat the first simulated minutes.
        _clock.Start();
        var seeds = new Random(_plan.Seed);
        DateOnly date = _plan.FirstDay;
        try
        {
            for (int day = 1; day <= _plan.Days; day++, date = date.AddDays(1))
            {
                // The branch's calendar closes some dates (Sundays, holidays): the simulation plays the open ones.
                DateOnly closedFrom = date;
                for (int i = 0; i < 366 && !LobbyTraffic.IsOpenDate(_config, date); i++)
                {
                    date = date.AddDays(1);
                }

                if (date != closedFrom)
                {
                    Log.SkippedClosed(_logger, Date(closedFrom), Date(date.AddDays(-1)), Date(date));
                }

                int seed = seeds.Next();
                var traffic = new LobbyTraffic(_config, _plan.Traffic, date, seed);
                var open = new DateTimeOffset(traffic.DayOpen, TimeSpan.Zero);
                var close = new DateTimeOffset(traffic.DayClose, TimeSpan.Zero);

                // Nobody comes at night: jump to a minute before opening rather than wait out the hours.
                if (_clock.SkipTo(open - TimeSpan.FromMinutes(1)))
                {
                    Log.SkippedNight(_logger, Date(date));
                }

                Log.DayPlanned(_logger, Date(date), traffic.PlannedArrivals, seed);
                if (_clock.GetUtcNow() > open)
                {
                    // Restarted mid-day: what was due before now is gone; the staff pick up from here.
                    traffic.ResumeAt(_clock.GetUtcNow());
                    Log.Resumed(_logger, Date(date));
                }

                if (!_config.AutoOpenClose)
                {
                    // The branch opens and closes by hand: the simulated manager presses the buttons.
                    await DelayUntilAsync(open, null, stoppingToken).ConfigureAwait(false);
                    await _commands.SendAsync(Command.OpenDay(), stoppingToken).ConfigureAwait(false);
                }

                await PlayAsync(traffic, close, stoppingToken).ConfigureAwait(false);
                if (!_config.AutoOpenClose)
                {
                    await _commands.SendAsync(Command.CloseDay(), stoppingToken).ConfigureAwait(false);
                }

                await _narrator.WaitForCloseAsync(date, stoppingToken).ConfigureAwait(false);
            }

            Log.Finished(_logger, _plan.Days);
            _lifetime.StopApplication();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before the last day ended.
        }
    }

    /// <summary>
    /// Sends each planned command when it is due, until the day's closing time. The lobby manager and the customers at
    /// the rating stations see every event (through the feed) before they decide, and an event they did not cause (a
    /// care alert, a rating prompt from the host) wakes the loop early.
    /// </summary>
    private async Task PlayAsync(LobbyTraffic traffic, DateTimeOffset close, CancellationToken cancellationToken)
    {
        var lag = new ClockLag(ClockLag.DefaultThreshold);
        while (true)
        {
            DateTimeOffset now = _clock.GetUtcNow();
            if (now >= close)
            {
                // What is still planned (customers at the counters) ends with the day: the engine closes it.
                if (lag.Warned)
                {
                    Log.BehindOnTheDay(_logger, Date(DateOnly.FromDateTime(BusinessCalendar.ToLocal(_config.TimeZone, close.UtcDateTime))), Math.Round(lag.Worst.TotalMinutes, 1), _clock.Speed);
                }

                return;
            }

            // A machine that cannot keep up with --speed (or a process stalled by the system) plays the day late:
            // customers and staff act after their time, so waits and care figures read worse than the lobby's.
            if (traffic.NextDue is { } overdue && lag.Observe(now - overdue))
            {
                Log.Behind(_logger, Math.Round((now - overdue).TotalMinutes, 1), _clock.Speed);
            }

            _feed.Drain(traffic);
            if (_feed.TakeAdviceBeforeStart() is { Length: > 0 } before && traffic.PickUpAdvice(before, now) is > 0 and var picked)
            {
                Log.AdvicePickedUp(_logger, picked);
            }

            while (traffic.TryNext(now, out Command command))
            {
                CommandOutcome outcome = command.Kind == CommandKind.Issue && _dispensers.Count > 0
                    ? await IssueAtDispenserAsync(command, cancellationToken).ConfigureAwait(false)
                    : await _commands.SendAsync(command, cancellationToken).ConfigureAwait(false);
                if (command.Kind == CommandKind.Issue && outcome.Result.Accepted && _logger.IsEnabled(LogLevel.Debug))
                {
                    // What the customer holds: a result is released only once its events are durable, so every
                    // ticket acknowledged here must survive any crash (the crash test reads these lines).
                    Log.Acknowledged(_logger, _config.Services[outcome.Result.NumberService].FormatNumber(outcome.Result.Number), outcome.LastSequence);
                }

                // The outcome comes once every sink has seen the command's events: the manager learns them first.
                _feed.Drain(traffic);
                traffic.Observe(in command, outcome.Result, outcome.At);
                while (traffic.Manager is { } manager && manager.TryTakeNote(out LobbyManagerNote note))
                {
                    _narrator.Tell(in note);
                }
            }

            DateTimeOffset next = traffic.NextDue is { } due && due < close ? due : close;
            await DelayUntilAsync(next, traffic.ListensToEvents ? _feed.Arrived : null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A customer presses the dispenser button for their service and tier; the next dispenser if one refuses for its printer.</summary>
    private async Task<CommandOutcome> IssueAtDispenserAsync(Command command, CancellationToken cancellationToken)
    {
        foreach ((TicketDispenser dispenser, int button, bool longPress) in ButtonsFor(_dispensers, command.Service, command.Tier))
        {
            DispenseOutcome pressed = await dispenser.PressAsync(button, longPress, cancellationToken).ConfigureAwait(false);
            if (pressed.Engine is { } engine)
            {
                return new CommandOutcome(engine.Result, engine.At, engine.LastSequence);
            }
        }

        return await _commands.SendAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The dispenser buttons that issue <paramref name="service"/> at <paramref name="tier"/>, in profile order: a
    /// short press of a button of that tier, or a long press of a button whose long press is that tier.
    /// </summary>
    internal static IEnumerable<(TicketDispenser Dispenser, int Button, bool LongPress)> ButtonsFor(IReadOnlyList<TicketDispenser> dispensers, int service, Tier tier)
    {
        foreach (TicketDispenser dispenser in dispensers)
        {
            for (int b = 0; b < dispenser.Buttons.Count; b++)
            {
                DispenserButton button = dispenser.Buttons[b];
                if (button.Service != service)
                {
                    continue;
                }

                if (button.Tier == tier)
                {
                    yield return (dispenser, b, false);
                }
                else if (button.LongPressTier == tier)
                {
                    yield return (dispenser, b, true);
                }
            }
        }
    }

    /// <summary>Waits on the scaled clock until <paramref name="instant"/>, or until <paramref name="wake"/> completes if given.</summary>
    private async Task DelayUntilAsync(DateTimeOffset instant, Task? wake, CancellationToken cancellationToken)
    {
        TimeSpan wait = instant - _clock.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (wake is null)
        {
            await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delay = Task.Delay(wait, _clock, stop.Token);
        Task first = await Task.WhenAny(delay, wake).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        if (first == delay)
        {
            await delay.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private static string Counters(IEnumerable<int> counters) =>
        string.Join(", ", counters.Select(c => c.ToString(CultureInfo.InvariantCulture))) is { Length: > 0 } list ? list : "none";

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information,
            "Simulating {Days} day(s) of branch {BranchId} at {Speed}x real time from {FirstDay}; repeat with --seed {Seed}")]
        public static partial void Starting(ILogger logger, int days, string branchId, double speed, string firstDay, int seed);

        [LoggerMessage(213, LogLevel.Information, "The staff pick up {Count} piece(s) of advice given before the restart (unanswered, or accepted and not yet carried out)")]
        public static partial void AdvicePickedUp(ILogger logger, int count);

        [LoggerMessage(202, LogLevel.Information, "Night skipped: the clock now reads a minute before {Date} opens")]
        public static partial void SkippedNight(ILogger logger, string date);

        [LoggerMessage(209, LogLevel.Information, "Closed by the branch's calendar from {From} to {To}: the simulation goes on with {Date}")]
        public static partial void SkippedClosed(ILogger logger, string from, string to, string date);

        [LoggerMessage(203, LogLevel.Information, "Day {Date}: {Customers} customers planned (day seed {DaySeed})")]
        public static partial void DayPlanned(ILogger logger, string date, int customers, int daySeed);

        [LoggerMessage(206, LogLevel.Debug, "Ticket {Ticket} handed to the customer (durable at event {Sequence})")]
        public static partial void Acknowledged(ILogger logger, string ticket, long sequence);

        [LoggerMessage(205, LogLevel.Information, "Day {Date} resumed where the event log left off")]
        public static partial void Resumed(ILogger logger, string date);

        [LoggerMessage(207, LogLevel.Information,
            "Lobby manager (大堂经理, staff {Staff}) on the floor: reaches a care alert about {ResponseMinutes} min after it is raised when free, "
            + "up to {CarePerHour} acts of care an hour, greets {GreetingShare:P0} of arriving customers")]
        public static partial void ManagerOnFloor(ILogger logger, int staff, double responseMinutes, double carePerHour, double greetingShare);

        [LoggerMessage(208, LogLevel.Information,
            "Customer ratings: rating pads (1-5) at counters {PadCounters}, the rating page (0-10, NPS) at counters {PageCounters}; {ResponseRate:P0} of customers rate when asked")]
        public static partial void RatingStations(ILogger logger, string padCounters, string pageCounters, double responseRate);

        [LoggerMessage(210, LogLevel.Information,
            "Staff follow the staffing advice (Simulation:FollowAdvice): the lobby manager accepts it on the console, the counter's clerk carries it out about {Minutes} min later; counters {Counters} are staffed only when advised to open")]
        public static partial void FollowingAdvice(ILogger logger, string counters, double minutes);

        [LoggerMessage(211, LogLevel.Information,
            "{TakeUp:P0} of customers take the self-service alternative (Simulation:SelfServiceTakeUp) when the kiosk shows a wait at its threshold; services with one: {Services}")]
        public static partial void SelfServiceTakeUp(ILogger logger, double takeUp, string services);

        [LoggerMessage(214, LogLevel.Warning,
            "Simulation {Minutes} simulated min behind its clock at {Speed}x real time: this machine cannot keep up (or the process was held up), so customers and staff act late and waits and care figures read worse than the lobby's; lower --speed")]
        public static partial void Behind(ILogger logger, double minutes, double speed);

        [LoggerMessage(215, LogLevel.Warning,
            "Day {Date} ran up to {Minutes} simulated min behind its clock at {Speed}x real time: its figures are not the lobby's; lower --speed")]
        public static partial void BehindOnTheDay(ILogger logger, string date, double minutes, double speed);

        [LoggerMessage(204, LogLevel.Information, "Simulation finished after {Days} day(s); stopping")]
        public static partial void Finished(ILogger logger, int days);
    }
}
