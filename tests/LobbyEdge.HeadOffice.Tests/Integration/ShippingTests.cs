using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>Events from the log to a real Mosquitto: complete, in order, after outages and crashes.</summary>
[Trait("Category", "Integration")]
public sealed class ShippingTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Events_ArriveCompleteAndInOrder_AsCloudEvents_ThenLiveEvents_AndTheCursorFollows()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("ship-a");
        long backlog = branch.RunDays(1, ticketsPerDay: 150);
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/ship-a/events"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        Assert.Equal(backlog, link.PendingEvents);

        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count >= backlog, s_long, $"{backlog} events", () => branch.Logger.Text + broker.Output);

        // Live: events committed while the link runs are shipped as they come.
        long last = branch.RunDays(1, ticketsPerDay: 150);
        Assert.True(last > backlog);
        await Wait.UntilAsync(() => office.Count >= last, s_long, $"{last} events", () => branch.Logger.Text);
        await Wait.UntilAsync(() => branch.Log.Cursor(HeadOfficeOptions.CursorName).Position == last, s_long, "the cursor to reach the last event");

        CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: false);
        Assert.True(link.IsConnected);
        Assert.Equal(broker.Endpoint, link.Endpoint);
        Assert.Equal(0, link.PendingEvents);
        Assert.Equal(last, link.AcknowledgedSequence);
        Assert.Equal(last, link.Published);
        Assert.Equal(0, link.Reconnects);
        await link.StopAsync();
    }

    [Fact]
    public async Task BrokerOutage_TheBacklogArrivesInOrder_NothingMissing_ThenNewEvents()
    {
        // Persistent, so that head office's own session survives the broker's restart: what the branch publishes
        // before head office reconnects is queued for it, as on a production broker.
        await using Mosquitto broker = await Mosquitto.StartAsync(new BrokerSetup { Persistent = true });
        using var branch = new TestBranch("ship-b");
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/ship-b/events"], persistent: true);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();

        long before = branch.RunDays(1, ticketsPerDay: 100);
        await Wait.UntilAsync(() => office.Count >= before, s_long, "the first day", () => branch.Logger.Text);

        await broker.StopAsync(graceful: true);
        await Wait.UntilAsync(() => !link.IsConnected, s_long, "the link to notice the outage", () => branch.Logger.Text);

        // The outage: two days of events, all waiting in the log.
        long during = branch.RunDays(2, ticketsPerDay: 100);
        Assert.Equal(during - before, link.PendingEvents);
        Assert.False(link.IsConnected);

        await broker.RestartAsync();
        await office.ReconnectAsync();
        await Wait.UntilAsync(() => link.AcknowledgedSequence == during, s_long, "the backlog to be acknowledged", () => branch.Logger.Text + broker.Output);
        await Wait.UntilAsync(() => Distinct(office) >= during, s_long, "the backlog to arrive", () => $"{Distinct(office)} of {during}");

        long after = branch.RunDays(1, ticketsPerDay: 100);
        await Wait.UntilAsync(() => Distinct(office) >= after, s_long, "the events after the outage");

        CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: true);
        Assert.True(link.Reconnects >= 1);
        await Wait.UntilAsync(() => link.PendingEvents == 0, s_long, "nothing pending");
        await link.StopAsync();
    }

    [Fact]
    public async Task ShipperKilledMidShipping_RestartedOnTheSameLog_NothingMissing_DuplicatesOnlyWithTheSameId()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("ship-c");
        long total = branch.RunUntil(20_000);
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/ship-c/events"]);

        HeadOfficeLink first = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await first.StartAsync();
        await Wait.UntilAsync(() => office.Count >= 1_000, s_long, "shipping to be under way");

        // The kill: the connection is cut without a goodbye and the cursor is not saved on the way out.
        await first.DisposeAsync();
        long cursorAtKill = branch.Log.Cursor(HeadOfficeOptions.CursorName).Position;

        // What the first shipper published may still be on its way from the broker to head office: count it all
        // (under load it arrives a moment after the kill, and would otherwise look like a duplicate beyond the bound).
        int receivedAtKill;
        do
        {
            receivedAtKill = office.Count;
            await Task.Delay(500);
        }
        while (office.Count != receivedAtKill);

        Assert.True(receivedAtKill < total, "the kill came after everything was shipped; the test proves nothing");
        Assert.True(cursorAtKill <= receivedAtKill, $"the cursor ({cursorAtKill}) is ahead of what head office received ({receivedAtKill})");

        await using HeadOfficeLink second = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        Assert.Equal(cursorAtKill, second.AcknowledgedSequence);
        await second.StartAsync();
        await Wait.UntilAsync(() => Distinct(office) >= total, s_long, "every event after the restart", () => $"{Distinct(office)} of {total}; " + branch.Logger.Text);

        await Wait.UntilAsync(() => second.AcknowledgedSequence == total, s_long, "every acknowledgement");
        int duplicates = CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: true);

        // Only what was in flight or acknowledged after the last cursor save is sent twice.
        Assert.True(duplicates <= receivedAtKill - cursorAtKill + 64, $"{duplicates} duplicates; cursor {cursorAtKill}, received {receivedAtKill}");
        Assert.Equal(total - cursorAtKill, second.Published);
        await second.StopAsync();
    }

    [Fact]
    public async Task NoBrokerConfigured_LinkIsOff_EventsStayInTheLog_AndPendingCountsThem()
    {
        using var branch = new TestBranch("ship-d");
        long before = branch.RunDays(1, ticketsPerDay: 50);
        await using HeadOfficeLink link = branch.CreateLink(new HeadOfficeOptions());
        Assert.False(link.IsActive);
        await link.StartAsync();
        long last = branch.RunDays(1, ticketsPerDay: 50);

        Assert.False(link.IsConnected);
        Assert.Null(link.Endpoint);
        Assert.Equal(last, link.PendingEvents);
        Assert.Equal(0, link.Published);
        await link.StopAsync();
        Assert.Equal(0, branch.Log.Cursor(HeadOfficeOptions.CursorName).Position);
        Assert.Contains(branch.Logger.Lines, l => l.Contains("link off", StringComparison.Ordinal) && l.Contains($"{before} pending", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeveralBrokers_AreTriedInTurn_UntilOneAnswers()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("ship-e");
        long last = branch.RunDays(1, ticketsPerDay: 30);
        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/ship-e/events"]);

        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options("127.0.0.1:1", broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count >= last, s_long, "the events via the second broker", () => branch.Logger.Text);

        Assert.Equal(broker.Endpoint, link.Endpoint);
        Assert.True(link.ConnectFailures >= 1);
        CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: false);
        await link.StopAsync();
    }

    [Fact]
    public async Task EventsRetentionDeletedBeforeShipping_AreCountedAsMissed_AndTheRestArriveInOrder()
    {
        await using Mosquitto broker = await Mosquitto.StartAsync();
        using var branch = new TestBranch("ship-f");

        // Three days written while no head-office cursor holds retention (a consumer retired and its cursor file
        // deleted, deploy/README.md), then the old days age past retention and are deleted.
        long last = branch.RunDays(3, ticketsPerDay: 40);
        foreach (string segment in Directory.EnumerateFiles(branch.Directory, "*.seg", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(segment, DateTime.UtcNow.AddDays(-10));
        }

        PruneReport pruned = branch.Log.Prune(DateTime.UtcNow, TimeSpan.FromDays(1));
        Assert.NotEmpty(pruned.Deleted);
        long firstKept = branch.ReadAll()[0].Sequence;
        Assert.True(firstKept > 1 && firstKept <= last, $"first event kept {firstKept} of {last}");

        await using Observer office = await Observer.ConnectAsync(broker, ["lobby/v1/ship-f/events"]);
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options(broker.Endpoint));
        await link.StartAsync();
        await Wait.UntilAsync(() => office.Count >= last - firstKept + 1, s_long, "the events retention kept", () => branch.Logger.Text);

        Assert.Equal(firstKept - 1, link.MissedEvents);
        CloudEventAssert.CompleteAndInOrder(office.Messages(), branch.ReadAll(), branch.Config, duplicatesAllowed: false);
        await link.StopAsync();
    }

    private static int Distinct(Observer office) => office.DistinctEvents;
}
