using System.Globalization;
using System.IO.Ports;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Devices.Printer;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Devices.Profiles;

/// <summary>
/// Reads the hardware sections of a branch profile (<c>devices:</c>, <c>dispensers:</c>, <c>displays:</c>) and the
/// device models they name (<c>hardware-profiles/devices/MODEL.yaml</c>), checking everything: a missing port, an
/// unknown model, an address used twice, a template that cannot work. Problems carry file, line, column and field,
/// in the same form as the branch profile's (hardware-profiles/README.md, "Errors").
/// </summary>
public static partial class DeviceProfileLoader
{
    private static readonly Mark s_fileStart = new(0, 1, 1);
    private static readonly string[] s_sections = ["devices", "dispensers", "displays"];
    private static readonly string[] s_deviceKeys = ["id", "model", "port", "baud", "keypads"];
    private static readonly string[] s_keypadKeys = ["counter", "address", "rating"];
    private static readonly string[] s_dispenserKeys = ["id", "printer", "buttons", "readyLed", "faultLed", "display", "activeLow", "debounceMs", "longPressMs", "lcd"];
    private static readonly string[] s_buttonKeys = ["service", "pin", "tier", "longPressTier"];
    private static readonly string[] s_tmKeys = ["clk", "dio"];
    private static readonly string[] s_displayKeys = ["id", "model", "port", "baud", "address", "counter", "max7219", "buzzer"];
    private static readonly string[] s_kioskKeys = ["printer"];
    private static readonly string[] s_modelKeys =
    [
        "kind", "description", "serial", "ackTimeoutMs", "retries", "duplicateWindowMs", "refreshSeconds", "pollIntervalMs",
        "responseTimeoutMs", "automaticStatusBack", "qrModuleSize", "encoding", "frame", "messages",
    ];

    private static readonly string[] s_serialKeys = ["baud", "dataBits", "parity", "stopBits", "writeTimeoutMs"];
    private static readonly string[] s_elementKinds = ["bytes", "address", "length", "text", "checksum", "line", "blink"];
    private static readonly string[] s_messageKinds = ["call", "recall", "idle", "paused", "away", "closed"];

    /// <summary>
    /// Reads the hardware sections of a branch profile already parsed as YAML. Returns the layout, or
    /// <see cref="BranchHardware.Empty"/> with <paramref name="problems"/> filled when anything is wrong.
    /// </summary>
    /// <param name="branchPath">The branch profile's path as given (problems name it so).</param>
    /// <param name="root">The profile's top-level mapping.</param>
    /// <param name="branch">The branch as read so far (services and counters to check references against).</param>
    /// <param name="problems">Every problem found.</param>
    /// <param name="modelsDirectory">Where device models live; default <c>../devices</c> beside the branch file's folder.</param>
    public static BranchHardware Read(string branchPath, YamlMappingNode root, BranchConfig branch, out IReadOnlyList<DeviceProfileProblem> problems, string? modelsDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(branchPath);
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(branch);
        var reader = new Reader(branchPath, branch, modelsDirectory ?? DefaultModelsDirectory(branchPath));
        BranchHardware hardware = reader.Read(root);
        problems = reader.Problems;
        return problems.Count == 0 ? hardware : BranchHardware.Empty;
    }

    /// <summary>Where a branch profile's device models are looked for: <c>../devices</c> from the branch file's folder.</summary>
    public static string DefaultModelsDirectory(string branchPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(branchPath)) ?? ".";
        return Path.Combine(folder, "..", "devices");
    }

    /// <summary>Reads one display model file (for tools and tests); throws <see cref="InvalidDataException"/> listing problems.</summary>
    public static DisplayModel LoadDisplayModel(string path, BranchConfig? branch = null)
    {
        var reader = new Reader(path, branch, Path.GetDirectoryName(path) ?? ".");
        Model? model = reader.LoadModel(Path.GetFileNameWithoutExtension(path), new Mark(0, 1, 1), "model");
        if (reader.Problems.Count > 0 || model?.Display is null)
        {
            throw new InvalidDataException(string.Join('\n', reader.Problems.Select(Format)));
        }

        return model.Display;
    }

    /// <summary>A problem as one line, <c>file:line:column: field: message</c>.</summary>
    public static string Format(DeviceProfileProblem p)
    {
        ArgumentNullException.ThrowIfNull(p);
        string at = p.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{p.File}:{p.Line}:{p.Column}") : p.File;
        return string.IsNullOrEmpty(p.Field) ? $"{at}: {p.Message}" : $"{at}: {p.Field}: {p.Message}";
    }

    private sealed class Model
    {
        public required string Name { get; init; }

        public required string Kind { get; init; }

        public required SerialLineSettings Serial { get; init; }

        public KeypadBusSettings? Keypad { get; init; }

        public PrinterSettings? Printer { get; init; }

        public DisplayModel? Display { get; init; }
    }

    private sealed partial class Reader(string path, BranchConfig? branch, string modelsDirectory)
    {
        private readonly List<DeviceProfileProblem> _problems = [];
        private readonly Dictionary<string, Model?> _models = new(StringComparer.Ordinal);
        private readonly List<DeviceInfo> _devices = [];
        private readonly Dictionary<string, (string Field, string Kind)> _ids = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _portOwner = new(StringComparer.Ordinal);
        private readonly Dictionary<int, string> _pins = [];
        private string _file = path;

        public List<DeviceProfileProblem> Problems => _problems;

        public BranchHardware Read(YamlMappingNode root)
        {
            var keypadLines = new List<KeypadLineSetup>();
            var printers = new List<PrinterSetup>();
            var dispensers = new List<DispenserSetup>();
            var displays = new List<(DisplaySetup Setup, SerialLineSettings Serial, string Port)>();
            var keypadCounters = new Dictionary<int, string>();

            foreach (string section in s_sections)
            {
                if (Section(root, section) is not { } list)
                {
                    continue;
                }

                for (int i = 0; i < list.Children.Count; i++)
                {
                    string field = $"{section}[{i.ToString(CultureInfo.InvariantCulture)}]";
                    if (list.Children[i] is not YamlMappingNode item)
                    {
                        Report(list.Children[i].Start, field, "each entry must be a set of keys (id:, model:, …)");
                        continue;
                    }

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

            string? kioskPrinter = ReadKiosk(root);
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
        private string? ReadKiosk(YamlMappingNode root)
        {
            foreach ((YamlNode k, YamlNode v) in root.Children)
            {
                if (k is not YamlScalarNode { Value: "kiosk" } || IsNull(v))
                {
                    continue;
                }

                if (v is not YamlMappingNode map)
                {
                    Report(k.Start, "kiosk", "must be a set of keys, e.g. `kiosk: {printer: printer-entrance}`");
                    return null;
                }

                var keys = Keys(map, "kiosk", s_kioskKeys);
                string? printer = RequiredText(keys, map, "kiosk", "printer", "printer: printer-entrance");
                if (printer is not null && (!_ids.TryGetValue(printer, out var owner) || owner.Kind is not ("printer" or "unknown")))
                {
                    string known = string.Join(", ", _ids.Where(p => p.Value.Kind == "printer").Select(p => p.Key));
                    string? closest = Closest(printer, _ids.Where(p => p.Value.Kind == "printer").Select(p => p.Key));
                    Report(keys["printer"].At, "kiosk.printer", $"no printer \"{printer}\" in devices (printers: {(known.Length == 0 ? "none" : known)}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
                    return null;
                }

                return printer;
            }

            return null;
        }

        // ---- sections ----

        private void ReadDevice(YamlMappingNode item, string field, List<KeypadLineSetup> lines, List<PrinterSetup> printers, Dictionary<int, string> keypadCounters)
        {
            Dictionary<string, (Mark At, YamlNode Node)> keys = Keys(item, field, s_deviceKeys);
            string? id = Id(keys, item, field);
            Model? model = ModelOf(keys, item, field, "keypad", "printer");
            string? port = Port(keys, item, field, id);
            if (id is not null && model is null)
            {
                // Known by id, so what refers to it is not reported again for the model's problem.
                _ids[id] = (field, "unknown");
            }

            SerialLineSettings? serial = model is null || port is null ? null : model.Serial with { Path = port, BaudRate = Int(keys, "baud", field, 1, 4_000_000) ?? model.Serial.BaudRate };
            if (model?.Kind == "printer")
            {
                if (keys.ContainsKey("keypads"))
                {
                    Report(keys["keypads"].At, $"{field}.keypads", "a printer has no keypads");
                }

                if (id is not null && serial is not null)
                {
                    var device = Add(id, DeviceKind.Printer);
                    printers.Add(new PrinterSetup(device, serial, model.Printer!));
                }

                return;
            }

            if (model?.Kind != "keypad")
            {
                return;
            }

            if (!keys.TryGetValue("keypads", out var list) || list.Node is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                Report(keys.TryGetValue("keypads", out var k) ? k.At : item.Start, $"{field}.keypads", "a keypad line needs its keypads: a list of `- {counter: 3, address: 3}`");
                return;
            }

            DeviceInfo? lineDevice = id is null ? null : Add(id, DeviceKind.SerialLine);
            var keypads = new List<KeypadAssignment>();
            var addresses = new Dictionary<int, string>();
            for (int j = 0; j < seq.Children.Count; j++)
            {
                string kf = $"{field}.keypads[{j.ToString(CultureInfo.InvariantCulture)}]";
                if (seq.Children[j] is not YamlMappingNode kp)
                {
                    Report(seq.Children[j].Start, kf, "must be a set of keys (counter:, address:)");
                    continue;
                }

                var kk = Keys(kp, kf, s_keypadKeys);
                int? counter = RequiredInt(kk, kp, kf, "counter", "counter: 3", 1, 999);
                int? address = RequiredInt(kk, kp, kf, "address", "address: 3", 1, 254);
                bool rating = Bool(kk, "rating", kf) ?? false;
                if (counter is { } c && branch is not null && !branch.Counters.Any(x => x.Number == c))
                {
                    Report(kk["counter"].At, $"{kf}.counter", $"counter {c} is not in this branch's counters");
                    counter = null;
                }

                if (address is { } a && !addresses.TryAdd(a, kf))
                {
                    Report(kk["address"].At, $"{kf}.address", $"address {a} is used twice on this line (also {addresses[a]})");
                    address = null;
                }

                if (counter is { } cc && !rating && !keypadCounters.TryAdd(cc, kf))
                {
                    Report(kk["counter"].At, $"{kf}.counter", $"counter {cc} already has a keypad ({keypadCounters[cc]})");
                    counter = null;
                }

                if (counter is { } n && address is { } ad && id is not null)
                {
                    DeviceInfo device = Add($"{id}/{(rating ? "rating" : "keypad")}-{n.ToString(CultureInfo.InvariantCulture)}", rating ? DeviceKind.RatingPad : DeviceKind.Keypad, register: false);
                    keypads.Add(new KeypadAssignment(device, (byte)ad, n, rating));
                }
            }

            if (lineDevice is { } ld && serial is not null)
            {
                lines.Add(new KeypadLineSetup(ld, serial, model.Keypad!, keypads));
            }
        }

        private void ReadDispenser(YamlMappingNode item, string field, List<DispenserSetup> dispensers)
        {
            var keys = Keys(item, field, s_dispenserKeys);
            string? id = Id(keys, item, field);
            string? printer = Text(keys, "printer", field);
            if (printer is not null && (!_ids.TryGetValue(printer, out var owner) || owner.Kind is not ("printer" or "unknown")))
            {
                string known = string.Join(", ", _ids.Where(p => p.Value.Kind == "printer").Select(p => p.Key));
                Report(keys["printer"].At, $"{field}.printer", $"no printer \"{printer}\" in devices (printers: {(known.Length == 0 ? "none" : known)})");
                printer = null;
            }

            var buttons = new List<DispenserButton>();
            var pins = new List<int>();
            if (!keys.TryGetValue("buttons", out var list) || list.Node is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                Report(keys.TryGetValue("buttons", out var b) ? b.At : item.Start, $"{field}.buttons", "a dispenser needs its buttons: a list of `- {service: cash, pin: 17}`");
            }
            else
            {
                for (int j = 0; j < seq.Children.Count; j++)
                {
                    string bf = $"{field}.buttons[{j.ToString(CultureInfo.InvariantCulture)}]";
                    if (seq.Children[j] is not YamlMappingNode bn)
                    {
                        Report(seq.Children[j].Start, bf, "must be a set of keys (service:, pin:)");
                        continue;
                    }

                    var bk = Keys(bn, bf, s_buttonKeys);
                    string? service = RequiredText(bk, bn, bf, "service", "service: cash");
                    int serviceIndex = -1;
                    if (service is not null && branch is not null)
                    {
                        serviceIndex = IndexOfService(service);
                        if (serviceIndex < 0)
                        {
                            string? closest = Closest(service, branch.Services.Select(s => s.Id));
                            Report(bk["service"].At, $"{bf}.service", $"unknown service \"{service}\" (known: {string.Join(", ", branch.Services.Select(s => s.Id))}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
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
                    var dk = Keys(dm, $"{field}.display", s_tmKeys);
                    clk = RequiredPin(dk, dm, $"{field}.display", "clk");
                    dio = RequiredPin(dk, dm, $"{field}.display", "dio");
                }
                else
                {
                    Report(display.At, $"{field}.display", "must be the TM1637's pins: `{clk: 5, dio: 6}`");
                }
            }

            bool activeLow = Bool(keys, "activeLow", field) ?? true;
            int debounce = Int(keys, "debounceMs", field, 1, 1000) ?? 30;
            int longPress = Int(keys, "longPressMs", field, 100, 10000) ?? 1500;
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
            var keys = Keys(item, field, s_displayKeys);
            if (ReadBindingDisplay(keys, item, field))
            {
                return;
            }

            string? id = Id(keys, item, field);
            Model? model = ModelOf(keys, item, field, "display");
            string? port = Port(keys, item, field, id, shareable: true);
            int? address = RequiredInt(keys, item, field, "address", "address: 3", 0, int.MaxValue);
            int counter = 0;
            if (keys.ContainsKey("counter"))
            {
                counter = Int(keys, "counter", field, 1, 999) ?? 0;
                if (counter > 0 && branch is not null && !branch.Counters.Any(c => c.Number == counter))
                {
                    Report(keys["counter"].At, $"{field}.counter", $"counter {counter} is not in this branch's counters");
                }
            }

            if (model?.Display is not { } dm || port is null || address is not { } a || id is null)
            {
                return;
            }

            FrameElement? addressField = dm.Frame.FirstOrDefault(e => e.Kind == FrameElementKind.Address);
            if (addressField is not null && a > addressField.Number.MaxValue)
            {
                Report(keys["address"].At, $"{field}.address", $"model {dm.Name} has room for addresses up to {addressField.Number.MaxValue} (got {a})");
                return;
            }

            foreach ((DisplaySetup other, SerialLineSettings serial, string otherPort) in displays)
            {
                if (otherPort == port && other.Address == a)
                {
                    Report(keys["address"].At, $"{field}.address", $"address {a} on {port} is already used by display \"{other.Device.Id}\"");
                    return;
                }

                if (otherPort == port && serial.BaudRate != (Int(keys, "baud", field, 1, 4_000_000) ?? dm.Serial.BaudRate))
                {
                    Report(keys["port"].At, $"{field}.port", $"displays on {port} must share one baud rate (display \"{other.Device.Id}\" uses {serial.BaudRate})");
                    return;
                }
            }

            DeviceInfo device = Add(id, DeviceKind.Display);
            SerialLineSettings lineSettings = dm.Serial with { Path = port, BaudRate = Int(keys, "baud", field, 1, 4_000_000) ?? dm.Serial.BaudRate };
            displays.Add((new DisplaySetup(device, a, dm, counter), lineSettings, port));
        }

        // ---- models ----

        private Model? ModelOf(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field, params string[] kinds)
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
                Report(at, $"{field}.model", $"model \"{name}\" is a {model.Kind}, not a {string.Join(" or ", kinds)}");
                return null;
            }

            return model;
        }

        public Model? LoadModel(string name, Mark at, string field)
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
                string? closest = Closest(name, known);
                Report(at, field, $"unknown model \"{name}\" (no {Path.GetFullPath(file)}; known: {(known.Length == 0 ? "none" : string.Join(", ", known))}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
                _models[name] = null;
                return null;
            }

            string saved = _file;
            string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
            _file = relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(file) : relative;
            try
            {
                Model? model = ParseModel(name, file);
                _models[name] = model;
                return model;
            }
            finally
            {
                _file = saved;
            }
        }

        private Model? ParseModel(string name, string file)
        {
            // The same reading as the branch profile's: strict UTF-8, every parser failure a positioned problem.
            if (YamlFile.Load(file, out YamlFileProblem problem) is not { } stream)
            {
                Report(problem.At.Line > 0 ? problem.At : s_fileStart, null, problem.Message);
                return null;
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Report(stream.Documents.Count == 0 ? s_fileStart : stream.Documents[0].RootNode.Start, null, "a device model must be a set of keys (kind:, serial:, …)");
                return null;
            }

            if (stream.Documents.Count > 1)
            {
                Report(stream.Documents[1].RootNode.Start, null, "only one YAML document is allowed in a device model (remove the '---' line)");
                return null;
            }

            int before = _problems.Count;
            var keys = Keys(root, "", s_modelKeys);
            string? kind = RequiredText(keys, root, "", "kind", "kind: display");
            if (kind is not null and not ("keypad" or "printer" or "display"))
            {
                Report(keys["kind"].At, "kind", $"must be keypad, printer or display (got \"{kind}\")");
                return null;
            }

            SerialLineSettings serial = ReadSerial(keys);
            Model? model = kind switch
            {
                "keypad" => new Model
                {
                    Name = name,
                    Kind = kind,
                    Serial = serial,
                    Keypad = new KeypadBusSettings
                    {
                        AckTimeout = Ms(keys, "ackTimeoutMs", 200, 10, 5000),
                        Retries = Int(keys, "retries", "", 0, 10) ?? 2,
                        DuplicateWindow = Ms(keys, "duplicateWindowMs", 1000, 0, 10000),
                        RefreshInterval = TimeSpan.FromSeconds(Int(keys, "refreshSeconds", "", 1, 3600) ?? 30),
                    },
                },
                "printer" => new Model
                {
                    Name = name,
                    Kind = kind,
                    Serial = serial,
                    Printer = new PrinterSettings
                    {
                        PollInterval = Ms(keys, "pollIntervalMs", 2000, 100, 60000),
                        ResponseTimeout = Ms(keys, "responseTimeoutMs", 500, 10, 10000),
                        AutomaticStatusBack = Bool(keys, "automaticStatusBack", "") ?? true,
                        QrModuleSize = (byte)(Int(keys, "qrModuleSize", "", 1, 16) ?? 6),
                    },
                },
                "display" => ReadDisplayModel(name, keys, root, serial),
                _ => null,
            };
            return _problems.Count > before ? null : model;
        }

        private Model? ReadDisplayModel(string name, Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode root, SerialLineSettings serial)
        {
            string encoding = Text(keys, "encoding", "") ?? "ascii";
            if (DisplayModel.EncodingFor(encoding) is null)
            {
                Report(keys["encoding"].At, "encoding", $"must be ascii, gb2312 or gb18030 (got \"{encoding}\")");
                return null;
            }

            List<FrameElement>? frame = ReadFrame(keys, root);
            var messages = new Dictionary<DisplayMessageKind, MessageTemplate>();
            if (!keys.TryGetValue("messages", out var m) || m.Node is not YamlMappingNode mm)
            {
                Report(keys.TryGetValue("messages", out var mk) ? mk.At : root.Start, "messages", "a display needs its messages: call, recall, idle, paused (each `{text: [\"{number}\"], blink: true}`)");
                return null;
            }

            var encoder = DisplayModel.EncodingFor(encoding)!;
            foreach (var (kindName, (at, node)) in Keys(mm, "messages", s_messageKinds))
            {
                string mf = $"messages.{kindName}";
                if (node is not YamlMappingNode msg)
                {
                    Report(at, mf, "must be `{text: [\"line 1\", …], blink: true|false}`");
                    continue;
                }

                var mk2 = Keys(msg, mf, ["text", "blink"]);
                List<string> lines = [];
                if (!mk2.TryGetValue("text", out var t) || t.Node is not YamlSequenceNode ts || ts.Children.Count == 0)
                {
                    Report(mk2.TryGetValue("text", out var t2) ? t2.At : at, $"{mf}.text", "needs one or more lines: `text: [\"{number}\"]`");
                    continue;
                }

                foreach (YamlNode line in ts.Children)
                {
                    lines.Add(line is YamlScalarNode s ? s.Value ?? "" : "");
                }

                if (!MessageTemplate.TryParse(lines, Bool(mk2, "blink", mf) ?? false, out MessageTemplate? template, out string? error))
                {
                    Report(t.At, $"{mf}.text", error!);
                    continue;
                }

                string literal = template!.LiteralText;
                if (encoder.GetString(encoder.GetBytes(literal)) != literal)
                {
                    Report(t.At, $"{mf}.text", $"\"{literal}\" cannot be shown in {encoding}; use gb2312 or gb18030 for Chinese");
                    continue;
                }

                if (branch is not null)
                {
                    foreach (string sid in template.ServiceIds)
                    {
                        if (IndexOfService(sid) < 0)
                        {
                            Report(t.At, $"{mf}.text", $"{{waiting.{sid}}}: unknown service \"{sid}\" (known: {string.Join(", ", branch.Services.Select(s => s.Id))})");
                        }
                    }
                }

                messages[Enum.Parse<DisplayMessageKind>(kindName, ignoreCase: true)] = template;
            }

            foreach (string required in new[] { "call", "idle" })
            {
                if (!messages.ContainsKey(Enum.Parse<DisplayMessageKind>(required, ignoreCase: true)) && !_problems.Any(p => p.Field?.StartsWith($"messages.{required}", StringComparison.Ordinal) == true))
                {
                    Report(m.At, "messages", $"the \"{required}\" message is required");
                }
            }

            if (frame is null)
            {
                return null;
            }

            return new Model
            {
                Name = name,
                Kind = "display",
                Serial = serial,
                Display = new DisplayModel(name, encoding, frame, messages) { Serial = serial },
            };
        }

        private List<FrameElement>? ReadFrame(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode root)
        {
            if (!keys.TryGetValue("frame", out var f) || f.Node is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                Report(keys.TryGetValue("frame", out var fk) ? fk.At : root.Start, "frame", "a display needs its frame: a list of elements (bytes, address, length, text, checksum, line, blink)");
                return null;
            }

            int before = _problems.Count;
            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            var raw = new List<(string Kind, string Field, Mark At, Dictionary<string, (Mark At, YamlNode Node)> Opts, YamlNode Value, string Name)>();
            for (int i = 0; i < seq.Children.Count; i++)
            {
                string ef = $"frame[{i.ToString(CultureInfo.InvariantCulture)}]";
                if (seq.Children[i] is not YamlMappingNode el)
                {
                    Report(seq.Children[i].Start, ef, "each element is one of bytes:, address:, length:, text:, checksum:, line:, blink: (with name: optional)");
                    continue;
                }

                var ek = Keys(el, ef, [.. s_elementKinds, "name"]);
                string[] kinds = [.. ek.Keys.Where(k => k != "name")];
                if (kinds.Length != 1)
                {
                    Report(el.Start, ef, $"each element is exactly one of {string.Join(", ", s_elementKinds)} (got {(kinds.Length == 0 ? "none" : string.Join(", ", kinds))})");
                    continue;
                }

                string kind = kinds[0];
                string name = Text(ek, "name", ef) ?? kind switch
                {
                    "text" => names.ContainsKey("text") ? $"text{i.ToString(CultureInfo.InvariantCulture)}" : "text",
                    _ => names.ContainsKey(kind) ? $"{kind}{i.ToString(CultureInfo.InvariantCulture)}" : kind,
                };
                if (!names.TryAdd(name, i))
                {
                    Report(ek.TryGetValue("name", out var nn) ? nn.At : el.Start, $"{ef}.name", $"name \"{name}\" is used by frame[{names[name]}] too");
                }

                YamlNode value = ek[kind].Node;
                var opts = value is YamlMappingNode om ? Keys(om, $"{ef}.{kind}", OptionKeys(kind)) : [];
                raw.Add((kind, $"{ef}.{kind}", ek[kind].At, opts, value, name));
            }

            if (_problems.Count > before)
            {
                return null;
            }

            if (raw.Count == 0 || raw[0].Kind != "bytes")
            {
                Report(seq.Start, "frame[0]", "a frame must start with fixed bytes (a start byte), so a controller can find where a frame begins");
            }

            var elements = new List<FrameElement>();
            for (int i = 0; i < raw.Count; i++)
            {
                var (kind, ef, at, o, value, name) = raw[i];
                switch (kind)
                {
                    case "bytes":
                        byte[]? bytes = Bytes(value, at, ef);
                        if (bytes is { Length: 0 })
                        {
                            Report(at, ef, "needs at least one byte");
                        }

                        elements.Add(new FrameElement { Kind = FrameElementKind.Bytes, Name = name, Bytes = bytes ?? [] });
                        break;
                    case "blink":
                        byte[]? on = o.TryGetValue("on", out var onv) ? Bytes(onv.Node, onv.At, $"{ef}.on") : null;
                        byte[]? off = o.TryGetValue("off", out var offv) ? Bytes(offv.Node, offv.At, $"{ef}.off") : null;
                        if (on is null || off is null)
                        {
                            Report(at, ef, "needs on: and off: bytes, e.g. `{on: [0x31], off: [0x30]}`");
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
                            LineBase = Int(o, "base", ef, 0, 1) ?? 1,
                        });
                        break;
                    case "length":
                        (int from, int to) = Range(o, ef, at, names, i, allowAfter: true);
                        elements.Add(new FrameElement { Kind = FrameElementKind.Length, Name = name, Number = Number(o, ef, at, 1), From = from, To = to, Add = Int(o, "add", ef, -255, 255) ?? 0 });
                        break;
                    case "checksum":
                        string ck = Text(o, "kind", ef) ?? "";
                        ChecksumKind? kindValue = ck switch
                        {
                            "none" => ChecksumKind.None,
                            "sum8" => ChecksumKind.Sum8,
                            "xor8" => ChecksumKind.Xor8,
                            "crc16-modbus" => ChecksumKind.Crc16Modbus,
                            _ => null,
                        };
                        if (kindValue is null)
                        {
                            Report(o.TryGetValue("kind", out var kv) ? kv.At : at, $"{ef}.kind", $"must be none, sum8, xor8 or crc16-modbus (got \"{ck}\")");
                        }

                        bool wide = kindValue == ChecksumKind.Crc16Modbus;
                        NumberLayout layout = Number(o, ef, at, wide ? 2 : 1, checksumWide: wide);
                        (int cf, int ct) = Range(o, ef, at, names, i, allowAfter: false);
                        elements.Add(new FrameElement { Kind = FrameElementKind.Checksum, Name = name, Number = layout, Checksum = kindValue ?? ChecksumKind.None, From = cf, To = ct });
                        break;
                    default:
                        int width = Int(o, "width", ef, 0, 255) ?? 0;
                        int line = Int(o, "line", ef, 1, 32) ?? 0;
                        string align = Text(o, "align", ef) ?? "left";
                        if (align is not ("left" or "center" or "right"))
                        {
                            Report(o["align"].At, $"{ef}.align", $"must be left, center or right (got \"{align}\")");
                        }

                        byte[]? pad = o.TryGetValue("pad", out var pv) ? Bytes(pv.Node, pv.At, $"{ef}.pad") : [(byte)' '];
                        if (pad is not null && pad.Length != 1)
                        {
                            Report(pv.At, $"{ef}.pad", "must be one byte, e.g. 0x20");
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
                Report(seq.Start, "frame", "a frame needs at least one text element");
            }

            for (int i = 0; i < elements.Count; i++)
            {
                FrameElement e = elements[i];
                string ef = raw[i].Field;
                if (e.Kind == FrameElementKind.Text && perLine && e.Line != 0)
                {
                    Report(raw[i].At, $"{ef}.line", "a frame with a line number field carries the frame's own line: leave out line:");
                }

                if (e.Kind == FrameElementKind.Text && !perLine && e.Line == 0)
                {
                    elements[i] = e with { Line = 1 };
                }

                if (e.Kind == FrameElementKind.Text && e.Width == 0
                    && !elements.Take(i).Any(l => l.Kind == FrameElementKind.Length && l.From <= i && l.To >= i
                        && Enumerable.Range(l.From, l.To - l.From + 1).All(k => k == i || DisplayModel.FixedSize(elements[k]) >= 0)))
                {
                    Report(raw[i].At, $"{ef}.width", "text without a width needs a length field before it that covers it (and only fixed-size elements besides)");
                }
            }

            return _problems.Count > before ? null : elements;
        }

        private static string[] OptionKeys(string kind) => kind switch
        {
            "address" or "line" => ["format", "size", "order", "base"],
            "length" => ["format", "size", "order", "from", "to", "add"],
            "checksum" => ["kind", "format", "order", "from", "to"],
            "text" => ["width", "line", "align", "pad"],
            "blink" => ["on", "off"],
            _ => [],
        };

        private NumberLayout Number(Dictionary<string, (Mark At, YamlNode Node)> o, string field, Mark at, int defaultSize, bool checksumWide = false)
        {
            string format = Text(o, "format", field) ?? "binary";
            NumberFormat f = format switch
            {
                "binary" => NumberFormat.Binary,
                "decimal" => NumberFormat.Decimal,
                "hex" => NumberFormat.Hex,
                _ => NumberFormat.Binary,
            };
            if (format is not ("binary" or "decimal" or "hex"))
            {
                Report(o["format"].At, $"{field}.format", $"must be binary, decimal or hex (got \"{format}\")");
            }

            // A checksum's size follows from its kind and format: 1 or 2 bytes binary, 2 or 4 hex digits, 3 or 5 decimal digits.
            int size = checksumWide
                ? f switch { NumberFormat.Binary => 2, NumberFormat.Hex => 4, _ => 5 }
                : f == NumberFormat.Binary ? defaultSize : f == NumberFormat.Hex ? defaultSize * 2 : defaultSize * 3;
            if (o.ContainsKey("size"))
            {
                size = Int(o, "size", field, 1, f == NumberFormat.Binary ? 4 : 10) ?? size;
            }

            string order = Text(o, "order", field) ?? "high-first";
            if (order is not ("high-first" or "low-first"))
            {
                Report(o["order"].At, $"{field}.order", $"must be high-first or low-first (got \"{order}\")");
            }

            return new NumberLayout(f, size, order == "low-first" ? ByteOrder.LowFirst : ByteOrder.HighFirst);
        }

        private (int From, int To) Range(Dictionary<string, (Mark At, YamlNode Node)> o, string field, Mark at, Dictionary<string, int> names, int self, bool allowAfter)
        {
            int from = Ref(o, "from", field, at, names);
            int to = Ref(o, "to", field, at, names);
            if (from < 0 || to < 0)
            {
                return (0, 0);
            }

            if (from > to)
            {
                Report(o["from"].At, $"{field}.from", "must not come after to:");
            }
            else if (from <= self && self <= to)
            {
                Report(o["from"].At, $"{field}.from", "a length or checksum cannot cover itself");
            }
            else if (!allowAfter && to > self)
            {
                Report(o["to"].At, $"{field}.to", "a checksum covers elements before it");
            }

            return (from, to);
        }

        private int Ref(Dictionary<string, (Mark At, YamlNode Node)> o, string key, string field, Mark at, Dictionary<string, int> names)
        {
            string? name = Text(o, key, field);
            if (name is null)
            {
                Report(at, $"{field}.{key}", $"required key \"{key}\" is missing (the name of an element, e.g. `{key}: address`)");
                return -1;
            }

            if (names.TryGetValue(name, out int index))
            {
                return index;
            }

            string? closest = Closest(name, names.Keys);
            Report(o[key].At, $"{field}.{key}", $"unknown element \"{name}\" (elements: {string.Join(", ", names.Keys)}){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
            return -1;
        }

        private byte[]? Bytes(YamlNode node, Mark at, string field)
        {
            var list = new List<byte>();
            IEnumerable<YamlNode> items = node is YamlSequenceNode s ? s.Children : [node];
            foreach (YamlNode item in items)
            {
                string text = item is YamlScalarNode sc ? sc.Value ?? "" : "";
                foreach (string part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    string digits = part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? part[2..] : part;
                    bool hex = part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || node is not YamlSequenceNode;
                    if (!int.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b is < 0 or > 255)
                    {
                        Report(item.Start, field, $"bytes are 0x00..0xFF, as a list `[0x02, 0x41]` or a hex string `\"02 41\"` (got \"{part}\")");
                        return null;
                    }

                    list.Add((byte)b);
                }
            }

            return [.. list];
        }

        private SerialLineSettings ReadSerial(Dictionary<string, (Mark At, YamlNode Node)> keys)
        {
            var s = new SerialLineSettings { Path = "" };
            if (!keys.TryGetValue("serial", out var node) || node.Node is not YamlMappingNode map)
            {
                return s;
            }

            var k = Keys(map, "serial", s_serialKeys);
            string parity = Text(k, "parity", "serial") ?? "none";
            if (parity is not ("none" or "even" or "odd"))
            {
                Report(k["parity"].At, "serial.parity", $"must be none, even or odd (got \"{parity}\")");
            }

            int stop = Int(k, "stopBits", "serial", 1, 2) ?? 1;
            return s with
            {
                BaudRate = Int(k, "baud", "serial", 300, 4_000_000) ?? s.BaudRate,
                DataBits = Int(k, "dataBits", "serial", 5, 8) ?? s.DataBits,
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

        private string? Id(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field)
        {
            string? id = RequiredText(keys, item, field, "id", "id: ticket-printer");
            if (id is null)
            {
                return null;
            }

            bool valid = id.Length is > 0 and <= 64 && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
            if (!valid)
            {
                Report(keys["id"].At, $"{field}.id", $"must be 1 to 64 letters, digits, '-', '_' and '.', starting with a letter or digit (got \"{id}\")");
                return null;
            }

            if (_ids.TryGetValue(id, out var other) || _devices.Any(d => d.Id == id))
            {
                Report(keys["id"].At, $"{field}.id", $"device id \"{id}\" is used twice{(other.Field is { Length: > 0 } f ? $" (also {f})" : "")}");
                return null;
            }

            return id;
        }

        private string? Port(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field, string? id, bool shareable = false)
        {
            string? port = RequiredText(keys, item, field, "port", "port: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1ABC-if00-port0");
            if (port is null)
            {
                return null;
            }

            if (!port.StartsWith('/'))
            {
                Report(keys["port"].At, $"{field}.port", $"must be an absolute device path such as /dev/serial/by-id/… or /dev/ttyUSB0 (got \"{port}\")");
                return null;
            }

            string owner = shareable ? "displays" : field;
            if (_portOwner.TryGetValue(port, out string? existing) && !(shareable && existing == "displays"))
            {
                Report(keys["port"].At, $"{field}.port", $"port {port} is already used by {existing}");
                return null;
            }

            _portOwner[port] = owner;
            return port;
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

        private Tier? TierOf(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, string field)
        {
            string? text = Text(keys, key, field);
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
            Report(at, field, message);
            return null;
        }

        private int? Pin(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, string field)
        {
            int? pin = Int(keys, key, field, 0, 1023);
            if (pin is { } p && !_pins.TryAdd(p, $"{field}.{key}"))
            {
                Report(keys[key].At, $"{field}.{key}", $"GPIO {p} is already used by {_pins[p]}");
                return null;
            }

            return pin;
        }

        private int RequiredPin(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field, string key)
        {
            if (!keys.ContainsKey(key))
            {
                Report(item.Start, $"{field}.{key}", $"required key \"{key}\" is missing");
                return -1;
            }

            return Pin(keys, key, field) ?? -1;
        }

        private TimeSpan Ms(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, int fallback, int min, int max) =>
            TimeSpan.FromMilliseconds(Int(keys, key, "", min, max) ?? fallback);

        private int? RequiredInt(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field, string key, string example, int min, int max)
        {
            if (!keys.ContainsKey(key))
            {
                Report(item.Start, $"{field}.{key}", $"required key \"{key}\" is missing (e.g. `{example}`)");
                return null;
            }

            return Int(keys, key, field, min, max);
        }

        private int? Int(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, string field, int min, int max)
        {
            string? text = Text(keys, key, field);
            if (text is null)
            {
                return null;
            }

            string f = field.Length == 0 ? key : $"{field}.{key}";
            bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!int.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                Report(keys[key].At, f, $"must be a whole number (got \"{text}\")");
                return null;
            }

            if (value < min || value > max)
            {
                Report(keys[key].At, f, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max} (got {value})"));
                return null;
            }

            return value;
        }

        private bool? Bool(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, string field)
        {
            string? text = Text(keys, key, field);
            if (text is null)
            {
                return null;
            }

            if (text is "true" or "false")
            {
                return text == "true";
            }

            Report(keys[key].At, field.Length == 0 ? key : $"{field}.{key}", $"must be true or false (got \"{text}\")");
            return null;
        }

        private string? RequiredText(Dictionary<string, (Mark At, YamlNode Node)> keys, YamlMappingNode item, string field, string key, string example)
        {
            string f = field.Length == 0 ? key : $"{field}.{key}";
            if (!keys.TryGetValue(key, out var slot) || IsNull(slot.Node))
            {
                Report(keys.TryGetValue(key, out var s) ? s.At : item.Start, f, $"required key \"{key}\" is missing (e.g. `{example}`)");
                return null;
            }

            return Text(keys, key, field);
        }

        private string? Text(Dictionary<string, (Mark At, YamlNode Node)> keys, string key, string field)
        {
            if (!keys.TryGetValue(key, out var slot) || IsNull(slot.Node))
            {
                return null;
            }

            if (slot.Node is YamlScalarNode s)
            {
                return s.Value ?? "";
            }

            Report(slot.At, field.Length == 0 ? key : $"{field}.{key}", "must be a single value, not a list or a set of keys");
            return null;
        }

        private YamlSequenceNode? Section(YamlMappingNode root, string key)
        {
            foreach ((YamlNode k, YamlNode v) in root.Children)
            {
                if (k is YamlScalarNode { Value: { } name } && name == key)
                {
                    if (IsNull(v))
                    {
                        return null;
                    }

                    if (v is YamlSequenceNode seq)
                    {
                        return seq;
                    }

                    Report(k.Start, key, "must be a list (lines starting with `- `)");
                }
            }

            return null;
        }

        private Dictionary<string, (Mark At, YamlNode Node)> Keys(YamlMappingNode map, string path, string[] known)
        {
            var keys = new Dictionary<string, (Mark, YamlNode)>(StringComparer.Ordinal);
            foreach ((YamlNode keyNode, YamlNode value) in map.Children)
            {
                string key = keyNode is YamlScalarNode s ? s.Value ?? "" : "";
                string field = path.Length == 0 ? key : $"{path}.{key}";
                if (Array.IndexOf(known, key) < 0)
                {
                    string? closest = Closest(key, known);
                    Report(keyNode.Start, field, $"unknown key \"{key}\"{(closest is not null ? $"; did you mean \"{closest}\"?" : $"; known keys here: {string.Join(", ", known)}")}");
                    continue;
                }

                keys[key] = (keyNode.Start, value);
            }

            return keys;
        }

        private void Report(Mark at, string? field, string message)
        {
            _problems.Add(new DeviceProfileProblem(_file, (int)at.Line, (int)at.Column, field, message));
        }

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };

        private static string? Closest(string given, IEnumerable<string> candidates)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (string c in candidates)
            {
                int d = Distance(given, c);
                if (d < bestDistance)
                {
                    best = c;
                    bestDistance = d;
                }
            }

            return bestDistance <= Math.Max(2, given.Length / 3) ? best : null;
        }

        private static int Distance(string a, string b)
        {
            int[] prev = new int[b.Length + 1];
            int[] cur = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                prev[j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                cur[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                    cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                }

                (prev, cur) = (cur, prev);
            }

            return prev[b.Length];
        }
    }
}
