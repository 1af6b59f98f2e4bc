using System.Buffers;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>The CloudEvents of customer ratings (issue 13): <c>lobby.ticket.rated</c> and <c>lobby.ticket.rating_requested</c>.</summary>
public sealed class RatingCloudEventTests
{
    private const string Envelope = """{"specversion":"1.0","id":"sh-pudong-001:7","source":"urn:lobby-edge:sh-pudong-001","type":"TYPE","subject":"SUBJECT","time":"2026-11-23T01:42:10Z","sequence":"00000000000000000007","datacontenttype":"application/json","data":{"sequence":7,"time":"2026-11-23T01:42:10Z","DATA}}""";

    [Fact]
    public void RatedLinked_CarriesTheTicketScoreScaleReasonsWaitAndCare()
    {
        string json = Write(new LobbyEvent
        {
            Kind = EventKind.TicketRated,
            Ticket = 22,
            Number = 23,
            NumberService = 0,
            Service = 1,
            Tier = Tier.Priority,
            Counter = 4,
            Count = 6,
            Detail = (byte)RatingScale.Nps11,
            Reason = (byte)(RatingReasons.Waiting | RatingReasons.Confusing | RatingReasons.Cost),
            A = 754_321,
            B = 2,
        });
        Assert.Equal(Expected("lobby.ticket.rated", "A0023",
            """type":"lobby.ticket.rated","ticketId":22,"ticket":"A0023","tier":"priority","service":"noncash","counter":4,"score":6,"scale":"nps11","reasons":["waiting","confusing","cost"],"linked":true,"waitSeconds":754.321,"careGiven":2"""), json);
    }

    [Fact]
    public void RatedUnlinked_CarriesTheCounterAndScoreOnly()
    {
        string json = Write(new LobbyEvent
        {
            Kind = EventKind.TicketRated,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            Counter = 2,
            Count = 5,
            Detail = (byte)RatingScale.Pad5,
            A = -1,
        });
        Assert.Equal(Expected("lobby.ticket.rated", "counter/2",
            """type":"lobby.ticket.rated","counter":2,"score":5,"scale":"pad5","reasons":[],"linked":false"""), json);
    }

    [Fact]
    public void RatingRequested_CarriesTheTicketThePromptNumberAndTheTimeSinceTheFinish()
    {
        string json = Write(new LobbyEvent
        {
            Kind = EventKind.RatingRequested,
            Ticket = 22,
            Number = 23,
            NumberService = 0,
            Service = 0,
            Counter = 4,
            Count = 2,
            A = 31_500,
        });
        Assert.Equal(Expected("lobby.ticket.rating_requested", "A0023",
            """type":"lobby.ticket.rating_requested","ticketId":22,"ticket":"A0023","tier":"normal","service":"cash","counter":4,"prompt":2,"sinceFinishSeconds":31.5"""), json);
        using JsonDocument parsed = JsonDocument.Parse(json);
        Assert.Equal("lobby.ticket.rating_requested", parsed.RootElement.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(RefusalReason.AlreadyRated, "already_rated")]
    [InlineData(RefusalReason.NothingToRate, "nothing_to_rate")]
    [InlineData(RefusalReason.ScoreOutOfRange, "score_out_of_range")]
    public void TheRatingRefusals_HaveTheirWireNames(RefusalReason refusal, string wireName)
    {
        string json = Write(new LobbyEvent
        {
            Kind = EventKind.RequestDecided,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            A = 0x1234,
            B = 0x5678,
            Detail = (byte)CommandKind.Rate,
            Reason = (byte)refusal,
        });
        using JsonDocument parsed = JsonDocument.Parse(json);
        JsonElement data = parsed.RootElement.GetProperty("data");
        Assert.Equal("rate", data.GetProperty("command").GetString());
        Assert.Equal(wireName, data.GetProperty("outcome").GetString());
    }

    private static string Expected(string type, string subject, string data) =>
        Envelope.Replace("TYPE", type, StringComparison.Ordinal).Replace("SUBJECT", subject, StringComparison.Ordinal).Replace("DATA", data, StringComparison.Ordinal);

    private static string Write(LobbyEvent e)
    {
        BranchConfig config = TestBranch.CreateConfig("sh-pudong-001");
        e = e with { Sequence = 7, TimeTicks = new DateTime(2026, 11, 23, 1, 42, 10, DateTimeKind.Utc).Ticks };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.Write(writer, in e, new HeadOfficeTopics(config.BranchId), config);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
