namespace LobbyEdge.Engine.Tests;

/// <summary>The business calendar drives the day: closed weekdays, holidays, special hours, make-up working days.</summary>
public sealed class CalendarTests
{
    private static readonly DayHours s_office = new(new TimeOnly(9, 0), new TimeOnly(17, 0));

    /// <summary>
    /// Monday 23 .. Friday 27 November 2026 09:00-17:00, weekends closed; 25-26 November closed (a holiday range);
    /// Friday 27 until 12:00 (special hours); Saturday 28 a make-up working day 09:30-16:00.
    /// </summary>
    internal static BranchCalendar Week()
    {
        var weekly = new DayHours?[7];
        for (int d = (int)DayOfWeek.Monday; d <= (int)DayOfWeek.Friday; d++)
        {
            weekly[d] = s_office;
        }

        return new BranchCalendar
        {
            Weekly = weekly,
            Dates =
            [
                new CalendarDate(new DateOnly(2026, 11, 25), CalendarDayKind.Closed, null, "holiday"),
                new CalendarDate(new DateOnly(2026, 11, 26), CalendarDayKind.Closed, null, "holiday"),
                new CalendarDate(new DateOnly(2026, 11, 27), CalendarDayKind.SpecialHours, new DayHours(new TimeOnly(9, 0), new TimeOnly(12, 0)), "short day"),
                new CalendarDate(new DateOnly(2026, 11, 28), CalendarDayKind.MakeUpWorkday, new DayHours(new TimeOnly(9, 30), new TimeOnly(16, 0)), "调休"),
            ],
        };
    }

    internal static BranchConfig WithCalendar(BranchCalendar? calendar, long version = 1, TimeZoneInfo? zone = null)
    {
        BranchConfig small = Branches.Small();
        return new BranchConfig
        {
            BranchId = small.BranchId,
            Name = small.Name,
            TimeZone = zone ?? small.TimeZone,
            TicketingCutoff = small.TicketingCutoff,
            MaxTicketsPerDay = small.MaxTicketsPerDay,
            Calendar = calendar,
            Services = small.Services,
            Counters = small.Counters,
        }.WithVersion(version, 0x500 + version);
    }

    private static DateTimeOffset Local(DateOnly date, int hour, int minute, TimeZoneInfo? zone = null) =>
        new(BusinessCalendar.ToUtc(zone ?? Branches.Shanghai, date, new TimeOnly(hour, minute)), TimeSpan.Zero);

    /// <summary>Ticks every 5 minutes over [from, to) and returns the days opened and closed (local times).</summary>
    private static List<(DateOnly Date, TimeOnly Opened, TimeOnly Closed)> RunTicks(Lobby lobby, DateTimeOffset from, DateTimeOffset to)
    {
        var days = new List<(DateOnly, TimeOnly, TimeOnly)>();
        TimeOnly opened = default;
        for (lobby.Now = from; lobby.Now < to; lobby.Minutes(5))
        {
            lobby.Tick();
            foreach (LobbyEvent e in lobby.Last)
            {
                TimeOnly at = TimeOnly.FromDateTime(BusinessCalendar.ToLocal(lobby.Engine.Config.TimeZone, e.TimeUtc));
                if (e.Kind == EventKind.DayOpened)
                {
                    opened = at;
                }
                else if (e.Kind == EventKind.DayClosed)
                {
                    days.Add((e.AsDayClosed().BusinessDate, opened, at));
                }
            }
        }

        return days;
    }

    [Fact]
    public void AutoOpen_FollowsTheCalendar_ClosedDaysHolidaysSpecialHoursAndMakeUpSaturday()
    {
        var lobby = new Lobby(WithCalendar(Week()), open: false);
        var monday = new DateOnly(2026, 11, 23);
        List<(DateOnly Date, TimeOnly Opened, TimeOnly Closed)> days = RunTicks(lobby, Local(monday, 0, 0), Local(monday.AddDays(8), 0, 0));

        Assert.Equal(
            [
                (monday, new TimeOnly(9, 0), new TimeOnly(17, 0)),
                (monday.AddDays(1), new TimeOnly(9, 0), new TimeOnly(17, 0)),
                (monday.AddDays(4), new TimeOnly(9, 0), new TimeOnly(12, 0)),
                (monday.AddDays(5), new TimeOnly(9, 30), new TimeOnly(16, 0)),
                (monday.AddDays(7), new TimeOnly(9, 0), new TimeOnly(17, 0)),
            ],
            days);
    }

    [Fact]
    public void SpecialHours_CutOffIsFromThatDaysClose()
    {
        var lobby = new Lobby(WithCalendar(Week()), open: false) { Now = Local(new DateOnly(2026, 11, 27), 9, 0) };
        lobby.Ok(Command.OpenDay());
        Assert.Equal(Local(new DateOnly(2026, 11, 27), 12, 0).UtcDateTime, lobby.Engine.CloseUtc);
        Assert.Equal(Local(new DateOnly(2026, 11, 27), 11, 45).UtcDateTime, lobby.Engine.TicketingCutoffUtc);
        lobby.Now = Local(new DateOnly(2026, 11, 27), 11, 44);
        lobby.Issue();
        lobby.Now = Local(new DateOnly(2026, 11, 27), 11, 46);
        Assert.Equal(RefusalReason.TicketingClosed, lobby.Refused(Command.Issue(Branches.Cash)));
    }

    [Fact]
    public void OpenDay_OnADateTheCalendarCloses_IsRefusedClosedByCalendar()
    {
        var lobby = new Lobby(WithCalendar(Week()), open: false) { Now = Local(new DateOnly(2026, 11, 25), 10, 0) };
        Assert.Equal(RefusalReason.ClosedByCalendar, lobby.Refused(Command.OpenDay()));
        lobby.Now = Local(new DateOnly(2026, 11, 29), 10, 0);
        Assert.Equal(RefusalReason.ClosedByCalendar, lobby.Refused(Command.OpenDay()));
        lobby.Now = Local(new DateOnly(2026, 11, 28), 10, 0);
        lobby.Ok(Command.OpenDay());
    }

    [Fact]
    public void NextOpening_SkipsTheHolidayRange()
    {
        var lobby = new Lobby(WithCalendar(Week()));
        lobby.Now = Branches.At(17, 0).AddDays(1);
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);
        Assert.Equal(Local(new DateOnly(2026, 11, 27), 9, 0).UtcDateTime, lobby.Engine.NextOpeningUtc(lobby.Now));
        Assert.Null(lobby.Engine.HoursOn(new DateOnly(2026, 11, 26)));
    }

    [Fact]
    public void NextOpening_WithinTodaysHoursWhileTheDayIsNotOpen_IsNow_NeverATimeInThePast()
    {
        // An open date after its opening time, the day not opened (a manager opens by hand, the clock was not
        // synchronised): the branch can open now, so the next opening is now, not this morning's 09:00.
        var lobby = new Lobby(WithCalendar(Week()), open: false) { Now = Local(new DateOnly(2026, 11, 24), 15, 13) };
        Assert.Equal(lobby.Now.UtcDateTime, lobby.Engine.NextOpeningUtc(lobby.Now));

        // Before the opening it is still today's opening time.
        lobby.Now = Local(new DateOnly(2026, 11, 24), 8, 0);
        Assert.Equal(Local(new DateOnly(2026, 11, 24), 9, 0).UtcDateTime, lobby.Engine.NextOpeningUtc(lobby.Now));
    }

    [Fact]
    public void NextOpening_AfterTodaysDayWasHeldAndClosedWithinItsHours_IsTheNextOpenDate()
    {
        var lobby = new Lobby(WithCalendar(Week()), open: false) { Now = Local(new DateOnly(2026, 11, 24), 9, 0) };
        lobby.Ok(Command.OpenDay());
        lobby.Now = Local(new DateOnly(2026, 11, 24), 15, 13);
        lobby.Ok(Command.CloseDay());
        DateTime next = lobby.Engine.NextOpeningUtc(lobby.Now)!.Value;
        Assert.True(next >= lobby.Now.UtcDateTime, $"next opening {next:O} is before now {lobby.Now:O}");
        Assert.Equal(Local(new DateOnly(2026, 11, 27), 9, 0).UtcDateTime, next);
    }

    [Fact]
    public void LiveCalendarChange_TodayKeepsItsClose_TheNextOpeningFollowsTheNewCalendar()
    {
        var lobby = new Lobby(WithCalendar(null));
        DateTime close = lobby.Engine.CloseUtc;

        // Today until 12:00 and tomorrow closed: today's open day keeps 17:00.
        BranchCalendar calendar = BranchCalendar.EveryDay(new TimeOnly(9, 0), new TimeOnly(17, 0));
        var changed = new BranchCalendar
        {
            Weekly = calendar.Weekly,
            Dates =
            [
                new CalendarDate(Branches.Day, CalendarDayKind.SpecialHours, new DayHours(new TimeOnly(9, 0), new TimeOnly(12, 0))),
                new CalendarDate(Branches.Day.AddDays(1), CalendarDayKind.Closed, null, "closure"),
            ],
        };
        lobby.Ok(Command.Reconfigure(WithCalendar(changed, 2), ConfigurationSource.HeadOffice));
        Assert.Equal(ConfigurationChange.Live, lobby.Last[0].AsConfigurationChanged().Change);
        Assert.Equal(close, lobby.Engine.CloseUtc);
        lobby.Now = Branches.At(12, 30);
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);

        var days = RunTicks(lobby, Branches.At(16, 0), Branches.At(16, 0).AddDays(4));
        Assert.Equal([Branches.Day, Branches.Day.AddDays(2), Branches.Day.AddDays(3)], days.Select(d => d.Date));
    }

    [Fact]
    public void LiveCalendarChange_AfterTheNextOpeningWasCached_IsFollowed()
    {
        var lobby = new Lobby(WithCalendar(null));
        lobby.Now = Branches.At(17, 0);
        lobby.Tick();
        lobby.Now = Branches.At(18, 0);
        lobby.Tick(); // caches tomorrow 09:00

        BranchCalendar every = BranchCalendar.EveryDay(new TimeOnly(9, 0), new TimeOnly(17, 0));
        var closedTomorrow = new BranchCalendar { Weekly = every.Weekly, Dates = [new CalendarDate(Branches.Day.AddDays(1), CalendarDayKind.Closed, null)] };
        lobby.Ok(Command.Reconfigure(WithCalendar(closedTomorrow, 2), ConfigurationSource.HeadOffice));

        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);
        lobby.Now = Branches.At(9, 0).AddDays(2);
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);
        Assert.Equal(Branches.Day.AddDays(2), lobby.Engine.BusinessDate);
    }

    [Fact]
    public void OpenDay_AfterTheDayWasHeld_IsRefusedDayAlreadyClosed_AndTheNextOpenDayWorks()
    {
        var lobby = new Lobby(WithCalendar(Week()));
        lobby.Ok(Command.CloseDay());
        Assert.Equal(RefusalReason.DayAlreadyClosed, lobby.Refused(Command.OpenDay()));
        lobby.Now = Branches.At(8, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
    }

    [Fact]
    public void DaylightSaving_AnOpeningInTheSpringGap_OpensAtTheFirstMinuteThatExists()
    {
        // London springs forward on Sunday 29 March 2026 at 01:00 GMT: 01:00-01:59 local does not exist.
        TimeZoneInfo london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        var sunday = new DateOnly(2026, 3, 29);
        var calendar = new BranchCalendar
        {
            Weekly = new DayHours?[7],
            Dates = [new CalendarDate(sunday, CalendarDayKind.MakeUpWorkday, new DayHours(new TimeOnly(1, 30), new TimeOnly(17, 0)))],
        };
        var lobby = new Lobby(WithCalendar(calendar, zone: london), open: false)
        {
            Now = new DateTimeOffset(2026, 3, 29, 0, 55, 0, TimeSpan.Zero),
        };
        Assert.Equal(0, lobby.Tick());
        lobby.Now = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero); // 02:00 BST
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);
        Assert.Equal(sunday, lobby.Engine.BusinessDate);
        Assert.Equal(new DateTime(2026, 3, 29, 16, 0, 0, DateTimeKind.Utc), lobby.Engine.CloseUtc); // 17:00 BST
    }
}
