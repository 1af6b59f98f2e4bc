using LobbyEdge.Engine;
using static LobbyEdge.Forecasting.Tests.Lobbies;

namespace LobbyEdge.Forecasting.Tests;

/// <summary>The arrival history and forecast: known arrivals give a known expectation.</summary>
public sealed class ArrivalForecastTests
{
    private static readonly DateOnly s_monday = TestBranches.Monday;

    [Fact]
    public void SameWeekdaySlot_IsTheMeanOverTheRetainedMondays_ProRataWithinTheSlot()
    {
        BranchConfig config = Small(services: 2);
        var history = new ArrivalHistory(config);
        int[] tens = [4, 6, 8, 10];
        for (int w = 0; w < tens.Length; w++)
        {
            DateOnly day = s_monday.AddDays(-7 * (tens.Length - w));
            var events = new List<LobbyEvent> { DayOpened(day) };
            events.AddRange(Enumerable.Range(0, tens[w]).Select(i => Issued(At(day, 10, i), 0)));
            events.AddRange(Enumerable.Range(0, 3).Select(i => Issued(At(day, 10, i), 1, walkIn: true)));   // never counted
            history.Observe(events.ToArray());
        }

        history.Observe([DayOpened(s_monday)]);
        Assert.Equal(4, history.DaysObserved);
        Assert.Equal(10, history.Arrivals(s_monday.AddDays(-7), 0, history.SlotOf(At(s_monday.AddDays(-7), 10, 5).UtcTicks)));

        ArrivalForecast forecast = ArrivalForecast.From(history, config, At(s_monday, 9, 0));
        double mean = tens.Average();
        Assert.Equal(mean, forecast.ExpectedArrivals(0, At(s_monday, 10, 0), At(s_monday, 10, 15)), 9);
        Assert.Equal(mean / 2, forecast.ExpectedArrivals(0, At(s_monday, 10, 0), At(s_monday, 10, 7, 30)), 9);
        Assert.Equal(mean, forecast.ExpectedArrivals(0, At(s_monday, 9, 0), At(s_monday, 12, 0)), 9);
        Assert.Equal(0, forecast.ExpectedArrivals(1, At(s_monday, 9, 0), At(s_monday, 17, 0)));   // walk-ins are not arrivals
        Assert.Equal(0, forecast.ExpectedArrivals(7, At(s_monday, 9, 0), At(s_monday, 17, 0)));   // no such service
    }

    [Fact]
    public void FewerThanTwoSameWeekdays_FallsBackToEveryRetainedDay()
    {
        BranchConfig config = Small();
        var history = new ArrivalHistory(config);
        (DateOnly Day, int Count)[] days = [(s_monday.AddDays(-7), 12), (s_monday.AddDays(-6), 2), (s_monday.AddDays(-5), 4), (s_monday.AddDays(-4), 6)];
        foreach ((DateOnly day, int count) in days)
        {
            history.Observe([DayOpened(day), .. Enumerable.Range(0, count).Select(i => Issued(At(day, 11, i), 0))]);
        }

        history.Observe([DayOpened(s_monday)]);
        ArrivalForecast forecast = ArrivalForecast.From(history, config, At(s_monday, 9, 0));

        // One Monday only: the mean of all four days, (12 + 2 + 4 + 6) / 4.
        Assert.Equal(6, forecast.ExpectedArrivals(0, At(s_monday, 11, 0), At(s_monday, 11, 15)), 9);

        // Two Mondays: only Mondays count, (12 + 20) / 2.
        DateOnly nextMonday = s_monday.AddDays(7);
        history.Observe([.. Enumerable.Range(0, 20).Select(i => Issued(At(s_monday, 11, 0).AddSeconds(i * 30), 0)), DayOpened(nextMonday)]);
        forecast = ArrivalForecast.From(history, config, At(nextMonday, 9, 0));
        Assert.Equal(16, forecast.ExpectedArrivals(0, At(nextMonday, 11, 0), At(nextMonday, 11, 15)), 9);
    }

    [Fact]
    public void TodaysRate_ScalesTheHistory_ShrunkTowardsOne()
    {
        BranchConfig config = Small();
        var history = new ArrivalHistory(config);
        for (int w = 2; w >= 1; w--)
        {
            DateOnly day = s_monday.AddDays(-7 * w);
            history.Observe([DayOpened(day), .. Enumerable.Range(0, 180).Select(i => Issued(At(day, 9, 0).AddMinutes(i), 0))]);   // 1 a minute, 09:00-12:00
        }

        // Today twice as busy in the first hour: 120 arrivals where 60 were expected.
        history.Observe([DayOpened(s_monday), .. Enumerable.Range(0, 120).Select(i => Issued(At(s_monday, 9, 0).AddSeconds(i * 30), 0))]);
        ArrivalForecast forecast = ArrivalForecast.From(history, config, At(s_monday, 10, 0));

        // Branch: (120 + 10) / (60 + 10); the one service: (120 + 10 x that) / (60 + 10).
        double branch = (120 + ArrivalForecast.Shrinkage) / (60 + ArrivalForecast.Shrinkage);
        double service = (120 + (ArrivalForecast.Shrinkage * branch)) / (60 + ArrivalForecast.Shrinkage);
        Assert.Equal(branch, forecast.TodayFactor, 9);
        Assert.Equal(15 * service, forecast.ExpectedArrivals(0, At(s_monday, 10, 0), At(s_monday, 10, 15)), 9);

        // A quiet start with few customers moves the forecast only a little: 2 where 3 were expected.
        history.Observe([DayOpened(s_monday.AddDays(7)), Issued(At(s_monday.AddDays(7), 9, 0), 0), Issued(At(s_monday.AddDays(7), 9, 1), 0)]);
        forecast = ArrivalForecast.From(history, config, At(s_monday.AddDays(7), 9, 3));
        // Expected so far: the three Mondays' 09:00 slot (15, 15, 30) over 3 of its 15 minutes = 4; seen 2:
        // the raw ratio would halve the forecast; shrunk, it stays close to 1.
        double expectedSoFar = ((15 + 15 + 30) / 3.0) * 3 / 15;
        double raw = 2 / expectedSoFar;
        Assert.Equal((2 + ArrivalForecast.Shrinkage) / (expectedSoFar + ArrivalForecast.Shrinkage), forecast.TodayFactor, 9);
        Assert.True(forecast.TodayFactor > raw + 0.3 && forecast.TodayFactor < 1, $"factor {forecast.TodayFactor}, raw {raw}");
    }

    [Fact]
    public void NoHistory_TodaysRateOverTheLastHour_HeldUntilTheTicketingCutoff()
    {
        BranchConfig config = Small();
        var history = new ArrivalHistory(config);

        // One arrival every 3 minutes from 09:00: at 10:00 the last 45 minutes (09:15-10:00) held 15.
        history.Observe([DayOpened(s_monday), .. Enumerable.Range(0, 20).Select(i => Issued(At(s_monday, 9, 3 * i), 0))]);
        ArrivalForecast forecast = ArrivalForecast.From(history, config, At(s_monday, 10, 0));
        Assert.True(forecast.FromTodayOnly);
        Assert.Equal(10, forecast.ExpectedArrivals(0, At(s_monday, 10, 0), At(s_monday, 10, 30)), 9);

        // Tickets stop at 16:45 (close 17:00 less the 15-minute cutoff).
        Assert.Equal(5, forecast.ExpectedArrivals(0, At(s_monday, 16, 30), At(s_monday, 17, 0)), 9);
    }

    [Fact]
    public void DaysCompleted_CountsADayOnceItHasClosed_NotOnlyOnceTheNextOpens()
    {
        // The start line on day 2 of a fresh box (restarted after day 1 closed) used to say "0 days observed".
        BranchConfig config = Small();
        DateOnly day1 = TestBranches.Monday;
        var history = new ArrivalHistory(config);
        history.Observe([DayOpened(day1, sequence: 1), Issued(At(day1, 9, 30), 0, sequence: 2)]);
        Assert.Equal(0, history.DaysCompleted);
        history.Observe([new LobbyEvent { Kind = EventKind.DayClosed, TimeTicks = At(day1, 17, 0).UtcTicks, Sequence = 3, Ticket = -1, Service = -1, NumberService = -1 }]);
        Assert.Equal(1, history.DaysCompleted);
        Assert.Equal(0, history.DaysObserved);

        // Day 2 opens: day 1 is a past day; day 2 counts once it closes.
        history.Observe([DayOpened(day1.AddDays(1), sequence: 4)]);
        Assert.Equal(1, history.DaysCompleted);
        Assert.Equal(1, history.DaysObserved);
    }

    [Fact]
    public void RetainedDays_AreBounded_TheOldestDropped_AndReplayedEventsSkipped()
    {
        BranchConfig config = Small();
        var history = new ArrivalHistory(config, retainedDays: 3);
        long sequence = 0;
        for (int d = 0; d < 6; d++)
        {
            DateOnly day = s_monday.AddDays(d);
            history.Observe([DayOpened(day, ++sequence), Issued(At(day, 9, 30), 0, sequence: ++sequence)]);
        }

        Assert.Equal(3, history.DaysObserved);
        Span<DateOnly> days = stackalloc DateOnly[8];
        int n = history.CopyDays(days);
        Assert.Equal([s_monday.AddDays(4), s_monday.AddDays(3), s_monday.AddDays(2)], days[..n].ToArray());
        Assert.Equal(0, history.Arrivals(s_monday, 0, 38));

        // The same events again (a history load overlapping the live feed) count nothing.
        DateOnly today = s_monday.AddDays(5);
        int slot = history.SlotOf(At(today, 9, 30).UtcTicks);
        history.Observe([Issued(At(today, 9, 30), 0, sequence: sequence)]);
        Assert.Equal(1, history.Arrivals(today, 0, slot));
        history.Observe([Issued(At(today, 9, 31), 0, sequence: sequence + 1)]);
        Assert.Equal(2, history.Arrivals(today, 0, slot));
    }

    [Fact]
    public void Observe_AllocatesNothing()
    {
        BranchConfig config = Small(services: 3);
        var history = new ArrivalHistory(config);
        LobbyEvent[] day = [DayOpened(s_monday), .. Enumerable.Range(0, 500).Select(i => Issued(At(s_monday, 9, 0).AddSeconds(i * 50), i % 3))];
        LobbyEvent[] next = [DayOpened(s_monday.AddDays(1)), .. day[1..].Select(e => e with { TimeTicks = e.TimeTicks + TimeSpan.TicksPerDay })];
        history.Observe(day);   // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        history.Observe(next);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, history.DaysObserved);
    }
}
