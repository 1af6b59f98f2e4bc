using System.Device.Gpio;
using System.Text;
using LobbyEdge.Devices.Gpio;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>
/// The TM1637 driver against a chip model built from the datasheet (Titan Micro TM1637 V2.4): §7 for the bus
/// (start, stop, LSB-first data on CLK rising edges, the ACK on the 9th clock), §8 for the commands (data command
/// 0x40 "write, auto-increment", address command 0xC0 "digit 0", display control 0x88 | brightness, 0x80 off).
/// </summary>
public sealed class Tm1637Tests
{
    private const int Clk = 5;
    private const int Dio = 6;

    [Theory]
    [InlineData("A023", new byte[] { 0x77, 0x3F, 0x5B, 0x4F })]
    [InlineData("0023", new byte[] { 0x3F, 0x3F, 0x5B, 0x4F })]
    [InlineData("23", new byte[] { 0x00, 0x00, 0x5B, 0x4F })]      // right-aligned
    [InlineData("A0123", new byte[] { 0x3F, 0x06, 0x5B, 0x4F })]   // the last four characters
    [InlineData("PAPr", new byte[] { 0x73, 0x77, 0x73, 0x50 })]
    [InlineData(" OFF", new byte[] { 0x00, 0x3F, 0x71, 0x71 })]
    [InlineData("", new byte[] { 0x00, 0x00, 0x00, 0x00 })]        // blank
    [InlineData("    ", new byte[] { 0x00, 0x00, 0x00, 0x00 })]
    public void Show_WritesDataCommand_AddressAndFourDigits_ThenDisplayControl(string text, byte[] segments)
    {
        (FakeGpioDriver driver, FakeTm1637 chip, Tm1637 display) = Wire();

        display.Show(text);

        // §8, "automatic address adding": three transactions.
        Assert.Equal([[0x40], [0xC0, .. segments], [0x8C]], chip.Transactions());
        Assert.Equal(Expected([0x40], [0xC0, .. segments], [0x8C]), chip.Wire);
        Assert.Equal(0, chip.Contentions);
        Assert.Equal(0, display.MissingAcks);

        // One ACK read per byte, each while the chip held DIO low (inside the 9th clock).
        List<PinAction> reads = [.. driver.Actions.Where(a => a.Kind == PinActionKind.Read && a.Pin == Dio)];
        Assert.Equal(3 + segments.Length, reads.Count);
        Assert.All(reads, r => Assert.Equal(PinValue.Low, r.Value));
        Assert.All(driver.Actions.Where(a => a.Kind == PinActionKind.Write && a.Pin == Dio), w => Assert.Equal(PinValue.Low, w.Value));
    }

    [Fact]
    public void Show_A023_IsThisExactBitSequence()
    {
        (_, FakeTm1637 chip, Tm1637 display) = Wire();

        display.Show("A023");

        // Each byte as DIO sampled on the rising edges of CLK, in wire order (LSB first), then the 9th clock's DIO
        // ('A': pulled low, acknowledged). 0x40, then 0xC0 0x77 ('A') 0x3F ('0') 0x5B ('2') 0x4F ('3'), then 0x8C.
        Assert.Equal(
            "S 00000010A P S 00000011A 11101110A 11111100A 11011010A 11110010A P S 00110001A P",
            Bits(chip.Wire));
    }

    [Fact]
    public void Blank_And_Off_AndBrightness()
    {
        (_, FakeTm1637 chip, Tm1637 display) = Wire();

        display.Show("");
        Assert.Equal("S 00000010A P S 00000011A 00000000A 00000000A 00000000A 00000000A P S 00110001A P", Bits(chip.Wire));

        chip.Tokens.Clear();
        display.Off();
        Assert.Equal([[0x80]], chip.Transactions());

        chip.Tokens.Clear();
        display.Brightness = 7;
        display.Show("1");
        Assert.Equal([[0x40], [0xC0, 0x00, 0x00, 0x00, 0x06], [0x8F]], chip.Transactions());

        chip.Tokens.Clear();
        display.Brightness = 0;
        display.Show("1");
        Assert.Equal(0x88, chip.Transactions()[2][0]);
        Assert.Equal(0, chip.Contentions);
    }

    [Fact]
    public void MissingModule_CountsEveryUnacknowledgedByte()
    {
        (_, FakeTm1637 chip, Tm1637 display) = Wire();
        chip.Present = false;

        display.Show("A023");

        Assert.Equal(7, display.MissingAcks);
        Assert.Contains("00000010N", Bits(chip.Wire), StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_BusIsReleased_AndDioIsNeverDrivenHigh()
    {
        (FakeGpioDriver driver, FakeTm1637 chip, Tm1637 display) = Wire();
        Assert.Equal(PinValue.High, driver.Level(Clk));
        Assert.Null(driver.Driven(Dio));

        display.Show("8888");
        display.Off();

        Assert.Equal((true, true), chip.Wire[^1]);
        Assert.Null(driver.Driven(Dio));
        Assert.DoesNotContain(driver.Actions, a => a.Pin == Dio && a.Kind == PinActionKind.Write && a.Value == PinValue.High);
    }

    [Fact]
    public void Font_HasTheFaceCodes()
    {
        Assert.Equal(0x73, Tm1637.Segments('P'));
        Assert.Equal(0x40, Tm1637.Segments('-'));
        Assert.Equal(0x00, Tm1637.Segments('?'));
    }

    private static (FakeGpioDriver Driver, FakeTm1637 Chip, Tm1637 Display) Wire()
    {
        var driver = new FakeGpioDriver();
        var chip = new FakeTm1637(Clk, Dio);
        driver.Peripheral = chip;
        var display = new Tm1637(new GpioController(driver), Clk, Dio, halfPeriodMicroseconds: 0);
        return (driver, chip, display);
    }

    /// <summary>
    /// The bus levels the datasheet asks for (§7), from idle (both high): per transaction a start (DIO falls, CLK
    /// high); per byte eight bits, each set while CLK is low and taken as CLK rises, then the ACK (the chip pulls
    /// DIO low as the 8th clock falls; the 9th clock rises and falls; the chip lets go); then a stop (DIO low with
    /// CLK low, CLK rises, DIO rises).
    /// </summary>
    private static List<(bool Clk, bool Dio)> Expected(params byte[][] transactions)
    {
        var wire = new List<(bool Clk, bool Dio)> { (true, true) };
        void Level(bool clk, bool dio)
        {
            if (wire[^1] != (clk, dio))
            {
                wire.Add((clk, dio));
            }
        }

        foreach (byte[] transaction in transactions)
        {
            Level(true, true);
            Level(true, false);
            foreach (byte b in transaction)
            {
                for (int i = 0; i < 8; i++)
                {
                    bool bit = ((b >> i) & 1) != 0;
                    Level(false, wire[^1].Dio);
                    Level(false, bit);
                    Level(true, bit);
                }

                Level(false, false);
                Level(true, false);
                Level(false, true);
            }

            Level(false, false);
            Level(true, false);
            Level(true, true);
        }

        return wire;
    }

    /// <summary>Reads a wire trace the way a logic analyser's decoder would: S, P, and 8 bits + ACK per byte.</summary>
    private static string Bits(List<(bool Clk, bool Dio)> wire)
    {
        var text = new StringBuilder();
        var bits = new StringBuilder();
        for (int i = 1; i < wire.Count; i++)
        {
            (bool clk0, bool dio0) = wire[i - 1];
            (bool clk1, bool dio1) = wire[i];
            if (clk0 && clk1 && dio0 != dio1)
            {
                // A clock rise not followed by a whole byte was the stop's (or start's) own CLK edge.
                bits.Clear();
                text.Append(dio1 ? "P " : "S ");
            }
            else if (!clk0 && clk1)
            {
                bits.Append(bits.Length == 8 ? (dio1 ? 'N' : 'A') : dio1 ? '1' : '0');
                if (bits.Length == 9)
                {
                    text.Append(bits).Append(' ');
                    bits.Clear();
                }
            }
        }

        return text.ToString().TrimEnd();
    }
}
