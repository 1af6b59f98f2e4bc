using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Runtime;
using LobbyEdge.Service.Advice;
using LobbyEdge.Service.Monitoring;
using LobbyEdge.Service.Operations;
using LobbyEdge.Service.Persistence;
using Microsoft.Extensions.Options;

namespace LobbyEdge.Service.Lobby;

/// <summary>
/// What the lobby console shows, as JSON, built on the engine loop from the engine's state (never read from a
/// request thread): per service the waiting tickets with wait, tier and care state, most urgent first; the no-shows
/// the engine would still recover (<see cref="CanComeBack"/>); the counters; the day's figures. Rebuilt after a change (at most every
/// <see cref="MinInterval"/> of wall-clock time) and, while a page watches, at least every <see cref="MaxInterval"/>,
/// so waits keep counting on a quiet floor. Readers on any thread take the latest <see cref="Json"/> and
/// <see cref="Tickets"/> without a lock.
/// </summary>
/// <remarks>
/// Shape: <c>{"time","dayOpen","businessDate","utcOffsetMinutes","calendar":{"today":{…},"nextOpening"} (as in
/// /api/state),"branch":{"name","nameZh"},"overdueSeconds",
/// "services":[{"id","prefix","name","nameZh","waiting","careThresholdSeconds","tickets":[{"id","ticket","tier",
/// "waitSeconds","care":"overdue|due|cared|waiting","alertSeconds"?,"caredSecondsAgo"?,"careGiven","reprints",
/// "recoveries","slaBreached"}]}],"noShows":[{"id","ticket","service","sinceSeconds"?,"leftSeconds"?,"callsLeft"?,"recoveriesLeft"}],
/// "counters":[{"number","state","stateSeconds","ticket"?,"ticketSeconds"?}],
/// "figures":{"waiting","called","serviceLevel"?,"noShowRate"?,"careCoverage","careDecided","careCovered",
/// "uncaredWaiting","careGiven","meanCareResponseSeconds"?},
/// "ratings":{"branch":{"ratings","requested","padRatings","npsRatings","responseRate"?,"satisfaction"?,"nps"?},
/// "counters":[{"number", same members}],"low":[{"counter","ticket"?,"service"?,"waitSeconds"?,"cared"?,"score",
/// "scale":"pad5|nps11","reasons":["waiting","confusing","annoying","cost"],"secondsAgo"}]},"advice":{…},"forecast"?:{…}}</c>
/// (the advice and forecast panels: ConsoleState.Advice.cs); durations in whole seconds of the branch clock,
/// shares 0..1. A service lists at most <see cref="MaxTicketsShown"/> tickets.
/// </remarks>
public sealed partial class ConsoleState : IEngineEventSink
{
    /// <summary>The most recent low scores the console lists for follow-up (pad 1-2, 0..10 scores 0-6).</summary>
    public const int LowScoresShown = 5;

    /// <summary>The state is rebuilt after a change at most this often (wall clock).</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(150);

    /// <summary>The state is rebuilt at least this often (wall clock), so waits and care ages move.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    /// <summary>The most tickets listed per service (the count is always whole).</summary>
    public const int MaxTicketsShown = 80;

    /// <summary>
    /// After an act of care for a ticket (by anyone: this console, another tablet, the simulated manager), how long
    /// (branch clock) the console records no other for it: a double tap, or two staff answering the same alert, is one act.
    /// </summary>
    public static readonly TimeSpan CareGuard = TimeSpan.FromSeconds(30);

    private readonly QueueEngine _engine;
    private readonly TimeProvider _time;
    private readonly TimeSpan _overdue;
    private readonly ArrayBufferWriter<byte> _buffer = new(16384);
    private readonly int[] _queue;
    private readonly long[] _noShowAt;
    private readonly int[] _noShowMark;    // by ticket id: its service's calls at the no-show (as the engine's NoShowCallMark)
    private readonly int[] _callsOf;       // by service: calls today seen by this console
    private readonly bool[] _called;
    private readonly long[] _caredTicks;   // by ticket id: the engine's last CareGiven (branch ticks), written on the engine loop
    private readonly int[] _caredBy;       // by ticket id: its staff id (0 = unknown)
    private readonly Dictionary<int, CareClaim> _careClaims = [];  // by ticket id: care this console is sending or sent
    private readonly Stopwatch _sinceBuild = Stopwatch.StartNew();
    private readonly List<(int Rank, long WaitTicks, TicketView View)> _rows = [];
    private readonly LobbyEvent[] _lowScores = new LobbyEvent[LowScoresShown];  // a ring of the day's last low ratings
    private int _lowScoreCount;
    private byte[] _json = "{}"u8.ToArray();
    private readonly ConcurrentDictionary<string, int> _tickets = new(StringComparer.Ordinal);
    private int _mapped;
    private long _builtSequence = -1;
    private int _watchers;
    private int _firstCalls;
    private int _withinSla;
    private int _noShows;

    /// <summary>Creates the state over the restored branch (and the advice host, null when advice is off) and builds it once.</summary>
    public ConsoleState(RestoredBranch branch, TimeProvider time, IOptions<ConsoleOptions> options, AdviceHost? advice = null)
    {
        _advice = advice;
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        _engine = branch.Engine;
        _time = time;
        _overdue = TimeSpan.FromMinutes(options.Value.OverdueMinutes);
        int capacity = Math.Max(1, _engine.Config.MaxTicketsPerDay);
        _queue = new int[capacity];
        _noShowAt = new long[capacity];
        _noShowMark = new int[capacity];
        _callsOf = new int[_engine.Config.Services.Count];
        _called = new bool[capacity];
        _caredTicks = new long[capacity];
        _caredBy = new int[capacity];
        for (int id = 0; id < _engine.TicketCount && id < capacity; id++)
        {
            _caredTicks[id] = _engine.TryGetTicket(id, out TicketView t) ? t.LastCareTicks : 0;
        }

        // The day's low scores so far, from the log: the follow-up list survives a restart.
        foreach (ref readonly LobbyEvent e in branch.TodaysEvents())
        {
            NoteRating(in e);
        }

        MapNewTickets();
        Build();
    }

    /// <summary>Now on the branch clock (the simulated clock under <c>--simulate</c>), UTC.</summary>
    public DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>The latest console state as UTF-8 JSON. Never changes once returned.</summary>
    public byte[] Json => Volatile.Read(ref _json);

    /// <summary>
    /// Every ticket of the day by printed number (e.g. <c>A017</c>) to the engine's ticket id, the newest ticket
    /// holding each number (a number used again after it wrapped names its newest ticket, as the engine's own
    /// <see cref="QueueEngine.FindTicket"/> does): how an action from the page names a ticket. It covers the tickets the
    /// page does not list too (more than <see cref="MaxTicketsShown"/> waiting, ended ones), so the engine decides and
    /// its own reason (not waiting, ended, ...) is what the staff member sees. Kept on the engine loop; safe to read
    /// from any thread.
    /// </summary>
    public IReadOnlyDictionary<string, int> Tickets => _tickets;

    /// <summary>
    /// Pages watching the live feed now (<see cref="Watch"/>). Without any, the state is rebuilt only after a change:
    /// nobody needs the waits to tick.
    /// </summary>
    public int Watchers => Volatile.Read(ref _watchers);

    /// <summary>Raised on the engine loop after a new state is built; handlers must not block.</summary>
    public event Action<byte[]>? Changed;

    /// <inheritdoc />
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            if (e.Kind == EventKind.TicketCalled && (uint)e.Service < (uint)_callsOf.Length)
            {
                _callsOf[e.Service]++;
            }

            NoteRating(in e);
            switch (e.Kind)
            {
                case EventKind.DayOpened:
                    _tickets.Clear();
                    _mapped = 0;
                    Array.Clear(_called);
                    Array.Clear(_noShowAt);
                    Array.Clear(_noShowMark);
                    Array.Clear(_callsOf);
                    Array.Clear(_caredTicks);
                    Array.Clear(_caredBy);
                    _firstCalls = _withinSla = _noShows = 0;
                    break;
                case EventKind.TicketCalled when (uint)e.Ticket < (uint)_called.Length && !_called[e.Ticket]:
                    _called[e.Ticket] = true;
                    _firstCalls++;
                    TicketCalledView call = e.AsTicketCalled();
                    if (call.HasWait && call.WaitMs <= _engine.Config.Services[e.Service].SlaTarget.TotalMilliseconds)
                    {
                        _withinSla++;
                    }

                    break;
                case EventKind.TicketNoShow when (uint)e.Ticket < (uint)_noShowAt.Length:
                    if (_noShowAt[e.Ticket] == 0)
                    {
                        _noShows++;
                    }

                    _noShowAt[e.Ticket] = e.TimeTicks;
                    _noShowMark[e.Ticket] = (uint)e.Service < (uint)_callsOf.Length ? _callsOf[e.Service] : 0;
                    break;
                case EventKind.CareGiven when (uint)e.Ticket < (uint)_caredTicks.Length:
                    Volatile.Write(ref _caredBy[e.Ticket], e.AsCareGiven().Staff);
                    Volatile.Write(ref _caredTicks[e.Ticket], e.TimeTicks);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Keeps a low rating (pad 1-2, 0..10 score 0-6) for the follow-up list; a day's opening empties the list.</summary>
    private void NoteRating(in LobbyEvent e)
    {
        if (e.Kind == EventKind.DayOpened)
        {
            _lowScoreCount = 0;
        }
        else if (e.Kind == EventKind.TicketRated && IsLow(e.AsTicketRated()))
        {
            _lowScores[_lowScoreCount++ % LowScoresShown] = e;
        }
    }

    /// <summary>A score to follow up: 1 or 2 on a pad, a detractor (0-6) on the 0..10 scale.</summary>
    private static bool IsLow(in TicketRatedView r) =>
        (r.Scale == RatingScale.Pad5 && r.Score <= 2) || (r.Scale == RatingScale.Nps11 && r.Score <= 6);

    /// <summary>
    /// Claims the act of care for <paramref name="ticket"/> (an engine ticket id) by <paramref name="staff"/>, atomically:
    /// granted unless the ticket was cared for (engine's event, or a claim of this console) less than
    /// <see cref="CareGuard"/> ago; of two concurrent claims exactly one is granted. Not granted: the claim holds the
    /// earlier care's time and staff. A granted claim the engine then refuses is given back with <see cref="ReleaseCare"/>.
    /// </summary>
    public CareClaim ClaimCare(int ticket, int staff)
    {
        long now = _time.GetUtcNow().UtcTicks;
        long engineTicks = (uint)ticket < (uint)_caredTicks.Length ? Volatile.Read(ref _caredTicks[ticket]) : 0;
        int engineStaff = (uint)ticket < (uint)_caredBy.Length ? Volatile.Read(ref _caredBy[ticket]) : 0;
        lock (_careClaims)
        {
            CareClaim last = new(false, engineTicks, engineStaff);
            if (_careClaims.TryGetValue(ticket, out CareClaim claimed) && claimed.Ticks > last.Ticks)
            {
                last = claimed;
            }

            if (last.Ticks > 0 && now - last.Ticks < CareGuard.Ticks)
            {
                return last with { Granted = false };
            }

            if (_careClaims.Count >= 256)
            {
                foreach (int old in _careClaims.Where(c => now - c.Value.Ticks >= CareGuard.Ticks).Select(c => c.Key).ToList())
                {
                    _careClaims.Remove(old);
                }
            }

            _careClaims[ticket] = new CareClaim(true, now, staff);
            return _careClaims[ticket];
        }
    }

    /// <summary>Gives back the claim <paramref name="staff"/> was granted for <paramref name="ticket"/>: the engine refused the care.</summary>
    public void ReleaseCare(int ticket, int staff)
    {
        lock (_careClaims)
        {
            if (_careClaims.TryGetValue(ticket, out CareClaim held) && held.Staff == staff)
            {
                _careClaims.Remove(ticket);
            }
        }
    }

    /// <summary>A page starts (<paramref name="watching"/> true) or stops watching the live feed.</summary>
    public void Watch(bool watching) => Interlocked.Add(ref _watchers, watching ? 1 : -1);

    /// <inheritdoc />
    public void OnBatchEnd()
    {
        MapNewTickets();
        TimeSpan since = _sinceBuild.Elapsed;
        if ((_engine.LastSequence != _builtSequence && since >= MinInterval) || (since >= MaxInterval && Watchers > 0))
        {
            Build();
        }
    }

    /// <summary>Adds the tickets issued since the last call to <see cref="Tickets"/> (ids grow with issue time).</summary>
    private void MapNewTickets()
    {
        if (_engine.TicketCount < _mapped)
        {
            _tickets.Clear();
            _mapped = 0;
        }

        for (; _mapped < _engine.TicketCount; _mapped++)
        {
            if (_engine.TryGetTicket(_mapped, out TicketView t))
            {
                _tickets[_engine.FormatNumber(t.NumberService, t.Number)] = t.Id;
            }
        }
    }

    /// <summary>The care state of a waiting ticket and its urgency rank (0 most urgent).</summary>
    private (string Care, int Rank) CareOf(in TicketView t, long now, TimeSpan threshold)
    {
        if (t.CareAlertTicks > 0)
        {
            return now - t.CareAlertTicks > _overdue.Ticks ? ("overdue", 0) : ("due", 1);
        }

        if (t.CareGiven == 0 && now - t.IssuedTicks >= threshold.Ticks)
        {
            return ("due", 1);
        }

        return t.CareGiven > 0 ? ("cared", 2) : ("waiting", 2);
    }

    private void Build()
    {
        QueueEngine e = _engine;
        BranchConfig config = e.Config;
        long now = _time.GetUtcNow().UtcTicks;
        int waiting = 0;
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", new DateTime(now, DateTimeKind.Utc));
            w.WriteBoolean("dayOpen", e.IsDayOpen);
            if (e.BusinessDate != DateOnly.MinValue)
            {
                w.WriteString("businessDate", e.BusinessDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            // The day's hours or "closed today", and the next opening (as in /api/state).
            var at = new DateTimeOffset(now, TimeSpan.Zero);
            w.WriteNumber("utcOffsetMinutes", (int)config.TimeZone.GetUtcOffset(at.UtcDateTime).TotalMinutes);
            BranchState.WriteCalendar(w, e, at);
            w.WriteStartObject("branch");
            w.WriteString("name", config.Name);
            w.WriteString("nameZh", config.NameZh);
            w.WriteEndObject();
            w.WriteNumber("overdueSeconds", (long)_overdue.TotalSeconds);
            w.WriteStartArray("services");
            for (int s = 0; s < config.Services.Count; s++)
            {
                ServiceConfig sc = config.Services[s];
                int n = e.CopyQueue(s, _queue);
                waiting += n;
                _rows.Clear();
                for (int i = 0; i < n; i++)
                {
                    if (e.TryGetTicket(_queue[i], out TicketView t))
                    {
                        _rows.Add((CareOf(t, now, sc.CareThreshold).Rank, now - t.IssuedTicks, t));
                    }
                }

                // Most urgent first: overdue, then due, then the longest wait.
                _rows.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : b.WaitTicks.CompareTo(a.WaitTicks));
                w.WriteStartObject();
                w.WriteString("id", sc.Id);
                w.WriteString("prefix", sc.Prefix.ToString());
                w.WriteString("name", sc.Name);
                w.WriteString("nameZh", sc.NameZh);
                w.WriteNumber("waiting", n);
                w.WriteNumber("careThresholdSeconds", (long)sc.CareThreshold.TotalSeconds);
                w.WriteStartArray("tickets");
                for (int i = 0; i < _rows.Count && i < MaxTicketsShown; i++)
                {
                    TicketView t = _rows[i].View;
                    string number = e.FormatNumber(t.NumberService, t.Number);
                    w.WriteStartObject();
                    w.WriteNumber("id", t.Id);
                    w.WriteString("ticket", number);
                    w.WriteString("tier", LobbyMetrics.Tiers[(int)t.Tier]);
                    w.WriteNumber("waitSeconds", Seconds(now - t.IssuedTicks));
                    w.WriteString("care", CareOf(t, now, sc.CareThreshold).Care);
                    if (t.CareAlertTicks > 0)
                    {
                        w.WriteNumber("alertSeconds", Seconds(now - t.CareAlertTicks));
                    }

                    if (t.LastCareTicks > 0)
                    {
                        w.WriteNumber("caredSecondsAgo", Seconds(now - t.LastCareTicks));
                    }

                    w.WriteNumber("careGiven", t.CareGiven);
                    w.WriteNumber("reprints", t.Reprints);
                    w.WriteNumber("recoveries", t.Recoveries);
                    w.WriteBoolean("slaBreached", t.SlaBreached);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteNoShows(w, now);
            WriteCounters(w, now);
            WriteFigures(w, waiting);
            WriteRatings(w, now);
            WriteAdvice(w, now);
            w.WriteEndObject();
        }

        Volatile.Write(ref _json, _buffer.WrittenSpan.ToArray());
        _builtSequence = e.LastSequence;
        _sinceBuild.Restart();
        Changed?.Invoke(_json);
    }

    private void WriteNoShows(Utf8JsonWriter w, long now)
    {
        // The no-shows that can still come back, newest first (ticket ids grow with issue time, so by no-show time):
        // only those the engine would still recover (recoveries left, within the tolerance of calls and of minutes).
        var list = new List<(long At, TicketView View)>();
        for (int id = 0; id < _engine.TicketCount; id++)
        {
            if (_engine.TryGetTicket(id, out TicketView t) && t.State == TicketState.NoShow && CanComeBack(t, now))
            {
                list.Add((_noShowAt[id], t));
            }
        }

        list.Sort((a, b) => a.At != b.At ? b.At.CompareTo(a.At) : b.View.Id.CompareTo(a.View.Id));
        w.WriteStartArray("noShows");
        foreach ((long at, TicketView t) in list.Take(30))
        {
            string number = _engine.FormatNumber(t.NumberService, t.Number);
            w.WriteStartObject();
            w.WriteNumber("id", t.Id);
            w.WriteString("ticket", number);
            w.WriteString("service", _engine.Config.Services[t.Service].Id);
            if (at > 0)
            {
                ServiceConfig sc = _engine.Config.Services[t.Service];
                w.WriteNumber("sinceSeconds", Seconds(now - at));
                w.WriteNumber("leftSeconds", Seconds(at + sc.ToleranceTime.Ticks - now));
                w.WriteNumber("callsLeft", Math.Max(0, sc.ToleranceCalls - (_callsOf[t.Service] - _noShowMark[t.Id])));
            }

            w.WriteNumber("recoveriesLeft", Math.Max(0, _engine.Config.Services[t.Service].MaxRecoveries - t.Recoveries));

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>
    /// Whether the engine would recover this no-show now (the checks of its Recover: recoveries left, calls of its service
    /// since the no-show within the tolerance, minutes within it). The calls and the no-show time are this console's own
    /// count of the events it saw: for a no-show from before the service started they are not known, and only the
    /// recoveries are checked (the engine still expires it by its own count).
    /// </summary>
    private bool CanComeBack(in TicketView t, long now)
    {
        ServiceConfig sc = _engine.Config.Services[t.Service];
        long at = _noShowAt[t.Id];
        return t.Recoveries < sc.MaxRecoveries
            && (at == 0 || (now - at <= sc.ToleranceTime.Ticks && _callsOf[t.Service] - _noShowMark[t.Id] <= sc.ToleranceCalls));
    }

    private void WriteCounters(Utf8JsonWriter w, long now)
    {
        w.WriteStartArray("counters");
        foreach (CounterConfig cc in _engine.Config.Counters)
        {
            _engine.TryGetCounter(cc.Number, out CounterView c);
            w.WriteStartObject();
            w.WriteNumber("number", cc.Number);
            w.WriteString("state", LobbyMetrics.States[(int)c.State]);
            w.WriteNumber("stateSeconds", c.StateSinceTicks > 0 ? Seconds(now - c.StateSinceTicks) : 0);
            if (c.CurrentTicket >= 0 && _engine.TryGetTicket(c.CurrentTicket, out TicketView t))
            {
                string number = _engine.FormatNumber(t.NumberService, t.Number);
                w.WriteString("ticket", number);
                w.WriteString("ticketState", t.State.ToString().ToLowerInvariant());

                // Since the counter took it on: the state's own clock (called, then serving).
                w.WriteNumber("ticketSeconds", c.StateSinceTicks > 0 ? Seconds(now - c.StateSinceTicks) : 0);
            }

            w.WriteNumber("parked", c.ParkedCount);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private void WriteFigures(Utf8JsonWriter w, int waiting)
    {
        CareFigures care = _engine.CareFiguresTotal();
        w.WriteStartObject("figures");
        w.WriteNumber("waiting", waiting);
        w.WriteNumber("called", _firstCalls);
        if (_firstCalls > 0)
        {
            w.WriteNumber("serviceLevel", Math.Round((double)_withinSla / _firstCalls, 4));
            w.WriteNumber("noShowRate", Math.Round((double)_noShows / _firstCalls, 4));
        }

        w.WriteNumber("careCoverage", Math.Round(care.Coverage, 4));
        w.WriteNumber("careDecided", care.Decided);
        w.WriteNumber("careCovered", care.Covered);
        w.WriteNumber("uncaredWaiting", care.UncaredWaiting);
        w.WriteNumber("careGiven", care.CareGiven);
        if (care.Responses > 0)
        {
            w.WriteNumber("meanCareResponseSeconds", Math.Round(care.MeanResponseMs / 1000, 1));
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// The "Satisfaction today" panel: the branch's and each counter's ratings (only counters that asked or were
    /// rated today) and the last low scores, newest first, for the lobby manager to follow up.
    /// </summary>
    private void WriteRatings(Utf8JsonWriter w, long now)
    {
        w.WriteStartObject("ratings");
        WriteRatingFigures(w, "branch", _engine.RatingFiguresTotal());
        w.WriteStartArray("counters");
        foreach (CounterConfig cc in _engine.Config.Counters)
        {
            RatingFigures f = _engine.RatingFiguresOfCounter(cc.Number);
            if (f.Total > 0 || f.Requested > 0)
            {
                w.WriteStartObject();
                w.WriteNumber("number", cc.Number);
                WriteRatingFigureMembers(w, f);
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
        w.WriteStartArray("low");
        for (int i = 1; i <= Math.Min(_lowScoreCount, LowScoresShown); i++)
        {
            ref readonly LobbyEvent e = ref _lowScores[(_lowScoreCount - i) % LowScoresShown];
            TicketRatedView r = e.AsTicketRated();
            w.WriteStartObject();
            w.WriteNumber("counter", e.Counter);
            if (r.Linked)
            {
                w.WriteString("ticket", _engine.FormatNumber(e.NumberService, e.Number));
                w.WriteString("service", _engine.Config.Services[e.Service].Id);
                w.WriteNumber("waitSeconds", r.WaitMs / 1000);
                w.WriteBoolean("cared", r.CareGiven > 0);
            }

            w.WriteNumber("score", r.Score);
            w.WriteString("scale", LobbyMetrics.Scales[(int)r.Scale]);
            w.WriteStartArray("reasons");
            for (int bit = 0; bit < s_reasons.Length; bit++)
            {
                if (((int)r.Reasons & (1 << bit)) != 0)
                {
                    w.WriteStringValue(s_reasons[bit]);
                }
            }

            w.WriteEndArray();
            w.WriteNumber("secondsAgo", Seconds(now - e.TimeTicks));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The reason chips by bit of <see cref="RatingReasons"/>.</summary>
    private static readonly string[] s_reasons = ["waiting", "confusing", "annoying", "cost"];

    private static void WriteRatingFigures(Utf8JsonWriter w, string name, in RatingFigures f)
    {
        w.WriteStartObject(name);
        WriteRatingFigureMembers(w, f);
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>"ratings"</c> (all today), <c>"requested"</c> (customers asked), <c>"responseRate"</c>,
    /// <c>"satisfaction"</c> (pad 4-5 share) and <c>"nps"</c> (-100..100) when there is something to divide by,
    /// with <c>"padRatings"</c> and <c>"npsRatings"</c>, the ratings on each scale.
    /// </summary>
    private static void WriteRatingFigureMembers(Utf8JsonWriter w, in RatingFigures f)
    {
        w.WriteNumber("ratings", f.Total);
        w.WriteNumber("requested", f.Requested);
        w.WriteNumber("padRatings", f.Rated(RatingScale.Pad5));
        w.WriteNumber("npsRatings", f.Rated(RatingScale.Nps11));
        WriteIfNumber(w, "responseRate", f.ResponseRate, 4);
        WriteIfNumber(w, "satisfaction", f.Satisfaction, 4);
        WriteIfNumber(w, "nps", f.NetPromoterScore, 1);
    }

    private static void WriteIfNumber(Utf8JsonWriter w, string name, double value, int decimals)
    {
        if (!double.IsNaN(value))
        {
            w.WriteNumber(name, Math.Round(value, decimals));
        }
    }

    private static long Seconds(long ticks) => Math.Max(0, ticks / TimeSpan.TicksPerSecond);
}

/// <summary>An answer of <see cref="ConsoleState.ClaimCare"/>.</summary>
/// <param name="Granted">True: the caller sends the care. False: it was recorded less than <see cref="ConsoleState.CareGuard"/> ago.</param>
/// <param name="Ticks">When granted, the claim's time; otherwise when the earlier care was given (branch clock, UTC ticks).</param>
/// <param name="Staff">Who claims, or who gave the earlier care (0 = not known, e.g. recorded before a restart).</param>
public readonly record struct CareClaim(bool Granted, long Ticks, int Staff);
