using System.Globalization;
using System.Text;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// Issue 10, input 5: a head-office command delivered twice. The real <c>lobby-edge</c> process talks to a real
/// Mosquitto through <see cref="AckDroppingProxy"/>, which loses the branch's PUBACK for an <c>issue-ticket</c> and
/// cuts the connection; the broker redelivers the command (DUP) from the branch's persistent session. One request
/// must give one ticket and the same answer every time, also when the branch restarted in between.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CommandRedeliveryTests : IAsyncLifetime
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("lobby-redeliver-");
    private readonly string _branchId = "redeliver-001";
    private Mosquitto _broker = null!;
    private AckDroppingProxy _proxy = null!;
    private Observer _office = null!;
    private string _profile = "";
    private string _data = "";
    private ServiceProcess? _running;

    private string Replies => $"lobby/v1/{_branchId}/replies/office";

    private string CommandTopic(string name) => $"lobby/v1/{_branchId}/commands/{name}";

    public async Task InitializeAsync()
    {
        _broker = await Mosquitto.StartAsync();
        _proxy = new AckDroppingProxy(_broker.Port);
        _office = await Observer.ConnectAsync(_broker, [Replies, $"lobby/v1/{_branchId}/status"]);
        _profile = WriteProfile();
        _data = Path.Combine(_work.FullName, "data");
    }

    public async Task DisposeAsync()
    {
        await _office.DisposeAsync();
        await _proxy.DisposeAsync();
        await _broker.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task IssueTicket_WhosePubackIsLost_IsRedeliveredWithDup_AndGetsTheOriginalAnswer_NotASecondTicket()
    {
        await using ServiceProcess branch = await StartBranchAsync();
        await SendAsync("open-day", "", "open-1", replies: 1);

        _proxy.DropFirstAckFor(CommandTopic("issue-ticket"));
        List<Received> answers = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1", replies: 2);
        await _proxy.Cut.WaitAsync(s_long);
        Assert.True(_proxy.Redeliveries >= 1, "the broker never redelivered the command");

        // Both deliveries answered, byte for byte the same answer: the first ticket, once.
        Assert.Equal("A001", answers[0].Json.GetProperty("ticket").GetString());
        Assert.Equal(answers[0].Text, answers[1].Text);

        // A client that timed out and sends the request again (same Correlation Data) gets the same answer too;
        // a new request gets a new ticket.
        List<Received> retried = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-1", replies: 3);
        Assert.Equal(answers[0].Text, retried[2].Text);
        List<Received> next = await SendAsync("issue-ticket", """{"service":"cash","channel":"mobile"}""", "ticket-2", replies: 1);
        Assert.Equal("A002", next[0].Json.GetProperty("ticket").GetString());

        await branch.KillAsync();
        AssertTicketsInLog(["A001", "A002"]);
    }

    [Theory]
    [InlineData("open-day")]
    [InlineData("close-day")]
    public async Task DayCommand_WhosePubackIsLost_GetsTheOriginalAnswerOnRedelivery_NotARefusal(string name)
    {
        await using ServiceProcess branch = await StartBranchAsync();
        if (name == "close-day")
        {
            await SendAsync("open-day", "", "open-first", replies: 1);
        }

        _proxy.DropFirstAckFor(CommandTopic(name));
        List<Received> answers = await SendAsync(name, "", "day-1", replies: 2);
        await _proxy.Cut.WaitAsync(s_long);

        Assert.True(_proxy.Redeliveries >= 1, "the broker never redelivered the command");
        Assert.Equal(answers[0].Text, answers[1].Text);
    }

    [Fact]
    public async Task IssueTicket_RedeliveredAfterTheBranchRestarted_GetsTheOriginalAnswer_FromTheLog()
    {
        List<Received> answers;
        await using (ServiceProcess branch = await StartBranchAsync())
        {
            await SendAsync("open-day", "", "open-1", replies: 1);

            // The PUBACK is lost, and the branch cannot reach the broker again before it dies.
            _proxy.DropFirstAckFor(CommandTopic("issue-ticket"), closeAfterCut: true);
            answers = await SendAsync("issue-ticket", """{"service":"noncash","tier":"vip","channel":"appointment"}""", "ticket-r", replies: 1);
            await _proxy.Cut.WaitAsync(s_long);
            await branch.KillAsync();
        }

        // A new process on the same data directory; the broker still holds the unacknowledged command.
        await using ServiceProcess restarted = await StartBranchAsync(waitForLink: false);
        _proxy.Open = true;
        await Wait.UntilAsync(() => Answers("ticket-r").Count >= 2, s_long, "the answer to the redelivered command", () => string.Join(" | ", restarted.Lines.TakeLast(8).Select(ServiceProcess.Message)));
        answers = Answers("ticket-r");
        Assert.True(_proxy.Redeliveries >= 1, "the broker never redelivered the command");
        Assert.Equal("B001", answers[0].Json.GetProperty("ticket").GetString());
        Assert.Equal(answers[0].Text, answers[1].Text);

        await restarted.KillAsync();
        AssertTicketsInLog(["B001"]);
    }

    private async Task<ServiceProcess> StartBranchAsync(bool waitForLink = true)
    {
        int connectionsBefore = _proxy.Connections;
        var branch = ServiceProcess.Start(
            _work.FullName,
            "--branch", _profile, "--data", _data, "--Http:Enabled=false",
            $"--HeadOffice:Brokers:0={_proxy.Endpoint}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5",
            "--HeadOffice:KeepAliveSeconds=5");
        _running = branch;
        await branch.WaitUntilReadyAsync();
        if (waitForLink)
        {
            await branch.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), s_long);
            Assert.True(_proxy.Connections > connectionsBefore);

            // "Connected" comes before the subscription: a command sent in between would find no subscriber. A
            // command with no effect is answered once the branch listens.
            string probe = "probe-" + Guid.NewGuid().ToString("N");
            await Wait.UntilAsync(
                async () =>
                {
                    await _office.PublishAsync(CommandTopic("update-configuration"), "{}", Replies, Encoding.UTF8.GetBytes(probe));
                    await Task.Delay(250);
                    return Answers(probe).Count > 0;
                },
                s_long,
                "the branch to take commands",
                BranchLines);
        }

        return branch;
    }

    /// <summary>Sends a command as head office does and waits until <paramref name="replies"/> answers with its Correlation Data are in.</summary>
    private async Task<List<Received>> SendAsync(string name, string payload, string correlation, int replies)
    {
        await _office.PublishAsync(CommandTopic(name), payload, Replies, Encoding.UTF8.GetBytes(correlation));
        await Wait.UntilAsync(() => Answers(correlation).Count >= replies, s_long, $"{replies} answer(s) to {name} {correlation}", BranchLines);
        List<Received> answers = Answers(correlation);
        Assert.All(answers, a => Assert.True(a.Json.GetProperty("ok").GetBoolean(), a.Text));
        return answers;
    }

    private string BranchLines() => _running is null ? "" : string.Join(" | ", _running.Lines.TakeLast(12).Select(ServiceProcess.Message));

    private List<Received> Answers(string correlation)
    {
        byte[] id = Encoding.UTF8.GetBytes(correlation);
        return [.. _office.Messages(Replies).Where(m => m.CorrelationData is not null && m.CorrelationData.AsSpan().SequenceEqual(id))];
    }

    /// <summary>The tickets the branch's log holds, in order: each exactly once.</summary>
    private void AssertTicketsInLog(string[] expected)
    {
        using BranchLog log = BranchLog.Open(_data);
        using LogReader reader = log.ReadFrom(1);
        var issued = new List<string>();
        while (reader.TryRead(out LobbyEvent e))
        {
            if (e.Kind == EventKind.TicketIssued)
            {
                issued.Add(e.NumberService == 0 ? $"A{e.Number:000}" : $"B{e.Number:000}");
            }
        }

        Assert.Equal(expected, issued);
    }

    /// <summary>
    /// A branch without hardware whose day is opened by head office. Its time zone puts the branch's local time
    /// near noon whenever the test runs, so the day can always be opened.
    /// </summary>
    private string WriteProfile()
    {
        int offset = 12 - DateTime.UtcNow.Hour;
        string zone = offset switch
        {
            0 => "Etc/GMT",
            > 0 => "Etc/GMT-" + offset.ToString(CultureInfo.InvariantCulture),
            _ => "Etc/GMT+" + (-offset).ToString(CultureInfo.InvariantCulture),
        };
        string path = Path.Combine(_work.FullName, "branch.yaml");
        File.WriteAllText(path, $"""
            branch:
              id: {_branchId}
              name: "Redelivery Test Branch"
              timeZone: {zone}
              open: "02:00"
              close: "23:00"
              ticketingCutoffMinutes: 10
              autoOpenClose: false

            services:
              - id: cash
                prefix: A
                name: "Personal cash"
                numbers: 1-999
              - id: noncash
                prefix: B
                name: "Personal non-cash"
                numbers: 1-999

            counters:
              - number: 1
                services: [cash, noncash]
            """);
        return path;
    }
}
