using System.Net;
using System.Net.Sockets;

namespace LobbyEdge.Devices.Serial;

/// <summary>
/// What the TCP and UDP lines share: the peer's address resolved at every open, a <see cref="Socket"/> owned by one
/// stream, socket errors told as <see cref="IOException"/> (what <see cref="SerialLink"/> takes as a lost line) in the
/// lobby's words, and a close that never blocks: after a write that was cancelled or failed the socket is closed
/// abortively (TCP RST), so nothing is left to drain.
/// </summary>
internal abstract class SocketLineStream : Stream
{
    private int _aborted;

    protected SocketLineStream(Socket socket, string path)
    {
        Socket = socket;
        Path = path;
    }

    /// <summary>The open socket.</summary>
    protected Socket Socket { get; }

    /// <summary>The line's key (<c>tcp://host:port</c>, <c>udp://host:port</c>), for messages.</summary>
    protected string Path { get; }

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
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Runs a socket send: a cancelled one (the session's write timeout) or a failed one aborts the socket at once,
    /// so the pipe's final flush and the close that follow find a closed socket instead of waiting for a peer that
    /// takes nothing.
    /// </summary>
    protected async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _aborted) != 0, this);
        try
        {
            while (!bytes.IsEmpty)
            {
                int sent = await Socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                bytes = bytes[sent..];
            }
        }
        catch (OperationCanceledException)
        {
            Abort();
            throw;
        }
        catch (SocketException e)
        {
            Abort();
            throw Lost(e);
        }
    }

    /// <summary>Runs a socket receive; a cancelled one leaves the socket as it was.</summary>
    protected async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Lost(e);
        }
    }

    /// <summary>The lost line as the link reports it: why, in words an operator can act on.</summary>
    protected virtual IOException Lost(SocketException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string why = e.SocketErrorCode switch
        {
            SocketError.ConnectionReset => "the peer reset the connection",
            SocketError.ConnectionRefused => "the peer refused (nothing listens on that port)",
            SocketError.TimedOut => "the peer stopped answering (keep-alive or retransmission timed out)",
            SocketError.HostUnreachable or SocketError.HostDown => "the peer's host is unreachable",
            SocketError.NetworkUnreachable or SocketError.NetworkDown => "the network is unreachable",
            _ => e.Message,
        };
        return new IOException($"{Path}: {why}", e);
    }

    /// <summary>Closes the socket at once, dropping what is unsent (TCP: a reset instead of a goodbye).</summary>
    protected void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        Socket.Dispose();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Without SO_LINGER a close returns at once: the kernel sends what is queued on its own.
            Socket.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// The peer's addresses, looked up at every open (a DHCP reservation or a DNS name may move): an IP literal as it
    /// is, a host name through the resolver, at most <paramref name="timeout"/>. An unknown name is an
    /// <see cref="IOException"/> saying so; a resolver that does not answer, a <see cref="TimeoutException"/>.
    /// </summary>
    internal static async Task<IPAddress[]> ResolveAsync(string host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return [literal];
        }

        try
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new IOException($"host name {host} has no address");
            }

            // IPv4 first: most branch devices have no IPv6 address even when the name has one.
            return [.. addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)];
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot resolve host name {host}: {e.Message}", e);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"resolving host name {host} took longer than {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>The settings' peer, checked: a network line needs a host and a port.</summary>
    internal static (string Host, int Port) Peer(SerialLineSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Host) || settings.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"{settings.Path}: a {settings.Transport} line needs a host and a port 1..65535", nameof(settings));
        }

        return (settings.Host, settings.Port);
    }
}
