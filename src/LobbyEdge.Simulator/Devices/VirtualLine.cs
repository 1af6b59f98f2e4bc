namespace LobbyEdge.Simulator.Devices;

/// <summary>Takes the bytes received so far; returns how many it used and, in <paramref name="reply"/>, what to send back.</summary>
/// <param name="received">The bytes not yet used, oldest first.</param>
/// <param name="reply">Bytes to write to the line, or null.</param>
public delegate int LineConsumer(ReadOnlySpan<byte> received, out byte[]? reply);

/// <summary>The device end of a serial line: the read loop every virtual device shares.</summary>
public static class VirtualLine
{
    /// <summary>
    /// Reads <paramref name="line"/> until it closes, hands the bytes to <paramref name="consume"/>, keeps what it
    /// did not use for the next read, and writes its replies. A buffer filled with bytes nobody can use (noise
    /// longer than any frame) is dropped, so a device never stops reading.
    /// </summary>
    public static async Task PumpAsync(Stream line, int bufferSize, LineConsumer consume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(consume);
        byte[] buffer = new byte[bufferSize];
        int count = 0;
        while (true)
        {
            int n = await line.ReadAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            count += n;
            int used = consume(buffer.AsSpan(0, count), out byte[]? reply);
            buffer.AsSpan(used, count - used).CopyTo(buffer);
            count -= used;
            if (reply is { Length: > 0 })
            {
                await line.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
                await line.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (count == buffer.Length)
            {
                count = 0;
            }
        }
    }
}
