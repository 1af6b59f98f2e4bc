using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// The customers and staff of a simulated lobby day. It plans what people do and when (customers arrive, take
/// tickets, give up or come back after missing their call; staff call, recall, serve, transfer and take a break)
/// and learns from each command's result what happens next. Deterministic for a given seed. It does not own a
/// clock or an engine: a driver asks it for the commands due at <c>now</c> and reports the results back, so the
/// same traffic drives the engine directly (tests, benchmarks) or through the host's command channel.
/// </summary>
public sealed class LobbyTraffic
{
    private readonly BranchConfig _config;
    private readonly TrafficProfile _profile;
    private readonly Random _random;
    private readonly PriorityQueue<Plan, (long Due, long Order)> _plans = new();
    private readonly CounterPlan[] _counters;
    private long _order;
    private readonly long[] _predictedWaitMs;
    private readonly Dictionary<int, AdviceKind> _adviceKinds = [];
    private Plan _pending;
    private Source _pendingFrom;

    /// <summary>
    /// Plans a day for a branch on a business date, with the date's hours by the branch's calendar (the branch's
    /// open .. close on a date the calendar closes: the caller skips those, <see cref="IsOpenDate"/>).
    /// </summary>
    public LobbyTraffic(BranchConfig config, TrafficProfile profile, DateOnly date, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        _config = config;
        _profile = profile;
        _random = new Random(seed);
        DayHours hours = config.EffectiveCalendar.HoursOn(date) ?? new DayHours(config.OpenTime, config.CloseTime);
        DayOpen = BusinessCalendar.ToUtc(config.TimeZone, date, hours.Open);
        DayClose = BusinessCalendar.ToUtc(config.TimeZone, date, hours.Close);
        _counters = new CounterPlan[config.Counters.Count];
        _predictedWaitMs = new long[config.Services.Count];
        Array.Fill(_predictedWaitMs, -1);
        PlanArrivals();
        for (int i = 0; i < _counters.Length; i++)
        {
            long open = DayOpen.Ticks + Seconds(20, 90);
            _counters[i].BreakAt = DayOpen.Ticks + (long)((DayClose - DayOpen).Ticks * (0.3 + (0.4 * _random.NextDouble())));
            if (config.Counters[i].OpenAtDayStart)
            {
                At(open, new Plan(Act.Call, i));
            }
            else if (profile.FollowAdvice)
            {
                // Staffed only when advised: the clerk works in the back office until then.
                _counters[i].Clerk = Clerk.OnCall;
            }
            else
            {
                At(open, new Plan(Act.Login, i));
            }
        }

        // Her own seed, so the customers' and staff's draws stay as they are with or without her.
        Manager = profile.LobbyManager is { } manager ? new LobbyManager(config, manager, unchecked((seed * 31) + 0x4C4D)) : null;

        // The rating customers draw from their own seed too.
        Ratings = profile.Ratings is { } ratings ? new RatingCustomers(config, ratings, unchecked((seed * 37) + 0x5241)) : null;
    }

    /// <summary>The lobby manager on the floor (<see cref="TrafficProfile.LobbyManager"/>), or null.</summary>
    public LobbyManager? Manager { get; }

    /// <summary>The customers at the counters' rating stations (<see cref="TrafficProfile.Ratings"/>), or null.</summary>
    public RatingCustomers? Ratings { get; }

    /// <summary>When the simulated day opens (UTC).</summary>
    public DateTime DayOpen { get; }

    /// <summary>When the simulated day closes (UTC).</summary>
    public DateTime DayClose { get; }

    /// <summary>Customers planned to arrive.</summary>
    public int PlannedArrivals { get; private set; }

    /// <summary>When the next planned action (the lobby manager's and the rating customers' included) is due, or null when nothing is left.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? due = _plans.TryPeek(out _, out (long Due, long Order) p) ? new DateTimeOffset(p.Due, TimeSpan.Zero) : null;
            return Earlier(Earlier(due, Manager?.NextDue), Ratings?.NextDue);
        }
    }

    /// <summary>
    /// Whether the people in the lobby react to events they did not cause (a care alert, a rating prompt from the
    /// host): then a driver should wake when events arrive, not only when <see cref="NextDue"/> comes.
    /// </summary>
    public bool ListensToEvents => Manager is not null || Ratings is not null || _profile.FollowAdvice || _profile.SelfServiceTakeUp > 0;

    /// <summary>Advice the staff answered (<see cref="Command.AnswerAdvice"/> sent) under <see cref="TrafficProfile.FollowAdvice"/>.</summary>
    public int AdviceAnswered { get; private set; }

    /// <summary>Accepted advice the clerks carried out (a counter opened, resumed, paused or closed on advice).</summary>
    public int AdviceCarriedOut { get; private set; }

    /// <summary>Customers who took their service's self-service alternative instead of a ticket (<see cref="TrafficProfile.SelfServiceTakeUp"/>).</summary>
    public int SelfServiceTaken { get; private set; }

    /// <summary>
    /// Takes in what the engine did (every event, in order, including the timers' care alerts), so the lobby
    /// manager sees what her console would show and the customers at the rating stations see their prompts.
    /// Without either it does nothing.
    /// </summary>
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        Manager?.OnEvents(events);
        Ratings?.OnEvents(events);
        if (_profile.FollowAdvice || _profile.SelfServiceTakeUp > 0)
        {
            foreach (ref readonly LobbyEvent e in events)
            {
                Learn(in e);
            }
        }
    }

    /// <summary>What the staff and the customers at the kiosk learn from an event: advice to answer and carry out, the wait the kiosk shows.</summary>
    private void Learn(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.TicketIssued when (uint)e.Service < (uint)_predictedWaitMs.Length && !e.AsTicketIssued().IsWalkIn:
                _predictedWaitMs[e.Service] = e.AsTicketIssued().TypicalWaitMs;
                break;

            case EventKind.SelfServiceChosen when (uint)e.Service < (uint)_predictedWaitMs.Length:
                _predictedWaitMs[e.Service] = e.AsSelfServiceChosen().PredictedWaitMs;
                break;

            case EventKind.AdviceIssued when _profile.FollowAdvice:
                {
                    AdviceIssuedView advice = e.AsAdviceIssued();
                    PlanAnswer(advice.AdviceId, advice.Kind, advice.CounterNumber, e.TimeTicks);
                    break;
                }

            case EventKind.AdviceAnswered when _profile.FollowAdvice:
                {
                    AdviceAnsweredView answered = e.AsAdviceAnswered();
                    if (answered.Answer == AdviceAnswer.Accepted)
                    {
                        PlanCarryOut(answered.AdviceId, answered.CounterNumber, e.TimeTicks);
                    }

                    break;
                }

            case EventKind.DayOpened:
                _adviceKinds.Clear();
                break;

            default:
                break;
        }
    }

    private int CounterIndexOf(int counterNumber)
    {
        for (int i = 0; i < _config.Counters.Count; i++)
        {
            if (_config.Counters[i].Number == counterNumber)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Picks the day up at <paramref name="now"/> (after a restart mid-day): what was planned before it is
    /// dropped, and every counter's staff start calling again shortly.
    /// </summary>
    public void ResumeAt(DateTimeOffset now)
    {
        long t = now.UtcTicks;
        var kept = new List<(Plan Plan, (long Due, long Order) Priority)>();
        while (_plans.TryDequeue(out Plan plan, out (long Due, long Order) p))
        {
            if (p.Due >= t && plan.Act == Act.Arrive)
            {
                kept.Add((plan, p));
            }
        }

        foreach ((Plan plan, (long Due, long Order) p) in kept)
        {
            _plans.Enqueue(plan, p);
        }

        for (int i = 0; i < _counters.Length; i++)
        {
            if (_counters[i].Clerk is not (Clerk.OnCall or Clerk.LoggedOut))
            {
                At(t + Seconds(5, 30), new Plan(Act.Call, i));
            }
        }

        Manager?.ResumeAt(now);
        Ratings?.ResumeAt(now);
    }

    /// <summary>
    /// After a restart (<see cref="ResumeAt"/>), the advice of today the engine still holds that the staff had not
    /// finished with (under <see cref="TrafficProfile.FollowAdvice"/>): the lobby manager answers what is unanswered,
    /// and the clerk carries out what was accepted (her plan was lost with the restart; advice the counter's state no
    /// longer fits is let go when she gets to it). Advice of another day, dismissed advice and advice already seen
    /// are skipped. Planned from <paramref name="now"/> on, as if just read on the console.
    /// </summary>
    /// <returns>How many pieces of advice were picked up.</returns>
    public int PickUpAdvice(ReadOnlySpan<AdviceView> advice, DateTimeOffset now)
    {
        if (!_profile.FollowAdvice)
        {
            return 0;
        }

        int picked = 0;
        foreach (ref readonly AdviceView a in advice)
        {
            if (a.IssuedUtc < DayOpen || a.IssuedUtc > DayClose || _adviceKinds.ContainsKey(a.Id))
            {
                continue;
            }

            switch (a.Answer)
            {
                case AdviceAnswer.None:
                    PlanAnswer(a.Id, a.Kind, a.CounterNumber, now.UtcTicks);
                    picked++;
                    break;
                case AdviceAnswer.Accepted:
                    _adviceKinds[a.Id] = a.Kind;
                    PlanCarryOut(a.Id, a.CounterNumber, now.UtcTicks);
                    picked++;
                    break;
                default:
                    break;
            }
        }

        return picked;
    }

    /// <summary>She reads the advice on the console and answers within about a minute; a clerk opened on advice is not sent away again within the hour.</summary>
    private void PlanAnswer(int adviceId, AdviceKind kind, int counterNumber, long t)
    {
        _adviceKinds[adviceId] = kind;
        int ci = CounterIndexOf(counterNumber);
        if (ci < 0)
        {
            return;
        }

        bool tooSoon = kind == AdviceKind.Close && _counters[ci].OpenedOnAdviceTicks > 0
            && t - _counters[ci].OpenedOnAdviceTicks < _profile.AdvisedStayAtLeast.Ticks;
        AdviceAnswer answer = tooSoon ? AdviceAnswer.Dismissed : AdviceAnswer.Accepted;
        At(t + Seconds(20, 90), new Plan(Act.Answer, ci, (int)kind, adviceId, Extra: (int)answer));
    }

    /// <summary>The counter's clerk carries out accepted advice about <see cref="TrafficProfile.AdviceResponse"/> after it was accepted.</summary>
    private void PlanCarryOut(int adviceId, int counterNumber, long t)
    {
        int ci = CounterIndexOf(counterNumber);
        if (ci >= 0 && _adviceKinds.TryGetValue(adviceId, out AdviceKind kind))
        {
            long half = _profile.AdviceResponse.Ticks / 2;
            At(t + half + (long)(_random.NextDouble() * 2 * half), new Plan(Act.CarryOut, ci, (int)kind, adviceId));
        }
    }

    /// <summary>
    /// Takes the next command due at or before <paramref name="now"/>: the customers' and counters' first, then the
    /// rating stations' (prompts and presses), then the lobby manager's. When it returns false, <see cref="NextDue"/>
    /// is later than <paramref name="now"/> (or null).
    /// </summary>
    public bool TryNext(DateTimeOffset now, out Command command)
    {
        while (_plans.TryPeek(out Plan plan, out (long Due, long Order) p) && p.Due <= now.UtcTicks)
        {
            _plans.Dequeue();
            if (plan.Counter >= 0 && plan.Act is not (Act.Answer or Act.CarryOut) && plan.Epoch != _counters[plan.Counter].Epoch)
            {
                // The clerk's plan from before advice changed what she does (a break's return she no longer waits for).
                continue;
            }

            if (plan.Act == Act.CarryOut && !CarryOut(ref plan, p.Due))
            {
                continue;
            }

            if (plan.Act == Act.Call && _counters[plan.Counter].Pending != AdviceKind.None)
            {
                // Advised to pause or close: after the customer she has just finished, not another call.
                bool pause = _counters[plan.Counter].Pending == AdviceKind.Pause;
                plan = plan with { Act = pause ? Act.Pause : Act.Logout, Extra = 1 };
            }

            if (plan.Act == Act.Arrive && plan.Extra == 0 && ChoosesSelfService(plan.NumberService))
            {
                plan = plan with { Act = Act.SelfService };
            }

            if (plan.Act == Act.Return && Manager is not null)
            {
                // The customer who missed the call comes back to the lobby manager's desk with the printed number.
                Manager.CustomerReturns(plan.NumberService, plan.Number, now);
                continue;
            }

            command = ToCommand(plan);
            if (command.Kind != CommandKind.None)
            {
                _pending = plan;
                _pendingFrom = Source.Plans;
                return true;
            }
        }

        if (Ratings is not null && Ratings.TryNext(now, out command))
        {
            _pendingFrom = Source.Ratings;
            return true;
        }

        if (Manager is not null && Manager.TryNext(now, out command))
        {
            _pendingFrom = Source.Manager;
            return true;
        }

        command = default;
        return false;
    }

    /// <summary>Reports the result of the command last taken, so the people in the lobby react to it.</summary>
    public void Observe(in Command command, in CommandResult result, DateTimeOffset now)
    {
        if (_pendingFrom == Source.Manager)
        {
            _pendingFrom = Source.Plans;
            Manager!.Observe(in command, in result, now);
            return;
        }

        if (_pendingFrom == Source.Ratings)
        {
            _pendingFrom = Source.Plans;
            Ratings!.Observe(in result);
            return;
        }

        long t = now.UtcTicks;
        Plan plan = _pending;
        switch (plan.Act)
        {
            case Act.Arrive:
                if (result.Accepted && _random.NextDouble() < _profile.CancelRate)
                {
                    At(t + Seconds(300, 1800), new Plan(Act.GiveUp, -1, result.NumberService, result.Number));
                }

                break;

            case Act.Call:
                if (result.Accepted && result.Ticket >= 0)
                {
                    if (_random.NextDouble() < _profile.NoShowRate)
                    {
                        At(t + Seconds(25, 40), new Plan(Act.Recall, plan.Counter));
                        At(t + Seconds(60, 90), new Plan(Act.NoShow, plan.Counter, result.NumberService, result.Number));
                    }
                    else
                    {
                        At(t + Seconds(10, 30), new Plan(Act.Start, plan.Counter));
                    }
                }
                else if (result.Refusal is RefusalReason.CounterNotCalling)
                {
                    // Closed, paused or away (e.g. after a restart mid-day): staff come back and log in.
                    At(t + Seconds(30, 60), new Plan(Act.Resume, plan.Counter));
                }
                else if (result.Refusal is RefusalReason.DayNotOpen)
                {
                    At(t + Seconds(50, 70), plan);
                }
                else if (t < DayClose.Ticks)
                {
                    At(t + Seconds(15, 30), plan);
                }

                break;

            case Act.Start:
                if (result.Accepted)
                {
                    int service = _config.Services.Count > 1 && _random.NextDouble() < _profile.TransferRate ? -2 : -1;
                    long serviceTime = ServiceTime(result.NumberService);
                    At(t + (service == -2 ? serviceTime / 3 : serviceTime), new Plan(service == -2 ? Act.Transfer : Act.Finish, plan.Counter));
                }

                break;

            case Act.NoShow:
                if (result.Accepted && _random.NextDouble() < _profile.ReturnRate)
                {
                    At(t + Seconds(120, 1500), new Plan(Act.Return, -1, plan.NumberService, plan.Number));
                }

                NextCall(plan.Counter, t);
                break;

            case Act.Finish:
            case Act.Transfer:
                NextCall(plan.Counter, t);
                break;

            case Act.Pause:
                _counters[plan.Counter].Pending = AdviceKind.None;
                if (result.Accepted)
                {
                    bool advised = plan.Extra == 1;
                    _counters[plan.Counter].Clerk = advised ? Clerk.PausedOnAdvice : Clerk.OnBreak;
                    AdviceCarriedOut += advised ? 1 : 0;

                    // A break lasts 10-20 minutes; a pause on advice until advised to resume, an hour at the latest.
                    At(t + (advised ? TimeSpan.TicksPerHour : Seconds(600, 1200)), new Plan(Act.Resume, plan.Counter));
                }
                else
                {
                    NextCall(plan.Counter, t);
                }

                break;

            case Act.Logout:
                _counters[plan.Counter].Pending = AdviceKind.None;
                if (result.Accepted)
                {
                    _counters[plan.Counter].Clerk = Clerk.LoggedOut;
                    AdviceCarriedOut++;
                }
                else
                {
                    NextCall(plan.Counter, t);
                }

                break;

            case Act.Answer:
                AdviceAnswered += result.Accepted ? 1 : 0;
                break;

            case Act.SelfService when result.Refusal == RefusalReason.SelfServiceNotSuggested:
                // She decided on a wait she read a moment ago; the kiosk no longer suggests it, so she takes a ticket.
                SelfServiceTaken--;
                At(t, plan with { Act = Act.Arrive, Extra = 1 });
                break;

            case Act.Resume when result.Refusal == RefusalReason.CounterNotCalling:
                // Not paused or away but logged out: log in instead.
                At(t + Seconds(5, 15), new Plan(Act.Login, plan.Counter));
                break;

            case Act.Resume:
            case Act.Login:
                _counters[plan.Counter].Clerk = Clerk.Working;
                At(t + Seconds(5, 15), new Plan(Act.Call, plan.Counter));
                break;

            default:
                break;
        }
    }

    private void NextCall(int counter, long t)
    {
        ref CounterPlan c = ref _counters[counter];
        if (!c.HadBreak && t >= c.BreakAt)
        {
            c.HadBreak = true;
            At(t + Seconds(3, 10), new Plan(Act.Pause, counter));
            return;
        }

        At(t + Seconds(3, 10), new Plan(Act.Call, counter));
    }

    private Command ToCommand(in Plan plan)
    {
        int counter = plan.Counter >= 0 ? _config.Counters[plan.Counter].Number : 0;
        switch (plan.Act)
        {
            case Act.Arrive:
                return Command.Issue(plan.NumberService, plan.Tier);
            case Act.Call:
                return Command.CallNext(counter);
            case Act.Recall:
                return Command.Recall(counter);
            case Act.NoShow:
                return Command.NoShow(counter);
            case Act.Start:
                return Command.Start(counter);
            case Act.Finish:
                return Command.Finish(counter);
            case Act.Transfer:
                {
                    IReadOnlyList<ServiceWeight> list = _config.Counters[plan.Counter].Services;
                    int target = _random.Next(_config.Services.Count);
                    return Command.Transfer(counter, target == list[0].Service ? (target + 1) % _config.Services.Count : target);
                }

            case Act.Return:
                return Command.RecoverNumber(plan.NumberService, plan.Number);
            case Act.GiveUp:
                return Command.CancelNumber(plan.NumberService, plan.Number);
            case Act.Pause:
                return Command.Pause(counter);
            case Act.Resume:
                return Command.Resume(counter);
            case Act.Login:
                return Command.OpenCounter(counter);
            case Act.Logout:
                return Command.CloseCounter(counter);
            case Act.Answer:
                return Command.AnswerAdvice(plan.Number, (AdviceAnswer)plan.Extra, Manager?.Staff ?? 0);
            case Act.SelfService:
                return Command.ChooseSelfService(plan.NumberService);
            default:
                return default;
        }
    }

    /// <summary>Whether the branch's calendar opens on <paramref name="date"/> (a simulation plays only those).</summary>
    public static bool IsOpenDate(BranchConfig config, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.EffectiveCalendar.HoursOn(date) is not null;
    }

    private void PlanArrivals()
    {
        // A non-homogeneous Poisson process by thinning: draw at the peak rate, keep each arrival with
        // probability rate(t) / peak rate. The base rate is set so the expected total is TicketsPerDay.
        long open = DayOpen.Ticks;
        long cutoff = DayClose.Ticks - _config.TicketingCutoff.Ticks;
        double minutes = (cutoff - open) / (double)TimeSpan.TicksPerMinute;
        double weightedMinutes = 0;
        double maxFactor = 1;
        for (int m = 0; m < (int)minutes; m++)
        {
            double f = Factor(open + (m * TimeSpan.TicksPerMinute));
            weightedMinutes += f;
            maxFactor = Math.Max(maxFactor, f);
        }

        // TicketsPerDay is for a day of the branch's regular hours; a shorter (Saturday, New Year's Eve) or longer
        // day by the calendar has as many more or fewer customers.
        double regular = (_config.CloseTime - _config.OpenTime - _config.TicketingCutoff).TotalMinutes;
        double tickets = regular > 0 ? _profile.TicketsPerDay * minutes / regular : _profile.TicketsPerDay;
        double basePerMinute = tickets / Math.Max(1, weightedMinutes);
        double peakPerTick = basePerMinute * maxFactor / TimeSpan.TicksPerMinute;
        double t = open;
        while (true)
        {
            t += -Math.Log(1 - _random.NextDouble()) / peakPerTick;
            if (t >= cutoff)
            {
                break;
            }

            if (_random.NextDouble() * maxFactor <= Factor((long)t))
            {
                int service = _profile.PickService(_config, _random);
                At((long)t, new Plan(Act.Arrive, -1, service, 0, _profile.PickTier(_random)));
                PlannedArrivals++;
            }
        }
    }

    private double Factor(long utcTicks)
    {
        TimeOnly local = TimeOnly.FromDateTime(BusinessCalendar.ToLocal(_config.TimeZone, new DateTime(utcTicks, DateTimeKind.Utc)));
        foreach ((TimeOnly from, TimeOnly to, double factor) in _profile.Peaks)
        {
            if (local >= from && local < to)
            {
                return factor;
            }
        }

        return 1;
    }

    private long ServiceTime(int service)
    {
        TimeSpan mean = _profile.MeanServiceTime ?? (_config.Services[Math.Max(0, service)].SeedServiceTime * _profile.ServiceTimeFactor);

        // Log-normal around the mean (sigma 0.5): most transactions are quick, a few take long.
        const double Sigma = 0.5;
        double z = RandomDraws.StandardNormal(_random);
        double factor = Math.Exp((Sigma * z) - (Sigma * Sigma / 2));
        return Math.Max(TimeSpan.TicksPerSecond * 20, (long)(mean.Ticks * factor));
    }

    private long Seconds(int min, int max) => RandomDraws.Seconds(_random, min, max);

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset? b) => a is { } x && (b is not { } y || x <= y) ? a : b;

    private void At(long due, in Plan plan) =>
        _plans.Enqueue(plan.Counter >= 0 ? plan with { Epoch = _counters[plan.Counter].Epoch } : plan, (due, _order++));

    /// <summary>
    /// The counter's clerk carries out accepted advice (<paramref name="plan"/>: the counter and the kind): true with
    /// <paramref name="plan"/> turned into her command (log in, resume), false when there is no command now (a pause or
    /// close waits for the current customer; advice the counter's state no longer fits is let go).
    /// </summary>
    private bool CarryOut(ref Plan plan, long due)
    {
        ref CounterPlan c = ref _counters[plan.Counter];
        switch ((AdviceKind)plan.NumberService)
        {
            case AdviceKind.Open when c.Clerk is Clerk.OnCall or Clerk.LoggedOut:
            case AdviceKind.Resume when c.Clerk is Clerk.OnBreak or Clerk.PausedOnAdvice:
                bool open = (AdviceKind)plan.NumberService == AdviceKind.Open;
                c.Epoch++;
                c.OpenedOnAdviceTicks = open ? due : c.OpenedOnAdviceTicks;
                AdviceCarriedOut++;
                plan = new Plan(open ? Act.Login : Act.Resume, plan.Counter, Epoch: c.Epoch);
                return true;

            case AdviceKind.Pause when c.Clerk == Clerk.Working:
            case AdviceKind.Close when c.Clerk == Clerk.Working:
                c.Pending = (AdviceKind)plan.NumberService;
                return false;

            default:
                return false;
        }
    }

    /// <summary>Whether an arriving customer of <paramref name="service"/> takes its self-service alternative instead of a ticket.</summary>
    private bool ChoosesSelfService(int service)
    {
        if (!(_profile.SelfServiceTakeUp > 0) || (uint)service >= (uint)_predictedWaitMs.Length || _config.Services[service].SelfService is not { } alternative)
        {
            return false;
        }

        long shown = _predictedWaitMs[service];
        bool take = shown >= 0 && shown >= alternative.WaitThreshold.TotalMilliseconds && _random.NextDouble() < _profile.SelfServiceTakeUp;
        SelfServiceTaken += take ? 1 : 0;
        return take;
    }

    /// <summary>Whose command was taken last.</summary>
    private enum Source : byte
    {
        Plans,
        Ratings,
        Manager,
    }

    private enum Act : byte
    {
        Arrive,
        Call,
        Recall,
        NoShow,
        Start,
        Finish,
        Transfer,
        Return,
        GiveUp,
        Pause,
        Resume,
        Login,

        /// <summary>A counter's clerk logs out on advice (close after the current customer).</summary>
        Logout,

        /// <summary>The lobby manager (or the staff) answers advice: NumberService = kind, Number = advice id, Extra = answer.</summary>
        Answer,

        /// <summary>A counter's clerk carries out accepted advice: NumberService = kind, Number = advice id.</summary>
        CarryOut,

        /// <summary>An arriving customer takes the service's self-service alternative (NumberService = the service).</summary>
        SelfService,
    }

    /// <summary>What the clerk of a counter is doing, as far as advice is concerned.</summary>
    private enum Clerk : byte
    {
        /// <summary>At the counter: calling and serving.</summary>
        Working,

        /// <summary>On her break (back in 10-20 minutes).</summary>
        OnBreak,

        /// <summary>Not on the floor until advised to open (a counter staffed only on busy days).</summary>
        OnCall,

        /// <summary>Paused on advice until advised to resume (an hour at the latest).</summary>
        PausedOnAdvice,

        /// <summary>Logged out on advice.</summary>
        LoggedOut,
    }

    /// <summary>A planned act; <paramref name="Extra"/> carries an advice answer, marks a pause or logout done on advice (1), or an arrival already decided on a ticket (1); <paramref name="Epoch"/> is the clerk's plan generation.</summary>
    private readonly record struct Plan(Act Act, int Counter, int NumberService = -1, int Number = 0, Tier Tier = Tier.Normal, int Extra = 0, int Epoch = 0);

    private struct CounterPlan
    {
        public long BreakAt;
        public bool HadBreak;
        public Clerk Clerk;
        public AdviceKind Pending;
        public int Epoch;
        public long OpenedOnAdviceTicks;
    }
}
