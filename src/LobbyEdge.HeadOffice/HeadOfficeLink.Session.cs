using System.Buffers;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using LobbyEdge.EventLog;
using MQTTnet;

namespace LobbyEdge.HeadOffice;

public sealed partial class HeadOfficeLink
{
    private ConfigurationInForce? _configuration;

    /// <summary>
    /// The hardware profile's devices, by index: the <c>device</c> (profile id) and <c>kind</c> of the
    /// <c>lobby.device.status_changed</c> events. Empty (the default): devices are named <c>#index</c>, kind
    /// <c>unknown</c>.
    /// </summary>
    public IReadOnlyList<EventDevice> Devices { get; init; } = [];

    /// <summary>
    /// The software's version as <c>status</c> says it (<c>"version"</c>): the informational version of the
    /// build (e.g. <c>1.0.0+3f2c…</c>, the commit it was built from).
    /// </summary>
    public string SoftwareVersion { get; init; } = BuildVersion;

    /// <summary>
    /// The informational version of this build (e.g. <c>1.0.0+3f2c…</c>), or <c>unknown</c>: the default of
    /// <see cref="SoftwareVersion"/>, and what <c>lobby-edge --version</c> prints.
    /// </summary>
    public static string BuildVersion { get; } = typeof(HeadOfficeLink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>When the software started (<c>status</c>'s <c>"startedAt"</c>, and what <c>"uptimeSeconds"</c> counts from): by default the process's start.</summary>
    public DateTimeOffset StartedAt { get; init; } = ProcessStart();

    /// <summary>
    /// The configuration in force as <c>status</c> says it (<c>"configuration":{"version":6,"hash":"…"}</c>):
    /// the one the link was created with until <see cref="NotifyConfiguration"/> says otherwise.
    /// </summary>
    public ConfigurationInForce Configuration => Volatile.Read(ref _configuration) ?? new ConfigurationInForce(_config.Version, _config.Hash);

    /// <summary>
    /// Tells the link the configuration in force changed (an engine <c>ConfigurationChanged</c> event, live or
    /// taking effect at an opening): <c>status</c> is published again with it within a second. Safe from any
    /// thread (the engine loop calls it); an older version than the one known is ignored (versions only grow: a
    /// rollback makes a new version).
    /// </summary>
    /// <param name="version">The configuration's version (1, 2, 3…; 0 = unversioned).</param>
    /// <param name="hash">Its hash (<c>BranchConfig.Hash</c>).</param>
    public void NotifyConfiguration(long version, long hash)
    {
        var next = new ConfigurationInForce(version, hash);
        ConfigurationInForce? seen = Volatile.Read(ref _configuration);
        while ((seen is null || seen.Version < version || (seen.Version == version && seen.Hash != hash))
            && Interlocked.CompareExchange(ref _configuration, next, seen) is var found && !ReferenceEquals(found, seen))
        {
            seen = found;
        }
    }

    private static DateTimeOffset ProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    /// <summary>
    /// Publishes <c>status</c> <c>online</c> again (same <paramref name="since"/>) when the configuration in force
    /// is not the one last <paramref name="announced"/>; returns the one announced now.
    /// </summary>
    private async Task<ConfigurationInForce> AnnounceConfigurationAsync(Session session, DateTimeOffset since, ConfigurationInForce announced, CancellationToken token)
    {
        ConfigurationInForce now = Configuration;
        if (now == announced)
        {
            return announced;
        }

        MQTTnet.MqttClientPublishResult result = await session.Client.PublishAsync(Message(_topics.Status, StatusJson("online", since, null, now), retain: true), token).ConfigureAwait(false);
        if (!Accepted(result))
        {
            Log.PublishRefused(_logger, _topics.Status, result.ReasonCode.ToString(), result.ReasonString ?? "");
            return announced;
        }

        return now;
    }

    /// <summary>
    /// The retained <c>status</c>: <c>status</c> (<c>online</c>/<c>offline</c>), <c>since</c> (null in the Last
    /// Will), <c>reason</c> when offline, <c>version</c> (software), <c>startedAt</c>, and, except in the Last Will
    /// (fixed when connecting, published by the broker at a time the branch cannot know; <paramref name="configuration"/>
    /// null), <c>uptimeSeconds</c> at publish (whole seconds) and <c>configuration</c> <c>{version, hash}</c>.
    /// </summary>
    internal byte[] StatusJson(string status, DateTimeOffset? since, string? reason, ConfigurationInForce? configuration)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("status", status);
            if (since is { } s)
            {
                w.WriteString("since", s.UtcDateTime);
            }
            else
            {
                w.WriteNull("since");
            }

            if (reason is not null)
            {
                w.WriteString("reason", reason);
            }

            w.WriteString("version", SoftwareVersion);
            w.WriteString("startedAt", StartedAt.UtcDateTime);
            if (configuration is not null)
            {
                w.WriteNumber("uptimeSeconds", Math.Max(0, (long)(_time.GetUtcNow() - StartedAt).TotalSeconds));
                w.WriteStartObject("configuration");
                w.WriteNumber("version", configuration.Version);
                w.WriteString("hash", EventJson.HashText(configuration.Hash));
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// One connection attempt and, if it succeeds, its life: the client, and a token that fires when the
    /// connection is lost (the client's disconnect event) or the link is cut.
    /// </summary>
    private sealed class Session : IDisposable
    {
        private readonly HeadOfficeLink _link;
        // Never disposed on purpose: the client's disconnect event may cancel it at any moment, even after the
        // session is over, and a CancellationTokenSource without a timer holds nothing that needs disposing.
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenRegistration _abortRegistration;
        private volatile bool _up;

        public Session(HeadOfficeLink link, BrokerEndpoint broker, IMqttClient client, CancellationToken abort)
        {
            _link = link;
            Broker = broker;
            Client = client;
            Token = _lost.Token;
            _abortRegistration = abort.UnsafeRegister(static s => ((Session)s!).Cancel(), this);

            // Handlers are attached before connecting: with a persistent session the broker may deliver queued
            // commands right after CONNACK.
            client.DisconnectedAsync += OnDisconnectedAsync;
            client.ApplicationMessageReceivedAsync += OnMessageAsync;
        }

        public BrokerEndpoint Broker { get; }

        public IMqttClient Client { get; }

        /// <summary>Fires when the connection is gone or the link is cut.</summary>
        public CancellationToken Token { get; }

        public MqttClientConnectResult? ConnectResult { get; private set; }

        /// <summary>Connected, set up, and not known to be lost.</summary>
        public bool Up => _up && !Token.IsCancellationRequested;

        public void Connected(MqttClientConnectResult result) => ConnectResult = result;

        /// <summary>Online published and commands subscribed: from now on the link counts as connected.</summary>
        public void Ready() => _up = true;

        public void Down() => _up = false;

        /// <summary>Drops the connection without a DISCONNECT, so the broker sends the Last Will.</summary>
        public void Abort()
        {
            _up = false;
            Cancel();

            // Disposing closes the socket without a goodbye; the client's tasks end with "disposed" errors.
            Client.Dispose();
        }

        public void Dispose()
        {
            _abortRegistration.Dispose();
            Client.DisconnectedAsync -= OnDisconnectedAsync;
            Client.ApplicationMessageReceivedAsync -= OnMessageAsync;
            Client.Dispose();
        }

        private void Cancel() => _lost.Cancel();

        private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
        {
            // Only tell the connection task; it reconnects on its own schedule (never from this handler).
            _up = false;
            Cancel();
            return Task.CompletedTask;
        }

        private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args) => _link.OnCommandAsync(this, args);
    }
}

/// <summary>The configuration in force as head office sees it: its version (1, 2, 3…; 0 = unversioned) and hash (<c>BranchConfig.Hash</c>, 16 hex digits on the wire).</summary>
/// <param name="Version">The configuration's version.</param>
/// <param name="Hash">Its hash.</param>
public sealed record ConfigurationInForce(long Version, long Hash);
