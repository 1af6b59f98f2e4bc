using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using LobbyEdge.Devices;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Gpio;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Lobby;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// Posts device commands through the engine's command channel (the Devices project knows the engine's commands,
/// not the host's channel, hence this adapter).
/// </summary>
public sealed class LobbyDeviceCommands(ILobbyCommands commands) : IDeviceCommands
{
    private readonly ILobbyCommands _commands = commands ?? throw new ArgumentNullException(nameof(commands));

    /// <inheritdoc />
    public async ValueTask<DeviceCommandOutcome> SendAsync(Command command, CancellationToken cancellationToken = default)
    {
        CommandOutcome outcome = await _commands.SendAsync(command, cancellationToken).ConfigureAwait(false);
        return new DeviceCommandOutcome(outcome.Result, outcome.At) { LastSequence = outcome.LastSequence };
    }
}

/// <summary>
/// Runs the devices: starts every line's owner task, posts key presses as commands (a refused key beeps its
/// keypad), posts rating pads' scores as <see cref="Command.Rate"/> (1..5, <see cref="RatingScale.Pad5"/>; a refused
/// one is counted and the pad told), records device status changes as <see cref="Command.ReportDevice"/> events, and
/// polls the dispensers' GPIO buttons. Registered after the engine loop, so it stops first and never posts to a
/// stopped loop.
/// </summary>
public sealed partial class LobbyDevicesService : BackgroundService
{
    private readonly LobbyDevices _devices;
    private readonly IDeviceCommands _commands;
    private readonly TimeProvider _time;
    private readonly ILogger<LobbyDevicesService> _logger;
    private readonly bool _simulate;
    private readonly RatingStations? _stations;
    private readonly RatingPrompter? _prompter;
    private readonly RatingOptions _rating;
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _padRates = new(StringComparer.Ordinal);
    private long _ratingsRefused;

    /// <summary>Creates the service.</summary>
    /// <param name="devices">The branch's devices.</param>
    /// <param name="commands">Where key presses, dispensers and status changes post their commands.</param>
    /// <param name="simulate">Under <c>--simulate</c>: no GPIO; the simulated customers press the dispensers' buttons.</param>
    /// <param name="time">The clock (the machine's: device timings are times on the wire).</param>
    /// <param name="logger">The log.</param>
    /// <param name="stations">Where the configured rating pads are registered at start (so the prompter asks at their counters), if any.</param>
    /// <param name="prompter">The rating prompter, which steps aside while the finish-and-rate key asks itself, if any.</param>
    /// <param name="rating">The <c>Rating</c> section: each pad's rate (<see cref="RatingOptions.PadBurst"/>, <see cref="RatingOptions.PadRatingsPerMinute"/>); defaults when null.</param>
    public LobbyDevicesService(LobbyDevices devices, IDeviceCommands commands, bool simulate, TimeProvider time, ILogger<LobbyDevicesService> logger,
        RatingStations? stations = null, RatingPrompter? prompter = null, RatingOptions? rating = null)
    {
        _rating = rating ?? new RatingOptions();
        _devices = devices;
        _commands = commands;
        _time = time;
        _logger = logger;
        _simulate = simulate;
        _stations = stations;
        _prompter = prompter;
    }

    /// <summary>Rating pad scores the engine refused (a second press for a ticket already rated, a closed day).</summary>
    public long RatingsRefused => Interlocked.Read(ref _ratingsRefused);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Starting(_logger, _devices.Hardware.Devices.Count, _devices.Links.Count, _simulate ? "virtual devices" : Transports(_devices.Links));
        foreach (KeypadAssignment pad in _devices.Hardware.KeypadLines.SelectMany(l => l.Keypads).Where(k => k.IsRatingPad))
        {
            _stations?.AddPad(pad.Counter);
        }

        _devices.Start();
        var work = new List<Task> { ReportStatusAsync(stoppingToken) };
        foreach (KeypadBus bus in _devices.KeypadBuses)
        {
            work.Add(PumpKeysAsync(bus, stoppingToken));
        }

        if (_simulate)
        {
            // No GPIO under --simulate: the simulated customers press the dispensers' buttons instead.
            foreach (TicketDispenser dispenser in _devices.Dispensers)
            {
                _devices.StatusChanged(new DeviceStatusChange(dispenser.Device, DeviceStatus.Online, "simulated customers press its buttons"));
            }
        }
        else
        {
            work.AddRange(StartGpio(stoppingToken));
        }

        try
        {
            await Task.WhenAll(work).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _devices.DisposeAsync().ConfigureAwait(false);
        foreach (TokenBucketRateLimiter rate in _padRates.Values)
        {
            rate.Dispose();
        }
    }

    private async Task PumpKeysAsync(KeypadBus bus, CancellationToken stoppingToken)
    {
        await foreach (KeypadRequest request in bus.Requests.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (request.Rating > 0)
            {
                Log.Rating(_logger, request.Device.Id, request.Counter, request.Rating);
                await RateAsync(bus, request, stoppingToken).ConfigureAwait(false);
                continue;
            }

            DeviceCommandOutcome outcome;
            using (request.ThenRequestRating ? _prompter?.KeyAsks(request.Counter) : null)
            {
                outcome = await _commands.SendAsync(request.Command, stoppingToken).ConfigureAwait(false);
            }

            if (!outcome.Result.Accepted)
            {
                // The staff member hears that the key did nothing; the display keeps showing the truth.
                Log.KeyRefused(_logger, request.Device.Id, request.Command.Kind, outcome.Result.Refusal);
                bus.Beep(request.Counter);
            }
            else if (request.ThenRequestRating)
            {
                await RequestRatingAsync(bus, request, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A pad's score becomes the counter's rating; a refused one is counted, logged and told to the pad (it was acked already).</summary>
    private async Task RateAsync(KeypadBus bus, KeypadRequest request, CancellationToken stoppingToken)
    {
        // Each pad's presses are bounded like the rating page's posts (the same token bucket): over the rate is no rating.
        TokenBucketRateLimiter rate = _padRates.GetOrAdd(request.Device.Id, static (_, o) => new TokenBucketRateLimiter(KioskGate.Bucket(o.PadBurst, o.PadRatingsPerMinute)), _rating);
        using (RateLimitLease lease = rate.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                Log.RatingOverRate(_logger, request.Device.Id, request.Counter, request.Rating, _rating.PadBurst, _rating.PadRatingsPerMinute);
                _devices.InputRejected(request.Device, InputRejections.RatingRateLimit);
                bus.EndRatingPrompt(request.Counter, RatingPromptEnd.NotCounted);
                return;
            }
        }

        DeviceCommandOutcome outcome = await _commands.SendAsync(Command.Rate(request.Counter, request.Rating, RatingScale.Pad5), stoppingToken).ConfigureAwait(false);
        if (outcome.Result.Accepted)
        {
            // The pad is thanked when the TicketRated event is durable (DeviceEventSink).
            return;
        }

        Interlocked.Increment(ref _ratingsRefused);
        bool second = outcome.Result.Refusal == RefusalReason.AlreadyRated;
        Log.RatingRefused(_logger, request.Device.Id, request.Counter, request.Rating, outcome.Result.Refusal);
        _devices.InputRejected(request.Device, second ? InputRejections.AlreadyRated : InputRejections.RatingRefused);
        bus.EndRatingPrompt(request.Counter, second ? RatingPromptEnd.AlreadyRated : RatingPromptEnd.NotCounted);
    }

    /// <summary>After the finish-and-rate key's finish: asks the customer to rate, where a pad or an open page can take it.</summary>
    private async Task RequestRatingAsync(KeypadBus bus, KeypadRequest request, CancellationToken stoppingToken)
    {
        if (_stations is not null && !_stations.CanRate(request.Counter))
        {
            Log.NothingRates(_logger, request.Device.Id, request.Counter);
            return;
        }

        DeviceCommandOutcome asked = await _commands.SendAsync(Command.RequestRating(request.Counter), stoppingToken).ConfigureAwait(false);
        if (!asked.Result.Accepted)
        {
            Log.KeyRefused(_logger, request.Device.Id, CommandKind.RequestRating, asked.Result.Refusal);
            bus.Beep(request.Counter);
        }
    }

    private async Task ReportStatusAsync(CancellationToken stoppingToken)
    {
        var last = new Dictionary<int, DeviceStatus>();
        await foreach (DeviceStatusChange change in _devices.StatusChanges.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (last.TryGetValue(change.Device.Index, out DeviceStatus previous) && previous == change.Status)
            {
                continue;
            }

            last[change.Device.Index] = change.Status;
            await _commands.SendAsync(Command.ReportDevice(change.Device.Index, change.Status), stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens the dispensers' GPIO (buttons, LEDs, TM1637). A dispenser whose buttons are read is up; a board without
    /// GPIO logs it, marks the dispenser down (a device event and <c>lobby_device_up</c> 0) and goes on.
    /// </summary>
    private List<Task> StartGpio(CancellationToken stoppingToken)
    {
        var tasks = new List<Task>();
        for (int i = 0; i < _devices.Dispensers.Count; i++)
        {
            TicketDispenser dispenser = _devices.Dispensers[i];
            DispenserPins pins = _devices.Hardware.Dispensers[i].Pins;
            if (pins.ButtonPins.Count == 0)
            {
                // Nothing to read: a dispenser only the kiosk (or the simulation) presses.
                _devices.StatusChanged(new DeviceStatusChange(dispenser.Device, DeviceStatus.Online, "no buttons on GPIO"));
                continue;
            }

            try
            {
                var controller = new GpioController();
                var buttons = new DebouncedButtons(controller, pins.ButtonPins, pins.ActiveLow, pins.Debounce, pins.LongPress, shouldDispose: false);
                var face = new GpioDispenserFace(
                    pins.ReadyLed >= 0 ? new StatusLed(controller, pins.ReadyLed, shouldDispose: false) : null,
                    pins.FaultLed >= 0 ? new StatusLed(controller, pins.FaultLed, shouldDispose: false) : null,
                    pins.DisplayClock >= 0 ? new Tm1637(controller, pins.DisplayClock, pins.DisplayData, shouldDispose: false) : null);
                EscPosPrinter? printer = PrinterOf(i);
                var withFace = new TicketDispenser(dispenser.Device, _devices.Branch, dispenser.Buttons, printer, _commands, face, _logger);
                _devices.StatusChanged(new DeviceStatusChange(dispenser.Device, DeviceStatus.Online, "buttons read on GPIO"));
                tasks.Add(RunGpioAsync(buttons, face, printer, withFace, stoppingToken)
                    .ContinueWith(_ => controller.Dispose(), TaskScheduler.Default));
            }
            catch (Exception e) when (e is PlatformNotSupportedException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                Log.NoGpio(_logger, dispenser.Device.Id, e.Message);
                _devices.StatusChanged(new DeviceStatusChange(dispenser.Device, DeviceStatus.Offline, $"GPIO not available: {e.Message}"));
            }
        }

        return tasks;
    }

    /// <summary>
    /// Samples the buttons every 5 ms and keeps the face in step with the printer: the ready LED on and the fault
    /// LED off while the printer can print; otherwise the fault LED and the reason's code (<c>PAPr</c>, <c>OPEn</c>,
    /// …) on the TM1637 before anyone presses, and the last number back once the printer is fixed.
    /// </summary>
    private async Task RunGpioAsync(DebouncedButtons buttons, GpioDispenserFace face, EscPosPrinter? printer, TicketDispenser dispenser, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5), _time);
        Action<ButtonPress> onPress = press => _ = PressAsync(dispenser, press, stoppingToken);
        bool? ready = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                buttons.Poll(_time.GetUtcNow().UtcTicks, onPress);
                bool canPrint = printer is null || printer.CanPrint;
                if (canPrint != ready)
                {
                    ready = canPrint;
                    if (canPrint)
                    {
                        face.Ready(true);
                    }
                    else
                    {
                        face.Refused(printer!.Reason, printer.Status);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private EscPosPrinter? PrinterOf(int dispenser) =>
        _devices.Hardware.Dispensers[dispenser].Printer is { } id ? _devices.Printer(id) : null;

    private async Task PressAsync(TicketDispenser dispenser, ButtonPress press, CancellationToken stoppingToken)
    {
        try
        {
            await dispenser.PressAsync(press.Button, press.Long, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// What the lines are on, for the start-up line: <c>serial ports</c> (also with no line at all, as always), or
    /// the transports in use (serial, USB, TCP, UDP in that order), e.g. <c>serial ports, TCP connections and UDP endpoints</c>.
    /// </summary>
    internal static string Transports(IEnumerable<SerialLink> links)
    {
        string[] used = [.. links.Select(l => l.Settings.Transport).Distinct().Order().Select(t => t switch
        {
            LineTransport.UsbPrinter => "USB printers",
            LineTransport.Tcp => "TCP connections",
            LineTransport.Udp => "UDP endpoints",
            _ => "serial ports",
        })];
        return used.Length switch
        {
            0 => "serial ports",
            1 => used[0],
            _ => $"{string.Join(", ", used[..^1])} and {used[^1]}",
        };
    }

    private static partial class Log
    {
        [LoggerMessage(461, LogLevel.Information, "Devices: {Devices} device(s) on {Lines} line(s), {Transport}")]
        public static partial void Starting(ILogger logger, int devices, int lines, string transport);

        [LoggerMessage(462, LogLevel.Information, "Keypad {Device}: {Command} refused ({Reason}); beeping")]
        public static partial void KeyRefused(ILogger logger, string device, CommandKind command, RefusalReason reason);

        [LoggerMessage(463, LogLevel.Information, "Rating pad {Device} at counter {Counter}: score {Score}")]
        public static partial void Rating(ILogger logger, string device, int counter, int score);

        [LoggerMessage(464, LogLevel.Warning, "Dispenser {Device}: GPIO not available ({Reason}); its buttons are not read")]
        public static partial void NoGpio(ILogger logger, string device, string reason);

        [LoggerMessage(465, LogLevel.Information, "Rating pad {Device} at counter {Counter}: score {Score} not counted ({Reason})")]
        public static partial void RatingRefused(ILogger logger, string device, int counter, int score, RefusalReason reason);

        [LoggerMessage(466, LogLevel.Information, "Keypad {Device}: finish and rate at counter {Counter}, but no rating pad or open rating page there; finished only")]
        public static partial void NothingRates(ILogger logger, string device, int counter);

        [LoggerMessage(467, LogLevel.Information, "Rating pad {Device} at counter {Counter}: score {Score} not counted (over the pad's rate: {Burst} at once, then {PerMinute} a minute)")]
        public static partial void RatingOverRate(ILogger logger, string device, int counter, int score, int burst, int perMinute);
    }
}
