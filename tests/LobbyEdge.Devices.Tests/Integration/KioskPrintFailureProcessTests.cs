using System.Net;
using System.Text.Json;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// Issue 10, case 6, through the real process: <c>lobby-edge</c> with its kiosk printer on a real pty, the virtual
/// printer at the far end dying or running out of paper right after the tap. The kiosk must not answer 200 with a
/// number; the ticket must end cancelled with the reason <c>print_failed</c> in the log (seen by <c>inspect</c>).
/// </summary>
[Collection("ptys")]
[Trait("Category", "Integration")]
public sealed class KioskPrintFailureProcessTests : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-kiosk-process");
    private PtyPrinter? _pty;

    [Fact]
    public async Task KioskPrinterDyingOrOutOfPaperAfterTheTap_NoNumberIsGiven_AndTheTicketIsCancelledAsPrintFailed()
    {
        _pty = await PtyPrinter.StartAsync(_dir.FullName);
        string branch = _pty.WriteKioskBranch(_dir.FullName);
        VirtualPrinter printer = _pty.Printer;
        int port = ServiceProcess.FreePort();
        string data = Path.Combine(_dir.FullName, "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        // Waiting for the printer taps every 100 ms, and the kiosk's rate limit counts every tap: raised for this test.
        await using (ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", branch, "--data", data, $"--Http:Port={port}", "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000"))
        {
            // A good ticket first: the printer is up and confirms the cut.
            (HttpStatusCode status, JsonElement body) = await IssueWhenPrinterReadyAsync(http, service);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("A001", body.GetProperty("ticket").GetString());
            Assert.NotNull(await printer.WaitForTicketAsync(1, TimeSpan.FromSeconds(30)));

            // Paper end when the ticket starts (after the check before it).
            printer.FailAt(PrinterMoment.TicketStart, PrinterFault.PaperOut);
            (status, body) = await IssueAsync(http);
            AssertPrintFailed(status, body, "printer out of paper");

            // Refilled; then the printer goes silent right after the tap.
            printer.PaperOut = false;
            (status, body) = await IssueWhenPrinterReadyAsync(http, service);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("A003", body.GetProperty("ticket").GetString());
            printer.FailAt(PrinterMoment.TicketStart, PrinterFault.Silent);
            (status, body) = await IssueAsync(http);
            AssertPrintFailed(status, body, "no status after the cut");
            Assert.Equal(2, printer.Tickets.Count);
        }

        // The log: A002 and A004 issued and cancelled as print_failed; A001 and A003 still waiting.
        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_dir.FullName, TimeSpan.FromMinutes(2), "inspect", "--data", data, "--branch", branch);
        Assert.True(exitCode == 0, stderr);
        List<JsonElement> cancelled = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "lobby.ticket.cancelled")];
        Assert.Equal(["A002", "A004"], cancelled.Select(e => e.GetProperty("ticket").GetString()));
        Assert.All(cancelled, e => Assert.Equal("print_failed", e.GetProperty("reason").GetString()));
    }

    public async ValueTask DisposeAsync()
    {
        if (_pty is not null)
        {
            await _pty.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    private static void AssertPrintFailed(HttpStatusCode status, JsonElement body, string reason)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.False(body.GetProperty("ok").GetBoolean());
        Assert.False(body.TryGetProperty("ticket", out _), $"a number was given for a ticket that was not printed: {body}");
        Assert.Equal("print_failed", body.GetProperty("reason").GetString());
        Assert.Contains(reason, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> IssueAsync(HttpClient http) => KioskTaps.TapAsync(http);

    /// <summary>Taps until the kiosk stops refusing because its printer is not (yet, or again) ready.</summary>
    private static Task<(HttpStatusCode Status, JsonElement Body)> IssueWhenPrinterReadyAsync(HttpClient http, ServiceProcess service) =>
        KioskTaps.TapWhenPrinterReadyAsync(http, service, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
}
