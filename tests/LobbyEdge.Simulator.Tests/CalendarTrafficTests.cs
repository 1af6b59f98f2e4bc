using LobbyEdge.Engine;
using LobbyEdge.Profiles;

namespace LobbyEdge.Simulator.Tests;

/// <summary>The simulated day follows the branch's calendar: the date's hours, customers in proportion, closed dates known.</summary>
public sealed class CalendarTrafficTests
{
    private static readonly BranchConfig s_demo = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;

    [Fact]
    public void SaturdayMorning_IsPlannedWithItsHours_AndFewerCustomersThanAWeekday()
    {
        DateOnly monday = TestBranches.Monday;
        DateOnly saturday = monday.AddDays(5);
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo);

        var weekday = new LobbyTraffic(s_demo, profile, monday, seed: 4);
        var morning = new LobbyTraffic(s_demo, profile, saturday, seed: 4);

        Assert.Equal(BusinessCalendar.ToUtc(s_demo.TimeZone, monday, new TimeOnly(9, 0)), weekday.DayOpen);
        Assert.Equal(BusinessCalendar.ToUtc(s_demo.TimeZone, monday, new TimeOnly(17, 0)), weekday.DayClose);
        Assert.Equal(BusinessCalendar.ToUtc(s_demo.TimeZone, saturday, new TimeOnly(9, 0)), morning.DayOpen);
        Assert.Equal(BusinessCalendar.ToUtc(s_demo.TimeZone, saturday, new TimeOnly(13, 0)), morning.DayClose);

        // A 4-hour morning (less the cut-off) against an 8-hour day: about 225 of 465 minutes of the customers.
        double share = morning.PlannedArrivals / (double)weekday.PlannedArrivals;
        Assert.InRange(share, 0.3, 0.7);
    }

    [Fact]
    public void ClosedDates_AreKnownToTheSimulation_AndMakeUpDaysOpen()
    {
        BranchCalendar calendar = s_demo.Calendar!;
        CalendarDate holiday = calendar.Dates.First(d => d.Kind == CalendarDayKind.Closed);
        CalendarDate makeUp = calendar.Dates.First(d => d.Kind == CalendarDayKind.MakeUpWorkday);
        DateOnly sunday = TestBranches.Monday.AddDays(6);

        Assert.False(LobbyTraffic.IsOpenDate(s_demo, holiday.Date));
        Assert.False(LobbyTraffic.IsOpenDate(s_demo, sunday));
        Assert.True(LobbyTraffic.IsOpenDate(s_demo, makeUp.Date));
        Assert.True(LobbyTraffic.IsOpenDate(s_demo, TestBranches.Monday));
    }
}
