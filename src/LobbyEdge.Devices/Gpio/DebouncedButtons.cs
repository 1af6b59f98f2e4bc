using System.Device.Gpio;

namespace LobbyEdge.Devices.Gpio;

/// <summary>A press of a dispenser button.</summary>
/// <param name="Button">The button's position in the list the panel was made with.</param>
/// <param name="Long">Held for at least the long-press time.</param>
public readonly record struct ButtonPress(int Button, bool Long);

/// <summary>
/// Dispenser buttons on GPIO inputs, debounced by sampling: a level must hold for <c>debounce</c> before it counts
/// (mechanical contacts bounce for 1-10 ms). A press held past <c>longPress</c> is reported once as long, when the
/// time is reached; a shorter press is reported when released. Polled rather than interrupt-driven so that the
/// timing is the same on every board and a test drives it with a fake clock and a fake <see cref="GpioDriver"/>.
/// </summary>
public sealed class DebouncedButtons : IDisposable
{
    private readonly GpioController _controller;
    private readonly bool _shouldDispose;
    private readonly int[] _pins;
    private readonly bool _activeLow;
    private readonly long _debounceTicks;
    private readonly long _longPressTicks;
    private readonly State[] _state;

    /// <summary>Opens the pins as inputs (with pull-ups when the buttons switch to ground).</summary>
    /// <param name="controller">The GPIO controller.</param>
    /// <param name="pins">Logical pin numbers, one per button.</param>
    /// <param name="activeLow">Buttons switch the pin to ground (the usual wiring, with the internal pull-up).</param>
    /// <param name="debounce">How long a level must hold.</param>
    /// <param name="longPress">How long a hold makes a long press.</param>
    /// <param name="shouldDispose">Dispose the controller with this object.</param>
    public DebouncedButtons(GpioController controller, IReadOnlyList<int> pins, bool activeLow, TimeSpan debounce, TimeSpan longPress, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(pins);
        _controller = controller;
        _shouldDispose = shouldDispose;
        _pins = [.. pins];
        _activeLow = activeLow;
        _debounceTicks = debounce.Ticks;
        _longPressTicks = longPress.Ticks;
        _state = new State[_pins.Length];
        foreach (int pin in _pins)
        {
            PinMode mode = activeLow ? PinMode.InputPullUp : PinMode.InputPullDown;
            if (!controller.IsPinModeSupported(pin, mode))
            {
                mode = PinMode.Input;
            }

            controller.OpenPin(pin, mode);
        }
    }

    /// <summary>Samples every button once; calls <paramref name="onPress"/> for each press completed now.</summary>
    public void Poll(long nowTicks, Action<ButtonPress> onPress)
    {
        ArgumentNullException.ThrowIfNull(onPress);
        for (int i = 0; i < _pins.Length; i++)
        {
            bool raw = (_controller.Read(_pins[i]) == PinValue.High) != _activeLow;
            ref State s = ref _state[i];
            if (raw != s.Candidate)
            {
                s.Candidate = raw;
                s.CandidateSince = nowTicks;
            }

            if (s.Candidate != s.Stable && nowTicks - s.CandidateSince >= _debounceTicks)
            {
                s.Stable = s.Candidate;
                if (s.Stable)
                {
                    s.PressedSince = s.CandidateSince;
                    s.LongReported = false;
                }
                else if (!s.LongReported)
                {
                    onPress(new ButtonPress(i, false));
                }
            }

            if (s.Stable && !s.LongReported && nowTicks - s.PressedSince >= _longPressTicks)
            {
                s.LongReported = true;
                onPress(new ButtonPress(i, true));
            }
        }
    }

    /// <summary>Polls every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeProvider time, TimeSpan interval, Action<ButtonPress> onPress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Poll(time.GetUtcNow().UtcTicks, onPress);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }

    private struct State
    {
        public bool Candidate;
        public bool Stable;
        public bool LongReported;
        public long CandidateSince;
        public long PressedSince;
    }
}
