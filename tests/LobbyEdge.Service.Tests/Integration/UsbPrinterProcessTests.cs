using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// Issue 16: the real <c>lobby-edge</c> process (no <c>--simulate</c>) with its kiosk printer on
/// <c>usbPrinter: &lt;dir&gt;/lp0</c>. The usblp stand-in is a socat pty opened through the product's own
/// <c>UsbPrinterConnector</c>; the virtual ESC/POS printer answers on the pty's other end.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsbPrinterProcessTests : IAsyncDisposable
{
    private const string Up = "lobby_device_up{device=\"kiosk-printer\",kind=\"printer\"}";
    private const string Reconnects = "lobby_device_reconnects_total{device=\"kiosk-printer\"}";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("le-usblp-process");
    private PtyRig? _rig;

    [Fact]
    public async Task KioskPrinterOnUsb_Prints_RefusesAtPaperEnd_AndComesBackAfterUnplugAndReplug()
    {
        _rig = await PtyRig.StartUsbPrinterAsync();
        var printer = new VirtualPrinter();
        await _rig.AttachAsync(printer);
        string branch = KioskBranch.Write(_dir.FullName, $"""
            devices:
              - id: kiosk-printer
                model: escpos-80mm
                usbPrinter: {_rig.Path}
            kiosk:
              printer: kiosk-printer
            """);
        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", branch, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}",
            "--Kiosk:Burst=1000", "--Kiosk:BranchBurst=1000", "--Kiosk:TicketsPerMinute=6000", "--Kiosk:BranchTicketsPerMinute=6000");
        await service.WaitUntilReadyAsync();

        // A ticket: the kiosk answers with its number once the printer over USB confirmed the cut, and the bytes
        // reached the printer's end of the stand-in.
        await WaitForMetricsAsync(http, s => s.GetValueOrDefault(Up) == 1 && s.GetValueOrDefault(Paper("ok")) == 1, "the USB printer to be up with paper");
        (HttpStatusCode status, JsonElement body) = await TapAsync(http);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Equal("A001", body.GetProperty("ticket").GetString());
        Assert.Contains("A001", await printer.WaitForTicketAsync(1, Eventually.DefaultPatience), StringComparison.Ordinal);

        // Paper end (reported by the printer itself, Automatic Status Back or the next poll): the kiosk refuses with
        // the printer reason, and the paper metric says out.
        printer.PaperOut = true;
        await WaitForMetricsAsync(http, s => s.GetValueOrDefault(Paper("out")) == 1 && s.GetValueOrDefault(Paper("ok")) == 0, "lobby_printer_paper to show paper out");
        (status, body) = await TapAsync(http);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("printer", body.GetProperty("reason").GetString());
        Assert.Contains("paper", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(printer.Tickets);
        printer.PaperOut = false;
        await WaitForMetricsAsync(http, s => s.GetValueOrDefault(Paper("ok")) == 1, "the paper to be back");

        // Unplugged: the device node goes, the printer is down, the kiosk refuses.
        await _rig.UnplugAsync();
        await WaitForMetricsAsync(http, s => s.GetValueOrDefault(Up, -1) == 0, "lobby_device_up 0 for the unplugged USB printer");
        (status, body) = await TapAsync(http);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("printer", body.GetProperty("reason").GetString());

        // Plugged back in at the same path: up again, counted as a reconnect, and it prints.
        await _rig.PlugAsync();
        await WaitForMetricsAsync(http, s => s.GetValueOrDefault(Up) == 1 && s.GetValueOrDefault(Reconnects) >= 1, "lobby_device_up 1 and a reconnect after the USB printer was plugged back in");
        (status, body) = await TapAsync(http);
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Equal("A002", body.GetProperty("ticket").GetString());
        Assert.Contains("A002", await printer.WaitForTicketAsync(2, Eventually.DefaultPatience), StringComparison.Ordinal);
        Assert.False(service.HasExited);
        Assert.Contains(service.Lines, l => ServiceProcess.Message(l).Contains(_rig.Path, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }

        _dir.Delete(recursive: true);
    }

    private static string Paper(string status) => $"lobby_printer_paper{{device=\"kiosk-printer\",status=\"{status}\"}}";

    private static async Task<(HttpStatusCode Status, JsonElement Body)> TapAsync(HttpClient http)
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service = "cash" });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static async Task WaitForMetricsAsync(HttpClient http, Func<Dictionary<string, double>, bool> condition, string what)
    {
        string last = "";
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                last = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return condition(OperationsTests.Parse(last));
            }
            catch (HttpRequestException)
            {
                return false;   // Not listening yet.
            }
        }, what, detail: () => string.Join('\n', last.Split('\n').Where(l => l.Contains("kiosk-printer", StringComparison.Ordinal))));
    }
}
