using System.Buffers;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Service.Lobby;
using LobbyEdge.Service.Operations;

namespace LobbyEdge.Service.Tests;

/// <summary>The state's <c>calendar</c> and <c>configuration</c>, and the kiosk's closed-day notice, on an engine in process.</summary>
public sealed class CalendarStateTests
{
    private static readonly TimeZoneInfo s_shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    // 2026-10-01 (Thursday) .. 2026-10-07 closed; Saturday mornings; Sunday closed; 2026-10-10 a make-up Saturday;
    // 2026-12-31 special hours.
    private static readonly BranchCalendar s_calendar = new()
    {
        Weekly =
        [
            null,
            Hours(8, 30, 17, 0), Hours(8, 30, 17, 0), Hours(8, 30, 17, 0), Hours(8, 30, 17, 0), Hours(8, 30, 17, 0),
            Hours(9, 0, 12, 30),
        ],
        Dates =
        [
            .. Enumerable.Range(1, 7).Select(d => new CalendarDate(new DateOnly(2026, 10, d), CalendarDayKind.Closed, null, "国庆节 National Day")),
            new CalendarDate(new DateOnly(2026, 10, 10), CalendarDayKind.MakeUpWorkday, Hours(8, 30, 17, 0), "调休 make-up working day"),
            new CalendarDate(new DateOnly(2026, 12, 31), CalendarDayKind.SpecialHours, Hours(8, 30, 15, 0), "New Year's Eve"),
        ],
    };

    [Fact]
    public void Calendar_OnAHoliday_IsClosedWithItsNote_AndTheNextOpeningIsTheFirstWorkingDay()
    {
        QueueEngine engine = Engine();

        JsonElement calendar = Calendar(engine, Local(2026, 10, 3, 10, 0));

        JsonElement today = calendar.GetProperty("today");
        Assert.Equal("2026-10-03", today.GetProperty("date").GetString());
        Assert.True(today.GetProperty("closed").GetBoolean());
        Assert.Equal("国庆节 National Day", today.GetProperty("note").GetString());
        Assert.False(today.TryGetProperty("open", out _));

        // Thursday 8 October 08:30 in Shanghai.
        Assert.Equal("2026-10-08T00:30:00Z", calendar.GetProperty("nextOpening").GetString());
    }

    [Fact]
    public void Calendar_OnAnOpenDay_GivesItsHours_AndBeforeOpeningTheNextOpeningIsToday()
    {
        QueueEngine engine = Engine();

        JsonElement saturday = Calendar(engine, Local(2026, 10, 17, 7, 0));
        JsonElement makeUp = Calendar(engine, Local(2026, 10, 10, 7, 0));
        JsonElement eve = Calendar(engine, Local(2026, 12, 31, 16, 0));

        Assert.Equal("""{"date":"2026-10-17","open":"09:00","close":"12:30"}""", saturday.GetProperty("today").GetRawText());
        Assert.Equal("2026-10-17T01:00:00Z", saturday.GetProperty("nextOpening").GetString());
        Assert.Equal("""{"date":"2026-10-10","open":"08:30","close":"17:00","note":"调休 make-up working day"}""", makeUp.GetProperty("today").GetRawText());

        // After New Year's Eve's early close: the next opening is Friday 1 January.
        Assert.Equal("15:00", eve.GetProperty("today").GetProperty("close").GetString());
        Assert.Equal("2027-01-01T00:30:00Z", eve.GetProperty("nextOpening").GetString());
    }

    [Fact]
    public void Calendar_ThatNeverOpensAgain_HasNoNextOpening()
    {
        var calendar = new BranchCalendar
        {
            Weekly = new DayHours?[7],
            Dates = [new CalendarDate(new DateOnly(2026, 10, 10), CalendarDayKind.SpecialHours, Hours(9, 0, 12, 0))],
        };
        QueueEngine engine = Engine(calendar);

        JsonElement state = Calendar(engine, Local(2026, 10, 11, 9, 0));

        Assert.Equal(JsonValueKind.Null, state.GetProperty("nextOpening").ValueKind);
        Assert.Equal("", state.GetProperty("today").GetProperty("note").GetString());
    }

    [Fact]
    public void Configuration_GivesVersionHashAsSixteenHexDigits_AndNoPendingVersion()
    {
        QueueEngine engine = new(Config(s_calendar).WithVersion(6, unchecked((long)0x9f3c0a12b4d5e6f7UL)));
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            BranchState.WriteConfiguration(w, engine);
            w.WriteEndObject();
        }

        using JsonDocument json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("""{"version":6,"hash":"9f3c0a12b4d5e6f7","pending":null}""", json.RootElement.GetProperty("configuration").GetRawText());
    }

    [Fact]
    public void Notice_OnAHoliday_SaysClosedTodayWithTheNoteAndTheNextOpening_InBothLanguages()
    {
        QueueEngine engine = Engine();

        CalendarNotice notice = CalendarNotice.At(engine, Local(2026, 10, 3, 10, 0))!;

        Assert.Equal("closed_today", notice.Reason);
        Assert.Equal("今日休息（国庆节 National Day）。下次营业 10月8日 周四 08:30", notice.Zh);
        Assert.Equal("Closed today (国庆节 National Day). Next opening: Thu 8 Oct 08:30", notice.En);
        Assert.Equal(new DateTime(2026, 10, 8, 0, 30, 0, DateTimeKind.Utc), notice.NextOpeningUtc);
    }

    [Fact]
    public void Notice_BeforeOpeningAndAfterClosing_SaysClosedNow_AndWithinTheHoursNothing()
    {
        QueueEngine engine = Engine();

        CalendarNotice before = CalendarNotice.At(engine, Local(2026, 10, 9, 7, 45))!;
        CalendarNotice after = CalendarNotice.At(engine, Local(2026, 10, 9, 17, 30))!;
        CalendarNotice? within = CalendarNotice.At(engine, Local(2026, 10, 9, 10, 0));

        Assert.Equal(("closed_now", "暂未营业，今日 08:30 开始营业", "Closed now, opens at 08:30."), (before.Reason, before.Zh, before.En));
        Assert.Equal(("closed_now", "今日营业已结束。下次营业 10月10日 周六 08:30", "Closed for today. Next opening: Sat 10 Oct 08:30"), (after.Reason, after.Zh, after.En));
        Assert.Null(within);
    }

    [Fact]
    public void Notice_AfterTheDayWasHeldAndClosedWithinItsHours_SaysClosedForToday_AndTheStateSaysTheDayWasHeld()
    {
        QueueEngine engine = Engine();
        Assert.True(engine.Execute(Command.OpenDay(), Local(2026, 10, 9, 9, 0)).Accepted);
        Assert.False(Calendar(engine, Local(2026, 10, 9, 10, 0)).GetProperty("today").TryGetProperty("dayHeld", out _));
        Assert.True(engine.Execute(Command.CloseDay(), Local(2026, 10, 9, 11, 0)).Accepted);

        // 11:05, today's hours run until 17:00 but the day cannot open again (day_already_closed).
        CalendarNotice notice = CalendarNotice.At(engine, Local(2026, 10, 9, 11, 5))!;
        JsonElement calendar = Calendar(engine, Local(2026, 10, 9, 11, 5));

        Assert.Equal(("closed_now", "今日营业已结束。下次营业 10月10日 周六 08:30", "Closed for today. Next opening: Sat 10 Oct 08:30"), (notice.Reason, notice.Zh, notice.En));
        Assert.Equal("""{"date":"2026-10-09","open":"08:30","close":"17:00","dayHeld":true}""", calendar.GetProperty("today").GetRawText());
        Assert.Equal("2026-10-10T00:30:00Z", calendar.GetProperty("nextOpening").GetString());
    }

    [Fact]
    public void Calendar_WithinTodaysHoursBeforeTheDayIsOpened_GivesNowAsTheNextOpening_NeverAPastTime()
    {
        QueueEngine engine = Engine();

        JsonElement calendar = Calendar(engine, Local(2026, 10, 9, 11, 13));

        Assert.Equal("2026-10-09T03:13:00Z", calendar.GetProperty("nextOpening").GetString());
        Assert.Null(CalendarNotice.At(engine, Local(2026, 10, 9, 11, 13)));
    }

    private static DayHours Hours(int openHour, int openMinute, int closeHour, int closeMinute) =>
        new(new TimeOnly(openHour, openMinute), new TimeOnly(closeHour, closeMinute));

    private static BranchConfig Config(BranchCalendar calendar) => new()
    {
        BranchId = "cal-001",
        TimeZone = s_shanghai,
        OpenTime = new TimeOnly(8, 30),
        CloseTime = new TimeOnly(17, 0),
        AutoOpenClose = false,
        Services = [new ServiceConfig { Id = "cash", Prefix = 'A' }],
        Counters = [new CounterConfig { Number = 1, Services = [new ServiceWeight(0, 1)] }],
        Calendar = calendar,
    };

    private static QueueEngine Engine(BranchCalendar? calendar = null) => new(Config(calendar ?? s_calendar));

    private static DateTimeOffset Local(int year, int month, int day, int hour, int minute) =>
        new(BusinessCalendar.ToUtc(s_shanghai, new DateOnly(year, month, day), new TimeOnly(hour, minute)), TimeSpan.Zero);

    private static JsonElement Calendar(QueueEngine engine, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            BranchState.WriteCalendar(w, engine, now);
            w.WriteEndObject();
        }

        using JsonDocument json = JsonDocument.Parse(buffer.WrittenMemory);
        return json.RootElement.GetProperty("calendar").Clone();
    }
}
