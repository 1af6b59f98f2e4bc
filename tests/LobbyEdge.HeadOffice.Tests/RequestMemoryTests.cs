using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>The identity of a head-office request, its record in the log and the branch's memory of it, without a broker.</summary>
public sealed class RequestMemoryTests : IDisposable
{
    private readonly TestBranch _branch = new("mem-a");

    public void Dispose() => _branch.Dispose();

    [Fact]
    public void Key_IsWhatTheContractSays_SoHeadOfficeCanWorkItOut()
    {
        byte[] correlation = [1, 2, 3, 0xff];
        RequestKey byCorrelation = Identity("issue-ticket", """{"service":"cash","channel":"mobile"}""", "office/replies/a", correlation);
        Assert.Equal(Sha("lobby-request-v1\nmqtt\noffice/replies/a\n"u8.ToArray().Concat(correlation).ToArray()), byCorrelation.Id);

        RequestKey byId = Identity("issue-ticket", """{"service":"cash","requestId":"app-7f3a","channel":"mobile"}""", "office/replies/a", correlation);
        Assert.Equal(Sha(Encoding.UTF8.GetBytes("lobby-request-v1\nid\napp-7f3a")), byId.Id);
        Assert.Equal(Sha(Encoding.UTF8.GetBytes("lobby-command-v1\nissue-ticket\nchannel\0\"mobile\"\nservice\0\"cash\"\n")), byId.Fingerprint);
        string text = RequestIdentity.Text(byId.Id);
        Assert.Matches("^[0-9a-f]{16}$", text);
        Assert.Equal(byId.Id, Convert.ToInt64(text, 16));
    }

    [Fact]
    public void Identity_ComesFromTheRequestId_ElseCorrelationDataAndResponseTopic_ElseThereIsNone()
    {
        const string Payload = """{"service":"cash","channel":"mobile"}""";
        RequestKey a = Identity("issue-ticket", Payload, "r/1", [7]);
        Assert.False(a.IsNone);
        Assert.Equal(a, Identity("issue-ticket", """{ "channel" : "mobile", "service" : "cash" }""", "r/1", [7]));
        Assert.NotEqual(a.Id, Identity("issue-ticket", Payload, "r/2", [7]).Id);
        Assert.NotEqual(a.Id, Identity("issue-ticket", Payload, "r/1", [8]).Id);
        Assert.Equal(a.Id, Identity("issue-ticket", """{"service":"noncash","channel":"mobile"}""", "r/1", [7]).Id);
        Assert.NotEqual(a.Fingerprint, Identity("issue-ticket", """{"service":"noncash","channel":"mobile"}""", "r/1", [7]).Fingerprint);
        Assert.NotEqual(a.Fingerprint, Identity("open-day", Payload, "r/1", [7]).Fingerprint);

        RequestKey withId = Identity("issue-ticket", """{"requestId":"x-1","service":"cash","channel":"mobile"}""", "r/1", [7]);
        Assert.Equal(withId, Identity("issue-ticket", """{"service":"cash","channel":"mobile","requestId":"x-1"}""", "r/9", [9, 9]));
        Assert.Equal(withId, Identity("issue-ticket", """{"service":"cash","channel":"mobile","requestId":"x-1"}""", null, null));
        Assert.Equal(a.Fingerprint, withId.Fingerprint);

        Assert.True(Identity("open-day", "", "r/1", null).IsNone);
        Assert.True(Identity("open-day", "", null, []).IsNone);
        Assert.True(Identity("open-day", """{"requestId":""}""", "r/1", null).IsNone);
        Assert.True(Identity("open-day", """{"requestId":7}""", "r/1", null).IsNone);
        Assert.False(Identity("open-day", "not json", "r/1", [1]).IsNone);
    }

    [Fact]
    public async Task Memory_HoldsTheRequestsOfTheWindow_WithTheirOutcome_AndReadsNewOnesFromTheLog()
    {
        // Monday: two requests. Wednesday, more than the window later: one more.
        await Run(Command.OpenDay() with { Request = new RequestKey(1, 10) });
        CommandResult monday = await Run(Command.Issue(0, Tier.Vip) with { Request = new RequestKey(2, 20) });
        await Run(Command.CloseDay());
        _branch.CommandTime += TimeSpan.FromDays(2);
        await Run(Command.OpenDay());
        await Run(Command.Issue(1) with { Request = new RequestKey(3, 30) });

        using (var memory = new RequestMemory(_branch.Log, TimeSpan.FromHours(25), capacity: 100))
        {
            memory.Start();
            Assert.Equal(1, memory.Count);
            Assert.False(memory.TryFind(2, out _));
            Assert.True(memory.TryFind(3, out DecidedRequest wednesday));
            Assert.Equal((30L, CommandKind.Issue, RefusalReason.None), (wednesday.Fingerprint, wednesday.Command, wednesday.Result.Refusal));

            // Read on from the log: a request decided after the start, and a refusal.
            CommandResult later = await Run(Command.Issue(0) with { Request = new RequestKey(4, 40) });
            await Run(Command.OpenDay() with { Request = new RequestKey(5, 50) });
            Assert.True(memory.TryFind(4, out DecidedRequest found));
            Assert.Equal(later with { EventCount = 0 }, found.Result);
            Assert.True(memory.TryFind(5, out DecidedRequest refused));
            Assert.Equal(RefusalReason.DayAlreadyOpen, refused.Result.Refusal);
        }

        // A window that reaches Monday: the ticket's whole answer (people ahead, predicted waits) comes back.
        using var wide = new RequestMemory(_branch.Log, TimeSpan.FromDays(3), capacity: 100);
        wide.Start();
        Assert.Equal(5, wide.Count);
        Assert.True(wide.TryFind(2, out DecidedRequest first));
        Assert.Equal(monday with { EventCount = 0 }, first.Result);

        // Capacity: the oldest are forgotten first, and counted.
        using var small = new RequestMemory(_branch.Log, TimeSpan.FromDays(3), capacity: 2);
        small.Start();
        Assert.Equal(2, small.Count);
        Assert.Equal(3, small.Dropped);
        Assert.True(small.TryFind(5, out _));
    }

    [Fact]
    public void RequestDecided_ShipsAsLobbyRequestDecided_AndEveryEventKindHasAType()
    {
        BranchConfig config = TestBranch.CreateConfig("sh-pudong-001");
        var e = new LobbyEvent
        {
            Sequence = 9,
            TimeTicks = new DateTime(2026, 11, 23, 1, 0, 0, DateTimeKind.Utc).Ticks,
            Kind = EventKind.RequestDecided,
            A = 0x0123_4567_89ab_cdef,
            B = -1,
            Detail = (byte)CommandKind.Issue,
            Count = 1,
            Ticket = 4,
            Number = 5,
            NumberService = 1,
            Service = 1,
            Tier = Tier.Vip,
        };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.Write(writer, in e, new HeadOfficeTopics(config.BranchId), config);
        }

        Assert.Equal(
            """{"specversion":"1.0","id":"sh-pudong-001:9","source":"urn:lobby-edge:sh-pudong-001","type":"lobby.request.decided","subject":"request/0123456789abcdef","time":"2026-11-23T01:00:00Z","sequence":"00000000000000000009","datacontenttype":"application/json","data":{"sequence":9,"time":"2026-11-23T01:00:00Z","type":"lobby.request.decided","ticketId":4,"ticket":"B0005","tier":"vip","service":"noncash","requestKey":"0123456789abcdef","fingerprint":"ffffffffffffffff","command":"issue","outcome":"accepted","effectEvents":1}}""",
            Encoding.UTF8.GetString(buffer.WrittenSpan));

        foreach (EventKind kind in Enum.GetValues<EventKind>().Where(k => k != EventKind.None))
        {
            Assert.NotEqual("lobby.unknown", LobbyEdge.EventLog.EventJson.TypeOf(kind));
        }
    }

    private static RequestKey Identity(string name, string payload, string? responseTopic, byte[]? correlation) =>
        RequestIdentity.Of(name, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), responseTopic, correlation);

    private static long Sha(byte[] data)
    {
        long key = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(data));
        return key == 0 ? 1 : key;
    }

    private async Task<CommandResult> Run(Command command) => await _branch.Handler.ExecuteAsync(command, CancellationToken.None);
}
