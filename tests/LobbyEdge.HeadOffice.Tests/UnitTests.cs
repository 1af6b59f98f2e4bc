using System.Buffers;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>The parts without a broker: envelope, options, topics, command validation, back-off.</summary>
public sealed class UnitTests
{
    [Fact]
    public void CloudEvent_IsExactlyTheContractsEnvelope()
    {
        BranchConfig config = TestBranch.CreateConfig("sh-pudong-001");
        var e = new LobbyEvent
        {
            Sequence = 48213,
            TimeTicks = new DateTime(2026, 11, 23, 1, 42, 10, 512, DateTimeKind.Utc).Ticks,
            Kind = EventKind.TicketIssued,
            Ticket = 22,
            Number = 23,
            NumberService = 0,
            Service = 0,
            Tier = Tier.Normal,
            Count = 4,
            A = 240_000,
            B = -1,
        };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.Write(writer, in e, new HeadOfficeTopics(config.BranchId), config);
        }

        Assert.Equal(
            """{"specversion":"1.0","id":"sh-pudong-001:48213","source":"urn:lobby-edge:sh-pudong-001","type":"lobby.ticket.issued","subject":"A0023","time":"2026-11-23T01:42:10.512Z","sequence":"00000000000000048213","datacontenttype":"application/json","data":{"sequence":48213,"time":"2026-11-23T01:42:10.512Z","type":"lobby.ticket.issued","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","walkIn":false,"peopleAhead":4,"predictedWaitSeconds":240,"predictedWaitUpperSeconds":null}}""",
            Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData(EventKind.CareGiven, 90_000, 1007, 2, 1, Tier.Normal,
        """type":"lobby.wait.care_given","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","care":2,"answered":true,"responseSeconds":90,"pastThreshold":true,"staff":1007""")]
    [InlineData(EventKind.CareGiven, -1, 0, 1, 0, Tier.Vip,
        """type":"lobby.wait.care_given","ticketId":22,"ticket":"A0023","tier":"vip","service":"cash","care":1,"answered":false,"responseSeconds":null,"pastThreshold":false""")]
    [InlineData(EventKind.TierChanged, 0, 31, 3, (int)Tier.Normal, Tier.Vip,
        """type":"lobby.ticket.tier_changed","ticketId":22,"ticket":"A0023","tier":"vip","service":"cash","previousTier":"normal","position":3,"staff":31""")]
    [InlineData(EventKind.TicketDiverted, 1, 31, 0, (int)Placement.Front, Tier.Priority,
        """type":"lobby.ticket.diverted","ticketId":22,"ticket":"A0023","tier":"priority","service":"cash","fromService":"noncash","position":0,"placement":"front","staff":31""")]
    [InlineData(EventKind.TicketReprinted, 0, 0, 2, 0, Tier.Normal,
        """type":"lobby.ticket.reprinted","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","reprint":2""")]
    [InlineData(EventKind.TicketCancelled, 0, 42, 0, 0, Tier.Normal,
        """type":"lobby.ticket.cancelled","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","reason":"requested","staff":42""")]
    [InlineData(EventKind.TicketRecovered, 0, 42, 3, 0, Tier.Normal,
        """type":"lobby.ticket.recovered","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","position":3,"staff":42""")]
    [InlineData(EventKind.TicketRecovered, 0, 0, 3, 0, Tier.Normal,
        """type":"lobby.ticket.recovered","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","position":3""")]
    public void CloudEvent_OfTheLobbyManagersEvents_CarriesTheirFieldsAndTheStaffWhenThereIsOne(EventKind kind, long a, long staff, int count, int detail, Tier tier, string data)
    {
        BranchConfig config = TestBranch.CreateConfig("sh-pudong-001");
        var e = new LobbyEvent
        {
            Sequence = 7,
            TimeTicks = new DateTime(2026, 11, 23, 1, 42, 10, DateTimeKind.Utc).Ticks,
            Kind = kind,
            Ticket = 22,
            Number = 23,
            NumberService = 0,
            Service = 0,
            Tier = tier,
            Count = count,
            Detail = (byte)detail,
            A = a,
            B = staff,
        };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.Write(writer, in e, new HeadOfficeTopics(config.BranchId), config);
        }

        string type = LobbyEdge.EventLog.EventJson.TypeOf(kind);
        string envelope = """{"specversion":"1.0","id":"sh-pudong-001:7","source":"urn:lobby-edge:sh-pudong-001","type":"TYPE","subject":"A0023","time":"2026-11-23T01:42:10Z","sequence":"00000000000000000007","datacontenttype":"application/json","data":{"sequence":7,"time":"2026-11-23T01:42:10Z","DATA}}""";
        Assert.Equal(envelope.Replace("TYPE", type, StringComparison.Ordinal).Replace("DATA", data, StringComparison.Ordinal), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Topics_FollowTheContract_AndRefuseABranchIdMqttWouldMisread()
    {
        var topics = new HeadOfficeTopics("sh-pudong-001");
        Assert.Equal("lobby/v1/sh-pudong-001/events", topics.Events);
        Assert.Equal("lobby/v1/sh-pudong-001/status", topics.Status);
        Assert.Equal("lobby/v1/sh-pudong-001/state", topics.State);
        Assert.Equal("lobby/v1/sh-pudong-001/commands/+", topics.Commands);
        Assert.Equal("lobby-edge-sh-pudong-001", topics.ClientId);
        Assert.Throws<ArgumentException>(() => new HeadOfficeTopics("a/b"));
        Assert.Throws<ArgumentException>(() => new HeadOfficeTopics("a+"));
        Assert.Throws<ArgumentException>(() => new HeadOfficeTopics("#"));
    }

    [Theory]
    [InlineData("mqtt.example.com:8883", false, "mqtt.example.com", 8883)]
    [InlineData("mqtt.example.com", false, "mqtt.example.com", 1883)]
    [InlineData("mqtt.example.com", true, "mqtt.example.com", 8883)]
    [InlineData("10.1.2.3:1884", false, "10.1.2.3", 1884)]
    [InlineData("[::1]:1883", false, "::1", 1883)]
    [InlineData(" broker:1 ", false, "broker", 1)]
    public void BrokerEndpoint_Parses(string text, bool tls, string host, int port)
    {
        Assert.True(BrokerEndpoint.TryParse(text, tls, out BrokerEndpoint endpoint, out string problem), problem);
        Assert.Equal(new BrokerEndpoint(host, port), endpoint);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("broker:0", "port must be a number from 1 to 65535")]
    [InlineData("broker:70000", "port must be a number from 1 to 65535")]
    [InlineData("broker:mqtt", "port must be a number")]
    [InlineData("::1", "IPv6 address in brackets")]
    [InlineData("mqtt://broker:1883", "must be host:port")]
    [InlineData("[::1", "[address]:port")]
    public void BrokerEndpoint_RefusesWithAReason(string text, string reason)
    {
        Assert.False(BrokerEndpoint.TryParse(text, false, out _, out string problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_NameEveryBadKey()
    {
        var options = new HeadOfficeOptions
        {
            Brokers = ["good:1883", "bad:0"],
            KeepAliveSeconds = 0,
            MaxInFlight = 0,
            ReconnectMinSeconds = 5,
            ReconnectMaxSeconds = 1,
            PasswordFile = "/nonexistent/password",
            Tls = new HeadOfficeTlsOptions { ClientKeyFile = "/nonexistent/key" },
        };

        string[] fields = [.. options.Validate().Select(p => p.Field)];

        Assert.Equal(
            ["HeadOffice:Brokers:1", "HeadOffice:KeepAliveSeconds", "HeadOffice:MaxInFlight", "HeadOffice:ReconnectMaxSeconds", "HeadOffice:PasswordFile", "HeadOffice:Tls:ClientKeyFile", "HeadOffice:Tls:ClientCertFile"],
            fields);
        Assert.DoesNotContain(options.Validate(), p => p.Message.Contains("secret", StringComparison.Ordinal));
        Assert.Empty(new HeadOfficeOptions().Validate());
        Assert.False(new HeadOfficeOptions().IsActive);
        Assert.False(new HeadOfficeOptions { Brokers = ["b:1"], Enabled = false }.IsActive);
    }

    [Fact]
    public void Link_WithInvalidOptions_RefusesToBeMade()
    {
        using var branch = new TestBranch("unit-a");
        ArgumentException e = Assert.Throws<ArgumentException>(() => branch.CreateLink(new HeadOfficeOptions { Brokers = ["x:99999"] }));
        Assert.Contains("HeadOffice:Brokers:0: port must be", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backoff_DoublesPerFailedRound_CappedAndJittered()
    {
        using var branch = new TestBranch("unit-b");
        HeadOfficeOptions options = TestBranch.Options("127.0.0.1:1");
        options.ReconnectMinSeconds = 1;
        options.ReconnectMaxSeconds = 60;
        await using HeadOfficeLink link = branch.CreateLink(options);
        for (int failures = 0; failures < 12; failures++)
        {
            double ceiling = Math.Min(60, Math.Pow(2, failures));
            var delays = Enumerable.Range(0, 200).Select(_ => link.Backoff(failures).TotalSeconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, ceiling / 2, ceiling));

            // Jitter: not all the same (a thousand branches must not come back in the same second).
            Assert.True(delays.Max() - delays.Min() > ceiling / 10, $"no jitter at {failures}");
        }
    }

    [Fact]
    public void Commands_AreValidatedIntoEngineCommands()
    {
        BranchConfig config = TestBranch.CreateConfig("unit-c");
        DateTimeOffset now = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

        using HeadOfficeRequest? ticket = Read("issue-ticket", """{"channel":"appointment","service":"noncash"}""", config, now, out string? error);
        Assert.Null(error);
        Assert.Equal(Command.Issue(1, Tier.Normal), ticket!.Command);
        Assert.Equal("appointment", ticket.Channel);

        using HeadOfficeRequest? open = Read("open-day", "", config, now, out error);
        Assert.Equal(CommandKind.OpenDay, open!.Command.Kind);

        using HeadOfficeRequest? notice = Read("broadcast-notice", """{"text":" Lunch break 12:00-13:00 ","until":"2026-11-23T13:00:00+08:00"}""", config, now, out error);
        Assert.Equal("Lunch break 12:00-13:00", notice!.Text);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 5, 0, 0, TimeSpan.Zero), notice.Until);

        using HeadOfficeRequest? update = Read("update-configuration", """{"profile":{"branch":{"id":"b1"}},"expectVersion":3}""", config, now, out error);
        Assert.Equal("""{"branch":{"id":"b1"}}""", update!.Configuration!.ProfileText);
        Assert.Equal(3, update.Configuration.ExpectVersion);
        using HeadOfficeRequest? rollback = Read("rollback-configuration", "", config, now, out error);
        Assert.Equal((ConfigurationCommand.Rollback, null), (rollback!.Configuration!.Command, rollback.Configuration.Version));

        Assert.Null(Read("broadcast-notice", $$"""{"text":"{{new string('x', 501)}}"}""", config, now, out error));
        Assert.Equal("text: at most 500 characters (got 501)", error);
        Assert.Null(Read("broadcast-notice", """{"text":"Closed \u202Eat 15:00"}""", config, now, out error));
        Assert.Contains("U+202E", error, StringComparison.Ordinal);
        Assert.Null(Read("broadcast-notice", """{"text":"Line one\nline two"}""", config, now, out error));
        Assert.Contains("U+000A", error, StringComparison.Ordinal);
        Assert.Null(Read("issue-ticket", new string(' ', 70_000), config, now, out error));
        Assert.StartsWith("payload: too large", error, StringComparison.Ordinal);
        Assert.Null(Read("issue-ticket", """{"service":"cash","channel":"mobile","tier":null}""", config, now, out error));
        Assert.Equal("tier: must be a string, not null", error);
        Assert.Null(Read(new string('z', 200), "{}", config, now, out error));
        Assert.True(error!.Length < 300, "an unknown name is echoed cut short");
    }

    [Fact]
    public async Task NotifyCommitted_NeverBlocks_EvenWhenNothingListens()
    {
        using var branch = new TestBranch("unit-d");
        await using HeadOfficeLink link = branch.CreateLink(TestBranch.Options("127.0.0.1:1"));
        for (int i = 1; i <= 10_000; i++)
        {
            link.NotifyCommitted(i);
        }

        Assert.Equal(0, link.AcknowledgedSequence);
    }

    private static HeadOfficeRequest? Read(string name, string payload, BranchConfig config, DateTimeOffset now, out string? error) =>
        HeadOfficeCommandReader.Read(name, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), config, now, out error);
}
