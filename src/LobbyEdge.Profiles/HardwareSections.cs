using System.Globalization;
using System.IO.Ports;
using LobbyEdge.Devices;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// Reads the hardware sections of a branch profile (<c>devices:</c>, <c>dispensers:</c>, <c>displays:</c>,
/// <c>kiosk:</c>) and the device models they name (<c>hardware-profiles/devices/MODEL.yaml</c>), checking everything:
/// a missing port, an unknown model, an address used twice, a template that cannot work. Problems go to the
/// profile's <see cref="ProfileReader"/>, with the model's file named for a problem in a model.
/// </summary>
/// <param name="r">The profile's reader.</param>
/// <param name="branch">The branch as read (services and counters to check references against), or null.</param>
/// <param name="modelsDirectory">Where device models live.</param>
internal sealed partial class HardwareSections(ProfileReader r, BranchConfig? branch, string modelsDirectory)
{
    /// <summary>The top-level keys of a branch profile this part reads.</summary>
    public static readonly string[] TopLevelKeys = ["devices", "dispensers", "displays", "kiosk"];

    private static readonly string[] s_sections = ["devices", "dispensers", "displays"];
    private static readonly string[] s_deviceKeys = ["id", "model", "port", "usbPrinter", "tcp", "udp", "baud", "keypads", "encoding"];
    private static readonly string[] s_keypadKeys = ["counter", "address", "rating", "prompt"];
    private static readonly string[] s_dispenserKeys = ["id", "printer", "buttons", "readyLed", "faultLed", "display", "activeLow", "debounceMs", "longPressMs", "lcd"];
    private static readonly string[] s_buttonKeys = ["service", "pin", "tier", "longPressTier"];
    private static readonly string[] s_tmKeys = ["clk", "dio"];
    private static readonly string[] s_displayKeys = ["id", "model", "port", "usbPrinter", "tcp", "udp", "baud", "address", "counter", "max7219", "buzzer"];
    private static readonly string[] s_kioskKeys = ["printer"];
    private static readonly string[] s_modelKeys =
    [
        "kind", "description", "serial", "ackTimeoutMs", "retries", "duplicateWindowMs", "refreshSeconds", "pollIntervalMs",
        "responseTimeoutMs", "automaticStatusBack", "qrModuleSize", "encoding", "frame", "messages", "recall",
    ];

    private static readonly string[] s_serialKeys = ["baud", "dataBits", "parity", "stopBits", "writeTimeoutMs"];
    private static readonly string[] s_elementKinds = ["bytes", "address", "length", "text", "checksum", "line", "blink"];
    private static readonly string[] s_messageKinds = ["call", "recall", "idle", "paused", "away", "closed"];

    /// <summary>
    /// Where a branch profile's device models are looked for: a <c>devices</c> folder beside the branch file
    /// (<c>/etc/lobby-edge/devices/</c> for <c>/etc/lobby-edge/branch.yaml</c>, the installed layout), or else
    /// <c>../devices</c> from the branch file's folder (the repository's <c>hardware-profiles/branches/</c> and
    /// <c>hardware-profiles/devices/</c>).
    /// </summary>
    public static string DefaultModelsDirectory(string branchPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(branchPath)) ?? ".";
        string beside = Path.Combine(folder, "devices");
        return Directory.Exists(beside) ? beside : Path.Combine(folder, "..", "devices");
    }

    /// <summary>A device model file as read: its kind, serial settings and the settings of its kind.</summary>
    private sealed class Model(string name, string kind, SerialLineSettings serial)
    {
        public string Name { get; } = name;

        public string Kind { get; } = kind;

        public SerialLineSettings Serial { get; } = serial;

        public KeypadBusSettings? Keypad { get; init; }

        public PrinterSettings? Printer { get; init; }

        public DisplayModel? Display { get; init; }
    }

    private readonly Dictionary<string, Model?> _models = new(StringComparer.Ordinal);
    private readonly List<DeviceInfo> _devices = [];
    private readonly Dictionary<string, (string Field, string Kind)> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _pins = [];

    /// <summary>
    /// Reads the hardware sections among a profile's top-level keys; <see cref="BranchHardware.Empty"/> when it has
    /// none. What is wrong is reported to the profile's reader (the layout returned is then not to be used).
    /// </summary>
    public BranchHardware Read(Dictionary<string, Slot> top)
    {
        var keypadLines = new List<KeypadLineSetup>();
        var printers = new List<PrinterSetup>();
        var dispensers = new List<DispenserSetup>();
        var displays = new List<(DisplaySetup Setup, SerialLineSettings Serial, string Port)>();
        var keypadCounters = new Dictionary<int, string>();

        foreach (string section in s_sections)
        {
            if (r.List(top, section, required: false) is not { } list)
            {
                continue;
            }

            foreach ((_, string field, YamlMappingNode item) in r.Entries(list, section, "each entry must be a set of keys (id:, model:, …)"))
            {
                switch (section)
                {
                    case "devices":
                        ReadDevice(item, field, keypadLines, printers, keypadCounters);
                        break;
                    case "dispensers":
                        ReadDispenser(item, field, dispensers);
                        break;
                    default:
                        ReadDisplay(item, field, displays);
                        break;
                }
            }
        }

        string? kioskPrinter = ReadKiosk(top);
        var displayLines = new List<DisplayLineSetup>();
        foreach (IGrouping<string, (DisplaySetup Setup, SerialLineSettings Serial, string Port)> port in displays.GroupBy(d => d.Port, StringComparer.Ordinal))
        {
            var line = new DeviceInfo(_devices.Count, $"displays@{port.Key}", DeviceKind.SerialLine);
            _devices.Add(line);
            displayLines.Add(new DisplayLineSetup(line, port.First().Serial, [.. port.Select(p => p.Setup)]));
        }

        return WithBindingDevices(new BranchHardware([.. _devices], keypadLines, printers, displayLines, dispensers, kioskPrinter));
    }

    /// <summary>
    /// <c>kiosk: {printer: printer-entrance}</c>: the printer the touch kiosk prints at, one of the printers in
    /// <c>devices</c>. Without it the kiosk shows the number on screen only.
    /// </summary>
    private string? ReadKiosk(Dictionary<string, Slot> top)
    {
        if (r.Section(top, "kiosk", required: false, example: "kiosk: {printer: printer-entrance}") is not { } kiosk)
        {
            return null;
        }

        var map = (YamlMappingNode)kiosk.Node;
        Dictionary<string, Slot> keys = r.Keys(map, "kiosk", s_kioskKeys);
        return RequiredText(keys, map, "kiosk", "printer", "printer: printer-entrance") is null ? null : Printer(keys["printer"]);
    }

    /// <summary>A reference to a printer in <c>devices</c> (read before); null, reported with the closest id, when there is none.</summary>
    private string? Printer(Slot slot)
    {
        string? printer = r.Text(slot);
        if (printer is null || (_ids.TryGetValue(printer, out var owner) && owner.Kind is "printer" or "unknown"))
        {
            return printer;
        }

        string[] printers = [.. _ids.Where(p => p.Value.Kind == "printer").Select(p => p.Key)];
        string? closest = ClosestName.Find(printer, printers);
        r.Report(slot.At, slot.Field, $"no printer \"{printer}\" in devices (printers: {(printers.Length == 0 ? "none" : string.Join(", ", printers))}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
        return null;
    }

    // ---- sections ----

    private void ReadDevice(YamlMappingNode item, string field, List<KeypadLineSetup> lines, List<PrinterSetup> printers, Dictionary<int, string> keypadCounters)
    {
        Dictionary<string, Slot> keys = r.Keys(item, field, s_deviceKeys);
        string? id = Id(keys, item, field);
        Model? model = ModelOf(keys, item, field, "keypad", "printer");
        LineEndpoint? line = Line(keys, item, field, model?.Kind);
        if (id is not null && (model is null || line is null))
        {
            // Known by id, so what refers to it is not reported again for the model's (or the line's) problem.
            _ids[id] = (field, model?.Kind ?? "unknown");
        }

        int? baud = Baud(keys, field, line);
        SerialLineSettings? serial = model is null || line is null ? null : line.Apply(model.Serial, baud);
        if (model?.Kind == "printer")
        {
            if (keys.ContainsKey("keypads"))
            {
                r.Report(keys["keypads"].At, $"{field}.keypads", "a printer has no keypads");
            }

            // The printer's own character set wins over its model's (one clone of a model may speak GBK only).
            PrinterEncoding? encoding = PrinterEncodingOf(keys, $"{field}.encoding");
            if (id is not null && serial is not null)
            {
                var device = Add(id, DeviceKind.Printer);
                printers.Add(new PrinterSetup(device, serial, encoding is { } e ? model.Printer! with { Encoding = e } : model.Printer!));
            }

            return;
        }

        if (keys.TryGetValue("encoding", out Slot encodingSlot) && model is not null)
        {
            r.Report(encodingSlot.At, $"{field}.encoding", $"only a printer has an encoding (model \"{model.Name}\" is a {model.Kind})");
        }

        if (model?.Kind != "keypad")
        {
            return;
        }

        if (r.NonEmptyList(keys, "keypads", new Slot(field, item.Start, item), "a keypad line needs its keypads: a list of `- {counter: 3, address: 3}`") is not { } seq)
        {
            return;
        }

        DeviceInfo? lineDevice = id is null ? null : Add(id, DeviceKind.SerialLine);
        var keypads = new List<KeypadAssignment>();
        var addresses = new Dictionary<int, string>();
        foreach ((_, string kf, YamlMappingNode kp) in r.Entries(seq, $"{field}.keypads", "must be a set of keys (counter:, address:)"))
        {
            var kk = r.Keys(kp, kf, s_keypadKeys);
            int? counter = RequiredInt(kk, kp, kf, "counter", "counter: 3", 1, 999);
            int? address = RequiredInt(kk, kp, kf, "address", "address: 3", 1, 254);
            bool rating = Bool(kk, "rating") ?? false;

            // Prompting is a LobbyEdge extension of the pad protocol: off unless the pad is known to understand it.
            bool prompt = Bool(kk, "prompt") ?? false;
            if (kk.TryGetValue("prompt", out Slot promptSlot) && !rating)
            {
                r.Report(promptSlot.At, $"{kf}.prompt", "only a rating pad (rating: true) is prompted; a staff keypad has no prompt");
            }
            if (counter is { } c && branch is not null && !branch.Counters.Any(x => x.Number == c))
            {
                r.Report(kk["counter"].At, $"{kf}.counter", $"counter {c} is not in this branch's counters");
                counter = null;
            }

            if (address is { } a && !addresses.TryAdd(a, kf))
            {
                r.Report(kk["address"].At, $"{kf}.address", $"address {a} is used twice on this line (also {addresses[a]})");
                address = null;
            }

            if (counter is { } cc && !rating && !keypadCounters.TryAdd(cc, kf))
            {
                r.Report(kk["counter"].At, $"{kf}.counter", $"counter {cc} already has a keypad ({keypadCounters[cc]})");
                counter = null;
            }

            if (counter is { } n && address is { } ad && id is not null)
            {
                DeviceInfo device = Add($"{id}/{(rating ? "rating" : "keypad")}-{n.ToString(CultureInfo.InvariantCulture)}", rating ? DeviceKind.RatingPad : DeviceKind.Keypad, register: false);
                keypads.Add(new KeypadAssignment(device, (byte)ad, n, rating, rating && prompt));
            }
        }

        if (lineDevice is { } ld && serial is not null)
        {
            lines.Add(new KeypadLineSetup(ld, serial, model.Keypad!, keypads));
        }
    }

    private void ReadDispenser(YamlMappingNode item, string field, List<DispenserSetup> dispensers)
    {
        var keys = r.Keys(item, field, s_dispenserKeys);
        string? id = Id(keys, item, field);
        string? printer = ProfileReader.Optional(keys, "printer") is { } printerSlot ? Printer(printerSlot) : null;

        var buttons = new List<DispenserButton>();
        var pins = new List<int>();
        if (r.NonEmptyList(keys, "buttons", new Slot(field, item.Start, item), "a dispenser needs its buttons: a list of `- {service: cash, pin: 17}`") is { } seq)
        {
            foreach ((_, string bf, YamlMappingNode bn) in r.Entries(seq, $"{field}.buttons", "must be a set of keys (service:, pin:)"))
            {
                var bk = r.Keys(bn, bf, s_buttonKeys);
                string? service = RequiredText(bk, bn, bf, "service", "service: cash");
                int serviceIndex = -1;
                if (service is not null && branch is not null)
                {
                    serviceIndex = IndexOfService(service);
                    if (serviceIndex < 0)
                    {
                        string? closest = ClosestName.Find(service, branch.Services.Select(s => s.Id));
                        r.Report(bk["service"].At, $"{bf}.service", $"unknown service \"{service}\" (known: {string.Join(", ", branch.Services.Select(s => s.Id))}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
                    }
                }

                int pin = Pin(bk, "pin", bf) ?? -1;
                Tier tier = TierOf(bk, "tier", bf) ?? Tier.Normal;
                Tier? longTier = TierOf(bk, "longPressTier", bf);
                buttons.Add(new DispenserButton(Math.Max(0, serviceIndex), tier, longTier));
                pins.Add(pin);
            }
        }

        int ready = Pin(keys, "readyLed", field) ?? -1;
        int fault = Pin(keys, "faultLed", field) ?? -1;
        int clk = -1;
        int dio = -1;
        if (keys.TryGetValue("display", out var display))
        {
            if (display.Node is YamlMappingNode dm)
            {
                var dk = r.Keys(dm, $"{field}.display", s_tmKeys);
                clk = RequiredPin(dk, dm, $"{field}.display", "clk");
                dio = RequiredPin(dk, dm, $"{field}.display", "dio");
            }
            else
            {
                r.Report(display.At, $"{field}.display", "must be the TM1637's pins: `{clk: 5, dio: 6}`");
            }
        }

        bool activeLow = Bool(keys, "activeLow") ?? true;
        int debounce = Int(keys, "debounceMs", 1, 1000) ?? 30;
        int longPress = Int(keys, "longPressMs", 100, 10000) ?? 1500;
        if (id is not null)
        {
            DeviceInfo device = Add(id, DeviceKind.Dispenser);
            dispensers.Add(new DispenserSetup(device, printer, buttons, new DispenserPins(pins.Where(p => p >= 0).Count() == pins.Count ? pins : [], ready, fault, clk, dio,
                TimeSpan.FromMilliseconds(debounce), TimeSpan.FromMilliseconds(longPress), activeLow)));
        }

        ReadDispenserLcd(keys, field, id);
    }

    private void ReadDisplay(YamlMappingNode item, string field, List<(DisplaySetup, SerialLineSettings, string)> displays)
    {
        var keys = r.Keys(item, field, s_displayKeys);
        if (ReadBindingDisplay(keys, item, field))
        {
            return;
        }

        string? id = Id(keys, item, field);
        Model? model = ModelOf(keys, item, field, "display");
        LineEndpoint? line = Line(keys, item, field, "display", shareable: true);
        int? address = RequiredInt(keys, item, field, "address", "address: 3", 0, int.MaxValue);
        int? baud = Baud(keys, field, line);
        int counter = 0;
        if (keys.ContainsKey("counter"))
        {
            counter = Int(keys, "counter", 1, 999) ?? 0;
            if (counter > 0 && branch is not null && !branch.Counters.Any(c => c.Number == counter))
            {
                r.Report(keys["counter"].At, $"{field}.counter", $"counter {counter} is not in this branch's counters");
            }
        }

        if (model?.Display is not { } dm || line is null || address is not { } a || id is null)
        {
            return;
        }

        string port = line.Path;
        SerialLineSettings lineSettings = line.Apply(dm.Serial, baud);

        FrameElement? addressField = dm.Frame.FirstOrDefault(e => e.Kind == FrameElementKind.Address);
        if (addressField is not null && a > addressField.Number.MaxValue)
        {
            r.Report(keys["address"].At, $"{field}.address", $"model {dm.Name} has room for addresses up to {addressField.Number.MaxValue} (got {a})");
            return;
        }

        foreach ((DisplaySetup other, SerialLineSettings serial, string otherPort) in displays)
        {
            if (otherPort == port && other.Address == a)
            {
                r.Report(keys["address"].At, $"{field}.address", $"address {a} on {port} is already used by display \"{other.Device.Id}\"");
                return;
            }

            if (otherPort == port && line.Transport == LineTransport.Serial && serial.BaudRate != lineSettings.BaudRate)
            {
                r.Report(keys["port"].At, $"{field}.port", $"displays on {port} must share one baud rate (display \"{other.Device.Id}\" uses {serial.BaudRate})");
                return;
            }

            if (otherPort == port && (serial.OpenTimeout != lineSettings.OpenTimeout || serial.KeepAlive != lineSettings.KeepAlive))
            {
                r.Report(line.At, $"{field}.{line.Key}", string.Create(CultureInfo.InvariantCulture,
                    $"displays on {port} share one connection, so one connectTimeoutMs and keepAliveSeconds (display \"{other.Device.Id}\" uses {serial.OpenTimeout.TotalMilliseconds} and {serial.KeepAlive.TotalSeconds})"));
                return;
            }
        }

        DeviceInfo device = Add(id, DeviceKind.Display);
        displays.Add((new DisplaySetup(device, a, dm, counter), lineSettings, port));
    }

    // ---- models ----

    private Model? ModelOf(Dictionary<string, Slot> keys, YamlMappingNode item, string field, params string[] kinds)
    {
        string? name = RequiredText(keys, item, field, "model", $"model: {(kinds[0] == "display" ? "led-counter-1line" : kinds[0] == "printer" ? "escpos-80mm" : "caller68")}");
        if (name is null)
        {
            return null;
        }

        Mark at = keys["model"].At;
        Model? model = LoadModel(name, at, $"{field}.model");
        if (model is not null && !kinds.Contains(model.Kind))
        {
            r.Report(at, $"{field}.model", $"model \"{name}\" is a {model.Kind}, not a {string.Join(" or ", kinds)}");
            return null;
        }

        return model;
    }

    /// <summary>
    /// Reads the display model <paramref name="name"/> (a file in the models directory) on its own; null when it
    /// has problems (reported) or is not a display.
    /// </summary>
    public DisplayModel? LoadDisplayModel(string name)
    {
        Model? model = LoadModel(name, ProfileReader.FileStart, "model");
        if (model is { Display: null })
        {
            r.Report(ProfileReader.FileStart, "kind", $"model \"{name}\" is a {model.Kind}, not a display");
        }

        return model?.Display;
    }

    private Model? LoadModel(string name, Mark at, string field)
    {
        if (_models.TryGetValue(name, out Model? cached))
        {
            return cached;
        }

        string file = Path.Combine(modelsDirectory, name + ".yaml");
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || !File.Exists(file))
        {
            string[] known = Directory.Exists(modelsDirectory)
                ? [.. Directory.GetFiles(modelsDirectory, "*.yaml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal)]
                : [];
            string? closest = ClosestName.Find(name, known);
            string where = known.Length == 0
                ? $"; known: none: copy the device models (hardware-profiles/devices/*.yaml) into a devices/ folder beside the profile"
                : $"; known: {string.Join(", ", known)}";
            r.Report(at, field, $"unknown model \"{name}\" (no {Path.GetFullPath(file)}{where}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
            _models[name] = null;
            return null;
        }

        string saved = r.File;
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
        r.File = relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(file) : relative;
        try
        {
            Model? model = ParseModel(name);
            _models[name] = model;
            return model;
        }
        finally
        {
            r.File = saved;
        }
    }

    private Model? ParseModel(string name)
    {
        // The same reading as the branch profile's: strict UTF-8, one document, every parser failure a positioned problem.
        int before = r.Problems.Count;
        const string NotKeys = "a device model must be a set of keys (kind:, serial:, …)";
        if (r.ReadDocument(NotKeys, "a device model", _ => NotKeys) is not { } root)
        {
            return null;
        }

        var keys = r.Keys(root, "", s_modelKeys);
        string? kind = RequiredText(keys, root, "", "kind", "kind: display");
        if (kind is not null and not ("keypad" or "printer" or "display"))
        {
            r.Report(keys["kind"].At, "kind", $"must be keypad, printer or display (got \"{kind}\")");
            return null;
        }

        SerialLineSettings serial = ReadSerial(keys);
        Model? model = kind switch
        {
            "keypad" => new Model(name, kind, serial)
            {
                Keypad = new KeypadBusSettings
                {
                    AckTimeout = Ms(keys, "ackTimeoutMs", 200, 10, 5000),
                    Retries = Int(keys, "retries", 0, 10) ?? 2,
                    DuplicateWindow = Ms(keys, "duplicateWindowMs", 1000, 0, 10000),
                    RefreshInterval = TimeSpan.FromSeconds(Int(keys, "refreshSeconds", 1, 3600) ?? 30),
                },
            },
            "printer" => new Model(name, kind, serial)
            {
                Printer = new PrinterSettings
                {
                    PollInterval = Ms(keys, "pollIntervalMs", 2000, 100, 60000),
                    ResponseTimeout = Ms(keys, "responseTimeoutMs", 500, 10, 10000),
                    AutomaticStatusBack = Bool(keys, "automaticStatusBack") ?? true,
                    QrModuleSize = (byte)(Int(keys, "qrModuleSize", 1, 16) ?? 6),
                    Encoding = PrinterEncodingOf(keys, "encoding") ?? PrinterEncoding.Gb18030,
                },
            },
            "display" => ReadDisplayModel(name, keys, root, serial),
            _ => null,
        };
        return r.Problems.Count > before ? null : model;
    }

    private Model? ReadDisplayModel(string name, Dictionary<string, Slot> keys, YamlMappingNode root, SerialLineSettings serial)
    {
        string encoding = Text(keys, "encoding") ?? "ascii";
        if (DisplayModel.EncodingFor(encoding) is null)
        {
            r.Report(keys["encoding"].At, "encoding", $"must be ascii, gb2312 or gb18030 (got \"{encoding}\")");
            return null;
        }

        List<FrameElement>? frame = ReadFrame(keys, root);
        var messages = new Dictionary<DisplayMessageKind, MessageTemplate>();
        if (!keys.TryGetValue("messages", out var m) || m.Node is not YamlMappingNode mm)
        {
            r.Report(keys.TryGetValue("messages", out var mk) ? mk.At : root.Start, "messages", "a display needs its messages: call, recall, idle, paused (each `{text: [\"{number}\"], blink: true}`)");
            return null;
        }

        var encoder = DisplayModel.EncodingFor(encoding)!;
        foreach (var (kindName, (_, at, node)) in r.Keys(mm, "messages", s_messageKinds))
        {
            string mf = $"messages.{kindName}";
            if (node is not YamlMappingNode msg)
            {
                r.Report(at, mf, "must be `{text: [\"line 1\", …], blink: true|false}`");
                continue;
            }

            var mk2 = r.Keys(msg, mf, ["text", "blink"]);
            List<string> lines = [];
            if (r.NonEmptyList(mk2, "text", new Slot(mf, at, msg), "needs one or more lines: `text: [\"{number}\"]`") is not { } ts)
            {
                continue;
            }

            Slot t = mk2["text"];

            foreach (YamlNode line in ts.Children)
            {
                lines.Add(line is YamlScalarNode s ? s.Value ?? "" : "");
            }

            if (!MessageTemplate.TryParse(lines, Bool(mk2, "blink") ?? false, out MessageTemplate? template, out string? error))
            {
                r.Report(t.At, $"{mf}.text", error!);
                continue;
            }

            string literal = template!.LiteralText;
            if (ShownText.Problem(literal) is { } unshown)
            {
                // The same check as every other text a person reads: a tab or ESC in a line would end or corrupt the frame.
                r.Report(t.At, $"{mf}.text", $"must be plain text the display shows as written: {unshown}");
                continue;
            }

            if (encoder.GetString(encoder.GetBytes(literal)) != literal)
            {
                r.Report(t.At, $"{mf}.text", $"\"{literal}\" cannot be shown in {encoding}; use gb2312 or gb18030 for Chinese");
                continue;
            }

            if (branch is not null)
            {
                foreach (string sid in template.ServiceIds)
                {
                    if (IndexOfService(sid) < 0)
                    {
                        r.Report(t.At, $"{mf}.text", $"{{waiting.{sid}}}: unknown service \"{sid}\" (known: {string.Join(", ", branch.Services.Select(s => s.Id))})");
                    }
                }
            }

            messages[Enum.Parse<DisplayMessageKind>(kindName, ignoreCase: true)] = template;
        }

        foreach (string required in new[] { "call", "idle" })
        {
            if (!messages.ContainsKey(Enum.Parse<DisplayMessageKind>(required, ignoreCase: true)) && !r.Problems.Any(p => p.Field?.StartsWith($"messages.{required}", StringComparison.Ordinal) == true))
            {
                r.Report(m.At, "messages", $"the \"{required}\" message is required");
            }
        }

        RecallAction recall = RecallOf(keys, messages, frame);
        if (frame is null)
        {
            return null;
        }

        return new Model(name, "display", serial) { Display = new DisplayModel(name, encoding, frame, messages) { Serial = serial, Recall = recall } };
    }

    private List<FrameElement>? ReadFrame(Dictionary<string, Slot> keys, YamlMappingNode root)
    {
        if (r.NonEmptyList(keys, "frame", new Slot("", root.Start, root), "a display needs its frame: a list of elements (bytes, address, length, text, checksum, line, blink)") is not { } seq)
        {
            return null;
        }

        int before = r.Problems.Count;
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var raw = new List<(string Kind, string Field, Mark At, Dictionary<string, Slot> Opts, YamlNode Value, string Name)>();
        foreach ((int i, string ef, YamlMappingNode el) in r.Entries(seq, "frame", "each element is one of bytes:, address:, length:, text:, checksum:, line:, blink: (with name: optional)"))
        {
            var ek = r.Keys(el, ef, [.. s_elementKinds, "name"]);
            string[] kinds = [.. ek.Keys.Where(k => k != "name")];
            if (kinds.Length != 1)
            {
                r.Report(el.Start, ef, $"each element is exactly one of {string.Join(", ", s_elementKinds)} (got {(kinds.Length == 0 ? "none" : string.Join(", ", kinds))})");
                continue;
            }

            string kind = kinds[0];
            string name = Text(ek, "name") ?? kind switch
            {
                "text" => names.ContainsKey("text") ? $"text{i.ToString(CultureInfo.InvariantCulture)}" : "text",
                _ => names.ContainsKey(kind) ? $"{kind}{i.ToString(CultureInfo.InvariantCulture)}" : kind,
            };
            if (!names.TryAdd(name, i))
            {
                r.Report(ek.TryGetValue("name", out var nn) ? nn.At : el.Start, $"{ef}.name", $"name \"{name}\" is used by frame[{names[name]}] too");
            }

            YamlNode value = ek[kind].Node;
            var opts = value is YamlMappingNode om ? r.Keys(om, $"{ef}.{kind}", OptionKeys(kind)) : [];
            raw.Add((kind, $"{ef}.{kind}", ek[kind].At, opts, value, name));
        }

        if (r.Problems.Count > before)
        {
            return null;
        }

        if (raw.Count == 0 || raw[0].Kind != "bytes")
        {
            r.Report(seq.Start, "frame[0]", "a frame must start with fixed bytes (a start byte), so a controller can find where a frame begins");
        }

        var elements = new List<FrameElement>();
        for (int i = 0; i < raw.Count; i++)
        {
            var (kind, ef, at, o, value, name) = raw[i];
            switch (kind)
            {
                case "bytes":
                    byte[]? bytes = Bytes(value, ef);
                    if (bytes is { Length: 0 })
                    {
                        r.Report(at, ef, "needs at least one byte");
                    }

                    elements.Add(new FrameElement { Kind = FrameElementKind.Bytes, Name = name, Bytes = bytes ?? [] });
                    break;
                case "blink":
                    byte[]? on = o.TryGetValue("on", out var onv) ? Bytes(onv.Node, $"{ef}.on") : null;
                    byte[]? off = o.TryGetValue("off", out var offv) ? Bytes(offv.Node, $"{ef}.off") : null;
                    if (on is null || off is null)
                    {
                        r.Report(at, ef, "needs on: and off: bytes, e.g. `{on: [0x31], off: [0x30]}`");
                    }

                    elements.Add(new FrameElement { Kind = FrameElementKind.Blink, Name = name, Bytes = on ?? [], BytesOff = off ?? [] });
                    break;
                case "address":
                case "line":
                    elements.Add(new FrameElement
                    {
                        Kind = kind == "address" ? FrameElementKind.Address : FrameElementKind.LineNumber,
                        Name = name,
                        Number = Number(o, ef, at, 1),
                        LineBase = Int(o, "base", 0, 1) ?? 1,
                    });
                    break;
                case "length":
                    (int from, int to) = Range(o, ef, at, names, i, allowAfter: true);
                    elements.Add(new FrameElement { Kind = FrameElementKind.Length, Name = name, Number = Number(o, ef, at, 1), From = from, To = to, Add = Int(o, "add", -255, 255) ?? 0 });
                    break;
                case "checksum":
                    (ChecksumKind kindValue, CrcAlgorithm? crc) = ChecksumOf(o, ef, at);
                    NumberLayout layout = Number(o, ef, at, 1, checksumBits: DisplayModel.ChecksumBits(kindValue, crc));
                    (int cf, int ct) = Range(o, ef, at, names, i, allowAfter: false);
                    elements.Add(new FrameElement { Kind = FrameElementKind.Checksum, Name = name, Number = layout, Checksum = kindValue, Crc = crc, From = cf, To = ct });
                    break;
                default:
                    int width = Int(o, "width", 0, 255) ?? 0;
                    int line = Int(o, "line", 1, 32) ?? 0;
                    string align = Text(o, "align") ?? "left";
                    if (align is not ("left" or "center" or "right"))
                    {
                        r.Report(o["align"].At, $"{ef}.align", $"must be left, center or right (got \"{align}\")");
                    }

                    byte[]? pad = o.TryGetValue("pad", out var pv) ? Bytes(pv.Node, $"{ef}.pad") : [(byte)' '];
                    if (pad is not null && pad.Length != 1)
                    {
                        r.Report(pv.At, $"{ef}.pad", "must be one byte, e.g. 0x20");
                    }

                    elements.Add(new FrameElement
                    {
                        Kind = FrameElementKind.Text,
                        Name = name,
                        Width = width,
                        Line = line,
                        Align = align == "center" ? TextAlign.Center : align == "right" ? TextAlign.Right : TextAlign.Left,
                        Pad = pad is { Length: 1 } ? pad[0] : (byte)' ',
                    });
                    break;
            }
        }

        bool perLine = elements.Any(e => e.Kind == FrameElementKind.LineNumber);
        if (!elements.Any(e => e.Kind == FrameElementKind.Text))
        {
            r.Report(seq.Start, "frame", "a frame needs at least one text element");
        }

        for (int i = 0; i < elements.Count; i++)
        {
            FrameElement e = elements[i];
            string ef = raw[i].Field;
            if (e.Kind == FrameElementKind.Text && perLine && e.Line != 0)
            {
                r.Report(raw[i].At, $"{ef}.line", "a frame with a line number field carries the frame's own line: leave out line:");
            }

            if (e.Kind == FrameElementKind.Text && !perLine && e.Line == 0)
            {
                elements[i] = e with { Line = 1 };
            }

            if (e.Kind == FrameElementKind.Text && e.Width == 0
                && !elements.Take(i).Any(l => l.Kind == FrameElementKind.Length && l.From <= i && l.To >= i
                    && Enumerable.Range(l.From, l.To - l.From + 1).All(k => k == i || DisplayModel.FixedSize(elements[k]) >= 0)))
            {
                r.Report(raw[i].At, $"{ef}.width", "text without a width needs a length field before it that covers it (and only fixed-size elements besides)");
            }
        }

        return r.Problems.Count > before ? null : elements;
    }

    private static string[] OptionKeys(string kind) => kind switch
    {
        "address" or "line" => ["format", "size", "order", "case", "base"],
        "length" => ["format", "size", "order", "case", "from", "to", "add"],
        "checksum" => ["kind", "crc", "format", "order", "case", "from", "to"],
        "text" => ["width", "line", "align", "pad"],
        "blink" => ["on", "off"],
        _ => [],
    };

    private NumberLayout Number(Dictionary<string, Slot> o, string field, Mark at, int defaultSize, int checksumBits = 0)
    {
        string format = Text(o, "format") ?? "binary";
        NumberFormat f = format switch
        {
            "binary" => NumberFormat.Binary,
            "decimal" => NumberFormat.Decimal,
            "hex" => NumberFormat.Hex,
            _ => NumberFormat.Binary,
        };
        if (format is not ("binary" or "decimal" or "hex"))
        {
            r.Report(o["format"].At, $"{field}.format", $"must be binary, decimal or hex (got \"{format}\")");
        }

        // A checksum's size follows from its bits and format: ceil(bits/8) bytes binary, ceil(bits/4) hex digits, and
        // as many decimal digits as its largest value has (8 bits: 1 byte, 2 hex, 3 decimal; 16: 2, 4, 5; 32: 4, 8, 10).
        int size = checksumBits > 0
            ? f switch
            {
                NumberFormat.Binary => (checksumBits + 7) / 8,
                NumberFormat.Hex => (checksumBits + 3) / 4,
                _ => (((1UL << checksumBits) - 1).ToString(CultureInfo.InvariantCulture)).Length,
            }
            : f == NumberFormat.Binary ? defaultSize : f == NumberFormat.Hex ? defaultSize * 2 : defaultSize * 3;
        if (o.ContainsKey("size"))
        {
            size = Int(o, "size", 1, f == NumberFormat.Binary ? 4 : 10) ?? size;
        }

        string order = Text(o, "order") ?? "high-first";
        if (order is not ("high-first" or "low-first"))
        {
            r.Report(o["order"].At, $"{field}.order", $"must be high-first or low-first (got \"{order}\")");
        }

        string letters = Text(o, "case") ?? "upper";
        if (letters is not ("upper" or "lower"))
        {
            r.Report(o["case"].At, $"{field}.case", $"must be upper or lower (got \"{letters}\")");
        }
        else if (o.ContainsKey("case") && f != NumberFormat.Hex)
        {
            r.Report(o["case"].At, $"{field}.case", $"is the case of hex digits: it needs format: hex (got format: {format})");
        }

        return new NumberLayout(f, size, order == "low-first" ? ByteOrder.LowFirst : ByteOrder.HighFirst, letters == "lower" ? HexCase.Lower : HexCase.Upper);
    }

    private (int From, int To) Range(Dictionary<string, Slot> o, string field, Mark at, Dictionary<string, int> names, int self, bool allowAfter)
    {
        int from = Ref(o, "from", field, at, names);
        int to = Ref(o, "to", field, at, names);
        if (from < 0 || to < 0)
        {
            return (0, 0);
        }

        if (from > to)
        {
            r.Report(o["from"].At, $"{field}.from", "must not come after to:");
        }
        else if (from <= self && self <= to)
        {
            r.Report(o["from"].At, $"{field}.from", "a length or checksum cannot cover itself");
        }
        else if (!allowAfter && to > self)
        {
            r.Report(o["to"].At, $"{field}.to", "a checksum covers elements before it");
        }

        return (from, to);
    }

    private int Ref(Dictionary<string, Slot> o, string key, string field, Mark at, Dictionary<string, int> names)
    {
        string? name = Text(o, key);
        if (name is null)
        {
            r.Report(at, $"{field}.{key}", $"required key \"{key}\" is missing (the name of an element, e.g. `{key}: address`)");
            return -1;
        }

        if (names.TryGetValue(name, out int index))
        {
            return index;
        }

        string? closest = ClosestName.Find(name, names.Keys);
        r.Report(o[key].At, $"{field}.{key}", $"unknown element \"{name}\" (elements: {string.Join(", ", names.Keys)}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
        return -1;
    }

    /// <summary>
    /// Fixed bytes: a list of whole numbers 0..255 (<c>[0x02, 0x41]</c>, the profile's integer grammar) or a string of
    /// hex bytes (<c>"02 41"</c>).
    /// </summary>
    private byte[]? Bytes(YamlNode node, string field)
    {
        var list = new List<byte>();
        bool hexString = node is not YamlSequenceNode;
        IEnumerable<YamlNode> items = node is YamlSequenceNode s ? s.Children : [node];
        foreach (YamlNode item in items)
        {
            string text = item is YamlScalarNode sc ? sc.Value ?? "" : "";
            foreach (string part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                bool read = hexString
                    ? int.TryParse(part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? part[2..] : part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int b)
                    : ProfileScalars.TryParseInteger(part, out b);
                if (!read || b is < 0 or > 255)
                {
                    r.Report(item.Start, field, $"bytes are 0x00..0xFF, as a list `[0x02, 0x41]` or a hex string `\"02 41\"` (got \"{part}\")");
                    return null;
                }

                list.Add((byte)b);
            }
        }

        return [.. list];
    }

    private SerialLineSettings ReadSerial(Dictionary<string, Slot> keys)
    {
        var s = new SerialLineSettings { Path = "" };
        if (!keys.TryGetValue("serial", out var node) || node.Node is not YamlMappingNode map)
        {
            return s;
        }

        var k = r.Keys(map, "serial", s_serialKeys);
        string parity = Text(k, "parity") ?? "none";
        if (parity is not ("none" or "even" or "odd"))
        {
            r.Report(k["parity"].At, "serial.parity", $"must be none, even or odd (got \"{parity}\")");
        }

        int stop = Int(k, "stopBits", 1, 2) ?? 1;
        return s with
        {
            BaudRate = Int(k, "baud", 300, 4_000_000) ?? s.BaudRate,
            DataBits = Int(k, "dataBits", 5, 8) ?? s.DataBits,
            Parity = parity == "even" ? Parity.Even : parity == "odd" ? Parity.Odd : Parity.None,
            StopBits = stop == 2 ? StopBits.Two : StopBits.One,
            WriteTimeout = Ms(k, "writeTimeoutMs", 2000, 10, 60000),
        };
    }

    // ---- values ----

    private DeviceInfo Add(string id, DeviceKind kind, bool register = true)
    {
        var device = new DeviceInfo(_devices.Count, id, kind);
        _devices.Add(device);
        if (register)
        {
            _ids.TryAdd(id, ("", kind == DeviceKind.Printer ? "printer" : kind.ToString()));
        }

        return device;
    }

    private string? Id(Dictionary<string, Slot> keys, YamlMappingNode item, string field)
    {
        string? id = r.Id(r.Required(keys, new Slot(field, item.Start, item), "id", "id: ticket-printer"), upperAllowed: true);
        if (id is null)
        {
            return null;
        }

        if (_ids.TryGetValue(id, out var other) || _devices.Any(d => d.Id == id))
        {
            r.Report(keys["id"].At, $"{field}.id", $"device id \"{id}\" is used twice{(other.Field is { Length: > 0 } f ? $" (also {f})" : "")}");
            return null;
        }

        return id;
    }

    private int IndexOfService(string id)
    {
        for (int i = 0; branch is not null && i < branch.Services.Count; i++)
        {
            if (branch.Services[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private Tier? TierOf(Dictionary<string, Slot> keys, string key, string field)
    {
        string? text = Text(keys, key);
        return text switch
        {
            null => null,
            "normal" => Tier.Normal,
            "priority" => Tier.Priority,
            "vip" => Tier.Vip,
            _ => Bad(keys[key].At, $"{field}.{key}", $"must be normal, priority or vip (got \"{text}\")"),
        };
    }

    private Tier? Bad(Mark at, string field, string message)
    {
        r.Report(at, field, message);
        return null;
    }

    private int? Pin(Dictionary<string, Slot> keys, string key, string field)
    {
        int? pin = Int(keys, key, 0, 1023);
        if (pin is { } p && !_pins.TryAdd(p, $"{field}.{key}"))
        {
            r.Report(keys[key].At, $"{field}.{key}", $"GPIO {p} is already used by {_pins[p]}");
            return null;
        }

        return pin;
    }

    private int RequiredPin(Dictionary<string, Slot> keys, YamlMappingNode item, string field, string key)
    {
        return r.Required(keys, new Slot(field, item.Start, item), key) is null ? -1 : Pin(keys, key, field) ?? -1;
    }

    private TimeSpan Ms(Dictionary<string, Slot> keys, string key, int fallback, int min, int max) =>
        TimeSpan.FromMilliseconds(Int(keys, key, min, max) ?? fallback);

    private int? RequiredInt(Dictionary<string, Slot> keys, YamlMappingNode item, string field, string key, string example, int min, int max)
    {
        return r.Int(r.Required(keys, new Slot(field, item.Start, item), key, example), min, max);
    }

    private int? Int(Dictionary<string, Slot> keys, string key, int min, int max) => r.Int(ProfileReader.Optional(keys, key), min, max);

    private bool? Bool(Dictionary<string, Slot> keys, string key) => r.Bool(ProfileReader.Optional(keys, key));

    private string? RequiredText(Dictionary<string, Slot> keys, YamlMappingNode item, string field, string key, string example)
    {
        return r.Text(r.Required(keys, new Slot(field, item.Start, item), key, example));
    }

    private string? Text(Dictionary<string, Slot> keys, string key) => r.Text(ProfileReader.Optional(keys, key));

    /// <summary>A printer's <c>encoding:</c> (<c>gb18030</c> or <c>gbk</c>), null when not set or wrong (reported).</summary>
    private PrinterEncoding? PrinterEncodingOf(Dictionary<string, Slot> keys, string field)
    {
        if (Text(keys, "encoding") is not { } name)
        {
            return null;
        }

        if (PrinterText.TryParse(name, out PrinterEncoding encoding))
        {
            return encoding;
        }

        r.Report(keys["encoding"].At, field, $"a printer's encoding must be gb18030 or gbk (got \"{name}\")");
        return null;
    }
}
