using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Dispenser;

/// <summary>A dispenser button: which service and tier a short and a long press issue.</summary>
/// <param name="Service">Service index.</param>
/// <param name="Tier">Tier of a short press.</param>
/// <param name="LongPressTier">Tier of a long press (e.g. green channel), or null when a long press is a short one.</param>
public sealed record DispenserButton(int Service, Tier Tier = Tier.Normal, Tier? LongPressTier = null);

/// <summary>What a dispenser did with a press.</summary>
/// <param name="Issued">A ticket was issued and printed.</param>
/// <param name="Number">The ticket's printed number, or empty.</param>
/// <param name="Reason">Why not (for its display and the log), or empty.</param>
public readonly record struct DispenseOutcome(bool Issued, string Number, string Reason)
{
    /// <summary>
    /// The engine's answer when it was asked and its answer stands: the issued ticket, or the engine's refusal. Null
    /// when the dispenser refused before asking (its printer cannot print) or took the ticket back (the print failed).
    /// </summary>
    public DeviceCommandOutcome? Engine { get; init; }
}

/// <summary>What a dispenser shows its customer (a TM1637, LEDs); optional.</summary>
public interface IDispenserFace
{
    /// <summary>A ticket was issued.</summary>
    public void Issued(string number);

    /// <summary>A press was refused; <paramref name="status"/> is the printer's when the printer is why.</summary>
    public void Refused(string reason, DeviceStatus? status);

    /// <summary>Whether the dispenser can issue now (ready LED).</summary>
    public void Ready(bool ready);
}

/// <summary>
/// A ticket dispenser: a button press checks the printer, asks the engine for a ticket, and prints it. A dispenser
/// whose printer cannot print refuses before asking the engine, so no ticket exists that nobody holds; a ticket
/// whose printing fails after all is cancelled again.
/// </summary>
public sealed partial class TicketDispenser
{
    private readonly BranchConfig _branch;
    private readonly IReadOnlyList<DispenserButton> _buttons;
    private readonly EscPosPrinter? _printer;
    private readonly IDeviceCommands _commands;
    private readonly IDispenserFace? _face;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Creates a dispenser.</summary>
    public TicketDispenser(DeviceInfo device, BranchConfig branch, IReadOnlyList<DispenserButton> buttons, EscPosPrinter? printer,
        IDeviceCommands commands, IDispenserFace? face = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(buttons);
        ArgumentNullException.ThrowIfNull(commands);
        Device = device;
        _branch = branch;
        _buttons = buttons;
        _printer = printer;
        _commands = commands;
        _face = face;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The dispenser as a device.</summary>
    public DeviceInfo Device { get; }

    /// <summary>Its buttons.</summary>
    public IReadOnlyList<DispenserButton> Buttons => _buttons;

    /// <summary>Handles a press of button <paramref name="button"/>.</summary>
    public ValueTask<DispenseOutcome> PressAsync(int button, bool longPress, CancellationToken cancellationToken = default)
    {
        if ((uint)button >= (uint)_buttons.Count)
        {
            return ValueTask.FromResult(new DispenseOutcome(false, "", "no such button"));
        }

        DispenserButton b = _buttons[button];
        return IssueAsync(b.Service, longPress && b.LongPressTier is { } t ? t : b.Tier, cancellationToken);
    }

    /// <summary>Issues and prints a ticket, or refuses and says why.</summary>
    public async ValueTask<DispenseOutcome> IssueAsync(int service, Tier tier, CancellationToken cancellationToken = default)
    {
        // One customer at a time per dispenser: a second press while printing waits.
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_printer is { CanPrint: false })
            {
                return Refuse(_printer.Reason, _printer.Status);
            }

            DeviceCommandOutcome outcome = await _commands.SendAsync(Command.Issue(service, tier), cancellationToken).ConfigureAwait(false);
            CommandResult result = outcome.Result;
            if (!result.Accepted)
            {
                return Refuse(Describe(result.Refusal), null) with { Engine = outcome };
            }

            ServiceConfig svc = _branch.Services[result.NumberService];
            string number = svc.FormatNumber(result.Number);
            if (_printer is not null)
            {
                DateTime local = BusinessCalendar.ToLocal(_branch.TimeZone, outcome.At.UtcDateTime);
                var content = new TicketContent
                {
                    BranchName = _branch.Name,
                    BranchNameZh = _branch.NameZh,
                    ServiceName = svc.Name,
                    ServiceNameZh = svc.NameZh,
                    Number = number,
                    PeopleAhead = result.PeopleAhead,
                    TypicalWait = result.TypicalWaitMs >= 0 ? TimeSpan.FromMilliseconds(result.TypicalWaitMs) : null,
                    UpperWait = result.UpperWaitMs >= 0 ? TimeSpan.FromMilliseconds(result.UpperWaitMs) : null,
                    IssuedLocal = local,
                    QrData = TicketContent.QrFor(_branch.BranchId, DateOnly.FromDateTime(local), result.Ticket, number),
                    Tier = tier,
                    SelfService = svc.SelfService,
                };
                PrintOutcome printed = await _printer.PrintAsync(TicketLayout.Render(content, _printer.Settings), cancellationToken).ConfigureAwait(false);
                if (!printed.Printed)
                {
                    // Nobody holds this ticket: take it back out of the queue so no counter calls an empty number.
                    DeviceCommandOutcome cancelled = await _commands.SendAsync(Command.Cancel(result.Ticket, CancelReason.PrintFailed), CancellationToken.None).ConfigureAwait(false);
                    Log.NotPrinted(_logger, Device.Id, number, printed.Reason, cancelled.Result.Accepted ? "cancelled" : $"cancel refused: {cancelled.Result.Refusal}");
                    return Refuse($"ticket {number} not printed and cancelled: {printed.Reason}", printed.Status);
                }
            }

            Log.Issued(_logger, Device.Id, number);
            _face?.Issued(number);
            return new DispenseOutcome(true, number, "") { Engine = outcome };
        }
        finally
        {
            _one.Release();
        }
    }

    private DispenseOutcome Refuse(string reason, DeviceStatus? status)
    {
        Log.Refused(_logger, Device.Id, reason);
        _face?.Refused(reason, status);
        return new DispenseOutcome(false, "", reason);
    }

    /// <summary>A refusal in words a customer can read.</summary>
    public static string Describe(RefusalReason reason) => reason switch
    {
        RefusalReason.DayNotOpen => "the branch is not open",
        RefusalReason.TicketingClosed => "ticketing has closed for today",
        RefusalReason.DailyCapReached => "today's tickets for this service are all gone",
        RefusalReason.NumbersExhausted or RefusalReason.CapacityExhausted => "no numbers left today",
        RefusalReason.UnknownService => "this service is not offered",
        _ => $"refused ({reason})",
    };

    private static partial class Log
    {
        [LoggerMessage(441, LogLevel.Information, "Dispenser {Device}: ticket {Number} issued")]
        public static partial void Issued(ILogger logger, string device, string number);

        [LoggerMessage(442, LogLevel.Warning, "Dispenser {Device}: refused: {Reason}")]
        public static partial void Refused(ILogger logger, string device, string reason);

        [LoggerMessage(443, LogLevel.Warning, "Dispenser {Device}: ticket {Number} not confirmed by the printer ({Reason}); {Outcome}")]
        public static partial void NotPrinted(ILogger logger, string device, string number, string reason, string outcome);
    }
}
