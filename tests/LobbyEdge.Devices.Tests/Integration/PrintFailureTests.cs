using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Engine;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Issue 10, case 6, for the button dispensers, over real ptys: a printer that fails between the press and the
/// confirmed cut (dies, runs out of paper, opens its cover, reports an error, loses its port) leaves no ticket
/// waiting: the ticket is cancelled with <see cref="CancelReason.PrintFailed"/> and the dispenser says so.
/// </summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class PrintFailureTests
{
    [Theory]
    [InlineData(PrinterMoment.TicketStart, PrinterFault.Silent, "printer did not confirm the ticket (no status after the cut)", DeviceStatus.Offline)]
    [InlineData(PrinterMoment.TicketStart, PrinterFault.PaperOut, "printer out of paper", DeviceStatus.PaperOut)]
    [InlineData(PrinterMoment.TicketStart, PrinterFault.CoverOpen, "printer cover open", DeviceStatus.CoverOpen)]
    [InlineData(PrinterMoment.Cut, PrinterFault.Error, "printer did not confirm the ticket", DeviceStatus.Error)]
    [InlineData(PrinterMoment.Cut, PrinterFault.PaperOut, "printer out of paper", DeviceStatus.PaperOut)]
    [InlineData(PrinterMoment.Cut, PrinterFault.Silent, "no status after the cut", DeviceStatus.Offline)]
    public async Task PrinterFailingDuringTheTicket_CancelsIt_AndTheDispenserSaysSo(PrinterMoment moment, PrinterFault fault, string reason, DeviceStatus shown)
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        var face = new RecordingFace();
        TicketDispenser dispenser = DispenserWithFace(lobby, face);
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));

        lobby.Printer.FailAt(moment, fault);
        DispenseOutcome outcome = await dispenser.PressAsync(0, longPress: false);

        Assert.True(lobby.Printer.FaultFired.IsCompleted, $"the fault never fired: the ticket did not reach the printer ({outcome.Reason})");
        AssertCancelledForPrintFailure(lobby, outcome, reason);
        Assert.Equal(shown, face.RefusedWith);
        Assert.Empty(lobby.Printer.Tickets);
    }

    [Fact]
    public async Task PrinterPortGoneDuringTheTicket_CancelsIt()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));

        lobby.Printer.FailAt(PrinterMoment.TicketStart, PrinterFault.Silent);
        ValueTask<DispenseOutcome> pressing = lobby.Devices.Dispensers[0].PressAsync(0, longPress: false);
        await lobby.Printer.FaultFired.WaitAsync(TimeSpan.FromSeconds(30));
        lobby.Ptys["printer"].Kill();
        DispenseOutcome outcome = await pressing;

        AssertCancelledForPrintFailure(lobby, outcome, "");
    }

    [Fact]
    public async Task PrinterConfirmingTheCut_CountsAsPrinted_AndNothingIsCancelled()
    {
        await using PtyLobby lobby = await PtyLobby.StartAsync();
        Assert.True(await PtyLobby.EventuallyAsync(() => lobby.Devices.Printer("printer")!.CanPrint));

        DispenseOutcome outcome = await lobby.Devices.Dispensers[0].PressAsync(0, longPress: false);

        Assert.True(outcome.Issued, outcome.Reason);
        Assert.Single(lobby.Printer.Tickets);
        Assert.DoesNotContain(lobby.Commands.Sent, c => c.Kind == CommandKind.Cancel);
        Assert.Equal(1, lobby.Engine.WaitingCount(0));
    }

    private static void AssertCancelledForPrintFailure(PtyLobby lobby, DispenseOutcome outcome, string reason)
    {
        Assert.False(outcome.Issued);
        Assert.Equal("", outcome.Number);
        Assert.Contains("A001 not printed and cancelled", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(1, lobby.Engine.TicketCount);
        Assert.Equal(0, lobby.Engine.WaitingCount(0));
        Command cancel = Assert.Single(lobby.Commands.Sent, c => c.Kind == CommandKind.Cancel);
        Assert.Equal(CancelReason.PrintFailed, cancel.CancelReason);
        Assert.True(lobby.Engine.TryGetTicket(cancel.Ticket, out TicketView ticket));
        Assert.Equal(TicketState.Cancelled, ticket.State);
    }

    private static TicketDispenser DispenserWithFace(PtyLobby lobby, IDispenserFace face)
    {
        TicketDispenser d = lobby.Devices.Dispensers[0];
        return new TicketDispenser(d.Device, lobby.Engine.Config, d.Buttons, lobby.Devices.Printer("printer"), lobby.Commands, face);
    }

    private sealed class RecordingFace : IDispenserFace
    {
        public DeviceStatus? RefusedWith { get; private set; }

        public void Issued(string number)
        {
        }

        public void Refused(string reason, DeviceStatus? status) => RefusedWith = status;

        public void Ready(bool ready)
        {
        }
    }
}
