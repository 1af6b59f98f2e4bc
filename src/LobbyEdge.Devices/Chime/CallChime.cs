using System.Device.Gpio;
using System.Device.Pwm;

namespace LobbyEdge.Devices.Chime;

/// <summary>One step of the chime: a tone (or silence, at 0 Hz) for a time.</summary>
/// <param name="FrequencyHz">The pitch a passive buzzer plays; an active buzzer sounds its own pitch for any non-zero value.</param>
/// <param name="Duration">How long.</param>
public readonly record struct ChimeTone(int FrequencyHz, TimeSpan Duration);

/// <summary>What makes the sound: a buzzer switched on and off.</summary>
public interface IChimeSounder : IDisposable
{
    /// <summary>Starts sounding at <paramref name="frequencyHz"/> (an active buzzer ignores the pitch).</summary>
    public void Sound(int frequencyHz);

    /// <summary>Stops sounding.</summary>
    public void Silence();
}

/// <summary>
/// An active buzzer (one with its own oscillator, e.g. the 3-pin modules with a transistor input) on a GPIO pin: it
/// sounds while the pin is high. The pin is opened low, so the buzzer never chirps as the service starts.
/// </summary>
public sealed class GpioChimeSounder : IChimeSounder
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _shouldDispose;

    /// <summary>Opens <paramref name="pin"/> as an output, low.</summary>
    public GpioChimeSounder(GpioController controller, int pin, bool shouldDispose = true)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = pin;
        _shouldDispose = shouldDispose;
        controller.OpenPin(pin, PinMode.Output, PinValue.Low);
    }

    /// <inheritdoc />
    public void Sound(int frequencyHz) => _controller.Write(_pin, PinValue.High);

    /// <inheritdoc />
    public void Silence() => _controller.Write(_pin, PinValue.Low);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_shouldDispose)
        {
            _controller.Dispose();
        }
    }
}

/// <summary>
/// A passive buzzer (a bare piezo disc or a magnetic transducer) on a hardware PWM channel, through
/// Iot.Device.Bindings' <see cref="Iot.Device.Buzzer.Buzzer"/>: a square wave at 50 % duty at the tone's pitch.
/// </summary>
public sealed class PwmChimeSounder : IChimeSounder
{
    private readonly Iot.Device.Buzzer.Buzzer _buzzer;

    /// <summary>Plays through <paramref name="channel"/> (<see cref="PwmChannel.Create"/>; tests pass a fake). Disposes it.</summary>
    public PwmChimeSounder(PwmChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _buzzer = new Iot.Device.Buzzer.Buzzer(channel);
    }

    /// <inheritdoc />
    public void Sound(int frequencyHz) => _buzzer.StartPlaying(frequencyHz);

    /// <inheritdoc />
    public void Silence() => _buzzer.StopPlaying();

    /// <inheritdoc />
    public void Dispose() => _buzzer.Dispose();
}

/// <summary>
/// The call chime on a buzzer: rung when a ticket is called or recalled (at its counter, or anywhere in the branch
/// for a buzzer without a counter), after the call is durable. <see cref="Ring"/> only records the ring (the engine
/// loop's sink calls it); the owner task plays <see cref="Tones"/>. Rings while it plays make one more chime, not a
/// queue of them, so a burst of calls never keeps the lobby beeping.
/// </summary>
public sealed class CallChime : BoardDevice
{
    /// <summary>
    /// Ding-dong: E6 (1319 Hz) for 250 ms, a 100 ms gap, C6 (1047 Hz) for 400 ms. An active buzzer plays it as two
    /// beeps at its own pitch.
    /// </summary>
    public static readonly IReadOnlyList<ChimeTone> DingDong =
    [
        new(1319, TimeSpan.FromMilliseconds(250)),
        new(0, TimeSpan.FromMilliseconds(100)),
        new(1047, TimeSpan.FromMilliseconds(400)),
    ];

    private readonly BuzzerSetup _setup;
    private readonly Func<IChimeSounder> _open;
    private IChimeSounder? _sounder;
    private int _pending;

    /// <summary>Creates the chime; opens nothing yet.</summary>
    /// <param name="setup">From the profile.</param>
    /// <param name="open">Opens the buzzer (a <see cref="GpioChimeSounder"/> or <see cref="PwmChimeSounder"/>).</param>
    /// <param name="observer">Where its status changes go.</param>
    /// <param name="time">The clock the tones are timed on.</param>
    /// <param name="tones">The chime; <see cref="DingDong"/> by default.</param>
    public CallChime(BuzzerSetup setup, Func<IChimeSounder> open, IDeviceObserver? observer = null, TimeProvider? time = null, IReadOnlyList<ChimeTone>? tones = null)
        : base(setup?.Device ?? default, observer, time)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(open);
        _setup = setup;
        _open = open;
        Tones = tones ?? DingDong;
    }

    /// <summary>The counter it chimes for, or 0 for every call.</summary>
    public int Counter => _setup.Counter;

    /// <summary>The chime it plays.</summary>
    public IReadOnlyList<ChimeTone> Tones { get; }

    /// <summary>Whether a ring waits to be played.</summary>
    public bool Pending => Volatile.Read(ref _pending) != 0;

    /// <summary>Chimes played to the end.</summary>
    public int Played { get; private set; }

    /// <summary>Whether a call at <paramref name="counter"/> rings this chime.</summary>
    public bool RingsFor(int counter) => _setup.Counter == 0 || _setup.Counter == counter;

    /// <summary>Records a ring (no I/O; the owner task plays it).</summary>
    public void Ring()
    {
        Interlocked.Exchange(ref _pending, 1);
        Wake();
    }

    /// <inheritdoc />
    protected override string OnlineReason => _setup.IsPwm ? $"buzzer on PWM chip {_setup.PwmChip} channel {_setup.PwmChannel}" : $"buzzer on GPIO {_setup.Pin}";

    /// <inheritdoc />
    protected override void Open()
    {
        _sounder = _open();
        _sounder.Silence();
    }

    /// <inheritdoc />
    protected override async ValueTask UpdateAsync(CancellationToken cancellationToken)
    {
        if (_sounder is not { } sounder || Interlocked.Exchange(ref _pending, 0) == 0)
        {
            return;
        }

        try
        {
            foreach (ChimeTone tone in Tones)
            {
                if (tone.FrequencyHz > 0)
                {
                    sounder.Sound(tone.FrequencyHz);
                }
                else
                {
                    sounder.Silence();
                }

                await Task.Delay(tone.Duration, Time, cancellationToken).ConfigureAwait(false);
            }

            Played++;
        }
        finally
        {
            // Never left sounding: not when stopping mid-chime, not when a write failed.
            sounder.Silence();
        }
    }

    /// <inheritdoc />
    protected override void Close()
    {
        _sounder?.Dispose();
        _sounder = null;
    }
}
