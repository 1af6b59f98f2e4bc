using CsCheck;

namespace LobbyEdge.Engine.Tests;

/// <summary>
/// Issue 17, engine scaling: the order-statistics lane index, the indexed timer heap and the cached prediction
/// capacity must decide exactly as the plain walks did. The lane order is checked against <see cref="LaneModel"/>,
/// a plain reference that keeps each lane as a list and places by age by walking it from the front; the timer heap
/// must stay bounded under endless no-show and recover cycles.
/// </summary>
public sealed class ScalingTests
{
    private static BranchConfig StormBranch(int counters = 3, int maxTickets = 8192) => new()
    {
        BranchId = "storm",
        TimeZone = Branches.Shanghai,
        OpenTime = new TimeOnly(9, 0),
        CloseTime = new TimeOnly(17, 0),
        AutoOpenClose = false,
        MaxTicketsPerDay = maxTickets,
        Services =
        [
            Storm('A', "cash", Placement.ByAge),
            Storm('B', "noncash", Placement.Front),
            Storm('C', "corporate", Placement.ByAge),
        ],
        Counters =
        [
            .. Enumerable.Range(1, counters).Select(n => new CounterConfig { Number = n, Services = [new(n % 3), new((n + 1) % 3), new((n + 2) % 3)] }),
        ],
    };

    private static ServiceConfig Storm(char prefix, string id, Placement placement) => new()
    {
        Prefix = prefix,
        Id = id,
        LastNumber = 9999,
        SlaTarget = TimeSpan.FromMinutes(30),
        ToleranceCalls = 10_000,
        ToleranceTime = TimeSpan.FromHours(8),
        MaxRecoveries = 1_000_000,
        RecoverOffset = 3,
        TransferPlacement = placement,
    };

    /// <summary>
    /// Thousands of tickets issued over half an hour (many at the same second), the lanes scrambled by recoveries
    /// at an offset, transfers and diverts (front, end, by age) and tier changes, then one tick that catches up past
    /// every SLA target at once: after every step, and after the storm, each queue is in the order the plain
    /// reference gives, and every placement by age an event names is the one its walk gives.
    /// </summary>
    [Fact]
    public void BreachStorm_AndScrambledLanes_GiveTheLaneOrderOfAPlainReference() =>
        Gen.Select(Gen.Int, Gen.Int[200, 3000]).Sample(run =>
        {
            (int seed, int tickets) = run;
            var random = new Random(seed);
            var engine = new QueueEngine(StormBranch());
            var model = new LaneModel(engine);
            DateTimeOffset now = Branches.At(9, 0);
            model.Step(engine.Execute(Command.OpenDay(), now));
            int breaches = 0;
            for (int i = 0; i < tickets; i++)
            {
                now += TimeSpan.FromMilliseconds(random.Next(0, 3) * 500);
                int service = random.Next(3);
                int counter = 1 + random.Next(3);
                int pick = random.Next(Math.Max(1, engine.TicketCount));
                Command command = random.Next(20) switch
                {
                    < 11 => Command.Issue(service, random.Next(10) switch { < 7 => Tier.Normal, < 9 => Tier.Priority, _ => Tier.Vip }),
                    11 => Command.CallNext(counter),
                    12 => Command.NoShow(counter),
                    13 => Command.Recover(pick),
                    14 => Command.Transfer(counter, service, (Placement)random.Next(4)),
                    15 => Command.Divert(pick, service, (Placement)random.Next(4), staff: 7),
                    16 => Command.ChangeTier(pick, (Tier)random.Next(3), staff: 7),
                    17 => Command.Finish(counter),
                    18 => Command.Cancel(pick),
                    _ => Command.Issue(service),
                };
                engine.Execute(command, now);
                model.Step(engine.LastEvents);
                if (random.Next(50) == 0)
                {
                    engine.Tick(now);
                    model.Step(engine.LastEvents);
                }
            }

            // The storm: everyone still normal and waiting is past the target at the next tick.
            now += TimeSpan.FromMinutes(31);
            engine.Tick(now);
            foreach (LobbyEvent e in engine.LastEvents)
            {
                breaches += e.Kind == EventKind.SlaBreached ? 1 : 0;
            }

            model.Step(engine.LastEvents);
            Assert.True(breaches > 0 || engine.WaitingCount(0) + engine.WaitingCount(1) + engine.WaitingCount(2) == 0);
        }, iter: 12);

    /// <summary>
    /// 10,000 cycles of call, no-show and recover of the same tickets (the host ticking between them): the timer
    /// heap keeps one entry per ticket and kind, so the snapshot (which stores the heap) is no larger after the last
    /// cycle than after the first hundred. The old heap kept every superseded entry until its due time.
    /// </summary>
    [Fact]
    public void TenThousandNoShowRecoverCycles_KeepTheTimerHeapBounded()
    {
        var engine = new QueueEngine(StormBranch());
        DateTimeOffset now = Branches.At(9, 0);
        Assert.True(engine.Execute(Command.OpenDay(), now).Accepted);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(engine.Execute(Command.Issue(0), now).Accepted);
        }

        int afterHundred = 0;
        int largest = 0;
        for (int cycle = 0; cycle < 10_000; cycle++)
        {
            now = NoShowRecoverCycle(engine, now);
            if (cycle == 99)
            {
                afterHundred = engine.CreateSnapshot().Length;
            }
            else if (cycle % 500 == 499)
            {
                largest = Math.Max(largest, engine.CreateSnapshot().Length);
            }
        }

        // Never more than after the first hundred cycles (fewer once the SLA timers have fired).
        Assert.InRange(largest, 1, afterHundred);
        Assert.Equal(4, engine.WaitingCount(0));
        int recoveries = 0;
        for (int id = 0; id < engine.TicketCount; id++)
        {
            recoveries += engine.TryGetTicket(id, out TicketView view) ? view.Recoveries : 0;
        }

        Assert.Equal(10_000, recoveries);
    }

    /// <summary>
    /// Snapshot format 6 holds one timer entry per ticket and kind; a format 5 snapshot (whose heap may hold several
    /// entries for one timer) is refused, so start-up replays the day from the log instead. A current one (7) restores,
    /// index and heap rebuilt, and decides as the live engine.
    /// </summary>
    [Fact]
    public void Snapshot_OfFormat5_IsRefused_AndFormat6_RestoresLanesAndTimers()
    {
        var engine = new QueueEngine(StormBranch());
        DateTimeOffset now = Branches.At(9, 0);
        Assert.True(engine.Execute(Command.OpenDay(), now).Accepted);
        for (int i = 0; i < 40; i++)
        {
            engine.Execute(Command.Issue(i % 3, i % 4 == 0 ? Tier.Priority : Tier.Normal), now.AddSeconds(i));
        }

        now = NoShowRecoverCycle(engine, now.AddMinutes(1));
        byte[] snapshot = engine.CreateSnapshot();
        Assert.Equal(9, BitConverter.ToInt32(snapshot, 4));
        var restored = new QueueEngine(StormBranch());
        Assert.True(restored.TryRestoreSnapshot(snapshot));
        Assert.Equal(engine.DescribeState(), restored.DescribeState());

        snapshot[4] = 5;
        Assert.False(new QueueEngine(StormBranch()).TryRestoreSnapshot(snapshot));

        // Both go on alike: a transfer by age, then the SLA storm.
        foreach (QueueEngine e in new[] { engine, restored })
        {
            e.Execute(Command.CallNext(2), now);
            e.Execute(Command.Transfer(2, 0, Placement.ByAge), now);
            e.Tick(now.AddMinutes(31));
        }

        Assert.Contains(restored.LastEvents.ToArray(), e => e.Kind == EventKind.SlaBreached);
        Assert.Equal(engine.LastEvents.ToArray(), restored.LastEvents.ToArray());
        Assert.Equal(engine.DescribeState(), restored.DescribeState());
    }

    /// <summary>One cycle: counter 1 calls the next ticket, marks it a no-show, recovers it; the host ticks.</summary>
    internal static DateTimeOffset NoShowRecoverCycle(QueueEngine engine, DateTimeOffset now)
    {
        now += TimeSpan.FromSeconds(1);
        CommandResult called = engine.Execute(Command.CallNext(1), now);
        engine.Execute(Command.NoShow(1), now);
        engine.Execute(Command.Recover(called.Ticket), now);
        engine.Tick(now);
        return now;
    }

    /// <summary>The same storm branch for other tests (allocation).</summary>
    internal static BranchConfig CycleBranch() => StormBranch(maxTickets: 16);
}

/// <summary>
/// A plain reference of the waiting lanes: each lane a list, updated from the engine's events the obvious way, with
/// placement by age (the SLA lift, and the positions transfer, divert and tier change name) found by walking the
/// lane from the front. After every step it compares each service's queue with <see cref="QueueEngine.CopyQueue"/>.
/// </summary>
internal sealed class LaneModel(QueueEngine engine)
{
    private readonly List<int>[] _lanes = [.. Enumerable.Range(0, engine.ServiceCount * 3).Select(_ => new List<int>())];
    private readonly Dictionary<int, (int Service, Tier Tier, bool Breached, long Issued)> _tickets = [];
    private readonly int[] _buffer = new int[engine.Config.MaxTicketsPerDay];

    public void Step(CommandResult result) => Step(engine.LastEvents);

    public void Step(ReadOnlySpan<LobbyEvent> events)
    {
        foreach (LobbyEvent e in events)
        {
            Apply(in e);
        }

        for (int s = 0; s < engine.ServiceCount; s++)
        {
            int[] expected = [.. _lanes[(s * 3) + 2], .. _lanes[(s * 3) + 1], .. _lanes[s * 3]];
            int n = engine.CopyQueue(s, _buffer);
            Assert.Equal(expected, _buffer[..n]);
        }
    }

    private void Apply(in LobbyEvent e)
    {
        switch (e.Kind)
        {
            case EventKind.DayOpened:
                _tickets.Clear();
                Array.ForEach(_lanes, l => l.Clear());
                break;
            case EventKind.TicketIssued:
                _tickets[e.Ticket] = (e.Service, e.Tier, false, e.TimeTicks);
                LaneOf(e.Ticket).Add(e.Ticket);
                break;
            case EventKind.TicketCalled:
            case EventKind.TicketCancelled:
            case EventKind.TicketAbandoned:
                Remove(e.Ticket);
                break;
            case EventKind.TicketRecovered:
                Insert(e.Ticket, e.AsTicketRecovered().PlacesFromFront);
                break;
            case EventKind.TicketTransferred:
                {
                    (int _, Tier tier, bool breached, long issued) = _tickets[e.Ticket];
                    _tickets[e.Ticket] = (e.Service, tier, breached, issued);
                    if (e.AsTicketTransferred().Placement == Placement.ByAge)
                    {
                        Assert.Equal(ByAge(LaneOf(e.Ticket), issued, except: -1), e.AsTicketTransferred().PlacesFromFront);
                    }

                    Insert(e.Ticket, e.AsTicketTransferred().PlacesFromFront);
                    break;
                }

            case EventKind.TicketDiverted:
                {
                    Remove(e.Ticket);
                    (int _, Tier tier, bool breached, long issued) = _tickets[e.Ticket];
                    _tickets[e.Ticket] = (e.Service, tier, breached, issued);
                    if ((Placement)e.Detail == Placement.ByAge)
                    {
                        Assert.Equal(ByAge(LaneOf(e.Ticket), issued, except: -1), e.Count);
                    }

                    Insert(e.Ticket, e.Count);
                    break;
                }

            case EventKind.TierChanged:
                {
                    (int service, Tier _, bool breached, long issued) = _tickets[e.Ticket];
                    List<int> target = _lanes[(service * 3) + Lane(e.Tier, breached)];
                    Assert.Equal(ByAge(target, issued, except: e.Ticket), e.AsTierChanged().PlacesFromFront);
                    Remove(e.Ticket);
                    _tickets[e.Ticket] = (service, e.Tier, breached, issued);
                    Insert(e.Ticket, e.AsTierChanged().PlacesFromFront);
                    break;
                }

            case EventKind.SlaBreached:
                {
                    (int service, Tier tier, bool _, long issued) = _tickets[e.Ticket];
                    if (tier == Tier.Normal && Remove(e.Ticket))
                    {
                        // Lifted from the normal lane into the priority lane, by its issue time there.
                        _tickets[e.Ticket] = (service, tier, true, issued);
                        Insert(e.Ticket, ByAge(LaneOf(e.Ticket), issued, except: -1));
                    }
                    else
                    {
                        _tickets[e.Ticket] = (service, tier, true, issued);
                    }

                    break;
                }

            default:
                break;
        }
    }

    private static int Lane(Tier tier, bool breached) => tier == Tier.Normal && breached ? 1 : (int)tier;

    private List<int> LaneOf(int ticket)
    {
        (int service, Tier tier, bool breached, long _) = _tickets[ticket];
        return _lanes[(service * 3) + Lane(tier, breached)];
    }

    private bool Remove(int ticket)
    {
        foreach (List<int> lane in _lanes)
        {
            if (lane.Remove(ticket))
            {
                return true;
            }
        }

        return false;
    }

    private void Insert(int ticket, int placesFromFront)
    {
        List<int> lane = LaneOf(ticket);
        lane.Insert(Math.Min(placesFromFront, lane.Count), ticket);
    }

    /// <summary>The walk: behind every ticket from the head on issued at or before <paramref name="issued"/>.</summary>
    private int ByAge(List<int> lane, long issued, int except)
    {
        int position = 0;
        foreach (int t in lane)
        {
            if (t == except)
            {
                continue;
            }

            if (_tickets[t].Issued > issued)
            {
                break;
            }

            position++;
        }

        return position;
    }
}
