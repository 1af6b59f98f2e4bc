using LobbyEdge.Engine;
using LobbyEdge.Forecasting;
using LobbyEdge.Service.Monitoring;

namespace LobbyEdge.Service.Advice;

/// <summary>
/// Advice in the lobby's words, in English and Chinese, from the numbers the engine recorded: "Open counter 7 for
/// Corporate: service level 40.0% -> 88.0% over the next 30 min; 6 fewer customers past 10 min" (the wording is
/// <see cref="AdviceWording"/>'s), and the kind and answer names the console and the metrics give.
/// </summary>
public static class AdviceText
{
    /// <summary>The name of an advice kind as the console and the metrics give it (<c>open</c>, <c>resume</c>, <c>pause</c>, <c>close</c>; <c>none</c> otherwise).</summary>
    public static string KindName(AdviceKind kind) => (uint)kind < (uint)LobbyMetrics.AdviceKinds.Length ? LobbyMetrics.AdviceKinds[(int)kind] : LobbyMetrics.AdviceKinds[0];

    /// <summary>The name of an answer (<c>accepted</c>, <c>dismissed</c>; <c>none</c> while open).</summary>
    public static string AnswerName(AdviceAnswer answer) => (uint)answer < (uint)LobbyMetrics.AdviceAnswers.Length ? LobbyMetrics.AdviceAnswers[(int)answer] : LobbyMetrics.AdviceAnswers[0];

    /// <summary>
    /// The advice as one sentence in English and in Chinese: <see cref="AdviceWording.Describe"/>, the wording the
    /// console, the log and the simulator's narration share.
    /// </summary>
    /// <param name="config">The branch (service names, care thresholds).</param>
    /// <param name="kind">What to do with the counter.</param>
    /// <param name="counter">The counter's number.</param>
    /// <param name="service">The service index the change helps most, or -1 for none.</param>
    /// <param name="figures">The forecast: service level without and with the change (basis points), customers past the care threshold avoided, the horizon.</param>
    /// <returns>(English, Chinese).</returns>
    public static (string En, string Zh) Describe(BranchConfig config, AdviceKind kind, int counter, int service, AdviceFigures figures) =>
        AdviceWording.Describe(config, kind, counter, service, figures);

    /// <summary>Basis points as a percentage with one decimal, as all advice shows it (<c>8800</c> -> <c>88.0%</c>): <see cref="AdviceWording.Percent(int)"/>.</summary>
    public static string Percent(int basisPoints) => AdviceWording.Percent(basisPoints);
}
