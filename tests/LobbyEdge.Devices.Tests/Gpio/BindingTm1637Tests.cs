using System.Device.Gpio;
using LobbyEdge.Devices.Gpio;
using BindingTm1637 = Iot.Device.Tm16xx.Tm1637;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>
/// Iot.Device.Bindings 4.2.0's <c>Iot.Device.Tm16xx.Tm1637</c> run through the scenarios of <see cref="Tm1637Tests"/>
/// against the same datasheet model (<see cref="FakeTm1637"/>). These tests document the binding's behaviour where it
/// differs from what the driver tests require; they are why the project keeps its own <see cref="Tm1637"/>
/// (src/LobbyEdge.Devices/Gpio/README.md, "TM1637 and the binding"). Each assertion states what the binding does.
/// </summary>
public sealed class BindingTm1637Tests
{
    private const int Clk = 5;
    private const int Dio = 6;

    [Fact]
    public void Binding_DrivesDioHighAgainstTheChipsAck_WhichOurDriverNeverDoes()
    {
        (FakeGpioDriver driver, FakeTm1637 chip, BindingTm1637 display) = Wire();

        display.Display(Segments("A023"));

        // Tm1637Tests requires chip.Contentions == 0 (§7: the chip pulls DIO low from the 8th clock's falling edge to
        // the 9th's). The binding writes DIO high as an output right after the 8th clock falls, and sets it back to an
        // output (still latched high) before the 9th clock rises: the model sees the fight at least once in each of the
        // 9 bytes' ACKs (it counts every host action while it holds DIO low).
        Assert.InRange(chip.Contentions, 9, int.MaxValue);
        Assert.Contains(driver.Actions, a => a.Pin == Dio && a.Kind == PinActionKind.Write && a.Value == PinValue.High);

        // The datasheet model still decodes the bytes: data command, address 0xC0 with six digit bytes (the binding
        // writes the TM1637's six grid addresses, a 4-digit module has four), and a display control of 0x00: the
        // binding sends its display state, which is 0 until a brightness or on/off is set, so a fresh binding never
        // sends "display on" (0x88 | brightness) and the module stays dark.
        Assert.Equal([[0x40], [0xC0, 0x77, 0x3F, 0x5B, 0x4F, 0x00, 0x00], [0x00]], chip.Transactions());
    }

    [Fact]
    public void Binding_LeavesDioDrivenHighWhenIdle_WhereOurDriverReleasesIt()
    {
        (FakeGpioDriver driver, _, BindingTm1637 display) = Wire();

        // Tm1637Tests.Idle_BusIsReleased_AndDioIsNeverDrivenHigh requires DIO released (an input) at idle.
        Assert.Equal(PinValue.High, driver.Driven(Dio));

        display.ScreenBrightness = 4;
        display.Display(Segments("8888"));
        Assert.Equal(PinValue.High, driver.Driven(Dio));
    }

    [Fact]
    public void Binding_HasNoCountOfMissingAcks_ItThrowsOnlyWhenAsked()
    {
        (_, FakeTm1637 chip, BindingTm1637 display) = Wire();
        chip.Present = false;

        // Tm1637Tests.MissingModule_CountsEveryUnacknowledgedByte counts 7 missing ACKs and goes on; the binding
        // ignores them, or throws an IOException at the first when ThrowWhenIoError is set.
        display.Display(Segments("A023"));
        display.ThrowWhenIoError = true;
        Assert.Throws<IOException>(() => display.Display(Segments("A023")));
    }

    private static byte[] Segments(string text) => [.. text.Select(Tm1637.Segments)];

    private static (FakeGpioDriver Driver, FakeTm1637 Chip, BindingTm1637 Display) Wire()
    {
        var driver = new FakeGpioDriver();
        var chip = new FakeTm1637(Clk, Dio);
        driver.Peripheral = chip;
        return (driver, chip, new BindingTm1637(Clk, Dio, new GpioController(driver)));
    }
}
