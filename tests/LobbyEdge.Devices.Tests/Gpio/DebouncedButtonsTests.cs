using System.Device.Gpio;
using LobbyEdge.Devices.Gpio;

namespace LobbyEdge.Devices.Tests.Gpio;

/// <summary>
/// Dispenser buttons on a fake header, sampled every 5 ms on a test clock (the service's poll interval), with
/// 30 ms debounce and 1.5 s long press (the profile defaults).
/// </summary>
public sealed class DebouncedButtonsTests
{
    private const int Cash = 17;
    private const int Vip = 23;
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(30);
    private static readonly TimeSpan s_longPress = TimeSpan.FromMilliseconds(1500);

    private readonly FakeGpioDriver _driver = new();
    private readonly List<(long Ms, ButtonPress Press)> _presses = [];
    private readonly DebouncedButtons _buttons;
    private long _ms;

    public DebouncedButtonsTests()
    {
        _buttons = new DebouncedButtons(new GpioController(_driver), [Cash, Vip], activeLow: true, s_debounce, s_longPress);
    }

    [Fact]
    public void Pins_AreInputsWithPullUps_WhenButtonsSwitchToGround()
    {
        Assert.Equal(PinMode.InputPullUp, _driver.ModeOf(Cash));
        Assert.Equal(PinMode.InputPullUp, _driver.ModeOf(Vip));

        var driver = new FakeGpioDriver();
        using var toSupply = new DebouncedButtons(new GpioController(driver), [4], activeLow: false, s_debounce, s_longPress);
        Assert.Equal(PinMode.InputPullDown, driver.ModeOf(4));
    }

    [Fact]
    public void Idle_ReportsNothing()
    {
        Run(2000);
        Assert.Empty(_presses);
    }

    [Fact]
    public void Press_WithBounce_IsOneShortPress_ReportedOnRelease()
    {
        // Contact bounce on the way down: 1-10 ms of chatter, then held for 200 ms.
        Bounce(Cash, settleTo: PinValue.Low);
        Run(200);
        Assert.Empty(_presses);

        // And on the way up.
        Bounce(Cash, settleTo: PinValue.High);
        long released = _ms;
        Run(100);

        (long at, ButtonPress press) = Assert.Single(_presses);
        Assert.Equal(new ButtonPress(0, Long: false), press);

        // Reported once the release has held for the debounce time, give or take one 5 ms sample.
        Assert.InRange(at - released, 25, 40);
    }

    [Fact]
    public void Glitch_ShorterThanDebounce_IsIgnored()
    {
        for (int i = 0; i < 20; i++)
        {
            _driver.SetInput(Cash, PinValue.Low);
            Run(20);
            _driver.SetInput(Cash, PinValue.High);
            Run(20);
        }

        Assert.Empty(_presses);
    }

    [Fact]
    public void Bounce_Alone_NeverPresses()
    {
        // Chatter that never settles low for 30 ms (a loose contact): nothing.
        for (int i = 0; i < 200; i++)
        {
            _driver.SetInput(Cash, i % 3 == 0 ? PinValue.High : PinValue.Low);
            Run(10);
        }

        _driver.SetInput(Cash, PinValue.High);
        Run(100);
        Assert.Empty(_presses);
    }

    [Fact]
    public void LongPress_IsReportedOnceWhenTheTimeIsReached_AndNotAgainOnRelease()
    {
        Bounce(Cash, settleTo: PinValue.Low);
        long pressed = _ms;
        Run(1400);
        Assert.Empty(_presses);

        Run(200);
        (long at, ButtonPress press) = Assert.Single(_presses);
        Assert.Equal(new ButtonPress(0, Long: true), press);

        // Measured from when the press settled, not from when it was first seen bouncing.
        Assert.InRange(at - pressed, 1490, 1510);

        Run(3000);
        Bounce(Cash, settleTo: PinValue.High);
        Run(100);
        Assert.Single(_presses);
    }

    [Fact]
    public void StuckButton_IsOneLongPress_ThenNothingUntilReleased_ThenPressesAgain()
    {
        _driver.SetInput(Vip, PinValue.Low);
        Run(60_000);
        Assert.Equal([new ButtonPress(1, Long: true)], _presses.Select(p => p.Press));

        _driver.SetInput(Vip, PinValue.High);
        Run(100);
        _driver.SetInput(Vip, PinValue.Low);
        Run(100);
        _driver.SetInput(Vip, PinValue.High);
        Run(100);
        Assert.Equal([new ButtonPress(1, Long: true), new ButtonPress(1, Long: false)], _presses.Select(p => p.Press));
    }

    [Fact]
    public void TwoButtons_AreIndependent()
    {
        _driver.SetInput(Cash, PinValue.Low);
        Run(50);
        _driver.SetInput(Vip, PinValue.Low);
        Run(50);
        _driver.SetInput(Cash, PinValue.High);
        Run(50);
        _driver.SetInput(Vip, PinValue.High);
        Run(50);

        Assert.Equal([new ButtonPress(0, false), new ButtonPress(1, false)], _presses.Select(p => p.Press));
    }

    [Fact]
    public void ActiveHigh_Buttons_PressWhenThePinGoesHigh()
    {
        var driver = new FakeGpioDriver();
        var presses = new List<ButtonPress>();
        using var buttons = new DebouncedButtons(new GpioController(driver), [4], activeLow: false, s_debounce, s_longPress);
        long ms = 0;
        void Sample(int duration)
        {
            for (int t = 0; t < duration; t += 5, ms += 5)
            {
                buttons.Poll(TimeSpan.FromMilliseconds(ms).Ticks, presses.Add);
            }
        }

        Sample(100);
        Assert.Empty(presses);
        driver.SetInput(4, PinValue.High);
        Sample(100);
        driver.SetInput(4, PinValue.Low);
        Sample(100);
        Assert.Equal([new ButtonPress(0, false)], presses);
    }

    /// <summary>Contact bounce: the level flips every 1-3 ms for about 8 ms, then settles.</summary>
    private void Bounce(int pin, PinValue settleTo)
    {
        PinValue other = settleTo == PinValue.Low ? PinValue.High : PinValue.Low;
        int[] flips = [1, 2, 1, 3, 1];
        for (int i = 0; i < flips.Length; i++)
        {
            _driver.SetInput(pin, i % 2 == 0 ? settleTo : other);
            Step(flips[i]);
        }

        _driver.SetInput(pin, settleTo);
    }

    /// <summary>Advances the clock by <paramref name="ms"/>, sampling on every 5 ms boundary as the service's timer does.</summary>
    private void Run(int ms)
    {
        for (int i = 0; i < ms; i++)
        {
            Step(1);
        }
    }

    private void Step(int ms)
    {
        for (int i = 0; i < ms; i++)
        {
            _ms++;
            if (_ms % 5 == 0)
            {
                long now = _ms;
                _buttons.Poll(TimeSpan.FromMilliseconds(now).Ticks, p => _presses.Add((now, p)));
            }
        }
    }
}
