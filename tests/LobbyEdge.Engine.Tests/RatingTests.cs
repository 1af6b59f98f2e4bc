namespace LobbyEdge.Engine.Tests;

/// <summary>
/// Customer ratings (issue 13): the prompt, the pad's rating of the counter's last finished ticket, the page's rating
/// of a named ticket, the rating window, a second press, unlinked ratings and the figures.
/// </summary>
public sealed class RatingTests
{
    /// <summary>Issues a ticket, calls it at the counter after the wait, starts it and finishes it after the service minutes; returns its id.</summary>
    private static int ServeAt(Lobby lobby, int counter = 1, double waitMinutes = 3, int service = Branches.Cash, double serviceMinutes = 4)
    {
        int id = lobby.Issue(service);
        lobby.Minutes(waitMinutes);
        Assert.Equal(id, lobby.Ok(Command.CallNext(counter)).Ticket);
        lobby.Ok(Command.Start(counter));
        lobby.Minutes(serviceMinutes);
        lobby.Ok(Command.Finish(counter));
        return id;
    }

    [Fact]
    public void Finish_SetsTheCountersLastFinishedTicketAndTheTicketsFinishTime()
    {
        var lobby = new Lobby();
        Assert.Equal(-1, lobby.Counter(1).LastFinished);
        int id = ServeAt(lobby);

        CounterView counter = lobby.Counter(1);
        Assert.Equal(id, counter.LastFinished);
        Assert.Equal(lobby.Now.UtcTicks, counter.LastFinishedTicks);
        TicketView ticket = lobby.Ticket(id);
        Assert.Equal(lobby.Now.UtcTicks, ticket.FinishedTicks);
        Assert.Equal(-1, ticket.RatingScore);
        Assert.Equal(RatingScale.None, ticket.RatingScale);
        Assert.Equal(0, ticket.RatingPrompts);
    }

    [Fact]
    public void RequestRating_PromptsForTheLastFinishedTicket_AndARePromptCountsUpButTheTicketOnce()
    {
        var lobby = new Lobby();
        int id = ServeAt(lobby);
        lobby.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(id, lobby.Ok(Command.RequestRating(1)).Ticket);
        LobbyEvent prompt = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.RatingRequested, prompt.Kind);
        Assert.Equal(id, prompt.Ticket);
        Assert.Equal(1, prompt.Counter);
        Assert.Equal(Branches.Cash, prompt.Service);
        Assert.Equal(5000, prompt.AsRatingRequested().SinceFinishMs);
        Assert.Equal(1, prompt.AsRatingRequested().PromptNumber);

        lobby.Advance(TimeSpan.FromSeconds(30));
        lobby.Ok(Command.RequestRating(1));
        Assert.Equal(2, lobby.Last[0].AsRatingRequested().PromptNumber);
        Assert.Equal(2, lobby.Ticket(id).RatingPrompts);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfCounter(1).Requested);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfService(Branches.Cash).Requested);
        Assert.Equal(0, lobby.Engine.RatingFiguresOfCounter(1).Answered);
    }

    [Fact]
    public void Rate_WithinTheWindow_IsLinkedToTheLastFinishedTicket_WithItsWaitAndCare()
    {
        var lobby = new Lobby();
        int id = lobby.Issue();
        lobby.Minutes(2);
        lobby.Ok(Command.GiveCare(id, 7));
        lobby.Minutes(10);
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(3);
        lobby.Ok(Command.Finish(1));
        lobby.Ok(Command.RequestRating(1));
        lobby.Advance(TimeSpan.FromSeconds(20));

        CommandResult r = lobby.Ok(Command.Rate(1, 4, RatingScale.Pad5));
        Assert.Equal(id, r.Ticket);
        LobbyEvent rated = Assert.Single(lobby.Last);
        Assert.Equal(EventKind.TicketRated, rated.Kind);
        TicketRatedView view = rated.AsTicketRated();
        Assert.True(view.Linked);
        Assert.Equal(4, view.Score);
        Assert.Equal(RatingScale.Pad5, view.Scale);
        Assert.Equal(RatingReasons.None, view.Reasons);
        Assert.Equal(12 * 60_000, view.WaitMs);
        Assert.Equal(1, view.CareGiven);
        Assert.Equal(0.75, view.Normalized);
        Assert.Equal(id, rated.Ticket);
        Assert.Equal(Branches.Cash, rated.Service);
        Assert.Equal(1, rated.Counter);

        TicketView ticket = lobby.Ticket(id);
        Assert.Equal(4, ticket.RatingScore);
        Assert.Equal(RatingScale.Pad5, ticket.RatingScale);

        RatingFigures counter = lobby.Engine.RatingFiguresOfCounter(1);
        Assert.Equal((1, 1, 1, 0, 1), (counter.Requested, counter.Answered, counter.Linked, counter.Unlinked, counter.Total));
        Assert.Equal(1, counter.Count(RatingScale.Pad5, 4));
        Assert.Equal(1.0, counter.Satisfaction);
        Assert.Equal(1.0, counter.ResponseRate);
        Assert.Equal(counter, lobby.Engine.RatingFiguresOfService(Branches.Cash));
        Assert.Equal(counter, lobby.Engine.RatingFiguresTotal());
    }

    [Fact]
    public void Rate_ASecondPressWithinTheWindow_IsRefusedAlreadyRated_AndTheFirstStands()
    {
        var lobby = new Lobby();
        int id = ServeAt(lobby);
        lobby.Ok(Command.Rate(1, 2, RatingScale.Pad5));
        lobby.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.Rate(1, 5, RatingScale.Pad5)));
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.RequestRating(1)));
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.RateTicket(1, id, 9, RatingScale.Nps11)));
        Assert.Equal(2, lobby.Ticket(id).RatingScore);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfCounter(1).Total);
    }

    [Fact]
    public void Rate_AfterTheWindow_IsAnUnlinkedRatingOfTheCounter_AndTheWindowIsInclusive()
    {
        var lobby = new Lobby();
        int id = ServeAt(lobby);
        TimeSpan window = lobby.Engine.Config.RatingWindow;

        // Exactly at the window's end: still linked (the window is inclusive).
        lobby.Advance(window);
        lobby.Ok(Command.RequestRating(1));
        Assert.Equal((long)window.TotalMilliseconds, lobby.Last[0].AsRatingRequested().SinceFinishMs);

        lobby.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(RefusalReason.NothingToRate, lobby.Refused(Command.RequestRating(1)));
        CommandResult r = lobby.Ok(Command.Rate(1, 3, RatingScale.Pad5));
        Assert.Equal(-1, r.Ticket);
        LobbyEvent rated = Assert.Single(lobby.Last);
        TicketRatedView view = rated.AsTicketRated();
        Assert.False(view.Linked);
        Assert.Equal((-1, (short)-1, (short)-1, 0, -1L, 0), (rated.Ticket, rated.Service, rated.NumberService, rated.Number, view.WaitMs, view.CareGiven));
        Assert.Equal(1, rated.Counter);
        Assert.Equal(-1, lobby.Ticket(id).RatingScore);

        RatingFigures counter = lobby.Engine.RatingFiguresOfCounter(1);
        Assert.Equal((1, 0, 0, 1), (counter.Requested, counter.Answered, counter.Linked, counter.Unlinked));
        Assert.Equal(1, counter.Count(RatingScale.Pad5, 3));
        RatingFigures service = lobby.Engine.RatingFiguresOfService(Branches.Cash);
        Assert.Equal((1, 0, 0, 0), (service.Requested, service.Answered, service.Linked, service.Unlinked));

        // And another: unlinked ratings are not limited to one.
        lobby.Ok(Command.Rate(1, 5, RatingScale.Pad5));
        Assert.Equal(2, lobby.Engine.RatingFiguresOfCounter(1).Unlinked);
    }

    [Fact]
    public void Rate_AtACounterThatFinishedNothingToday_IsUnlinked_AndRequestRatingIsRefusedNothingToRate()
    {
        var lobby = new Lobby();
        Assert.Equal(RefusalReason.NothingToRate, lobby.Refused(Command.RequestRating(2)));
        lobby.Ok(Command.Rate(2, 10, RatingScale.Nps11));
        Assert.False(lobby.Last[0].AsTicketRated().Linked);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfCounter(2).Unlinked);
        Assert.Equal(1, lobby.Engine.RatingFiguresTotal().Promoters);
        Assert.Equal(100.0, lobby.Engine.RatingFiguresTotal().NetPromoterScore);
    }

    [Fact]
    public void EveryRefusal_InTheOrderChecked_ChangesNothing()
    {
        var closed = new Lobby(open: false);
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.RequestRating(1)));
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.Rate(1, 3, RatingScale.Pad5)));
        Assert.Equal(RefusalReason.DayNotOpen, closed.Refused(Command.RateTicket(1, 0, 3, RatingScale.Pad5)));

        var lobby = new Lobby();
        int id = ServeAt(lobby);
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.RequestRating(9)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.Rate(9, 3, RatingScale.Pad5)));
        Assert.Equal(RefusalReason.UnknownCounter, lobby.Refused(Command.RateTicket(9, id, 3, RatingScale.Pad5)));

        foreach ((int score, RatingScale scale) in new[] { (0, RatingScale.Pad5), (6, RatingScale.Pad5), (-1, RatingScale.Nps11), (11, RatingScale.Nps11), (3, RatingScale.None), (3, (RatingScale)3) })
        {
            Assert.Equal(RefusalReason.ScoreOutOfRange, lobby.Refused(Command.Rate(1, score, scale)));
            Assert.Equal(RefusalReason.ScoreOutOfRange, lobby.Refused(Command.RateTicket(1, id, score, scale)));
        }

        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Rate(1, 3, RatingScale.Pad5, (RatingReasons)16)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.RateTicket(1, id, 3, RatingScale.Nps11, RatingReasons.All | (RatingReasons)128)));
        Assert.Equal(RefusalReason.InvalidCommand, lobby.Refused(Command.Rate(1, 3, RatingScale.Pad5) with { Staff = 1_000_000 }));

        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.RateTicket(1, 999, 3, RatingScale.Pad5)));
        Assert.Equal(RefusalReason.UnknownTicket, lobby.Refused(Command.RateTicket(1, -2, 3, RatingScale.Pad5)));

        int waiting = lobby.Issue();
        Assert.Equal(RefusalReason.WrongTicketState, lobby.Refused(Command.RateTicket(1, waiting, 3, RatingScale.Pad5)));
        Assert.Equal(RefusalReason.WrongTicketState, lobby.Refused(Command.RateTicket(2, id, 3, RatingScale.Pad5)));

        lobby.Ok(Command.Rate(1, 3, RatingScale.Pad5));
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.Rate(1, 3, RatingScale.Pad5)));
    }

    [Fact]
    public void RateTicket_LinksTheNamedTicket_EvenWhenTheCounterHasFinishedAnotherSince()
    {
        var lobby = new Lobby();
        int first = ServeAt(lobby, waitMinutes: 1);
        int second = ServeAt(lobby, waitMinutes: 0, serviceMinutes: 1);
        Assert.Equal(second, lobby.Counter(1).LastFinished);

        lobby.Ok(Command.RateTicket(1, first, 6, RatingScale.Nps11, RatingReasons.Waiting | RatingReasons.Cost));
        LobbyEvent rated = lobby.Last[0];
        Assert.Equal(first, rated.Ticket);
        Assert.Equal(RatingReasons.Waiting | RatingReasons.Cost, rated.AsTicketRated().Reasons);
        Assert.Equal(6, lobby.Ticket(first).RatingScore);
        Assert.Equal(RatingScale.Nps11, lobby.Ticket(first).RatingScale);

        // The pad still rates the last finished ticket.
        Assert.Equal(second, lobby.Ok(Command.Rate(1, 5, RatingScale.Pad5)).Ticket);
        RatingFigures counter = lobby.Engine.RatingFiguresOfCounter(1);
        Assert.Equal((2, 1, 1), (counter.Linked, counter.Detractors, counter.Satisfied));
        Assert.Equal(-100.0, counter.NetPromoterScore);
    }

    [Fact]
    public void RateTicket_ForATicketFinishedAtAnotherCounter_IsRefusedWrongTicketState()
    {
        var lobby = new Lobby();
        int id = ServeAt(lobby, counter: 2);
        Assert.Equal(RefusalReason.WrongTicketState, lobby.Refused(Command.RateTicket(1, id, 8, RatingScale.Nps11)));
        lobby.Ok(Command.RateTicket(2, id, 8, RatingScale.Nps11));
        Assert.Equal(8, lobby.Ticket(id).RatingScore);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfCounter(2).Passives);
        Assert.Equal(0, lobby.Engine.RatingFiguresOfCounter(1).Total);
    }

    [Fact]
    public void RateTicket_AfterTheWindow_IsStillLinked_AndASecondAnswerIsAlreadyRated()
    {
        // The window is only for the pad, which cannot say which ticket it rates: the page names its ticket.
        var lobby = new Lobby();
        int id = ServeAt(lobby);
        lobby.Ok(Command.RequestRating(1));
        lobby.Advance(lobby.Engine.Config.RatingWindow + TimeSpan.FromSeconds(1));

        Assert.Equal(id, lobby.Ok(Command.RateTicket(1, id, 2, RatingScale.Nps11)).Ticket);
        LobbyEvent rated = Assert.Single(lobby.Last);
        Assert.True(rated.AsTicketRated().Linked);
        Assert.Equal(id, rated.Ticket);
        Assert.Equal(Branches.Cash, rated.Service);
        Assert.Equal(2, lobby.Ticket(id).RatingScore);

        // The same answer posted again (a retry, a double tap), even much later: refused, nothing counted twice.
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.RateTicket(1, id, 2, RatingScale.Nps11)));
        lobby.Minutes(30);
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.RateTicket(1, id, 2, RatingScale.Nps11)));

        RatingFigures counter = lobby.Engine.RatingFiguresOfCounter(1);
        Assert.Equal((1, 1, 1, 0, 1, 1), (counter.Requested, counter.Answered, counter.Linked, counter.Unlinked, counter.Total, counter.Detractors));
        Assert.Equal(counter, lobby.Engine.RatingFiguresOfService(Branches.Cash));
        Assert.Equal(counter, lobby.Engine.RatingFiguresTotal());

        // The pad after the window is still an unlinked rating of the counter.
        Assert.Equal(-1, lobby.Ok(Command.Rate(1, 4, RatingScale.Pad5)).Ticket);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfCounter(1).Unlinked);
    }

    [Fact]
    public void CallNext_ImpliedFinish_MakesTheTicketTheOneToRate()
    {
        var lobby = new Lobby();
        int first = lobby.Issue();
        int second = lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Minutes(5);
        Assert.Equal(second, lobby.Ok(Command.CallNext(1)).Ticket);
        Assert.Equal(first, lobby.Counter(1).LastFinished);
        Assert.Equal(TicketState.Completed, lobby.Ticket(first).State);

        Assert.Equal(first, lobby.Ok(Command.RequestRating(1)).Ticket);
        Assert.Equal(first, lobby.Ok(Command.Rate(1, 1, RatingScale.Pad5)).Ticket);
        Assert.Equal(0.0, lobby.Engine.RatingFiguresOfCounter(1).Satisfaction);
    }

    [Fact]
    public void NoShow_IsNotAFinish_SoThereIsNothingToRate()
    {
        var lobby = new Lobby();
        lobby.Issue();
        lobby.Ok(Command.CallNext(1));
        lobby.Ok(Command.NoShow(1));
        Assert.Equal(-1, lobby.Counter(1).LastFinished);
        Assert.Equal(RefusalReason.NothingToRate, lobby.Refused(Command.RequestRating(1)));
    }

    [Fact]
    public void ServiceFigures_CountTheServiceThatServedTheTicket()
    {
        var lobby = new Lobby();
        int id = lobby.Issue(Branches.Cash);
        lobby.Ok(Command.CallNext(2));
        lobby.Ok(Command.Transfer(2, Branches.NonCash, Placement.Front));
        lobby.Ok(Command.CallNext(2));
        lobby.Ok(Command.Finish(2));
        lobby.Ok(Command.RequestRating(2));
        Assert.Equal(Branches.NonCash, lobby.Last[0].Service);
        lobby.Ok(Command.Rate(2, 5, RatingScale.Pad5));
        Assert.Equal(id, lobby.Last[0].Ticket);
        Assert.Equal(Branches.NonCash, lobby.Last[0].Service);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfService(Branches.NonCash).Linked);
        Assert.Equal(1, lobby.Engine.RatingFiguresOfService(Branches.NonCash).Answered);
        Assert.Equal(0, lobby.Engine.RatingFiguresOfService(Branches.Cash).Total);
    }

    [Fact]
    public void ARatingWithoutAPrompt_IsNotAnAnswer_AndAPromptAfterItIsRefused()
    {
        var lobby = new Lobby();
        ServeAt(lobby);
        lobby.Ok(Command.Rate(1, 5, RatingScale.Pad5));
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.RequestRating(1)));
        RatingFigures figures = lobby.Engine.RatingFiguresOfCounter(1);
        Assert.Equal((0, 0, 1), (figures.Requested, figures.Answered, figures.Linked));
        Assert.True(double.IsNaN(figures.ResponseRate));
    }

    [Fact]
    public void Figures_ResetWhenTheNextDayOpens_AndStayReadableAfterClose()
    {
        var lobby = new Lobby();
        ServeAt(lobby);
        lobby.Ok(Command.RequestRating(1));
        lobby.Ok(Command.Rate(1, 4, RatingScale.Pad5));
        lobby.Ok(Command.CloseDay());
        Assert.Equal(1, lobby.Engine.RatingFiguresTotal().Total);
        Assert.Equal(RefusalReason.DayNotOpen, lobby.Refused(Command.Rate(1, 4, RatingScale.Pad5)));

        lobby.Now = Branches.At(9, 0).AddDays(1);
        lobby.Ok(Command.OpenDay());
        Assert.Equal(default, lobby.Engine.RatingFiguresTotal());
        Assert.Equal(default, lobby.Engine.RatingFiguresOfService(Branches.Cash));
        Assert.Equal(-1, lobby.Counter(1).LastFinished);
        Assert.Equal(0, lobby.Counter(1).LastFinishedTicks);
        Assert.Equal(RefusalReason.NothingToRate, lobby.Refused(Command.RequestRating(1)));
    }

    [Fact]
    public void TheRatingWindow_IsTheBranchsConfiguration()
    {
        BranchConfig config = Branches.Small();
        var lobby = new Lobby(new BranchConfig
        {
            BranchId = config.BranchId,
            Name = config.Name,
            TimeZone = config.TimeZone,
            OpenTime = config.OpenTime,
            CloseTime = config.CloseTime,
            TicketingCutoff = config.TicketingCutoff,
            MaxTicketsPerDay = config.MaxTicketsPerDay,
            Services = config.Services,
            Counters = config.Counters,
            RatingWindow = TimeSpan.FromSeconds(10),
        });
        ServeAt(lobby);
        lobby.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(RefusalReason.NothingToRate, lobby.Refused(Command.RequestRating(1)));
        lobby.Ok(Command.Rate(1, 5, RatingScale.Pad5));
        Assert.False(lobby.Last[0].AsTicketRated().Linked);
    }

    [Fact]
    public void Replay_OfARatedDay_GivesTheLiveStateAndFigures()
    {
        var lobby = new Lobby();
        ServeAt(lobby);
        lobby.Ok(Command.RequestRating(1));
        lobby.Ok(Command.RequestRating(1));
        lobby.Ok(Command.Rate(1, 4, RatingScale.Pad5));
        int other = ServeAt(lobby, counter: 2, service: Branches.NonCash);
        lobby.Ok(Command.RateTicket(2, other, 3, RatingScale.Nps11, RatingReasons.Confusing));
        lobby.Minutes(10);
        lobby.Ok(Command.Rate(2, 7, RatingScale.Nps11));

        var replay = new QueueEngine(lobby.Engine.Config);
        foreach (LobbyEvent e in lobby.Log)
        {
            replay.Apply(in e);
        }

        Assert.Equal(lobby.Engine.DescribeState(), replay.DescribeState());
        Assert.Equal(lobby.Engine.RatingFiguresTotal(), replay.RatingFiguresTotal());
        for (int s = 0; s < lobby.Engine.ServiceCount; s++)
        {
            Assert.Equal(lobby.Engine.RatingFiguresOfService(s), replay.RatingFiguresOfService(s));
        }

        foreach (int c in new[] { 1, 2, 3 })
        {
            Assert.Equal(lobby.Engine.RatingFiguresOfCounter(c), replay.RatingFiguresOfCounter(c));
            Assert.Equal(lobby.Counter(c), replay.TryGetCounter(c, out CounterView cv) ? cv : default);
        }
    }

    [Fact]
    public void Snapshot_KeepsRatingsAndTheLastFinishedTicket()
    {
        var lobby = new Lobby();
        ServeAt(lobby);
        lobby.Minutes(5);
        lobby.Ok(Command.Rate(1, 5, RatingScale.Pad5));
        int id = ServeAt(lobby, counter: 2);
        lobby.Ok(Command.RequestRating(2));
        lobby.Ok(Command.Rate(2, 2, RatingScale.Pad5));

        var restored = new QueueEngine(lobby.Engine.Config);
        Assert.True(restored.TryRestoreSnapshot(lobby.Engine.CreateSnapshot()));
        Assert.Equal(lobby.Engine.DescribeState(), restored.DescribeState());
        Assert.Equal(lobby.Engine.RatingFiguresOfCounter(1), restored.RatingFiguresOfCounter(1));
        Assert.Equal(lobby.Engine.RatingFiguresOfCounter(2), restored.RatingFiguresOfCounter(2));
        Assert.Equal(lobby.Engine.RatingFiguresOfService(Branches.Cash), restored.RatingFiguresOfService(Branches.Cash));
        Assert.True(restored.TryGetTicket(id, out TicketView ticket));
        Assert.Equal(lobby.Ticket(id), ticket);
        Assert.True(restored.TryGetCounter(2, out CounterView counter));
        Assert.Equal(lobby.Counter(2), counter);

        // The restored engine decides as the live one: the ticket is rated, a second press is refused.
        Assert.Equal(RefusalReason.AlreadyRated, restored.Execute(Command.Rate(2, 5, RatingScale.Pad5), lobby.Now).Refusal);
        Assert.Equal(RefusalReason.AlreadyRated, lobby.Refused(Command.Rate(2, 5, RatingScale.Pad5)));
    }

    [Fact]
    public void Snapshot_OfTheFormatBeforeRatings_IsRefused()
    {
        var lobby = new Lobby();
        ServeAt(lobby);
        byte[] snapshot = lobby.Engine.CreateSnapshot();
        Assert.Equal(9, BitConverter.ToInt32(snapshot, 4));
        snapshot[4] = 3;
        var other = new QueueEngine(lobby.Engine.Config);
        string before = other.DescribeState();
        Assert.False(other.TryRestoreSnapshot(snapshot));
        Assert.Equal(before, other.DescribeState());
    }
}
