using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Devices.Serial;
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
    private readonly CancellationTokenSource _stop = new();
    private SocatPty? _pty;
    private Task? _printerRun;

    [Fact]
    public async Task KioskPrinterDyingOrOutOfPaperAfterTheTap_NoNumberIsGiven_AndTheTicketIsCancelledAsPrintFailed()
    {
        string branch = WriteBranch();
        _pty = await SocatPty.StartAsync(Path.Combine(_dir.FullName, "printer-host"), Path.Combine(_dir.FullName, "printer-dev"), TimeSpan.FromSeconds(10));
        var printer = new VirtualPrinter();
        _printerRun = RunPrinterAsync(printer, _pty.DeviceEnd, _stop.Token);
        int port = ServiceProcess.FreePort();
        string data = Path.Combine(_dir.FullName, "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using (ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", branch, "--data", data, $"--Http:Port={port}"))
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
        await _stop.CancelAsync();
        _pty?.Dispose();
        if (_printerRun is not null)
        {
            await _printerRun.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    private static async Task<(HttpStatusCode Status, JsonElement Body)> IssueAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>Taps until the kiosk stops refusing because its printer is not (yet, or again) ready.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> IssueWhenPrinterReadyAsync(HttpClient http, ServiceProcess service)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Assert.False(service.HasExited, "lobby-edge exited");
            try
            {
                (HttpStatusCode status, JsonElement body) = await IssueAsync(http);
                if (status != HttpStatusCode.Conflict || body.GetProperty("reason").GetString() != "printer" || clock.Elapsed > TimeSpan.FromMinutes(1))
                {
                    return (status, body);
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromMinutes(1))
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }

    private static async Task RunPrinterAsync(VirtualPrinter printer, string path, CancellationToken stop)
    {
        SerialConnection c = await SerialPortConnector.Instance.OpenAsync(new SerialLineSettings { Path = path }, stop);
        try
        {
            await printer.RunAsync(c.Stream, stop);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The test is over.
        }
        finally
        {
            _ = Task.Run(c.Close);
        }
    }

    private string WriteBranch() => KioskBranch.Write(_dir.FullName, $"""
        devices:
          - id: printer
            model: escpos-80mm
            port: {_dir.FullName}/printer-host
        kiosk:
          printer: printer
        """);
}
