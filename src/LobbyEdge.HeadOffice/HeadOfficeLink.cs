using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using LobbyEdge.Engine;
using LobbyEdge.EventLog;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// The branch's MQTT 5 link to head office (CONTRACTS.md, "Head office"): ships the event log from its durable
/// cursor as CloudEvents, keeps <c>status</c> and <c>state</c> retained, and answers head-office commands.
/// </summary>
/// <remarks>
/// <para>
/// The event log is the outbox. Events are read from the cursor <see cref="HeadOfficeOptions.CursorName"/> in
/// sequence order and published with QoS 1, up to <see cref="HeadOfficeOptions.MaxInFlight"/> at a time, in order
/// on the wire; the cursor moves only past events whose PUBACK came back, in order. After any outage or crash
/// shipping resumes at the cursor, so head office receives every event at least once and in order, and a
/// duplicate always carries the same CloudEvents id.
/// </para>
/// <para>
/// One task owns the connection: connect, ship until the link drops, wait (exponential back-off with jitter),
/// try the next broker. The MQTT client's disconnect event only tells that task; it never reconnects itself.
/// Reading the log never blocks the engine: the log's readers have their own file handles, and the host's
/// <see cref="NotifyCommitted"/> only drops a token in a one-slot channel.
/// </para>
/// </remarks>
public sealed partial class HeadOfficeLink : IAsyncDisposable
{
    /// <summary>How often the log is looked at when no commit was signalled (a host that never calls <see cref="NotifyCommitted"/>).</summary>
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The contract's limit for <c>state</c>: at most once a second.</summary>
    private static readonly TimeSpan s_stateInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often the cursor file is rewritten while a backlog drains (each write is two fsyncs).</summary>
    private static readonly TimeSpan s_cursorSaveInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a graceful stop waits for outstanding acknowledgements and the goodbye.</summary>
    private static readonly TimeSpan s_goodbyeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>While head office stays unreachable, the warning is repeated this often, not at every attempt.</summary>
    private static readonly TimeSpan s_outageReminder = TimeSpan.FromMinutes(10);

    /// <summary>Socket send/receive buffer: a full window of events (each well under 1 KiB) fits with room to spare.</summary>
    private const int SocketBufferSize = 64 * 1024;

    private readonly HeadOfficeOptions _options;
    private readonly BranchConfig _config;
    private readonly BranchLog _log;
    private readonly ConsumerCursor _cursor;
    private readonly IHeadOfficeCommandHandler _commands;
    private readonly IBranchStateSource _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HeadOfficeTopics _topics;
    private readonly BrokerEndpoint[] _brokers;
    private readonly MqttClientFactory _factory = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        SingleWriter = false,

        // NotifyCommitted runs on the engine loop: the shipper's continuation must not run there.
        AllowSynchronousContinuations = false,
    });

    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();

    // Commands: one decided at a time, across connections; the requests decided, from the log.
    private readonly SemaphoreSlim _requestGate = new(1, 1);
    private readonly RequestMemory _requests;

    // Used by the shipping task only.
    private readonly ArrayBufferWriter<byte> _eventBuffer = new(2048);
    private readonly Utf8JsonWriter _eventJson;

    private Task _run = Task.CompletedTask;
    private Session? _session;
    private long _acked;
    private long _published;
    private long _reconnects;
    private long _connectFailures;
    private long _commandsReceived;
    private long _commandsRejected;
    private long _commandsRepeated;
    private long _missed;
    private int _started;
    private bool _disposed;
    private bool _readerBroken;

    /// <summary>Creates the link. Starts nothing; see <see cref="StartAsync"/>.</summary>
    /// <param name="options">Where the broker is and how to reach it.</param>
    /// <param name="config">The branch (its id names the topics; its services and numbers name things in the events).</param>
    /// <param name="log">The branch event log, the outbox.</param>
    /// <param name="commands">Carries out head-office commands.</param>
    /// <param name="state">The state snapshot for the retained <c>state</c> topic.</param>
    /// <param name="time">The clock for back-off, throttling and the <c>since</c> of <c>status</c> (wall time, not a simulation's).</param>
    /// <param name="logger">Where connection changes and command outcomes are logged (never a credential).</param>
    /// <exception cref="ArgumentException">The options are invalid (each problem named by its configuration key).</exception>
    public HeadOfficeLink(
        HeadOfficeOptions options,
        BranchConfig config,
        BranchLog log,
        IHeadOfficeCommandHandler commands,
        IBranchStateSource state,
        TimeProvider time,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        IReadOnlyList<(string Field, string Message)> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems.Select(p => $"{p.Field}: {p.Message}")), nameof(options));
        }

        _options = options;
        _config = config;
        _log = log;
        _commands = commands;
        _state = state;
        _time = time;
        _logger = logger;
        _topics = new HeadOfficeTopics(config.BranchId);
        _brokers = [.. options.Brokers.Select(b =>
        {
            BrokerEndpoint.TryParse(b, options.Tls.IsEnabled, out BrokerEndpoint endpoint, out _);
            return endpoint;
        })];
        _cursor = log.Cursor(HeadOfficeOptions.CursorName);
        _acked = _cursor.Position;
        _eventJson = new Utf8JsonWriter(_eventBuffer, CloudEventWriter.ShippingOptions);
        _requests = new RequestMemory(log, options.RequestMemory, HeadOfficeOptions.RequestMemoryCapacity);
    }

    /// <summary>The branch's topics.</summary>
    public HeadOfficeTopics Topics => _topics;

    /// <summary>Whether the link runs at all: enabled with at least one broker. When not, events wait in the log.</summary>
    public bool IsActive => _options.IsActive;

    /// <summary>
    /// Whether a broker connection is up now, with <c>status</c> online published and the commands subscribed
    /// (metric <c>lobby_headoffice_connected</c>).
    /// </summary>
    public bool IsConnected => Volatile.Read(ref _session)?.Up == true;

    /// <summary>The broker connected to, or null.</summary>
    public string? Endpoint => Volatile.Read(ref _session) is { Up: true } s ? s.Broker.ToString() : null;

    /// <summary>The last event head office acknowledged (the cursor's position, or ahead of it until the next save).</summary>
    public long AcknowledgedSequence => Volatile.Read(ref _acked);

    /// <summary>Durable events head office has not acknowledged yet (metric <c>lobby_headoffice_pending_events</c>).</summary>
    public long PendingEvents => Math.Max(0, _log.LastSequence - AcknowledgedSequence);

    /// <summary>Events acknowledged by the broker since start (a resend after a reconnect counts again).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Connections made after the first one.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Connection attempts that failed (unreachable, refused, TLS or credentials rejected).</summary>
    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    /// <summary>Messages received on the command topics.</summary>
    public long CommandsReceived => Interlocked.Read(ref _commandsReceived);

    /// <summary>Commands answered with <c>"ok":false</c>: unknown, malformed, refused by the engine, or failed.</summary>
    public long CommandsRejected => Interlocked.Read(ref _commandsRejected);

    /// <summary>
    /// Commands that repeated a request already decided (a redelivery after a lost PUBACK, a retry with the same
    /// identity): answered as the first time, not carried out again.
    /// </summary>
    public long CommandsRepeated => Interlocked.Read(ref _commandsRepeated);

    /// <summary>Requests remembered now (decided within <see cref="HeadOfficeOptions.RequestMemory"/>).</summary>
    public int RequestsRemembered => _requests.Count;

    /// <summary>Events that retention deleted before head office had them (the log kept too few days for the outage).</summary>
    public long MissedEvents => Interlocked.Read(ref _missed);

    /// <summary>
    /// Starts the connection task, or, with no broker configured, only logs that the link is off. Returns at
    /// once; connecting happens in the background and never fails the start.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The head-office link is already started.");
        }

        if (!_options.IsActive)
        {
            Log.Off(_logger, _options.Enabled ? "no broker is configured" : "HeadOffice:Enabled is false", PendingEvents);
            return Task.CompletedTask;
        }

        Log.Starting(_logger, _topics.ClientId, string.Join(", ", _brokers), _options.Tls.IsEnabled, AcknowledgedSequence, PendingEvents);
        StartRequestMemory();
        _run = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops gracefully: no new events are sent, outstanding acknowledgements are awaited (briefly), the cursor is
    /// saved, <c>status</c> is set <c>offline</c> and the connection closed normally (so the Last Will is not
    /// sent). If <paramref name="cancellationToken"/> fires first, the link is cut as by <see cref="DisposeAsync"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _wake.Writer.TryWrite(true);
        try
        {
            await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            Volatile.Read(ref _session)?.Abort();
            await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Called by the host after each group commit of the log (on the engine loop): wakes the shipper. Never blocks
    /// and does not allocate.
    /// </summary>
    /// <param name="lastSequence">The log's last durable sequence after the commit.</param>
    public void NotifyCommitted(long lastSequence)
    {
        if (lastSequence > Volatile.Read(ref _acked))
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// Cuts the link at once, like a crash: the connection is dropped without a DISCONNECT (so the broker
    /// publishes the Last Will <c>offline</c>) and the cursor is left where it was last saved. After
    /// <see cref="StopAsync"/> there is nothing left to cut.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref _session)?.Abort();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _eventJson.Dispose();
        _requests.Dispose();
        _requestGate.Dispose();
        _stop.Dispose();
        _abort.Dispose();
    }

    /// <summary>Rebuilds the memory of decided requests from the log, before any command can arrive.</summary>
    private void StartRequestMemory()
    {
        long start = _time.GetTimestamp();
        try
        {
            _requests.Start();
            Log.RequestsRemembered(_logger, _requests.Count, _requests.StartedAt, _options.RequestMemory.TotalHours, _time.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (InvalidDataException e)
        {
            // Commands with an effect are refused until the log reads (see RunCommandAsync); shipping goes on.
            Log.RequestMemoryBroken(_logger, e.Message);
        }
    }

    private async Task RunAsync()
    {
        CancellationToken stop = _stop.Token;
        int failedRounds = 0;
        int refusals = 0;
        bool everConnected = false;
        DateTimeOffset lastOutageLog = DateTimeOffset.MinValue;
        while (!stop.IsCancellationRequested)
        {
            SessionEnd end = SessionEnd.ConnectFailed;
            for (int i = 0; i < _brokers.Length && !stop.IsCancellationRequested; i++)
            {
                BrokerEndpoint broker = _brokers[i];
                using var session = new Session(this, broker, _factory.CreateMqttClient(), _abort.Token);
                string? problem = await ConnectAsync(session, stop).ConfigureAwait(false);
                if (problem is not null)
                {
                    Interlocked.Increment(ref _connectFailures);
                    DateTimeOffset now = _time.GetUtcNow();
                    if (now - lastOutageLog >= s_outageReminder)
                    {
                        lastOutageLog = now;
                        Log.ConnectFailed(_logger, broker.ToString(), problem, PendingEvents);
                    }
                    else
                    {
                        Log.ConnectFailedAgain(_logger, broker.ToString(), problem);
                    }

                    continue;
                }

                if (everConnected)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                everConnected = true;
                lastOutageLog = DateTimeOffset.MinValue;
                failedRounds = 0;
                long publishedBefore = Published;
                end = await RunSessionAsync(session).ConfigureAwait(false);

                // A broker that refuses the events (ACL, quota) keeps accepting connections: back off further each
                // time, until an event gets through again.
                refusals = end == SessionEnd.Refused ? refusals + 1 : Published > publishedBefore ? 0 : refusals;
                break;
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            if (end == SessionEnd.ConnectFailed)
            {
                failedRounds++;
            }

            TimeSpan delay = Backoff(Math.Max(failedRounds, refusals));
            Log.Waiting(_logger, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Exponential back-off with jitter: min·2^n capped at max, then a random half to full of it, so that a
    /// thousand branches cut off together do not all come back in the same second.</summary>
    internal TimeSpan Backoff(int failures)
    {
        double min = _options.ReconnectMinSeconds;
        double max = _options.ReconnectMaxSeconds;
        double ceiling = Math.Min(max, min * Math.Pow(2, Math.Min(failures, 30)));
        return TimeSpan.FromSeconds(ceiling * (0.5 + (0.5 * Random.Shared.NextDouble())));
    }

    /// <summary>Connects; returns null on success, else what went wrong (for the log, never holding a secret).</summary>
    private async Task<string?> ConnectAsync(Session session, CancellationToken stop)
    {
        MqttClientOptions options;
        try
        {
            options = ClientOptions(session.Broker);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return $"TLS or credential files cannot be used: {e.Message}";
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop, session.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
        try
        {
            MqttClientConnectResult result = await session.Client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"refused by the broker: {result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : " (" + result.ReasonString + ")")}";
            }

            session.Connected(result);
            return null;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested && !session.Token.IsCancellationRequested)
        {
            return $"no answer within {_options.ConnectTimeoutSeconds} s";
        }
        catch (OperationCanceledException)
        {
            return "stopping";
        }
        catch (Exception e)
        {
            return Describe(e);
        }
    }

    private MqttClientOptions ClientOptions(BrokerEndpoint broker)
    {
        // The Last Will is fixed when connecting, so it cannot say when the link died: "since" is null and head
        // office takes the time it received it.
        byte[] will = StatusJson("offline", null, "connection_lost", configuration: null);
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_topics.ClientId)
            .WithTcpServer(broker.Host, broker.Port)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds))
            .WithWillTopic(_topics.Status)
            .WithWillPayload(will)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillContentType("application/json")
            .WithWillPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
        MqttClientTlsOptions? tls = MqttSecurity.Tls(_options.Tls, broker);
        if (tls is not null)
        {
            builder = builder.WithTlsOptions(tls);
        }

        IMqttClientCredentialsProvider? credentials = MqttSecurity.Credentials(_options);
        if (credentials is not null)
        {
            builder = builder.WithCredentials(credentials);
        }

        MqttClientOptions built = builder.Build();
        if (built.ChannelOptions is MqttClientTcpOptions tcp)
        {
            // MQTTnet pins the socket's send and receive buffers to this size (8 KiB by default), which also turns
            // off the kernel's auto-tuning: a window of events would then wait for the socket, not the broker.
            tcp.BufferSize = SocketBufferSize;
        }

        return built;
    }

    private async Task<SessionEnd> RunSessionAsync(Session session)
    {
        CancellationToken stop = _stop.Token;
        IMqttClient client = session.Client;
        MqttClientConnectResult connect = session.ConnectResult!;

        // The broker's Receive Maximum caps what may be unacknowledged; a client past it is disconnected.
        int window = Math.Clamp(Math.Min(_options.MaxInFlight, connect.ReceiveMaximum is ushort max and > 0 ? max : 65_535), 1, 65_535);
        Volatile.Write(ref _session, session);
        Log.Connected(_logger, session.Broker.ToString(), connect.IsSessionPresent, window, AcknowledgedSequence, PendingEvents);
        SessionEnd end = SessionEnd.Lost;
        try
        {
            DateTimeOffset since = _time.GetUtcNow();
            ConfigurationInForce announced = Configuration;
            MqttClientPublishResult online = await client.PublishAsync(Message(_topics.Status, StatusJson("online", since, null, announced), retain: true), session.Token).ConfigureAwait(false);
            if (!Accepted(online))
            {
                Log.PublishRefused(_logger, _topics.Status, online.ReasonCode.ToString(), online.ReasonString ?? "");
                return end = SessionEnd.Refused;
            }

            MqttClientSubscribeResult subscribed = await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topics.Commands, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                session.Token).ConfigureAwait(false);
            foreach (MqttClientSubscribeResultItem item in subscribed.Items)
            {
                if ((int)item.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2)
                {
                    // Shipping does not depend on it, so it goes on; commands will not arrive until fixed.
                    Log.SubscribeRefused(_logger, _topics.Commands, item.ResultCode.ToString());
                }
            }

            session.Ready();
            Task<SessionEnd> shipping = ShipAsync(session, window);
            Task state = PublishStateAsync(session, since, announced);
            Task first = await Task.WhenAny(shipping, state).ConfigureAwait(false);
            bool stopping = stop.IsCancellationRequested && (first == state || shipping is { IsCompletedSuccessfully: true, Result: SessionEnd.Stopped });
            if (!stopping)
            {
                // Anything but a graceful stop (a failed publish, a refusal, a broken state loop) ends the
                // connection, which ends the other loop too.
                session.Abort();
            }

            await state.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            end = await shipping.ConfigureAwait(false);
            if (end == SessionEnd.Refused)
            {
                session.Abort();
            }

            return end;
        }
        catch (Exception e)
        {
            // Whatever broke (the connection, a publish that timed out, the log unreadable for a moment), the
            // connection task must go on: it reconnects and resends from the cursor.
            if (!_abort.IsCancellationRequested)
            {
                Log.Lost(_logger, session.Broker.ToString(), Describe(e), PendingEvents);
            }

            return end = SessionEnd.Lost;
        }
        finally
        {
            session.Down();
            if (end == SessionEnd.Stopped)
            {
                await SayGoodbyeAsync(session).ConfigureAwait(false);
            }
            else if (end == SessionEnd.Lost && !_abort.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                Log.Disconnected(_logger, session.Broker.ToString(), PendingEvents);
            }
        }
    }

    private async Task SayGoodbyeAsync(Session session)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
        timeout.CancelAfter(s_goodbyeTimeout);
        try
        {
            await session.Client.PublishAsync(Message(_topics.Status, StatusJson("offline", _time.GetUtcNow(), "stopped", Configuration), retain: true), timeout.Token).ConfigureAwait(false);
            await session.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            Log.Stopped(_logger, AcknowledgedSequence, PendingEvents);
        }
        catch (Exception e)
        {
            Log.GoodbyeFailed(_logger, Describe(e));
        }
    }

    /// <summary>
    /// Publishes events from the cursor in order with a window of unacknowledged ones, and moves the cursor past
    /// each acknowledged head. Returns when stopping (after the window drained) or when the broker refused an
    /// event; throws when the connection is lost.
    /// </summary>
    private async Task<SessionEnd> ShipAsync(Session session, int window)
    {
        CancellationToken stop = _stop.Token;
        CancellationToken hard = session.Token;
        var inFlight = new Queue<InFlight>(window);
        LogReader reader = _log.ReadFrom(Volatile.Read(ref _acked) + 1);
        long lastSave = _time.GetTimestamp();
        ResendJob? resend = null;
        bool resendTurn = false;
        Prepared next = default;
        Task saving = Task.CompletedTask;
        using var headWait = new HeadWait(hard, stop);
        try
        {
            if (reader.Skipped > 0)
            {
                Interlocked.Add(ref _missed, reader.Skipped);
                Log.Missed(_logger, reader.Skipped, reader.NextSequence);
                Volatile.Write(ref _acked, reader.NextSequence - 1);
                SaveCursor();
            }

            while (true)
            {
                hard.ThrowIfCancellationRequested();
                if (!stop.IsCancellationRequested)
                {
                    // Live events and, when head office asked for some again (resend-events), those, taking turns.
                    // The one prepared while the window was full goes first.
                    while (inFlight.Count < window && (next.IsReady || TryPrepare(reader, ref resend, ref resendTurn, out next)))
                    {
                        inFlight.Enqueue(PublishEvent(session.Client, in next));
                        next = default;
                    }

                    if (inFlight.Count == window)
                    {
                        // The window is full: read and encode the next event now, while the broker works, so that it
                        // leaves the moment an acknowledgement frees a place (it is not sent before; a connection
                        // that ends meanwhile drops it, and the next one reads it again from the cursor).
                        TryPrepare(reader, ref resend, ref resendTurn, out next);
                    }
                }

                if (inFlight.Count == 0 && _readerBroken)
                {
                    // A corrupt record (see TryRead): try again from the cursor after the longest back-off, in case
                    // the segment was restored from a backup meanwhile.
                    await Task.Delay(TimeSpan.FromSeconds(_options.ReconnectMaxSeconds), _time, stop).WaitAsync(hard).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    hard.ThrowIfCancellationRequested();
                    reader.Dispose();
                    reader = _log.ReadFrom(Volatile.Read(ref _acked) + 1);
                    _readerBroken = false;
                    if (stop.IsCancellationRequested)
                    {
                        return SessionEnd.Stopped;
                    }

                    continue;
                }

                if (inFlight.Count > 0)
                {
                    // PUBACKs come back in the order sent, but only the head may move the cursor: the cursor means
                    // "everything up to here is at head office".
                    // When stopping, a broker that no longer answers must not hold the stop up for long.
                    Task<MqttClientPublishResult> oldest = inFlight.Peek().Task;
                    while (!oldest.IsCompleted && !stop.IsCancellationRequested)
                    {
                        hard.ThrowIfCancellationRequested();
                        await headWait.WhenDoneOrCut(oldest).ConfigureAwait(false);
                    }

                    MqttClientPublishResult result = oldest.IsCompleted
                        ? await oldest.ConfigureAwait(false)
                        : await oldest.WaitAsync(s_goodbyeTimeout, _time, CancellationToken.None).ConfigureAwait(false);
                    while (true)
                    {
                        InFlight head = inFlight.Dequeue();
                        ArrayPool<byte>.Shared.Return(head.Payload);
                        if (!Accepted(result))
                        {
                            Log.PublishRefused(_logger, head.Resend is null ? _topics.Events : _topics.Resent, result.ReasonCode.ToString(), result.ReasonString ?? "");
                            head.Resend?.Fail($"the broker refused event {head.Sequence} ({result.ReasonCode})");
                            return SessionEnd.Refused;
                        }

                        if (head.Resend is { } resent)
                        {
                            // Sent again: the cursor is about the live topic and does not move.
                            Interlocked.Increment(ref _resent);
                            resent.Acknowledged();
                        }
                        else
                        {
                            Volatile.Write(ref _acked, head.Sequence);
                            Interlocked.Increment(ref _published);
                        }

                        if (inFlight.Count == 0 || !inFlight.Peek().Task.IsCompleted)
                        {
                            break;
                        }

                        result = await inFlight.Peek().Task.ConfigureAwait(false);
                    }

                    // While events keep coming, the cursor is written a few times a second, not per event (each write
                    // is two fsyncs), and on a thread of its own, so that the window keeps moving meanwhile (one save at
                    // a time, each of the position acknowledged when it starts). Not on the thread pool: an fsync on a
                    // slow card would hold one of its few threads, which the acknowledgements need. Once nothing is
                    // left to send it is written at once (below).
                    if (saving.IsCompleted && _time.GetElapsedTime(lastSave) >= s_cursorSaveInterval)
                    {
                        saving = Task.Factory.StartNew(SaveCursor, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                        lastSave = _time.GetTimestamp();
                    }

                    continue;
                }

                await saving.ConfigureAwait(false);
                SaveCursor();
                if (stop.IsCancellationRequested)
                {
                    return SessionEnd.Stopped;
                }

                await WaitForEventsAsync(reader.NextSequence, hard, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            // A save under way must end before the next session's (SaveCursor logs its own failures).
            await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            reader.Dispose();
            if (next.IsReady)
            {
                ArrayPool<byte>.Shared.Return(next.Payload);
                if (next.Resend is { } prepared && !ReferenceEquals(prepared, resend))
                {
                    prepared.Fail(stop.IsCancellationRequested ? "the branch is stopping" : "the connection ended");
                }
            }

            resend?.Fail(stop.IsCancellationRequested ? "the branch is stopping" : "the connection ended");
            if (stop.IsCancellationRequested)
            {
                FailQueuedResends("the branch is stopping");
            }

            foreach (InFlight left in inFlight)
            {
                left.Resend?.Fail("the connection ended before the broker acknowledged every event");
                // The connection is gone: these fail on their own. Their payloads go to the GC, not back to the
                // pool, since the client may still hold them until it notices.
                _ = left.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private bool TryRead(LogReader reader, out LobbyEvent e)
    {
        try
        {
            return reader.TryRead(out e);
        }
        catch (InvalidDataException ex)
        {
            // A corrupt record in an older segment: nothing past it can be shipped until the file is restored. The
            // link stays up (commands, status) and the reader retries at the next wake-up.
            Log.LogCorrupt(_logger, ex.Message);
            _readerBroken = true;
            e = default;
            return false;
        }
    }

    private async Task WaitForEventsAsync(long next, CancellationToken hard, CancellationToken stop)
    {
        while (_wake.Reader.TryRead(out _))
        {
        }

        if (_log.LastSequence >= next || ResendWaiting())
        {
            return;
        }

        using var poll = new CancellationTokenSource(s_pollInterval, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hard, stop, poll.Token);
        try
        {
            await _wake.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!hard.IsCancellationRequested)
        {
            // The poll interval passed, or a stop was asked for: the loop looks again either way.
        }
    }

    /// <summary>
    /// Reads the next event to ship (<see cref="TryNextToShip"/>) and writes its CloudEvent into a pooled buffer;
    /// false when there is none now.
    /// </summary>
    private bool TryPrepare(LogReader reader, ref ResendJob? resend, ref bool resendTurn, out Prepared prepared)
    {
        if (!TryNextToShip(reader, ref resend, ref resendTurn, out LobbyEvent e, out ResendJob? of))
        {
            prepared = default;
            return false;
        }

        _eventBuffer.ResetWrittenCount();
        _eventJson.Reset(_eventBuffer);
        CloudEventWriter.Write(_eventJson, in e, _topics, _config, Devices);
        _eventJson.Flush();
        int length = _eventBuffer.WrittenCount;
        byte[] payload = ArrayPool<byte>.Shared.Rent(length);
        _eventBuffer.WrittenSpan.CopyTo(payload);
        prepared = new Prepared(e.Sequence, payload, length, of);
        return true;
    }

    /// <summary>Publishes one event as its CloudEvent: on <c>events</c>, or on <c>events/resent</c> for a resend (the same bytes).</summary>
    private InFlight PublishEvent(IMqttClient client, in Prepared prepared)
    {
        (long sequence, byte[] payload, int length, ResendJob? resend) = prepared;
        var message = new MqttApplicationMessage
        {
            Topic = resend is null ? _topics.Events : _topics.Resent,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Retain = false,
            ContentType = CloudEventWriter.ContentType,
            PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
            Payload = new ReadOnlySequence<byte>(payload, 0, length),
        };

        Task<MqttClientPublishResult> task;
        try
        {
            // Called one after another from this task, so the packets queue for the socket in this order. Without a
            // cancellation token: MQTTnet's wait for the PUBACK is much dearer with one (a thread hop per event). A
            // publish still ends when the connection does (the client fails what it awaits) or at the client's
            // timeout, and the shipper stops waiting for it at once when the session is cut (WaitAsync above).
            task = client.PublishAsync(message, CancellationToken.None);
        }
        catch (Exception ex)
        {
            task = Task.FromException<MqttClientPublishResult>(ex);
        }

        return new InFlight(sequence, task, payload, resend);
    }

    private void SaveCursor()
    {
        long acked = Volatile.Read(ref _acked);
        if (acked <= _cursor.Position)
        {
            return;
        }

        try
        {
            _cursor.Save(acked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not fatal: the cursor stays behind and the next start sends a few events twice, with the same ids.
            Log.CursorSaveFailed(_logger, e.Message);
        }
    }

    /// <summary>
    /// Publishes <c>state</c> when it changed, at most once a second, and <c>status</c> <c>online</c> again (same
    /// <c>since</c>) when the configuration in force changed after <paramref name="announced"/>.
    /// </summary>
    private async Task PublishStateAsync(Session session, DateTimeOffset since, ConfigurationInForce announced)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session.Token, _stop.Token);
        CancellationToken token = linked.Token;
        byte[]? last = null;
        try
        {
            while (true)
            {
                announced = await AnnounceConfigurationAsync(session, since, announced, token).ConfigureAwait(false);
                ReadOnlyMemory<byte> state = default;
                bool read = false;
                try
                {
                    state = _state.GetStateJson();
                    read = true;
                }
                catch (Exception e)
                {
                    Log.StateFailed(_logger, e);
                }

                if (read && (last is null || !SameStateApartFromTime(state.Span, last)))
                {
                    byte[] copy = state.ToArray();
                    MqttClientPublishResult result = await session.Client.PublishAsync(Message(_topics.State, copy, retain: true), token).ConfigureAwait(false);
                    if (Accepted(result))
                    {
                        last = copy;
                    }
                    else
                    {
                        Log.PublishRefused(_logger, _topics.State, result.ReasonCode.ToString(), result.ReasonString ?? "");
                    }
                }

                // A delay after each round rather than a periodic timer: a late round never makes the next one
                // come sooner, so there is always at least a second between two states.
                await Task.Delay(s_stateInterval, _time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Whether two state snapshots say the same but for their top-level <c>"time"</c> (when the snapshot was made). A
    /// snapshot carries the time it was made, so without this every snapshot would be new and <c>state</c> would go
    /// out every second, day and night (about 9 KB a second per branch: deploy/FLEET.md). The retained state's
    /// <c>time</c> is thus when its content last changed. A snapshot without a string <c>time</c> is compared whole.
    /// </summary>
    internal static bool SameStateApartFromTime(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        (int aStart, int aEnd) = TimeValue(a);
        (int bStart, int bEnd) = TimeValue(b);
        return a[..aStart].SequenceEqual(b[..bStart]) && a[aEnd..].SequenceEqual(b[bEnd..]);
    }

    /// <summary>Where the value of the top-level <c>"time"</c> string is in <paramref name="json"/>; (length, length) when it has none.</summary>
    private static (int Start, int End) TimeValue(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool time = reader.ValueTextEquals("time"u8);
                    if (!reader.Read())
                    {
                        break;
                    }

                    if (time && reader.TokenType == JsonTokenType.String)
                    {
                        return ((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                    }

                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: compared whole.
        }

        return (json.Length, json.Length);
    }

    private static MqttApplicationMessage Message(string topic, byte[] json, bool retain) => new()
    {
        Topic = topic,
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        Retain = retain,
        ContentType = "application/json",
        PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
        Payload = new ReadOnlySequence<byte>(json),
    };

    /// <summary>QoS 1 accepted: success, or "no matching subscribers" (the broker took it all the same).</summary>
    private static bool Accepted(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private static string Describe(Exception e)
    {
        // The innermost message says what happened (connection refused, certificate rejected, ...).
        Exception inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return ReferenceEquals(inner, e) ? $"{e.GetType().Name}: {e.Message}" : $"{e.GetType().Name}: {e.Message} ({inner.GetType().Name}: {inner.Message})";
    }

    /// <summary>An event read and written as its CloudEvent (<paramref name="Length"/> bytes of the pooled <paramref name="Payload"/>), not yet published.</summary>
    private readonly record struct Prepared(long Sequence, byte[] Payload, int Length, ResendJob? Resend)
    {
        /// <summary>Whether this holds an event (<see langword="default"/> holds none).</summary>
        public bool IsReady => Payload is not null;
    }

    /// <summary>An event published and not yet acknowledged; <paramref name="Resend"/> when it was sent again for a resend-events.</summary>
    private readonly record struct InFlight(long Sequence, Task<MqttClientPublishResult> Task, byte[] Payload, ResendJob? Resend);

    private enum SessionEnd
    {
        ConnectFailed,
        Lost,
        Refused,
        Stopped,
    }
}
