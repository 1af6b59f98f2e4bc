using System.Globalization;
using LobbyEdge.Devices;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// The device kinds driven through Iot.Device.Bindings: a dispenser's character LCD (<c>dispensers[].lcd</c>), the
/// MAX7219 counter number displays (<c>displays[].max7219</c>) and the call-chime buzzers (<c>displays[].buzzer</c>).
/// Checked like every other hardware key (hardware-profiles/README.md, "Devices"): ranges, buses and pins used
/// once, counters that exist.
/// </summary>
internal sealed partial class HardwareSections
{
    private static readonly string[] s_lcdKeys = ["bus", "address", "columns", "rows"];
    private static readonly string[] s_max7219Keys = ["bus", "chipSelect", "digits", "brightness"];
    private static readonly string[] s_buzzerKeys = ["pin", "pwmChip", "pwmChannel"];
    private static readonly string[] s_serialDisplayKeys = ["model", "port", "usbPrinter", "tcp", "udp", "baud", "address"];

    private readonly List<CharacterLcdSetup> _lcds = [];
    private readonly List<SegmentDisplaySetup> _segmentDisplays = [];
    private readonly List<BuzzerSetup> _buzzers = [];
    private readonly Dictionary<(int Bus, int Address), string> _i2c = [];
    private readonly Dictionary<(int Bus, int ChipSelect), string> _spi = [];
    private readonly Dictionary<(int Chip, int Channel), string> _pwm = [];

    private BranchHardware WithBindingDevices(BranchHardware hardware) =>
        _lcds.Count + _segmentDisplays.Count + _buzzers.Count == 0
            ? hardware
            : new BranchHardware(hardware.Devices, hardware.KeypadLines, hardware.Printers, hardware.DisplayLines, hardware.Dispensers, hardware.KioskPrinter)
            {
                CharacterLcds = _lcds,
                SegmentDisplays = _segmentDisplays,
                Buzzers = _buzzers,
            };

    /// <summary>
    /// <c>lcd: {bus: 1, address: 0x27, columns: 16, rows: 2}</c> on a dispenser: the HD44780 geometry the
    /// binding supports (1, 2 or 4 rows; 4 rows take at most 20 columns, two rows 40) and room for the notices
    /// (16 columns).
    /// </summary>
    private void ReadDispenserLcd(Dictionary<string, Slot> keys, string field, string? dispenserId)
    {
        if (!keys.TryGetValue("lcd", out var slot) || ProfileReader.IsNull(slot.Node))
        {
            return;
        }

        string f = $"{field}.lcd";
        if (slot.Node is not YamlMappingNode map)
        {
            r.Report(slot.At, f, "must be the LCD's backpack and size: `{bus: 1, address: 0x27, columns: 16, rows: 2}`");
            return;
        }

        var k = r.Keys(map, f, s_lcdKeys);
        int? busRead = Int(k, "bus", 0, 255);
        int bus = busRead ?? 1;
        int? address = RequiredInt(k, map, f, "address", "address: 0x27", 0, 0x7F);
        int? rows = RequiredInt(k, map, f, "rows", "rows: 2", 1, 4);
        int? columns = RequiredInt(k, map, f, "columns", "columns: 16", 1, 80);
        if (address is { } a && a is not (>= 0x20 and <= 0x27 or >= 0x38 and <= 0x3F))
        {
            r.Report(k["address"].At, $"{f}.address", $"must be a PCF8574 address 0x20..0x27 or a PCF8574A address 0x38..0x3F (got 0x{a:X2})");
            address = null;
        }

        if (rows is 3)
        {
            r.Report(k["rows"].At, $"{f}.rows", "must be 1, 2 or 4 (an HD44780 has no 3-row layout)");
            rows = null;
        }

        int maxColumns = rows == 4 ? 20 : 40;
        if (columns is { } c && (c < 16 || c > maxColumns))
        {
            r.Report(k["columns"].At, $"{f}.columns", string.Create(CultureInfo.InvariantCulture,
                $"must be between 16 and {maxColumns}{(rows == 4 ? " with 4 rows" : "")} (got {c}; the notices need 16)"));
            columns = null;
        }

        if (busRead is null && k.ContainsKey("bus"))
        {
            // The bus was reported; a clash on the default bus would be a false second problem.
            address = null;
        }

        if (address is { } ad && !_i2c.TryAdd((bus, ad), f))
        {
            r.Report(k["address"].At, $"{f}.address", string.Create(CultureInfo.InvariantCulture, $"I2C bus {bus} address 0x{ad:X2} is already used by {_i2c[(bus, ad)]}"));
            address = null;
        }

        DeviceInfo? dispenser = dispenserId is null ? null : _devices.LastOrDefault(d => d.Id == dispenserId && d.Kind == DeviceKind.Dispenser);
        if (dispenser is { } owner && address is { } at && rows is { } rowCount && columns is { } cols)
        {
            DeviceInfo device = Add($"{owner.Id}/lcd", DeviceKind.CharacterLcd, register: false);
            _lcds.Add(new CharacterLcdSetup(device, owner, bus, at, cols, rowCount));
        }
    }

    /// <summary>
    /// A <c>displays</c> entry with <c>max7219:</c> or <c>buzzer:</c> instead of a serial model. Returns false
    /// (and reads nothing) for a serial display.
    /// </summary>
    private bool ReadBindingDisplay(Dictionary<string, Slot> keys, YamlMappingNode item, string field)
    {
        bool segments = keys.ContainsKey("max7219");
        bool buzzer = keys.ContainsKey("buzzer");
        if (!segments && !buzzer)
        {
            return false;
        }

        string? id = Id(keys, item, field);
        if (segments && buzzer)
        {
            r.Report(keys["buzzer"].At, $"{field}.buzzer", "a display entry is a MAX7219 display or a buzzer, not both: give the buzzer its own entry");
            return true;
        }

        string kind = segments ? "max7219" : "buzzer";
        foreach (string serialKey in s_serialDisplayKeys)
        {
            if (keys.TryGetValue(serialKey, out var extra))
            {
                r.Report(extra.At, $"{field}.{serialKey}", $"a {(segments ? "MAX7219 display" : "buzzer")} is not on a serial line: remove {serialKey}: (or {kind}:)");
            }
        }

        int counter = CounterOf(keys, field);
        if (segments)
        {
            if (!keys.ContainsKey("counter"))
            {
                r.Report(item.Start, $"{field}.counter", "required key \"counter\" is missing (e.g. `counter: 3`): a MAX7219 display shows one counter's calls");
            }

            ReadMax7219(keys["max7219"], $"{field}.max7219", id, counter);
        }
        else
        {
            ReadBuzzer(keys["buzzer"], $"{field}.buzzer", id, counter);
        }

        return true;
    }

    private void ReadMax7219(Slot slot, string f, string? id, int counter)
    {
        if (slot.Node is not YamlMappingNode map)
        {
            r.Report(slot.At, f, "must be the display's SPI wiring: `{bus: 0, chipSelect: 0, digits: 8}`");
            return;
        }

        var k = r.Keys(map, f, s_max7219Keys);
        int? busRead = Int(k, "bus", 0, 255);
        int bus = busRead ?? 0;
        int? chipSelect = RequiredInt(k, map, f, "chipSelect", "chipSelect: 0", 0, 255);
        int? digits = RequiredInt(k, map, f, "digits", "digits: 8", 1, 8);
        int brightness = Int(k, "brightness", 0, 15) ?? 4;
        if (busRead is null && k.ContainsKey("bus"))
        {
            // The bus was reported; a clash on the default bus would be a false second problem.
            chipSelect = null;
        }

        if (chipSelect is { } cs && !_spi.TryAdd((bus, cs), f))
        {
            r.Report(k["chipSelect"].At, $"{f}.chipSelect", string.Create(CultureInfo.InvariantCulture, $"SPI bus {bus} chip select {cs} is already used by {_spi[(bus, cs)]}"));
            chipSelect = null;
        }

        if (id is not null && chipSelect is { } c && digits is { } d && counter > 0)
        {
            _segmentDisplays.Add(new SegmentDisplaySetup(Add(id, DeviceKind.SegmentDisplay), bus, c, d, counter, brightness));
        }
    }

    private void ReadBuzzer(Slot slot, string f, string? id, int counter)
    {
        if (slot.Node is not YamlMappingNode map)
        {
            r.Report(slot.At, f, "must be the buzzer's GPIO pin `{pin: 18}` or its PWM channel `{pwmChip: 0, pwmChannel: 0}`");
            return;
        }

        var k = r.Keys(map, f, s_buzzerKeys);
        bool pwm = k.ContainsKey("pwmChip") || k.ContainsKey("pwmChannel");
        if (k.ContainsKey("pin") == pwm)
        {
            r.Report(pwm ? k["pin"].At : map.Start, f, "give either pin: (an active buzzer on GPIO) or pwmChip: and pwmChannel: (a passive buzzer on hardware PWM)");
            return;
        }

        int pin = -1;
        int chip = -1;
        int channel = -1;
        if (pwm)
        {
            chip = RequiredInt(k, map, f, "pwmChip", "pwmChip: 0", 0, 255) ?? -1;
            channel = RequiredInt(k, map, f, "pwmChannel", "pwmChannel: 0", 0, 255) ?? -1;
            if (chip >= 0 && channel >= 0 && !_pwm.TryAdd((chip, channel), f))
            {
                r.Report(k["pwmChannel"].At, $"{f}.pwmChannel", string.Create(CultureInfo.InvariantCulture, $"PWM chip {chip} channel {channel} is already used by {_pwm[(chip, channel)]}"));
                chip = -1;
            }
        }
        else
        {
            pin = Pin(k, "pin", f) ?? -1;
        }

        if (id is not null && (pin >= 0 || (chip >= 0 && channel >= 0)))
        {
            _buzzers.Add(new BuzzerSetup(Add(id, DeviceKind.Buzzer), pin, chip, channel, counter));
        }
    }

    private int CounterOf(Dictionary<string, Slot> keys, string field)
    {
        int counter = Int(keys, "counter", 1, 999) ?? 0;
        if (counter > 0 && branch is not null && !branch.Counters.Any(c => c.Number == counter))
        {
            r.Report(keys["counter"].At, $"{field}.counter", $"counter {counter} is not in this branch's counters");
            return 0;
        }

        return counter;
    }
}
