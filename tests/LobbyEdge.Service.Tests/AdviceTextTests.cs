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
        Assert.Equal("Open counter 7 for Corporate: service level 40 % -> 88 % over the next 30 min; 6 fewer customers past 10 min", en);
        Assert.Equal("建议开放7号窗口（对公业务）：未来30分钟服务水平 40 % → 88 %，等候超过10分钟的客户少6位", zh);
    }

    [Fact]
    public void PauseAdvice_SaysWhatItCosts()
    {
        // Not "service level 100 % -> 100 %" (no information): the counter-minutes it frees and the level it leaves.
        (string en, string zh) = AdviceText.Describe(s_branch, AdviceKind.Pause, 2, -1, new AdviceFigures(AdviceKind.Pause, 9650, 9349, 0, 60));
        Assert.Equal("Counter 2 can pause: frees 60 counter-minutes over the next 60 min; service level 93 % without it (97 % now); no more customers past 10 min", en);
        Assert.Equal("2号窗口可暂停：未来60分钟可腾出60个窗口分钟，暂停后服务水平 93 %（现为 97 %），等候超过10分钟的客户不增加", zh);
        (en, _) = AdviceText.Describe(s_branch, AdviceKind.Close, 2, 0, new AdviceFigures(AdviceKind.Close, 9000, 8500, -1, 30));
        Assert.EndsWith("; 1 more customer past 10 min", en, StringComparison.Ordinal);
        Assert.StartsWith("Counter 2 can close: ", en, StringComparison.Ordinal);
    }

    [Fact]
    public void KindAndAnswerNames_AreTheMetricsLabels()
    {
        Assert.Equal("resume", AdviceText.KindName(AdviceKind.Resume));
        Assert.Equal("dismissed", AdviceText.AnswerName(AdviceAnswer.Dismissed));
        Assert.Equal("none", AdviceText.KindName((AdviceKind)77));
    }
}
