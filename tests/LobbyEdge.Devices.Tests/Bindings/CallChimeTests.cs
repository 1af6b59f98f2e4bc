using System.Device.Gpio;
using LobbyEdge.Devices.Chime;
using LobbyEdge.Devices.Tests.Gpio;
using LobbyEdge.Engine;

namespace LobbyEdge.Devices.Tests.Bindings;

/// <summary>
/// The call chime: an active buzzer on a GPIO pin (a <see cref="FakeGpioDriver"/>) and a passive one on a PWM channel
/// through Iot.Device.Bindings' Buzzer (a <see cref="FakePwmChannel"/>). Tones of no length keep the tests off the
/// clock; the pin and channel sequences are what matter.
/// </summary>
public sealed class CallChimeTests
{
    private static readonly DeviceInfo s_device = new(9, "lobby-chime", DeviceKind.Buzzer);
    private static readonly ChimeTone[] s_quick = [new(1319, TimeSpan.Zero), new(0, TimeSpan.Zero), new(1047, TimeSpan.Zero)];

    [Fact]
    public async Task ActiveBuzzer_OnGpio_OpensLow_AndBeepsTwicePerRing()
    {
        var driver = new FakeGpioDriver();
        var chime = new CallChime(new BuzzerSetup(s_device, 26, -1, -1, 0), () => new GpioChimeSounder(new GpioController(driver), 26), tones: s_quick);

        Assert.True(await chime.UpdateOnceAsync());
        Assert.Equal(PinMode.Output, driver.ModeOf(26));
        Assert.Equal([PinValue.Low, PinValue.Low], driver.WritesTo(26));   // opened low, then silenced: never a chirp at start

        chime.Ring();
        await chime.UpdateOnceAsync();

        Assert.Equal([PinValue.Low, PinValue.Low, PinValue.High, PinValue.Low, PinValue.High, PinValue.Low], driver.WritesTo(26));
        Assert.Equal(1, chime.Played);
        Assert.Equal(PinValue.Low, driver.Level(26));
    }

    [Fact]
    public async Task PassiveBuzzer_OnPwm_PlaysDingThenDong_AndStops()
    {
        var channel = new FakePwmChannel();
        var chime = new CallChime(new BuzzerSetup(s_device, -1, 0, 0, 0), () => new PwmChimeSounder(channel), tones: s_quick);
        await chime.UpdateOnceAsync();
        channel.Calls.Clear();

        chime.Ring();
        await chime.UpdateOnceAsync();

        Assert.Equal(["frequency=1319", "start", "stop", "frequency=1047", "start", "stop"], channel.Calls);
        Assert.False(channel.Running);
    }

    [Fact]
    public async Task RingsWhileNotPlaying_MakeOneChime_AndNoRingNoSound()
    {
        var channel = new FakePwmChannel();
        var chime = new CallChime(new BuzzerSetup(s_device, -1, 0, 0, 0), () => new PwmChimeSounder(channel), tones: s_quick);
        await chime.UpdateOnceAsync();
        chime.Ring();
        chime.Ring();
        chime.Ring();

        await chime.UpdateOnceAsync();
        await chime.UpdateOnceAsync();

        Assert.Equal(1, chime.Played);
        Assert.Equal(2, channel.Calls.Count(c => c == "start"));
    }

    [Fact]
    public void DingDong_IsTwoTonesWithAGap_UnderASecond()
    {
        Assert.Equal([1319, 0, 1047], CallChime.DingDong.Select(t => t.FrequencyHz));
        Assert.True(CallChime.DingDong.Sum(t => t.Duration.TotalMilliseconds) < 1000);
    }

    [Fact]
    public void ACounterChime_RingsForItsCounter_ALobbyChimeForEveryCall()
    {
        var counter3 = new CallChime(new BuzzerSetup(s_device, 26, -1, -1, 3), () => throw new InvalidOperationException("not opened"));
        var lobby = new CallChime(new BuzzerSetup(s_device, 26, -1, -1, 0), () => throw new InvalidOperationException("not opened"));
        Assert.True(counter3.RingsFor(3));
        Assert.False(counter3.RingsFor(4));
        Assert.True(lobby.RingsFor(4));
    }

    [Fact]
    public async Task NoPwmChip_IsReportedDown_WithTheReason()
    {
        var observer = new RecordingObserver();
        var chime = new CallChime(new BuzzerSetup(s_device, -1, 2, 0, 0),
            () => throw new ArgumentException("The chip number 2 is invalid or is not enabled."), observer);

        chime.Ring();
        Assert.False(await chime.UpdateOnceAsync());

        DeviceStatusChange down = Assert.Single(observer.Changes);
        Assert.Equal((DeviceStatus.Offline, "The chip number 2 is invalid or is not enabled."), (down.Status, down.Reason));
    }
}
