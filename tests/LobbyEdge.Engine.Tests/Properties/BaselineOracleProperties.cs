using System.Globalization;
using System.Text;
using CsCheck;
using LobbyEdge.TestSupport.Baseline;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>
/// The benchmark baseline (<see cref="BaselineQueue"/>, written the plain way) as a test oracle: random command
/// sequences on the busy branch (every calling mode) are fed to the engine and the baseline at the same instants,
/// and every step must agree (<see cref="BaselineOracle"/>): the same acceptance or refusal reason, the same ticket
/// for every call (the call order), the same number of events, and over the run the same count of each event kind.
/// The rules coincide on everything the commands below reach; ticket ids for recover, cancel and call back are
/// drawn from the tickets issued so far, as a clerk would pick them. Transfers place at the default, the front, the
/// end or by age (the placements the baseline has; it has no longest-wait placement).
/// </summary>
public sealed class BaselineOracleProperties
{
    private const int Iterations = 200;

    private static readonly Gen<(byte Op, int A, int B, int Seconds)> s_step =
        Gen.Select(Gen.Byte[0, 19], Gen.Int[0, 999], Gen.Int[0, 999], Gen.Frequency((6, Gen.Int[0, 30]), (2, Gen.Int[30, 600]), (1, Gen.Int[600, 3600])));

    [Fact]
    public void RandomDays_TheEngineAndTheBaselineDecideAlike() =>
        Gen.Select(Gen.Bool, Gen.Int[0, 3], s_step.Array[1, 400]).Sample(
            run => Agree(TestBranches.Busy(run.Item1, run.Item2), run.Item3),
            iter: Iterations);

    private static void Agree(BranchConfig config, (byte Op, int A, int B, int Seconds)[] steps)
    {
        var oracle = new BaselineOracle(config);
        var trace = new StringBuilder();
        DateTimeOffset now = TestBranches.At(9, 0);
        int counters = config.Counters.Count;
        int services = config.Services.Count;
        int issued = 0;

        void Step(string? difference, string what)
        {
            trace.Append(CultureInfo.InvariantCulture, $"{now:HH:mm:ss} {what}\n");
            if (difference is not null)
            {
                throw new InvalidOperationException($"the baseline disagrees with the engine at {what}: {difference}\n{trace}");
            }
        }

        Step(oracle.Execute(Command.OpenDay(), now), "OpenDay");
        foreach ((byte op, int a, int b, int seconds) in steps)
        {
            now += TimeSpan.FromSeconds(seconds);
            int counter = 1 + (a % counters);
            int service = b % services;
            int ticket = issued == 0 ? 0 : b % issued;
            if (op == 0)
            {
                Step(oracle.Tick(now), "Tick");
                continue;
            }

            Command command = op switch
            {
                1 or 2 or 3 => Command.Issue(service, (Tier)(a % 3)),
                4 or 5 => Command.CallNext(counter),
                6 => Command.Recall(counter),
                7 => Command.Start(counter),
                8 or 9 => Command.Finish(counter),
                10 => Command.NoShow(counter),
                11 => Command.RecoverLastAt(counter),
                12 => Command.Recover(ticket),
                13 => Command.Transfer(counter, service, (Placement)(a % 4)),
                14 => Command.Park(counter),
                15 => Command.CallBack(counter, b % 2 == 0 ? -1 : ticket),
                16 => Command.Cancel(ticket),
                17 => Command.WalkIn(counter, service),
                18 => (a % 4) switch { 0 => Command.Pause(counter), 1 => Command.Away(counter), 2 => Command.CloseCounter(counter), _ => Command.Resume(counter) },
                _ => (a % 3) switch { 0 => Command.OpenCounter(counter), 1 => Command.CloseDay(), _ => Command.OpenDay() },
            };
            Step(oracle.Execute(command, now), command.ToString());
            issued = oracle.Baseline.Tickets.Count;
        }

        foreach ((string kind, int engine, int baseline) in oracle.KindCountDifferences())
        {
            throw new InvalidOperationException($"over the run the engine emitted {engine} {kind}, the baseline {baseline}\n{trace}");
        }
    }
}
