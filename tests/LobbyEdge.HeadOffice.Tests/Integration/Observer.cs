using System.Buffers;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace LobbyEdge.HeadOffice.Tests;

/// <summary>One message as head office received it.</summary>
internal sealed record Received(string Topic, byte[] Payload, bool Retain, string? ContentType, byte[]? CorrelationData, DateTime At)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public JsonElement Json => JsonDocument.Parse(Payload).RootElement.Clone();
}

/// <summary>Head office in the tests: an MQTTnet client that records what it receives.</summary>
internal sealed class Observer : IAsyncDisposable
{
    private readonly List<Received> _messages = [];
    private readonly HashSet<string> _eventIds = [];
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly string[] _filters;

    private Observer(IMqttClient client, MqttClientOptions options, string[] filters)
    {
        _client = client;
        _options = options;
        _filters = filters;
        client.ApplicationMessageReceivedAsync += e =>
        {
            MqttApplicationMessage m = e.ApplicationMessage;
            var received = new Received(m.Topic, m.Payload.ToArray(), m.Retain, m.ContentType, m.CorrelationData, DateTime.UtcNow);
            string? id = m.Topic.EndsWith("/events", StringComparison.Ordinal) ? received.Json.GetProperty("id").GetString() : null;
            lock (_messages)
            {
                _messages.Add(received);
                if (id is not null)
                {
                    _eventIds.Add(id);
                }
            }

            return Task.CompletedTask;
        };
    }

    public IMqttClient Client => _client;

    /// <summary>
    /// Connects and subscribes (QoS 1). <paramref name="persistent"/>: a session the broker keeps while this
    /// observer is away, so nothing published meanwhile is lost to it (head office's own subscriber works so).
    /// </summary>
    public static async Task<Observer> ConnectAsync(Mosquitto broker, string[] filters, bool persistent = false, string? clientId = null, Action<MqttClientOptionsBuilder>? configure = null)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithClientId(clientId ?? "observer-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanStart(!persistent)
            .WithSessionExpiryInterval(persistent ? 3600u : 0u)
            .WithTimeout(TimeSpan.FromSeconds(10));
        configure?.Invoke(builder);
        MqttClientOptions options = builder.Build();

        // MQTTnet pins the socket buffers to 8 KiB by default (no kernel auto-tuning): a subscriber that receives
        // a 100,000-event backlog then crawls at a few dozen messages a second, limited by its TCP window.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1 << 20;
        var observer = new Observer(new MqttClientFactory().CreateMqttClient(), options, filters);
        await observer.ConnectAsync(subscribe: true);
        return observer;
    }

    /// <summary>Connects again after the broker restarted (retrying until it accepts).</summary>
    public async Task ReconnectAsync()
    {
        await Wait.UntilAsync(async () =>
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectAsync(subscribe: false);
                }

                return true;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the observer to reconnect");
    }

    /// <summary>Messages received so far. Cheap: waits poll it (copying a list of 100,000 messages every few
    /// milliseconds would keep the garbage collector busy enough to slow the broker's delivery to a crawl).</summary>
    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Distinct CloudEvents ids received on event topics.</summary>
    public int DistinctEvents
    {
        get
        {
            lock (_messages)
            {
                return _eventIds.Count;
            }
        }
    }

    public List<Received> Messages(string? topic = null)
    {
        lock (_messages)
        {
            return [.. _messages.Where(m => topic is null || m.Topic == topic)];
        }
    }

    public Task PublishAsync(string topic, string payload, string? responseTopic = null, byte[]? correlation = null, CancellationToken cancellationToken = default) =>
        _client.PublishAsync(new MqttApplicationMessage
        {
            Topic = topic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ResponseTopic = responseTopic,
            CorrelationData = correlation,
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
        }

        _client.Dispose();
    }

    private async Task ConnectAsync(bool subscribe)
    {
        MqttClientConnectResult result = await _client.ConnectAsync(_options);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        if (subscribe || !result.IsSessionPresent)
        {
            var options = new MqttClientSubscribeOptionsBuilder();
            foreach (string filter in _filters)
            {
                options.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            MqttClientSubscribeResult subscribed = await _client.SubscribeAsync(options.Build());
            Assert.All(subscribed.Items, i => Assert.True(i.ResultCode <= MqttClientSubscribeResultCode.GrantedQoS2, $"subscription {i.TopicFilter.Topic}: {i.ResultCode}"));
        }
    }
}

/// <summary>Waiting for a condition (never a fixed sleep), with a generous deadline and a message naming it: <see cref="Eventually"/>.</summary>
internal static class Wait
{
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? detail = null) =>
        Eventually.UntilAsync(condition, what, timeout, detail);

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null) =>
        Eventually.UntilAsync(condition, what, timeout, detail);
}
