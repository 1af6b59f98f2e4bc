using LobbyEdge.Simulator;

namespace LobbyEdge.Engine.Tests;

public sealed class PredictionTests
{
    [Fact]
    public void Issue_PrintsPeopleAheadAndAWaitRangeFromOpenCountersAndServiceTime()
    {
        // Counter 1 serves only cash. Close 2 and 3 so one counter carries the queue at the seeded 5 minutes. It
        // stands idle, so it calls the first customer at once and each further one after a service time.
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        CommandResult first = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(0, first.PeopleAhead);
        Assert.Equal(0, first.TypicalWaitMs);
        Assert.InRange(first.UpperWaitMs, 1, TimeSpan.FromMinutes(1).TotalMilliseconds);

        lobby.Issue();
        lobby.Issue();
        CommandResult fourth = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(3, fourth.PeopleAhead);

        // Three service times of 5 minutes are 15 on average; the typical wait is the median, a little under it.
        Assert.InRange(fourth.TypicalWaitMs, TimeSpan.FromMinutes(12).TotalMilliseconds, TimeSpan.FromMinutes(15).TotalMilliseconds);
        Assert.True(fourth.UpperWaitMs > TimeSpan.FromMinutes(15).TotalMilliseconds, $"{fourth.UpperWaitMs}");
        LobbyEvent issued = lobby.LastOf(EventKind.TicketIssued).Single();
        Assert.Equal(3, issued.AsTicketIssued().PeopleAhead);
        Assert.Equal(fourth.TypicalWaitMs, issued.AsTicketIssued().TypicalWaitMs);
        Assert.Equal(fourth.UpperWaitMs, issued.AsTicketIssued().UpperWaitMs);
    }

    [Theory]
    [InlineData(5, 1.95, 2.3)]     // at the mean: 2.30 min left (0.46 of a mean), where "mean - ran" says none
    [InlineData(15, 2.2, 2.61)]    // three means in: a long transaction runs on (2.61 min), it is not nearly done
    [InlineData(1, 3.4, 4.0)]      // a fifth in: 4.00 min left, what "mean - ran" says too
    public void Prediction_WithNobodyAhead_IsWhatIsLeftOfTheServiceInProgress_GivenHowLongItHasRun(double ranMinutes, double fromMinutes, double toMinutes)
    {
        // One counter serves cash (2 and 3 closed), its customer started at 09:00 and has run ranMinutes. The seeded
        // service time is 5 minutes with the seeded spread (standard deviation half the mean: sigma^2 = ln 1.25 for
        // the log-normal). The next ticket has nobody ahead, so its wait is the rest of that service:
        // E[T - x | T > x] = mean Phi(sigma - z) / Phi(-z) - x, z = (ln x - mu) / sigma. The typical wait printed is
        // about 0.9 of it: the first ticket's call (no wait) is blended in as the lane's level (wait per place).
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        lobby.Issue(Branches.Cash);
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.Start(1));
        lobby.Minutes(ranMinutes);
        CommandResult next = lobby.Ok(Command.Issue(Branches.Cash));
        Assert.Equal(0, next.PeopleAhead);
        Assert.InRange(next.TypicalWaitMs / 60_000.0, fromMinutes, toMinutes);
    }

    [Fact]
    public void Prediction_ShrinksWhenMoreCountersOpen()
    {
        var lobby = new Lobby();
        for (int i = 0; i < 6; i++)
        {
            lobby.Issue(Branches.Cash);
        }

        WaitPrediction allOpen = lobby.Engine.Predict(Branches.Cash, Tier.Normal);
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        WaitPrediction oneOpen = lobby.Engine.Predict(Branches.Cash, Tier.Normal);
        Assert.True(allOpen.TypicalMs < oneOpen.TypicalMs, $"{allOpen} vs {oneOpen}");
    }

    [Fact]
    public void Prediction_WithNoCounterForTheService_IsUnknown()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(3));
        CommandResult r = lobby.Ok(Command.Issue(Branches.Vip));
        Assert.Equal(-1, r.TypicalWaitMs);
        Assert.Equal(-1, r.UpperWaitMs);
    }

    [Fact]
    public void Prediction_ForAVip_CountsOnlyTicketsCalledBeforeIt()
    {
        var lobby = new Lobby();
        lobby.Issue(Branches.Cash);
        lobby.Issue(Branches.Cash);
        lobby.Issue(Branches.Cash, Tier.Vip);
        Assert.Equal(1, lobby.Ok(Command.Issue(Branches.Cash, Tier.Vip)).PeopleAhead);
        Assert.Equal(4, lobby.Ok(Command.Issue(Branches.Cash, Tier.Normal)).PeopleAhead);
    }

    [Fact]
    public void Prediction_LearnsFromServiceTimes()
    {
        var lobby = new Lobby();
        TimeSpan seeded = lobby.Engine.MeanServiceTime(Branches.Cash);
        for (int i = 0; i < 20; i++)
        {
            lobby.Issue();
            lobby.Ok(Command.CallNext(1));
            lobby.Ok(Command.Start(1));
            lobby.Minutes(1);
            lobby.Ok(Command.Finish(1));
        }

        TimeSpan learned = lobby.Engine.MeanServiceTime(Branches.Cash);
        Assert.True(learned < seeded && learned < TimeSpan.FromMinutes(1.5), $"{learned}");
    }

    [Fact]
    public void PredictionError_IsRecordedAtTheFirstCall()
    {
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(2));
        lobby.Ok(Command.CloseCounter(3));
        lobby.Issue();
        CommandResult second = lobby.Ok(Command.Issue(Branches.Cash));
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(7);
        lobby.Ok(Command.CallNext(1));
        LobbyEvent called = lobby.LastOf(EventKind.TicketCalled).Single();
        Assert.Equal(second.Ticket, called.Ticket);
        Assert.Equal(CallMeasures.Wait | CallMeasures.PredictionError, called.AsTicketCalled().Measured);
        Assert.Equal(TimeSpan.FromMinutes(7).TotalMilliseconds - second.TypicalWaitMs, called.AsTicketCalled().PredictionErrorMs);
    }

    [Fact]
    public void Prediction_WithNoHistory_IsTheSeedBasedEstimate_AndCountsWhatTheCustomerAtTheCounterStillNeeds()
    {
        // One counter, busy with a customer just called; three wait. The fourth is called after the customer at the
        // counter (one seeded service time of 5 minutes) and the three ahead: 20 minutes on average.
        WaitPrediction Fourth(double minutesServed)
        {
            var lobby = new Lobby();
            lobby.Ok(Command.CloseCounter(2));
            lobby.Ok(Command.CloseCounter(3));
            lobby.Issue();
            lobby.Ok(Command.CallNext(1));
            lobby.Minutes(minutesServed);
            lobby.Issue();
            lobby.Issue();
            lobby.Issue();
            return lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now);
        }

        WaitPrediction justCalled = Fourth(0);
        Assert.Equal(3, justCalled.PeopleAhead);
        double mean = TimeSpan.FromMinutes(20).TotalMilliseconds;
        Assert.InRange(justCalled.TypicalMs, 0.8 * mean, mean);
        Assert.True(justCalled.UpperMs > mean, $"{justCalled}");
        Assert.True(justCalled.TypicalMs <= justCalled.UpperMs);

        // Four of the five minutes served: the counter frees in about one, so the wait is about 16 minutes.
        WaitPrediction almostDone = Fourth(4);
        Assert.InRange(almostDone.TypicalMs, 0.7 * justCalled.TypicalMs, 0.9 * justCalled.TypicalMs);
    }

    [Fact]
    public void Prediction_ASharedCounterThatServesAnotherServiceFirst_GivesALongerWait()
    {
        // Cash at counter 1 and at counter 2, which calls non-cash first (ordered); counter 3 closed. Both counters
        // serve a customer just called (seeded 5 minutes each); four cash customers wait.
        WaitPrediction Fifth(int nonCashWaiting)
        {
            var lobby = new Lobby();
            lobby.Ok(Command.CloseCounter(3));
            lobby.Issue(Branches.Cash);
            lobby.Ok(Command.CallNext(1));
            lobby.Issue(Branches.NonCash);
            lobby.Ok(Command.CallNext(2));
            for (int i = 0; i < nonCashWaiting; i++)
            {
                lobby.Issue(Branches.NonCash);
            }

            for (int i = 0; i < 4; i++)
            {
                lobby.Issue(Branches.Cash);
            }

            return lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now);
        }

        // The cash lane's one settled ticket (called at once, 0 per place) has the level weight 0.2 x 1/2 = 0.1.
        double minute = TimeSpan.FromMinutes(1).TotalMilliseconds;
        double Typical(double model) => 0.9 * model;

        // Nobody waits for non-cash: two counters for cash, a call every 2.5 min; the first when either frees (2.5).
        WaitPrediction alone = Fifth(0);
        Assert.Equal(4, alone.PeopleAhead);
        Assert.Equal(Typical(2.5 * minute * 5), alone.TypicalMs, 1000.0);

        // Non-cash waits: counter 2 gives cash half its calls (capacity 1.5, a call every 3.33 min), and its first
        // free moment counts half (the first call after 1 / (1/5 + 0.5/5) = 3.33 min).
        WaitPrediction shared = Fifth(3);
        Assert.Equal(4, shared.PeopleAhead);
        Assert.Equal(Typical(5 * minute / 1.5 * 5), shared.TypicalMs, 1000.0);
        Assert.True(shared.UpperMs > alone.UpperMs, $"{shared} vs {alone}");
    }

    [Fact]
    public void Prediction_ACounterOnABreak_IsBackForTheRestOfALongWait_NotForAShortOne()
    {
        // Cash at counters 1 and 2 (3 closed; 2 calls non-cash first, and nobody waits for it). No history: a call
        // costs the seeded 5 minutes. Counter 1 stands idle, so it calls the first of the queue at once.
        (WaitPrediction Short, WaitPrediction Long) Predict(Command counter2, double minutesLater)
        {
            var lobby = new Lobby();
            lobby.Ok(Command.CloseCounter(3));
            lobby.Ok(counter2);
            lobby.Issue();
            WaitPrediction second = lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now);
            for (int i = 0; i < 9; i++)
            {
                lobby.Issue();
            }

            lobby.Minutes(minutesLater);
            return (second, lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now));
        }

        double minute = TimeSpan.FromMinutes(1).TotalMilliseconds;

        // Closed: counter 1 alone calls the 10 ahead, the 11th (the new ticket) after 10 calls of 5 minutes.
        (WaitPrediction closedShort, WaitPrediction closedLong) = Predict(Command.CloseCounter(2), 0);
        Assert.Equal(10, closedLong.PeopleAhead);
        Assert.Equal(50 * minute, closedLong.TypicalMs);
        Assert.Equal(5 * minute, closedShort.TypicalMs);

        // Just paused: back after a 15-minute break, so the 35 minutes of calls left then come from two counters.
        (WaitPrediction pausedShort, WaitPrediction pausedLong) = Predict(Command.Pause(2), 0);
        Assert.Equal(15 * minute + (35 * minute / 2), pausedLong.TypicalMs);
        Assert.True(pausedLong.TypicalMs < pausedLong.UpperMs, $"{pausedLong}");

        // A short wait (one ahead, 5 minutes) ends before the break does: the pause does not shorten it.
        Assert.Equal(closedShort.TypicalMs, pausedShort.TypicalMs);

        // Away for 20 minutes already (past a break): taken to be back within a quarter of one (3.75 minutes).
        (_, WaitPrediction longAway) = Predict(Command.Away(2), 20);
        Assert.Equal(3.75 * minute + ((50 - 3.75) * minute / 2), longAway.TypicalMs, 0.5);
    }

    [Fact]
    public void Prediction_FasterObservedCalls_GiveAShorterWait()
    {
        // The same queue, the same service times (none finished); one counter calls every minute, the other every
        // eight (its customers do not come: the call gaps are all the lobby shows).
        WaitPrediction After(double minutesPerCall)
        {
            var lobby = new Lobby();
            lobby.Ok(Command.CloseCounter(2));
            lobby.Ok(Command.CloseCounter(3));
            for (int i = 0; i < 12; i++)
            {
                lobby.Issue();
            }

            for (int i = 0; i < 6; i++)
            {
                lobby.Ok(Command.CallNext(1));
                lobby.Minutes(minutesPerCall);
                lobby.Ok(Command.NoShow(1));
            }

            Assert.Equal(lobby.Engine.MeanServiceTime(Branches.Cash), Branches.Small().Services[Branches.Cash].SeedServiceTime);
            return lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now);
        }

        WaitPrediction fast = After(1);
        WaitPrediction slow = After(8);
        Assert.Equal(fast.PeopleAhead, slow.PeopleAhead);
        Assert.True(fast.TypicalMs < slow.TypicalMs, $"{fast} vs {slow}");
        Assert.True(fast.UpperMs < slow.UpperMs, $"{fast} vs {slow}");
    }

    [Fact]
    public void Prediction_TicketsCalledLaterThanPrinted_MoveTheTypicalWaitUp_ByTheMedianCorrection()
    {
        // Counters 1 (cash) and 2 (non-cash, then cash), idle at every issue: the model's own wait is 0 and the
        // level estimate (3 min per place at weight 0.2 n / (n + 1)) gives at most 36 s. Each ticket is called 3
        // minutes after its issue, later than printed, so the median correction of "nobody ahead" rises a step
        // (0.005, log scale of wait + 1 min) a call: after 40 calls (e^0.2) the typical wait is (35 s + 1 min) x 1.22
        // - 1 min, about 56 s.
        var lobby = new Lobby();
        lobby.Ok(Command.CloseCounter(3));
        long levelOnly = 0;
        for (int i = 0; i < 40; i++)
        {
            CommandResult issued = lobby.Ok(Command.Issue(Branches.Cash));
            Assert.Equal(0, issued.PeopleAhead);
            levelOnly = (long)(0.2 * i / (i + 1.0) * TimeSpan.FromMinutes(3).TotalMilliseconds);
            Assert.True(issued.TypicalWaitMs < TimeSpan.FromMinutes(3).TotalMilliseconds, $"{issued.TypicalWaitMs}");
            lobby.Minutes(3);
            lobby.Ok(Command.CallNext(1));
            lobby.Ok(Command.Start(1));
            lobby.Minutes(5);
            lobby.Ok(Command.Finish(1));
        }

        WaitPrediction now = lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now);
        Assert.Equal(0, now.PeopleAhead);
        Assert.InRange(now.TypicalMs, levelOnly + 15_000, TimeSpan.FromMinutes(3).TotalMilliseconds);

        // The correction is the service's: non-cash with nobody ahead is unchanged (0, counter 2 idle).
        Assert.Equal(0, lobby.Engine.Predict(Branches.NonCash, Tier.Normal, lobby.Now).TypicalMs);
    }

    [Fact]
    public void Prediction_VipArrivals_LengthenANormalTicketsWait_NotAVipsOwn()
    {
        // Two lobbies alike but for the tier of the five customers of the last ten minutes (all served since).
        (WaitPrediction Normal, WaitPrediction Vip) After(Tier earlier)
        {
            var lobby = new Lobby();
            lobby.Ok(Command.CloseCounter(2));
            lobby.Ok(Command.CloseCounter(3));
            for (int i = 0; i < 5; i++)
            {
                lobby.Issue(Branches.Cash, earlier);
                lobby.Minutes(1);
                lobby.Ok(Command.CallNext(1));
                lobby.Minutes(1);
                lobby.Ok(Command.NoShow(1));
            }

            lobby.Issue();
            lobby.Issue();
            lobby.Issue();
            return (lobby.Engine.Predict(Branches.Cash, Tier.Normal, lobby.Now), lobby.Engine.Predict(Branches.Cash, Tier.Vip, lobby.Now));
        }

        (WaitPrediction normalAfterNormal, WaitPrediction vipAfterNormal) = After(Tier.Normal);
        (WaitPrediction normalAfterVip, WaitPrediction vipAfterVip) = After(Tier.Vip);
        Assert.Equal(normalAfterNormal.PeopleAhead, normalAfterVip.PeopleAhead);
        Assert.True(normalAfterVip.TypicalMs > normalAfterNormal.TypicalMs, $"{normalAfterVip} vs {normalAfterNormal}");

        // Nobody passes a VIP: the VIP arrivals move a VIP's own prediction only through its lane's level estimate
        // (the VIPs called earlier waited a minute each), by less than they lengthen a normal ticket's wait.
        Assert.Equal(vipAfterNormal.PeopleAhead, vipAfterVip.PeopleAhead);
        Assert.True(vipAfterVip.TypicalMs - vipAfterNormal.TypicalMs < normalAfterVip.TypicalMs - normalAfterNormal.TypicalMs,
            $"{vipAfterVip} vs {vipAfterNormal}, {normalAfterVip} vs {normalAfterNormal}");
    }

    [Fact]
    public void Prediction_OnABusyDay_IsAMedianUnderItsUpperBound_AndReplayPredictsEveryPrintedFigureAgain()
    {
        (BranchConfig config, QueueEngine live, List<LobbyEvent> log) = BusyDay(seed: 7);

        // Replay the day; before each kiosk ticket's event, the replaying engine predicts what was printed.
        var replay = new QueueEngine(config);
        int printed = 0;
        foreach (LobbyEvent e in log)
        {
            if (e.Kind == EventKind.TicketIssued && !e.AsTicketIssued().IsWalkIn)
            {
                TicketIssuedView issued = e.AsTicketIssued();
                Assert.True(issued.TypicalWaitMs <= issued.UpperWaitMs, $"ticket {e.Ticket}: {issued.TypicalWaitMs} > {issued.UpperWaitMs}");
                WaitPrediction again = replay.Predict(e.Service, e.Tier, new DateTimeOffset(e.TimeTicks, TimeSpan.Zero));
                Assert.Equal((issued.PeopleAhead, issued.TypicalWaitMs, issued.UpperWaitMs), (again.PeopleAhead, again.TypicalMs, again.UpperMs));
                printed += issued.TypicalWaitMs > 0 ? 1 : 0;
            }

            replay.Apply(in e);
        }

        Assert.True(printed > 100, $"{printed} tickets with a wait");
        Assert.Equal(live.DescribeState(), replay.DescribeState());
    }

    [Fact]
    public void Prediction_AfterASnapshotMidDay_IsTheSame()
    {
        (BranchConfig config, _, List<LobbyEvent> log) = BusyDay(seed: 11);

        // The morning replayed, then snapshotted and restored: both predict alike, for every service and tier.
        var morning = new QueueEngine(config);
        DateTimeOffset noon = Branches.At(12, 0);
        foreach (LobbyEvent e in log.TakeWhile(e => e.TimeTicks < noon.UtcTicks))
        {
            morning.Apply(in e);
        }

        var restored = new QueueEngine(config);
        Assert.True(restored.TryRestoreSnapshot(morning.CreateSnapshot()));
        Assert.Equal(morning.DescribeState(), restored.DescribeState());
        int known = 0;
        for (int s = 0; s < config.Services.Count; s++)
        {
            for (Tier tier = Tier.Normal; tier <= Tier.Vip; tier++)
            {
                WaitPrediction p = morning.Predict(s, tier, noon);
                Assert.Equal(p, restored.Predict(s, tier, noon));
                Assert.True(p.TypicalMs <= p.UpperMs);
                known += p.TypicalMs >= 0 ? 1 : 0;
            }
        }

        Assert.True(known > 0);
    }

    /// <summary>A simulated day on the busy test branch at 95 % of its counters' capacity: the engine and its events.</summary>
    private static (BranchConfig Config, QueueEngine Live, List<LobbyEvent> Log) BusyDay(int seed)
    {
        BranchConfig config = Branches.Busy();
        var live = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, TrafficProfile.ForBranch(config, utilisation: 0.95), Branches.Day, seed);
        var log = new List<LobbyEvent>();
        SimulatedDay.Run(live, traffic, TimeSpan.FromSeconds(5), batch => log.AddRange(batch.ToArray()));
        return (config, live, log);
    }
}
