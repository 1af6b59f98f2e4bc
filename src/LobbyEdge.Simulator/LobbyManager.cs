using LobbyEdge.Engine;

namespace LobbyEdge.Simulator;

/// <summary>
/// The simulated lobby manager (大堂经理): one person who greets customers at the door, answers care alerts, recovers
/// customers who come back after missing their call, recognises VIPs holding a normal ticket and diverts customers
/// from a long queue to the quickest service. She learns what happens from the engine's events (as she would from
/// her console) and acts through the same commands the console sends, with her staff id.
/// </summary>
/// <remarks>
/// <para>
/// One thing at a time, in this order whenever she is free: a customer standing at her desk (a returning no-show,
/// or one she gives a new ticket); a customer at the door (greeted for <see cref="LobbyManagerProfile.GreetingTime"/>,
/// and diverted when the rule of <see cref="LobbyManagerProfile.DivertGap"/> holds); the most overdue care alert she
/// has seen (each alert reaches her <see cref="LobbyManagerProfile.ResponseDelay"/> after it is raised, spread
/// log-normally; customers nobody has looked after yet before the repeat alerts of those she has); a VIP she has spotted. Care goes only to a ticket that is waiting as far as the events tell.
/// </para>
/// <para>
/// Like <see cref="LobbyTraffic"/> she owns no clock and no engine: a driver feeds her the events
/// (<see cref="OnEvents"/>), takes her commands when due (<see cref="TryNext"/>) and reports their results
/// (<see cref="Observe"/>). Deterministic for a given seed and event sequence. Not thread-safe.
/// </para>
/// </remarks>
public sealed class LobbyManager
{
    // Greeting waits for nobody: a customer not greeted within this time has sat down.
    private static readonly long s_greetWindow = TimeSpan.FromSeconds(90).Ticks;

    private readonly LobbyManagerProfile _profile;
    private readonly Random _random;
    private readonly Dictionary<int, Waiter> _waiting = [];
    private readonly int[] _waitingCount;
    private readonly Dictionary<int, Alert> _alerts = [];
    private readonly Queue<Job> _desk = new();
    private readonly Queue<Job> _door = new();
    private readonly List<Job> _sightings = [];
    private readonly Dictionary<(int NumberService, int Number), (int Service, Tier Tier)> _noShows = [];
    private readonly Queue<LobbyManagerNote> _notes = new();
    private readonly int _quickest;
    private readonly bool[] _divertable;
    private readonly double[] _minutesPerWaiting;
    private readonly TimeSpan _careMedian;
    private long _busyUntil;
    private Job _pending;

    /// <summary>Creates a lobby manager for a branch.</summary>
    /// <param name="config">The branch (its services and counters).</param>
    /// <param name="profile">How she works.</param>
    /// <param name="seed">Her seed: the same seed and the same events give the same acts.</param>
    /// <exception cref="ArgumentException">A value of <paramref name="profile"/> is out of range (the message names it).</exception>
    public LobbyManager(BranchConfig config, LobbyManagerProfile profile, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Problem() is { } problem)
        {
            throw new ArgumentException($"Lobby manager profile: {problem}", nameof(profile));
        }

        _profile = profile;
        _random = new Random(seed);
        _waitingCount = new int[config.Services.Count];
        _quickest = QuickestService(config);
        _divertable = new bool[config.Services.Count];
        _minutesPerWaiting = new double[config.Services.Count];
        for (int s = 0; s < _minutesPerWaiting.Length; s++)
        {
            int counters = config.Counters.Count(c => c.Services.Any(w => w.Service == s));
            _minutesPerWaiting[s] = counters == 0 ? double.PositiveInfinity : config.Services[s].SeedServiceTime.TotalMinutes / counters;
        }

        for (int s = 0; s < _divertable.Length && _quickest >= 0; s++)
        {
            _divertable[s] = s != _quickest && config.Services[s].SeedServiceTime <= config.Services[_quickest].SeedServiceTime * profile.DivertFromAtMost;
        }

        // The mean act lasts 60 / CareActionsPerHour minutes; a log-normal with sigma 0.4 has its median below the mean.
        _careMedian = TimeSpan.FromHours(1 / profile.CareActionsPerHour) * Math.Exp(-0.4 * 0.4 / 2);
    }

    /// <summary>Her staff id, on every command she sends.</summary>
    public int Staff => _profile.Staff;

    /// <summary>What she has done so far (commands sent and how the engine answered).</summary>
    public LobbyManagerTally Tally { get; } = new();

    /// <summary>When she next acts, or null when she has nothing to do.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            long earliest = long.MaxValue;
            if (_desk.TryPeek(out Job visit))
            {
                earliest = visit.Ready;
            }

            if (_door.TryPeek(out Job greeting))
            {
                earliest = Math.Min(earliest, greeting.Ready);
            }

            foreach (Alert alert in _alerts.Values)
            {
                earliest = Math.Min(earliest, alert.Ready);
            }

            foreach (Job sighting in _sightings)
            {
                earliest = Math.Min(earliest, sighting.Ready);
            }

            return earliest == long.MaxValue ? null : new DateTimeOffset(Math.Max(earliest, _busyUntil), TimeSpan.Zero);
        }
    }

    /// <summary>Care alerts she has seen and not yet answered.</summary>
    public int PendingAlerts => _alerts.Count;

    /// <summary>Takes in what the engine did (every event, in order, whoever caused it).</summary>
    public void OnEvents(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (ref readonly LobbyEvent e in events)
        {
            Learn(in e);
        }
    }

    /// <summary>
    /// A customer whose ticket was a no-show comes back to her desk with the printed number
    /// (<paramref name="numberService"/>, <paramref name="number"/>, e.g. 0 and 23 for A023) and asks to be recovered.
    /// </summary>
    public void CustomerReturns(int numberService, int number, DateTimeOffset now) =>
        _desk.Enqueue(new Job(Work.Recover, now.UtcTicks, -1, numberService, number, -1, Tier.Normal));

    /// <summary>
    /// Picks the day up at <paramref name="now"/> after a restart: what she was about to do is forgotten and what she
    /// knows of the queue fills in again from the events (a care alert tells her of a waiting ticket she missed).
    /// </summary>
    public void ResumeAt(DateTimeOffset now)
    {
        Reset();
        _busyUntil = now.UtcTicks;
    }

    /// <summary>Takes her next command if she acts at or before <paramref name="now"/>.</summary>
    public bool TryNext(DateTimeOffset now, out Command command)
    {
        command = default;
        long t = now.UtcTicks;
        if (t < _busyUntil)
        {
            return false;
        }

        if (_desk.TryPeek(out Job visit) && visit.Ready <= t)
        {
            _desk.Dequeue();
            Busy(t, RandomDraws.Seconds(_random, 30, 90));
            if (visit.Work == Work.Recover)
            {
                Tally.RecoveriesAsked++;
                return Take(visit, Command.RecoverNumber(visit.NumberService, visit.Number) with { Staff = Staff }, out command);
            }

            return Take(visit, Command.Issue(visit.Service, visit.Tier), out command);
        }

        while (_door.TryPeek(out Job greeting) && greeting.Ready <= t)
        {
            _door.Dequeue();
            if (t - greeting.Ready > s_greetWindow)
            {
                continue;
            }

            Busy(t, RandomDraws.LogNormalTicks(_random, _profile.GreetingTime, 0.4));
            Tally.Greeted++;
            if (DivertTarget(greeting.Ticket) is int target)
            {
                Tally.DiversionsSent++;
                return Take(greeting with { Work = Work.Divert }, Command.Divert(greeting.Ticket, target, Placement.ByAge, Staff), out command);
            }

            return false;
        }

        if (MostOverdueAlert(t) is int ticket)
        {
            _alerts.Remove(ticket);
            Busy(t, RandomDraws.LogNormalTicks(_random, _careMedian, 0.4));
            Tally.CareSent++;
            return Take(new Job(Work.Care, t, ticket, -1, 0, -1, Tier.Normal), Command.GiveCare(ticket, Staff), out command);
        }

        for (int i = 0; i < _sightings.Count; i++)
        {
            Job sighting = _sightings[i];
            if (sighting.Ready > t)
            {
                continue;
            }

            _sightings.RemoveAt(i--);
            if (_waiting.TryGetValue(sighting.Ticket, out Waiter w) && w.Tier == Tier.Normal)
            {
                Busy(t, RandomDraws.Seconds(_random, 30, 60));
                Tally.VipsRecognised++;
                return Take(sighting, Command.ChangeTier(sighting.Ticket, Tier.Vip, Staff), out command);
            }
        }

        return false;
    }

    /// <summary>Reports what the engine made of the command she last gave (its events already given to <see cref="OnEvents"/>).</summary>
    public void Observe(in Command command, in CommandResult result, DateTimeOffset now)
    {
        Job job = _pending;
        _pending = default;
        if (result.Refusal == RefusalReason.TicketNotWaiting)
        {
            Tally.RefusedNotWaiting++;
        }

        if (result.Accepted)
        {
            Accepted(in job, in result, now);
        }
        else if (job.Work == Work.Recover && result.Refusal != RefusalReason.DayNotOpen && _random.NextDouble() < _profile.ReissueShare)
        {
            // Past tolerance (or long gone): she gives the customer a new ticket, or the customer leaves.
            (int service, Tier tier) = _noShows.GetValueOrDefault((job.NumberService, job.Number), (job.NumberService, Tier.Normal));
            _desk.Enqueue(job with { Work = Work.Reissue, Ready = now.UtcTicks, Service = service, Tier = tier, Refusal = result.Refusal });
        }
        else if (job.Work is Work.Recover or Work.Reissue)
        {
            Note(LobbyManagerNoteKind.CustomerLeft, now, job, job.Work == Work.Recover ? result.Refusal : job.Refusal, -1, 0);
        }
    }

    private void Accepted(in Job job, in CommandResult result, DateTimeOffset now)
    {
        switch (job.Work)
        {
            case Work.Care:
                Tally.CareAccepted++;
                break;
            case Work.Recover:
                Tally.Recovered++;
                break;
            case Work.Reissue:
                Tally.Reissued++;
                Note(LobbyManagerNoteKind.NewTicket, now, job, job.Refusal, result.NumberService, result.Number);
                break;
            case Work.Divert:
                Tally.DiversionsAccepted++;
                break;
            case Work.Recognise:
                Tally.VipsAccepted++;
                break;
            default:
                break;
        }
    }

    /// <summary>Takes the next thing she did that no event records (a customer she could not recover leaves or gets a new ticket).</summary>
    public bool TryTakeNote(out LobbyManagerNote note) => _notes.TryDequeue(out note);

    private void Learn(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.DayOpened:
            case EventKind.DayClosed:
                Reset();
                break;

            case EventKind.TicketIssued:
                Enter(in e);
                if (!e.AsTicketIssued().IsWalkIn)
                {
                    if (_random.NextDouble() < _profile.GreetingShare)
                    {
                        _door.Enqueue(new Job(Work.Greet, e.TimeTicks, e.Ticket, e.NumberService, e.Number, e.Service, e.Tier));
                    }

                    if (e.Tier == Tier.Normal && _random.NextDouble() < _profile.VipRecognitionShare)
                    {
                        // She spots the VIP somewhere in the lobby a few minutes after they sit down.
                        long ready = e.TimeTicks + RandomDraws.Seconds(_random, 60, 420);
                        _sightings.Add(new Job(Work.Recognise, ready, e.Ticket, e.NumberService, e.Number, e.Service, e.Tier));
                    }
                }

                break;

            case EventKind.TicketRecovered:
            case EventKind.TicketTransferred:
                Enter(in e);
                break;

            case EventKind.TicketDiverted:
            case EventKind.TierChanged:
                bool wasCared = _waiting.TryGetValue(e.Ticket, out Waiter before) && before.Cared;
                Leave(e.Ticket);
                Enter(in e);
                if (wasCared && _waiting.TryGetValue(e.Ticket, out Waiter after))
                {
                    _waiting[e.Ticket] = after with { Cared = true };
                }

                break;

            case EventKind.TicketCalled:
            case EventKind.TicketCancelled:
            case EventKind.TicketAbandoned:
                Leave(e.Ticket);
                _alerts.Remove(e.Ticket);
                break;

            case EventKind.TicketNoShow:
                _noShows[(e.NumberService, e.Number)] = (e.Service, e.Tier);
                break;

            case EventKind.CareNeeded:
                if (!_waiting.ContainsKey(e.Ticket))
                {
                    Enter(in e);
                }

                if (!_alerts.ContainsKey(e.Ticket))
                {
                    long delay = RandomDraws.LogNormalTicks(_random, _profile.ResponseDelay, _profile.ResponseSpread);
                    _alerts[e.Ticket] = new Alert(e.TimeTicks, e.TimeTicks + delay, _waiting.TryGetValue(e.Ticket, out Waiter w) && w.Cared);
                }

                break;

            case EventKind.CareGiven:
                // Answered, by her or by anyone else at the console.
                _alerts.Remove(e.Ticket);
                if (_waiting.TryGetValue(e.Ticket, out Waiter cared))
                {
                    _waiting[e.Ticket] = cared with { Cared = true };
                }

                break;

            default:
                break;
        }
    }

    private void Enter(in LobbyEvent e)
    {
        if ((uint)e.Service < (uint)_waitingCount.Length && _waiting.TryAdd(e.Ticket, new Waiter(e.Service, e.Tier)))
        {
            _waitingCount[e.Service]++;
        }
    }

    private void Leave(int ticket)
    {
        if (_waiting.Remove(ticket, out Waiter w))
        {
            _waitingCount[w.Service]--;
        }
    }

    /// <summary>
    /// The ticket of the most overdue alert that has reached her: customers nobody has looked after yet before those she
    /// already attended (a repeat alert), then the oldest alert, ties to the lower ticket; null when none has reached her.
    /// </summary>
    private int? MostOverdueAlert(long t)
    {
        int? best = null;
        (bool Repeat, long Raised, int Ticket) bestKey = default;
        foreach ((int ticket, Alert alert) in _alerts)
        {
            (bool, long, int) key = (alert.Repeat, alert.Raised, ticket);
            if (alert.Ready <= t && (best is null || key.CompareTo(bestKey) < 0))
            {
                best = ticket;
                bestKey = key;
            }
        }

        return best;
    }

    /// <summary>
    /// Where she diverts a greeted customer, or null: a normal-tier customer of short business
    /// (<see cref="LobbyManagerProfile.DivertFromAtMost"/>) whose queue is much longer than the quickest service's
    /// (<see cref="LobbyManagerProfile.DivertGap"/>), if the business can be done there (<see cref="LobbyManagerProfile.DivertableShare"/>).
    /// </summary>
    private int? DivertTarget(int ticket)
    {
        if (_profile.DivertGap <= TimeSpan.Zero || !_waiting.TryGetValue(ticket, out Waiter w) || w.Tier != Tier.Normal || !_divertable[w.Service])
        {
            return null;
        }

        // Expected waits as she reads them off the console: people waiting × the service's seeded time ÷ its counters.
        double here = _waitingCount[w.Service] * _minutesPerWaiting[w.Service];
        double there = (_waitingCount[_quickest] + 1) * _minutesPerWaiting[_quickest];
        return here - there >= _profile.DivertGap.TotalMinutes && here >= 2 * there && _random.NextDouble() < _profile.DivertableShare ? _quickest : null;
    }

    private void Busy(long t, long ticks) => _busyUntil = t + Math.Max(TimeSpan.TicksPerSecond, ticks);

    private bool Take(in Job job, in Command next, out Command command)
    {
        _pending = job;
        command = next;
        return true;
    }

    private void Note(LobbyManagerNoteKind kind, DateTimeOffset now, in Job job, RefusalReason refusal, int newNumberService, int newNumber) =>
        _notes.Enqueue(new LobbyManagerNote(kind, now.UtcTicks, Staff, job.NumberService, job.Number, refusal, newNumberService, newNumber));

    private void Reset()
    {
        _waiting.Clear();
        Array.Clear(_waitingCount);
        _alerts.Clear();
        _desk.Clear();
        _door.Clear();
        _sightings.Clear();
        _noShows.Clear();
        _busyUntil = 0;
    }

    /// <summary>The service with the shortest seeded service time that some counter serves (ties to the first); -1 with fewer than two services.</summary>
    private static int QuickestService(BranchConfig config)
    {
        int quickest = -1;
        for (int s = 0; s < config.Services.Count && config.Services.Count > 1; s++)
        {
            bool served = config.Counters.Any(c => c.Services.Any(w => w.Service == s));
            if (served && (quickest < 0 || config.Services[s].SeedServiceTime < config.Services[quickest].SeedServiceTime))
            {
                quickest = s;
            }
        }

        return quickest;
    }

    private enum Work : byte
    {
        None,
        Recover,
        Reissue,
        Greet,
        Divert,
        Care,
        Recognise,
    }

    private readonly record struct Job(Work Work, long Ready, int Ticket, int NumberService, int Number, int Service, Tier Tier, RefusalReason Refusal = RefusalReason.None);

    private readonly record struct Waiter(int Service, Tier Tier, bool Cared = false);

    private readonly record struct Alert(long Raised, long Ready, bool Repeat);
}

/// <summary>What a lobby manager did that no event records.</summary>
public enum LobbyManagerNoteKind : byte
{
    /// <summary>A returning no-show she could not recover took a new ticket from her.</summary>
    NewTicket,

    /// <summary>A returning no-show she could not recover left the branch.</summary>
    CustomerLeft,
}

/// <summary>
/// Something the lobby manager did that the events do not tell (for the narrator): a customer she could not recover
/// got a new ticket or left.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="TimeTicks">When, as UTC ticks.</param>
/// <param name="Staff">Her staff id.</param>
/// <param name="NumberService">The service of the number the customer came back with (its prefix).</param>
/// <param name="Number">The number the customer came back with.</param>
/// <param name="Refusal">Why the recovery was refused (a tolerance limit, the recovery cap, …).</param>
/// <param name="NewNumberService">For <see cref="LobbyManagerNoteKind.NewTicket"/>: the new ticket's service; otherwise -1.</param>
/// <param name="NewNumber">For <see cref="LobbyManagerNoteKind.NewTicket"/>: the new ticket's number; otherwise 0.</param>
public readonly record struct LobbyManagerNote(
    LobbyManagerNoteKind Kind,
    long TimeTicks,
    int Staff,
    int NumberService,
    int Number,
    RefusalReason Refusal,
    int NewNumberService,
    int NewNumber);

/// <summary>Counts of what a <see cref="LobbyManager"/> did in a day and how the engine answered.</summary>
public sealed class LobbyManagerTally
{
    /// <summary>Customers she greeted at the door.</summary>
    public int Greeted { get; internal set; }

    /// <summary>Acts of care she recorded (<see cref="Command.GiveCare"/> sent).</summary>
    public int CareSent { get; internal set; }

    /// <summary>Of <see cref="CareSent"/>, those the engine accepted.</summary>
    public int CareAccepted { get; internal set; }

    /// <summary>Returning no-shows she tried to recover (<see cref="Command.RecoverNumber"/> with her staff id).</summary>
    public int RecoveriesAsked { get; internal set; }

    /// <summary>Of <see cref="RecoveriesAsked"/>, those recovered.</summary>
    public int Recovered { get; internal set; }

    /// <summary>Customers she could not recover who took a new ticket from her.</summary>
    public int Reissued { get; internal set; }

    /// <summary>VIPs she recognised (<see cref="Command.ChangeTier"/> sent).</summary>
    public int VipsRecognised { get; internal set; }

    /// <summary>Of <see cref="VipsRecognised"/>, those the engine accepted.</summary>
    public int VipsAccepted { get; internal set; }

    /// <summary>Customers she diverted (<see cref="Command.Divert"/> sent).</summary>
    public int DiversionsSent { get; internal set; }

    /// <summary>Of <see cref="DiversionsSent"/>, those the engine accepted.</summary>
    public int DiversionsAccepted { get; internal set; }

    /// <summary>Her commands refused because the ticket was not waiting (she should never see one).</summary>
    public int RefusedNotWaiting { get; internal set; }
}
