using System.Globalization;
using LobbyEdge.Devices.Displays;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>A display model's checksum element (<c>kind:</c>, <c>crc:</c>) and its <c>recall:</c> behaviour.</summary>
internal sealed partial class HardwareSections
{
    private static readonly (string Name, ChecksumKind Kind)[] s_checksumKinds =
    [
        ("none", ChecksumKind.None),
        ("sum8", ChecksumKind.Sum8),
        ("sum16", ChecksumKind.Sum16),
        ("sum8-twos", ChecksumKind.Sum8TwosComplement),
        ("lrc", ChecksumKind.Sum8TwosComplement),
        ("sum16-twos", ChecksumKind.Sum16TwosComplement),
        ("sum8-ones", ChecksumKind.Sum8OnesComplement),
        ("sum16-ones", ChecksumKind.Sum16OnesComplement),
        ("xor8", ChecksumKind.Xor8),
        ("bcc", ChecksumKind.Xor8),
        ("crc", ChecksumKind.Crc),
    ];

    private static readonly string[] s_crcKeys = ["width", "poly", "init", "refin", "refout", "xorout"];

    private static readonly (string Name, RecallAction Action)[] s_recallActions =
    [
        ("resend", RecallAction.Resend),
        ("template", RecallAction.Template),
        ("blink", RecallAction.Blink),
    ];

    /// <summary>
    /// A checksum element's <c>kind:</c> (a sum, XOR/BCC, a CRC preset or <c>crc</c> with <c>crc:</c> parameters),
    /// with the CRC built (its table made now, so encoding allocates nothing). Problems are reported with the field.
    /// </summary>
    private (ChecksumKind Kind, CrcAlgorithm? Crc) ChecksumOf(Dictionary<string, Slot> o, string field, Mark at)
    {
        string name = Text(o, "kind") ?? "";
        Mark kindAt = o.TryGetValue("kind", out Slot ks) ? ks.At : at;
        bool hasParameters = o.TryGetValue("crc", out Slot parameters);
        foreach ((string known, ChecksumKind kind) in s_checksumKinds)
        {
            if (known != name)
            {
                continue;
            }

            if (kind == ChecksumKind.Crc)
            {
                return hasParameters
                    ? (kind, CrcByParameters(parameters, $"{field}.crc"))
                    : NoChecksum(kindAt, $"{field}.crc", "kind: crc needs its catalogue parameters: `crc: {width: 16, poly: 0x1021, init: 0xFFFF, refin: false, refout: false, xorout: 0x0000}` (or a preset name as the kind, e.g. crc16-ccitt-false)");
            }

            return hasParameters ? NoChecksum(parameters.At, $"{field}.crc", $"crc: parameters are for kind: crc (got kind: {name})") : (kind, null);
        }

        if (CrcAlgorithm.TryGetPreset(name, out CrcAlgorithm preset))
        {
            return hasParameters
                ? NoChecksum(parameters.At, $"{field}.crc", $"{name} is a preset with its own parameters ({preset}); give crc: parameters only with kind: crc")
                : (ChecksumKind.Crc, preset);
        }

        if (name is "crc16-ccitt" or "crc-ccitt" or "ccitt" or "crc16")
        {
            return NoChecksum(kindAt, $"{field}.kind", $"\"{name}\" is ambiguous: manuals use it for crc16-ccitt-false (poly 0x1021, init 0xFFFF), crc16-xmodem (init 0x0000), crc16-kermit (reflected) or crc16-arc/crc16-modbus (poly 0x8005); compare your manual's example frame with the check values in hardware-profiles/README.md, \"Display frames\"");
        }

        string[] names = [.. s_checksumKinds.Select(k => k.Name), .. CrcAlgorithm.PresetNames()];
        string? closest = ClosestName.Find(name, names);
        return NoChecksum(kindAt, $"{field}.kind", $"must be one of {string.Join(", ", names)} (got \"{name}\"){(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
    }

    private (ChecksumKind, CrcAlgorithm?) NoChecksum(Mark at, string field, string message)
    {
        r.Report(at, field, message);
        return (ChecksumKind.None, null);
    }

    /// <summary>
    /// <c>crc: {width, poly, init, refin, refout, xorout}</c>: all six, as the CRC RevEng catalogue lists them;
    /// checked (width 1..32, poly odd and within the width, init and xorout within the width). Null when wrong (reported).
    /// </summary>
    private CrcAlgorithm? CrcByParameters(Slot slot, string field)
    {
        if (slot.Node is not YamlMappingNode map)
        {
            r.Report(slot.At, field, "must be the catalogue parameters: `{width: 16, poly: 0x1021, init: 0xFFFF, refin: false, refout: false, xorout: 0x0000}`");
            return null;
        }

        int before = r.Problems.Count;
        var k = r.Keys(map, field, s_crcKeys);
        foreach (string key in s_crcKeys)
        {
            if (!k.ContainsKey(key) && r.Problems.Count == before)
            {
                r.Report(slot.At, $"{field}.{key}", $"required key \"{key}\" is missing: a CRC needs all six catalogue parameters (width, poly, init, refin, refout, xorout)");
            }
        }

        int? width = Int(k, "width", 1, 32);
        ulong? poly = Unsigned(k, "poly", field);
        ulong? init = Unsigned(k, "init", field);
        bool? refIn = Bool(k, "refin");
        bool? refOut = Bool(k, "refout");
        ulong? xorOut = Unsigned(k, "xorout", field);
        if (r.Problems.Count > before || width is not { } w || poly is not { } p || init is not { } i || refIn is not { } ri || refOut is not { } ro || xorOut is not { } x)
        {
            return null;
        }

        if (CrcAlgorithm.Validate(w, p, i, x) is { } problem)
        {
            r.Report(k[problem.Field].At, $"{field}.{problem.Field}", problem.Message);
            return null;
        }

        return new CrcAlgorithm("crc", w, (uint)p, (uint)i, ri, ro, (uint)x);
    }

    /// <summary>A whole number 0..0xFFFFFFFF, hex (<c>0x1021</c>) or decimal; null when absent or not one (reported).</summary>
    private ulong? Unsigned(Dictionary<string, Slot> keys, string key, string field)
    {
        if (Text(keys, key) is not { } text)
        {
            return null;
        }

        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (ulong.TryParse(hex ? text.AsSpan(2) : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            && value <= uint.MaxValue)
        {
            return value;
        }

        r.Report(keys[key].At, $"{field}.{key}", $"must be a whole number from 0 to 0xFFFFFFFF, e.g. 0x1021 (got \"{text}\")");
        return null;
    }

    /// <summary>
    /// <c>recall: {action: resend | template | blink}</c>. Default: template when the model has a recall message, else
    /// resend. Template needs the recall message; blink needs a blink element in the frame; with resend or blink a
    /// recall message would never be shown, so it is refused.
    /// </summary>
    private RecallAction RecallOf(Dictionary<string, Slot> keys, IReadOnlyDictionary<DisplayMessageKind, MessageTemplate> messages, List<FrameElement>? frame)
    {
        bool hasTemplate = messages.ContainsKey(DisplayMessageKind.Recall);
        if (!keys.TryGetValue("recall", out Slot slot))
        {
            return hasTemplate ? RecallAction.Template : RecallAction.Resend;
        }

        if (slot.Node is not YamlMappingNode map)
        {
            r.Report(slot.At, "recall", "must be `{action: resend}` (or template, blink)");
            return RecallAction.Resend;
        }

        var k = r.Keys(map, "recall", ["action"]);
        if (!k.TryGetValue("action", out Slot actionSlot))
        {
            r.Report(slot.At, "recall.action", "required key \"action\" is missing: resend, template or blink");
            return RecallAction.Resend;
        }

        if (r.Choice(actionSlot, s_recallActions) is not { } action)
        {
            return RecallAction.Resend;
        }

        if (action == RecallAction.Template && !hasTemplate)
        {
            // Only a frame with a blink element can blink: the hint offers `blink: true` only there.
            string blink = frame is not null && frame.Any(e => e.Kind == FrameElementKind.Blink) ? ", blink: true" : "";
            r.Report(actionSlot.At, "recall.action", $"template sends the model's recall message: add `messages: recall: {{text: [\"{{number}}\"]{blink}}}`");
        }
        else if (action != RecallAction.Template && hasTemplate)
        {
            r.Report(actionSlot.At, "recall.action", $"with {(action == RecallAction.Blink ? "blink" : "resend")} the recall message is never shown: use `action: template` or remove messages.recall");
        }

        if (action == RecallAction.Blink && frame is not null && !frame.Any(e => e.Kind == FrameElementKind.Blink))
        {
            r.Report(actionSlot.At, "recall.action", "blink needs a blink element in the frame (`- blink: {on: [0x31], off: [0x30]}`); without one use resend");
        }

        return action;
    }
}
