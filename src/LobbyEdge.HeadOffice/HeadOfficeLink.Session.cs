using MQTTnet;

namespace LobbyEdge.HeadOffice;

public sealed partial class HeadOfficeLink
{
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
