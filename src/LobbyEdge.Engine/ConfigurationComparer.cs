using System.Globalization;

namespace LobbyEdge.Engine;

/// <summary>
/// <see cref="BranchConfig.Compare"/>: what differs between two configurations, each change as
/// <c>field.path: old -> new</c> with the branch profile's field names and units (minutes, seconds, <c>HH:mm</c>,
/// <c>first-last</c>), sorted into what can change during an open day and what waits for the next opening.
/// </summary>
internal static class ConfigurationComparer
{
    /// <summary>A service's fields by their profile names; structural ones wait for the next opening.</summary>
    private static readonly (string Field, bool Structural, Func<ServiceConfig, string> Value)[] s_serviceFields =
    [
        ("prefix", true, s => s.Prefix.ToString()),
        ("numbers", true, s => $"{Int(s.FirstNumber)}-{Int(s.LastNumber)}"),
        ("name", false, s => Quote(s.Name)),
        ("nameZh", false, s => Quote(s.NameZh)),
        ("dailyCap", false, s => Int(s.DailyCap)),
        ("careMinutes", false, s => Minutes(s.CareThreshold)),
        ("careRepeatMinutes", false, s => Minutes(s.CareRepeat)),
        ("slaMinutes", false, s => Minutes(s.SlaTarget)),
        ("maxRecalls", false, s => Int(s.MaxRecalls)),
        ("toleranceCalls", false, s => Int(s.ToleranceCalls)),
        ("toleranceMinutes", false, s => Minutes(s.ToleranceTime)),
        ("maxRecoveries", false, s => Int(s.MaxRecoveries)),
        ("recoverOffset", false, s => Int(s.RecoverOffset)),
        ("transferPlacement", false, s => Placement(s.TransferPlacement)),
        ("seedServiceMinutes", false, s => Minutes(s.SeedServiceTime)),
        ("selfService", false, s => SelfService(s.SelfService)),
    ];

    public static ConfigurationDiff Compare(BranchConfig current, BranchConfig next)
    {
        var live = new List<string>();
        var opening = new List<string>();

        // Structural: the day's storage, numbering and identity.
        Add(opening, "branch.id", Quote(current.BranchId), Quote(next.BranchId));
        Add(opening, "branch.timeZone", current.TimeZone.Id, next.TimeZone.Id);
        Add(opening, "branch.maxTicketsPerDay", Int(current.MaxTicketsPerDay), Int(next.MaxTicketsPerDay));
        Add(opening, "branch.recentCalls", Int(current.RecentCallCount), Int(next.RecentCallCount));

        // Live: names, hours of days not yet opened, the cut-off, the rating window, opening by the clock.
        Add(live, "branch.name", Quote(current.Name), Quote(next.Name));
        Add(live, "branch.nameZh", Quote(current.NameZh), Quote(next.NameZh));
        Add(live, "branch.open", Time(current.OpenTime), Time(next.OpenTime));
        Add(live, "branch.close", Time(current.CloseTime), Time(next.CloseTime));
        Add(live, "branch.ticketingCutoffMinutes", Minutes(current.TicketingCutoff), Minutes(next.TicketingCutoff));
        Add(live, "branch.autoOpenClose", Bool(current.AutoOpenClose), Bool(next.AutoOpenClose));
        Add(live, "branch.ratingWindowSeconds", Seconds(current.RatingWindow), Seconds(next.RatingWindow));
        CompareCalendars(current, next, live);

        CompareServices(current, next, live, opening);
        CompareCounters(current, next, live, opening);
        return new ConfigurationDiff(live, opening);
    }

    private static void CompareServices(BranchConfig current, BranchConfig next, List<string> live, List<string> opening)
    {
        string before = List(current.Services, s => s.Id);
        string after = List(next.Services, s => s.Id);
        Add(opening, "services", before, after);
        for (int i = 0; i < next.Services.Count; i++)
        {
            ServiceConfig n = next.Services[i];
            ServiceConfig? c = null;
            foreach (ServiceConfig candidate in current.Services)
            {
                if (candidate.Id == n.Id)
                {
                    c = candidate;
                    break;
                }
            }

            if (c is null)
            {
                continue;
            }

            foreach ((string field, bool structural, Func<ServiceConfig, string> value) in s_serviceFields)
            {
                Add(structural ? opening : live, $"services[{Int(i)}].{field}", value(c), value(n));
            }
        }
    }

    private static void CompareCounters(BranchConfig current, BranchConfig next, List<string> live, List<string> opening)
    {
        string before = List(current.Counters, c => Int(c.Number));
        string after = List(next.Counters, c => Int(c.Number));
        Add(opening, "counters", before, after);
        if (before != after)
        {
            return;
        }

        for (int i = 0; i < next.Counters.Count; i++)
        {
            CounterConfig c = current.Counters[i];
            CounterConfig n = next.Counters[i];
            string path = $"counters[{i}]";
            Add(live, $"{path}.mode", Mode(c.Mode), Mode(n.Mode));
            Add(live, $"{path}.services", Serves(c, current), Serves(n, next));
            Add(live, $"{path}.buttonOnly", Bool(c.ButtonOnly), Bool(n.ButtonOnly));
            Add(live, $"{path}.openAtDayStart", Bool(c.OpenAtDayStart), Bool(n.OpenAtDayStart));
        }
    }

    /// <summary>
    /// The calendar by day of the week and by date (<c>calendar.weekly.sat</c>, <c>calendar.dates[2026-10-01]</c>);
    /// nothing when neither configuration has one (<c>branch.open</c> and <c>branch.close</c> say it).
    /// </summary>
    private static void CompareCalendars(BranchConfig current, BranchConfig next, List<string> live)
    {
        if (current.Calendar is null && next.Calendar is null)
        {
            return;
        }

        BranchCalendar c = current.EffectiveCalendar;
        BranchCalendar n = next.EffectiveCalendar;
        for (int d = 0; d < 7; d++)
        {
            Add(live, $"calendar.weekly.{BranchCalendar.DayName(d)}", Hours(At(c.Weekly, d)), Hours(At(n.Weekly, d)));
        }

        var dates = new SortedSet<DateOnly>();
        foreach (CalendarDate entry in c.Dates)
        {
            dates.Add(entry.Date);
        }

        foreach (CalendarDate entry in n.Dates)
        {
            dates.Add(entry.Date);
        }

        foreach (DateOnly date in dates)
        {
            c.HoursOn(date, out CalendarDate? was);
            n.HoursOn(date, out CalendarDate? now);
            Add(live, $"calendar.dates[{date:yyyy-MM-dd}]", Entry(was), Entry(now));
        }
    }

    private static DayHours? At(IReadOnlyList<DayHours?> weekly, int day) => day < weekly.Count ? weekly[day] : null;

    private static string Entry(CalendarDate? entry)
    {
        if (entry is null)
        {
            return "none";
        }

        string what = entry.Kind switch
        {
            CalendarDayKind.Closed => "closed",
            CalendarDayKind.MakeUpWorkday => "workday " + Hours(entry.Hours),
            _ => Hours(entry.Hours),
        };
        return entry.Note.Length == 0 ? what : $"{what} {Quote(entry.Note)}";
    }

    private static string Serves(CounterConfig counter, BranchConfig config) => List(counter.Services, w =>
    {
        string id = (uint)w.Service < (uint)config.Services.Count ? config.Services[w.Service].Id : Int(w.Service);
        return w.Weight == 1 ? id : $"{id}:{Int(w.Weight)}";
    });

    private static void Add(List<string> changes, string path, string before, string after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            changes.Add($"{path}: {before} -> {after}");
        }
    }

    private static string List<T>(IReadOnlyList<T> items, Func<T, string> name)
    {
        var parts = new string[items.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = name(items[i]);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static string Quote(string s) => "\"" + s + "\"";

    private static string SelfService(SelfServiceAlternative? a) =>
        a is null ? "none" : $"{Quote(a.Name)} / {Quote(a.NameZh)} from {Minutes(a.WaitThreshold)} min";

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool v) => v ? "true" : "false";

    private static string Time(TimeOnly t) => t.ToString("HH\\:mm", CultureInfo.InvariantCulture);

    private static string Hours(DayHours? h) => h is DayHours d ? $"{Time(d.Open)}-{Time(d.Close)}" : "closed";

    private static string Minutes(TimeSpan t) => t.TotalMinutes.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Placement(Placement p) => p switch
    {
        Engine.Placement.End => "end",
        Engine.Placement.ByAge => "by-age",
        _ => "front",
    };

    private static string Mode(CounterMode m) => m switch
    {
        CounterMode.LongestWait => "longest-wait",
        CounterMode.Weighted => "weighted",
        _ => "ordered",
    };
}
