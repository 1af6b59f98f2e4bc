using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Profiles;
using LobbyEdge.Simulator;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// <c>predictions [seeds] [--from &lt;first seed&gt;] [--service-factor &lt;f&gt;] [--profile &lt;branch.yaml&gt;] [--csv &lt;file&gt;]</c>: how good the wait printed on tickets is. Runs simulated
/// days (<see cref="SimulatedDay"/>, <see cref="TrafficProfile.ForBranch"/>) on the demo branch at three loads (quiet
/// 0.4, normal 0.65, busy 0.95 of the counters' capacity), <c>seeds</c> days each (5 unless given, seeds 1..n, or
/// <c>--from f</c>: f..f+n-1, a hold-out range for checking that tuning on 1..n did not overfit; <c>--service-factor f</c>:
/// customers take f times the profile's seeded service times, at the same loads, for checking that the predictions do
/// not lean on the seeds being right), and
/// for every ticket issued at the kiosk compares the engine's printed prediction (<c>TicketIssued</c> typical and
/// upper) with the actual wait (issue to its first call) and with the naive estimator any branch would use instead,
/// computed at the same instant on the same ticket: people ahead x the service's rolling mean handling time / the
/// open counters (standby or serving) that serve the service. A ticket counts when it was called with its
/// prediction still standing (the engine's own judgement: a ticket moved to another queue before its call is left
/// out) and both estimators had a figure (the engine gives none, -1, while no counter serves the service; the naive
/// one none while no counter is open). Prints per load: tickets, mean actual wait, the mean absolute error (MAE) of
/// the naive estimate and of the engine's typical wait, the improvement, and the share of actual waits at or under
/// the engine's upper bound (and the naive estimate's, for comparison). <c>--csv</c> writes every compared ticket
/// (load, seed, issue time in UTC ticks, service, tier, people ahead, naive, typical, upper, actual wait in ms) for a closer look.
/// </summary>
internal static class PredictionAccuracy
{
    private static readonly (string Name, double Utilisation)[] s_loads = [("quiet", 0.4), ("normal", 0.65), ("busy", 0.95)];

    public static int Run(string[] args)
    {
        int seeds = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        int fromAt = Array.IndexOf(args, "--from");
        int first = fromAt >= 0 && fromAt + 1 < args.Length ? int.Parse(args[fromAt + 1], CultureInfo.InvariantCulture) : 1;
        if (seeds < 1 || first < 1)
        {
            Console.Error.WriteLine($"predictions: seeds ({seeds}) and --from ({first}) must be at least 1");
            return 2;
        }

        int factorAt = Array.IndexOf(args, "--service-factor");
        double factor = factorAt >= 0 && factorAt + 1 < args.Length ? double.Parse(args[factorAt + 1], CultureInfo.InvariantCulture) : 1;
        if (!(factor is > 0 and <= 10))
        {
            Console.Error.WriteLine($"predictions: --service-factor ({factor}) must be above 0 and at most 10");
            return 2;
        }

        int profileAt = Array.IndexOf(args, "--profile");
        string path = profileAt >= 0 && profileAt + 1 < args.Length ? Path.GetFullPath(args[profileAt + 1])
            : Path.Combine(AppContext.BaseDirectory, "profiles", "demo.yaml");
        BranchConfig config = BranchProfileLoader.Load(path).Branch;
        int csvAt = Array.IndexOf(args, "--csv");
        using StreamWriter? csv = csvAt >= 0 && csvAt + 1 < args.Length ? new StreamWriter(args[csvAt + 1]) : null;
        csv?.WriteLine("load,seed,issued_ticks,service,tier,ahead,naive_ms,typical_ms,upper_ms,actual_ms");
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{config.BranchId}: {config.Services.Count} services, {config.Counters.Count} counters; {seeds} seeds per load (seeds {first}..{first + seeds - 1}), {TestBranches.Monday:yyyy-MM-dd}, 5 s ticks"
            + (factor != 1 ? string.Create(inv, $"; true service times {factor:0.##} x the profile's seeds") : ""));
        Console.WriteLine("| load | days | tickets | mean wait (min) | MAE naive (min) | MAE engine (min) | improvement | upper covers | naive covers |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach ((string name, double utilisation) in s_loads)
        {
            var total = new Tally();
            for (int seed = first; seed < first + seeds; seed++)
            {
                // The same load whatever the factor: fewer customers when each takes longer than the profile says.
                TrafficProfile traffic = TrafficProfile.ForBranch(config, utilisation / factor) with { ServiceTimeFactor = factor };
                total.Add(RunDay(config, traffic, seed, csv is null ? null
                    : (est, actual) => csv.WriteLine(string.Create(inv, $"{name},{seed},{est.IssuedTicks},{est.Service},{est.Tier},{est.Ahead},{est.NaiveMs:0},{est.TypicalMs},{est.UpperMs},{actual}"))));
            }

            double improvement = total.NaiveAbsMs > 0 ? 1 - (total.EngineAbsMs / total.NaiveAbsMs) : 0;
            Console.WriteLine(string.Create(inv, $"| {name} ({utilisation:0.00}) | {seeds} | {total.Tickets:N0} | {Minutes(total.WaitMs, total.Tickets):0.00} | {Minutes(total.NaiveAbsMs, total.Tickets):0.00} | {Minutes(total.EngineAbsMs, total.Tickets):0.00} | {improvement * 100:0.0} % | {Share(total.UpperCovers, total.Tickets):0.0} % | {Share(total.NaiveCovers, total.Tickets):0.0} % |"));
        }

        return 0;
    }

    private static double Minutes(double ms, int n) => n == 0 ? 0 : ms / n / 60_000.0;

    private static double Share(int k, int n) => n == 0 ? 0 : 100.0 * k / n;

    /// <summary>One simulated day: every kiosk ticket's two estimates at issue, then its actual wait at its first call.</summary>
    internal static Tally RunDay(BranchConfig config, TrafficProfile profile, int seed, Action<Estimate, long>? each = null)
    {
        var engine = new QueueEngine(config);
        var traffic = new LobbyTraffic(config, profile, TestBranches.Monday, seed);
        var pending = new Dictionary<int, Estimate>();
        var tally = new Tally();
        SimulatedDay.Run(engine, traffic, TimeSpan.FromSeconds(5), batch =>
        {
            foreach (LobbyEvent e in batch)
            {
                switch (e.Kind)
                {
                    case EventKind.DayOpened:
                        pending.Clear();
                        break;
                    case EventKind.TicketIssued when !e.AsTicketIssued().IsWalkIn:
                        TicketIssuedView issued = e.AsTicketIssued();
                        double naive = Naive(engine, e.Service, issued.PeopleAhead);
                        if (issued.TypicalWaitMs >= 0 && naive >= 0)
                        {
                            pending[e.Ticket] = new Estimate(e.TimeTicks, e.Service, e.Tier, issued.PeopleAhead, naive, issued.TypicalWaitMs, issued.UpperWaitMs);
                        }

                        break;
                    case EventKind.TicketCalled:
                        if (pending.Remove(e.Ticket, out Estimate est) && e.AsTicketCalled().HasPredictionError)
                        {
                            long actual = (e.TimeTicks - est.IssuedTicks) / TimeSpan.TicksPerMillisecond;
                            tally.Observe(est, actual);

                            each?.Invoke(est, actual);
                        }

                        break;
                    case EventKind.TicketCancelled or EventKind.TicketAbandoned or EventKind.TicketTransferred:
                        pending.Remove(e.Ticket);
                        break;
                    default:
                        break;
                }
            }
        });
        return tally;
    }

    /// <summary>
    /// The naive estimate at this instant: people ahead x the service's rolling mean handling time / the open
    /// counters (standby or serving) that list the service; -1 while none is open.
    /// </summary>
    private static double Naive(QueueEngine engine, int service, int ahead)
    {
        int open = 0;
        foreach (CounterConfig c in engine.Config.Counters)
        {
            if (engine.TryGetCounter(c.Number, out CounterView view)
                && view.State is CounterState.Standby or CounterState.Serving
                && c.Services.Any(w => w.Service == service))
            {
                open++;
            }
        }

        return open == 0 ? -1 : ahead * engine.MeanServiceTime(service).TotalMilliseconds / open;
    }

    internal readonly record struct Estimate(long IssuedTicks, int Service, Tier Tier, int Ahead, double NaiveMs, long TypicalMs, long UpperMs);

    /// <summary>Sums over the compared tickets.</summary>
    internal sealed class Tally
    {
        public int Tickets { get; private set; }

        public double WaitMs { get; private set; }

        public double NaiveAbsMs { get; private set; }

        public double EngineAbsMs { get; private set; }

        public int UpperCovers { get; private set; }

        public int NaiveCovers { get; private set; }

        public void Observe(Estimate est, long actualMs)
        {
            Tickets++;
            WaitMs += actualMs;
            NaiveAbsMs += Math.Abs(actualMs - est.NaiveMs);
            EngineAbsMs += Math.Abs(actualMs - est.TypicalMs);
            UpperCovers += actualMs <= est.UpperMs ? 1 : 0;
            NaiveCovers += actualMs <= est.NaiveMs ? 1 : 0;
        }

        public void Add(Tally other)
        {
            Tickets += other.Tickets;
            WaitMs += other.WaitMs;
            NaiveAbsMs += other.NaiveAbsMs;
            EngineAbsMs += other.EngineAbsMs;
            UpperCovers += other.UpperCovers;
            NaiveCovers += other.NaiveCovers;
        }
    }
}
