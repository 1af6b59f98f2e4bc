using System.Globalization;
using LobbyEdge.Engine;
using LobbyEdge.Service.Monitoring;

namespace LobbyEdge.Service.Advice;

/// <summary>
/// Advice in the lobby's words, in English and Chinese, from the numbers the engine recorded: "Open counter 7 for
/// Corporate: service level 40 % -> 88 % over the next 30 min; 6 fewer customers past 10 min".
/// </summary>
public static class AdviceText
{
    /// <summary>The name of an advice kind as the console and the metrics give it (<c>open</c>, <c>resume</c>, <c>pause</c>, <c>close</c>; <c>none</c> otherwise).</summary>
    public static string KindName(AdviceKind kind) => (uint)kind < (uint)LobbyMetrics.AdviceKinds.Length ? LobbyMetrics.AdviceKinds[(int)kind] : LobbyMetrics.AdviceKinds[0];

    /// <summary>The name of an answer (<c>accepted</c>, <c>dismissed</c>; <c>none</c> while open).</summary>
    public static string AnswerName(AdviceAnswer answer) => (uint)answer < (uint)LobbyMetrics.AdviceAnswers.Length ? LobbyMetrics.AdviceAnswers[(int)answer] : LobbyMetrics.AdviceAnswers[0];

    /// <summary>
    /// The advice as one sentence in English and in Chinese. Open and resume give the service level without and with
    /// the change; pause and close give the counter-minutes they free over the horizon and the level left.
    /// </summary>
    /// <param name="config">The branch (service names, care thresholds).</param>
    /// <param name="kind">What to do with the counter.</param>
    /// <param name="counter">The counter's number.</param>
    /// <param name="service">The service index the change helps most, or -1 for none.</param>
    /// <param name="figures">The forecast: service level without and with the change (basis points), customers past the care threshold avoided, the horizon.</param>
    /// <returns>(English, Chinese).</returns>
    public static (string En, string Zh) Describe(BranchConfig config, AdviceKind kind, int counter, int service, AdviceFigures figures)
    {
        ArgumentNullException.ThrowIfNull(config);
        ServiceConfig? sc = (uint)service < (uint)config.Services.Count ? config.Services[service] : null;
        int care = (int)Math.Round((sc ?? (config.Services.Count > 0 ? config.Services[0] : null))?.CareThreshold.TotalMinutes ?? 10);
        string now = Percent(figures.ServiceLevelNowBp);
        string with = Percent(figures.ServiceLevelWithBp);
        int avoided = figures.PastCareAvoided;
        string what = kind switch
        {
            AdviceKind.Open => Inv($"Open counter {counter}"),
            AdviceKind.Resume => Inv($"Resume counter {counter}"),
            AdviceKind.Pause => Inv($"Counter {counter} can pause"),
            AdviceKind.Close => Inv($"Counter {counter} can close"),
            _ => Inv($"Counter {counter}"),
        };
        string whatZh = kind switch
        {
            AdviceKind.Open => Inv($"建议开放{counter}号窗口"),
            AdviceKind.Resume => Inv($"建议恢复{counter}号窗口"),
            AdviceKind.Pause => Inv($"{counter}号窗口可暂停"),
            AdviceKind.Close => Inv($"{counter}号窗口可关闭"),
            _ => Inv($"{counter}号窗口"),
        };
        if (sc is not null && kind is AdviceKind.Open or AdviceKind.Resume)
        {
            what += " for " + sc.Name;
            whatZh += Inv($"（{(sc.NameZh.Length > 0 ? sc.NameZh : sc.Name)}）");
        }

        string past = avoided switch
        {
            > 0 => Inv($"{avoided} fewer {Customers(avoided)} past {care} min"),
            < 0 => Inv($"{-avoided} more {Customers(-avoided)} past {care} min"),
            _ => Inv($"no more customers past {care} min"),
        };
        string pastZh = avoided switch
        {
            > 0 => Inv($"等候超过{care}分钟的客户少{avoided}位"),
            < 0 => Inv($"等候超过{care}分钟的客户多{-avoided}位"),
            _ => Inv($"等候超过{care}分钟的客户不增加"),
        };
        if (kind is AdviceKind.Pause or AdviceKind.Close)
        {
            // "100 % -> 100 %" tells a manager nothing: say what the pause frees, and the level it leaves.
            int minutes = figures.HorizonMinutes;
            return (
                Inv($"{what}: frees {minutes} counter-minutes over the next {minutes} min; service level {with} without it ({now} now); {past}"),
                Inv($"{whatZh}：未来{minutes}分钟可腾出{minutes}个窗口分钟，暂停后服务水平 {with}（现为 {now}），{pastZh}"));
        }

        return (
            Inv($"{what}: service level {now} -> {with} over the next {figures.HorizonMinutes} min; {past}"),
            Inv($"{whatZh}：未来{figures.HorizonMinutes}分钟服务水平 {now} → {with}，{pastZh}"));
    }

    /// <summary>Basis points as a whole percentage with a space before the sign (<c>8800</c> -> <c>88 %</c>).</summary>
    public static string Percent(int basisPoints) => Inv($"{Math.Round(basisPoints / 100.0, MidpointRounding.AwayFromZero):0} %");

    private static string Customers(int n) => n == 1 ? "customer" : "customers";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
