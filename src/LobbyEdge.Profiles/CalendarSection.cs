using System.Globalization;
using LobbyEdge.Engine;
using YamlDotNet.RepresentationModel;

namespace LobbyEdge.Profiles;

/// <summary>
/// Reads the profile's <c>calendar:</c> section (weekly hours and dated entries) into a <see cref="BranchCalendar"/>,
/// reporting into the shared <see cref="ProfileReader"/>: every problem names its line, column and field
/// (<c>calendar.weekly.sat</c>, <c>calendar.dates[2].hours</c>). Everything <see cref="BranchCalendar.Validate"/>
/// checks is checked here first, at the line it is on, so the engine's check finds nothing more to say.
/// </summary>
internal sealed class CalendarSection(ProfileReader r)
{
    /// <summary>The section's key at the top of the profile.</summary>
    public const string Key = "calendar";

    /// <summary>The longest a <c>to:</c> range may run, in days counting both ends.</summary>
    public const int MaxRangeDays = 366;

    /// <summary>The longest note, in characters (it is shown on the kiosk and the signage).</summary>
    public const int MaxNoteLength = 80;

    private static readonly string[] s_keys = ["weekly", "dates"];
    private static readonly string[] s_dayKeys = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private static readonly string[] s_dateKeys = ["date", "to", "closed", "hours", "workday", "note"];

    /// <summary>
    /// Reads the section at <paramref name="slot"/>; null when it is empty or unreadable (reported).
    /// <paramref name="open"/> .. <paramref name="close"/> (the branch's hours) stand for every day when the section
    /// has no <c>weekly:</c>.
    /// </summary>
    public BranchCalendar? Read(Slot slot, TimeOnly open, TimeOnly close)
    {
        r.Note(slot.Field, slot.At, null);
        if (ProfileReader.IsNull(slot.Node))
        {
            return null;
        }

        if (slot.Node is not YamlMappingNode map)
        {
            r.Fail(slot.At, slot.Field, $"must be a set of keys (weekly:, dates:), not {ProfileReader.Describe(slot.Node)}");
            return null;
        }

        int before = r.Problems.Count;
        Dictionary<string, Slot> keys = r.Keys(map, slot.Field, s_keys);
        DayHours?[] weekly = ReadWeekly(ProfileReader.Optional(keys, "weekly"), open, close);
        List<CalendarDate> dates = ReadDates(ProfileReader.Optional(keys, "dates"), weekly);
        var calendar = new BranchCalendar { Weekly = weekly, Dates = dates };

        bool opens = Array.Exists(weekly, h => h is not null) || dates.Exists(d => d.Kind != CalendarDayKind.Closed);
        if (!opens && r.Problems.Count == before)
        {
            r.Fail(slot.At, slot.Field, "the calendar never opens: give the hours of at least one day of the week (weekly:), or an open date");
        }

        if (r.Problems.Count > before || (!keys.ContainsKey("weekly") && close <= open))
        {
            // Reported here at their lines (or, for a week of the branch's hours, at branch.close); the engine's
            // check of the stand-ins would only repeat them.
            r.Failed.Add(slot.Field);
        }

        return calendar;
    }

    /// <summary>
    /// The engine's findings about a calendar read by <see cref="Read"/> (none, when <see cref="Read"/> reported
    /// nothing), at the line of the field they name or of the nearest enclosing one.
    /// </summary>
    public void ReportFindings(BranchCalendar calendar, string path)
    {
        var findings = new List<(string Field, string Message)>();
        calendar.Validate(path, findings);
        foreach ((string field, string message) in findings)
        {
            string at = field;
            while (at.Length > 0 && !r.Sources.ContainsKey(at))
            {
                int end = at.LastIndexOfAny(['.', '[']);
                at = end < 0 ? "" : at[..end];
            }

            r.Report(r.Sources.TryGetValue(at, out Source source) ? source.At : ProfileReader.FileStart, field, message);
        }
    }

    private DayHours?[] ReadWeekly(Slot? slot, TimeOnly open, TimeOnly close)
    {
        var weekly = new DayHours?[7];
        if (slot is not { } s)
        {
            Array.Fill(weekly, new DayHours(open, close));
            return weekly;
        }

        r.Note(s.Field, s.At, null);
        if (s.Node is not YamlMappingNode map)
        {
            r.Fail(s.At, s.Field, $"must be the days of the week with their hours (mon: \"08:30-17:00\", sun: closed), not {ProfileReader.Describe(s.Node)}");
            return weekly;
        }

        // Days not listed are closed.
        foreach ((string day, Slot daySlot) in r.Keys(map, s.Field, s_dayKeys))
        {
            int dow = Array.IndexOf(s_dayKeys, day) + 1;
            weekly[dow % 7] = ReadHours(daySlot, allowClosed: true);
        }

        return weekly;
    }

    private List<CalendarDate> ReadDates(Slot? slot, DayHours?[] weekly)
    {
        var dates = new List<CalendarDate>();
        if (slot is not { } s)
        {
            return dates;
        }

        r.Note(s.Field, s.At, null);
        if (s.Node is not YamlSequenceNode list)
        {
            r.Fail(s.At, s.Field, $"must be a list of dated entries (- {{ date: 2026-10-01, closed: true }}), not {ProfileReader.Describe(s.Node)}");
            return dates;
        }

        // Which entry claimed each date, to name both when two entries give the same date.
        var claimed = new Dictionary<DateOnly, string>();
        foreach ((int _, string field, YamlMappingNode map) in r.Entries(list, s.Field, "each date must be a set of keys, e.g. { date: 2026-10-01, closed: true, note: \"National Day\" }"))
        {
            var item = new Slot(field, map.Start, map);
            r.Note(field, map.Start, null);
            Dictionary<string, Slot> keys = r.Keys(map, field, s_dateKeys);
            DateOnly? first = ReadDate(r.Required(keys, item, "date", "date: 2026-10-01"));
            Slot? toSlot = ProfileReader.Optional(keys, "to");
            DateOnly? last = toSlot is null ? first : ReadDate(toSlot);
            (CalendarDayKind Kind, DayHours? Hours)? what = ReadKind(keys, item, weekly);
            string note = ReadNote(ProfileReader.Optional(keys, "note"));
            if (first is not DateOnly from || last is not DateOnly to || what is not { } day)
            {
                continue;
            }

            if (toSlot is { } t && !CheckRange(t, from, to))
            {
                continue;
            }

            for (DateOnly d = from; d <= to; d = d.AddDays(1))
            {
                if (claimed.TryGetValue(d, out string? other))
                {
                    r.Fail(map.Start, field, $"{Day(d)} is already given by {other}; one entry per date");
                    break;
                }

                claimed[d] = field;
                dates.Add(new CalendarDate(d, day.Kind, day.Hours, note));
            }
        }

        return dates;
    }

    /// <summary>What an entry does: <c>closed: true</c>, <c>hours:</c> (special hours) or <c>workday: true</c> (with or without hours).</summary>
    private (CalendarDayKind, DayHours?)? ReadKind(Dictionary<string, Slot> keys, Slot item, DayHours?[] weekly)
    {
        Slot? closedSlot = ProfileReader.Optional(keys, "closed");
        Slot? hoursSlot = ProfileReader.Optional(keys, "hours");
        Slot? workdaySlot = ProfileReader.Optional(keys, "workday");
        bool? closed = r.Bool(closedSlot);
        bool? workday = r.Bool(workdaySlot);
        if ((closedSlot is not null && closed is null) || (workdaySlot is not null && workday is null))
        {
            return null;
        }

        const string Say = "say what the date is: closed: true, hours: \"09:00-15:00\" (special hours) or workday: true (a make-up working day)";
        if (closed == false || workday == false)
        {
            Slot no = closed == false ? closedSlot!.Value : workdaySlot!.Value;
            r.Fail(no.At, no.Field, $"an entry that is not {(closed == false ? "closed" : "a working day")} has nothing to say; leave the key out and {Say}");
            return null;
        }

        if (closed == true)
        {
            if (workday == true)
            {
                r.Fail(workdaySlot!.Value.At, workdaySlot.Value.Field, "a date cannot be closed and a make-up working day; keep one of closed: and workday:");
                return null;
            }

            if (hoursSlot is { } h)
            {
                r.Fail(h.At, h.Field, "a closed date has no hours; remove hours: or closed:");
                return null;
            }

            return (CalendarDayKind.Closed, null);
        }

        if (workday == true)
        {
            if (hoursSlot is { } given)
            {
                return ReadHours(given, allowClosed: false) is DayHours hours ? (CalendarDayKind.MakeUpWorkday, hours) : null;
            }

            // A make-up day works like a weekday: the first of Monday .. Friday that opens.
            for (int dow = 1; dow <= 5; dow++)
            {
                if (weekly[dow] is DayHours weekday)
                {
                    return (CalendarDayKind.MakeUpWorkday, weekday);
                }
            }

            r.Fail(workdaySlot!.Value.At, workdaySlot.Value.Field, "no weekday (mon..fri) opens to take the hours from; give hours: \"09:00-17:00\"");
            return null;
        }

        if (hoursSlot is { } special)
        {
            // `hours: closed` closes the date like `closed: true`.
            return ReadHours(special, allowClosed: true) is DayHours hours ? (CalendarDayKind.SpecialHours, hours)
                : r.Failed.Contains(special.Field) ? null : (CalendarDayKind.Closed, null);
        }

        r.Fail(item.At, item.Field, Say);
        return null;
    }

    /// <summary><c>"HH:mm-HH:mm"</c> (close after open), or <c>closed</c> when <paramref name="allowClosed"/> (null, not reported).</summary>
    private DayHours? ReadHours(Slot slot, bool allowClosed)
    {
        string expected = allowClosed ? "hours as \"HH:mm-HH:mm\" (e.g. \"08:30-17:00\") or closed" : "hours as \"HH:mm-HH:mm\" (e.g. \"08:30-17:00\")";
        if (ProfileReader.IsNull(slot.Node))
        {
            if (!allowClosed)
            {
                r.Fail(slot.At, slot.Field, $"needs {expected}");
            }

            return null;
        }

        if (!r.TryScalar(slot, expected, out string text))
        {
            return null;
        }

        if (allowClosed && text == "closed")
        {
            return null;
        }

        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || !TryTime(text[..dash].Trim(), out TimeOnly open) || !TryTime(text[(dash + 1)..].Trim(), out TimeOnly close))
        {
            r.Fail(slot.At, slot.Field, $"must be {expected}, 24-hour times (got \"{text}\")");
            return null;
        }

        if (close <= open)
        {
            r.Fail(slot.At, slot.Field, $"close {close:HH\\:mm} must be after open {open:HH\\:mm} (got \"{text}\")");
            return null;
        }

        return new DayHours(open, close);
    }

    private DateOnly? ReadDate(Slot? slot)
    {
        if (slot is not { } s || !r.TryScalar(s, "a date", out string text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
        {
            return date;
        }

        r.Fail(s.At, s.Field, $"must be a date as yyyy-MM-dd, e.g. 2026-10-01 (got \"{text}\")");
        return null;
    }

    private bool CheckRange(Slot to, DateOnly from, DateOnly last)
    {
        int days = last.DayNumber - from.DayNumber + 1;
        if (days < 1)
        {
            r.Fail(to.At, to.Field, $"must not be before date {Day(from)} (got {Day(last)})");
            return false;
        }

        if (days > MaxRangeDays)
        {
            r.Fail(to.At, to.Field, string.Create(CultureInfo.InvariantCulture, $"a range runs at most {MaxRangeDays} days ({Day(from)} .. {Day(last)} is {days})"));
            return false;
        }

        return true;
    }

    private string ReadNote(Slot? slot)
    {
        if (r.ShownText(slot) is not { } text || slot is not { } s)
        {
            return "";
        }

        if (text.Length > MaxNoteLength)
        {
            r.Fail(s.At, s.Field, string.Create(CultureInfo.InvariantCulture, $"must be one line of at most {MaxNoteLength} characters (it is shown on the kiosk and the signage)"));
            return "";
        }

        return text.Trim();
    }

    private static bool TryTime(string text, out TimeOnly time)
    {
        time = default;
        return text.Length == 5 && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads a business calendar on its own, in the form of the profile's <c>calendar:</c> section (YAML, or JSON such as
/// the <c>calendar</c> of head office's <c>update-calendar</c> command), with the profile's checks and messages.
/// </summary>
public static class BranchCalendarReader
{
    /// <summary>
    /// Reads <paramref name="text"/>, the content of a <c>calendar:</c> section (YAML or JSON: <c>{"weekly": {"mon":
    /// "08:30-17:00", …}, "dates": [{"date": "2026-10-01", "to": "2026-10-07", "closed": true, "note": "…"}]}</c>).
    /// </summary>
    /// <param name="text">The section's content; positions in problems are line and column in it (1-based).</param>
    /// <param name="sourceName">What problems name as the file, e.g. <c>update-calendar</c>.</param>
    /// <param name="branchOpen">The branch's opening time (<c>branch.open</c>): every day's, when there is no <c>weekly</c>.</param>
    /// <param name="branchClose">The branch's closing time (<c>branch.close</c>).</param>
    /// <returns>The calendar; null when the text is an empty value (<c>~</c>, <c>null</c>: no calendar, every day opens).</returns>
    /// <exception cref="ProfileException">
    /// Anything wrong, every problem as <c>source:line:column: calendar.dates[2].hours: message</c>.
    /// </exception>
    public static BranchCalendar? Read(string text, string sourceName, TimeOnly branchOpen, TimeOnly branchClose)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var reader = new ProfileReader(sourceName);
        YamlStream? stream = YamlFile.Parse(text, out YamlFileProblem problem);
        BranchCalendar? calendar = null;
        if (stream is null)
        {
            reader.Report(problem.At.Line > 0 ? problem.At : ProfileReader.FileStart, null, problem.Message);
        }
        else if (stream.Documents.Count == 1)
        {
            YamlNode root = stream.Documents[0].RootNode;
            var section = new CalendarSection(reader);
            calendar = section.Read(new Slot(CalendarSection.Key, root.Start, root), branchOpen, branchClose);
            if (calendar is not null && reader.Problems.Count == 0)
            {
                section.ReportFindings(calendar, CalendarSection.Key);
            }
        }
        else if (stream.Documents.Count > 1)
        {
            reader.Report(stream.Documents[1].RootNode.Start, null, "only one YAML document is allowed in a calendar (remove the '---' line)");
        }

        if (reader.Problems.Count > 0)
        {
            throw reader.ToException();
        }

        return calendar;
    }

    /// <summary>
    /// Reads a calendar given as JSON (the <c>calendar</c> object of <c>update-calendar</c>); as
    /// <see cref="Read(string, string, TimeOnly, TimeOnly)"/> on the element's text.
    /// </summary>
    /// <exception cref="ProfileException">Anything wrong; positions are in the element's JSON text.</exception>
    public static BranchCalendar? Read(System.Text.Json.JsonElement calendar, string sourceName, TimeOnly branchOpen, TimeOnly branchClose)
    {
        // JSON is YAML's flow form; tabs (allowed in JSON whitespace, not in YAML indentation) are spaces to YAML.
        return Read(calendar.GetRawText().Replace('\t', ' '), sourceName, branchOpen, branchClose);
    }
}
