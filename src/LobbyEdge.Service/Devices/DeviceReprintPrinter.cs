using LobbyEdge.Devices.Printer;
using LobbyEdge.Engine;
using LobbyEdge.Service.Lobby;

namespace LobbyEdge.Service.Devices;

/// <summary>
/// Where reprints come out: the kiosk's printer (<c>kiosk: {printer: …}</c>) when the branch has one, else the first
/// printer in the profile's <c>devices</c>. The slip is the ticket's own, in the printer's character set, marked
/// <c>补打 / REPRINT</c>, with the original issue time instead of a (stale) wait.
/// </summary>
public sealed class DeviceReprintPrinter : IReprintPrinter
{
    private readonly BranchConfig _branch;
    private readonly EscPosPrinter _printer;

    /// <summary>Creates the reprint printer over a printer of the branch.</summary>
    public DeviceReprintPrinter(BranchConfig branch, EscPosPrinter printer)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(printer);
        _branch = branch;
        _printer = printer;
    }

    /// <inheritdoc />
    public string? PrinterId => _printer.Device.Id;

    /// <inheritdoc />
    public async ValueTask PrintAsync(ReprintSlip slip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slip);
        if (!_printer.CanPrint)
        {
            throw new KioskPrintException(_printer.Reason);
        }

        TicketContent content = DeviceKioskPrinter.Slip(_branch, slip.Ticket, slip.Service, slip.TicketIndex, slip.Tier, slip.IssuedAt) with
        {
            ReprintNumber = slip.ReprintNumber,
            ReprintedLocal = BusinessCalendar.ToLocal(_branch.TimeZone, slip.ReprintedAt.UtcDateTime),
        };
        PrintOutcome printed = await _printer.PrintAsync(TicketLayout.Render(content, _printer.Settings), cancellationToken).ConfigureAwait(false);
        if (!printed.Printed)
        {
            throw new KioskPrintException(printed.Reason);
        }
    }
}
