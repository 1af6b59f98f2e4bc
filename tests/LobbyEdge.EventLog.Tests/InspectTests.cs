using System.Text;
using System.Text.Json;
using LobbyEdge.Engine;

namespace LobbyEdge.EventLog.Tests;

public sealed class InspectTests
{
    [Fact]
    public void Inspect_PrintsOneJsonObjectPerEvent_WithNamesAndTicketNumbers()
    {
        using var dir = new TempDir();
        long last;
        using (BranchLog log = BranchLog.Open(dir.Path))
        {
            Days.Run(1, events =>
            {
                log.Append(events);
                log.Commit();
            }, tickets: 40);
            last = log.LastSequence;
        }

        using var output = new MemoryStream();
        long written = LogInspector.Write(dir.Path, output, config: Days.Config());
        string[] lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(last, written);
        Assert.Equal(last, lines.Length);

        JsonElement[] events = [.. lines.Select(l => JsonDocument.Parse(l).RootElement)];
        Assert.Equal("lobby.day.opened", events[0].GetProperty("type").GetString());
        Assert.Equal("2026-11-23", events[0].GetProperty("businessDate").GetString());
        JsonElement issued = events.First(e => e.GetProperty("type").GetString() == "lobby.ticket.issued");
        Assert.Matches("^[AB]001$", issued.GetProperty("ticket").GetString());
        Assert.Contains(issued.GetProperty("service").GetString(), new[] { "cash", "noncash" });
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), events.Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.Equal("lobby.day.closed", events[^1].GetProperty("type").GetString());

        using var range = new MemoryStream();
        Assert.Equal(5, LogInspector.Write(dir.Path, range, from: 10, to: 14));
    }

    [Fact]
    public void Inspect_OfAFolderWithoutALog_SaysSo()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<DirectoryNotFoundException>(() => LogInspector.Write(Path.Combine(dir.Path, "nope"), Stream.Null));
        Assert.Contains("no event log", ex.Message);
    }

    [Fact]
    public void EventTypes_FollowTheHeadOfficeContract()
    {
        Assert.Equal("lobby.ticket.no_show", EventJson.TypeOf(EventKind.TicketNoShow));
        Assert.Equal("lobby.wait.care_needed", EventJson.TypeOf(EventKind.CareNeeded));
        Assert.Equal("lobby.device.status_changed", EventJson.TypeOf(EventKind.DeviceStatusChanged));
        Assert.Equal("lobby.ticket.issued", EventJson.TypeOf(EventKind.TicketIssued));
    }
}
