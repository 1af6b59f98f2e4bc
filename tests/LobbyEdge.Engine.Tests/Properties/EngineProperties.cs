using System.Collections.Concurrent;
using CsCheck;
using Xunit.Abstractions;

namespace LobbyEdge.Engine.Tests.Properties;

/// <summary>
/// Random lobby days (random rules, commands, time steps and timer ticks) checked against the engine's
/// invariants after every step. A failure prints the CsCheck seed (rerun with <c>seed:</c> or the
/// <c>CsCheck_Seed</c> environment variable) and, for the shrunk day, the rules and a trace of engine calls.
/// The test output lists how often each command outcome and event kind was reached.
/// </summary>
public sealed class EngineProperties(ITestOutputHelper output)
{
    private const int Iterations = 300;

    [Fact]
    public void RandomDays_EveryTicketIsHeldCountedAndNumberedConsistently() => Sample(Checks.Holding);

    [Fact]
    public void RandomDays_EventLogIsGapFreeAndReplayOrRestartGivesTheLiveState() => Sample(Checks.EventLog);

    [Fact]
    public void RandomDays_CallsRecoveriesAndTransfersFollowTheQueueRules() => Sample(Checks.QueueRules);

    /// <summary>Issue 17: the cached prediction capacity equals a fresh computation after every step, on random branches.</summary>
    [Fact]
    public void RandomDays_PredictionsEqualAFreshComputationAfterEveryStep() => Sample(Checks.Predictions);

    private void Sample(Checks checks)
    {
        var tally = new ConcurrentDictionary<string, int>();
        LobbyGen.Scenario.Sample(
            scenario => LobbyRun.Run(scenario, checks, tally),
            writeLine: output.WriteLine,
            iter: Iterations,
            print: scenario => scenario.ToString());
        foreach ((string what, int count) in tally.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,8} {what}");
        }
    }
}
