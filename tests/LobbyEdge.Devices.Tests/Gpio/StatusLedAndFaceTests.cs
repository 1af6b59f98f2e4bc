using System.Device.Gpio;
using LobbyEdge.Devices.Dispenser;
using LobbyEdge.Devices.Gpio;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests.Gpio;

public sealed class StatusLedAndFaceTests
{
    [Fact]
    public void Led_StartsOff_WritesOnlyChanges()
    {
        var driver = new FakeGpioDriver();
        using var led = new StatusLed(new GpioController(driver), 24);
        Assert.Equal(PinMode.Output, driver.ModeOf(24));
        Assert.Equal([PinValue.Low], driver.WritesTo(24));

        led.IsOn = true;
        led.IsOn = true;
        led.IsOn = false;
        led.IsOn = false;
        led.IsOn = true;

        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low, PinValue.High], driver.WritesTo(24));
        Assert.True(led.IsOn);
        Assert.Equal(PinValue.High, driver.Level(24));
    }

    [Fact]
    public void Led_WiredToSinkCurrent_IsOnWhenLow()
    {
        var driver = new FakeGpioDriver();
        using var led = new StatusLed(new GpioController(driver), 25, activeHigh: false);
        Assert.Equal(PinValue.High, driver.Level(25));
        led.IsOn = true;
        Assert.Equal(PinValue.Low, driver.Level(25));
    }

    [Fact]
    public void Face_ShowsTheNumberAndReady_OrWhyItRefuses()
    {
        var driver = new FakeGpioDriver();
        var chip = new FakeTm1637(5, 6);
        driver.Peripheral = chip;
        var controller = new GpioController(driver);
        var face = new GpioDispenserFace(
            new StatusLed(controller, 24, shouldDispose: false),
            new StatusLed(controller, 25, shouldDispose: false),
            new Tm1637(controller, 5, 6, shouldDispose: false, halfPeriodMicroseconds: 0));

        face.Issued("A023");
        Assert.Equal([0xC0, 0x77, 0x3F, 0x5B, 0x4F], chip.Transactions()[1]);
        Assert.Equal(PinValue.High, driver.Level(24));
        Assert.Equal(PinValue.Low, driver.Level(25));

        chip.Tokens.Clear();
        face.Refused("printer out of paper", DeviceStatus.PaperOut);
        Assert.Equal([0xC0, 0x73, 0x77, 0x73, 0x50], chip.Transactions()[1]);   // PAPr
        Assert.Equal(PinValue.Low, driver.Level(24));
        Assert.Equal(PinValue.High, driver.Level(25));

        chip.Tokens.Clear();
        face.Refused("ticketing has closed for today", null);
        Assert.Equal([0xC0, 0x40, 0x40, 0x40, 0x40], chip.Transactions()[1]);   // ----
        Assert.Equal(PinValue.High, driver.Level(25));

        // The printer is refilled: ready again, and the display goes back to the last number.
        chip.Tokens.Clear();
        face.Ready(true);
        Assert.Equal(PinValue.High, driver.Level(24));
        Assert.Equal(PinValue.Low, driver.Level(25));
        Assert.Equal([0xC0, 0x77, 0x3F, 0x5B, 0x4F], chip.Transactions()[1]);

        // Ready while already showing the number: only the LEDs (nothing sent to the display).
        chip.Tokens.Clear();
        face.Ready(true);
        Assert.Empty(chip.Tokens);
    }

    [Theory]
    [InlineData(DeviceStatus.PaperOut, "PAPr")]
    [InlineData(DeviceStatus.CoverOpen, "OPEn")]
    [InlineData(DeviceStatus.Offline, " OFF")]
    [InlineData(DeviceStatus.Error, " Err")]
    public void Face_Codes(DeviceStatus status, string code) => Assert.Equal(code, GpioDispenserFace.CodeFor(status));
}
