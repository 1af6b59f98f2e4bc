using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Service.Operations;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// What a customer is told when the branch is closed by its business calendar: "今日休息 Closed today" (with the dated
/// entry's note, e.g. the holiday's name) and the next opening, or "closed now, opens at 08:30" before today's opening
/// and "今日营业已结束 Closed for today" after its close or once today's day was held and closed (<c>close-day</c>
/// within the hours). The kiosk's refusal says it; the pages say the same from the state's <c>calendar</c>
/// (<c>Pages/calendar.js</c>, kept in step).
/// </summary>
/// <param name="Reason">The refusal's reason: <c>closed_today</c> (the calendar closes the date) or <c>closed_now</c> (outside today's hours, or today's day held and closed).</param>
/// <param name="Zh">The Chinese text, e.g. <c>今日休息（国庆节）。下次营业 12月1日 周一 08:30</c>.</param>
/// <param name="En">The English text, e.g. <c>Closed today (National Day). Next opening: Mon 1 Dec 08:30</c>.</param>
/// <param name="Note">The dated entry's note, or "".</param>
/// <param name="NextOpeningUtc">When the branch next opens, or null when the calendar does not open within a year.</param>
public sealed record CalendarNotice(string Reason, string Zh, string En, string Note, DateTime? NextOpeningUtc)
{
    private static readonly string[] s_daysZh = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

    /// <summary>
    /// The notice at <paramref name="now"/> (the engine's clock), or null while the branch is open or within today's
    /// hours before today's day was opened (a day a manager opens by hand: the engine's own refusal says "not open yet").
    /// </summary>
    public static CalendarNotice? At(QueueEngine engine, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (engine.IsDayOpen)
        {
            return null;
        }

        BranchConfig config = engine.Config;
        DateOnly today = BranchState.CivilDate(engine, now);
        DayHours? hours = config.EffectiveCalendar.HoursOn(today, out CalendarDate? entry);
        string note = entry?.Note ?? "";
        DateTime? next = engine.NextOpeningUtc(now);
        string nextZh = next is { } n ? $"下次营业 {WhenZh(config, n)}" : "";
        string nextEn = next is { } m ? $"Next opening: {WhenEn(config, m)}" : "";
        string noteZh = note.Length > 0 ? $"（{note}）" : "";
        string noteEn = note.Length > 0 ? $" ({note})" : "";
        if (BranchState.DayHeld(engine, today))
        {
            return ClosedForToday(nextZh, nextEn, note, next);
        }

        if (hours is not DayHours h)
        {
            return new CalendarNotice("closed_today", $"今日休息{noteZh}。{nextZh}", $"Closed today{noteEn}. {nextEn}".TrimEnd(), note, next);
        }

        var time = TimeOnly.FromDateTime(BusinessCalendar.ToLocal(config.TimeZone, now.UtcDateTime - engine.ClockOffset));
        string open = h.Open.ToString("HH:mm", CultureInfo.InvariantCulture);
        if (time < h.Open)
        {
            return new CalendarNotice("closed_now", $"暂未营业，今日 {open} 开始营业", $"Closed now, opens at {open}.", note, next);
        }

        return time >= h.Close ? ClosedForToday(nextZh, nextEn, note, next) : null;
    }

    // "今日营业已结束 Closed for today": after today's close, or after today's day was held and closed early.
    private static CalendarNotice ClosedForToday(string nextZh, string nextEn, string note, DateTime? next) =>
        new("closed_now", $"今日营业已结束。{nextZh}", $"Closed for today. {nextEn}".TrimEnd(), note, next);

    /// <summary>"12月1日 周一 08:30": an instant as the branch's local date and time, in Chinese.</summary>
    public static string WhenZh(BranchConfig config, DateTime utc)
    {
        ArgumentNullException.ThrowIfNull(config);
        DateTime local = BusinessCalendar.ToLocal(config.TimeZone, utc);
        return string.Create(CultureInfo.InvariantCulture, $"{local.Month}月{local.Day}日 {s_daysZh[(int)local.DayOfWeek]} {local:HH:mm}");
    }

    /// <summary>"Mon 1 Dec 08:30": an instant as the branch's local date and time, in English.</summary>
    public static string WhenEn(BranchConfig config, DateTime utc)
    {
        ArgumentNullException.ThrowIfNull(config);
        return BusinessCalendar.ToLocal(config.TimeZone, utc).ToString("ddd d MMM HH:mm", CultureInfo.InvariantCulture);
    }
}
