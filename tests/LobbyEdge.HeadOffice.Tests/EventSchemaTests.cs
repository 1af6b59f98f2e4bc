using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 15, item 3: every event type has a JSON Schema in the repository (<c>schemas/events</c>), and what the
/// <see cref="CloudEventWriter"/> writes for events of every kind validates against it. The real service's events
/// are validated in <see cref="EmittedEventSchemaTests"/>.
/// </summary>
public sealed class EventSchemaTests
{
    private static readonly BranchConfig s_config = TestBranch.CreateConfig("sh-pudong-001");
    private static readonly EventDevice[] s_devices = [new("keypad-1", "keypad"), new("printer-1", "printer"), new("lcd-3", "character_lcd")];

    [Fact]
    public void EveryEventKind_HasAType_AndASchemaFile_AndEverySchemaFileAType()
    {
        EventKind[] kinds = [.. Enum.GetValues<EventKind>().Where(k => k != EventKind.None)];
        foreach (EventKind kind in kinds)
        {
            string type = EventJson.TypeOf(kind);
            Assert.NotEqual("lobby.unknown", type);
            Assert.True(File.Exists(EventSchemas.Loaded.FileOf(kind)), $"{kind} ({type}) has no schema: add schemas/events/{type}.schema.json");
        }

        Assert.True(File.Exists(Path.Combine(EventSchemas.Loaded.Directory, EventSchemas.EnvelopeFile)));
        Assert.Equal(kinds.Select(EventJson.TypeOf).Order(StringComparer.Ordinal), EventSchemas.Loaded.Types.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EverySchema_IsDraft2020_12_WithItsTypeAsId_AndStrictData()
    {
        foreach (string type in EventSchemas.Loaded.Types)
        {
            JsonNode schema = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(type)))!;
            Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
            Assert.Equal("urn:lobby-edge:schema:events:" + type, (string?)schema["$id"]);
            Assert.Equal(type, (string?)schema["properties"]!["type"]!["const"]);
            JsonNode data = schema["properties"]!["data"]!;
            Assert.False((bool)data["additionalProperties"]!, $"{type}: data must not allow other fields");
            Assert.Contains("sequence", data["required"]!.AsArray().Select(n => (string?)n));
        }
    }

    [Fact]
    public void HandMadeEvents_OfEveryKind_ValidateAgainstTheirSchemas()
    {
        List<LobbyEvent> events = [.. HandMade()];
        Assert.Equal(
            Enum.GetValues<EventKind>().Where(k => k != EventKind.None).Order(),
            events.Select(e => e.Kind).Distinct().Order());
        foreach (LobbyEvent e in events)
        {
            using JsonDocument written = Write(e);
            EventSchemas.Loaded.AssertValid(written.RootElement);
        }
    }

    [Fact]
    public void DeviceEvent_NamesTheDeviceByProfileIdAndKind_WithSubject()
    {
        using JsonDocument written = Write(new LobbyEvent { Sequence = 9, Kind = EventKind.DeviceStatusChanged, Ticket = -1, Service = -1, NumberService = -1, Count = 1, Detail = (byte)DeviceStatus.PaperOut });
        JsonElement root = written.RootElement;
        Assert.Equal("device/printer-1", root.GetProperty("subject").GetString());
        Assert.Equal(
            """{"sequence":9,"time":"2026-11-30T01:00:00Z","type":"lobby.device.status_changed","device":"printer-1","kind":"printer","status":"paper_out"}""",
            root.GetProperty("data").GetRawText());

        // A device the profile does not have (a log written with another hardware profile) is still named.
        using JsonDocument unknown = Write(new LobbyEvent { Sequence = 10, Kind = EventKind.DeviceStatusChanged, Ticket = -1, Service = -1, NumberService = -1, Count = 7 });
        Assert.Equal("device/#7", unknown.RootElement.GetProperty("subject").GetString());
        Assert.Equal("unknown", unknown.RootElement.GetProperty("data").GetProperty("kind").GetString());
        EventSchemas.Loaded.AssertValid(unknown.RootElement);
    }

    [Theory]
    [InlineData("printer-entrance", "printer", true)]
    [InlineData("Printer.Lobby_2", "printer", true)]
    [InlineData("callers/keypad-1", "keypad", true)]
    [InlineData("callers/rating-12", "rating_pad", true)]
    [InlineData("displays@/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", "serial_line", true)]
    [InlineData("displays@/dev/ttyUSB0", "serial_line", true)]
    [InlineData("#7", "unknown", true)]
    [InlineData("", "printer", false)]
    [InlineData("printer entrance", "printer", false)]
    [InlineData("-printer", "printer", false)]
    [InlineData("callers/", "keypad", false)]
    [InlineData("callers/keypad-0", "keypad", false)]
    [InlineData("callers/pad-1", "keypad", false)]
    [InlineData("callers/keypad-1/x", "keypad", false)]
    [InlineData("displays@", "serial_line", false)]
    [InlineData("#x", "unknown", false)]
    public void DeviceEvent_TheSchemaTakesExactlyTheDeviceIdForms_InDataAndSubject(string id, string kind, bool valid)
    {
        // The forms the hardware profile gives devices (README, "Device ids"): a profile id, a pad on a keypad line,
        // the serial line shared by the displays on one port, and #index for a device the profile does not have.
        using JsonDocument written = Write(
            new LobbyEvent { Sequence = 2, Kind = EventKind.DeviceStatusChanged, Ticket = -1, Service = -1, NumberService = -1, Count = 0 },
            [new EventDevice(id, kind)]);
        Assert.Equal("device/" + id, written.RootElement.GetProperty("subject").GetString());
        Assert.Equal(id, written.RootElement.GetProperty("data").GetProperty("device").GetString());
        IReadOnlyList<string> problems = EventSchemas.Loaded.Problems(written.RootElement);
        Assert.True(valid == (problems.Count == 0), $"{id}: {string.Join("; ", problems)}");
    }

    [Fact]
    public void DayEvents_CarryTheBusinessDateAndConfigurationVersion_AndNoTicketFields()
    {
        // The engine leaves the ticket fields of a day event at 0: before issue 15 that printed "service":"cash".
        var date = new DateOnly(2026, 11, 30);
        using JsonDocument opened = Write(new LobbyEvent { Sequence = 1, Kind = EventKind.DayOpened, A = date.DayNumber, B = 6 });
        Assert.Equal("2026-11-30", opened.RootElement.GetProperty("subject").GetString());
        Assert.Equal(
            """{"sequence":1,"time":"2026-11-30T01:00:00Z","type":"lobby.day.opened","businessDate":"2026-11-30","configurationVersion":6}""",
            opened.RootElement.GetProperty("data").GetRawText());

        using JsonDocument old = Write(new LobbyEvent { Sequence = 1, Kind = EventKind.DayOpened, A = date.DayNumber });
        Assert.Equal(JsonValueKind.Null, old.RootElement.GetProperty("data").GetProperty("configurationVersion").ValueKind);

        using JsonDocument closed = Write(new LobbyEvent { Sequence = 2, Kind = EventKind.DayClosed, A = date.DayNumber });
        Assert.Equal(
            """{"sequence":2,"time":"2026-11-30T01:00:00Z","type":"lobby.day.closed","businessDate":"2026-11-30"}""",
            closed.RootElement.GetProperty("data").GetRawText());
    }

    [Theory]
    [InlineData(ConfigurationChange.Live, ConfigurationSource.HeadOffice, "live", "head_office")]
    [InlineData(ConfigurationChange.AtNextOpening, ConfigurationSource.Rollback, "next_opening", "rollback")]
    [InlineData(ConfigurationChange.TookEffect, ConfigurationSource.Profile, "took_effect", "profile")]
    public void ConfigChanged_CarriesVersionHashChangeAndSource(ConfigurationChange change, ConfigurationSource source, string changeName, string sourceName)
    {
        using JsonDocument written = Write(new LobbyEvent
        {
            Sequence = 5,
            Kind = EventKind.ConfigurationChanged,
            Ticket = -1,
            Service = -1,
            NumberService = -1,
            A = 6,
            B = unchecked((long)0x9f3c0a1b2c3d4e5fUL),
            Detail = (byte)change,
            Reason = (byte)source,
        });
        JsonElement root = written.RootElement;
        Assert.Equal("lobby.config.changed", root.GetProperty("type").GetString());
        Assert.Equal("configuration/6", root.GetProperty("subject").GetString());
        Assert.Equal(
            $$"""{"sequence":5,"time":"2026-11-30T01:00:00Z","type":"lobby.config.changed","version":6,"hash":"9f3c0a1b2c3d4e5f","change":"{{changeName}}","source":"{{sourceName}}"}""",
            root.GetProperty("data").GetRawText());
        EventSchemas.Loaded.AssertValid(root);
    }

    [Fact]
    public void TicketCalled_SoonerThanPredicted_HasANegativePredictionError_NotNull()
    {
        using JsonDocument written = Write(Ticket(EventKind.TicketCalled, counter: 3, a: 301_000, b: -12_500, reason: 3) with { Sequence = 4 });
        JsonElement data = written.RootElement.GetProperty("data");
        Assert.Equal(301, data.GetProperty("waitSeconds").GetDouble());
        Assert.Equal(-12.5, data.GetProperty("predictionErrorSeconds").GetDouble());
        EventSchemas.Loaded.AssertValid(written.RootElement);
    }

    [Fact]
    public void Subjects_NameWhatTheEventIsAbout()
    {
        Assert.Equal("A0023", Subject(Ticket(EventKind.TicketCalled, counter: 3)));
        Assert.Equal("counter/3", Subject(new LobbyEvent { Kind = EventKind.CounterStateChanged, Ticket = -1, Service = -1, NumberService = -1, Counter = 3 }));
        Assert.Equal("counter/2", Subject(new LobbyEvent { Kind = EventKind.TicketRated, Ticket = -1, Service = -1, NumberService = -1, Counter = 2, Count = 4, Detail = (byte)RatingScale.Pad5, A = -1 }));
        Assert.Equal("request/0000000000001234", Subject(new LobbyEvent { Kind = EventKind.RequestDecided, Ticket = -1, Service = -1, NumberService = -1, A = 0x1234, B = 1 }));
        Assert.Null(Subject(new LobbyEvent { Kind = EventKind.ClockStepped, Ticket = -1, Service = -1, NumberService = -1 }));
    }

    [Fact]
    public void TheSchemas_RefuseWhatTheyShould_NotOnlyAcceptEverything()
    {
        using JsonDocument written = Write(new LobbyEvent { Sequence = 1, Kind = EventKind.DayOpened, A = new DateOnly(2026, 11, 30).DayNumber, B = 6 });
        JsonNode valid = JsonNode.Parse(written.RootElement.GetRawText())!;
        Assert.Empty(EventSchemas.Loaded.Problems(written.RootElement));

        // The old day event's ticket field, a data field of another type, a missing field, a wrong type, an
        // envelope attribute that does not exist, a subject of the wrong shape, a type without a schema.
        Assert.NotEmpty(Problems(valid, n => n["data"]!["service"] = "cash"));
        Assert.NotEmpty(Problems(valid, n => n["data"]!["ticket"] = "A001"));
        Assert.NotEmpty(Problems(valid, n => n["data"]!.AsObject().Remove("businessDate")));
        Assert.NotEmpty(Problems(valid, n => n["data"]!["configurationVersion"] = "6"));
        Assert.NotEmpty(Problems(valid, n => n["partition"] = "x"));
        Assert.NotEmpty(Problems(valid, n => n["subject"] = "A001"));
        Assert.NotEmpty(Problems(valid, n => n["sequence"] = "1"));
        Assert.NotEmpty(Problems(valid, n => n["type"] = "lobby.day.reopened"));

        using JsonDocument device = Write(new LobbyEvent { Sequence = 2, Kind = EventKind.DeviceStatusChanged, Ticket = -1, Service = -1, NumberService = -1, Count = 1 });
        JsonNode deviceNode = JsonNode.Parse(device.RootElement.GetRawText())!;
        Assert.NotEmpty(Problems(deviceNode, n => n["data"]!["device"] = 1));
        Assert.NotEmpty(Problems(deviceNode, n => n["data"]!["status"] = "sleepy"));
    }

    [Fact]
    public void TheSchemasEnums_AreTheEnginesNames_SoANewRefusalOrCommandNeedsTheSchemaToo()
    {
        JsonNode decided = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(EventKind.RequestDecided)))!["properties"]!["data"]!["properties"]!;
        Assert.Equal(
            ["accepted", .. Enum.GetValues<RefusalReason>().Where(r => r != RefusalReason.None).Select(r => RefusalNames.Of(r))],
            decided["outcome"]!["enum"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(
            Enum.GetValues<CommandKind>().Select(k => Snake(k.ToString())),
            decided["command"]!["enum"]!.AsArray().Select(n => (string)n!));
        JsonNode device = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(EventKind.DeviceStatusChanged)))!["properties"]!["data"]!["properties"]!;
        Assert.Equal(
            Enum.GetValues<DeviceStatus>().Select(CloudEventWriter.StatusName),
            device["status"]!["enum"]!.AsArray().Select(n => (string)n!));
        JsonNode counter = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(EventKind.CounterStateChanged)))!["properties"]!["data"]!["properties"]!;
        Assert.Equal(
            Enum.GetValues<CounterState>().Select(s => Snake(s.ToString())),
            counter["state"]!["enum"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void AdviceEvents_CarryTheirFiguresAsShares_AndTheCounterAsSubject()
    {
        using JsonDocument issued = Write(new LobbyEvent { Sequence = 7, Kind = EventKind.AdviceIssued, Ticket = -1, NumberService = -1, Counter = 7, Service = 0, Count = 3, Detail = (byte)AdviceKind.Open, A = 4012, B = 8800, Number = 6, Reason = 30 });
        Assert.Equal("counter/7", issued.RootElement.GetProperty("subject").GetString());
        Assert.Equal(
            """{"sequence":7,"time":"2026-11-30T01:00:00Z","type":"lobby.advice.issued","service":"cash","counter":7,"adviceId":3,"kind":"open","serviceLevelNow":0.4012,"serviceLevelWith":0.88,"pastCareAvoided":6,"horizonMinutes":30}""",
            issued.RootElement.GetProperty("data").GetRawText());

        // An advice for no one service says so; the answer carries who answered and how long it took.
        using JsonDocument pause = Write(new LobbyEvent { Sequence = 8, Kind = EventKind.AdviceIssued, Ticket = -1, NumberService = -1, Service = -1, Counter = 2, Count = 4, Detail = (byte)AdviceKind.Pause, A = 9500, B = 9400, Number = -1, Reason = 30 });
        Assert.Equal(JsonValueKind.Null, pause.RootElement.GetProperty("data").GetProperty("service").ValueKind);
        Assert.Equal("pause", pause.RootElement.GetProperty("data").GetProperty("kind").GetString());
        using JsonDocument answered = Write(new LobbyEvent { Sequence = 9, Kind = EventKind.AdviceAnswered, Ticket = -1, NumberService = -1, Service = -1, Counter = 2, Count = 4, Detail = (byte)AdviceAnswer.Dismissed, A = 61_000, B = 1007 });
        Assert.Equal(
            """{"sequence":9,"time":"2026-11-30T01:00:00Z","type":"lobby.advice.answered","counter":2,"service":null,"adviceId":4,"answer":"dismissed","answeredAfterMs":61000,"staff":1007}""",
            answered.RootElement.GetProperty("data").GetRawText());

        using JsonDocument chosen = Write(new LobbyEvent { Sequence = 10, Kind = EventKind.SelfServiceChosen, Ticket = -1, NumberService = -1, Service = 0, Count = 9, A = 1_260_000 });
        Assert.Equal("service/cash", chosen.RootElement.GetProperty("subject").GetString());
        Assert.Equal(
            """{"sequence":10,"time":"2026-11-30T01:00:00Z","type":"lobby.kiosk.self_service_chosen","service":"cash","predictedWaitMs":1260000,"waiting":9}""",
            chosen.RootElement.GetProperty("data").GetRawText());
        foreach (JsonDocument d in new[] { issued, pause, answered, chosen })
        {
            EventSchemas.Loaded.AssertValid(d.RootElement);
        }

        // The schemas hold the shapes: a share above 1, an unknown kind or answer, a missing figure are refused.
        JsonNode valid = JsonNode.Parse(issued.RootElement.GetRawText())!;
        Assert.NotEmpty(Problems(valid, n => n["data"]!["serviceLevelWith"] = 88));
        Assert.NotEmpty(Problems(valid, n => n["data"]!["kind"] = "hire"));
        Assert.NotEmpty(Problems(valid, n => n["data"]!.AsObject().Remove("pastCareAvoided")));
        Assert.NotEmpty(Problems(valid, n => n["data"]!["ticket"] = "A001"));
        JsonNode answer = JsonNode.Parse(answered.RootElement.GetRawText())!;
        Assert.NotEmpty(Problems(answer, n => n["data"]!["answer"] = "maybe"));
        Assert.NotEmpty(Problems(answer, n => n["data"]!["answeredAfterMs"] = -1));
        JsonNode self = JsonNode.Parse(chosen.RootElement.GetRawText())!;
        Assert.NotEmpty(Problems(self, n => n["data"]!["service"] = null));
        Assert.NotEmpty(Problems(self, n => n["subject"] = "counter/1"));
    }

    [Fact]
    public void AdviceKindAndAnswerNames_AreTheSchemasEnums()
    {
        JsonNode issued = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(EventKind.AdviceIssued)))!["properties"]!["data"]!["properties"]!;
        Assert.Equal(
            Enum.GetValues<AdviceKind>().Where(k => k != AdviceKind.None).Select(EventJson.AdviceKindName),
            issued["kind"]!["enum"]!.AsArray().Select(n => (string)n!));
        JsonNode answered = JsonNode.Parse(File.ReadAllText(EventSchemas.Loaded.FileOf(EventKind.AdviceAnswered)))!["properties"]!["data"]!["properties"]!;
        Assert.Equal(
            Enum.GetValues<AdviceAnswer>().Where(a => a != AdviceAnswer.None).Select(EventJson.AdviceAnswerName),
            answered["answer"]!["enum"]!.AsArray().Select(n => (string)n!));
    }

    /// <summary>Events of every kind, as the engine makes them (ticket fields set or -1 as each kind's documentation says).</summary>
    internal static IEnumerable<LobbyEvent> HandMade()
    {
        long s = 100;
        var date = new DateOnly(2026, 11, 30);
        LobbyEvent none = new() { Ticket = -1, Service = -1, NumberService = -1 };
        yield return new LobbyEvent { Sequence = ++s, Kind = EventKind.DayOpened, A = date.DayNumber, B = 3 };
        yield return new LobbyEvent { Sequence = ++s, Kind = EventKind.DayOpened, A = date.DayNumber };
        yield return Ticket(EventKind.TicketIssued, count: 4, a: 240_000, b: 420_000) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketIssued, count: 0, a: -1, b: -1, detail: 1) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketCalled, counter: 3, a: 301_000, b: -12_000, reason: 3) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketCalled, counter: 3, detail: (byte)CallSource.CallBack) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketRecalled, counter: 3, count: 1) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketStarted, counter: 3, detail: 1) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketCompleted, counter: 3, a: 95_500) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketNoShow, counter: 3, count: 2) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketRecovered, count: 2, b: 1007) with { Sequence = ++s };
        yield return Ticket(EventKind.RecoveryRefused, reason: (byte)RefusalReason.ToleranceMinutesExceeded) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketTransferred, counter: 3, b: 1, count: 0, detail: (byte)Placement.Front) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketCancelled, reason: (byte)CancelReason.PrintFailed) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketAbandoned, reason: (byte)AbandonReason.NoShowExpired, detail: (byte)RefusalReason.ToleranceCallsExceeded) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketAbandoned, reason: (byte)AbandonReason.WaitingAtClose) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketParked, counter: 3) with { Sequence = ++s };
        yield return Ticket(EventKind.CareNeeded, count: 1, a: 900_000) with { Sequence = ++s };
        yield return Ticket(EventKind.SlaBreached, a: 1_200_000) with { Sequence = ++s };
        yield return none with { Sequence = ++s, Kind = EventKind.CounterStateChanged, Counter = 3, Detail = (byte)CounterState.Paused, Reason = (byte)CounterState.Standby, A = 61_000 };
        yield return none with { Sequence = ++s, Kind = EventKind.DeviceStatusChanged, Count = 1, Detail = (byte)DeviceStatus.CoverOpen };
        yield return none with { Sequence = ++s, Kind = EventKind.DeviceStatusChanged, Count = 2, Detail = (byte)DeviceStatus.Offline };
        yield return Ticket(EventKind.RequestDecided, count: 1, a: 0x0123456789abcdef, b: -1, detail: (byte)CommandKind.Issue) with { Sequence = ++s, Counter = 0 };
        yield return none with { Sequence = ++s, Kind = EventKind.RequestDecided, A = 77, B = 78, Detail = (byte)CommandKind.OpenDay, Reason = (byte)RefusalReason.DayAlreadyClosed };
        yield return none with { Sequence = ++s, Kind = EventKind.ClockStepped, A = -90_000, B = 90_000, Detail = 0, Reason = 1 };
        yield return Ticket(EventKind.CareGiven, a: 42_000, b: 1007, count: 1, detail: 1) with { Sequence = ++s };
        yield return Ticket(EventKind.CareGiven, a: -1, count: 2) with { Sequence = ++s };
        yield return Ticket(EventKind.TierChanged, detail: (byte)Tier.Normal, count: 0, b: 31) with { Sequence = ++s, Tier = Tier.Vip };
        yield return Ticket(EventKind.TicketDiverted, a: 1, count: 2, detail: (byte)Placement.ByAge, b: 31) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketReprinted, count: 1) with { Sequence = ++s };
        yield return Ticket(EventKind.RatingRequested, counter: 3, count: 1, a: 4_000) with { Sequence = ++s };
        yield return Ticket(EventKind.TicketRated, counter: 3, count: 2, detail: (byte)RatingScale.Pad5, reason: (byte)(RatingReasons.Waiting | RatingReasons.Cost), a: 754_321, b: 1) with { Sequence = ++s };
        yield return none with { Sequence = ++s, Kind = EventKind.TicketRated, Counter = 2, Count = 9, Detail = (byte)RatingScale.Nps11, A = -1 };
        yield return none with { Sequence = ++s, Kind = EventKind.ConfigurationChanged, A = 4, B = 0x0102030405060708, Detail = (byte)ConfigurationChange.AtNextOpening, Reason = (byte)ConfigurationSource.HeadOffice };
        yield return none with { Sequence = ++s, Kind = EventKind.AdviceIssued, Counter = 7, Service = 1, Count = 1, Detail = (byte)AdviceKind.Open, A = 4000, B = 8812, Number = 6, Reason = 30 };
        yield return none with { Sequence = ++s, Kind = EventKind.AdviceIssued, Counter = 2, Count = 2, Detail = (byte)AdviceKind.Pause, A = 9500, B = 9400, Number = -1, Reason = 30 };
        yield return none with { Sequence = ++s, Kind = EventKind.AdviceAnswered, Counter = 7, Service = 1, Count = 1, Detail = (byte)AdviceAnswer.Accepted, A = 95_000, B = 1007 };
        yield return none with { Sequence = ++s, Kind = EventKind.AdviceAnswered, Counter = 2, Count = 2, Detail = (byte)AdviceAnswer.Dismissed, A = 0 };
        yield return none with { Sequence = ++s, Kind = EventKind.SelfServiceChosen, Service = 0, Count = 9, A = 1_260_000 };
        yield return none with { Sequence = ++s, Kind = EventKind.SelfServiceChosen, Service = 0, Count = 0, A = -1 };
        yield return new LobbyEvent { Sequence = ++s, Kind = EventKind.DayClosed, A = date.DayNumber };
    }

    private static LobbyEvent Ticket(EventKind kind, int counter = 0, int count = 0, long a = 0, long b = 0, byte detail = 0, byte reason = 0) => new()
    {
        Kind = kind,
        Ticket = 22,
        Number = 23,
        NumberService = 0,
        Service = 0,
        Tier = Tier.Normal,
        Counter = (short)counter,
        Count = count,
        A = a,
        B = b,
        Detail = detail,
        Reason = reason,
    };

    private static JsonDocument Write(LobbyEvent e, EventDevice[]? devices = null)
    {
        e = e with { TimeTicks = new DateTime(2026, 11, 30, 1, 0, 0, DateTimeKind.Utc).Ticks };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CloudEventWriter.Write(writer, in e, new HeadOfficeTopics(s_config.BranchId), s_config, devices ?? s_devices);
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    private static string? Subject(LobbyEvent e) => CloudEventWriter.SubjectOf(in e, s_config, s_devices);

    private static IReadOnlyList<string> Problems(JsonNode valid, Action<JsonNode> spoil)
    {
        JsonNode copy = valid.DeepClone();
        spoil(copy);
        using JsonDocument document = JsonDocument.Parse(copy.ToJsonString());
        return EventSchemas.Loaded.Problems(document.RootElement);
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
