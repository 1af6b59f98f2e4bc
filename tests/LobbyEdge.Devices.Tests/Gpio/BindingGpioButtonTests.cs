using System.Device.Gpio;
using Iot.Device.Button;
using LobbyEdge.Devices.Gpio;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>
/// Iot.Device.Bindings 4.2.0's <see cref="GpioButton"/> run through the scenarios of <see cref="DebouncedButtonsTests"/>
/// on the same fake header. These tests document the binding's behaviour where it differs from what the dispenser
/// needs; they are why the project keeps its own <see cref="DebouncedButtons"/> (src/LobbyEdge.Devices/Gpio/README.md,
/// "Buttons and the binding"). Each assertion states what the binding does.
/// </summary>
public sealed class BindingGpioButtonTests
{
    private const int Cash = 17;
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(30);

    [Fact]
    public void Binding_OpensThePinWithItsPullUp_AsOurDriverDoes()
    {
        var driver = new FakeGpioDriver();
        using var button = new GpioButton(Cash, isPullUp: true, gpio: new GpioController(driver), debounceTime: s_debounce);
        Assert.Equal(PinMode.InputPullUp, driver.ModeOf(Cash));
    }

    [Fact]
    public void Binding_ReportsAGlitchShorterThanTheDebounceTime_AsAPress()
    {
        (FakeGpioDriver driver, GpioButton button, List<string> events) = Wire();

        // DebouncedButtonsTests.Glitch_ShorterThanDebounce_IsIgnored: a 20 ms low pulse is no press. The binding takes
        // the first edge at once (its debounce only ignores presses shortly after a release), so the glitch issues a ticket.
        driver.SetInput(Cash, PinValue.Low);
        driver.SetInput(Cash, PinValue.High);

        Assert.Equal(["down", "up", "press"], events);
        button.Dispose();
    }

    [Fact]
    public void Binding_ReportsContactBounceOnTheWayDown_AsAPressWhileTheButtonIsStillHeld()
    {
        (FakeGpioDriver driver, GpioButton button, List<string> events) = Wire();

        // DebouncedButtonsTests.Press_WithBounce_IsOneShortPress_ReportedOnRelease: nothing until the release has held
        // for the debounce time. The binding reports a press at the first bounce, while the customer still holds it.
        driver.SetInput(Cash, PinValue.Low);
        driver.SetInput(Cash, PinValue.High);
        driver.SetInput(Cash, PinValue.Low);
        driver.SetInput(Cash, PinValue.High);
        driver.SetInput(Cash, PinValue.Low);

        Assert.Contains("press", events);
        Assert.False(button.IsPressed);
        Assert.Equal(PinValue.Low, driver.Level(Cash));
        button.Dispose();
    }

    [Fact]
    public void Binding_TimesOnTheWallClock_SoNoTestClockCanDriveItsLongPress()
    {
        // DebouncedButtonsTests drives the 30 ms debounce and the 1.5 s long press with the service's clock. The binding
        // reads DateTime.UtcNow and holds with a System.Threading.Timer: no constructor takes a TimeProvider.
        Assert.DoesNotContain(typeof(GpioButton).GetConstructors(), c => c.GetParameters().Any(p => p.ParameterType == typeof(TimeProvider)));
    }

    private static (FakeGpioDriver Driver, GpioButton Button, List<string> Events) Wire()
    {
        var driver = new FakeGpioDriver();
        var button = new GpioButton(Cash, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1500), isPullUp: true, gpio: new GpioController(driver), debounceTime: s_debounce);
        var events = new List<string>();
        button.ButtonDown += (_, _) => events.Add("down");
        button.ButtonUp += (_, _) => events.Add("up");
        button.Press += (_, _) => events.Add("press");
        return (driver, button, events);
    }
}
