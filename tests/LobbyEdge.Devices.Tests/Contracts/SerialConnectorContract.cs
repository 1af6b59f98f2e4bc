using System.Diagnostics;
using LobbyEdge.Devices.Serial;
using LobbyEdge.Simulator.Devices;

namespace LobbyEdge.Devices.Tests.Contracts;

/// <summary>
/// What every <see cref="ISerialConnector"/> promises the serial link (src/LobbyEdge.Devices/Serial/README.md), in
/// the System.Threading.Channels <c>ChannelTestBase</c> style: the tests are written once here, and each
/// transport derives a class that only says how its line is made (<see cref="SerialRig"/>). The virtual hub is
/// what <c>--simulate</c> and most device tests use; it must behave as a real port does.
/// </summary>
public abstract class SerialConnectorContract
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(10);

    /// <summary>A fresh line of this transport, with nothing attached yet.</summary>
    protected abstract Task<SerialRig> CreateRigAsync();

    [Fact]
    public async Task PresentLine_Exists_AndOpensReadableAndWritable()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        Assert.True(rig.Connector.DeviceExists(rig.Path), $"{rig}: {rig.Path} does not exist");
        await WithLineAsync(rig, line =>
        {
            Assert.True(line.Stream.CanRead, $"{rig}: the stream cannot read");
            Assert.True(line.Stream.CanWrite, $"{rig}: the stream cannot write");
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task MissingLine_DoesNotExist_AndOpeningItFailsWithFileNotFound()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        string missing = rig.Path + "-missing";
        Assert.False(rig.Connector.DeviceExists(missing));
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await rig.Connector.OpenAsync(rig.Settings with { Path = missing }, CancellationToken.None));
    }

    [Fact]
    public async Task BytesWritten_ComeBackFromThePeer_AllAndInOrder()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        await WithLineAsync(rig, line => EchoesAsync(line, [.. Enumerable.Range(0, 200).Select(i => (byte)(i * 7))]));
    }

    [Fact]
    public async Task FrameWrittenInPieces_ReachesThePeerWhole_AndItsReplyInPiecesReachesTheHostWhole()
    {
        await using SerialRig rig = await CreateRigAsync();
        var device = new FrameDevice();
        await rig.AttachAsync(device);
        byte[] frame = [0x02, (byte)'A', (byte)'0', (byte)'2', (byte)'3', 0x03];
        await WithLineAsync(rig, async line =>
        {
            await WriteAsync(line, frame.AsMemory(0, 2));
            await Task.Delay(100);   // the peer sees the first piece alone before the rest comes
            await WriteAsync(line, frame.AsMemory(2));

            // The device answers ACK and the frame back, written in two pieces of its own.
            Assert.Equal([0x06, .. frame], await ReadExactlyAsync(line.Stream, frame.Length + 1));
        });
        Assert.Equal(frame, Assert.Single(device.Frames));
    }

    [Fact]
    public async Task ClosedLine_OpensAgain_AndCarriesBytes()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        for (int session = 1; session <= 3; session++)
        {
            await WithLineAsync(rig, line => EchoesAsync(line, [(byte)session, 0x55, 0xAA]));
        }
    }

    [Fact]
    public async Task PeerGoingAway_EndsTheOpenLine_AndTheDeviceFileGoes_UntilItIsBack()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        await WithLineAsync(rig, async line =>
        {
            await EchoesAsync(line, [1, 2, 3]);
            await rig.UnplugAsync();
            Assert.False(rig.Connector.DeviceExists(rig.Path), $"{rig}: the device file is still there after the peer went away");

            // A read on the open line ends: end of stream or an I/O error, not a wait for ever.
            Task<int> read = Task.Run(async () =>
            {
                try
                {
                    return await line.Stream.ReadAsync(new byte[16]);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
                {
                    return -1;
                }
            });
            Assert.True(await Task.WhenAny(read, Task.Delay(s_patience)) == read, $"{rig}: a read on a line whose peer went away still waits after {s_patience}");
            Assert.True(await read <= 0, $"{rig}: a read on a line whose peer went away returned {await read} bytes");
        }, awaitClose: false);

        await rig.PlugAsync();
        await WithLineAsync(rig, line => EchoesAsync(line, [4, 5]));
    }

    [Fact]
    public async Task ReadWithNothingComing_EndsWhenItsTokenFires()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new EchoDevice());
        await WithLineAsync(rig, async line =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                int n = await line.Stream.ReadAsync(new byte[16], timeout.Token);
                Assert.Fail($"{rig}: read {n} bytes from a line where nothing comes");
            });
            Assert.True(clock.Elapsed < s_patience, $"{rig}: the cancelled read took {clock.Elapsed}");
        });
    }

    [Fact]
    public async Task WriteToAPeerThatTakesNothing_EndsWhenItsTokenFires()
    {
        await using SerialRig rig = await CreateRigAsync();
        await rig.AttachAsync(new DeafDevice());
        await WithLineAsync(rig, async line =>
        {
            // More than any buffer between the two ends holds (pipe: 64 KiB; pty: a few KiB each way plus socat's).
            byte[] flood = new byte[4 * 1024 * 1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            Task write = Task.Run(async () =>
            {
                await line.Stream.WriteAsync(flood, timeout.Token);
                await line.Stream.FlushAsync(timeout.Token);
            });
            Assert.True(await Task.WhenAny(write, Task.Delay(s_patience)) == write, $"{rig}: a write the peer does not take still waits {s_patience} after its token fired");
            Exception? e = await Record.ExceptionAsync(() => write);
            Assert.True(e is OperationCanceledException or IOException or TimeoutException, $"{rig}: the write ended with {e?.GetType().Name ?? "success"}; 4 MiB cannot have been taken by a peer that reads nothing");
        }, awaitClose: false);
    }

    /// <summary>
    /// Opens the line (waiting, as the link does, for its device file to be there), runs <paramref name="use"/> and
    /// closes the line on another thread. A close after a lost peer or a cancelled write may block (a real port drains
    /// its output queue first; <see cref="ISerialConnector"/>), so those tests do not wait for it
    /// (<paramref name="awaitClose"/> false); the others do, before the line is opened again.
    /// </summary>
    private static async Task WithLineAsync(SerialRig rig, Func<SerialConnection, Task> use, bool awaitClose = true)
    {
        await Eventually.UntilAsync(() => rig.Connector.DeviceExists(rig.Path), $"{rig.Path} to exist ({rig})", s_patience);
        SerialConnection line = await rig.Connector.OpenAsync(rig.Settings, CancellationToken.None);
        try
        {
            await use(line);
        }
        finally
        {
            Task closing = Task.Run(line.Close);
            if (awaitClose)
            {
                await closing.WaitAsync(s_patience);
            }
        }
    }

    private static async Task WriteAsync(SerialConnection line, ReadOnlyMemory<byte> bytes)
    {
        await line.Stream.WriteAsync(bytes);
        await line.Stream.FlushAsync();
    }

    /// <summary>Writes <paramref name="sent"/> to an echoing peer and expects the same bytes back.</summary>
    private static async Task EchoesAsync(SerialConnection line, byte[] sent)
    {
        await WriteAsync(line, sent);
        Assert.Equal(sent, await ReadExactlyAsync(line.Stream, sent.Length));
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        using var timeout = new CancellationTokenSource(s_patience);
        int read = 0;
        while (read < count)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            Assert.True(n > 0, $"the line ended after {read} of {count} bytes");
            read += n;
        }

        return buffer;
    }

    /// <summary>Sends back every byte it gets.</summary>
    private sealed class EchoDevice : IVirtualDevice
    {
        public Task RunAsync(Stream line, CancellationToken cancellationToken) =>
            VirtualLine.PumpAsync(line, 64, (ReadOnlySpan<byte> received, out byte[]? reply) =>
            {
                reply = received.ToArray();
                return received.Length;
            }, cancellationToken);
    }

    /// <summary>Takes STX … ETX frames, however they are cut, and answers each with ACK and the frame, in two writes.</summary>
    private sealed class FrameDevice : IVirtualDevice
    {
        private readonly List<byte[]> _frames = [];

        public IReadOnlyList<byte[]> Frames
        {
            get
            {
                lock (_frames)
                {
                    return [.. _frames];
                }
            }
        }

        public async Task RunAsync(Stream line, CancellationToken cancellationToken)
        {
            var pending = new List<byte>();
            byte[] buffer = new byte[64];
            while (true)
            {
                int n = await line.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                pending.AddRange(buffer.AsSpan(0, n));
                int end = pending.IndexOf(0x03);
                if (pending.Count > 0 && pending[0] == 0x02 && end > 0)
                {
                    byte[] frame = [.. pending.Take(end + 1)];
                    pending.RemoveRange(0, end + 1);
                    lock (_frames)
                    {
                        _frames.Add(frame);
                    }

                    await line.WriteAsync(new byte[] { 0x06 }, cancellationToken);
                    await line.FlushAsync(cancellationToken);
                    await Task.Delay(50, cancellationToken);
                    await line.WriteAsync(frame, cancellationToken);
                    await line.FlushAsync(cancellationToken);
                }
            }
        }
    }

    /// <summary>Opens its end and reads nothing.</summary>
    private sealed class DeafDevice : IVirtualDevice
    {
        public Task RunAsync(Stream line, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

/// <summary>The contract over the simulator's in-process lines.</summary>
public sealed class VirtualHubSerialConnectorTests : SerialConnectorContract
{
    protected override Task<SerialRig> CreateRigAsync() => Task.FromResult<SerialRig>(new VirtualHubRig());
}

/// <summary>The contract over real socat ptys opened with System.IO.Ports.</summary>
[Trait("Category", "Integration")]
[Collection("ptys")]
public sealed class PtySerialConnectorTests : SerialConnectorContract
{
    protected override async Task<SerialRig> CreateRigAsync() => await PtyRig.StartAsync();
}
