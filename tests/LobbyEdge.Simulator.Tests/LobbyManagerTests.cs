using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator.Hosting;
using Xunit.Abstractions;

namespace LobbyEdge.Simulator.Tests;

/// <summary>
/// The simulated lobby manager over whole demo days (the branch and traffic <c>--simulate</c> plays: demo.yaml,
/// <see cref="TrafficProfile.ForBranch"/>), run as fast as the engine goes by <see cref="SimulatedDay"/>.
/// </summary>
public sealed class LobbyManagerTests(ITestOutputHelper output)
{
    private const int Seed = 42;
    private static readonly DateOnly s_day = TestBranches.Monday;
    private static readonly BranchConfig s_demo = BranchProfileLoader.Load(Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml")).Branch;

    [Fact]
    public void DemoDay_WithTheLobbyManager_CareCoverageFarAboveADayWithoutHer_ButNotPerfect()
    {
        TrafficProfile with = TrafficProfile.ForBranch(s_demo);
        Day withHer = Run(with, Seed);
        Day without = Run(with with { LobbyManager = null }, Seed);
        Report("with the lobby manager", withHer);
        Report("without", without);

        Assert.NotNull(with.LobbyManager);
        Assert.Null(without.Manager);
        Assert.True(withHer.Care.Decided > 20, $"only {withHer.Care.Decided} customers crossed the care threshold: the demo day is not busy enough to tell");
        Assert.Equal(0, without.Care.CareGiven);
        Assert.True(withHer.Care.Coverage >= without.Care.Coverage + 0.4, $"coverage {withHer.Care.Coverage:P1} with her, {without.Care.Coverage:P1} without");

        // One person who also greets: at the peaks she falls behind, so some customers wait past the threshold uncared.
        Assert.True(withHer.Care.Coverage < 0.98, $"coverage {withHer.Care.Coverage:P1}: she never falls behind");

        // Everything she sent was accepted, and the engine counted every act of care she recorded.
        LobbyManagerTally tally = withHer.Manager!.Tally;
        Assert.True(tally.CareSent > 0 && tally.CareAccepted == tally.CareSent, $"care sent {tally.CareSent}, accepted {tally.CareAccepted}");
        Assert.Equal(tally.CareAccepted, withHer.Care.CareGiven);
        Assert.True(tally.VipsRecognised > 0 && tally.VipsAccepted == tally.VipsRecognised, $"VIPs recognised {tally.VipsRecognised}, accepted {tally.VipsAccepted}");
        Assert.Equal(tally.CareAccepted, withHer.Events.Count(e => e.Kind == EventKind.CareGiven && e.AsCareGiven().Staff == LobbyManagerProfile.DemoStaffId));
    }

    [Fact]
    public void BusierDay_LongQueues_SheDivertsShortBusinessToTheQuickestService()
    {
        // The demo lobby at 90 % of its counters' capacity: the queues grow long enough for her rule.
        var logger = new LinesLogger();
        Day day = Run(TrafficProfile.ForBranch(s_demo, utilisation: 0.9), Seed, engine => new LobbyNarrator(s_demo, engine, logger).OnEvents);
        Report("busier day", day);
        output.WriteLine(logger.Lines.FirstOrDefault(l => l.Contains(" diverts ", StringComparison.Ordinal)) ?? "(no diversion told)");

        LobbyEvent[] diverted = [.. day.Events.Where(e => e.Kind == EventKind.TicketDiverted)];
        Assert.NotEmpty(diverted);
        Assert.Equal(day.Manager!.Tally.DiversionsSent, diverted.Length);
        int help = s_demo.Services.Select((s, i) => (s, i)).MinBy(x => x.s.SeedServiceTime).i;
        Assert.All(diverted, e =>
        {
            TicketDivertedView view = e.AsTicketDiverted();
            Assert.Equal(LobbyManagerProfile.DemoStaffId, view.Staff);
            Assert.Equal(help, e.Service);
            Assert.Equal(Tier.Normal, e.Tier);
            Assert.Contains(s_demo.Services[view.FromService].Id, new[] { "cash", "noncash" });
        });
    }

    /// <summary>A counter's transfer (转办) is told as it happens: the narrator used to skip every one.</summary>
    [Fact]
    public void BusierDay_EveryTransferIsTold_WithItsCounterTicketAndServices()
    {
        var logger = new LinesLogger();
        Day day = Run(TrafficProfile.ForBranch(s_demo, utilisation: 0.9), Seed, engine => new LobbyNarrator(s_demo, engine, logger).OnEvents);

        LobbyEvent[] transfers = [.. day.Events.Where(e => e.Kind == EventKind.TicketTransferred)];
        string[] told = [.. logger.Lines.Where(l => l.Contains(" transfers ", StringComparison.Ordinal))];
        output.WriteLine(told.FirstOrDefault() ?? "(no transfer told)");
        Assert.NotEmpty(transfers);
        Assert.Equal(transfers.Length, told.Length);
        for (int i = 0; i < transfers.Length; i++)
        {
            LobbyEvent e = transfers[i];
            string ticket = s_demo.Services[e.NumberService].FormatNumber(e.Number);
            Assert.Contains($"Counter {e.Counter} transfers {ticket} from {s_demo.Services[e.AsTicketTransferred().FromService].Name} ", told[i], StringComparison.Ordinal);
            Assert.Contains($" to {s_demo.Services[e.Service].Name} ", told[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WholeDay_SheNeverCaresForATicketThatIsNotWaiting()
    {
        Day day = Run(TrafficProfile.ForBranch(s_demo), Seed);

        // Replay her day command by command and look at every answer to her care (not her own count of it).
        var engine = new QueueEngine(s_demo);
        int care = 0;
        var refusals = new List<string>();
        foreach (TimedCommand step in day.Recording)
        {
            var at = new DateTimeOffset(step.TimeTicks, TimeSpan.Zero);
            if (step.IsTick)
            {
                engine.Tick(at);
                continue;
            }

            CommandResult result = engine.Execute(step.Command, at);
            if (step.Command.Kind == CommandKind.GiveCare)
            {
                care++;
                if (!result.Accepted)
                {
                    refusals.Add($"{at:HH:mm:ss} ticket {step.Command.Ticket}: {result.Refusal}");
                }
            }
        }

        Assert.True(care > 30, $"only {care} acts of care over the day");
        Assert.Empty(refusals);
        Assert.Equal(0, day.Manager!.Tally.RefusedNotWaiting);
    }

    [Fact]
    public void ReturningNoShows_AreRecoveredByNumberThroughHer_WithHerStaffId()
    {
        Day withHer = Run(TrafficProfile.ForBranch(s_demo), Seed);
        Day without = Run(TrafficProfile.ForBranch(s_demo) with { LobbyManager = null }, Seed);

        Command[] recoveries = [.. withHer.Recording.Where(s => s.Command.Kind == CommandKind.Recover).Select(s => s.Command)];
        Assert.NotEmpty(recoveries);
        Assert.All(recoveries, c =>
        {
            Assert.Equal(LobbyManagerProfile.DemoStaffId, c.Staff);
            Assert.True(c.NumberService >= 0 && c.Number > 0 && c.Ticket == -1, $"not by printed number: {c}");
        });
        Assert.Equal(withHer.Manager!.Tally.RecoveriesAsked, recoveries.Length);

        // The engine records her on what came of it, recovered or refused.
        LobbyEvent[] outcomes = [.. withHer.Events.Where(e => e.Kind is EventKind.TicketRecovered or EventKind.RecoveryRefused)];
        Assert.NotEmpty(outcomes);
        Assert.All(outcomes, e => Assert.Equal(LobbyManagerProfile.DemoStaffId, e.Kind == EventKind.TicketRecovered ? e.AsTicketRecovered().Staff : e.AsRecoveryRefused().Staff));
        Assert.Equal(withHer.Manager.Tally.Recovered, outcomes.Count(e => e.Kind == EventKind.TicketRecovered));

        // Without her the customers still come back, but nobody with a staff id recovers them.
        Assert.Contains(without.Recording, s => s.Command.Kind == CommandKind.Recover);
        Assert.All(without.Recording.Where(s => s.Command.Kind == CommandKind.Recover), s => Assert.Equal(0, s.Command.Staff));
    }

    [Fact]
    public void SameSeed_SameDay_AnotherSeed_AnotherDay()
    {
        TrafficProfile profile = TrafficProfile.ForBranch(s_demo);
        Day first = Run(profile, Seed);
        Day again = Run(profile, Seed);
        Day other = Run(profile, Seed + 1);

        Assert.Equal(first.Recording, again.Recording);
        Assert.Equal(first.Engine.DescribeState(), again.Engine.DescribeState());
        Assert.Equal(first.Care, again.Care);
        Assert.NotEqual(
            first.Recording.Where(s => s.Command.Staff != 0).Select(s => (s.TimeTicks, s.Command)),
            other.Recording.Where(s => s.Command.Staff != 0).Select(s => (s.TimeTicks, s.Command)));
    }

    [Fact]
    public void Alerts_AreAnsweredOneAtATime_MostOverdueFirst_AndOnlyWhileTheTicketWaits()
    {
        var manager = new LobbyManager(
            s_demo,
            new LobbyManagerProfile { ResponseSpread = 0, ResponseDelay = TimeSpan.FromMinutes(2), GreetingShare = 0, VipRecognitionShare = 0 },
            seed: 1);
        DateTimeOffset open = TestBranches.At(9, 0);
        manager.OnEvents([new LobbyEvent { Kind = EventKind.DayOpened, TimeTicks = open.UtcTicks }]);

        // Three customers cross the care threshold: ticket 7 first, then 3, then 5 (which is called before she gets there).
        manager.OnEvents([Alert(7, open.AddMinutes(10)), Alert(3, open.AddMinutes(10).AddSeconds(20)), Alert(5, open.AddMinutes(10).AddSeconds(30))]);
        manager.OnEvents([new LobbyEvent { Kind = EventKind.TicketCalled, Ticket = 5, Service = 0, NumberService = 0, Number = 5, Counter = 3, TimeTicks = open.AddMinutes(11).UtcTicks }]);

        var cared = new List<(int Ticket, DateTimeOffset At)>();
        DateTimeOffset now = open.AddMinutes(10);
        while (manager.NextDue is { } due && cared.Count < 5)
        {
            now = due > now ? due : now;
            Assert.True(manager.TryNext(now, out Command command), $"nothing to do at {now:HH:mm:ss} though due");
            Assert.Equal(CommandKind.GiveCare, command.Kind);
            Assert.Equal(LobbyManagerProfile.DemoStaffId, command.Staff);
            Assert.False(manager.TryNext(now, out _));
            cared.Add((command.Ticket, now));
            manager.Observe(command, default, now);
        }

        Assert.Equal([7, 3], cared.Select(c => c.Ticket));
        Assert.Equal(open.AddMinutes(12), cared[0].At);
        Assert.True(cared[1].At > cared[0].At + TimeSpan.FromSeconds(30), $"second care at {cared[1].At:HH:mm:ss}, first at {cared[0].At:HH:mm:ss}: not one at a time");
        Assert.Equal(0, manager.PendingAlerts);
    }

    [Fact]
    public void Narrator_TellsWhatSheDoes_InLinesANewcomerUnderstands()
    {
        var logger = new LinesLogger();
        LobbyNarrator? narrator = null;
        Day day = Run(TrafficProfile.ForBranch(s_demo), Seed, engine => (narrator = new LobbyNarrator(s_demo, engine, logger)).OnEvents);
        while (day.Manager!.TryTakeNote(out LobbyManagerNote note))
        {
            narrator!.Tell(in note);
        }

        // The first line of each kind, as a newcomer would read them.
        foreach (string kind in new[] { "looks after", "recognises", "recovers", "cannot recover", "gives the customer of", "leaves without" })
        {
            output.WriteLine(logger.Lines.FirstOrDefault(l => l.Contains(kind, StringComparison.Ordinal)) ?? $"(no line with '{kind}')");
        }

        Assert.Contains(logger.Lines, l => l.Contains("Lobby manager (大堂经理) looks after ", StringComparison.Ordinal) && l.Contains(" min after the care alert", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("Lobby manager (大堂经理) recognises ", StringComparison.Ordinal) && l.Contains("VIP line", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("Lobby manager (大堂经理) recovers ", StringComparison.Ordinal));
    }

    private static LobbyEvent Alert(int ticket, DateTimeOffset at) =>
        new() { Kind = EventKind.CareNeeded, Ticket = ticket, Service = 0, NumberService = 0, Number = ticket, Count = 1, TimeTicks = at.UtcTicks, A = 600_000 };

    private static Day Run(TrafficProfile profile, int seed, Func<QueueEngine, EventBatchHandler>? listen = null)
    {
        var engine = new QueueEngine(s_demo);
        EventBatchHandler? onEvents = listen?.Invoke(engine);
        var traffic = new LobbyTraffic(s_demo, profile, s_day, seed);
        var recording = new List<TimedCommand>();
        var events = new List<LobbyEvent>();
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), batch =>
        {
            events.AddRange(batch.ToArray());
            onEvents?.Invoke(batch);
        }, recording);
        return new Day(engine, traffic.Manager, recording, events, engine.CareFiguresTotal());
    }

    private void Report(string label, Day day)
    {
        CareFigures care = day.Care;
        string response = care.Responses == 0 ? "-" : (care.MeanResponseMs / 60_000).ToString("0.0", CultureInfo.InvariantCulture) + " min";
        output.WriteLine(
            $"{label}: coverage {care.Coverage:P1} ({care.Covered}/{care.Decided} past the threshold), mean response {response} over {care.Responses} answered alerts, "
            + $"care given {care.CareGiven}, care alerts {day.Events.Count(e => e.Kind == EventKind.CareNeeded)}");
        if (day.Manager is { Tally: var t })
        {
            output.WriteLine($"  she greeted {t.Greeted}, care {t.CareAccepted}/{t.CareSent}, recovered {t.Recovered}/{t.RecoveriesAsked}, new tickets {t.Reissued}, VIPs {t.VipsAccepted}/{t.VipsRecognised}, diverted {t.DiversionsAccepted}/{t.DiversionsSent}");
        }
    }

    private sealed record Day(QueueEngine Engine, LobbyManager? Manager, List<TimedCommand> Recording, List<LobbyEvent> Events, CareFigures Care);
}
