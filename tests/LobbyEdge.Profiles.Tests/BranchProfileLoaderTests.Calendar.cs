using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.Profiles.Tests;

/// <summary>The profile's <c>calendar:</c> section, read in a profile and on its own (head office's update-calendar).</summary>
public sealed partial class BranchProfileLoaderTests
{
    private static readonly DayHours s_weekday = new(new TimeOnly(8, 30), new TimeOnly(17, 0));
    private static readonly DayHours s_saturday = new(new TimeOnly(9, 0), new TimeOnly(12, 30));

    [Fact]
    public void Load_Calendar_ReadsWeekClosedRangeSpecialHoursAndMakeUpDays()
    {
        BranchConfig config = Load("""
            calendar:
              weekly:
                mon: "08:30-17:00"
                tue: "08:30-17:00"
                wed: "08:30-17:00"
                thu: "08:30-17:00"
                fri: "08:30-17:00"
                sat: "09:00-12:30"
                sun: closed
              dates:
                - { date: 2026-10-01, to: 2026-10-07, closed: true, note: "国庆节 National Day" }
                - { date: 2026-12-31, hours: "08:30-15:00", note: "New Year's Eve" }
                - { date: 2026-10-11, workday: true, note: "调休 make-up working day" }
                - date: 2026-09-27
                  workday: true
                  hours: "09:00-16:00"
            """);

        BranchCalendar calendar = Assert.IsType<BranchCalendar>(config.Calendar);
        Assert.Equal(s_weekday, calendar.Weekly[(int)DayOfWeek.Monday]);
        Assert.Equal(s_weekday, calendar.Weekly[(int)DayOfWeek.Friday]);
        Assert.Equal(s_saturday, calendar.Weekly[(int)DayOfWeek.Saturday]);
        Assert.Null(calendar.Weekly[(int)DayOfWeek.Sunday]);

        // The range is one closed entry per date, each with the note.
        Assert.Equal(10, calendar.Dates.Count);
        for (var d = new DateOnly(2026, 10, 1); d <= new DateOnly(2026, 10, 7); d = d.AddDays(1))
        {
            Assert.Null(calendar.HoursOn(d, out CalendarDate? entry));
            Assert.Equal(CalendarDayKind.Closed, entry!.Kind);
            Assert.Equal("国庆节 National Day", entry.Note);
        }

        Assert.Equal(s_weekday, calendar.HoursOn(new DateOnly(2026, 10, 8)));
        Assert.Equal(new DayHours(new TimeOnly(8, 30), new TimeOnly(15, 0)), calendar.HoursOn(new DateOnly(2026, 12, 31), out CalendarDate? eve));
        Assert.Equal(CalendarDayKind.SpecialHours, eve!.Kind);

        // 2026-10-11 is a Sunday: a make-up day takes a weekday's hours unless it gives its own.
        Assert.Equal(s_weekday, calendar.HoursOn(new DateOnly(2026, 10, 11), out CalendarDate? makeUp));
        Assert.Equal(CalendarDayKind.MakeUpWorkday, makeUp!.Kind);
        Assert.Equal(new DayHours(new TimeOnly(9, 0), new TimeOnly(16, 0)), calendar.HoursOn(new DateOnly(2026, 9, 27)));
        Assert.Null(calendar.HoursOn(new DateOnly(2026, 10, 18)));
        Assert.Equal(new DateOnly(2026, 10, 8), calendar.NextOpenDate(new DateOnly(2026, 10, 1)));
        Assert.Empty(config.Validate());
    }

    [Fact]
    public void Load_DemoProfile_HasWeekdaysSaturdayMorningsHolidaysAndAMakeUpSaturday()
    {
        BranchConfig config = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;

        BranchCalendar calendar = Assert.IsType<BranchCalendar>(config.Calendar);
        Assert.Equal(new DayHours(config.OpenTime, config.CloseTime), calendar.Weekly[(int)DayOfWeek.Wednesday]);
        Assert.Equal(new DayHours(new TimeOnly(9, 0), new TimeOnly(13, 0)), calendar.Weekly[(int)DayOfWeek.Saturday]);
        Assert.Null(calendar.Weekly[(int)DayOfWeek.Sunday]);
        Assert.Contains(calendar.Dates, d => d.Kind == CalendarDayKind.Closed && d.Note.Contains("春节", StringComparison.Ordinal));
        CalendarDate makeUp = Assert.Single(calendar.Dates, d => d.Kind == CalendarDayKind.MakeUpWorkday);
        Assert.Equal(DayOfWeek.Saturday, makeUp.Date.DayOfWeek);
        Assert.Equal(new DayHours(config.OpenTime, config.CloseTime), makeUp.Hours);
        Assert.Single(calendar.Dates, d => d.Kind == CalendarDayKind.SpecialHours);
        Assert.Empty(config.Validate());
    }

    [Fact]
    public void Load_MakeUpDayWithMondayClosed_TakesTheFirstOpenWeekdaysHours()
    {
        BranchCalendar calendar = Load("""
            calendar:
              weekly: { tue: "10:00-16:00", wed: "08:30-17:00", sat: "09:00-12:30" }
              dates:
                - { date: 2026-02-14, workday: true }
            """).Calendar!;

        Assert.Null(calendar.Weekly[(int)DayOfWeek.Monday]);
        Assert.Null(calendar.Weekly[(int)DayOfWeek.Sunday]);
        Assert.Equal(new DayHours(new TimeOnly(10, 0), new TimeOnly(16, 0)), calendar.HoursOn(new DateOnly(2026, 2, 14)));
        Assert.Equal("", calendar.Dates[0].Note);
    }

    [Fact]
    public void Load_NoCalendar_OpensEveryDayWithTheBranchHours()
    {
        BranchConfig config = BranchProfileLoader.Load(Write(Minimal())).Branch;

        Assert.Null(config.Calendar);
        Assert.Equal(new DayHours(new TimeOnly(9, 0), new TimeOnly(17, 0)), config.EffectiveCalendar.HoursOn(new DateOnly(2026, 10, 4)));
    }

    [Fact]
    public void Load_CalendarWithDatesOnly_KeepsTheBranchHoursEveryDay()
    {
        BranchCalendar calendar = Load("""
            calendar:
              dates: [{ date: 2026-05-01, to: 2026-05-05, closed: true, note: "劳动节 Labour Day" }]
            """).Calendar!;

        Assert.All(calendar.Weekly, h => Assert.Equal(new DayHours(new TimeOnly(9, 0), new TimeOnly(17, 0)), h));
        Assert.Null(calendar.HoursOn(new DateOnly(2026, 5, 3)));
        Assert.Equal(new DateOnly(2026, 5, 6), calendar.NextOpenDate(new DateOnly(2026, 5, 1)));
    }

    [Fact]
    public void Load_RangeOf366Days_IsAccepted()
    {
        BranchCalendar calendar = Load("""
            calendar:
              weekly: { mon: "09:00-17:00" }
              dates: [{ date: 2027-01-01, to: 2027-12-31, hours: "10:00-12:00" }, { date: 2028-01-01, to: 2028-12-31, closed: true }]
            """).Calendar!;

        Assert.Equal(365 + 366, calendar.Dates.Count);
    }

    public static TheoryData<string, string, int, int, string> Errors => new()
    {
        // calendar text (lines start at 1), field, line, column, message
        { "calendar: [mon]", "calendar", 1, 1, "must be a set of keys (weekly:, dates:), not a list" },
        { "calendar:\n  weekley: {}", "calendar.weekley", 2, 3, "unknown key \"weekley\"; did you mean \"weekly\"?" },
        { "calendar:\n  weekly: \"08:30-17:00\"", "calendar.weekly", 2, 3, "must be the days of the week with their hours" },
        { "calendar:\n  weekly:\n    mon: \"08:30-17:00\"\n    satu: \"09:00-12:00\"", "calendar.weekly.satu", 4, 5, "unknown key \"satu\"; did you mean \"sat\"?" },
        { "calendar:\n  weekly:\n    mon: \"8:30-17:00\"", "calendar.weekly.mon", 3, 5, "must be hours as \"HH:mm-HH:mm\" (e.g. \"08:30-17:00\") or closed, 24-hour times (got \"8:30-17:00\")" },
        { "calendar:\n  weekly:\n    mon: shut", "calendar.weekly.mon", 3, 5, "(got \"shut\")" },
        { "calendar:\n  weekly:\n    mon: \"17:00-08:30\"", "calendar.weekly.mon", 3, 5, "close 08:30 must be after open 17:00" },
        { "calendar:\n  weekly:\n    mon: [\"08:30\", \"17:00\"]", "calendar.weekly.mon", 3, 5, "not a list" },
        { "calendar:\n  weekly: { sun: closed }", "calendar", 1, 1, "the calendar never opens" },
        { "calendar:\n  dates: { date: 2026-10-01 }", "calendar.dates", 2, 3, "must be a list of dated entries" },
        { "calendar:\n  dates:\n    - 2026-10-01", "calendar.dates[0]", 3, 7, "each date must be a set of keys" },
        { "calendar:\n  dates:\n    - { closed: true }", "calendar.dates[0].date", 3, 7, "required key \"date\" is missing" },
        { "calendar:\n  dates:\n    - { date: 2026-13-01, closed: true }", "calendar.dates[0].date", 3, 9, "must be a date as yyyy-MM-dd, e.g. 2026-10-01 (got \"2026-13-01\")" },
        { "calendar:\n  dates:\n    - { date: 1.10.2026, closed: true }", "calendar.dates[0].date", 3, 9, "(got \"1.10.2026\")" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, nots: x, closed: true }", "calendar.dates[0].nots", 3, 27, "unknown key \"nots\"; did you mean \"note\"?" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01 }", "calendar.dates[0]", 3, 7, "say what the date is: closed: true, hours: \"09:00-15:00\" (special hours) or workday: true" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, closed: false }", "calendar.dates[0].closed", 3, 27, "an entry that is not closed has nothing to say" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, closed: yes }", "calendar.dates[0].closed", 3, 27, "must be true or false (got \"yes\")" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, closed: true, hours: \"09:00-12:00\" }", "calendar.dates[0].hours", 3, 41, "a closed date has no hours" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, closed: true, workday: true }", "calendar.dates[0].workday", 3, 41, "cannot be closed and a make-up working day" },
        { "calendar:\n  dates:\n    - { date: 2026-12-31, hours: \"15:00-08:30\" }", "calendar.dates[0].hours", 3, 27, "close 08:30 must be after open 15:00" },
        { "calendar:\n  dates:\n    - { date: 2026-10-11, workday: true, hours: closed }", "calendar.dates[0].hours", 3, 42, "must be hours as \"HH:mm-HH:mm\" (e.g. \"08:30-17:00\"), 24-hour times (got \"closed\")" },
        { "calendar:\n  weekly: { sat: \"09:00-12:00\" }\n  dates:\n    - { date: 2026-10-11, workday: true }", "calendar.dates[0].workday", 4, 27, "no weekday (mon..fri) opens to take the hours from; give hours:" },
        { "calendar:\n  dates:\n    - { date: 2026-10-07, to: 2026-10-01, closed: true }", "calendar.dates[0].to", 3, 27, "must not be before date 2026-10-07 (got 2026-10-01)" },
        { "calendar:\n  dates:\n    - { date: 2026-01-01, to: 2027-01-02, closed: true }", "calendar.dates[0].to", 3, 27, "a range runs at most 366 days (2026-01-01 .. 2027-01-02 is 367)" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, to: 2026-10-07, closed: true }\n    - { date: 2026-10-07, hours: \"09:00-12:00\" }", "calendar.dates[1]", 4, 7, "2026-10-07 is already given by calendar.dates[0]; one entry per date" },
        { "calendar:\n  dates:\n    - { date: 2026-10-01, closed: true, note: \"line one\\nline two\" }", "calendar.dates[0].note", 3, 41, "U+000A (a control character) at character 9" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Load_BadCalendar_NamesFileLineColumnAndField(string calendar, string field, int line, int column, string message)
    {
        string path = Write(calendar + "\n" + Minimal());

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal(path, problem.File);
        Assert.Equal((field, line, column), (problem.Field, problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralCalendarProblems_AreAllReportedInOneRun()
    {
        string path = Write("""
            calendar:
              weekly:
                mon: "08:30-1700"
              dates:
                - { date: 2026-10-01, closed: maybe }
                - { date: 2026-10-02, hours: "9-12" }
            """ + "\n" + Minimal());

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal(
            ["calendar.weekly.mon", "calendar.dates[0].closed", "calendar.dates[1].hours"],
            e.Problems.Select(p => p.Field));
        Assert.Equal([3, 5, 6], e.Problems.Select(p => p.Line));
    }

    [Fact]
    public void Load_BadBranchHoursWithoutWeekly_IsReportedOnceAtBranchClose()
    {
        string path = Write("calendar:\n  dates: [{ date: 2026-10-01, closed: true }]\n" + Minimal(close: "\"08:00\""));

        ProfileException e = Assert.Throws<ProfileException>(() => BranchProfileLoader.Load(path));

        Assert.Equal("branch.close", Assert.Single(e.Problems).Field);
    }

    [Fact]
    public void Read_JsonCalendarOfUpdateCalendar_GivesTheSameCalendarAsTheProfile()
    {
        using JsonDocument json = JsonDocument.Parse("""
            {"calendar": {
            	"weekly": {"mon": "08:30-17:00", "tue": "08:30-17:00", "wed": "08:30-17:00", "thu": "08:30-17:00", "fri": "08:30-17:00", "sat": "09:00-12:30"},
            	"dates": [
            		{"date": "2026-10-01", "to": "2026-10-07", "closed": true, "note": "国庆节 National Day"},
            		{"date": "2026-10-11", "workday": true}
            	]
            }}
            """);

        BranchCalendar calendar = BranchCalendarReader.Read(json.RootElement.GetProperty("calendar"), "update-calendar", new TimeOnly(9, 0), new TimeOnly(17, 0))!;

        Assert.Equal(s_saturday, calendar.Weekly[(int)DayOfWeek.Saturday]);
        Assert.Null(calendar.Weekly[(int)DayOfWeek.Sunday]);
        Assert.Equal(8, calendar.Dates.Count);
        Assert.Equal(s_weekday, calendar.HoursOn(new DateOnly(2026, 10, 11)));
        Assert.Null(calendar.HoursOn(new DateOnly(2026, 10, 5)));
    }

    [Fact]
    public void Read_BadJsonCalendar_NamesSourceLineColumnAndField()
    {
        using JsonDocument json = JsonDocument.Parse("""
            {
              "weekly": {"mon": "08:30-17:00"},
              "dates": [
                {"date": "2026-10-01", "closed": true},
                {"date": "2026-10-02", "hours": "12:00-09:00"}
              ]
            }
            """);

        ProfileException e = Assert.Throws<ProfileException>(
            () => BranchCalendarReader.Read(json.RootElement, "update-calendar", new TimeOnly(9, 0), new TimeOnly(17, 0)));

        ProfileProblem problem = Assert.Single(e.Problems);
        Assert.Equal("update-calendar:5:28: calendar.dates[1].hours: close 09:00 must be after open 12:00 (got \"12:00-09:00\")", problem.ToString());
    }

    [Fact]
    public void Read_YamlText_ReadsOrReportsLikeTheProfile()
    {
        BranchCalendar? none = BranchCalendarReader.Read("~", "update-calendar", new TimeOnly(9, 0), new TimeOnly(17, 0));
        BranchCalendar calendar = BranchCalendarReader.Read("weekly:\n  sat: \"09:00-12:30\"\n", "cal.yaml", new TimeOnly(9, 0), new TimeOnly(17, 0))!;
        ProfileException e = Assert.Throws<ProfileException>(
            () => BranchCalendarReader.Read("weekly: {sat: \"09:00-12:30\"}\ndates: [{date: 2026-10-01}\n", "cal.yaml", new TimeOnly(9, 0), new TimeOnly(17, 0)));

        Assert.Null(none);
        Assert.Equal(s_saturday, calendar.HoursOn(new DateOnly(2026, 10, 3)));
        Assert.Null(calendar.HoursOn(new DateOnly(2026, 10, 5)));
        Assert.StartsWith("cal.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Null(e.Field);
    }

    private BranchConfig Load(string calendar) => BranchProfileLoader.Load(Write(calendar + "\n" + Minimal())).Branch;
}
