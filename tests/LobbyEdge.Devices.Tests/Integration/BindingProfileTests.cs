using System.Globalization;
using LobbyEdge.Profiles;
using LobbyEdge.Service.Devices;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The hardware profile keys of the Iot.Device.Bindings kinds (<c>dispensers[].lcd</c>, <c>displays[].max7219</c>,
/// <c>displays[].buzzer</c>): the shipped example loads into setups, and every mistake is a
/// <c>file:line:column: field: message</c> problem, all of them in one run, exit code 2 from the real process; and the
/// real process runs the example on a box without those buses.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BindingProfileTests : IDisposable
{
    private static readonly string s_example = Path.Combine(AppContext.BaseDirectory, "examples", "board-devices.yaml");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lobbyedge-board-profile-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void ShippedExample_LoadsEveryKind_WithDevicesInProfileOrder()
    {
        BranchHardware hardware = BranchProfileLoader.Load(s_example).Hardware;

        CharacterLcdSetup lcd = Assert.Single(hardware.CharacterLcds);
        Assert.Equal(("door/lcd", DeviceKind.CharacterLcd, "door", 1, 0x27, 16, 2), (lcd.Device.Id, lcd.Device.Kind, lcd.Dispenser.Id, lcd.Bus, lcd.Address, lcd.Columns, lcd.Rows));
        Assert.Equal(lcd.Dispenser.Index + 1, lcd.Device.Index);

        Assert.Equal(
            [("counter-1-number", 0, 0, 8, 1, 4), ("counter-2-number", 0, 1, 8, 2, 4), ("counter-3-number", 1, 0, 4, 3, 8)],
            hardware.SegmentDisplays.Select(d => (d.Device.Id, d.Bus, d.ChipSelect, d.Digits, d.Counter, d.Brightness)));
        Assert.Equal(
            [("lobby-chime", -1, 0, 0, 0, true), ("counter-3-beeper", 26, -1, -1, 3, false)],
            hardware.Buzzers.Select(b => (b.Device.Id, b.Pin, b.PwmChip, b.PwmChannel, b.Counter, b.IsPwm)));
        Assert.All(hardware.Buzzers, b => Assert.Equal(DeviceKind.Buzzer, b.Device.Kind));
        Assert.All(hardware.SegmentDisplays, d => Assert.Equal(DeviceKind.SegmentDisplay, d.Device.Kind));

        // Every device has its index: the engine's device events carry it.
        Assert.Equal(Enumerable.Range(0, hardware.Devices.Count), hardware.Devices.Select(d => d.Index));
        Assert.Empty(hardware.DisplayLines);
    }

    [Fact]
    public void EveryMistake_IsFileLineColumnFieldMessage_AllInOneRun()
    {
        string path = Write(
            ("lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}", "lcd: {bus: 1, adress: 0x50, columns: 8, rows: 3}"),
            ("max7219: {bus: 0, chipSelect: 1, digits: 8}", "max7219: {bus: 0, chipSelect: 0, digits: 9}"),
            ("    max7219: {bus: 1, chipSelect: 0, digits: 4, brightness: 8}\n    counter: 3", "    max7219: {bus: 1, chipSelect: 0, digits: 4, brightness: 16}\n    port: /dev/ttyUSB3"),
            ("buzzer: {pwmChip: 0, pwmChannel: 0}", "buzzer: {pin: 12, pwmChip: 0}"),
            ("buzzer: {pin: 26}\n    counter: 3", "buzzer: {pin: 17}\n    counter: 7"));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        string[] expected =
        [
            At(path, "adress: 0x50", "dispensers[0].lcd.adress: unknown key \"adress\"; did you mean \"address\"?"),
            At(path, "{bus: 1, adress", "dispensers[0].lcd.address: required key \"address\" is missing (e.g. `address: 0x27`)"),
            At(path, "rows: 3", "dispensers[0].lcd.rows: must be 1, 2 or 4 (an HD44780 has no 3-row layout)"),
            At(path, "columns: 8", "dispensers[0].lcd.columns: must be between 16 and 40 (got 8; the notices need 16)"),
            At(path, "chipSelect: 0, digits: 9", "displays[1].max7219.digits: must be between 1 and 8 (got \"9\")", column: "digits: 9"),
            At(path, "chipSelect: 0, digits: 9", "displays[1].max7219.chipSelect: SPI bus 0 chip select 0 is already used by displays[0].max7219"),
            At(path, "port: /dev/ttyUSB3", "displays[2].port: a MAX7219 display is not on a serial line: remove port: (or max7219:)"),
            At(path, "  - id: counter-3-number", "displays[2].counter: required key \"counter\" is missing (e.g. `counter: 3`): a MAX7219 display shows one counter's calls", column: "id: counter-3-number"),
            At(path, "brightness: 16", "displays[2].max7219.brightness: must be between 0 and 15 (got \"16\")"),
            At(path, "pin: 12, pwmChip", "displays[3].buzzer: give either pin: (an active buzzer on GPIO) or pwmChip: and pwmChannel: (a passive buzzer on hardware PWM)"),
            At(path, "counter: 7", "displays[4].counter: counter 7 is not in this branch's counters"),
            At(path, "buzzer: {pin: 17}", column: "pin: 17", problem: "displays[4].buzzer.pin: GPIO 17 is already used by dispensers[0].buttons[0].pin"),
        ];
        Assert.Equal(string.Join('\n', expected.Order(StringComparer.Ordinal)), string.Join('\n', e.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void FourRows_TakeAtMostTwentyColumns_AndTwoLcdsCannotShareAnAddress()
    {
        string path = Write(("lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}", "lcd: {bus: 1, address: 0x3F, columns: 40, rows: 4}"));
        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));
        Assert.Equal(At(path, "columns: 40", "dispensers[0].lcd.columns: must be between 16 and 20 with 4 rows (got 40; the notices need 16)"), Assert.Single(e.Problems).ToString());

        string two = Write(("    lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}\n", """
                lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}
              - id: side
                buttons: [{service: cash, pin: 5}]
                lcd: {bus: 1, address: 0x27, columns: 20, rows: 4}

            """));
        e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(two));
        string[] lines = File.ReadAllLines(two);
        int line = Array.FindLastIndex(lines, l => l.Contains("address: 0x27", StringComparison.Ordinal)) + 1;
        int column = lines[line - 1].IndexOf("address", StringComparison.Ordinal) + 1;
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{two}:{line}:{column}: dispensers[1].lcd.address: I2C bus 1 address 0x27 is already used by dispensers[0].lcd"),
            Assert.Single(e.Problems).ToString());
    }

    [Fact]
    public async Task BadBoardDevice_ExitsTwo_NamingFileLineAndField_AndStartsNothing()
    {
        string path = Write(("max7219: {bus: 0, chipSelect: 1, digits: 8}", "max7219: {bus: 0, chipSelect: 1, digits: eight}"));

        (int exitCode, string stdout, string stderr) = await ServiceProcess.RunToEndAsync(_dir.FullName, TimeSpan.FromMinutes(2), "--branch", path, "--data", Path.Combine(_dir.FullName, "data"), "--Http:Port=0");

        Assert.Equal(2, exitCode);
        Assert.Contains(At(path, "digits: eight", "displays[1].max7219.digits: must be a whole number (got \"eight\")"), stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout.Trim());
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "data")));
    }

    /// <summary>
    /// The real process with the example on a box without those buses (this one: no <c>/dev/i2c-1</c>,
    /// <c>/dev/spidev*</c>, PWM chips or GPIO): every board device is reported down with the kernel's reason, in the
    /// log and in <c>lobby_device_up</c>, and the branch runs on.
    /// </summary>
    [Fact]
    public async Task BoardDevicesWithoutTheirBuses_AreReportedDown_AndTheBranchRuns()
    {
        BranchHardware hardware = BranchProfileLoader.Load(s_example).Hardware;
        DeviceInfo[] absent =
        [
            .. hardware.CharacterLcds.Where(l => !File.Exists($"/dev/i2c-{l.Bus}")).Select(l => l.Device),
            .. hardware.SegmentDisplays.Where(d => !File.Exists($"/dev/spidev{d.Bus}.{d.ChipSelect}")).Select(d => d.Device),
            .. hardware.Buzzers.Where(b => b.IsPwm ? !Directory.Exists($"/sys/class/pwm/pwmchip{b.PwmChip}") : !File.Exists("/dev/gpiochip0")).Select(b => b.Device),
        ];

        int port = ServiceProcess.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await using ServiceProcess service = ServiceProcess.Start(_dir.FullName, "--branch", s_example, "--data", Path.Combine(_dir.FullName, "data"), $"--Http:Port={port}");
        await service.WaitUntilReadyAsync();

        foreach (DeviceInfo device in absent)
        {
            await service.WaitForLineAsync(m => m.StartsWith($"Device {device.Id}: Offline (", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        }

        string[] wanted = [.. absent.Select(d => string.Create(CultureInfo.InvariantCulture, $"lobby_device_up{{device=\"{d.Id}\",kind=\"{DeviceMetrics.KindLabel(d.Kind)}\"}} 0"))];
        string metrics = "";
        Assert.True(await PtyLobby.EventuallyAsync(() =>
        {
            try
            {
                metrics = http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult();
            }
            catch (HttpRequestException)
            {
                return false;                           // the HTTP endpoint may come up a moment after "ready"
            }

            return wanted.All(w => metrics.Contains(w, StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(1)), $"not every board device is down in /metrics:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("lobby_device_up", StringComparison.Ordinal)))}");

        // The branch runs on: the health endpoint answers and the process is still there.
        using HttpResponseMessage health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.True(health.IsSuccessStatusCode, $"/healthz answered {(int)health.StatusCode}");
        Assert.DoesNotContain(service.Lines, l => ServiceProcess.Message(l).Contains("Unhandled", StringComparison.Ordinal));

        // And stops cleanly on SIGTERM, as systemd stops it: the board devices' owner tasks end and close their buses.
        using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }

    /// <summary>The example with replacements, under a temp <c>examples/</c> with the shipped models in <c>devices/</c>.</summary>
    private string Write(params (string From, string To)[] replacements)
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "examples"));
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "devices"));
        foreach (string model in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "devices")))
        {
            File.Copy(model, Path.Combine(_dir.FullName, "devices", Path.GetFileName(model)), overwrite: true);
        }

        string text = File.ReadAllText(s_example).ReplaceLineEndings("\n");
        foreach ((string from, string to) in replacements)
        {
            Assert.Contains(from, text, StringComparison.Ordinal);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        string path = Path.Combine(_dir.FullName, "examples", $"board-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// The problem line for the key that starts <paramref name="column"/> (default: the start of <paramref name="find"/>)
    /// on the line holding <paramref name="find"/>.
    /// </summary>
    private static string At(string path, string find, string problem, string? column = null)
    {
        string[] lines = File.ReadAllLines(path);
        int index = Array.FindIndex(lines, l => l.Contains(find, StringComparison.Ordinal));
        Assert.True(index >= 0, find);
        string at = column ?? find.TrimStart(' ', '-');
        int col = lines[index].IndexOf(at, StringComparison.Ordinal) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{path}:{index + 1}:{col}: {problem}");
    }
}
