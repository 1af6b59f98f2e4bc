using System.IO.Pipelines;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// The last way a print can fail between the tap and the confirmed cut: the printer stops taking bytes in the middle
/// of the ticket (a hung USB-serial adapter), so a write times out. The print is not confirmed, and the line is
/// reopened.
/// </summary>
public sealed class PrinterWriteTimeoutTests
{
    private const string Port = "/dev/virtual/printer";

    [Fact]
    public async Task PrinterTakingNoMoreBytes_MidTicket_IsAFailedPrint_NotAPrintedTicket()
    {
        var hub = new VirtualSerialHub();
        var virtualPrinter = new VirtualPrinter();
        hub.Attach(Port, virtualPrinter);
        var connector = new StallingConnector(hub);
        var printer = new EscPosPrinter(new DeviceInfo(0, "printer", DeviceKind.Printer));
        var settings = new SerialLineSettings { Path = Port, WriteTimeout = TimeSpan.FromMilliseconds(300) };
        await using var link = new SerialLink(new DeviceInfo(0, "printer", DeviceKind.Printer), settings, connector, printer);
        link.Start();
        Assert.True(await PtyLobby.EventuallyAsync(() => printer.CanPrint), "the printer did not come up");

        connector.StallAtTicket = true;
        PrintOutcome outcome = await printer.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));

        Assert.False(outcome.Printed);
        Assert.Equal(DeviceStatus.Offline, outcome.Status);
        Assert.Contains("write timed out", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, printer.Printed);
        Assert.Empty(virtualPrinter.Tickets);

        // The line is reopened, and a printer that takes bytes again prints and confirms.
        connector.StallAtTicket = false;
        Assert.True(await PtyLobby.EventuallyAsync(() => link.Sessions >= 2 && printer.CanPrint), "the line was not reopened");
        PrintOutcome again = await printer.PrintAsync(TicketLayout.Render(PrinterConditionTests.SampleTicket()));
        Assert.True(again.Printed, again.Reason);
        Assert.Single(virtualPrinter.Tickets);
    }

    /// <summary>
    /// Hands out the hub's lines with a one-byte pipe in front of the printer's input: a pump moves the host's bytes
    /// on, and stops taking them at a ticket's start (ESC @ after the line's own) while <see cref="StallAtTicket"/> is
    /// set, so the host's write waits as on a hung adapter.
    /// </summary>
    private sealed class StallingConnector(VirtualSerialHub hub) : ISerialConnector
    {
        public volatile bool StallAtTicket;

        public bool DeviceExists(string path) => hub.DeviceExists(path);

        public async ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
        {
            SerialConnection inner = await hub.OpenAsync(settings, cancellationToken);
            var toPrinter = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
            _ = PumpAsync(toPrinter.Reader, inner.Stream);
            return new SerialConnection(new DuplexStream(inner.Stream, toPrinter.Writer.AsStream()), () =>
            {
                toPrinter.Writer.Complete();
                inner.Close();
            });
        }

        private async Task PumpAsync(PipeReader from, Stream to)
        {
            int initializations = 0;
            try
            {
                while (true)
                {
                    ReadResult read = await from.ReadAsync();
                    foreach (ReadOnlyMemory<byte> piece in read.Buffer)
                    {
                        // ESC @ starts the line (once per session) and every ticket.
                        if (piece.Span.IndexOf([(byte)0x1B, (byte)0x40]) >= 0 && ++initializations > 1 && StallAtTicket)
                        {
                            return;
                        }

                        await to.WriteAsync(piece);
                    }

                    from.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted)
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The line was closed.
            }
        }
    }
}
