namespace LobbyEdge.Engine.Tests;

public sealed class BusinessDayTests
{
    [Fact]
    public void OpenDay_Twice_IsRefused()
    {
        var lobby = new Lobby();
        Assert.Equal(RefusalReason.DayAlreadyOpen, lobby.Refused(Command.OpenDay()));
    }

    [Fact]
    public void OpenDay_AfterTheDayWasHeldAndClosed_IsRefusedSoNoNumberIsIssuedTwice()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.CloseDay());
        Assert.Equal(RefusalReason.DayAlreadyClosed, lobby.Refused(Command.OpenDay()));
    }

    [Fact]
    public void Issue_BeforeTheDayOpens_IsRefused()
    {
        var lobby = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, lobby.Refused(Command.Issue(Branches.Cash)));
    }

    [Fact]
    public void Tick_AtOpenTime_OpensTheDayAndLogsInCountersThatOpenAtDayStart()
    {
        var lobby = new Lobby(open: false) { Now = Branches.At(8, 59, 59) };
        Assert.Equal(0, lobby.Tick());
        lobby.Now = Branches.At(9, 0);
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);
        Assert.Equal(Branches.Day, lobby.Engine.BusinessDate);
        Assert.Equal(EventKind.DayOpened, lobby.Last[0].Kind);
        Assert.Equal(3, lobby.LastOf(EventKind.CounterStateChanged).Length);
        Assert.Equal(CounterState.Standby, lobby.Counter(1).State);
    }

    [Fact]
    public void Tick_AtCloseTime_ClosesTheDayAndDoesNotReopenItTheSameDay()
    {
        var lobby = new Lobby();
        lobby.Now = Branches.At(17, 0);
        lobby.Tick();
        Assert.False(lobby.Engine.IsDayOpen);
        Assert.Equal(EventKind.DayClosed, lobby.Last[^1].Kind);
        lobby.Now = Branches.At(17, 30);
        Assert.Equal(0, lobby.Tick());
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Tick();
        Assert.True(lobby.Engine.IsDayOpen);
        Assert.Equal(Branches.Day.AddDays(1), lobby.Engine.BusinessDate);
    }

    [Fact]
    public void OpenDay_ResetsNumberingAndQueues()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Issue();
        lobby.Ok(Command.CloseDay());
        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(0, lobby.Engine.WaitingCount(Branches.Cash));
        int id = lobby.Issue();
        Assert.Equal("A001", lobby.Format(id));
        Assert.Equal(0, id);
    }

    [Fact]
    public void Issue_AfterTicketingCutoff_IsRefused()
    {
        var lobby = new Lobby { Now = Branches.At(16, 44, 59) };
        lobby.Issue();
        lobby.Now = Branches.At(16, 45);
        Assert.Equal(RefusalReason.TicketingClosed, lobby.Refused(Command.Issue(Branches.Cash)));
    }

    [Fact]
    public void Issue_PastTheDailyCap_IsRefusedForThatServiceOnly()
    {
        var lobby = new Lobby(Branches.Small(s => s.Id == "cash" ? WithCap(s, 2) : s));
        lobby.Issue();
        lobby.Issue();
        Assert.Equal(RefusalReason.DailyCapReached, lobby.Refused(Command.Issue(Branches.Cash)));
        lobby.Issue(Branches.NonCash);
    }

    [Fact]
    public void Issue_UnknownService_IsRefused()
    {
        var lobby = new Lobby();
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Issue(7)));
        Assert.Equal(RefusalReason.UnknownService, lobby.Refused(Command.Issue(-1)));
    }

    [Fact]
    public void Numbers_WrapAtTheEndOfTheRange_AndSkipNumbersStillHeldByLiveTickets()
    {
        var lobby = new Lobby(Branches.Small(s => Range(s, 1, 3)));
        int a1 = lobby.Issue();
        int a2 = lobby.Issue();
        int a3 = lobby.Issue();
        Assert.Equal(["A001", "A002", "A003"], new[] { lobby.Format(a1), lobby.Format(a2), lobby.Format(a3) });

        // A002 is served and ends; A001 and A003 still wait, so the wrapped numbering must hand out 2.
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Finish(1));
        Assert.Equal(TicketState.Completed, lobby.Ticket(a1).State);
        int next = lobby.Issue();
        Assert.Equal("A001", lobby.Format(next));

        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Finish(1));
        int again = lobby.Issue();
        Assert.Equal("A002", lobby.Format(again));
        Assert.Equal(RefusalReason.NumbersExhausted, lobby.Refused(Command.Issue(Branches.Cash)));
    }

    [Fact]
    public void CloseDay_EndsEveryLiveTicket_ParkedNoShowCalledAsAbandoned_ServingAsCompleted()
    {
        var lobby = new Lobby();
        int served = lobby.Issue();
        int parked = lobby.Issue(Branches.NonCash);
        int noShow = lobby.Issue(Branches.Vip);
        int calledOnly = lobby.Issue(Branches.Cash);
        lobby.Ok(Command.CallNext(2));
        lobby.Ok(Command.Park(2));
        lobby.Ok(Command.CallNext(3));
        lobby.Ok(Command.NoShow(3));
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Start(1));
        Assert.Equal(served, lobby.Counter(1).CurrentTicket);
        lobby.Ok(Command.CallNext(3));

        lobby.Ok(Command.CloseDay());
        Assert.Equal(TicketState.Completed, lobby.Ticket(served).State);
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(parked).State);
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(noShow).State);
        Assert.Equal(TicketState.Abandoned, lobby.Ticket(calledOnly).State);
        Assert.Contains(lobby.Last, e => e.Kind == EventKind.TicketAbandoned && e.Ticket == parked && e.AsTicketAbandoned().Reason == AbandonReason.ParkedAtClose);
        Assert.Contains(lobby.Last, e => e.Kind == EventKind.TicketAbandoned && e.Ticket == noShow && e.AsTicketAbandoned().Reason == AbandonReason.NoShowAtClose);
        Assert.Contains(lobby.Last, e => e.Kind == EventKind.TicketAbandoned && e.Ticket == calledOnly && e.AsTicketAbandoned().Reason == AbandonReason.CalledAtClose);
        Assert.All(new[] { 1, 2, 3 }, n => Assert.Equal(CounterState.Closed, lobby.Counter(n).State));
        Assert.False(lobby.Engine.IsDayOpen);
    }

    [Fact]
    public void Events_HaveAGapFreeSequenceAndTheCommandsUtcTime()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Minutes(1);
        lobby.Ok(Command.CallNext(1));
        for (int i = 0; i < lobby.Log.Count; i++)
        {
            Assert.Equal(i + 1, lobby.Log[i].Sequence);
        }

        Assert.All(lobby.Last, e => Assert.Equal(lobby.Now.UtcTicks, e.TimeTicks));
        Assert.Equal(DateTimeKind.Utc, lobby.Last[0].TimeUtc.Kind);
    }

    [Fact]
    public void OpenAndClose_AcrossSpringForward_UseLocalWallClockTimes()
    {
        // Berlin springs forward on 29 March 2026 at 02:00 -> 03:00 (UTC+1 -> UTC+2).
        TimeZoneInfo berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var day = new DateOnly(2026, 3, 29);
        Assert.Equal(new DateTime(2026, 3, 29, 7, 0, 0, DateTimeKind.Utc), BusinessCalendar.ToUtc(berlin, day, new TimeOnly(9, 0)));
        Assert.Equal(new DateTime(2026, 3, 28, 8, 0, 0, DateTimeKind.Utc), BusinessCalendar.ToUtc(berlin, day.AddDays(-1), new TimeOnly(9, 0)));

        // 02:30 does not exist that night: the branch opens at the first minute that does, 03:00 local.
        Assert.Equal(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc), BusinessCalendar.ToUtc(berlin, day, new TimeOnly(2, 30)));

        // 02:30 exists twice on 25 October 2026: take the first (still summer time, UTC+2).
        Assert.Equal(new DateTime(2026, 10, 25, 0, 30, 0, DateTimeKind.Utc), BusinessCalendar.ToUtc(berlin, new DateOnly(2026, 10, 25), new TimeOnly(2, 30)));

        BranchConfig config = new()
        {
            BranchId = "berlin",
            TimeZone = berlin,
            OpenTime = new TimeOnly(9, 0),
            CloseTime = new TimeOnly(17, 0),
            Services = [new ServiceConfig { Prefix = 'A', Id = "cash" }],
            Counters = [new CounterConfig { Number = 1, Services = [new(0)] }],
        };
        var engine = new QueueEngine(config);
        engine.Tick(new DateTimeOffset(2026, 3, 29, 6, 59, 0, TimeSpan.Zero));
        Assert.False(engine.IsDayOpen);
        engine.Tick(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero));
        Assert.True(engine.IsDayOpen);
        Assert.Equal(new DateTime(2026, 3, 29, 15, 0, 0, DateTimeKind.Utc), engine.CloseUtc);
    }

    internal static ServiceConfig WithCap(ServiceConfig s, int cap) => Copy(s, cap: cap);

    internal static ServiceConfig Range(ServiceConfig s, int first, int last) => Copy(s, first: first, last: last);

    private static ServiceConfig Copy(ServiceConfig s, int? cap = null, int? first = null, int? last = null) => new()
    {
        Prefix = s.Prefix,
        Id = s.Id,
        Name = s.Name,
        DailyCap = cap ?? s.DailyCap,
        FirstNumber = first ?? s.FirstNumber,
        LastNumber = last ?? s.LastNumber,
    };
}
