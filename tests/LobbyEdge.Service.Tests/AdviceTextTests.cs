using LobbyEdge.Engine;
using LobbyEdge.Service.Advice;

namespace LobbyEdge.Service.Tests;

/// <summary>Advice in the lobby's words (English and Chinese), from the numbers the engine records.</summary>
public sealed class AdviceTextTests
{
    private static readonly BranchConfig s_branch = Branch(TestBranch.Create());

    /// <summary>The test branch with a corporate service beside cash.</summary>
    private static BranchConfig Branch(BranchConfig b) => new()
    {
        BranchId = b.BranchId,
        Name = b.Name,
        TimeZone = b.TimeZone,
        OpenTime = b.OpenTime,
        CloseTime = b.CloseTime,
        Services =
        [
            b.Services[0],
            new ServiceConfig { Prefix = 'C', Id = "corp", Name = "Corporate", NameZh = "对公业务", CareThreshold = TimeSpan.FromMinutes(10), SlaTarget = TimeSpan.FromMinutes(20) },
        ],
        Counters = b.Counters,
    };

    [Fact]
    public void OpenAdvice_ReadsAsTheLobbySaysIt()
    {
        (string en, string zh) = AdviceText.Describe(s_branch, AdviceKind.Open, 7, 1, new AdviceFigures(AdviceKind.Open, 4000, 8800, 6, 30));
        Assert.Equal("Open counter 7 for Corporate: service level 40.0% -> 88.0% over the next 30 min; 6 fewer customers past 10 min", en);
        Assert.Equal("建议开放7号窗口办理对公业务：未来30分钟服务水平由40.0%升至88.0%，等候超过10分钟的客户减少6位", zh);
    }

    /// <summary>
    /// Issue 14 (outside tester): "1 fewer customers", "0 fewer customers past care" and whole percentages in one
    /// place beside one decimal in another. Counts agree with their nouns, a change that spares nobody does not say
    /// "0 fewer", and every percentage has one decimal (79.6% is not shown as 80%, the target).
    /// </summary>
    [Fact]
    public void Advice_CountsAgreeWithTheirNouns_SaysNoZeroFewer_AndShowsOneDecimal()
    {
        (string en, string zh) = AdviceText.Describe(s_branch, AdviceKind.Resume, 3, 1, new AdviceFigures(AdviceKind.Resume, 7962, 8611, 1, 30));
        Assert.Equal("Resume counter 3 for Corporate: service level 79.6% -> 86.1% over the next 30 min; 1 fewer customer past 10 min", en);
        Assert.Equal("建议恢复3号窗口办理对公业务：未来30分钟服务水平由79.6%升至86.1%，等候超过10分钟的客户减少1位", zh);

        (en, zh) = AdviceText.Describe(s_branch, AdviceKind.Open, 7, -1, new AdviceFigures(AdviceKind.Open, 4700, 5600, 0, 30));
        Assert.Equal("Open counter 7: service level 47.0% -> 56.0% over the next 30 min", en);
        Assert.Equal("建议开放7号窗口：未来30分钟服务水平由47.0%升至56.0%", zh);

        foreach (AdviceKind kind in new[] { AdviceKind.Open, AdviceKind.Resume, AdviceKind.Pause, AdviceKind.Close })
        {
            for (int avoided = -2; avoided <= 2; avoided++)
            {
                (en, zh) = AdviceText.Describe(s_branch, kind, 1, 0, new AdviceFigures(kind, 8000, 9000, avoided, 30));
                Assert.DoesNotContain("0 fewer", en, StringComparison.Ordinal);
                Assert.DoesNotContain("1 fewer customers", en, StringComparison.Ordinal);
                Assert.DoesNotContain("1 more customers", en, StringComparison.Ordinal);
                Assert.DoesNotContain("少0位", zh, StringComparison.Ordinal);
                Assert.DoesNotContain(" %", en + zh, StringComparison.Ordinal);
                Assert.Contains("80.0%", en, StringComparison.Ordinal);
                Assert.Contains("80.0%", zh, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void PauseAdvice_SaysWhatItFrees_AndWhatTheOthersKeep()
    {
        // Not "service level 100% -> 100%" (no information), nor "0 fewer customers": what it frees and what is left.
        (string en, string zh) = AdviceText.Describe(s_branch, AdviceKind.Pause, 2, -1, new AdviceFigures(AdviceKind.Pause, 9650, 9349, 0, 60));
        Assert.Equal("Counter 2 can pause: frees 60 counter-minutes over the next 60 min; the other counters keep the service level at 93.5% (96.5% now) with no more customers past 10 min", en);
        Assert.Equal("2号窗口可暂停：未来60分钟可腾出60个窗口分钟；其余窗口可将服务水平保持在93.5%（目前为96.5%），等候超过10分钟的客户不会增加", zh);
        (en, zh) = AdviceText.Describe(s_branch, AdviceKind.Close, 2, 0, new AdviceFigures(AdviceKind.Close, 9000, 8500, -1, 30));
        Assert.EndsWith(" with 1 more customer past 10 min", en, StringComparison.Ordinal);
        Assert.StartsWith("Counter 2 can close: ", en, StringComparison.Ordinal);
        Assert.StartsWith("2号窗口可关闭：", zh, StringComparison.Ordinal);
        Assert.EndsWith("等候超过10分钟的客户增加1位", zh, StringComparison.Ordinal);
    }

    [Fact]
    public void KindAndAnswerNames_AreTheMetricsLabels()
    {
        Assert.Equal("resume", AdviceText.KindName(AdviceKind.Resume));
        Assert.Equal("dismissed", AdviceText.AnswerName(AdviceAnswer.Dismissed));
        Assert.Equal("none", AdviceText.KindName((AdviceKind)77));
    }
}
