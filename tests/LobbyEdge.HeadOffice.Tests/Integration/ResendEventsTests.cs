using System.Text.Json;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 15, item 5: <c>resend-events {from, to}</c> on the real <c>lobby-edge</c> process and a real Mosquitto. The
/// events come again on <c>lobby/v1/{branchId}/events/resent</c>, byte for byte as first shipped; the answer follows
/// once the broker has them; a bad range is refused naming the field; a repeat gets the same answer and sends nothing
/// again; events retention deleted are refused with the first one still there.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ResendEventsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-resend-");
    private Mosquitto _broker = null!;
    private Observer _office = null!;
    private FleetBranch _branch = null!;

    private string Events => $"lobby/v1/{_branch.Id}/events";

    private string Resent => $"lobby/v1/{_branch.Id}/events/resent";

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        _branch = new FleetBranch("resend-001", _work.FullName);
        _office = await Observer.ConnectAsync(_broker, [Events, Resent, _branch.Replies]);
    }

    public async Task DisposeAsync()
    {
        if (_branch.Process is { } process)
        {
            await process.DisposeAsync();
        }

        await _office.DisposeAsync();
        await _broker.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task ResendEvents_PublishesTheRangeAgainOnEventsResent_ByteForByteAsFirstShipped_ThenAnswersWithTheCount()
    {
        long last = await StartWithADayOfTicketsAsync();

        Received answer = await _branch.SendAsync(_office, "resend-events", """{"from":2,"to":6}""");

        Assert.Equal("""{"ok":true,"from":2,"to":6,"count":5}""", answer.Text);

        // The answer came after the broker had every event sent again: the observer got them first (one connection
        // from the branch, one to the observer, in order).
        List<Received> all = _office.Messages();
        List<Received> resent = [.. all.Where(m => m.Topic == Resent)];
        Assert.Equal(["resend-001:2", "resend-001:3", "resend-001:4", "resend-001:5", "resend-001:6"], resent.Select(IdOf));
        Assert.All(resent, m => Assert.True(all.IndexOf(m) < all.IndexOf(answer), "an event sent again arrived after the answer"));

        // The same CloudEvent as on the live topic, byte for byte, with its content type; the live topic got each
        // event once (nothing of the resend went there).
        List<Received> live = _office.Messages(Events);
        Assert.Equal(Enumerable.Range(1, (int)last).Select(n => $"resend-001:{n}"), live.Select(IdOf));
        foreach (Received copy in resent)
        {
            Received original = live.Single(m => IdOf(m) == IdOf(copy));
            Assert.Equal(original.Text, copy.Text);
            Assert.Equal("application/cloudevents+json", copy.ContentType);
            Assert.False(copy.Retain);
        }
    }

    [Fact]
    public async Task ResendEvents_ABadRange_IsAnsweredWithAnErrorNamingTheField_AndNothingIsSent()
    {
        long last = await StartWithADayOfTicketsAsync("--HeadOffice:MaxResendEvents=5");

        (string Payload, string Field, string Error)[] cases =
        [
            ("{}", "from", "from: required"),
            ("""{"from":1}""", "to", "to: required"),
            ("""{"from":"1","to":2}""", "from", "from: must be an integer event sequence, not a string"),
            ("""{"from":1.5,"to":2}""", "from", "from: must be an integer event sequence (got 1.5)"),
            ("""{"from":0,"to":2}""", "from", "from: must be 1 or more"),
            ("""{"from":3,"to":-1}""", "to", "to: must be 1 or more"),
            ("""{"from":5,"to":3}""", "to", "to: must be at least from (from 5, to 3)"),
            ("""{"from":1,"to":2,"count":2}""", "count", "count: unknown field (resend-events takes from, to, requestId)"),
            ("""[1,2]""", "payload", "payload: must be a JSON object, not an array"),
            ("", "payload", "payload: not valid JSON"),
            ($$"""{"from":1,"to":{{last + 1}}}""", "to", $"to: the branch has logged events up to {last} only (got {last + 1})"),
            ("""{"from":1,"to":6}""", "to", "to: at most 5 events per command (HeadOffice:MaxResendEvents); from 1 to 6 is 6: ask in pieces"),
        ];
        foreach ((string payload, string field, string error) in cases)
        {
            Received answer = await _branch.SendAsync(_office, "resend-events", payload);
            JsonElement json = answer.Json;
            Assert.False(json.GetProperty("ok").GetBoolean(), answer.Text);
            Assert.StartsWith(error, json.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(field, json.GetProperty("field").GetString());
        }

        // The figures head office can go by.
        Received beyond = await _branch.SendAsync(_office, "resend-events", $$"""{"from":1,"to":{{last + 100}}}""");
        Assert.Equal(last, beyond.Json.GetProperty("lastSequence").GetInt64());
        Received tooMany = await _branch.SendAsync(_office, "resend-events", """{"from":1,"to":9}""");
        Assert.Equal(5, tooMany.Json.GetProperty("maxEvents").GetInt64());

        // Five is allowed; none of the refused ones sent anything before it.
        Received ok = await _branch.SendAsync(_office, "resend-events", """{"from":1,"to":5}""");
        Assert.Equal("""{"ok":true,"from":1,"to":5,"count":5}""", ok.Text);
        Assert.Equal(["resend-001:1", "resend-001:2", "resend-001:3", "resend-001:4", "resend-001:5"], _office.Messages(Resent).Select(IdOf));
    }

    [Fact]
    public async Task ResendEvents_Repeated_GetsTheSameAnswer_AndSendsNothingAgain_ButANewRequestSendsAgain()
    {
        await StartWithADayOfTicketsAsync();

        Received first = await _branch.SendAsync(_office, "resend-events", """{"from":3,"to":5}""", "resend-1");
        Received repeat = await _branch.SendAsync(_office, "resend-events", """{ "to":5, "from":3 }""", "resend-1");
        Assert.Equal(first.Text, repeat.Text);

        // The same identity for another range is refused; a requestId is an identity across Correlation Data too.
        Received reused = await _branch.SendAsync(_office, "resend-events", """{"from":1,"to":2}""", "resend-1");
        Assert.Contains("request identity: already used by a different command", reused.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Received byId = await _branch.SendAsync(_office, "resend-events", """{"from":1,"to":1,"requestId":"refill-7"}""");
        Received byIdAgain = await _branch.SendAsync(_office, "resend-events", """{"from":1,"to":1,"requestId":"refill-7"}""");
        Assert.Equal(byId.Text, byIdAgain.Text);

        // A new request for the same range sends it again. Everything the branch sends is in order on its connection,
        // so by this answer every earlier copy is in: the repeats added none.
        Received again = await _branch.SendAsync(_office, "resend-events", """{"from":3,"to":5}""", "resend-2");
        Assert.Equal("""{"ok":true,"from":3,"to":5,"count":3}""", again.Text);
        Assert.Equal(
            ["resend-001:3", "resend-001:4", "resend-001:5", "resend-001:1", "resend-001:3", "resend-001:4", "resend-001:5"],
            _office.Messages(Resent).Select(IdOf));
        await _branch.Process!.WaitForLineAsync(m => m.Contains("repeats request", StringComparison.Ordinal) && m.Contains("not sent again", StringComparison.Ordinal), FleetBranch.Patience);
    }

    [Fact]
    public async Task ResendEvents_OfEventsRetentionDeleted_IsRefusedWithTheFirstEventStillThere()
    {
        // Two simulated days (one log segment each), shipped to the broker; then yesterday's segment is past
        // retention and pruned as the service's own retention does it.
        _branch.WriteProfile(byHand: false);
        await using (ServiceProcess simulated = await _branch.StartAsync(_broker, "--simulate", "--speed", "10000", "--days", "2", "--seed", "7"))
        {
            Assert.Equal(0, await simulated.WaitForExitAsync(FleetBranch.Patience));
        }

        long firstKept;
        using (BranchLog log = BranchLog.Open(_branch.Data))
        {
            string[] segments = [.. Directory.EnumerateFiles(_branch.Data, "*.seg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
            Assert.Equal(2, segments.Length);
            File.SetLastWriteTimeUtc(segments[0], DateTime.UtcNow.AddDays(-40));
            PruneReport pruned = log.Prune(DateTime.UtcNow, TimeSpan.FromDays(30));
            Assert.Single(pruned.Deleted);
            using LogReader reader = log.ReadFrom(1);
            firstKept = reader.NextSequence;
            Assert.True(firstKept > 1);
        }

        await _branch.StartAsync(_broker);
        await _branch.WaitForCommandsAsync(_office);

        Received gone = await _branch.SendAsync(_office, "resend-events", $$"""{"from":1,"to":{{firstKept + 1}}}""");
        Assert.False(gone.Json.GetProperty("ok").GetBoolean());
        Assert.Equal($"from: events before {firstKept} were deleted by the branch's retention (EventLog:RetentionDays); the first available is {firstKept}", gone.Json.GetProperty("error").GetString());
        Assert.Equal("from", gone.Json.GetProperty("field").GetString());
        Assert.Equal(firstKept, gone.Json.GetProperty("firstAvailable").GetInt64());

        Received kept = await _branch.SendAsync(_office, "resend-events", $$"""{"from":{{firstKept}},"to":{{firstKept + 2}}}""");
        Assert.Equal($$"""{"ok":true,"from":{{firstKept}},"to":{{firstKept + 2}},"count":3}""", kept.Text);
        Assert.Equal(
            [$"resend-001:{firstKept}", $"resend-001:{firstKept + 1}", $"resend-001:{firstKept + 2}"],
            _office.Messages(Resent).Select(IdOf));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000_001)]
    public void MaxResendEvents_OutOfRange_IsNamedByItsKey(int max)
    {
        var options = new HeadOfficeOptions { MaxResendEvents = max };
        (string field, string message) = Assert.Single(options.Validate());
        Assert.Equal("HeadOffice:MaxResendEvents", field);
        Assert.Equal($"must be between 1 and 1000000 (got {max})", message);
    }

    /// <summary>
    /// Starts the branch (opened by head office), opens the day and issues four tickets, and waits until head office has
    /// every event so far; returns the last sequence.
    /// </summary>
    private async Task<long> StartWithADayOfTicketsAsync(params string[] more)
    {
        _branch.WriteProfile(byHand: true);
        await _branch.StartAsync(_broker, more);
        await _branch.WaitForCommandsAsync(_office);
        Assert.True((await _branch.SendAsync(_office, "open-day", "")).Json.GetProperty("ok").GetBoolean());
        for (int i = 0; i < 4; i++)
        {
            Received ticket = await _branch.SendAsync(_office, "issue-ticket", """{"service":"cash","channel":"mobile"}""");
            Assert.True(ticket.Json.GetProperty("ok").GetBoolean(), ticket.Text);
        }

        // Every command ends with its lobby.request.decided event: five of them means the events so far are all in.
        await Wait.UntilAsync(
            () => _office.Messages(Events).Count(m => m.Json.GetProperty("type").GetString() == "lobby.request.decided") == 5,
            FleetBranch.Patience,
            "the day's events at head office",
            _branch.Lines);
        long last = _office.Messages(Events).Max(m => m.Json.GetProperty("data").GetProperty("sequence").GetInt64());
        Assert.True(last >= 9, $"only {last} events");
        return last;
    }

    private static string IdOf(Received m) => m.Json.GetProperty("id").GetString()!;
}
