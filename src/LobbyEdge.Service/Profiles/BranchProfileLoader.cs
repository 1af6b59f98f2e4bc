using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using LobbyEdge.Devices.Profiles;
using LobbyEdge.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Service.Profiles;

/// <summary>
/// Reads a branch profile, the YAML file that describes one branch's day, services and
/// counters (format: <c>hardware-profiles/README.md</c>), into the engine's
/// <see cref="BranchConfig"/>.
/// </summary>
/// <remarks>
/// The file is read with YamlDotNet's representation model rather than a deserializer so that
/// every value keeps its line and column: a problem is reported as
/// <c>file:line:column: field: message</c>, for a field technician with the file open in an editor.
/// Reading goes on after a problem, so one run reports everything that is wrong, including what
/// <see cref="BranchConfig.Validate"/> finds, mapped back to the lines it came from.
/// </remarks>
public static class BranchProfileLoader
{
    // The hardware sections (and `kiosk:`, which names the kiosk's printer) are read and checked by
    // DeviceProfileLoader (LobbyEdge.Devices), together with the device models they name; their problems are
    // reported with the branch's.
    private static readonly string[] s_reservedSections = ["devices", "dispensers", "displays", "kiosk"];

    // The hardware read with each configuration Load returned, for the host's device wiring.
    private static readonly ConditionalWeakTable<BranchConfig, BranchHardware> s_hardware = [];

    private static readonly string[] s_topLevelKeys = ["branch", "defaults", "services", "counters", "voice", .. s_reservedSections];
    private static readonly string[] s_voiceKeys = ["languages"];
    private static readonly string[] s_voiceLanguages = ["zh-CN", "en"];
    private static readonly ConditionalWeakTable<BranchConfig, IReadOnlyList<string>> s_voice = [];

    private static readonly string[] s_branchKeys =
    [
        "id", "name", "nameZh", "timeZone", "open", "close", "ticketingCutoffMinutes", "autoOpenClose",
        "maxTicketsPerDay", "recentCalls",
    ];

    private static readonly string[] s_ruleKeys =
    [
        "careMinutes", "careRepeatMinutes", "slaMinutes", "maxRecalls", "toleranceCalls", "toleranceMinutes",
        "maxRecoveries", "recoverOffset", "transferPlacement", "seedServiceMinutes",
    ];

    private static readonly string[] s_serviceKeys = ["id", "prefix", "name", "nameZh", "numbers", "dailyCap", .. s_ruleKeys];

    private static readonly string[] s_counterKeys = ["number", "mode", "services", "buttonOnly", "openAtDayStart"];

    private static readonly string[] s_counterServiceKeys = ["service", "weight"];

    private static readonly (string Name, Placement Value)[] s_placements =
    [
        ("front", Placement.Front), ("end", Placement.End), ("by-age", Placement.ByAge),
    ];

    private static readonly (string Name, CounterMode Value)[] s_modes =
    [
        ("ordered", CounterMode.Ordered), ("longest-wait", CounterMode.LongestWait), ("weighted", CounterMode.Weighted),
    ];

    /// <summary>Reads and checks the branch profile at <paramref name="path"/>.</summary>
    /// <param name="path">The profile file; problems name it exactly as given here.</param>
    /// <returns>A configuration that <see cref="BranchConfig.Validate"/> accepts.</returns>
    /// <exception cref="ProfileException">
    /// The file is missing or unreadable, is not valid YAML, or holds anything the format does not
    /// allow; <see cref="ProfileException.Problems"/> lists every problem found.
    /// </exception>
    public static BranchConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var reader = new Reader(path);
        BranchConfig config = reader.Read();
        s_hardware.AddOrUpdate(config, reader.Hardware);
        if (reader.VoiceLanguages is { } languages)
        {
            s_voice.AddOrUpdate(config, languages);
        }

        return config;
    }

    /// <summary>
    /// The languages of the branch's announcements (<c>voice: languages:</c>) read with a configuration that
    /// <see cref="Load"/> returned, in the order spoken; null when the profile does not say.
    /// </summary>
    public static IReadOnlyList<string>? VoiceLanguagesOf(BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return s_voice.TryGetValue(config, out IReadOnlyList<string>? languages) ? languages : null;
    }

    /// <summary>
    /// The hardware (<c>devices:</c>, <c>dispensers:</c>, <c>displays:</c>) read with a configuration that
    /// <see cref="Load"/> returned; <see cref="BranchHardware.Empty"/> for any other configuration.
    /// </summary>
    public static BranchHardware HardwareOf(BranchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return s_hardware.TryGetValue(config, out BranchHardware? hardware) ? hardware : BranchHardware.Empty;
    }

    /// <summary>Where a value came from: the position shown and the field named in a problem.</summary>
    private readonly record struct Source(Mark At, string Field, string? Text);

    /// <summary>A value to read: its field path, the position to report, and its YAML node.</summary>
    private readonly record struct Slot(string Field, Mark At, YamlNode Node);

    /// <summary>The per-service rules that <c>defaults</c> sets and a service may override.</summary>
    private sealed class Rules
    {
        public TimeSpan? Care { get; set; }

        public TimeSpan? CareRepeat { get; set; }

        public TimeSpan? Sla { get; set; }

        public int? MaxRecalls { get; set; }

        public int? ToleranceCalls { get; set; }

        public TimeSpan? ToleranceTime { get; set; }

        public int? MaxRecoveries { get; set; }

        public int? RecoverOffset { get; set; }

        public Placement? TransferPlacement { get; set; }

        public TimeSpan? SeedServiceTime { get; set; }
    }

    /// <summary>One read of one profile: collects problems and where every value came from.</summary>
    private sealed class Reader
    {
        private static readonly Mark s_fileStart = new(0, 1, 1);

        private readonly string _path;
        private readonly List<ProfileProblem> _problems = [];
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

        // Field path -> where its value is in the file; used to place the engine's own findings.
        private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);

        // Fields already reported (or unreadable): the engine's findings about them, or about
        // anything under them, would only repeat the problem with a placeholder value.
        private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

        public Reader(string path)
        {
            _path = path;
        }

        public BranchHardware Hardware { get; private set; } = BranchHardware.Empty;

        public IReadOnlyList<string>? VoiceLanguages { get; private set; }

        public BranchConfig Read()
        {
            string? text = ReadFile();
            if (text is null)
            {
                throw Problems();
            }

            YamlMappingNode? root = Parse(text);
            if (root is null)
            {
                throw Problems();
            }

            BranchConfig config = Map(root);
            ReportEngineFindings(config);
            Hardware = DeviceProfileLoader.Read(_path, root, config, out IReadOnlyList<DeviceProfileProblem> hardwareProblems);
            foreach (DeviceProfileProblem p in hardwareProblems)
            {
                _problems.Add(new ProfileProblem(p.File, p.Line, p.Column, p.Field, p.Message));
            }

            if (_problems.Count > 0)
            {
                throw Problems();
            }

            return config;
        }

        private ProfileException Problems()
        {
            // The branch file's problems first, then those of the device models it names.
            return new ProfileException(_problems
                .OrderBy(p => p.File != _path)
                .ThenBy(p => p.Line)
                .ThenBy(p => p.Column));
        }

        private void Report(Mark at, string? field, string message)
        {
            var problem = new ProfileProblem(_path, (int)at.Line, (int)at.Column, string.IsNullOrEmpty(field) ? null : field, message);

            // A bad value in `defaults` is met once for every service that inherits it; say it once.
            if (_reported.Add(problem.ToString()))
            {
                _problems.Add(problem);
            }
        }

        private void Fail(Mark at, string field, string message)
        {
            Report(at, field, message);
            _failed.Add(field);
        }

        private void Note(string field, Mark at, string? text)
        {
            _sources[field] = new Source(at, field, text);
        }

        // ---- file and YAML ----

        private string? ReadFile()
        {
            string? text = YamlFile.ReadText(_path, out YamlFileProblem problem);
            if (text is null)
            {
                Report(problem.At, null, problem.Message);
            }

            return text;
        }

        private YamlMappingNode? Parse(string text)
        {
            if (YamlFile.Parse(text, out YamlFileProblem problem) is not { } stream)
            {
                Report(problem.At, null, problem.Message);
                return null;
            }

            if (stream.Documents.Count == 0)
            {
                Report(s_fileStart, null, "the profile is empty; it needs the sections branch, services and counters");
                return null;
            }

            if (stream.Documents.Count > 1)
            {
                Report(stream.Documents[1].RootNode.Start, null, "only one YAML document is allowed in a profile (remove the '---' line)");
            }

            YamlNode root = stream.Documents[0].RootNode;
            if (root is not YamlMappingNode map)
            {
                Report(root.Start, null, $"the profile must be a set of sections (branch:, services:, counters:), not {Describe(root)}");
                return null;
            }

            Note("", s_fileStart, null);
            return map;
        }

        // ---- the profile ----

        private BranchConfig Map(YamlMappingNode root)
        {
            Dictionary<string, Slot> top = Keys(root, "", s_topLevelKeys);

            // Engine defaults stand in for whatever the profile leaves out.
            var engine = new BranchConfig { BranchId = "", Services = [], Counters = [] };
            string branchId = "";
            string name = engine.Name;
            string nameZh = engine.NameZh;
            TimeZoneInfo timeZone = engine.TimeZone;
            TimeOnly open = engine.OpenTime;
            TimeOnly close = engine.CloseTime;
            TimeSpan cutoff = engine.TicketingCutoff;
            bool autoOpenClose = engine.AutoOpenClose;
            int maxTickets = engine.MaxTicketsPerDay;
            int recentCalls = engine.RecentCallCount;

            if (Section(top, "branch", required: true) is { } branch)
            {
                Dictionary<string, Slot> keys = Keys((YamlMappingNode)branch.Node, "branch", s_branchKeys);
                branchId = ReadId(Required(keys, branch, "id", "id: sh-pudong-001"), upperAllowed: true) ?? "";
                name = ReadText(Required(keys, branch, "name", "name: \"Pudong Branch\"")) ?? name;
                timeZone = ReadTimeZone(Required(keys, branch, "timeZone", "timeZone: Asia/Shanghai")) ?? timeZone;
                open = ReadTime(Required(keys, branch, "open", "open: \"09:00\"")) ?? open;
                close = ReadTime(Required(keys, branch, "close", "close: \"17:00\"")) ?? close;
                cutoff = ReadMinutes(Optional(keys, "ticketingCutoffMinutes")) ?? cutoff;
                autoOpenClose = ReadBool(Optional(keys, "autoOpenClose")) ?? autoOpenClose;
                maxTickets = ReadInt(Optional(keys, "maxTicketsPerDay")) ?? maxTickets;
                recentCalls = ReadRecentCalls(Optional(keys, "recentCalls")) ?? recentCalls;

                nameZh = ReadText(Optional(keys, "nameZh")) ?? nameZh;

                // With open or close unreadable, comparing the other with a stand-in would
                // report a problem the profile may not have.
                if (_failed.Contains("branch.open") || _failed.Contains("branch.close"))
                {
                    _failed.Add("branch.open");
                    _failed.Add("branch.close");
                    _failed.Add("branch.ticketingCutoffMinutes");
                }
            }

            Dictionary<string, Slot> defaults = [];
            if (Section(top, "defaults", required: false) is { } defaultsSection)
            {
                defaults = Keys((YamlMappingNode)defaultsSection.Node, "defaults", s_ruleKeys);

                // Read once on their own so that their problems show even with no service.
                _ = ReadRules([], defaults, "defaults");
            }

            var services = new List<ServiceConfig>();
            var serviceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            YamlSequenceNode? serviceList = List(top, "services");
            if (serviceList is not null)
            {
                for (int i = 0; i < serviceList.Children.Count; i++)
                {
                    services.Add(ReadService(serviceList.Children[i], i, defaults, serviceIndex));
                }
            }

            var counters = new List<CounterConfig>();
            YamlSequenceNode? counterList = List(top, "counters");
            if (counterList is not null)
            {
                for (int i = 0; i < counterList.Children.Count; i++)
                {
                    counters.Add(ReadCounter(counterList.Children[i], i, serviceList is not null ? serviceIndex : null));
                }
            }

            if (Section(top, "voice", required: false) is { } voice)
            {
                Dictionary<string, Slot> keys = Keys((YamlMappingNode)voice.Node, "voice", s_voiceKeys);
                VoiceLanguages = ReadLanguages(Optional(keys, "languages"));
            }

            return new BranchConfig
            {
                BranchId = branchId,
                Name = name,
                NameZh = nameZh,
                TimeZone = timeZone,
                OpenTime = open,
                CloseTime = close,
                TicketingCutoff = cutoff,
                AutoOpenClose = autoOpenClose,
                MaxTicketsPerDay = maxTickets,
                RecentCallCount = recentCalls,
                Services = services,
                Counters = counters,
            };
        }

        private ServiceConfig ReadService(YamlNode node, int index, Dictionary<string, Slot> defaults, Dictionary<string, int> serviceIndex)
        {
            string path = $"services[{index.ToString(CultureInfo.InvariantCulture)}]";
            Note(path, node.Start, null);
            var engine = new ServiceConfig { Prefix = 'A', Id = "" };
            if (node is not YamlMappingNode map)
            {
                Fail(node.Start, path, $"each service must be a set of keys (id:, prefix:, name:, ...), not {Describe(node)}");
                return new ServiceConfig { Prefix = '\0', Id = "" };
            }

            var item = new Slot(path, map.Start, map);
            Dictionary<string, Slot> keys = Keys(map, path, s_serviceKeys);

            string id = ReadId(Required(keys, item, "id", "id: cash"), upperAllowed: false) ?? "";
            if (id.Length > 0 && !serviceIndex.TryAdd(id, index))
            {
                Slot idSlot = keys["id"];
                Fail(idSlot.At, idSlot.Field, $"service id \"{id}\" is already used by services[{serviceIndex[id].ToString(CultureInfo.InvariantCulture)}]");
            }

            char prefix = ReadPrefix(Required(keys, item, "prefix", "prefix: A"));
            string name = ReadText(Required(keys, item, "name", "name: \"Personal cash\"")) ?? "";
            string nameZh = ReadText(Optional(keys, "nameZh")) ?? "";
            (int First, int Last)? numbers = ReadRange(Optional(keys, "numbers"));
            int dailyCap = ReadInt(Optional(keys, "dailyCap")) ?? engine.DailyCap;
            Rules rules = ReadRules(keys, defaults, path);

            return new ServiceConfig
            {
                Id = id,
                Prefix = prefix,
                Name = name,
                NameZh = nameZh,
                FirstNumber = numbers?.First ?? engine.FirstNumber,
                LastNumber = numbers?.Last ?? engine.LastNumber,
                DailyCap = dailyCap,
                CareThreshold = rules.Care ?? engine.CareThreshold,
                CareRepeat = rules.CareRepeat ?? engine.CareRepeat,
                SlaTarget = rules.Sla ?? engine.SlaTarget,
                MaxRecalls = rules.MaxRecalls ?? engine.MaxRecalls,
                ToleranceCalls = rules.ToleranceCalls ?? engine.ToleranceCalls,
                ToleranceTime = rules.ToleranceTime ?? engine.ToleranceTime,
                MaxRecoveries = rules.MaxRecoveries ?? engine.MaxRecoveries,
                RecoverOffset = rules.RecoverOffset ?? engine.RecoverOffset,
                TransferPlacement = rules.TransferPlacement ?? engine.TransferPlacement,
                SeedServiceTime = rules.SeedServiceTime ?? engine.SeedServiceTime,
            };
        }

        /// <summary>
        /// Reads the rules for <paramref name="targetPath"/>: each from <paramref name="own"/> when
        /// set there, else from <paramref name="defaults"/>. A value taken from <c>defaults</c> is
        /// reported, by the engine's checks too, at its line in <c>defaults</c>.
        /// </summary>
        private Rules ReadRules(Dictionary<string, Slot> own, Dictionary<string, Slot> defaults, string targetPath)
        {
            return new Rules
            {
                Care = Inherit(own, defaults, targetPath, "careMinutes", ReadMinutes),
                CareRepeat = Inherit(own, defaults, targetPath, "careRepeatMinutes", ReadMinutes),
                Sla = Inherit(own, defaults, targetPath, "slaMinutes", ReadMinutes),
                MaxRecalls = Inherit(own, defaults, targetPath, "maxRecalls", ReadInt),
                ToleranceCalls = Inherit(own, defaults, targetPath, "toleranceCalls", ReadInt),
                ToleranceTime = Inherit(own, defaults, targetPath, "toleranceMinutes", ReadMinutes),
                MaxRecoveries = Inherit(own, defaults, targetPath, "maxRecoveries", ReadInt),
                RecoverOffset = Inherit(own, defaults, targetPath, "recoverOffset", ReadInt),
                TransferPlacement = Inherit(own, defaults, targetPath, "transferPlacement", slot => ReadChoice(slot, s_placements)),
                SeedServiceTime = Inherit(own, defaults, targetPath, "seedServiceMinutes", ReadMinutes),
            };
        }

        private T? Inherit<T>(Dictionary<string, Slot> own, Dictionary<string, Slot> defaults, string targetPath, string key, Func<Slot?, T?> read)
            where T : struct
        {
            Slot? slot = Optional(own, key) ?? Optional(defaults, key);
            T? value = read(slot);
            string target = $"{targetPath}.{key}";
            if (slot is { } inherited && inherited.Field != target)
            {
                // The engine names `services[2].careMinutes`; the value is on a line in `defaults`.
                if (_sources.TryGetValue(inherited.Field, out Source source))
                {
                    _sources[target] = source;
                }

                if (_failed.Contains(inherited.Field))
                {
                    _failed.Add(target);
                }
            }

            return value;
        }

        private CounterConfig ReadCounter(YamlNode node, int index, Dictionary<string, int>? serviceIndex)
        {
            string path = $"counters[{index.ToString(CultureInfo.InvariantCulture)}]";
            Note(path, node.Start, null);
            var engine = new CounterConfig { Number = 0, Services = [] };
            if (node is not YamlMappingNode map)
            {
                Fail(node.Start, path, $"each counter must be a set of keys (number:, services:, ...), not {Describe(node)}");
                return engine;
            }

            var item = new Slot(path, map.Start, map);
            Dictionary<string, Slot> keys = Keys(map, path, s_counterKeys);
            int number = ReadInt(Required(keys, item, "number", "number: 1")) ?? 0;
            Slot? modeSlot = Optional(keys, "mode");
            CounterMode? mode = modeSlot is null ? engine.Mode : ReadChoice(modeSlot, s_modes);
            var services = new List<ServiceWeight>();
            if (Required(keys, item, "services", "services: [cash]") is { } servicesSlot)
            {
                if (servicesSlot.Node is YamlSequenceNode list)
                {
                    Note(servicesSlot.Field, servicesSlot.At, null);
                    for (int j = 0; j < list.Children.Count; j++)
                    {
                        services.Add(ReadCounterService(list.Children[j], $"{servicesSlot.Field}[{j.ToString(CultureInfo.InvariantCulture)}]", mode, serviceIndex));
                    }
                }
                else
                {
                    Fail(servicesSlot.At, servicesSlot.Field, $"must be a list of service ids, e.g. [vip, cash], not {Describe(servicesSlot.Node)}");
                }
            }

            return new CounterConfig
            {
                Number = number,
                Mode = mode ?? engine.Mode,
                Services = services,
                ButtonOnly = ReadBool(Optional(keys, "buttonOnly")) ?? engine.ButtonOnly,
                OpenAtDayStart = ReadBool(Optional(keys, "openAtDayStart")) ?? engine.OpenAtDayStart,
            };
        }

        private ServiceWeight ReadCounterService(YamlNode node, string path, CounterMode? mode, Dictionary<string, int>? serviceIndex)
        {
            Slot idSlot;
            int weight = 1;
            Note(path, node.Start, (node as YamlScalarNode)?.Value);
            if (node is YamlScalarNode)
            {
                idSlot = new Slot(path, node.Start, node);
            }
            else if (node is YamlMappingNode map)
            {
                Dictionary<string, Slot> keys = Keys(map, path, s_counterServiceKeys);
                if (Required(keys, new Slot(path, map.Start, map), "service", "service: vip") is not { } slot)
                {
                    _failed.Add(path);
                    return new ServiceWeight(-1, weight);
                }

                idSlot = slot;
                if (slot.Node is YamlScalarNode idNode)
                {
                    // The engine's findings about this entry (listed twice, ...) point at its id.
                    Note(path, slot.At, idNode.Value);
                }

                if (Optional(keys, "weight") is { } weightSlot)
                {
                    weight = ReadInt(weightSlot) ?? weight;
                    if (mode is { } m && m != CounterMode.Weighted)
                    {
                        Fail(weightSlot.At, weightSlot.Field, $"a weight only counts when the counter's mode is weighted (this counter's mode is {Name(s_modes, m)})");
                    }
                }
            }
            else
            {
                Fail(node.Start, path, $"must be a service id or {{service: id, weight: n}}, not {Describe(node)}");
                return new ServiceWeight(-1, weight);
            }

            string? id = ReadText(idSlot);
            if (id is null || serviceIndex is null)
            {
                // Unreadable, or no usable services section to look it up in (reported there).
                _failed.Add(path);
                return new ServiceWeight(-1, weight);
            }

            if (!serviceIndex.TryGetValue(id, out int serviceNumber))
            {
                string known = serviceIndex.Count == 0 ? "none are defined" : $"known: {string.Join(", ", serviceIndex.Keys)}";
                string? closest = ClosestName.Find(id, serviceIndex.Keys);
                string hint = closest is null ? "" : $"; did you mean \"{closest}\"?";
                Fail(idSlot.At, idSlot.Field, $"unknown service \"{id}\" ({known}){hint}");
                _failed.Add(path);
                return new ServiceWeight(-1, weight);
            }

            return new ServiceWeight(serviceNumber, weight);
        }

        // ---- the engine's own checks ----

        private void ReportEngineFindings(BranchConfig config)
        {
            foreach ((string field, string message) in config.Validate())
            {
                if (IsFailed(field))
                {
                    continue;
                }

                if (_sources.TryGetValue(field, out Source source))
                {
                    Report(source.At, source.Field, WithValue(message, source.Text));
                    continue;
                }

                // Nothing in the file for this field (the engine default was used): report it
                // at the nearest enclosing section or list item that is in the file.
                string parent = field;
                do
                {
                    parent = ParentOf(parent);
                }
                while (parent.Length > 0 && !_sources.ContainsKey(parent));

                Mark at = _sources.TryGetValue(parent, out Source enclosing) ? enclosing.At : s_fileStart;
                Report(at, field, message);
            }
        }

        private bool IsFailed(string field)
        {
            for (string path = field; path.Length > 0; path = ParentOf(path))
            {
                if (_failed.Contains(path))
                {
                    return true;
                }
            }

            return false;
        }

        private static string ParentOf(string path)
        {
            int end = path.LastIndexOfAny(['.', '[']);
            return end < 0 ? "" : path[..end];
        }

        /// <summary>Adds the offending value to an engine message that does not already show it.</summary>
        private static string WithValue(string message, string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return message;
            }

            bool shown = Regex.IsMatch(message, $"(?<![A-Za-z0-9]){Regex.Escape(text)}(?![A-Za-z0-9])", RegexOptions.CultureInvariant);
            return shown ? message : $"{message} (got \"{text}\")";
        }

        // ---- structure ----

        /// <summary>
        /// The keys of a section, each checked against the keys the format knows there; an
        /// unknown key is reported with the known key it most likely was meant to be.
        /// </summary>
        private Dictionary<string, Slot> Keys(YamlMappingNode map, string path, string[] known)
        {
            var keys = new Dictionary<string, Slot>(StringComparer.Ordinal);
            foreach ((YamlNode keyNode, YamlNode value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
                {
                    Report(keyNode.Start, path, "keys must be plain names, as in `name: value`");
                    continue;
                }

                string field = path.Length == 0 ? key : $"{path}.{key}";
                if (Array.IndexOf(known, key) < 0)
                {
                    string? closest = ClosestName.Find(key, known);
                    string hint = closest is not null
                        ? $"; did you mean \"{closest}\"?"
                        : $"; known keys here: {string.Join(", ", known)}";
                    Fail(keyNode.Start, field, $"unknown key \"{key}\"{hint}");
                    continue;
                }

                keys[key] = new Slot(field, keyNode.Start, value);
            }

            return keys;
        }

        private static Slot? Optional(Dictionary<string, Slot> keys, string key)
        {
            // An empty value (`key:` or `key: ~`) is the same as leaving the key out.
            return keys.TryGetValue(key, out Slot slot) && !IsNull(slot.Node) ? slot : null;
        }

        private Slot? Required(Dictionary<string, Slot> keys, Slot parent, string key, string example)
        {
            string field = $"{parent.Field}.{key}";
            if (!keys.TryGetValue(key, out Slot slot))
            {
                Fail(parent.At, field, $"required key \"{key}\" is missing (e.g. `{example}`)");
                return null;
            }

            if (IsNull(slot.Node))
            {
                Note(field, slot.At, null);
                Fail(slot.At, field, $"needs a value (e.g. `{example}`)");
                return null;
            }

            return slot;
        }

        /// <summary><c>voice: languages: [zh-CN, en]</c>: at least one, each once, in the order spoken.</summary>
        private List<string>? ReadLanguages(Slot? slot)
        {
            if (slot is not { } languages)
            {
                return null;
            }

            if (languages.Node is not YamlSequenceNode list || list.Children.Count == 0)
            {
                Fail(languages.At, languages.Field, "must be a list of one or two languages, e.g. [zh-CN, en]");
                return null;
            }

            var read = new List<string>();
            for (int i = 0; i < list.Children.Count; i++)
            {
                YamlNode item = list.Children[i];
                string? value = (item as YamlScalarNode)?.Value;
                string field = $"{languages.Field}[{i}]";
                if (value is null || !s_voiceLanguages.Contains(value, StringComparer.Ordinal))
                {
                    Fail(item.Start, field, $"unknown language \"{value}\": use zh-CN or en");
                }
                else if (read.Contains(value, StringComparer.Ordinal))
                {
                    Fail(item.Start, field, $"\"{value}\" is listed twice");
                }
                else
                {
                    read.Add(value);
                }
            }

            return read;
        }

        /// <summary>A top-level section that holds keys (<c>branch</c>, <c>defaults</c>); its node is a mapping.</summary>
        private Slot? Section(Dictionary<string, Slot> top, string key, bool required)
        {
            if (!top.TryGetValue(key, out Slot slot))
            {
                if (required)
                {
                    Fail(s_fileStart, key, $"required section \"{key}\" is missing (see hardware-profiles/README.md)");
                }

                return null;
            }

            Note(key, slot.At, null);
            if (IsNull(slot.Node))
            {
                if (required)
                {
                    Fail(slot.At, key, "is empty; it needs its keys indented under it");
                }

                return null;
            }

            if (slot.Node is not YamlMappingNode)
            {
                Fail(slot.At, key, $"must be a set of keys (indented `key: value` lines), not {Describe(slot.Node)}");
                return null;
            }

            return slot;
        }

        /// <summary>A required top-level list (<c>services</c>, <c>counters</c>).</summary>
        private YamlSequenceNode? List(Dictionary<string, Slot> top, string key)
        {
            if (!top.TryGetValue(key, out Slot slot))
            {
                Fail(s_fileStart, key, $"required section \"{key}\" is missing (see hardware-profiles/README.md)");
                return null;
            }

            Note(key, slot.At, null);
            if (IsNull(slot.Node))
            {
                // `services:` with nothing under it: an empty list, which the engine's check names.
                return new YamlSequenceNode();
            }

            if (slot.Node is not YamlSequenceNode list)
            {
                Fail(slot.At, key, $"must be a list (lines starting with `- `), not {Describe(slot.Node)}");
                return null;
            }

            return list;
        }

        // ---- values ----

        private bool TryScalar(Slot slot, string expected, out string text)
        {
            if (slot.Node is YamlScalarNode scalar)
            {
                text = scalar.Value ?? "";
                Note(slot.Field, slot.At, text);
                return true;
            }

            Note(slot.Field, slot.At, null);
            Fail(slot.At, slot.Field, $"must be {expected}, not {Describe(slot.Node)}");
            text = "";
            return false;
        }

        private string? ReadText(Slot? slot)
        {
            return slot is { } s && TryScalar(s, "text", out string text) ? text : null;
        }

        private int? ReadInt(Slot? slot)
        {
            if (slot is not { } s || !TryScalar(s, "a whole number", out string text))
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            {
                return value;
            }

            Fail(s.At, s.Field, $"must be a whole number (got \"{text}\")");
            return null;
        }

        private TimeSpan? ReadMinutes(Slot? slot)
        {
            return ReadInt(slot) is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        }

        private bool? ReadBool(Slot? slot)
        {
            if (slot is not { } s || !TryScalar(s, "true or false", out string text))
            {
                return null;
            }

            // Only true/false: YAML 1.1's yes/no/on/off are a classic source of surprises.
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            Fail(s.At, s.Field, $"must be true or false (got \"{text}\")");
            return null;
        }

        private TimeOnly? ReadTime(Slot? slot)
        {
            if (slot is not { } s || !TryScalar(s, "a time of day", out string text))
            {
                return null;
            }

            if (text.Length == 5
                && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly time))
            {
                return time;
            }

            Fail(s.At, s.Field, $"must be a 24-hour time of day as HH:mm, e.g. \"09:00\" (got \"{text}\")");
            return null;
        }

        private TimeZoneInfo? ReadTimeZone(Slot? slot)
        {
            if (slot is not { } s || !TryScalar(s, "a time zone id", out string text))
            {
                return null;
            }

            if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out TimeZoneInfo? zone))
            {
                return zone;
            }

            string? closest = ClosestName.Find(text, TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id));
            string hint = closest is null ? "use an IANA id such as \"Asia/Shanghai\"" : $"did you mean \"{closest}\"?";
            Fail(s.At, s.Field, $"unknown time zone \"{text}\"; {hint}");
            return null;
        }

        private string? ReadId(Slot? slot, bool upperAllowed)
        {
            if (ReadText(slot) is not { } text || slot is not { } s)
            {
                return null;
            }

            // Ids go into MQTT topics, event ids (`{branchId}:{sequence}`), commands and metric
            // labels, so they keep to characters that mean nothing special in any of them.
            bool valid = text.Length is > 0 and <= 64 && char.IsAsciiLetterOrDigit(text[0]);
            foreach (char c in text)
            {
                valid &= char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '-' or '_'
                    || (upperAllowed && (char.IsAsciiLetterUpper(c) || c == '.'));
            }

            if (valid)
            {
                return text;
            }

            string allowed = upperAllowed
                ? "letters, digits, '-', '_' and '.', starting with a letter or digit"
                : "lowercase letters, digits, '-' and '_', starting with a letter or digit";
            Fail(s.At, s.Field, $"must be 1 to 64 {allowed} (got \"{text}\")");
            return null;
        }

        private char ReadPrefix(Slot? slot)
        {
            // '\0' stands in for an unreadable prefix; the field is marked failed, so the
            // engine's check does not report it a second time.
            if (ReadText(slot) is not { } text || slot is not { } s)
            {
                return '\0';
            }

            if (text.Length == 1 && char.IsAsciiLetterUpper(text[0]))
            {
                return text[0];
            }

            Fail(s.At, s.Field, $"must be one capital letter A..Z (got \"{text}\")");
            return '\0';
        }

        private (int First, int Last)? ReadRange(Slot? slot)
        {
            if (slot is not { } s || !TryScalar(s, "a number range", out string text))
            {
                return null;
            }

            int dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0
                && int.TryParse(text.AsSpan(0, dash).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                && int.TryParse(text.AsSpan(dash + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int last))
            {
                return (first, last);
            }

            Fail(s.At, s.Field, $"must be a number range first-last, e.g. \"1-999\" (got \"{text}\")");
            return null;
        }

        private int? ReadRecentCalls(Slot? slot)
        {
            int? value = ReadInt(slot);
            if (value is < 1 or > 100 && slot is { } s)
            {
                Fail(s.At, s.Field, $"must be between 1 and 100 (got \"{value.Value.ToString(CultureInfo.InvariantCulture)}\")");
                return null;
            }

            return value;
        }

        private T? ReadChoice<T>(Slot? slot, (string Name, T Value)[] choices)
            where T : struct
        {
            if (slot is not { } s || !TryScalar(s, "a word", out string text))
            {
                return null;
            }

            foreach ((string name, T value) in choices)
            {
                if (name == text)
                {
                    return value;
                }
            }

            string? closest = ClosestName.Find(text, choices.Select(c => c.Name));
            string hint = closest is null ? "" : $"; did you mean \"{closest}\"?";
            Fail(s.At, s.Field, $"must be one of {string.Join(", ", choices.Select(c => c.Name))} (got \"{text}\"){hint}");
            return null;
        }

        private static string Name<T>((string Name, T Value)[] choices, T value)
            where T : struct
        {
            foreach ((string name, T v) in choices)
            {
                if (EqualityComparer<T>.Default.Equals(v, value))
                {
                    return name;
                }
            }

            return value.ToString() ?? "";
        }

        private static bool IsNull(YamlNode node)
        {
            return node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };
        }

        private static string Describe(YamlNode node)
        {
            return node switch
            {
                YamlSequenceNode => "a list",
                YamlMappingNode => "a set of keys",
                YamlScalarNode scalar => $"\"{scalar.Value}\"",
                _ => "this",
            };
        }
    }
}
