using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>Head-office commands over a real broker: carried out, or refused with a clear error and no change.</summary>
[Trait("Category", "Integration")]
public sealed class CommandTests : IAsyncLifetime
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);
    private Mosquitto _broker = null!;
    private TestBranch _branch = null!;
    private HeadOfficeLink _link = null!;
    private Observer _office = null!;
    private int _correlation;

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        _branch = new TestBranch("cmd-a");
        _office = await Observer.ConnectAsync(_broker, ["office/replies/#", "lobby/v1/cmd-a/events"]);
        _link = _branch.CreateLink(TestBranch.Options(_broker.Endpoint));
        await _link.StartAsync();
        await Wait.UntilAsync(() => _link.IsConnected, s_long, "the link to connect", () => _branch.Logger.Text);
    }

    public async Task DisposeAsync()
    {
        await _link.StopAsync();
        await _link.DisposeAsync();
        await _office.DisposeAsync();
        _branch.Dispose();
        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task OpenDay_IssueTicketForAMobileCustomer_CloseDay_AreCarriedOutAndAnswered()
    {
        JsonElement opened = await SendAsync("open-day", "");
        Assert.True(opened.GetProperty("ok").GetBoolean(), opened.GetRawText());
        Assert.True(_branch.Engine.IsDayOpen);

        JsonElement ticket = await SendAsync("issue-ticket", """{"service":"noncash","tier":"vip","channel":"mobile"}""");
        Assert.True(ticket.GetProperty("ok").GetBoolean(), ticket.GetRawText());
        Assert.Equal("B0001", ticket.GetProperty("ticket").GetString());
        Assert.Equal("mobile", ticket.GetProperty("channel").GetString());
        Assert.Equal(0, ticket.GetProperty("peopleAhead").GetInt32());
        Assert.True(_branch.Engine.TryGetTicket(ticket.GetProperty("ticketId").GetInt32(), out TicketView view));
        Assert.Equal(Tier.Vip, view.Tier);

        JsonElement closed = await SendAsync("close-day", "{}");
        Assert.True(closed.GetProperty("ok").GetBoolean(), closed.GetRawText());
        Assert.False(_branch.Engine.IsDayOpen);
        Assert.Equal(["OpenDay", "Issue", "CloseDay"], _branch.Handler.Calls);

        // What the commands did reaches head office as events, like everything else.
        long last = _branch.Log.LastSequence;
        await Wait.UntilAsync(() => _office.DistinctEvents == last, s_long, "the commands' events");
        Assert.Contains(_office.Messages("lobby/v1/cmd-a/events"), m => m.Json.GetProperty("type").GetString() == "lobby.ticket.issued");
        Assert.Equal(0, _link.CommandsRejected);
        Assert.Equal(3, _link.CommandsReceived);
    }

    [Theory]
    [InlineData("issue-ticket", """{"service":"mortgage","channel":"mobile"}""", "service: unknown service \"mortgage\"; known: cash, noncash")]
    [InlineData("issue-ticket", """{"service":"cash"}""", "channel: required")]
    [InlineData("issue-ticket", """{"service":"cash","channel":"fax"}""", "channel: must be one of mobile, appointment")]
    [InlineData("issue-ticket", """{"service":"cash","channel":"mobile","tier":"gold"}""", "tier: must be \"normal\", \"priority\" or \"vip\"")]
    [InlineData("issue-ticket", """{"service":7,"channel":"mobile"}""", "service: must be a string, not a number")]
    [InlineData("issue-ticket", """{"service":"cash","channel":"mobile","count":3}""", "count: unknown field")]
    [InlineData("issue-ticket", """{"service":"cash",""", "payload: not valid JSON")]
    [InlineData("issue-ticket", "", "payload: not valid JSON")]
    [InlineData("issue-ticket", """["cash"]""", "payload: must be a JSON object, not an array")]
    [InlineData("open-day", """{"force":true}""", "force: unknown field (open-day takes no fields)")]
    [InlineData("broadcast-notice", """{"text":"  "}""", "text: required")]
    [InlineData("broadcast-notice", """{"text":"Closing early","until":"tomorrow"}""", "until: must be an RFC 3339 time")]
    [InlineData("broadcast-notice", """{"text":"Closing early","until":"2025-01-01T10:00:00"}""", "until: must be an RFC 3339 time with its offset")]
    [InlineData("broadcast-notice", """{"text":"Closing early","until":"2020-01-01T10:00:00Z"}""", "has already passed")]
    [InlineData("update-configuration", "{}", "payload: an empty configuration update")]
    [InlineData("update-configuration", """{"services":[]}""", "services: unknown field (update-configuration takes profile, expectVersion, requestId)")]
    [InlineData("update-configuration", """{"profile":42}""", "profile: must be the profile's text")]
    [InlineData("rollback-configuration", """{"version":0}""", "version: must be a configuration version")]
    [InlineData("update-calendar", """{"calendar":"mon"}""", "calendar: must be a JSON object")]
    [InlineData("make-coffee", "{}", "unknown command \"make-coffee\"; known: open-day, close-day, issue-ticket, broadcast-notice, update-configuration, resend-events, rollback-configuration, update-calendar")]
    public async Task MalformedOrUnknownCommand_GetsAnErrorReplyNamingTheField_AndChangesNothing(string name, string payload, string error)
    {
        long before = _branch.Log.LastSequence;
        bool open = _branch.Engine.IsDayOpen;

        JsonElement reply = await SendAsync(name, payload);

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Contains(error, reply.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_branch.Handler.Calls);
        Assert.Equal(before, _branch.Log.LastSequence);
        Assert.Equal(open, _branch.Engine.IsDayOpen);
        Assert.Equal(1, _link.CommandsRejected);
        Assert.True(_link.IsConnected);
    }

    [Fact]
    public async Task CommandTheEngineRefuses_IsAnsweredWithTheReason_AndChangesNothing_ButTheRefusalIsRecorded()
    {
        JsonElement reply = await SendAsync("issue-ticket", """{"service":"cash","channel":"appointment"}""");

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal("day_not_open", reply.GetProperty("reason").GetString());
        Assert.Equal("refused by the branch: day_not_open", reply.GetProperty("error").GetString());
        Assert.Equal(0, _branch.Engine.TicketCount);

        // The one event is the record of the decision (a repeat must get the same refusal), no queue change.
        LobbyEvent decided = Assert.Single(_branch.ReadAll());
        Assert.Equal(EventKind.RequestDecided, decided.Kind);
        Assert.Equal(RefusalReason.DayNotOpen, decided.AsRequestDecided().Refusal);
        Assert.Equal(CommandKind.Issue, decided.AsRequestDecided().Command);
        Assert.Equal(0, decided.AsRequestDecided().EffectEvents);
    }

    [Fact]
    public async Task OpenDay_AfterCloseDay_IsRefusedAsDayAlreadyClosed_NotDayAlreadyOpen()
    {
        Assert.True((await SendAsync("open-day", "")).GetProperty("ok").GetBoolean());
        Assert.True((await SendAsync("close-day", "")).GetProperty("ok").GetBoolean());

        // Issue 15: the day was held and closed; before, this answered day_already_open, which was not what happened.
        JsonElement reply = await SendAsync("open-day", "");
        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal("day_already_closed", reply.GetProperty("reason").GetString());
        Assert.Equal("refused by the branch: day_already_closed", reply.GetProperty("error").GetString());
        Assert.False(_branch.Engine.IsDayOpen);
        LobbyEvent decided = _branch.ReadAll()[^1];
        Assert.Equal(RefusalReason.DayAlreadyClosed, decided.AsRequestDecided().Refusal);
    }

    [Fact]
    public async Task Notice_GoesToTheHandler_AndConfigurationUpdate_IsAnsweredWithTheHandlersError()
    {
        JsonElement notice = await SendAsync("broadcast-notice", """{"text":"Counter 3 closes at noon","until":"2099-01-01T12:00:00+08:00"}""");
        Assert.True(notice.GetProperty("ok").GetBoolean(), notice.GetRawText());
        // Shown, then recorded in the log (Note), so that a repeat is recognised.
        Assert.Equal(["notice:Counter 3 closes at noon:2099-01-01T12:00:00.0000000+08:00", "Note"], _branch.Handler.Calls);

        JsonElement update = await SendAsync("update-configuration", """{"profile":"branch: {id: b1}"}""");
        Assert.False(update.GetProperty("ok").GetBoolean());
        Assert.Equal("configuration updates are not supported by this test branch", update.GetProperty("error").GetString());
        Assert.Equal("update-configuration:branch: {id: b1}", _branch.Handler.Calls.Last());
    }

    [Fact]
    public async Task HandlerThatFails_IsAnsweredWithAnError_AndTheLinkGoesOn()
    {
        _branch.Handler.Override = _ => throw new InvalidOperationException("the engine loop has stopped");

        JsonElement reply = await SendAsync("open-day", "");

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal("internal error: InvalidOperationException", reply.GetProperty("error").GetString());
        Assert.True(_link.IsConnected);
        _branch.Handler.Override = null;
        Assert.True((await SendAsync("open-day", "")).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task CommandToAStoppedEngine_IsRefusedWithWhyItStopped()
    {
        _branch.Handler.Override = _ => throw new System.Threading.Channels.ChannelClosedException("branch storage full: appending events to /data/log/1.seg failed (No space left on device)");

        JsonElement reply = await SendAsync("open-day", "");

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.Equal("refused by the branch: branch storage full: appending events to /data/log/1.seg failed (No space left on device)", reply.GetProperty("error").GetString());
        _branch.Handler.Override = null;
    }

    [Fact]
    public async Task SameRequestSentAgain_WithTheSameCorrelationData_GetsTheFirstAnswer_AndIsCarriedOutOnce()
    {
        await SendAsync("open-day", "", "open");
        JsonElement first = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1");
        JsonElement again = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1", nth: 2);

        Assert.Equal("A0001", first.GetProperty("ticket").GetString());
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(["OpenDay", "Issue"], _branch.Handler.Calls);
        Assert.Equal(1, _branch.Engine.TicketCount);
        Assert.Equal(1, _link.CommandsRepeated);

        // The same Correlation Data from another sender (another Response Topic) is another request.
        JsonElement other = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1", responseTopic: "office/replies/other");
        Assert.Equal("A0002", other.GetProperty("ticket").GetString());
    }

    [Fact]
    public async Task RequestIdInThePayload_IsTheIdentity_WhateverTheCorrelationData_AndTheOrderOfTheFields()
    {
        await SendAsync("open-day", """{"requestId":"open-2026-11-23"}""", "a");
        JsonElement first = await SendAsync("issue-ticket", """{"requestId":"app-7f3a","service":"noncash","tier":"priority","channel":"appointment"}""", "b");
        JsonElement again = await SendAsync("issue-ticket", """{ "channel": "appointment", "tier": "priority", "service": "noncash", "requestId": "app-7f3a" }""", "c");
        JsonElement reopened = await SendAsync("open-day", """{"requestId":"open-2026-11-23"}""", "d");

        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.True(reopened.GetProperty("ok").GetBoolean(), reopened.GetRawText());
        Assert.Equal(["OpenDay", "Issue"], _branch.Handler.Calls);
        Assert.Equal(2, _link.CommandsRepeated);
    }

    [Fact]
    public async Task IdentityReusedForADifferentRequest_IsAnsweredWithAnError_AndChangesNothing()
    {
        await SendAsync("open-day", "", "open");
        await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "reused");
        long before = _branch.Log.LastSequence;

        JsonElement reply = await SendAsync("issue-ticket", """{"service":"noncash","channel":"mobile"}""", "reused", nth: 2);

        Assert.False(reply.GetProperty("ok").GetBoolean());
        Assert.StartsWith("request identity: already used by a different command (decided at event ", reply.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _branch.Log.LastSequence);
        Assert.Equal(1, _branch.Engine.TicketCount);
    }

    [Theory]
    [InlineData("open-day", "")]
    [InlineData("close-day", "{}")]
    [InlineData("issue-ticket", """{"service":"cash","channel":"mobile"}""")]
    [InlineData("broadcast-notice", """{"text":"Closing early"}""")]
    public async Task CommandWithAnEffectAndNoIdentity_IsAnsweredWithAnError_AndChangesNothing(string name, string payload)
    {
        await _office.PublishAsync($"lobby/v1/cmd-a/commands/{name}", payload, "office/replies/anonymous");
        Received? reply = null;
        await Wait.UntilAsync(() => (reply = _office.Messages("office/replies/anonymous").FirstOrDefault()) is not null, s_long, $"the answer to {name}");

        Assert.False(reply!.Json.GetProperty("ok").GetBoolean());
        Assert.Equal($"request identity: {name} needs MQTT 5 Correlation Data or a \"requestId\" field, so that a repeat of it cannot take effect twice", reply.Json.GetProperty("error").GetString());
        Assert.Empty(_branch.Handler.Calls);
        Assert.Equal(0, _branch.Log.LastSequence);
    }

    [Fact]
    public async Task RefusedRequest_RepeatedAfterTheDayOpened_GetsTheSameRefusal_AndNoTicket()
    {
        JsonElement refused = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "early");
        await SendAsync("open-day", "", "open");
        JsonElement again = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "early", nth: 2);

        Assert.Equal("day_not_open", refused.GetProperty("reason").GetString());
        Assert.Equal(refused.GetRawText(), again.GetRawText());
        Assert.Equal(0, _branch.Engine.TicketCount);
    }

    [Fact]
    public async Task OlderNotice_RepeatedAfterANewerOne_DoesNotComeBack()
    {
        JsonElement first = await SendAsync("broadcast-notice", """{"text":"Counter 3 closes at noon"}""", "n1");
        await SendAsync("broadcast-notice", """{"text":"All counters open"}""", "n2");
        JsonElement repeated = await SendAsync("broadcast-notice", """{"text":"Counter 3 closes at noon"}""", "n1", nth: 2);

        Assert.Equal(first.GetRawText(), repeated.GetRawText());
        Assert.Equal(["notice:Counter 3 closes at noon:", "Note", "notice:All counters open:", "Note"], _branch.Handler.Calls);
    }

    [Fact]
    public async Task DecidedRequests_AreRebuiltFromTheLog_ByTheNextLink()
    {
        await SendAsync("open-day", "", "open");
        JsonElement first = await SendAsync("issue-ticket", """{"service":"cash","tier":"vip","channel":"mobile"}""", "before-restart");

        // The branch restarts: a new link on the same log, nothing in memory but what the log holds.
        await _link.StopAsync();
        await _link.DisposeAsync();
        _link = _branch.CreateLink(TestBranch.Options(_broker.Endpoint));
        await _link.StartAsync();
        await Wait.UntilAsync(() => _link.IsConnected, s_long, "the new link to connect", () => _branch.Logger.Text);
        Assert.Equal(2, _link.RequestsRemembered);

        JsonElement again = await SendAsync("issue-ticket", """{"service":"cash","tier":"vip","channel":"mobile"}""", "before-restart", nth: 2);
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(1, _branch.Engine.TicketCount);
        Assert.Equal(1, _link.CommandsRepeated);
    }

    /// <summary>
    /// Sends a command as head office does (Response Topic + Correlation Data) and returns the
    /// <paramref name="nth"/> answer with that Correlation Data.
    /// </summary>
    private async Task<JsonElement> SendAsync(string name, string payload, string? correlationId = null, int nth = 1, string responseTopic = "office/replies/cmd-a")
    {
        byte[] correlation = Encoding.UTF8.GetBytes(correlationId ?? $"req-{Interlocked.Increment(ref _correlation)}");
        await _office.PublishAsync($"lobby/v1/cmd-a/commands/{name}", payload, responseTopic, correlation);
        List<Received> replies = [];
        await Wait.UntilAsync(
            () => (replies = [.. _office.Messages(responseTopic).Where(m => m.CorrelationData is not null && m.CorrelationData.AsSpan().SequenceEqual(correlation))]).Count >= nth,
            s_long,
            $"the answer to {name}",
            () => _branch.Logger.Text);
        Received reply = replies[nth - 1];
        Assert.Equal("application/json", reply.ContentType);
        return reply.Json;
    }
}
