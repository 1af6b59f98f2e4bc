using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Service.Lobby;
using Microsoft.Extensions.Logging;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// The touch kiosk's printer: the ESC/POS printer the profile names in <c>kiosk: {printer: …}</c>. The kiosk asks
/// <see cref="WhyNotReady"/> before it takes a number (paper out, cover open, off line: it refuses and says why,
/// and no ticket is issued), then prints the same bilingual ticket a dispenser prints. A print that fails after
/// all throws <see cref="KioskPrintException"/>, and the kiosk takes the ticket back.
/// </summary>
public sealed partial class DeviceKioskPrinter : IKioskPrinter
{
    private readonly BranchConfig _branch;
    private readonly EscPosPrinter _printer;
    private readonly ILogger _logger;

    /// <summary>Creates the kiosk's printer over a printer of the branch.</summary>
    public DeviceKioskPrinter(BranchConfig branch, EscPosPrinter printer, ILogger<DeviceKioskPrinter> logger)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(printer);
        ArgumentNullException.ThrowIfNull(logger);
        _branch = branch;
        _printer = printer;
        _logger = logger;
    }

    /// <summary>The printer.</summary>
    public EscPosPrinter Printer => _printer;

    /// <inheritdoc />
    public string? WhyNotReady() => _printer.CanPrint ? null : _printer.Reason;

    /// <inheritdoc />
    public async ValueTask PrintAsync(KioskTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        TicketContent content = Slip(_branch, ticket.Ticket, ticket.Service, ticket.TicketIndex, ticket.Tier, ticket.IssuedAt) with
        {
            PeopleAhead = ticket.PeopleAhead,
            TypicalWait = ticket.TypicalWaitMs >= 0 ? TimeSpan.FromMilliseconds(ticket.TypicalWaitMs) : null,
            UpperWait = ticket.UpperWaitMs >= 0 ? TimeSpan.FromMilliseconds(ticket.UpperWaitMs) : null,
        };

        // The ticket exists already: it is printed even if the kiosk's browser goes away meanwhile.
        PrintOutcome printed = await _printer.PrintAsync(TicketLayout.Render(content, _printer.Settings), CancellationToken.None)
            .AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!printed.Printed)
        {
            Log.NotPrinted(_logger, _printer.Device.Id, ticket.Ticket, printed.Reason);
            throw new KioskPrintException(printed.Reason);
        }

        Log.Printed(_logger, _printer.Device.Id, ticket.Ticket);
    }

    /// <summary>What every slip of a ticket says: the branch, the service, the number, the tier, the issue time (branch local) and the QR code.</summary>
    internal static TicketContent Slip(BranchConfig branch, string number, ServiceConfig service, int ticketIndex, Tier tier, DateTimeOffset issuedAt)
    {
        DateTime local = BusinessCalendar.ToLocal(branch.TimeZone, issuedAt.UtcDateTime);
        return new TicketContent
        {
            BranchName = branch.Name,
            BranchNameZh = branch.NameZh,
            ServiceName = service.Name,
            ServiceNameZh = service.NameZh,
            Number = number,
            IssuedLocal = local,
            QrData = TicketContent.QrFor(branch.BranchId, DateOnly.FromDateTime(local), ticketIndex, number),
            Tier = tier,
            SelfService = service.SelfService,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(471, LogLevel.Information, "Kiosk: ticket {Number} printed at {Printer}")]
        public static partial void Printed(ILogger logger, string printer, string number);

        [LoggerMessage(472, LogLevel.Warning, "Kiosk: ticket {Number} not printed at {Printer} ({Reason}); taken back")]
        public static partial void NotPrinted(ILogger logger, string printer, string number, string reason);
    }
}
