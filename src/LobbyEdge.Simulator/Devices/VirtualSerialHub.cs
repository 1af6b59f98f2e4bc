using System.Collections.Concurrent;
using System.IO.Pipelines;
using LobbyEdge.Devices.Serial;

namespace LobbyEdge.Simulator.Devices;

/// <summary>A device that speaks a real protocol over a byte stream: the device's end of a serial line.</summary>
public interface IVirtualDevice
{
    /// <summary>Serves the line until it closes or <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(Stream line, CancellationToken cancellationToken);
}

/// <summary>
/// In-process serial lines for <c>--simulate</c> and tests: each port path is a pair of pipes with a virtual
/// device at the far end. Opening a port starts its device; <see cref="Unplug"/> pulls the cable.
/// </summary>
public sealed class VirtualSerialHub : ISerialConnector
{
    private readonly ConcurrentDictionary<string, Port> _ports = new(StringComparer.Ordinal);

    /// <summary>Puts a virtual device at the far end of <paramref name="path"/>.</summary>
    public void Attach(string path, IVirtualDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _ports[path] = new Port(device);
    }

    /// <summary>The device attached at a path, or null.</summary>
    public IVirtualDevice? DeviceAt(string path) => _ports.TryGetValue(path, out Port? p) ? p.Device : null;

    /// <summary>Pulls the cable: the device file disappears and the open line fails.</summary>
    public void Unplug(string path)
    {
        if (_ports.TryGetValue(path, out Port? port))
        {
            port.Present = false;
            port.Cut();
        }
    }

    /// <summary>Plugs the cable back in.</summary>
    public void Plug(string path)
    {
        if (_ports.TryGetValue(path, out Port? port))
        {
            port.Present = true;
        }
    }

    /// <inheritdoc />
    public bool DeviceExists(string path) => _ports.TryGetValue(path, out Port? p) && p.Present;

    /// <inheritdoc />
    public ValueTask<SerialConnection> OpenAsync(SerialLineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!_ports.TryGetValue(settings.Path, out Port? port) || !port.Present)
        {
            throw new FileNotFoundException($"no virtual device at {settings.Path}", settings.Path);
        }

        return ValueTask.FromResult(port.Open());
    }

    private sealed class Port(IVirtualDevice device)
    {
        private CancellationTokenSource? _run;
        private Pipe? _toDevice;
        private Pipe? _toHost;

        public IVirtualDevice Device { get; } = device;

        public volatile bool Present = true;

        public SerialConnection Open()
        {
            Cut();
            var toDevice = new Pipe();
            var toHost = new Pipe();
            var run = new CancellationTokenSource();
            _toDevice = toDevice;
            _toHost = toHost;
            _run = run;
            var deviceEnd = new DuplexStream(toDevice.Reader.AsStream(), toHost.Writer.AsStream());
            var hostEnd = new DuplexStream(toHost.Reader.AsStream(), toDevice.Writer.AsStream());
            _ = Task.Run(async () =>
            {
                try
                {
                    await Device.RunAsync(deviceEnd, run.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The line was cut or closed.
                }
                finally
                {
                    await toHost.Writer.CompleteAsync().ConfigureAwait(false);
                }
            });
            return new SerialConnection(hostEnd, () =>
            {
                toDevice.Writer.Complete();
                toHost.Reader.Complete();
                run.Cancel();
            });
        }

        public void Cut()
        {
            _run?.Cancel();
            _toHost?.Writer.Complete(new IOException("cable pulled"));
            _toDevice?.Writer.Complete();
        }
    }
}

/// <summary>A stream that reads from one stream and writes to another (one end of a pipe pair).</summary>
public sealed class DuplexStream(Stream input, Stream output) : Stream
{
    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override void Flush() => output.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => output.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }
}
