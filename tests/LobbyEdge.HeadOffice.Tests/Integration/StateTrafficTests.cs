using System.Text;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// The retained <c>state</c> goes out when its content changed, not when only its <c>time</c> (when the snapshot was
/// made) did: before, every snapshot was new and each branch sent about 9 KB a second, day and night (deploy/FLEET.md).
/// </summary>
[Trait("Category", "Integration")]
public sealed class StateTrafficTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("""{"time":"2026-11-30T01:00:00Z","waiting":1}""", """{"time":"2026-11-30T01:00:07.5Z","waiting":1}""", true)]
    [InlineData("""{"time":"2026-11-30T01:00:00Z","waiting":1}""", """{"time":"2026-11-30T01:00:00Z","waiting":2}""", false)]
    [InlineData("""{"branchId":"x","counters":[{"time":"a"}],"time":"1"}""", """{"branchId":"x","counters":[{"time":"a"}],"time":"2"}""", true)]
    [InlineData("""{"counters":[{"time":"a"}]}""", """{"counters":[{"time":"b"}]}""", false)]
    [InlineData("""{"waiting":1}""", """{"waiting":1}""", true)]
    [InlineData("""{"time":1}""", """{"time":2}""", false)]
    [InlineData("not json", "not json", true)]
    public void States_ThatDifferOnlyInTheirTopLevelTime_AreTheSame(string a, string b, bool same) =>
        Assert.Equal(same, HeadOfficeLink.SameStateApartFromTime(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b)));

    [Fact]
    public async Task State_WhoseTimeAloneMoves_IsNotPublishedAgain_ButAChangeIs()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("state-time");
        branch.State.Set("""{"time":"2026-11-30T01:00:00Z","waiting":1}""");
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/state-time/state"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count == 1, s_long, "the first state");

        // The snapshot's clock moves at every read, as the branch's does; nothing else changes.
        int calls = branch.State.Calls;
        for (int second = 1; branch.State.Calls < calls + 3 && second < 600; second++)
        {
            branch.State.Set($$"""{"time":"2026-11-30T01:00:{{second % 60:00}}Z","waiting":1}""");
            await Task.Delay(100);
        }

        Assert.Single(office.Messages());

        branch.State.Set("""{"time":"2026-11-30T01:01:00Z","waiting":2}""");
        await Wait.UntilAsync(() => office.Count == 2, s_long, "the changed state");
        Assert.Equal("""{"time":"2026-11-30T01:01:00Z","waiting":2}""", office.Messages()[1].Text);
    }
}
