using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>One CloudEvent as a member of the consumer group took it.</summary>
internal sealed record TakenEvent(int Member, string Topic, string Id, string Branch, long Sequence, string Type, byte[] Payload);

/// <summary>
/// Head office's event consumer as deploy/FLEET.md describes it: several MQTT 5 clients in one shared-subscription
/// group (<c>$share/{group}/lobby/v1/+/events/#</c>: the live topic and <c>events/resent</c>), each with a persistent
/// session; the broker hands each message to one member. The store de-duplicates on the CloudEvents <c>id</c> and
/// keeps each branch's events by <c>sequence</c>, so it can tell the gaps. <see cref="Drop"/> makes it lose live events
/// on purpose (a consumer that crashed after its PUBACK), to be refilled with <c>resend-events</c>.
/// </summary>
internal sealed class ConsumerGroup : IAsyncDisposable
{
    private readonly List<IMqttClient> _members = [];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<long, TakenEvent>> _stored = [];
    private readonly List<TakenEvent> _taken = [];
    private readonly List<TakenEvent> _dropped = [];

    private ConsumerGroup(string group) => Group = group;

    public string Group { get; }

    /// <summary>The shared subscription every member holds.</summary>
    public string Filter => $"$share/{Group}/lobby/v1/+/events/#";

    /// <summary>Live events (not copies sent again) the store loses on purpose: (branch, sequence) → drop.</summary>
    public Func<string, long, bool> Drop { get; set; } = static (_, _) => false;

    /// <summary>Duplicates the store dropped (the same id taken twice).</summary>
    public int Duplicates { get; private set; }

    public static async Task<ConsumerGroup> StartAsync(Mosquitto broker, string group, int members)
    {
        var consumers = new ConsumerGroup(group);
        for (int i = 1; i <= members; i++)
        {
            int member = i;
            IMqttClient client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
            {
                consumers.Take(member, e.ApplicationMessage);
                return Task.CompletedTask;
            };
            MqttClientOptions options = new MqttClientOptionsBuilder()
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTcpServer("127.0.0.1", broker.Port)
                .WithClientId($"{group}-{member}")
                .WithCleanStart(false)
                .WithSessionExpiryInterval(3600)
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build();
            ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1 << 20;
            MqttClientConnectResult connected = await client.ConnectAsync(options);
            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
            MqttClientSubscribeResult subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(consumers.Filter, MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            Assert.All(subscribed.Items, s => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, s.ResultCode));
            consumers._members.Add(client);
        }

        return consumers;
    }

    /// <summary>Every message taken, in the order the members received them (copies and dropped ones included).</summary>
    public List<TakenEvent> Taken
    {
        get
        {
            lock (_lock)
            {
                return [.. _taken];
            }
        }
    }

    /// <summary>The live events dropped on purpose.</summary>
    public List<TakenEvent> Dropped
    {
        get
        {
            lock (_lock)
            {
                return [.. _dropped];
            }
        }
    }

    /// <summary>The store: a branch's events by sequence, one per id.</summary>
    public SortedDictionary<long, TakenEvent> Stored(string branch)
    {
        lock (_lock)
        {
            return _stored.TryGetValue(branch, out SortedDictionary<long, TakenEvent>? events) ? new(events) : [];
        }
    }

    /// <summary>The highest sequence below which the branch's store has everything (0 when it lacks event 1).</summary>
    public long ContiguousUpTo(string branch)
    {
        long n = 0;
        foreach (long sequence in Stored(branch).Keys)
        {
            if (sequence != n + 1)
            {
                break;
            }

            n = sequence;
        }

        return n;
    }

    /// <summary>The ranges missing from a branch's store below <paramref name="upTo"/>, as head office finds them by sequence.</summary>
    public List<(long From, long To)> Gaps(string branch, long upTo)
    {
        var gaps = new List<(long, long)>();
        long expected = 1;
        foreach (long sequence in Stored(branch).Keys.Where(s => s <= upTo).Append(upTo + 1))
        {
            if (sequence > expected)
            {
                gaps.Add((expected, sequence - 1));
            }

            expected = sequence + 1;
        }

        return gaps;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IMqttClient client in _members)
        {
            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
                }
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
            }

            client.Dispose();
        }
    }

    private void Take(int member, MqttApplicationMessage message)
    {
        byte[] payload = message.Payload.ToArray();
        using JsonDocument json = JsonDocument.Parse(payload);
        JsonElement e = json.RootElement;
        string id = e.GetProperty("id").GetString()!;
        string source = e.GetProperty("source").GetString()!;
        var taken = new TakenEvent(
            member,
            message.Topic,
            id,
            source["urn:lobby-edge:".Length..],
            long.Parse(e.GetProperty("sequence").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            e.GetProperty("type").GetString()!,
            payload);
        lock (_lock)
        {
            _taken.Add(taken);
            if (!message.Topic.EndsWith("/resent", StringComparison.Ordinal) && Drop(taken.Branch, taken.Sequence))
            {
                _dropped.Add(taken);
                return;
            }

            if (!_stored.TryGetValue(taken.Branch, out SortedDictionary<long, TakenEvent>? events))
            {
                _stored[taken.Branch] = events = [];
            }

            // De-duplication on the CloudEvents id (one id per branch and sequence).
            if (!events.TryAdd(taken.Sequence, taken))
            {
                Duplicates++;
            }
        }
    }
}
