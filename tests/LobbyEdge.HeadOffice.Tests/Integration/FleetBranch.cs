using System.Globalization;
using System.Text;
using LobbyEdge.EventLog;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// One branch of a test fleet: its own profile (branch id), data directory and real <c>lobby-edge</c> process, linked to
/// the test's Mosquitto. Head office's side (commands, answers) goes through an <see cref="Observer"/>.
/// </summary>
internal sealed class FleetBranch(string id, string directory)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public string Id { get; } = id;

    public string Profile => Path.Combine(directory, Id + ".yaml");

    public string Data => Path.Combine(directory, Id + "-data");

    public ServiceProcess? Process { get; private set; }

    public string Replies => $"lobby/v1/{Id}/replies/office";

    public string Command(string name) => $"lobby/v1/{Id}/commands/{name}";

    /// <summary>
    /// Writes the branch's profile: two services and four counters, no hardware. <paramref name="byHand"/>: the day is
    /// opened by head office (no opening by the clock), in a time zone where the branch's local time is near noon
    /// whenever the test runs; otherwise 09:00-17:00 in Shanghai, opened and closed by the clock (a simulation plays it).
    /// </summary>
    public FleetBranch WriteProfile(bool byHand)
    {
        int offset = 12 - DateTime.UtcNow.Hour;
        string zone = !byHand ? "Asia/Shanghai"
            : offset == 0 ? "Etc/GMT"
            : string.Create(CultureInfo.InvariantCulture, $"Etc/GMT{(offset > 0 ? "-" : "+")}{Math.Abs(offset)}");
        File.WriteAllText(Profile, $"""
            branch:
              id: {Id}
              name: "Fleet Test Branch {Id}"
              timeZone: {zone}
              open: "{(byHand ? "02:00" : "09:00")}"
              close: "{(byHand ? "23:00" : "17:00")}"
              ticketingCutoffMinutes: 15
              autoOpenClose: {(byHand ? "false" : "true")}

            services:
              - id: cash
                prefix: A
                name: "Personal cash"
                numbers: 1-999
                seedServiceMinutes: 4
              - id: noncash
                prefix: B
                name: "Personal non-cash"
                numbers: 1-999
                seedServiceMinutes: 7

            counters:
              - number: 1
                services: [cash, noncash]
              - number: 2
                services: [cash, noncash]
              - number: 3
                services: [noncash, cash]
              - number: 4
                services: [noncash]
            """);
        return this;
    }

    /// <summary>Starts <c>lobby-edge</c> on the branch's profile and data, linked to <paramref name="broker"/>, and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(Mosquitto broker, params string[] more)
    {
        Process = ServiceProcess.Start(
            directory,
            [
                "--branch", Profile, "--data", Data, .. more, "--Http:Enabled=false",
                $"--HeadOffice:Brokers:0={broker.Endpoint}", "--HeadOffice:ReconnectMinSeconds=0.1", "--HeadOffice:ReconnectMaxSeconds=0.5",
            ]);
        await Process.WaitUntilReadyAsync();
        return Process;
    }

    /// <summary>Waits until the branch takes commands: "connected" is logged before the subscription, so a command is sent until one is answered.</summary>
    public async Task WaitForCommandsAsync(Observer office)
    {
        await Process!.WaitForLineAsync(m => m.StartsWith("Head office connected", StringComparison.Ordinal), Patience);
        string probe = "probe-" + Guid.NewGuid().ToString("N");
        await Wait.UntilAsync(
            async () =>
            {
                // Answered with an error (event 0 does not exist), and changes nothing.
                await office.PublishAsync(Command("resend-events"), """{"from":0,"to":0}""", Replies, Encoding.UTF8.GetBytes(probe));
                await Task.Delay(250);
                return Answers(office, probe).Count > 0;
            },
            Patience,
            $"branch {Id} to take commands",
            Lines);
    }

    /// <summary>Sends a command as head office does and returns its answer.</summary>
    public async Task<Received> SendAsync(Observer office, string name, string payload, string? correlation = null)
    {
        correlation ??= Guid.NewGuid().ToString("N");
        int before = Answers(office, correlation).Count;
        await office.PublishAsync(Command(name), payload, Replies, Encoding.UTF8.GetBytes(correlation));
        await Wait.UntilAsync(() => Answers(office, correlation).Count > before, Patience, $"the answer to {name} {payload} from {Id}", Lines);
        return Answers(office, correlation)[before];
    }

    public List<Received> Answers(Observer office, string correlation)
    {
        byte[] id = Encoding.UTF8.GetBytes(correlation);
        return [.. office.Messages(Replies).Where(m => m.CorrelationData is not null && m.CorrelationData.AsSpan().SequenceEqual(id))];
    }

    /// <summary>The process's last log lines, for failure messages.</summary>
    public string Lines() => Process is null ? "" : string.Join(" | ", Process.Lines.TakeLast(10).Select(ServiceProcess.Message));

    /// <summary>The branch's log after its process ended: its last event and the head-office cursor (acknowledged by the broker).</summary>
    public (long LastSequence, long Acknowledged, List<LobbyEdge.Engine.LobbyEvent> Events) ReadLog()
    {
        using BranchLog log = BranchLog.Open(Data);
        var events = new List<LobbyEdge.Engine.LobbyEvent>();
        using LogReader reader = log.ReadFrom(1);
        while (reader.TryRead(out LobbyEdge.Engine.LobbyEvent e))
        {
            events.Add(e);
        }

        return (log.LastSequence, log.Cursor(HeadOfficeOptions.CursorName).Position, events);
    }
}
