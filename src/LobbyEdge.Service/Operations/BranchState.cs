using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Persistence;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// The branch's state as JSON (<c>/api/state</c>, the head-office <c>state</c> topic, the signage page): services
/// with waiting counts, predicted waits, the business calendar (<see cref="WriteCalendar"/>) and the configuration in
/// force (<see cref="WriteConfiguration"/>), the day's care figures (<see cref="WriteCare"/>) and customer ratings
/// (<see cref="WriteRatings"/>), the branch's care figures and ratings, counters with state, current ticket and
/// ratings, the recent calls. Built on
/// the engine loop after a batch that changed something (at most every <see cref="MinInterval"/>), kept as an
/// immutable byte array that readers on any thread take without a lock. Its <c>time</c> (and
/// <c>utcOffsetMinutes</c>) are not part of what is kept: they are stamped when the state is sent
/// (<see cref="Json"/>), so a screen that connects after a quiet hour shows the clock as it is, not as it was at
/// the last change.
/// </summary>
public sealed class BranchState : IEngineEventSink
{
    /// <summary>The state is rebuilt at most this often; the loop's one-second tick catches up what was skipped.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(200);

    private readonly QueueEngine _engine;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly RecentCall[] _recent;
    private byte[] _body = "{}"u8.ToArray();
    private long _builtSequence = -1;
    private DateTimeOffset _builtAt;
    private DateOnly _builtDate;

    /// <summary>Creates the state over the restored branch and builds it once.</summary>
    public BranchState(RestoredBranch branch, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(time);
        _engine = branch.Engine;
        _time = time;
        _recent = new RecentCall[Math.Max(1, _engine.Config.RecentCallCount)];
        Build(time.GetUtcNow());
    }

    /// <summary>The latest state as UTF-8 JSON, its <c>time</c> the wall clock's now. Never changes once returned.</summary>
    public byte[] Json => JsonAt(_time.GetUtcNow());

    /// <summary>
    /// The latest state as UTF-8 JSON with <c>time</c> (UTC, ISO 8601) and <c>utcOffsetMinutes</c> (the branch's
    /// time zone at that instant) set to <paramref name="now"/>, the moment it is sent.
    /// </summary>
    public byte[] JsonAt(DateTimeOffset now)
    {
        byte[] body = Volatile.Read(ref _body);
        var buffer = new ArrayBufferWriter<byte>(body.Length + 64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", now.UtcDateTime);
            w.WriteNumber("utcOffsetMinutes", (int)_engine.Config.TimeZone.GetUtcOffset(now.UtcDateTime).TotalMinutes);
            WriteCalendar(w, _engine, now);
            w.Flush();
        }

        // The kept body is an object; its members follow the two stamped ones.
        ReadOnlySpan<byte> members = body.AsSpan(1);
        byte[] json = new byte[buffer.WrittenCount + (members.Length > 1 ? 1 : 0) + members.Length];
        buffer.WrittenSpan.CopyTo(json);
        int n = buffer.WrittenCount;
        if (members.Length > 1)
        {
            json[n++] = (byte)',';
        }

        members.CopyTo(json.AsSpan(n));
        return json;
    }

    /// <summary>The event sequence the latest state reflects.</summary>
    public long Sequence => Volatile.Read(ref _builtSequence);

    /// <summary>Raised (on the engine loop) after a new state is built; handlers must not block.</summary>
    public event Action<byte[]>? Changed;

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
    }

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        DateTimeOffset now = _time.GetUtcNow();

        // A new local date changes the calendar's "today" with no event: screens and head office hear of it too.
        if ((_engine.LastSequence != _builtSequence || CivilDate(_engine, now) != _builtDate) && now - _builtAt >= MinInterval)
        {
            Build(now);
        }
    }

    /// <summary>Whether a counter that serves the service is logged in (the kiosk lists only these).</summary>
    private bool IsServed(int service)
    {
        foreach (CounterConfig cc in _engine.Config.Counters)
        {
            if (_engine.TryGetCounter(cc.Number, out CounterView c) && c.State != CounterState.Closed)
            {
                foreach (ServiceWeight w in cc.Services)
                {
                    if (w.Service == service)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Writes the day's care figures as the member <c>care</c>:
    /// <c>{"coverage":0.9,"decided":10,"covered":9,"uncaredWaiting":1,"careGiven":12,"responses":8,"meanResponseMs":95000}</c>.
    /// <c>coverage</c> is the share (0..1, four decimals) of <c>decided</c> (tickets past the care threshold that
    /// left waiting today) that were <c>covered</c> (cared for while waiting), 1 while none is decided;
    /// <c>uncaredWaiting</c> the tickets waiting now past the threshold with no care yet; <c>careGiven</c> the acts
    /// of care today; <c>responses</c> those that answered a care alert, and <c>meanResponseMs</c> their mean time
    /// from alert to care in milliseconds (null when there is none).
    /// </summary>
    /// <summary>
    /// A service's self-service alternative (智能分流): <c>"selfService": {"name", "nameZh", "waitMinutes",
    /// "suggested"}</c>, <c>suggested</c> true while the predicted typical wait (<paramref name="typicalWaitMs"/>, -1
    /// unknown) reaches the threshold; <c>null</c> when the service names none.
    /// </summary>
    internal static void WriteSelfService(Utf8JsonWriter w, SelfServiceAlternative? alternative, long typicalWaitMs)
    {
        if (alternative is null)
        {
            w.WriteNull("selfService");
            return;
        }

        w.WriteStartObject("selfService");
        w.WriteString("name", alternative.Name);
        w.WriteString("nameZh", alternative.NameZh);
        w.WriteNumber("waitMinutes", (int)alternative.WaitThreshold.TotalMinutes);
        w.WriteBoolean("suggested", alternative.IsSuggestedAt(typicalWaitMs));
        w.WriteEndObject();
    }

    internal static void WriteCare(Utf8JsonWriter w, in CareFigures care)
    {
        w.WriteStartObject("care");
        w.WriteNumber("coverage", Math.Round(care.Coverage, 4));
        w.WriteNumber("decided", care.Decided);
        w.WriteNumber("covered", care.Covered);
        w.WriteNumber("uncaredWaiting", care.UncaredWaiting);
        w.WriteNumber("careGiven", care.CareGiven);
        w.WriteNumber("responses", care.Responses);
        if (care.Responses > 0)
        {
            w.WriteNumber("meanResponseMs", (long)Math.Round(care.MeanResponseMs));
        }
        else
        {
            w.WriteNull("meanResponseMs");
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Writes the day's customer ratings as the member <c>ratings</c>:
    /// <c>{"requested":12,"answered":9,"responseRate":0.75,"linked":9,"unlinked":1,"total":10,"satisfaction":0.8,
    /// "nps":25,"satisfied":4,"promoters":2,"passives":1,"detractors":1,"counts":{"pad5":[0,1,0,2,2],"nps11":[0,0,0,0,0,0,1,1,0,1,1]}}</c>.
    /// <c>requested</c>: tickets asked to rate (once per ticket); <c>answered</c>: of those, rated;
    /// <c>responseRate</c> = answered / requested (0..1, four decimals); <c>linked</c>/<c>unlinked</c>: ratings with a
    /// ticket / after the rating window; <c>satisfaction</c> (CSAT): the share 0..1 of pad ratings (1..5) that are 4 or 5;
    /// <c>nps</c>: the Net Promoter Score -100..100 (one decimal) of the 0..10 ratings; each of the three null while
    /// there is nothing to divide by. <c>counts.pad5[i]</c> is the number of pad ratings of score i + 1,
    /// <c>counts.nps11[i]</c> of 0..10 ratings of score i.
    /// </summary>
    internal static void WriteRatings(Utf8JsonWriter w, in RatingFigures ratings)
    {
        w.WriteStartObject("ratings");
        w.WriteNumber("requested", ratings.Requested);
        w.WriteNumber("answered", ratings.Answered);
        WriteShare(w, "responseRate", ratings.ResponseRate, 4);
        w.WriteNumber("linked", ratings.Linked);
        w.WriteNumber("unlinked", ratings.Unlinked);
        w.WriteNumber("total", ratings.Total);
        WriteShare(w, "satisfaction", ratings.Satisfaction, 4);
        WriteShare(w, "nps", ratings.NetPromoterScore, 1);
        w.WriteNumber("satisfied", ratings.Satisfied);
        w.WriteNumber("promoters", ratings.Promoters);
        w.WriteNumber("passives", ratings.Passives);
        w.WriteNumber("detractors", ratings.Detractors);
        w.WriteStartObject("counts");
        w.WriteStartArray("pad5");
        for (int score = 1; score <= 5; score++)
        {
            w.WriteNumberValue(ratings.Count(RatingScale.Pad5, score));
        }

        w.WriteEndArray();
        w.WriteStartArray("nps11");
        for (int score = 0; score <= 10; score++)
        {
            w.WriteNumberValue(ratings.Count(RatingScale.Nps11, score));
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes the business calendar as seen at <paramref name="now"/> as the member <c>calendar</c>:
    /// <c>{"today":{"date":"2026-10-08","open":"08:30","close":"17:00"},"nextOpening":"2026-10-09T00:30:00Z"}</c>, or on a
    /// date the calendar closes <c>{"today":{"date":"2026-10-01","closed":true,"note":"国庆节 National Day"},…}</c>.
    /// <c>today</c> is the branch's local date by the wall clock (the engine's civil time); <c>note</c> is the dated
    /// entry's note ("" when none; also given on a special-hours or make-up day that has one); <c>dayHeld</c>
    /// (<c>true</c>, absent otherwise) once today's business day was opened and has been closed, e.g. by
    /// <c>close-day</c> within today's hours: the branch is closed for today and cannot open again
    /// (<c>day_already_closed</c>), so the next opening is the next open date's; <c>nextOpening</c>
    /// (RFC 3339, UTC) is <see cref="QueueEngine.NextOpeningUtc"/>: the next opening after the current or last
    /// business day, so today's own opening while today's has not come yet, now while today's hours run and the day is
    /// not open yet (never a time in the past), null when the calendar does not open
    /// within a year. Stamped when the state is sent, like <c>time</c>: a screen shows tomorrow's hours after midnight
    /// without waiting for an event.
    /// </summary>
    internal static void WriteCalendar(Utf8JsonWriter w, QueueEngine engine, DateTimeOffset now)
    {
        BranchConfig config = engine.Config;
        DateOnly today = CivilDate(engine, now);
        DayHours? hours = config.EffectiveCalendar.HoursOn(today, out CalendarDate? entry);
        w.WriteStartObject("calendar");
        w.WriteStartObject("today");
        w.WriteString("date", today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (hours is DayHours h)
        {
            w.WriteString("open", h.Open.ToString("HH:mm", CultureInfo.InvariantCulture));
            w.WriteString("close", h.Close.ToString("HH:mm", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteBoolean("closed", true);
        }

        if (hours is null || !string.IsNullOrEmpty(entry?.Note))
        {
            w.WriteString("note", entry?.Note ?? "");
        }

        if (DayHeld(engine, today))
        {
            w.WriteBoolean("dayHeld", true);
        }

        w.WriteEndObject();
        if (engine.NextOpeningUtc(now) is DateTime next)
        {
            w.WriteString("nextOpening", next.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull("nextOpening");
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// Whether today's business day (<paramref name="today"/>, the branch's civil date) was opened and has been closed:
    /// after <c>close-day</c> it cannot open again today (<c>day_already_closed</c>), whatever today's hours say.
    /// </summary>
    internal static bool DayHeld(QueueEngine engine, DateOnly today) => !engine.IsDayOpen && engine.BusinessDate >= today;

    /// <summary>The branch's local date at <paramref name="now"/> by the wall clock (the engine's civil time, <c>now - ClockOffset</c>).</summary>
    internal static DateOnly CivilDate(QueueEngine engine, DateTimeOffset now) =>
        DateOnly.FromDateTime(BusinessCalendar.ToLocal(engine.Config.TimeZone, now.UtcDateTime - engine.ClockOffset));

    /// <summary>
    /// Writes the configuration in force as the member <c>configuration</c>: <c>{"version":6,"hash":"9f3c0a12b4d5e6f7",
    /// "pending":7}</c>: <c>version</c> as counted by the configuration store (0 = unversioned), <c>hash</c> the first
    /// 8 bytes of the SHA-256 of the profile text as 16 lowercase hex digits, <c>pending</c> the version accepted to take
    /// effect at the next opening, or null.
    /// </summary>
    internal static void WriteConfiguration(Utf8JsonWriter w, QueueEngine engine)
    {
        BranchConfig config = engine.Config;
        w.WriteStartObject("configuration");
        w.WriteNumber("version", config.Version);
        w.WriteString("hash", ((ulong)config.Hash).ToString("x16", CultureInfo.InvariantCulture));
        if (engine.PendingConfiguration is { } pending)
        {
            w.WriteNumber("pending", pending.Version);
        }
        else
        {
            w.WriteNull("pending");
        }

        w.WriteEndObject();
    }

    /// <summary>Writes a figure rounded to <paramref name="decimals"/>, or null when it is NaN (nothing to divide by).</summary>
    internal static void WriteShare(Utf8JsonWriter w, string name, double value, int decimals)
    {
        if (double.IsNaN(value))
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, Math.Round(value, decimals));
        }
    }

    private void Build(DateTimeOffset now)
    {
        QueueEngine e = _engine;
        BranchConfig config = e.Config;
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer))
        {
            w.WriteStartObject();
            w.WriteString("branchId", config.BranchId);
            w.WriteString("name", config.Name);
            w.WriteString("nameZh", config.NameZh);
            w.WriteNumber("sequence", e.LastSequence);
            w.WriteBoolean("dayOpen", e.IsDayOpen);
            if (e.BusinessDate != DateOnly.MinValue)
            {
                w.WriteString("businessDate", e.BusinessDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            }

            WriteConfiguration(w, e);

            w.WriteStartArray("services");
            for (int s = 0; s < config.Services.Count; s++)
            {
                ServiceConfig sc = config.Services[s];
                WaitPrediction p = e.Predict(s, Tier.Normal);
                w.WriteStartObject();
                w.WriteString("id", sc.Id);
                w.WriteString("prefix", sc.Prefix.ToString());
                w.WriteString("name", sc.Name);
                w.WriteString("nameZh", sc.NameZh);
                w.WriteBoolean("open", IsServed(s));
                w.WriteNumber("waiting", e.WaitingCount(s));
                w.WriteStartObject("waitingByTier");
                for (int t = 0; t < 3; t++)
                {
                    w.WriteNumber(LobbyMetrics.Tiers[t], e.WaitingCount(s, (Tier)t));
                }

                w.WriteEndObject();
                w.WriteNumber("issued", e.IssuedCount(s));
                if (p.TypicalMs >= 0)
                {
                    w.WriteNumber("predictedWaitSeconds", p.TypicalMs / 1000);
                    w.WriteNumber("predictedWaitUpperSeconds", p.UpperMs / 1000);
                }

                WriteCare(w, e.CareFiguresOf(s));
                WriteRatings(w, e.RatingFiguresOfService(s));
                WriteSelfService(w, sc.SelfService, p.TypicalMs);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteCare(w, e.CareFiguresTotal());
            WriteRatings(w, e.RatingFiguresTotal());
            w.WriteStartArray("counters");
            foreach (CounterConfig cc in config.Counters)
            {
                e.TryGetCounter(cc.Number, out CounterView c);
                w.WriteStartObject();
                w.WriteNumber("number", cc.Number);
                w.WriteString("state", LobbyMetrics.States[(int)c.State]);
                if (c.CurrentTicket >= 0)
                {
                    w.WriteString("ticket", e.FormatTicket(c.CurrentTicket));
                }
                else
                {
                    w.WriteNull("ticket");
                }

                w.WriteNumber("waiting", e.WaitingForCounter(cc.Number));
                w.WriteNumber("parked", c.ParkedCount);
                WriteRatings(w, e.RatingFiguresOfCounter(cc.Number));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("recentCalls");
            int n = e.CopyRecentCalls(_recent);
            for (int i = 0; i < n; i++)
            {
                RecentCall r = _recent[i];
                w.WriteStartObject();
                w.WriteString("ticket", e.FormatNumber(r.NumberService, r.Number));
                w.WriteNumber("counter", r.Counter);
                w.WriteString("time", new DateTime(r.TimeTicks, DateTimeKind.Utc));
                w.WriteNumber("recalls", r.Recalls);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        Volatile.Write(ref _body, _buffer.WrittenSpan.ToArray());
        Volatile.Write(ref _builtSequence, e.LastSequence);
        _builtAt = now;
        _builtDate = CivilDate(e, now);
        if (Changed is { } changed)
        {
            // Sent now: stamped now.
            changed(JsonAt(now));
        }
    }
}
