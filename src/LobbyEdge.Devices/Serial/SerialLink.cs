using System.IO.Pipelines;
using LobbyEdge.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// A protocol that talks over a serial line: the keypad bus master, the printer driver, the display driver.
/// <see cref="SerialLink"/> calls <see cref="RunAsync"/> once per time the line is open; it returns (or throws)
/// when the line is lost or the link stops.
/// </summary>
public interface ISerialProtocol
{
    /// <summary>Talks to the devices on an open line until it fails or <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(SerialSession session, CancellationToken cancellationToken);

    /// <summary>The line is down (lost or stopping); the devices on it are unreachable until the next session.</summary>
    public void LineDown(string reason);
}

/// <summary>
/// One open period of a serial line, as a protocol sees it: a <see cref="PipeReader"/> over the port's input and a
/// write that always times out. Only the protocol's own tasks use it, one writer at a time.
/// </summary>
public sealed class SerialSession
{
    private readonly PipeWriter _output;
    private readonly CancellationTokenSource _writeTimeout;
    private readonly TimeSpan _writeTimeoutAfter;

    internal SerialSession(PipeReader input, PipeWriter output, SerialLineSettings settings, TimeProvider time, CancellationTokenSource writeTimeout)
    {
        Input = input;
        _output = output;
        Settings = settings;
        Time = time;
        _writeTimeout = writeTimeout;
        _writeTimeoutAfter = settings.WriteTimeout;
    }

    /// <summary>Bytes from the line.</summary>
    public PipeReader Input { get; }

    /// <summary>The line's settings.</summary>
    public SerialLineSettings Settings { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Bytes written so far in this session.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Writes bytes and waits until the port has taken them, at most <see cref="SerialLineSettings.WriteTimeout"/>;
    /// a write that takes longer throws <see cref="IOException"/> and the line is reopened.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // The port stream's async writes ignore SerialPort.WriteTimeout, so the timeout is a cancellation here.
        _writeTimeout.CancelAfter(_writeTimeoutAfter);
        try
        {
            using CancellationTokenRegistration link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _writeTimeout);
            FlushResult result = await _output.WriteAsync(bytes, _writeTimeout.Token).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                throw new IOException(Settings.Transport == LineTransport.Serial ? "the serial line was closed" : $"{Settings.Path} was closed");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"write timed out after {_writeTimeoutAfter.TotalMilliseconds:0} ms");
        }
        finally
        {
            if (!_writeTimeout.TryReset())
            {
                // A timed-out write leaves the token cancelled; the session ends with it anyway.
            }
        }

        BytesWritten += bytes.Length;
    }
}

/// <summary>
/// The owner of one device line (a serial port, a USB printer, a TCP connection or a UDP endpoint, each a
/// <see cref="Stream"/> from its <see cref="ISerialConnector"/>): a single task that opens the line, runs the protocol
/// over System.IO.Pipelines, notices when the device is unplugged (its file disappears, or I/O fails), closes the line
/// off the main path with a timeout, and reopens it with exponential backoff. Nothing else touches the line. Logs,
/// device events and metrics are the same for every transport; the line is named by its
/// <see cref="SerialLineSettings.Path"/> (<c>/dev/ttyUSB0</c>, <c>/dev/usb/lp0</c>, <c>tcp://10.0.0.5:9100</c>).
/// </summary>
public sealed partial class SerialLink : IAsyncDisposable
{
    private readonly SerialLineSettings _settings;
    private readonly ISerialConnector _connector;
    private readonly ISerialProtocol _protocol;
    private readonly IDeviceObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;
    private volatile bool _online;
    private int _sessions;
    private DeviceStatus? _reportedStatus;
    private string? _reportedReason;

    /// <summary>Creates the link; <see cref="Start"/> starts its owner task.</summary>
    public SerialLink(DeviceInfo device, SerialLineSettings settings, ISerialConnector connector, ISerialProtocol protocol,
        IDeviceObserver? observer = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(protocol);
        Device = device;
        _settings = settings;
        _connector = connector;
        _protocol = protocol;
        _observer = observer ?? NullDeviceObserver.Instance;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    private int _disposed;

    /// <summary>The line as a device.</summary>
    public DeviceInfo Device { get; }

    /// <summary>The line's settings.</summary>
    public SerialLineSettings Settings => _settings;

    /// <summary>
    /// Whether the link reports its device's status. A line shared by several devices (a keypad or display bus) is a
    /// device of its own and is up while its port is open. A line that is the device (a printer on its own port) is
    /// not: an open port says nothing about whether the printer answers, so its protocol reports its status alone
    /// (otherwise "port open" would mark a silent printer up again after every reconnect).
    /// </summary>
    public bool ReportsStatus => Device.Kind == DeviceKind.SerialLine;

    /// <summary>Whether the line is open now.</summary>
    public bool IsOnline => _online;

    /// <summary>How many times the line has been opened.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Starts the owner task. Returns at once.</summary>
    public void Start()
    {
        _run ??= Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Stops the owner task and closes the port (giving up on a stuck close after its timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        // Both the devices service (on stop) and the container (on dispose) dispose the links: the second is a no-op.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        TimeSpan delay = _settings.ReconnectMinDelay;
        string? lastFailure = null;
        string? lastLoss = null;
        while (!stop.IsCancellationRequested)
        {
            SerialConnection connection;
            try
            {
                if (!_connector.DeviceExists(_settings.Path))
                {
                    throw new FileNotFoundException("the device file is missing (unplugged?)", _settings.Path);
                }

                connection = await _connector.OpenAsync(_settings, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or ArgumentException or InvalidOperationException)
            {
                string reason = $"cannot open {_settings.Path}: {e.Message}";
                if (reason != lastFailure)
                {
                    // Said once per different reason, not on every retry.
                    Log.OpenFailed(_logger, Device.Id, reason);
                    lastFailure = reason;
                }

                Down(reason);
                await DelayAsync(delay, stop).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.ReconnectMaxDelay.Ticks));
                continue;
            }

            lastFailure = null;
            long openedAt = _time.GetTimestamp();
            int session = Interlocked.Increment(ref _sessions);
            _online = true;
            if (_settings.Transport == LineTransport.Serial)
            {
                Log.Opened(_logger, Device.Id, _settings.Path, _settings.BaudRate);
            }
            else
            {
                // A USB printer or a network line has no baud rate: its path (tcp://10.0.0.5:9100) says what it is.
                Log.OpenedLine(_logger, Device.Id, _settings.Path);
            }
            if (session > 1)
            {
                _observer.Reconnected(Device);
            }

            if (ReportsStatus)
            {
                Report(DeviceStatus.Online, $"{_settings.Path} open");
            }

            string why = await RunSessionAsync(connection, stop).ConfigureAwait(false);
            _online = false;
            if (stop.IsCancellationRequested)
            {
                _protocol.LineDown("stopping");
                break;
            }

            // A session that lasted starts the backoff afresh; one lost soon after it opened (a peer that accepts
            // and hangs up, a port held by another client) backs off like a failed open, so it is not reopened four
            // times a second for ever, and the same loss is said once.
            bool stable = _time.GetElapsedTime(openedAt) >= _settings.StableSessionTime;
            if (stable)
            {
                delay = _settings.ReconnectMinDelay;
            }

            if (stable || why != lastLoss)
            {
                Log.Lost(_logger, Device.Id, why);
                lastLoss = why;
            }
            else
            {
                Log.LostAgain(_logger, Device.Id, why, delay.TotalSeconds);
            }

            Down(why);
            await DelayAsync(delay, stop).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.ReconnectMaxDelay.Ticks));
        }
    }

    private void Down(string reason)
    {
        _protocol.LineDown(reason);
        if (ReportsStatus)
        {
            Report(DeviceStatus.Offline, reason);
        }
    }

    /// <summary>Reports the line's status when it or its reason changed (a line failing to open says so once, not at every retry).</summary>
    private void Report(DeviceStatus status, string reason)
    {
        if (_reportedStatus == status && _reportedReason == reason)
        {
            return;
        }

        _reportedStatus = status;
        _reportedReason = reason;
        _observer.StatusChanged(new DeviceStatusChange(Device, status, reason));
    }

    /// <summary>Runs the protocol over an open port until it fails; returns why the session ended.</summary>
    private async Task<string> RunSessionAsync(SerialConnection connection, CancellationToken stop)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var writeTimeout = new CancellationTokenSource();
        PipeReader input = PipeReader.Create(connection.Stream, new StreamPipeReaderOptions(bufferSize: 512, minimumReadSize: 64, leaveOpen: true));
        PipeWriter output = PipeWriter.Create(connection.Stream, new StreamPipeWriterOptions(minimumBufferSize: 256, leaveOpen: true));
        var serial = new SerialSession(input, output, _settings, _time, writeTimeout);
        string why = "stopped";
        Task presence = WatchPresenceAsync(session);
        try
        {
            await _protocol.RunAsync(serial, session.Token).ConfigureAwait(false);
            why = stop.IsCancellationRequested ? "stopped" : "the protocol ended the session";
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            why = stop.IsCancellationRequested ? "stopped" : "the device file is gone (unplugged)";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            why = $"I/O error: {e.Message}";
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            await presence.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await input.CompleteAsync().ConfigureAwait(false);
            try
            {
                await output.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                // Flushing leftovers into a dead port fails; the port is being closed anyway.
            }

            await CloseOffPathAsync(connection).ConfigureAwait(false);
        }

        return why;
    }

    /// <summary>Ends the session when the device file disappears (a USB adapter pulled, socat killed).</summary>
    private async Task WatchPresenceAsync(CancellationTokenSource session)
    {
        try
        {
            using var timer = new PeriodicTimer(_settings.PresenceCheckInterval, _time);
            while (await timer.WaitForNextTickAsync(session.Token).ConfigureAwait(false))
            {
                if (!_connector.DeviceExists(_settings.Path))
                {
                    await session.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended first.
        }
    }

    /// <summary>
    /// Closes the port on a thread of its own and waits at most <see cref="SerialLineSettings.CloseTimeout"/>:
    /// on Linux, close() can block for as long as the kernel's closing wait (30 s) when output cannot drain, and a
    /// lobby cannot wait that long to reopen. A close that does not return is left to finish on its thread.
    /// </summary>
    private async Task CloseOffPathAsync(SerialConnection connection)
    {
        var close = new Thread(static c =>
        {
            try
            {
                ((SerialConnection)c!).Close();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Closing a port whose device is gone can fail; there is nothing left to release.
            }
        })
        {
            IsBackground = true,
            Name = $"close {Device.Id}",
        };
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        close.Start(connection);
        _ = Task.Run(() =>
        {
            close.Join();
            closed.TrySetResult();
        });
        try
        {
            await closed.Task.WaitAsync(_settings.CloseTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.CloseAbandoned(_logger, Device.Id, _settings.Path, _settings.CloseTimeout.TotalSeconds);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "Device {Device}: {Path} open at {Baud} baud")]
        public static partial void Opened(ILogger logger, string device, string path, int baud);

        [LoggerMessage(402, LogLevel.Warning, "Device {Device}: line lost: {Reason}; reopening with backoff")]
        public static partial void Lost(ILogger logger, string device, string reason);

        [LoggerMessage(403, LogLevel.Warning, "Device {Device}: {Reason}; retrying with backoff")]
        public static partial void OpenFailed(ILogger logger, string device, string reason);

        [LoggerMessage(406, LogLevel.Debug, "Device {Device}: line lost again soon after it opened: {Reason}; reopening in {Seconds} s")]
        public static partial void LostAgain(ILogger logger, string device, string reason, double seconds);

        [LoggerMessage(404, LogLevel.Error, "Device {Device}: closing {Path} did not return within {Seconds} s; left to a background thread")]
        public static partial void CloseAbandoned(ILogger logger, string device, string path, double seconds);

        [LoggerMessage(405, LogLevel.Information, "Device {Device}: {Path} open")]
        public static partial void OpenedLine(ILogger logger, string device, string path);
    }
}
