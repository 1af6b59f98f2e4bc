using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LobbyEdge.Devices.Displays;
using LobbyEdge.Engine;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// Reads a branch profile, the YAML file that describes one branch's day, services, counters, hardware and voice
/// (format: <c>hardware-profiles/README.md</c>), into a <see cref="BranchProfile"/>: the engine's
/// <see cref="BranchConfig"/>, the <see cref="BranchHardware"/> with the device models it names, and the
/// <see cref="VoiceSettings"/>.
/// </summary>
/// <remarks>
/// The file is read with YamlDotNet's representation model rather than a deserializer so that
/// every value keeps its line and column: a problem is reported as
/// <c>file:line:column: field: message</c>, for a field technician with the file open in an editor.
/// Reading goes on after a problem, so one run reports everything that is wrong, including what
/// <see cref="BranchConfig.Validate"/> finds, mapped back to the lines it came from, and what is wrong in the
/// device models the hardware sections name.
/// </remarks>
public static class BranchProfileLoader
{
    // The hardware sections (and `kiosk:`, which names the kiosk's printer) are read and checked by
    // HardwareSections, together with the device models they name; their problems are reported with the branch's.
    private static readonly string[] s_topLevelKeys = ["branch", "defaults", "services", "counters", "voice", CalendarSection.Key, .. HardwareSections.TopLevelKeys];
    private static readonly string[] s_voiceKeys = ["languages"];
    private static readonly string[] s_voiceLanguages = ["zh-CN", "en"];

    private static readonly string[] s_branchKeys =
    [
        "id", "name", "nameZh", "timeZone", "open", "close", "ticketingCutoffMinutes", "autoOpenClose",
        "maxTicketsPerDay", "recentCalls", "ratingWindowSeconds",
    ];

    private static readonly string[] s_ruleKeys =
    [
        "careMinutes", "careRepeatMinutes", "slaMinutes", "maxRecalls", "toleranceCalls", "toleranceMinutes",
        "maxRecoveries", "recoverOffset", "transferPlacement", "seedServiceMinutes",
    ];

    private static readonly string[] s_serviceKeys = ["id", "prefix", "name", "nameZh", "numbers", "dailyCap", "selfService", .. s_ruleKeys];

    private static readonly string[] s_selfServiceKeys = ["name", "nameZh", "waitMinutes"];

    /// <summary>
    /// The widest self-service name (<c>name</c>, <c>nameZh</c>), in printer columns (a Chinese character takes two):
    /// the ticket's line <c>No queue: {name}</c> and <c>可使用{nameZh}，免排队</c> each fit the 48-column printer.
    /// </summary>
    public const int MaxSelfServiceNameColumns = 34;

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

    /// <summary>Reads and checks the branch profile at <paramref name="path"/> and the device models it names.</summary>
    /// <param name="path">The profile file; problems name it exactly as given here. Device models are looked for in
    /// a <c>devices</c> folder beside it, or else in <c>../devices</c> (<see cref="ModelsDirectoryOf"/>).</param>
    /// <returns>The branch (a configuration that <see cref="BranchConfig.Validate"/> accepts), its hardware
    /// (<see cref="BranchHardware.Empty"/> without hardware sections) and its voice settings.</returns>
    /// <exception cref="ProfileException">
    /// The file is missing or unreadable, is not valid YAML, or holds anything the format does not
    /// allow, here or in a device model it names; <see cref="ProfileException.Problems"/> lists every problem found.
    /// </exception>
    public static BranchProfile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? text = YamlFile.ReadText(path, out YamlFileProblem problem);
        if (text is null)
        {
            var unread = new ProfileReader(path);
            unread.Report(problem.At, null, problem.Message);
            throw unread.ToException();
        }

        return LoadText(text, path, HardwareSections.DefaultModelsDirectory(path));
    }

    /// <summary>
    /// Reads and checks a branch profile given as text (YAML, or JSON, which is YAML's flow style), exactly as
    /// <see cref="Load"/> checks a file: the same problems, the same messages, positions as
    /// <c>sourceName:line:column</c> within <paramref name="text"/>. Device models are looked for as for a file
    /// at <paramref name="sourceName"/> (<see cref="ModelsDirectoryOf"/>).
    /// </summary>
    /// <param name="text">The profile's text (a leading byte-order mark is not expected: pass the text as read).</param>
    /// <param name="sourceName">What problems name as the file, e.g. <c>update-configuration</c> or the file's path.</param>
    /// <returns>The profile; its <see cref="BranchConfig.Hash"/> is <see cref="HashOf"/> of <paramref name="text"/>
    /// and its <see cref="BranchConfig.Version"/> 0 (the host's configuration store numbers it).</returns>
    /// <exception cref="ProfileException">The text is not a valid profile; every problem is listed.</exception>
    public static BranchProfile LoadText(string text, string sourceName) =>
        LoadText(text, sourceName, HardwareSections.DefaultModelsDirectory(sourceName));

    /// <summary>
    /// As <see cref="LoadText(string, string)"/>, with the device models in <paramref name="modelsDirectory"/> (a pushed
    /// profile names the models installed beside the box's own profile).
    /// </summary>
    /// <param name="text">The profile's text.</param>
    /// <param name="sourceName">What problems name as the file.</param>
    /// <param name="modelsDirectory">The folder of the device model files (<c>MODEL.yaml</c>).</param>
    /// <exception cref="ProfileException">The text is not a valid profile; every problem is listed.</exception>
    public static BranchProfile LoadText(string text, string sourceName, string modelsDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentException.ThrowIfNullOrEmpty(modelsDirectory);
        var profile = new ProfileReader(sourceName, text);
        var reader = new Reader(profile, modelsDirectory);
        BranchProfile? read = reader.Read();
        if (read is null || profile.Problems.Count > 0)
        {
            throw profile.ToException();
        }

        return read with { Branch = read.Branch.WithVersion(0, HashOf(text)) };
    }

    /// <summary>
    /// Where the device models a profile at <paramref name="profilePath"/> names are looked for: a <c>devices</c> folder
    /// beside it (the installed layout, <c>/etc/lobby-edge/devices/</c>), or else <c>../devices</c> from its folder (the
    /// repository's layout).
    /// </summary>
    public static string ModelsDirectoryOf(string profilePath) => HardwareSections.DefaultModelsDirectory(profilePath);

    /// <summary>
    /// The <c>branch.id</c> of a profile's text, read without checking the rest or loading device models (the data
    /// directory's owner, from a stored configuration whose models may be elsewhere); null when the text is not YAML or
    /// has no such scalar.
    /// </summary>
    public static string? BranchIdOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return stream.Documents.Count > 0
                && stream.Documents[0].RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("branch"), out YamlNode? branch)
                && branch is YamlMappingNode map
                && map.Children.TryGetValue(new YamlScalarNode("id"), out YamlNode? id)
                && id is YamlScalarNode { Value: { Length: > 0 } value }
                ? value
                : null;
        }
        catch (YamlException)
        {
            return null;
        }
    }

    /// <summary>
    /// The content hash of a profile's text, as <see cref="BranchConfig.Hash"/> carries it: the first 8 bytes of the
    /// SHA-256 of its UTF-8 bytes, read big-endian. Shown as 16 lower-case hex digits (<c>x16</c>).
    /// </summary>
    public static long HashOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> hash = stackalloc byte[32];
        Sha256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }

    /// <summary>
    /// Reads one display model file (<c>hardware-profiles/devices/MODEL.yaml</c>, <c>kind: display</c>), for tools,
    /// benchmarks and tests.
    /// </summary>
    /// <param name="path">The model file; problems name it relative to the working directory when below it.</param>
    /// <param name="branch">A branch to check <c>{waiting.SERVICE}</c> placeholders against, or null.</param>
    /// <exception cref="ProfileException">The file cannot be read or is not a valid display model; every problem is listed.</exception>
    public static DisplayModel LoadDisplayModel(string path, BranchConfig? branch = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var profile = new ProfileReader(path);
        var hardware = new HardwareSections(profile, branch, Path.GetDirectoryName(path) ?? ".");
        DisplayModel? model = hardware.LoadDisplayModel(Path.GetFileNameWithoutExtension(path));
        if (profile.Problems.Count > 0 || model is null)
        {
            throw profile.ToException();
        }

        return model;
    }

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

    /// <summary>One read of one profile's branch sections; problems and positions are kept by the shared reader.</summary>
    private sealed class Reader(ProfileReader r, string modelsDirectory)
    {
        public BranchProfile? Read()
        {
            YamlMappingNode? root = r.ReadDocument(
                "the profile is empty; it needs the sections branch, services and counters",
                "a profile",
                node => $"the profile must be a set of sections (branch:, services:, counters:), not {ProfileReader.Describe(node)}");
            if (root is null)
            {
                return null;
            }

            r.Note("", ProfileReader.FileStart, null);
            Dictionary<string, Slot> top = r.Keys(root, "", s_topLevelKeys);
            BranchConfig config = Map(top, out VoiceSettings voice);
            ReportEngineFindings(config);
            var hardwareSections = new HardwareSections(r, config, modelsDirectory);
            BranchHardware hardware = hardwareSections.Read(top);
            return new BranchProfile(config, hardware, voice);
        }

        // ---- the profile ----

        private BranchConfig Map(Dictionary<string, Slot> top, out VoiceSettings voiceSettings)
        {
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
            TimeSpan ratingWindow = engine.RatingWindow;

            if (r.Section(top, "branch", required: true) is { } branch)
            {
                Dictionary<string, Slot> keys = r.Keys((YamlMappingNode)branch.Node, "branch", s_branchKeys);
                branchId = r.Id(r.Required(keys, branch, "id", "id: sh-pudong-001"), upperAllowed: true) ?? "";
                name = r.ShownText(r.Required(keys, branch, "name", "name: \"Pudong Branch\"")) ?? name;
                timeZone = ReadTimeZone(r.Required(keys, branch, "timeZone", "timeZone: Asia/Shanghai")) ?? timeZone;
                open = ReadTime(r.Required(keys, branch, "open", "open: \"09:00\"")) ?? open;
                close = ReadTime(r.Required(keys, branch, "close", "close: \"17:00\"")) ?? close;
                cutoff = ReadMinutes(ProfileReader.Optional(keys, "ticketingCutoffMinutes")) ?? cutoff;
                autoOpenClose = r.Bool(ProfileReader.Optional(keys, "autoOpenClose")) ?? autoOpenClose;
                maxTickets = r.Int(ProfileReader.Optional(keys, "maxTicketsPerDay")) ?? maxTickets;
                recentCalls = r.Int(ProfileReader.Optional(keys, "recentCalls"), 1, 100) ?? recentCalls;

                // The range (1 s .. 1 h) is the engine's check, reported at this line.
                ratingWindow = r.Int(ProfileReader.Optional(keys, "ratingWindowSeconds")) is { } seconds ? TimeSpan.FromSeconds(seconds) : ratingWindow;

                nameZh = r.ShownText(ProfileReader.Optional(keys, "nameZh")) ?? nameZh;

                // With open or close unreadable, comparing the other with a stand-in would
                // report a problem the profile may not have.
                if (r.Failed.Contains("branch.open") || r.Failed.Contains("branch.close"))
                {
                    r.Failed.Add("branch.open");
                    r.Failed.Add("branch.close");
                    r.Failed.Add("branch.ticketingCutoffMinutes");
                }
            }

            Dictionary<string, Slot> defaults = [];
            if (r.Section(top, "defaults", required: false) is { } defaultsSection)
            {
                defaults = r.Keys((YamlMappingNode)defaultsSection.Node, "defaults", s_ruleKeys);

                // Read once on their own so that their problems show even with no service.
                _ = ReadRules([], defaults, "defaults");
            }

            var services = new List<ServiceConfig>();
            var serviceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            YamlSequenceNode? serviceList = r.List(top, "services", required: true);
            if (serviceList is not null)
            {
                for (int i = 0; i < serviceList.Children.Count; i++)
                {
                    services.Add(ReadService(serviceList.Children[i], i, defaults, serviceIndex));
                }
            }

            var counters = new List<CounterConfig>();
            YamlSequenceNode? counterList = r.List(top, "counters", required: true);
            if (counterList is not null)
            {
                for (int i = 0; i < counterList.Children.Count; i++)
                {
                    counters.Add(ReadCounter(counterList.Children[i], i, serviceList is not null ? serviceIndex : null));
                }
            }

            voiceSettings = VoiceSettings.Unset;
            if (r.Section(top, "voice", required: false) is { } voice)
            {
                Dictionary<string, Slot> keys = r.Keys((YamlMappingNode)voice.Node, "voice", s_voiceKeys);
                voiceSettings = new VoiceSettings(ReadLanguages(ProfileReader.Optional(keys, "languages")));
            }

            BranchCalendar? calendar = top.TryGetValue(CalendarSection.Key, out Slot calendarSlot)
                ? new CalendarSection(r).Read(calendarSlot, open, close)
                : null;

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
                RatingWindow = ratingWindow,
                Services = services,
                Counters = counters,
                Calendar = calendar,
            };
        }

        private ServiceConfig ReadService(YamlNode node, int index, Dictionary<string, Slot> defaults, Dictionary<string, int> serviceIndex)
        {
            string path = $"services[{index.ToString(CultureInfo.InvariantCulture)}]";
            r.Note(path, node.Start, null);
            var engine = new ServiceConfig { Prefix = 'A', Id = "" };
            if (node is not YamlMappingNode map)
            {
                r.Fail(node.Start, path, $"each service must be a set of keys (id:, prefix:, name:, ...), not {ProfileReader.Describe(node)}");
                return new ServiceConfig { Prefix = '\0', Id = "" };
            }

            var item = new Slot(path, map.Start, map);
            Dictionary<string, Slot> keys = r.Keys(map, path, s_serviceKeys);

            string id = r.Id(r.Required(keys, item, "id", "id: cash"), upperAllowed: false) ?? "";
            if (id.Length > 0 && !serviceIndex.TryAdd(id, index))
            {
                Slot idSlot = keys["id"];
                r.Fail(idSlot.At, idSlot.Field, $"service id \"{id}\" is already used by services[{serviceIndex[id].ToString(CultureInfo.InvariantCulture)}]");
            }

            char prefix = ReadPrefix(r.Required(keys, item, "prefix", "prefix: A"));
            string name = r.ShownText(r.Required(keys, item, "name", "name: \"Personal cash\"")) ?? "";
            string nameZh = r.ShownText(ProfileReader.Optional(keys, "nameZh")) ?? "";
            (int First, int Last)? numbers = ReadRange(ProfileReader.Optional(keys, "numbers"));
            int dailyCap = r.Int(ProfileReader.Optional(keys, "dailyCap")) ?? engine.DailyCap;
            Rules rules = ReadRules(keys, defaults, path);
            SelfServiceAlternative? selfService = keys.TryGetValue("selfService", out Slot selfServiceSlot) ? ReadSelfService(selfServiceSlot, nameZh.Length > 0) : null;

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
                SelfService = selfService,
            };
        }

        /// <summary>
        /// <c>selfService: {name: "ATM / cash recycler in the lobby", nameZh: "大厅自助存取款机", waitMinutes: 10}</c>:
        /// the service's self-service alternative; name and waitMinutes required, nameZh too when the service has a
        /// Chinese name (the kiosk, ticket and signage say it in Chinese first). Each name is one line of at most
        /// <see cref="MaxSelfServiceNameColumns"/> printer columns. Null when unreadable (reported); the key given
        /// with no value is reported too (an empty block is a slip, not "none": leave the key out for none).
        /// </summary>
        private SelfServiceAlternative? ReadSelfService(Slot section, bool chinese)
        {
            const string Example = "selfService: {name: \"ATM in the lobby\", nameZh: \"大厅自助存取款机\", waitMinutes: 10}";
            if (ProfileReader.IsNull(section.Node))
            {
                r.Note(section.Field, section.At, null);
                r.Fail(section.At, section.Field, $"is empty; give its keys indented under it (name:, nameZh:, waitMinutes:), e.g. `{Example}`, or leave the key out for no self-service alternative");
                return null;
            }

            if (section.Node is not YamlMappingNode map)
            {
                r.Fail(section.At, section.Field, $"must be a set of keys (name:, nameZh:, waitMinutes:), e.g. `{Example}`, not {ProfileReader.Describe(section.Node)}");
                return null;
            }

            r.Note(section.Field, section.At, null);
            Dictionary<string, Slot> keys = r.Keys(map, section.Field, s_selfServiceKeys);
            string? name = SelfServiceName(r.Required(keys, section, "name", "name: \"ATM / cash recycler in the lobby\""));
            // A service with a Chinese name says its alternative in Chinese first: without nameZh that text is half English.
            string? nameZh = "";
            if (chinese && !keys.ContainsKey("nameZh"))
            {
                r.Fail(section.At, $"{section.Field}.nameZh", "required key \"nameZh\" is missing: the service has a Chinese name, so the kiosk, the ticket and the signage say this in Chinese first (e.g. `nameZh: \"大厅自助存取款机\"`)");
                nameZh = null;
            }
            else if ((chinese ? r.Required(keys, section, "nameZh") : ProfileReader.Optional(keys, "nameZh")) is { } zhSlot)
            {
                nameZh = SelfServiceName(zhSlot);
            }

            int? minutes = r.Int(r.Required(keys, section, "waitMinutes", "waitMinutes: 10"), 1, 480);
            return name is null || nameZh is null || minutes is null ? null : new SelfServiceAlternative(name, nameZh, TimeSpan.FromMinutes(minutes.Value));
        }

        /// <summary>
        /// A self-service name: one line of at most <see cref="MaxSelfServiceNameColumns"/> printer columns
        /// (a Chinese character takes two); null when absent or not one (reported).
        /// </summary>
        private string? SelfServiceName(Slot? slot)
        {
            if (r.ShownText(slot) is not { } text || slot is not { } s)
            {
                return null;
            }

            // An empty name is the engine's check ("must not be empty").
            int columns = text.Sum(c => c < 0x80 ? 1 : 2);
            if (columns > MaxSelfServiceNameColumns)
            {
                r.Fail(s.At, s.Field, string.Create(CultureInfo.InvariantCulture, $"must be one line of at most {MaxSelfServiceNameColumns} printer columns (a Chinese character takes two; the ticket printer has 48 and the kiosk shows it on one line), not {columns}"));
                return null;
            }

            return text;
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
                MaxRecalls = Inherit(own, defaults, targetPath, "maxRecalls", r.Int),
                ToleranceCalls = Inherit(own, defaults, targetPath, "toleranceCalls", r.Int),
                ToleranceTime = Inherit(own, defaults, targetPath, "toleranceMinutes", ReadMinutes),
                MaxRecoveries = Inherit(own, defaults, targetPath, "maxRecoveries", r.Int),
                RecoverOffset = Inherit(own, defaults, targetPath, "recoverOffset", r.Int),
                TransferPlacement = Inherit(own, defaults, targetPath, "transferPlacement", slot => r.Choice(slot, s_placements)),
                SeedServiceTime = Inherit(own, defaults, targetPath, "seedServiceMinutes", ReadMinutes),
            };
        }

        private T? Inherit<T>(Dictionary<string, Slot> own, Dictionary<string, Slot> defaults, string targetPath, string key, Func<Slot?, T?> read)
            where T : struct
        {
            Slot? slot = ProfileReader.Optional(own, key) ?? ProfileReader.Optional(defaults, key);
            T? value = read(slot);
            string target = $"{targetPath}.{key}";
            if (slot is { } inherited && inherited.Field != target)
            {
                // The engine names `services[2].careMinutes`; the value is on a line in `defaults`.
                if (r.Sources.TryGetValue(inherited.Field, out Source source))
                {
                    r.Sources[target] = source;
                }

                if (r.Failed.Contains(inherited.Field))
                {
                    r.Failed.Add(target);
                }
            }

            return value;
        }

        private CounterConfig ReadCounter(YamlNode node, int index, Dictionary<string, int>? serviceIndex)
        {
            string path = $"counters[{index.ToString(CultureInfo.InvariantCulture)}]";
            r.Note(path, node.Start, null);
            var engine = new CounterConfig { Number = 0, Services = [] };
            if (node is not YamlMappingNode map)
            {
                r.Fail(node.Start, path, $"each counter must be a set of keys (number:, services:, ...), not {ProfileReader.Describe(node)}");
                return engine;
            }

            var item = new Slot(path, map.Start, map);
            Dictionary<string, Slot> keys = r.Keys(map, path, s_counterKeys);
            int number = r.Int(r.Required(keys, item, "number", "number: 1")) ?? 0;
            Slot? modeSlot = ProfileReader.Optional(keys, "mode");
            CounterMode? mode = modeSlot is null ? engine.Mode : r.Choice(modeSlot, s_modes);
            var services = new List<ServiceWeight>();
            if (r.Required(keys, item, "services", "services: [cash]") is { } servicesSlot)
            {
                if (servicesSlot.Node is YamlSequenceNode list)
                {
                    r.Note(servicesSlot.Field, servicesSlot.At, null);
                    for (int j = 0; j < list.Children.Count; j++)
                    {
                        services.Add(ReadCounterService(list.Children[j], $"{servicesSlot.Field}[{j.ToString(CultureInfo.InvariantCulture)}]", mode, serviceIndex));
                    }
                }
                else
                {
                    r.Fail(servicesSlot.At, servicesSlot.Field, $"must be a list of service ids, e.g. [vip, cash], not {ProfileReader.Describe(servicesSlot.Node)}");
                }
            }

            return new CounterConfig
            {
                Number = number,
                Mode = mode ?? engine.Mode,
                Services = services,
                ButtonOnly = r.Bool(ProfileReader.Optional(keys, "buttonOnly")) ?? engine.ButtonOnly,
                OpenAtDayStart = r.Bool(ProfileReader.Optional(keys, "openAtDayStart")) ?? engine.OpenAtDayStart,
            };
        }

        private ServiceWeight ReadCounterService(YamlNode node, string path, CounterMode? mode, Dictionary<string, int>? serviceIndex)
        {
            Slot idSlot;
            int weight = 1;
            r.Note(path, node.Start, (node as YamlScalarNode)?.Value);
            if (node is YamlScalarNode)
            {
                idSlot = new Slot(path, node.Start, node);
            }
            else if (node is YamlMappingNode map)
            {
                Dictionary<string, Slot> keys = r.Keys(map, path, s_counterServiceKeys);
                if (r.Required(keys, new Slot(path, map.Start, map), "service", "service: vip") is not { } slot)
                {
                    r.Failed.Add(path);
                    return new ServiceWeight(-1, weight);
                }

                idSlot = slot;
                if (slot.Node is YamlScalarNode idNode)
                {
                    // The engine's findings about this entry (listed twice, ...) point at its id.
                    r.Note(path, slot.At, idNode.Value);
                }

                if (ProfileReader.Optional(keys, "weight") is { } weightSlot)
                {
                    weight = r.Int(weightSlot) ?? weight;
                    if (mode is { } m && m != CounterMode.Weighted)
                    {
                        r.Fail(weightSlot.At, weightSlot.Field, $"a weight only counts when the counter's mode is weighted (this counter's mode is {Name(s_modes, m)})");
                    }
                }
            }
            else
            {
                r.Fail(node.Start, path, $"must be a service id or {{service: id, weight: n}}, not {ProfileReader.Describe(node)}");
                return new ServiceWeight(-1, weight);
            }

            string? id = r.Text(idSlot);
            if (id is null || serviceIndex is null)
            {
                // Unreadable, or no usable services section to look it up in (reported there).
                r.Failed.Add(path);
                return new ServiceWeight(-1, weight);
            }

            if (!serviceIndex.TryGetValue(id, out int serviceNumber))
            {
                string known = serviceIndex.Count == 0 ? "none are defined" : $"known: {string.Join(", ", serviceIndex.Keys)}";
                string? closest = ClosestName.Find(id, serviceIndex.Keys);
                string hint = closest is null ? "" : $"; did you mean \"{closest}\"?";
                r.Fail(idSlot.At, idSlot.Field, $"unknown service \"{id}\" ({known}){hint}");
                r.Failed.Add(path);
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

                if (r.Sources.TryGetValue(field, out Source source))
                {
                    r.Report(source.At, source.Field, WithValue(message, source.Text));
                    continue;
                }

                // Nothing in the file for this field (the engine default was used): report it
                // at the nearest enclosing section or list item that is in the file.
                string parent = field;
                do
                {
                    parent = ParentOf(parent);
                }
                while (parent.Length > 0 && !r.Sources.ContainsKey(parent));

                Mark at = r.Sources.TryGetValue(parent, out Source enclosing) ? enclosing.At : ProfileReader.FileStart;
                r.Report(at, field, message);
            }
        }

        private bool IsFailed(string field)
        {
            for (string path = field; path.Length > 0; path = ParentOf(path))
            {
                if (r.Failed.Contains(path))
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

        /// <summary><c>voice: languages: [zh-CN, en]</c>: at least one, each once, in the order spoken.</summary>
        private List<string>? ReadLanguages(Slot? slot)
        {
            if (slot is not { } languages)
            {
                return null;
            }

            if (languages.Node is not YamlSequenceNode list || list.Children.Count == 0)
            {
                r.Fail(languages.At, languages.Field, "must be a list of one or two languages, e.g. [zh-CN, en]");
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
                    r.Fail(item.Start, field, $"unknown language \"{value}\": use zh-CN or en");
                }
                else if (read.Contains(value, StringComparer.Ordinal))
                {
                    r.Fail(item.Start, field, $"\"{value}\" is listed twice");
                }
                else
                {
                    read.Add(value);
                }
            }

            return read;
        }

        // ---- values ----

        private TimeSpan? ReadMinutes(Slot? slot)
        {
            return r.Int(slot) is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        }

        private TimeOnly? ReadTime(Slot? slot)
        {
            if (slot is not { } s || !r.TryScalar(s, "a time of day", out string text))
            {
                return null;
            }

            if (text.Length == 5
                && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly time))
            {
                return time;
            }

            r.Fail(s.At, s.Field, $"must be a 24-hour time of day as HH:mm, e.g. \"09:00\" (got \"{text}\")");
            return null;
        }

        private TimeZoneInfo? ReadTimeZone(Slot? slot)
        {
            if (slot is not { } s || !r.TryScalar(s, "a time zone id", out string text))
            {
                return null;
            }

            if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out TimeZoneInfo? zone))
            {
                return zone;
            }

            IReadOnlyCollection<TimeZoneInfo> known = TimeZoneInfo.GetSystemTimeZones();
            if (!known.Any(z => z.Id != TimeZoneInfo.Utc.Id))
            {
                // No zone at all: the machine has no time-zone database, whatever the id.
                r.Fail(s.At, s.Field, $"unknown time zone \"{text}\": this machine has no time-zone data; install the tzdata package (TZDIR, if set, must name its folder, e.g. /usr/share/zoneinfo)");
                return null;
            }

            string? closest = ClosestName.Find(text, known.Select(z => z.Id));
            string hint = closest is null ? "use an IANA id such as \"Asia/Shanghai\"" : $"did you mean \"{closest}\"?";
            r.Fail(s.At, s.Field, $"unknown time zone \"{text}\"; {hint}");
            return null;
        }

        private char ReadPrefix(Slot? slot)
        {
            // '\0' stands in for an unreadable prefix; the field is marked failed, so the
            // engine's check does not report it a second time.
            if (r.Text(slot) is not { } text || slot is not { } s)
            {
                return '\0';
            }

            if (text.Length == 1 && char.IsAsciiLetterUpper(text[0]))
            {
                return text[0];
            }

            r.Fail(s.At, s.Field, $"must be one capital letter A..Z (got \"{text}\")");
            return '\0';
        }

        private (int First, int Last)? ReadRange(Slot? slot)
        {
            if (slot is not { } s || !r.TryScalar(s, "a number range", out string text))
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

            r.Fail(s.At, s.Field, $"must be a number range first-last, e.g. \"1-999\" (got \"{text}\")");
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

    }
}
