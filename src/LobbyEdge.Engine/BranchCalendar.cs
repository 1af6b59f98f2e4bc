namespace LobbyEdge.Engine;

/// <summary>A day's opening hours, local time in the branch's zone. <c>Close</c> is after <c>Open</c>.</summary>
/// <param name="Open">When the day opens.</param>
/// <param name="Close">When it closes.</param>
public readonly record struct DayHours(TimeOnly Open, TimeOnly Close);

/// <summary>What a dated entry of the business calendar does to its date.</summary>
public enum CalendarDayKind : byte
{
    /// <summary>The branch does not open (a public holiday, a special closure).</summary>
    Closed = 0,

    /// <summary>The branch opens with other hours than its week's (e.g. New Year's Eve until 15:00).</summary>
    SpecialHours = 1,

    /// <summary>
    /// A make-up working day (调休): a day the week closes (usually a Saturday or Sunday) that opens because a public
    /// holiday moved it. Opens with <see cref="CalendarDate.Hours"/>.
    /// </summary>
    MakeUpWorkday = 2,
}

/// <summary>One dated entry of the business calendar.</summary>
/// <param name="Date">The local date it applies to.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Hours">The hours for <see cref="CalendarDayKind.SpecialHours"/> and <see cref="CalendarDayKind.MakeUpWorkday"/>; null when closed.</param>
/// <param name="Note">What the day is, shown to staff and customers (e.g. "国庆节 National Day"); may be empty.</param>
public sealed record CalendarDate(DateOnly Date, CalendarDayKind Kind, DayHours? Hours, string Note = "");

/// <summary>
/// The branch's business calendar: the hours of each day of the week, and dated entries (closed dates, special
/// hours, make-up working days) that override the week for one date. Pure data, from the branch profile
/// (<c>calendar:</c>) or pushed by head office (<c>update-calendar</c>); no year is built into the code.
/// Read once per day (opening, closing), never on the per-command path.
/// </summary>
public sealed class BranchCalendar
{
    private Dictionary<DateOnly, CalendarDate>? _byDate;

    /// <summary>
    /// The hours of each day of the week, seven entries indexed by <see cref="DayOfWeek"/> (0 = Sunday .. 6 =
    /// Saturday); null = closed that day of the week.
    /// </summary>
    public required IReadOnlyList<DayHours?> Weekly { get; init; }

    /// <summary>The dated entries, at most one per date, in any order.</summary>
    public IReadOnlyList<CalendarDate> Dates { get; init; } = [];

    /// <summary>A calendar that opens every day of the week with the same hours and has no dated entries.</summary>
    public static BranchCalendar EveryDay(TimeOnly open, TimeOnly close)
    {
        var hours = new DayHours?[7];
        Array.Fill(hours, new DayHours(open, close));
        return new BranchCalendar { Weekly = hours };
    }

    /// <summary>The hours of a date, or null when the branch is closed on it; <paramref name="entry"/> is the dated entry that decided, if any.</summary>
    public DayHours? HoursOn(DateOnly date, out CalendarDate? entry)
    {
        _byDate ??= BuildIndex();
        if (_byDate.TryGetValue(date, out CalendarDate? found))
        {
            entry = found;
            return found.Kind == CalendarDayKind.Closed ? null : found.Hours;
        }

        entry = null;
        int dow = (int)date.DayOfWeek;
        return dow < Weekly.Count ? Weekly[dow] : null;
    }

    /// <summary>The hours of a date, or null when the branch is closed on it.</summary>
    public DayHours? HoursOn(DateOnly date) => HoursOn(date, out _);

    /// <summary>The first date on or after <paramref name="from"/> the branch opens, looking at most <paramref name="horizonDays"/> days ahead; null when none.</summary>
    public DateOnly? NextOpenDate(DateOnly from, int horizonDays = 366)
    {
        for (int i = 0; i <= horizonDays; i++)
        {
            DateOnly d = from.AddDays(i);
            if (HoursOn(d) is not null)
            {
                return d;
            }
        }

        return null;
    }

    /// <summary>
    /// Adds what is wrong to <paramref name="errors"/> as (field path, message): seven weekly entries, each day's close
    /// after its open, hours on every special-hours and make-up day and none on a closed one, one entry per date,
    /// and at least one open day of the week or dated opening.
    /// </summary>
    public void Validate(string path, List<(string Field, string Message)> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Weekly.Count != 7)
        {
            errors.Add(($"{path}.weekly", "must give the hours of all seven days of the week"));
        }

        bool anyOpen = false;
        for (int i = 0; i < Weekly.Count; i++)
        {
            if (Weekly[i] is DayHours h)
            {
                anyOpen = true;
                if (h.Close <= h.Open)
                {
                    errors.Add(($"{path}.weekly.{DayName(i)}", $"close {h.Close:HH\\:mm} must be after open {h.Open:HH\\:mm}"));
                }
            }
        }

        var seen = new HashSet<DateOnly>();
        for (int i = 0; i < Dates.Count; i++)
        {
            CalendarDate d = Dates[i];
            string at = $"{path}.dates[{i}]";
            if (!seen.Add(d.Date))
            {
                errors.Add((at, $"{d.Date:yyyy-MM-dd} is listed twice"));
            }

            if (d.Kind == CalendarDayKind.Closed)
            {
                if (d.Hours is not null)
                {
                    errors.Add((at, "a closed date has no hours"));
                }

                continue;
            }

            anyOpen = true;
            if (d.Hours is not DayHours h)
            {
                errors.Add((at, "special hours and make-up working days need their hours"));
            }
            else if (h.Close <= h.Open)
            {
                errors.Add((at, $"close {h.Close:HH\\:mm} must be after open {h.Open:HH\\:mm}"));
            }
        }

        if (!anyOpen)
        {
            errors.Add((path, "the calendar never opens: give the hours of at least one day of the week"));
        }
    }

    /// <summary>The profile's name of a day of the week: <c>sun</c>, <c>mon</c> .. <c>sat</c>.</summary>
    public static string DayName(int dayOfWeek) => dayOfWeek switch
    {
        0 => "sun",
        1 => "mon",
        2 => "tue",
        3 => "wed",
        4 => "thu",
        5 => "fri",
        6 => "sat",
        _ => dayOfWeek.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private Dictionary<DateOnly, CalendarDate> BuildIndex()
    {
        var map = new Dictionary<DateOnly, CalendarDate>(Dates.Count);
        foreach (CalendarDate d in Dates)
        {
            map.TryAdd(d.Date, d);
        }

        return map;
    }
}
