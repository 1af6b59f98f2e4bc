namespace LobbyEdge.Engine;

/// <summary>
/// Local branch time to UTC instants and back, correct across daylight-saving changes. Used once per day
/// (open, close, cut-off), never on the per-command path.
/// </summary>
public static class BusinessCalendar
{
    /// <summary>
    /// The UTC instant of a local wall-clock time on a date. A time that does not exist (the spring-forward gap)
    /// moves forward to the first minute that does; a time that exists twice (the fall-back overlap) takes the
    /// first occurrence, so a branch opens at the earlier of the two.
    /// </summary>
    public static DateTime ToUtc(TimeZoneInfo zone, DateOnly date, TimeOnly time)
    {
        DateTime local = date.ToDateTime(time, DateTimeKind.Unspecified);
        int guard = 0;
        while (zone.IsInvalidTime(local) && guard++ < 24 * 60)
        {
            local = local.AddMinutes(1);
        }

        if (zone.IsAmbiguousTime(local))
        {
            TimeSpan[] offsets = zone.GetAmbiguousTimeOffsets(local);
            TimeSpan largest = offsets[0];
            foreach (TimeSpan o in offsets)
            {
                if (o > largest)
                {
                    largest = o;
                }
            }

            return DateTime.SpecifyKind(local - largest, DateTimeKind.Utc);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }

    /// <summary>The local date and time of a UTC instant in the branch's zone.</summary>
    public static DateTime ToLocal(TimeZoneInfo zone, DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
}
