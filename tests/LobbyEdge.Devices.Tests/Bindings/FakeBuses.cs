using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// An <see cref="I2cDevice"/> for tests: records every byte written, in order, as the I2C slave receives it; can
/// fail like a device that does not answer its address (the kernel's EREMOTEIO, an <see cref="IOException"/>).
/// </summary>
internal sealed class FakeI2cDevice(I2cConnectionSettings settings) : I2cDevice
{
    /// <summary>Every byte written, in order.</summary>
    public List<byte> Written { get; } = [];

    /// <summary>Whether the device answers (false: every transfer fails as with nothing at the address).</summary>
    public bool Answers { get; set; } = true;

    /// <summary>Whether it was disposed.</summary>
    public bool Disposed { get; private set; }

    /// <inheritdoc />
    public override I2cConnectionSettings ConnectionSettings => settings;

    /// <inheritdoc />
    public override byte ReadByte()
    {
        Check();
        return 0xFF;
    }

    /// <inheritdoc />
    public override void Read(Span<byte> buffer)
    {
        Check();
        buffer.Fill(0xFF);
    }

    /// <inheritdoc />
    public override void WriteByte(byte value)
    {
        Check();
        Written.Add(value);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check();
        Written.AddRange(buffer);
    }

    /// <inheritdoc />
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }

    private void Check()
    {
        if (!Answers)
        {
            throw new IOException($"Error 121 performing I2C data transfer (bus {settings.BusId}, address 0x{settings.DeviceAddress:X2})");
        }
    }
}

/// <summary>An <see cref="SpiDevice"/> for tests: records each write as one transfer (chip select low … high).</summary>
internal sealed class FakeSpiDevice(SpiConnectionSettings settings) : SpiDevice
{
    /// <summary>Each transfer's bytes, in order.</summary>
    public List<byte[]> Transfers { get; } = [];

    /// <inheritdoc />
    public override SpiConnectionSettings ConnectionSettings => settings;

    /// <inheritdoc />
    public override byte ReadByte() => 0;

    /// <inheritdoc />
    public override void Read(Span<byte> buffer) => buffer.Clear();

    /// <inheritdoc />
    public override void WriteByte(byte value) => Transfers.Add([value]);

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer) => Transfers.Add(buffer.ToArray());

    /// <inheritdoc />
    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        readBuffer.Clear();
    }
}

/// <summary>A <see cref="PwmChannel"/> for tests: records what is set and started, in order.</summary>
internal sealed class FakePwmChannel : PwmChannel
{
    private int _frequency = 400;
    private double _dutyCycle = 0.5;

    /// <summary>"frequency=1319", "duty=0.5", "start", "stop", in order.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Whether the output runs now.</summary>
    public bool Running { get; private set; }

    /// <inheritdoc />
    public override int Frequency
    {
        get => _frequency;
        set
        {
            _frequency = value;
            Calls.Add($"frequency={value}");
        }
    }

    /// <inheritdoc />
    public override double DutyCycle
    {
        get => _dutyCycle;
        set
        {
            _dutyCycle = value;
            Calls.Add(FormattableString.Invariant($"duty={value}"));
        }
    }

    /// <inheritdoc />
    public override void Start()
    {
        Running = true;
        Calls.Add("start");
    }

    /// <inheritdoc />
    public override void Stop()
    {
        Running = false;
        Calls.Add("stop");
    }
}
