using System.Text.Json;
using LobbyEdge.Engine;
using LobbyEdge.Service.Lobby;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The console's advice lists over a real engine and log: an advice nobody answers leaves the open list when its
/// horizon ends and is listed with the answered ones as lapsed (and can no longer be answered); an answered one is
/// listed with its answer and staff.
/// </summary>
public sealed class ConsoleAdviceLapseTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-advice-lapse-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task UnansweredAdvice_LeavesTheOpenListAtTheEndOfItsHorizon_AndIsListedAsLapsed()
    {
        BranchConfig config = CareMetricsTests.TwoServices();
        var time = new TwoClocks(TestBranch.At(8, 59));
        await using var run = new CareMetricsTests.DrivenBranch(_work.FullName, config, time);
        run.TickEvery(TimeSpan.FromSeconds(30), TestBranch.At(9, 1), time);
        run.Execute(Command.OpenCounter(1));
        run.Execute(Command.CloseCounter(2));

        // Advice 1: open counter 2 (30-minute horizon), never answered. Advice 2: pause counter 1, dismissed.
        CommandResult toOpen = run.Execute(Command.Advise(2, 1, new AdviceFigures(AdviceKind.Open, 4000, 8800, 6, 30)));
        Assert.True(toOpen.Accepted, $"advice to open counter 2: {toOpen.Refusal}");
        CommandResult toPause = run.Execute(Command.Advise(1, 0, new AdviceFigures(AdviceKind.Pause, 9500, 9000, 0, 30)));
        Assert.True(toPause.Accepted, $"advice to pause counter 1: {toPause.Refusal}");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(run.Execute(Command.AnswerAdvice(2, AdviceAnswer.Dismissed, 8001)).Accepted);

        time.Advance(TimeSpan.FromMinutes(28)); // 29 minutes after advice 1: still open
        (int[] open, Dictionary<int, string> closed) = Lists(run, time);
        Assert.Equal([1], open);
        Assert.Equal("dismissed", closed[2]);
        Assert.False(closed.ContainsKey(1));

        time.Advance(TimeSpan.FromMinutes(1)); // 30 minutes: its horizon is over
        (open, closed) = Lists(run, time);
        Assert.Empty(open);
        Assert.Equal("lapsed", closed[1]);
        Assert.Equal("dismissed", closed[2]);

        // From the same moment the engine refuses a late answer (it used to take it, and the console then listed a
        // lapsed advice as accepted: wrong, its forecast was over); it stays lapsed.
        Assert.Equal(RefusalReason.AdviceLapsed, run.Execute(Command.AnswerAdvice(1, AdviceAnswer.Accepted, 8002)).Refusal);
        Assert.Equal(RefusalReason.AdviceLapsed, run.Execute(Command.AnswerAdvice(1, AdviceAnswer.Dismissed, 8002)).Refusal);
        (open, closed) = Lists(run, time);
        Assert.Empty(open);
        Assert.Equal("lapsed", closed[1]);
    }

    private static (int[] Open, Dictionary<int, string> Closed) Lists(CareMetricsTests.DrivenBranch run, TwoClocks time)
    {
        var console = new ConsoleState(run.Branch, time, Microsoft.Extensions.Options.Options.Create(new ConsoleOptions()));
        using JsonDocument json = JsonDocument.Parse(console.Json);
        JsonElement advice = json.RootElement.GetProperty("advice");
        int[] open = [.. advice.GetProperty("open").EnumerateArray().Select(a => a.GetProperty("id").GetInt32())];
        var closed = advice.GetProperty("answered").EnumerateArray()
            .ToDictionary(a => a.GetProperty("id").GetInt32(), a => a.GetProperty("answer").GetString()!);
        return (open, closed);
    }
}
