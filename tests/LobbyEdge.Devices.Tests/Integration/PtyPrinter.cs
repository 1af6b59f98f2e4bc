using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests;

/// <summary>
/// A virtual ESC/POS printer at the far end of a real pty (socat): the service opens <see cref="HostEnd"/> as its
/// printer's port, the <see cref="Printer"/> answers on the other end.
/// </summary>
internal sealed class PtyPrinter : IAsyncDisposable
{
    private readonly SocatPty _pty;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private PtyPrinter(SocatPty pty, VirtualPrinter printer, string hostEnd)
    {
        _pty = pty;
        Printer = printer;
        HostEnd = hostEnd;
        _run = RunAsync(printer, pty.DeviceEnd, _stop.Token);
    }

    /// <summary>The printer at the far end.</summary>
    public VirtualPrinter Printer { get; }

    /// <summary>The path the service opens (the profile's <c>port:</c>).</summary>
    public string HostEnd { get; }

    /// <summary>Starts the pty pair <c>{name}-host</c> / <c>{name}-dev</c> in <paramref name="directory"/> and the printer on it.</summary>
    public static async Task<PtyPrinter> StartAsync(string directory, string name = "printer", VirtualPrinter? printer = null)
    {
        string host = Path.Combine(directory, $"{name}-host");
        SocatPty pty = await SocatPty.StartAsync(host, Path.Combine(directory, $"{name}-dev"), TimeSpan.FromSeconds(10));
        return new PtyPrinter(pty, printer ?? new VirtualPrinter(), host);
    }

    /// <summary>
    /// Writes the kiosk test branch (<see cref="KioskBranch"/>) in <paramref name="directory"/> with this printer as
    /// its one device and the kiosk's printer, its <c>encoding:</c> set when given; returns the profile's path.
    /// </summary>
    public string WriteKioskBranch(string directory, string? encoding = null) => KioskBranch.Write(directory, $"""
        devices:
          - id: printer
            model: escpos-80mm
            port: {HostEnd}
        {(encoding is null ? "" : $"    encoding: {encoding}\n")}kiosk:
          printer: printer
        """);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _pty.Dispose();
        await _run.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static async Task RunAsync(VirtualPrinter printer, string path, CancellationToken stop)
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
}

/// <summary>Taps on the kiosk of a running service, as the kiosk page does.</summary>
internal static class KioskTaps
{
    /// <summary>One <c>POST /kiosk/tickets</c> for <paramref name="service"/>: the status and the JSON answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> TapAsync(HttpClient http, string service = "cash")
    {
        using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri("/kiosk/tickets", UriKind.Relative), new { service });
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>
    /// Taps every <paramref name="every"/> until the kiosk stops refusing because its printer is not (yet, or again)
    /// ready, or <paramref name="patience"/> has passed; the last answer.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> TapWhenPrinterReadyAsync(HttpClient http, ServiceProcess service, TimeSpan every, TimeSpan patience)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Assert.False(service.HasExited, "lobby-edge exited");
            try
            {
                (HttpStatusCode status, JsonElement body) = await TapAsync(http);
                if (status != HttpStatusCode.Conflict || body.GetProperty("reason").GetString() != "printer" || clock.Elapsed > patience)
                {
                    return (status, body);
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < patience)
            {
                // Not listening yet.
            }

            await Task.Delay(every);
        }
    }
}
