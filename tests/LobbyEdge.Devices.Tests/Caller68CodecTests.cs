using System.Buffers;
using CsCheck;
using LobbyEdge.Devices.Keypad;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests;

public sealed class Caller68CodecTests
{
    private static byte[] Frame(byte address, byte function, params byte[] data)
    {
        byte[] buffer = new byte[Caller68Codec.MaxFrameLength];
        return buffer[..Caller68Codec.Encode(address, function, data, buffer)];
    }

    [Fact]
    public void Encode_KeyPress_MatchesContractLayout()
    {
        // FF 68 L L 68 ADDR FUNC DATA… CS 16 with L = 3 and CS = 03 + 01 + 0C.
        Assert.Equal(new byte[] { 0xFF, 0x68, 0x03, 0x03, 0x68, 0x03, 0x01, 0x0C, 0x10, 0x16 }, Frame(3, 0x01, 0x0C));
    }

    [Fact]
    public void EncodeRatingPrompt_CarriesTheSecondsAsked_RoundedUpAndClamped()
    {
        // FF 68 03 03 68 ADDR 12 SECONDS CS 16, CS = 65 + 12 + 1E.
        byte[] buffer = new byte[Caller68Codec.MaxFrameLength];
        int n = Caller68Codec.EncodeRatingPrompt(101, TimeSpan.FromSeconds(30), buffer);
        Assert.Equal(new byte[] { 0xFF, 0x68, 0x03, 0x03, 0x68, 101, 0x12, 30, (byte)(101 + 0x12 + 30), 0x16 }, buffer[..n]);
        Assert.Equal(Caller68Scan.Frame, Caller68Codec.Scan(buffer.AsSpan(0, n), out Caller68Frame frame, out _, out _));
        Assert.Equal(Caller68Codec.FunctionRatingPrompt, frame.Function);

        Caller68Codec.EncodeRatingPrompt(1, TimeSpan.FromMilliseconds(1500), buffer);
        Assert.Equal(2, buffer[7]);
        Caller68Codec.EncodeRatingPrompt(1, TimeSpan.FromMinutes(10), buffer);
        Assert.Equal(255, buffer[7]);
        Caller68Codec.EncodeRatingPrompt(1, TimeSpan.Zero, buffer);
        Assert.Equal(1, buffer[7]);
    }

    [Theory]
    [InlineData(RatingPromptEnd.NotRated, 0x00)]
    [InlineData(RatingPromptEnd.Thanks, 0x01)]
    [InlineData(RatingPromptEnd.AlreadyRated, 0x02)]
    [InlineData(RatingPromptEnd.NotCounted, 0x03)]
    public void EncodeRatingPromptEnd_CarriesTheOutcome(RatingPromptEnd end, byte data)
    {
        byte[] buffer = new byte[Caller68Codec.MaxFrameLength];
        int n = Caller68Codec.EncodeRatingPromptEnd(102, end, buffer);
        Assert.Equal(Frame(102, 0x13, data), buffer[..n]);
    }

    [Fact]
    public void Scan_ValidFrame_GivesAddressFunctionData()
    {
        byte[] frame = Frame(7, 0x01, 0x06, 0x0F);
        Assert.Equal(Caller68Scan.Frame, Caller68Codec.Scan(frame, out Caller68Frame f, out int consumed, out _));
        Assert.Equal(frame.Length, consumed);
        Assert.Equal(7, f.Address);
        Assert.Equal(0x01, f.Function);
        Assert.Equal(new byte[] { 0x06, 0x0F }, f.Data.ToArray());
    }

    [Theory]
    [InlineData(Caller68Rejection.LengthMismatch)]
    [InlineData(Caller68Rejection.LengthOutOfRange)]
    [InlineData(Caller68Rejection.BadHeader)]
    [InlineData(Caller68Rejection.BadChecksum)]
    [InlineData(Caller68Rejection.BadEndByte)]
    [InlineData(Caller68Rejection.Garbage)]
    public void Scan_CorruptFrame_IsRejectedWithItsReason(Caller68Rejection reason)
    {
        byte[] frame = Frame(3, 0x01, 0x0C);
        switch (reason)
        {
            case Caller68Rejection.LengthMismatch:
                frame[3] = 4;
                break;
            case Caller68Rejection.LengthOutOfRange:
                frame[2] = frame[3] = 9;
                break;
            case Caller68Rejection.BadHeader:
                frame[4] = 0x69;
                break;
            case Caller68Rejection.BadChecksum:
                frame[^2] ^= 0x01;
                break;
            case Caller68Rejection.BadEndByte:
                frame[^1] = 0x17;
                break;
            case Caller68Rejection.Garbage:
                frame = [0x00, 0x13, .. frame];
                break;
        }

        Assert.Equal(Caller68Scan.Rejected, Caller68Codec.Scan(frame, out _, out int consumed, out Caller68Rejection got));
        Assert.Equal(reason, got);
        Assert.True(consumed >= 1);
    }

    [Fact]
    public void Scan_LengthTwo_IsOnlyTheBeep()
    {
        byte[] beep = new byte[16];
        int n = Caller68Codec.EncodeBeep(5, beep);
        Assert.Equal(Caller68Scan.Frame, Caller68Codec.Scan(beep.AsSpan(0, n), out _, out _, out _));

        byte[] keyWithoutKey = Frame(5, 0x01);
        Assert.Equal(Caller68Scan.Rejected, Caller68Codec.Scan(keyWithoutKey, out _, out _, out Caller68Rejection reason));
        Assert.Equal(Caller68Rejection.LengthOutOfRange, reason);
    }

    [Fact]
    public void Scan_PartialFrame_NeedsMoreData()
    {
        byte[] frame = Frame(3, 0x01, 0x0C);
        for (int i = 1; i < frame.Length; i++)
        {
            Assert.Equal(Caller68Scan.NeedMoreData, Caller68Codec.Scan(frame.AsSpan(0, i), out _, out int consumed, out _));
            Assert.Equal(0, consumed);
        }
    }

    [Theory]
    [InlineData(5, 23, new byte[] { 0x0A, 0x0A, 5, 0, 2, 3 })]
    [InlineData(0, 0, new byte[] { 0x0A, 0x0A, 0, 0x0A, 0x0A, 0x0A })]
    [InlineData(1234, 1023, new byte[] { 9, 9, 9, 0, 2, 3 })]
    [InlineData(42, 7, new byte[] { 0x0A, 4, 2, 0, 0, 7 })]
    public void EncodeDisplay_WaitingLeftCappedAt999_TicketRight(int waiting, int number, byte[] digits)
    {
        byte[] buffer = new byte[16];
        int n = Caller68Codec.EncodeDisplay(3, waiting, number, buffer);
        Assert.Equal(Caller68Scan.Frame, Caller68Codec.Scan(buffer.AsSpan(0, n), out Caller68Frame f, out _, out _));
        Assert.Equal(Caller68Codec.FunctionDisplay, f.Function);
        Assert.Equal(digits, f.Data.ToArray());
    }

    [Fact]
    public void Bus_CountsEveryRejectionReason_AndNeverPostsACommand()
    {
        var bus = NewBus();
        var now = DateTime.UtcNow.Ticks;
        Feed(bus, [0x00, 0x55], now);                                         // garbage
        Feed(bus, Mutate(Frame(3, 1, 0x0C), f => f[3] = 5), now);            // length mismatch
        Feed(bus, Mutate(Frame(3, 1, 0x0C), f => f[2] = f[3] = 1), now);     // length out of range
        Feed(bus, Mutate(Frame(3, 1, 0x0C), f => f[4] = 0x00), now);         // bad header
        Feed(bus, Mutate(Frame(3, 1, 0x0C), f => f[^2]++), now);             // bad checksum
        Feed(bus, Mutate(Frame(3, 1, 0x0C), f => f[^1] = 0), now);           // bad end byte
        Feed(bus, Frame(3, 1, 0x0C)[..6], now);                              // cut short …
        Feed(bus, [0x00], now + TimeSpan.FromSeconds(1).Ticks);              // … and the line went quiet

        foreach (Caller68Rejection reason in Enum.GetValues<Caller68Rejection>().Where(r => r != Caller68Rejection.None))
        {
            Assert.True(bus.Rejected(reason) >= 1, $"{reason} not counted");
        }

        Assert.False(bus.Requests.TryRead(out _));
    }

    [Fact]
    public void Bus_ValidPress_PostsOneCommand_AndARetryOfTheSameFrameNone()
    {
        var bus = NewBus();
        long now = DateTime.UtcNow.Ticks;
        Feed(bus, Frame(3, 1, 0x0C), now);
        Feed(bus, Frame(3, 1, 0x0C), now + TimeSpan.FromMilliseconds(300).Ticks);   // the keypad retried
        Assert.True(bus.Requests.TryRead(out KeypadRequest request));
        Assert.Equal(Command.CallNext(3), request.Command);
        Assert.False(bus.Requests.TryRead(out _));
        Assert.Equal(1, bus.Duplicates);

        Feed(bus, Frame(3, 1, 0x0C), now + TimeSpan.FromSeconds(5).Ticks);          // a new press later
        Assert.True(bus.Requests.TryRead(out _));
    }

    [Fact]
    public void Bus_FrameAfterNoise_IsStillFound()
    {
        var bus = NewBus();
        Feed(bus, [0x13, 0xFF, 0x00, 0x68, .. Frame(3, 1, 0x0D)], DateTime.UtcNow.Ticks);
        Assert.True(bus.Requests.TryRead(out KeypadRequest request));
        Assert.Equal(CommandKind.Recall, request.Command.Kind);
    }

    [Fact]
    public void Property_RandomBytesAndCorruptedFrames_NeverPostACommand_NeverThrow()
    {
        Gen<byte[]> noise = Gen.Byte.Array[0, 200];
        Gen<byte[]> corrupted = Gen.Select(Gen.Int[1, 8], Gen.Byte.Array[0, 5], Gen.Int[0, 100], Gen.Int[0, 7],
            (address, data, position, bit) =>
            {
                byte[] frame = Frame((byte)address, 1, [.. data.Select(d => (byte)(d % 10)), 0x0C]);
                frame[position % frame.Length] ^= (byte)(1 << bit);
                return frame;
            });
        Gen<byte[]> truncated = Gen.Int[1, 8].Select(a => Frame((byte)a, 1, 0x0C)[..^1]);
        Gen.OneOf(noise, corrupted, truncated).Array[1, 20].Sample(chunks =>
        {
            var bus = NewBus();
            long now = DateTime.UtcNow.Ticks;
            foreach (byte[] chunk in chunks)
            {
                now += TimeSpan.FromMilliseconds(500).Ticks;   // each chunk after a pause: a cut frame ends there
                Feed(bus, chunk, now);
            }

            return !bus.Requests.TryRead(out _);
        }, iter: 2000);
    }

    internal static KeypadBus NewBus() =>
        new(new DeviceInfo(0, "callers", DeviceKind.SerialLine),
            [.. Enumerable.Range(1, 8).Select(i => new KeypadAssignment(new DeviceInfo(i, $"k{i}", DeviceKind.Keypad), (byte)i, i))]);

    internal static void Feed(KeypadBus bus, byte[] bytes, long nowTicks)
    {
        // Like the read loop: what is left over stays in front of the next bytes.
        s_leftover.TryGetValue(bus, out byte[]? left);
        byte[] all = [.. left ?? [], .. bytes];
        var sequence = new ReadOnlySequence<byte>(all);
        bus.Consume(ref sequence, nowTicks);
        s_leftover.AddOrUpdate(bus, sequence.ToArray());
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<KeypadBus, byte[]> s_leftover = [];

    private static byte[] Mutate(byte[] frame, Action<byte[]> change)
    {
        change(frame);
        return frame;
    }
}
