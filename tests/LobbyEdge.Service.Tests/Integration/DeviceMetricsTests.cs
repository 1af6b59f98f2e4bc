using System.Globalization;
using LobbyEdge.Devices;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Devices;
using Xunit.Abstractions;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The real service with the demo branch's hardware under <c>--simulate</c>: the device metric families are fed
/// from the devices, and the simulated customers take their tickets at the dispensers.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeviceMetricsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_profile = Path.Combine(AppContext.BaseDirectory, "profiles", "demo-hardware.yaml");

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-devmetrics-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task DemoHardware_UnderSimulate_EveryDeviceIsUp_PrintersHavePaper_DispensersPrint()
    {
        BranchHardware hardware = BranchProfileLoader.Load(s_profile).Hardware;
        Assert.Equal(25, hardware.Devices.Count);   // a keypad line, its 8 keypads and 2 rating pads, 2 printers, 2 dispensers, 9 displays and their line
        DeviceInfo[] printers = [.. hardware.Devices.Where(d => d.Kind == DeviceKind.Printer)];
        Assert.Equal(2, printers.Length);

        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(
            _work.FullName, "--branch", s_profile, "--simulate", "--speed", "60", "--seed", "7", "--data", Path.Combine(_work.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        (string metrics, Dictionary<string, double> samples) = await WaitForEveryDeviceUpAsync(http, hardware);

        foreach (DeviceInfo device in hardware.Devices)
        {
            Assert.Equal(1, samples[Up(device)]);
        }

        foreach (DeviceInfo printer in printers)
        {
            Assert.Equal(1, samples[Paper(printer, "ok")]);
            Assert.Equal(0, samples[Paper(printer, "low")]);
            Assert.Equal(0, samples[Paper(printer, "out")]);
        }

        // Every line's reconnect counter and every rejection reason a device can have exist from the start, at 0.
        foreach (DeviceInfo owner in hardware.KeypadLines.Select(l => l.Line).Concat(hardware.DisplayLines.Select(l => l.Line)).Concat(printers))
        {
            Assert.Equal(0, samples[$"lobby_device_reconnects_total{{device=\"{owner.Id}\"}}"]);
        }

        DeviceInfo callers = hardware.KeypadLines[0].Line;
        foreach (string reason in InputRejections.For(DeviceKind.SerialLine, keypadLine: true))
        {
            Assert.Equal(0, samples[$"lobby_device_frames_rejected_total{{device=\"{callers.Id}\",reason=\"{reason}\"}}"]);
        }

        Assert.Equal(0, samples[$"lobby_device_frames_rejected_total{{device=\"{printers[0].Id}\",reason=\"{InputRejections.UnexpectedByte}\"}}"]);

        // The simulated customers take their tickets at the dispensers, whose virtual printers print them.
        System.Text.Json.JsonElement line = await service.WaitForLineAsync(
            m => m.StartsWith("Dispenser ", StringComparison.Ordinal) && m.EndsWith(" issued", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        output.WriteLine(ServiceProcess.Message(line));
        Assert.DoesNotContain(service.Lines, l => ServiceProcess.Message(l).Contains("refused", StringComparison.Ordinal) && ServiceProcess.Message(l).StartsWith("Dispenser ", StringComparison.Ordinal));

        OperationsTests.AssertPromtoolAccepts(metrics);

        // Counters 1 and 2 have prompt-capable rating pads: a finish there asks for a rating, and the virtual pad
        // (which understands the prompt frames) answers, so it stays up.
        System.Text.Json.JsonElement asked = await service.WaitForLineAsync(
            m => m.EndsWith("finished a ticket: its customer is asked to rate", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        output.WriteLine(ServiceProcess.Message(asked));
        Assert.StartsWith("Counter ", ServiceProcess.Message(asked), StringComparison.Ordinal);
        DeviceInfo[] pads = [.. hardware.Devices.Where(d => d.Kind == DeviceKind.RatingPad)];
        Assert.Equal(2, pads.Length);
        samples = OperationsTests.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        Assert.All(pads, p => Assert.Equal(1, samples[Up(p)]));
    }

    /// <summary>
    /// Scrapes <c>/metrics</c> until every device of <paramref name="hardware"/> is up and every printer has paper (a
    /// minute at most); the last exposition and its samples.
    /// </summary>
    internal static async Task<(string Metrics, Dictionary<string, double> Samples)> WaitForEveryDeviceUpAsync(HttpClient http, BranchHardware hardware)
    {
        string metrics = "";
        Dictionary<string, double> samples = [];
        await OperationsTests.WaitForAsync(async () =>
        {
            metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            samples = OperationsTests.Parse(metrics);
            return hardware.Devices.All(d => samples.GetValueOrDefault(Up(d)) == 1)
                && hardware.Devices.Where(d => d.Kind == DeviceKind.Printer).All(p => samples.GetValueOrDefault(Paper(p, "ok")) == 1);
        }, TimeSpan.FromMinutes(1));
        return (metrics, samples);
    }

    /// <summary>The <c>lobby_device_up</c> series of <paramref name="device"/>.</summary>
    internal static string Up(DeviceInfo device) =>
        string.Create(CultureInfo.InvariantCulture, $"lobby_device_up{{device=\"{device.Id}\",kind=\"{DeviceMetrics.KindLabel(device.Kind)}\"}}");

    /// <summary>The <c>lobby_printer_paper</c> series of <paramref name="printer"/> for <paramref name="status"/>.</summary>
    internal static string Paper(DeviceInfo printer, string status) => $"lobby_printer_paper{{device=\"{printer.Id}\",status=\"{status}\"}}";
}
