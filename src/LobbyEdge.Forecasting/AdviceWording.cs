using System.Globalization;
using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// Staffing advice in the lobby's words, in English and Chinese: the one wording the lobby console, the service's log
/// and the simulator's narration share, from the figures the engine recorded (<see cref="AdviceFigures"/>).
/// </summary>
/// <remarks>
/// <para>Percentages: one decimal and the sign without a space (<c>79.6%</c>) everywhere advice and service levels are
/// shown, so that a level just under an 80 % target never reads as "80%".</para>
/// <para>Open and resume: "Open counter 7 for Corporate: service level 40.0% -> 88.0% over the next 30 min; 6 fewer
/// customers past 10 min" (the customers clause only when the change saves at least one). Pause and close say what they
/// free and what the other counters keep: "Counter 2 can pause: frees 60 counter-minutes over the next 60 min; the
/// other counters keep the service level at 93.0% (97.0% now) with no more customers past 10 min". Counts agree with
/// their nouns ("1 fewer customer", "counter 7 is").</para>
/// </remarks>
public static class AdviceWording
{
    /// <summary>Basis points (0..10,000) as a percentage with one decimal: <c>7962</c> -> <c>79.6%</c>.</summary>
    public static string Percent(int basisPoints) => Percent(basisPoints / 10_000.0);

    /// <summary>A share (0..1) as a percentage with one decimal: <c>0.7962</c> -> <c>79.6%</c>; NaN -> <c>-</c>.</summary>
    public static string Percent(double share) =>
        double.IsNaN(share) ? "-" : (Math.Round(share * 100, 1, MidpointRounding.AwayFromZero)).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A count with its noun: <c>1 customer</c>, <c>6 customers</c> (the plural given, or the noun + s).</summary>
    public static string Count(int n, string noun, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? noun : plural ?? noun + "s")}");

    /// <summary>
    /// Counters as the subject of a sentence with its verb: <c>counter 7 is</c>, <c>counters 6 and 7 are</c>,
    /// <c>counters 5, 6 and 7 are</c>; <c>no counter is</c> for none.
    /// </summary>
    public static string CountersAre(IReadOnlyList<int> numbers)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        string Number(int i) => numbers[i].ToString(CultureInfo.InvariantCulture);
        return numbers.Count switch
        {
            0 => "no counter is",
            1 => "counter " + Number(0) + " is",
            _ => "counters " + string.Join(", ", Enumerable.Range(0, numbers.Count - 1).Select(Number)) + " and " + Number(numbers.Count - 1) + " are",
        };
    }

    /// <summary>
    /// The advice as one sentence in English and one in Chinese (see the class remarks). Open and resume give the
    /// service level without and with the change over the horizon and the customers it keeps from the care threshold;
    /// pause and close give the counter-minutes they free over the horizon and the level the other counters keep.
    /// </summary>
    /// <param name="config">The branch (service names, care thresholds).</param>
    /// <param name="kind">What to do with the counter.</param>
    /// <param name="counter">The counter's number.</param>
    /// <param name="service">The service index the change helps most, or -1 for none.</param>
    /// <param name="figures">The forecast: service level without and with the change (basis points), customers past
    /// the care threshold avoided (negative: added), the horizon in minutes.</param>
    /// <returns>(English, Chinese).</returns>
    public static (string En, string Zh) Describe(BranchConfig config, AdviceKind kind, int counter, int service, AdviceFigures figures)
    {
        ArgumentNullException.ThrowIfNull(config);
        ServiceConfig? sc = (uint)service < (uint)config.Services.Count ? config.Services[service] : null;
        int care = (int)Math.Round((sc ?? (config.Services.Count > 0 ? config.Services[0] : null))?.CareThreshold.TotalMinutes ?? 10);
        string now = Percent(figures.ServiceLevelNowBp);
        string with = Percent(figures.ServiceLevelWithBp);
        int avoided = figures.PastCareAvoided;
        int minutes = figures.HorizonMinutes;
        string c = counter.ToString(CultureInfo.InvariantCulture);
        if (kind is AdviceKind.Pause or AdviceKind.Close)
        {
            // "100% -> 100%" tells a manager nothing: what the pause frees, and what the others keep. A pause never
            // saves anyone from the care threshold, so it says only whether it adds some.
            string verb = kind == AdviceKind.Pause ? "pause" : "close";
            string verbZh = kind == AdviceKind.Pause ? "暂停" : "关闭";
            string added = avoided < 0 ? Inv($"{Count(-avoided, "more customer")} past {care} min") : Inv($"no more customers past {care} min");
            string addedZh = avoided < 0 ? Inv($"等候超过{care}分钟的客户增加{-avoided}位") : Inv($"等候超过{care}分钟的客户不会增加");
            return (
                Inv($"Counter {c} can {verb}: frees {Count(minutes, "counter-minute")} over the next {minutes} min; the other counters keep the service level at {with} ({now} now) with {added}"),
                Inv($"{c}号窗口可{verbZh}：未来{minutes}分钟可腾出{minutes}个窗口分钟；其余窗口可将服务水平保持在{with}（目前为{now}），{addedZh}"));
        }

        string what = kind == AdviceKind.Resume ? "Resume" : "Open";
        string whatZh = kind == AdviceKind.Resume ? "恢复" : "开放";
        string forService = sc is null ? "" : " for " + sc.Name;
        string forServiceZh = sc is null ? "" : "办理" + (sc.NameZh.Length > 0 ? sc.NameZh : sc.Name);
        string past = avoided switch
        {
            > 0 => Inv($"; {Count(avoided, "fewer customer")} past {care} min"),
            < 0 => Inv($"; {Count(-avoided, "more customer")} past {care} min"),
            _ => "",
        };
        string pastZh = avoided switch
        {
            > 0 => Inv($"，等候超过{care}分钟的客户减少{avoided}位"),
            < 0 => Inv($"，等候超过{care}分钟的客户增加{-avoided}位"),
            _ => "",
        };
        return (
            Inv($"{what} counter {c}{forService}: service level {now} -> {with} over the next {minutes} min{past}"),
            Inv($"建议{whatZh}{c}号窗口{forServiceZh}：未来{minutes}分钟服务水平由{now}升至{with}{pastZh}"));
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
