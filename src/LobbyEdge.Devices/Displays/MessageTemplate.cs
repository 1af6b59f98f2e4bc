using System.Globalization;
using System.Text;

namespace LobbyEdge.Devices.Displays;

/// <summary>Which message a display shows (CONTRACTS.md, "Displays": templates per event).</summary>
public enum DisplayMessageKind : byte
{
    /// <summary>A ticket was called (counter display: to this counter; main display: anywhere).</summary>
    Call = 0,

    /// <summary>A ticket was called again.</summary>
    Recall,

    /// <summary>Nothing called now: the counter is free, or the main display between calls.</summary>
    Idle,

    /// <summary>The counter is paused (training, back office).</summary>
    Paused,

    /// <summary>The counter's staff is away (falls back to <see cref="Paused"/> when the model has none).</summary>
    Away,

    /// <summary>The counter is closed (falls back to <see cref="Idle"/> when the model has none).</summary>
    Closed,
}

/// <summary>The values a message template may show. Filled on the engine loop, rendered there.</summary>
public sealed class DisplayValues
{
    /// <summary>The ticket number, e.g. <c>A023</c>.</summary>
    public string Number { get; set; } = "";

    /// <summary>The counter number.</summary>
    public int Counter { get; set; }

    /// <summary>The ticket's service name.</summary>
    public string Service { get; set; } = "";

    /// <summary>The ticket's service name in Chinese.</summary>
    public string ServiceZh { get; set; } = "";

    /// <summary>Waiting for this counter (counter display) or in the whole branch (main display).</summary>
    public int Waiting { get; set; }

    /// <summary>Branch name.</summary>
    public string Branch { get; set; } = "";

    /// <summary>Branch name in Chinese.</summary>
    public string BranchZh { get; set; } = "";

    /// <summary>Recent calls, newest first: (number, counter).</summary>
    public List<(string Number, int Counter)> Calls { get; } = [];

    /// <summary>Waiting per service id.</summary>
    public Dictionary<string, int> WaitingByService { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A message: lines of text with <c>{placeholders}</c>, and whether it blinks. Placeholders: <c>{number}</c>,
/// <c>{counter}</c>, <c>{service}</c>, <c>{serviceZh}</c>, <c>{waiting}</c>, <c>{branch}</c>, <c>{branchZh}</c>,
/// <c>{callN.number}</c> and <c>{callN.counter}</c> (the N-th most recent call, N from 1), and
/// <c>{waiting.SERVICE}</c> (waiting for one service by its id). <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
public sealed class MessageTemplate
{
    private readonly Segment[][] _lines;

    private MessageTemplate(IReadOnlyList<string> source, Segment[][] lines, bool blink)
    {
        Source = source;
        _lines = lines;
        Blink = blink;
    }

    /// <summary>The lines as written in the profile.</summary>
    public IReadOnlyList<string> Source { get; }

    /// <summary>Whether the message blinks.</summary>
    public bool Blink { get; }

    /// <summary>Service ids the template's <c>{waiting.ID}</c> placeholders name.</summary>
    public IEnumerable<string> ServiceIds
    {
        get
        {
            foreach (Segment[] line in _lines)
            {
                foreach (Segment s in line)
                {
                    if (s.Kind == SegmentKind.WaitingFor)
                    {
                        yield return s.Text;
                    }
                }
            }
        }
    }

    /// <summary>Parses a template; <paramref name="error"/> says what is wrong (an unknown placeholder, an open brace).</summary>
    public static bool TryParse(IReadOnlyList<string> lines, bool blink, out MessageTemplate? template, out string? error)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var parsed = new Segment[lines.Count][];
        for (int i = 0; i < lines.Count; i++)
        {
            if (!TryParseLine(lines[i], out parsed[i], out error))
            {
                template = null;
                error = $"line {i + 1}: {error}";
                return false;
            }
        }

        template = new MessageTemplate(lines, parsed, blink);
        error = null;
        return true;
    }

    /// <summary>Literal text of the template (without placeholders), to check that the model's encoding can show it.</summary>
    public string LiteralText
    {
        get
        {
            var sb = new StringBuilder();
            foreach (Segment[] line in _lines)
            {
                foreach (Segment s in line)
                {
                    if (s.Kind == SegmentKind.Literal)
                    {
                        sb.Append(s.Text);
                    }
                }
            }

            return sb.ToString();
        }
    }

    /// <summary>Renders the message with the values.</summary>
    public DisplayText Render(DisplayValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] lines = new string[_lines.Length];
        var sb = new StringBuilder();
        for (int i = 0; i < _lines.Length; i++)
        {
            sb.Clear();
            foreach (Segment s in _lines[i])
            {
                sb.Append(Value(s, values));
            }

            lines[i] = sb.ToString();
        }

        return new DisplayText(lines, Blink);
    }

    private static string Value(Segment s, DisplayValues v) => s.Kind switch
    {
        SegmentKind.Literal => s.Text,
        SegmentKind.Number => v.Number,
        SegmentKind.Counter => v.Counter > 0 ? v.Counter.ToString(CultureInfo.InvariantCulture) : "",
        SegmentKind.Service => v.Service,
        SegmentKind.ServiceZh => v.ServiceZh,
        SegmentKind.Waiting => v.Waiting.ToString(CultureInfo.InvariantCulture),
        SegmentKind.Branch => v.Branch,
        SegmentKind.BranchZh => v.BranchZh,
        SegmentKind.CallNumber => s.Index <= v.Calls.Count ? v.Calls[s.Index - 1].Number : "",
        SegmentKind.CallCounter => s.Index <= v.Calls.Count ? v.Calls[s.Index - 1].Counter.ToString(CultureInfo.InvariantCulture) : "",
        SegmentKind.WaitingFor => v.WaitingByService.TryGetValue(s.Text, out int w) ? w.ToString(CultureInfo.InvariantCulture) : "0",
        _ => "",
    };

    private static bool TryParseLine(string line, out Segment[] segments, out string? error)
    {
        var list = new List<Segment>();
        var literal = new StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '}')
            {
                if (i + 1 < line.Length && line[i + 1] == '}')
                {
                    literal.Append('}');
                    i++;
                    continue;
                }

                segments = [];
                error = $"a '}}' without its '{{' at character {i + 1} (write '}}}}' for a literal brace)";
                return false;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            if (i + 1 < line.Length && line[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            int end = line.IndexOf('}', i + 1);
            if (end < 0)
            {
                segments = [];
                error = $"the '{{' at character {i + 1} is not closed";
                return false;
            }

            if (literal.Length > 0)
            {
                list.Add(new Segment(SegmentKind.Literal, literal.ToString(), 0));
                literal.Clear();
            }

            string name = line[(i + 1)..end];
            if (!TryPlaceholder(name, out Segment segment))
            {
                segments = [];
                error = $"unknown placeholder {{{name}}} (known: {{number}}, {{counter}}, {{service}}, {{serviceZh}}, {{waiting}}, {{branch}}, {{branchZh}}, {{callN.number}}, {{callN.counter}}, {{waiting.SERVICE}})";
                return false;
            }

            list.Add(segment);
            i = end;
        }

        if (literal.Length > 0)
        {
            list.Add(new Segment(SegmentKind.Literal, literal.ToString(), 0));
        }

        segments = [.. list];
        error = null;
        return true;
    }

    private static bool TryPlaceholder(string name, out Segment segment)
    {
        SegmentKind kind = name switch
        {
            "number" => SegmentKind.Number,
            "counter" => SegmentKind.Counter,
            "service" => SegmentKind.Service,
            "serviceZh" => SegmentKind.ServiceZh,
            "waiting" => SegmentKind.Waiting,
            "branch" => SegmentKind.Branch,
            "branchZh" => SegmentKind.BranchZh,
            _ => SegmentKind.Literal,
        };
        if (kind != SegmentKind.Literal)
        {
            segment = new Segment(kind, "", 0);
            return true;
        }

        if (name.StartsWith("waiting.", StringComparison.Ordinal) && name.Length > "waiting.".Length)
        {
            segment = new Segment(SegmentKind.WaitingFor, name["waiting.".Length..], 0);
            return true;
        }

        int dot = name.IndexOf('.', StringComparison.Ordinal);
        if (name.StartsWith("call", StringComparison.Ordinal) && dot > 4
            && int.TryParse(name.AsSpan(4, dot - 4), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index is >= 1 and <= 100)
        {
            string field = name[(dot + 1)..];
            if (field is "number" or "counter")
            {
                segment = new Segment(field == "number" ? SegmentKind.CallNumber : SegmentKind.CallCounter, "", index);
                return true;
            }
        }

        segment = default;
        return false;
    }

    private enum SegmentKind : byte
    {
        Literal = 0,
        Number,
        Counter,
        Service,
        ServiceZh,
        Waiting,
        Branch,
        BranchZh,
        CallNumber,
        CallCounter,
        WaitingFor,
    }

    private readonly record struct Segment(SegmentKind Kind, string Text, int Index);
}
