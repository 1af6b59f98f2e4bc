using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>A value to read: its field path (e.g. <c>services[1].prefix</c>), the position to report, and its YAML node.</summary>
/// <param name="Field">The field path the format documentation uses.</param>
/// <param name="At">Where the key (or list entry) is in the file.</param>
/// <param name="Node">The value.</param>
internal readonly record struct Slot(string Field, Mark At, YamlNode Node);

/// <summary>Where a value came from: the position shown and the field named in a problem.</summary>
/// <param name="At">Where the value is in the file.</param>
/// <param name="Field">The field path.</param>
/// <param name="Text">The scalar's text, or null for a section, a list or a value not read.</param>
internal readonly record struct Source(Mark At, string Field, string? Text);

/// <summary>
/// The one "YAML with line numbers" layer of every profile file: reads a file into a YAML mapping, walks its keys
/// (an unknown key is reported with the known one it most likely was meant to be), reads scalars by the one
/// grammar (<see cref="ProfileScalars"/>) and collects every problem, as <c>file:line:column: field: message</c>,
/// so that one run reports everything. One instance serves one <see cref="BranchProfileLoader.Load"/>: the branch
/// sections, the hardware sections and every device model they name all report into it.
/// </summary>
internal sealed class ProfileReader
{
    /// <summary>Reads one scalar's text as a <typeparamref name="T"/> (the form of <see cref="ProfileScalars"/>' readers).</summary>
    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>The position of a problem with no better place: line 1, column 1.</summary>
    public static readonly Mark FileStart = new(0, 1, 1);

    private readonly List<ProfileProblem> _problems = [];
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    // Field path -> where its value is in the file; used to place the engine's own findings.
    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);

    // Fields already reported (or unreadable): the engine's findings about them, or about
    // anything under them, would only repeat the problem with a placeholder value.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    // The profile's text when it was given as text (a push from head office), not read from Path.
    private readonly string? _text;

    /// <summary>Starts reading the profile at <paramref name="path"/> (named in problems exactly as given).</summary>
    /// <param name="path">The profile's file, or the name its text goes by in problems (e.g. <c>update-configuration</c>).</param>
    /// <param name="text">The profile's text, already read; null to read <paramref name="path"/>.</param>
    public ProfileReader(string path, string? text = null)
    {
        Path = path;
        File = path;
        _text = text;
    }

    /// <summary>The profile's path as given: its problems come first.</summary>
    public string Path { get; }

    /// <summary>The file being read now, as problems name it (a device model's file while the model is read).</summary>
    public string File { get; set; }

    /// <summary>Every problem so far, in the order found.</summary>
    public IReadOnlyList<ProfileProblem> Problems => _problems;

    /// <summary>Fields reported already (or unreadable).</summary>
    public HashSet<string> Failed => _failed;

    /// <summary>Where each field read so far is.</summary>
    public Dictionary<string, Source> Sources => _sources;

    /// <summary>The problems found, the profile's first and then those of the device models it names, each in file order.</summary>
    public ProfileException ToException()
    {
        return new ProfileException(_problems
            .OrderBy(p => p.File != Path)
            .ThenBy(p => p.Line)
            .ThenBy(p => p.Column));
    }

    /// <summary>Records a problem at <paramref name="at"/> in the current file; the same line twice is said once.</summary>
    public void Report(Mark at, string? field, string message)
    {
        var problem = new ProfileProblem(File, (int)at.Line, (int)at.Column, string.IsNullOrEmpty(field) ? null : field, message);

        // A bad value in `defaults` is met once for every service that inherits it; say it once.
        if (_reported.Add(problem.ToString()))
        {
            _problems.Add(problem);
        }
    }

    /// <summary>Records a problem with <paramref name="field"/> and marks the field unreadable.</summary>
    public void Fail(Mark at, string field, string message)
    {
        Report(at, field, message);
        _failed.Add(field);
    }

    /// <summary>Remembers where <paramref name="field"/> is, for findings made later about it.</summary>
    public void Note(string field, Mark at, string? text)
    {
        _sources[field] = new Source(at, field, text);
    }

    /// <summary>The path of <paramref name="key"/> under <paramref name="path"/>: <c>path.key</c>, or the key at the top.</summary>
    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    // ---- the file ----

    /// <summary>
    /// Reads <see cref="File"/>: strict UTF-8, one YAML document, a set of keys at the top. Null, with the problem
    /// reported, when it is anything else.
    /// </summary>
    /// <param name="empty">The problem when the file holds no document.</param>
    /// <param name="documentName">What the file is, for "only one YAML document is allowed in …".</param>
    /// <param name="notKeys">The problem when the top is not a set of keys, given what it is.</param>
    public YamlMappingNode? ReadDocument(string empty, string documentName, Func<YamlNode, string> notKeys)
    {
        YamlFileProblem problem = default;
        string? text = File == Path && _text is not null ? _text : YamlFile.ReadText(File, out problem);
        YamlStream? stream = text is null ? null : YamlFile.Parse(text, out problem);
        if (stream is null)
        {
            // The profile itself may be missing (no line); a model it names exists, so its problem gets one.
            Report(problem.At.Line > 0 || File == Path ? problem.At : FileStart, null, problem.Message);
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            Report(FileStart, null, empty);
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            Report(stream.Documents[1].RootNode.Start, null, $"only one YAML document is allowed in {documentName} (remove the '---' line)");
        }

        YamlNode root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode map)
        {
            Report(root.Start, null, notKeys(root));
            return null;
        }

        return map;
    }

    // ---- structure ----

    /// <summary>
    /// The keys of a section, each checked against the keys the format knows there; an
    /// unknown key is reported with the known key it most likely was meant to be.
    /// </summary>
    public Dictionary<string, Slot> Keys(YamlMappingNode map, string path, string[] known)
    {
        var keys = new Dictionary<string, Slot>(StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
            {
                Report(keyNode.Start, path, "keys must be plain names, as in `name: value`");
                continue;
            }

            string field = Child(path, key);
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

    /// <summary>A key that may be left out; an empty value (<c>key:</c> or <c>key: ~</c>) is the same as leaving it out.</summary>
    public static Slot? Optional(Dictionary<string, Slot> keys, string key)
    {
        return keys.TryGetValue(key, out Slot slot) && !IsNull(slot.Node) ? slot : null;
    }

    /// <summary>
    /// A key that must be there with a value; reported at <paramref name="parent"/> when missing and at the key
    /// when empty, with <paramref name="example"/> (e.g. <c>id: cash</c>) when given.
    /// </summary>
    public Slot? Required(Dictionary<string, Slot> keys, Slot parent, string key, string? example = null)
    {
        string field = Child(parent.Field, key);
        string eg = example is null ? "" : $" (e.g. `{example}`)";
        if (!keys.TryGetValue(key, out Slot slot))
        {
            Fail(parent.At, field, $"required key \"{key}\" is missing{eg}");
            return null;
        }

        if (IsNull(slot.Node))
        {
            Note(field, slot.At, null);
            Fail(slot.At, field, $"needs a value{eg}");
            return null;
        }

        return slot;
    }

    /// <summary>
    /// A top-level section that holds keys (<c>branch</c>, <c>defaults</c>, <c>voice</c>, <c>kiosk</c>); null when
    /// absent, empty or not a set of keys (reported, with <paramref name="example"/> when given).
    /// </summary>
    public Slot? Section(Dictionary<string, Slot> top, string key, bool required, string? example = null)
    {
        if (!TopLevel(top, key, required, out Slot slot))
        {
            return null;
        }

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
            Fail(slot.At, key, example is null
                ? $"must be a set of keys (indented `key: value` lines), not {Describe(slot.Node)}"
                : $"must be a set of keys, e.g. `{example}`");
            return null;
        }

        return slot;
    }

    /// <summary>
    /// A top-level list (<c>services</c>, <c>counters</c>, <c>devices</c>, …); an empty one when the key has no
    /// value, null when absent or not a list (reported; absence only when <paramref name="required"/>).
    /// </summary>
    public YamlSequenceNode? List(Dictionary<string, Slot> top, string key, bool required)
    {
        if (!TopLevel(top, key, required, out Slot slot))
        {
            return null;
        }

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

    /// <summary>
    /// The list under <paramref name="key"/>, which must hold at least one entry; otherwise null, reported as
    /// <paramref name="message"/> at the key (or at <paramref name="parent"/> when the key is absent).
    /// </summary>
    public YamlSequenceNode? NonEmptyList(Dictionary<string, Slot> keys, string key, Slot parent, string message)
    {
        if (keys.TryGetValue(key, out Slot slot) && slot.Node is YamlSequenceNode { Children.Count: > 0 } list)
        {
            return list;
        }

        Report(keys.TryGetValue(key, out Slot present) ? present.At : parent.At, Child(parent.Field, key), message);
        return null;
    }

    /// <summary>
    /// The entries of <paramref name="list"/> that are sets of keys, each with its position and field path
    /// (<c>field[i]</c>); any other entry is reported as <paramref name="notKeys"/>.
    /// </summary>
    public IEnumerable<(int Index, string Field, YamlMappingNode Map)> Entries(YamlSequenceNode list, string field, string notKeys)
    {
        for (int i = 0; i < list.Children.Count; i++)
        {
            string entry = $"{field}[{i.ToString(CultureInfo.InvariantCulture)}]";
            if (list.Children[i] is YamlMappingNode map)
            {
                yield return (i, entry, map);
            }
            else
            {
                Report(list.Children[i].Start, entry, notKeys);
            }
        }
    }

    /// <summary>Whether the top-level <paramref name="key"/> is there (noted); its absence is reported when <paramref name="required"/>.</summary>
    private bool TopLevel(Dictionary<string, Slot> top, string key, bool required, out Slot slot)
    {
        if (!top.TryGetValue(key, out slot))
        {
            if (required)
            {
                Fail(FileStart, key, $"required section \"{key}\" is missing (see hardware-profiles/README.md)");
            }

            return false;
        }

        Note(key, slot.At, null);
        return true;
    }

    // ---- values ----

    /// <summary>The text of a single value; reported as "must be <paramref name="expected"/>, not a list" otherwise.</summary>
    public bool TryScalar(Slot slot, string expected, out string text)
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

    /// <summary>Text, or null when absent or not a single value (reported).</summary>
    public string? Text(Slot? slot)
    {
        return slot is { } s && TryScalar(s, "text", out string text) ? text : null;
    }

    /// <summary>
    /// Text a person reads (a name, a note, a display message): as <see cref="Text"/>, and refused (reported, null)
    /// when <see cref="LobbyEdge.Engine.ShownText.Problem"/> finds a character no device shows as written: a control or
    /// bidi character, an emoji.
    /// </summary>
    public string? ShownText(Slot? slot)
    {
        if (Text(slot) is not { } text || slot is not { } s)
        {
            return null;
        }

        if (LobbyEdge.Engine.ShownText.Problem(text) is { } problem)
        {
            Fail(s.At, s.Field, $"must be one line of plain text that displays and printers show as written: {problem}");
            return null;
        }

        return text;
    }

    /// <summary>
    /// An id (branch, service, device): 1 to 64 characters, starting with a letter or digit; lowercase letters,
    /// digits, '-' and '_', and with <paramref name="upperAllowed"/> also capitals and '.'. Null when absent or not
    /// one (reported).
    /// </summary>
    public string? Id(Slot? slot, bool upperAllowed)
    {
        if (Text(slot) is not { } text || slot is not { } s)
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

    /// <summary>A whole number (<see cref="ProfileScalars.TryParseInteger"/>), or null when absent or not one (reported).</summary>
    public int? Int(Slot? slot) => Parsed<int>(slot, "a whole number", ProfileScalars.TryParseInteger);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, or null (reported).</summary>
    public int? Int(Slot? slot, int min, int max)
    {
        int? value = Int(slot);
        if (value is { } v && (v < min || v > max) && slot is { } s)
        {
            // Quote what was written (0x999 stays 0x999), not the number it parsed to.
            string written = s.Node is YamlScalarNode { Value: { } text } ? text : v.ToString(CultureInfo.InvariantCulture);
            Fail(s.At, s.Field, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max} (got \"{written}\")"));
            return null;
        }

        return value;
    }

    /// <summary>A yes/no (<see cref="ProfileScalars.TryParseBoolean"/>), or null when absent or not one (reported).</summary>
    public bool? Bool(Slot? slot) => Parsed<bool>(slot, "true or false", ProfileScalars.TryParseBoolean);

    /// <summary>One of <paramref name="choices"/> by name, or null (reported with the closest name).</summary>
    public T? Choice<T>(Slot? slot, (string Name, T Value)[] choices)
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

    /// <summary>A scalar read by <paramref name="parse"/>; reported as "must be <paramref name="expected"/> (got …)" when it does not read.</summary>
    private T? Parsed<T>(Slot? slot, string expected, TryParse<T> parse)
        where T : struct
    {
        if (slot is not { } s || !TryScalar(s, expected, out string text))
        {
            return null;
        }

        if (parse(text, out T value))
        {
            return value;
        }

        Fail(s.At, s.Field, $"must be {expected} (got \"{text}\")");
        return null;
    }

    /// <summary>Whether a value is YAML's empty value (nothing, <c>~</c>, <c>null</c>, <c>Null</c>, <c>NULL</c>, unquoted).</summary>
    public static bool IsNull(YamlNode node)
    {
        return node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" or "Null" or "NULL" };
    }

    /// <summary>What a value is, for "must be …, not …".</summary>
    public static string Describe(YamlNode node)
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
