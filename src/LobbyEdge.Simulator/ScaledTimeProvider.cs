namespace LobbyEdge.Simulator;

/// <summary>
/// A clock for simulations: starts at a chosen instant and runs <see cref="Speed"/> times faster than real time.
/// Registered as the host's <see cref="TimeProvider"/> under <c>--simulate</c>, so the engine loop's timer tick,
/// the simulator's waits and every <c>now</c> follow it.
/// </summary>
/// <remarks>
/// A clock can be created stopped and started later (<see cref="Start"/>), so that the seconds a host takes to
/// start, many simulated minutes at high speed, are not lost from the simulated morning.
/// Timers are real timers with their periods divided by the speed, at least one millisecond (a zero period would
/// turn a periodic timer into a one-shot). So at high speed a one-second tick fires every millisecond of real
/// time and covers a little more than a simulated second; every reader still sees the scaled clock.
/// </remarks>
public sealed class ScaledTimeProvider : TimeProvider
{
    private static readonly TimeSpan s_shortestRealWait = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _real;
    private Epoch _epoch;

    /// <summary>Creates a clock that reads <paramref name="start"/> and runs <paramref name="speed"/> times faster than <paramref name="real"/>.</summary>
    /// <param name="start">What the clock reads now.</param>
    /// <param name="speed">How many simulated seconds pass per real second; more than 0.</param>
    /// <param name="real">The real clock; <see cref="TimeProvider.System"/> unless a test fakes it.</param>
    /// <param name="running">False to create the clock stopped at <paramref name="start"/> until <see cref="Start"/>.</param>
    public ScaledTimeProvider(DateTimeOffset start, double speed, TimeProvider? real = null, bool running = true)
    {
        if (!double.IsFinite(speed) || speed <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "The speed must be a finite number greater than 0.");
        }

        _real = real ?? System;
        Speed = speed;
        _epoch = new Epoch(start.UtcTicks, _real.GetTimestamp(), running);
    }

    /// <summary>Simulated seconds per real second.</summary>
    public double Speed { get; }

    /// <summary>Whether the clock runs; a stopped clock reads the same instant until <see cref="Start"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _epoch).Running;

    /// <summary>Starts a stopped clock from the instant it reads. Does nothing to a running clock.</summary>
    public void Start()
    {
        while (true)
        {
            Epoch current = Volatile.Read(ref _epoch);
            if (current.Running
                || ReferenceEquals(Interlocked.CompareExchange(ref _epoch, current with { RealTimestamp = _real.GetTimestamp(), Running = true }, current), current))
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => new(Read(Volatile.Read(ref _epoch)), TimeSpan.Zero);

    /// <inheritdoc />
    /// <remarks>Timestamps are simulated UTC ticks, so elapsed times measured with them are simulated time too.</remarks>
    public override long GetTimestamp() => Read(Volatile.Read(ref _epoch));

    /// <summary>
    /// Moves the clock forward to <paramref name="instant"/> at once, e.g. over the night between two simulated
    /// business days. Never moves it back: an instant already passed changes nothing.
    /// </summary>
    /// <returns>True when the clock moved.</returns>
    public bool SkipTo(DateTimeOffset instant)
    {
        while (true)
        {
            Epoch current = Volatile.Read(ref _epoch);
            long now = Read(current);
            if (instant.UtcTicks <= now)
            {
                return false;
            }

            Epoch skipped = current with { UtcTicks = instant.UtcTicks, RealTimestamp = _real.GetTimestamp() };
            if (ReferenceEquals(Interlocked.CompareExchange(ref _epoch, skipped, current), current))
            {
                return true;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new ScaledTimer(_real.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);
    }

    private long Read(Epoch epoch)
    {
        if (!epoch.Running)
        {
            return epoch.UtcTicks;
        }

        double realTicks = _real.GetElapsedTime(epoch.RealTimestamp).Ticks;
        return epoch.UtcTicks + (long)(realTicks * Speed);
    }

    private TimeSpan ToReal(TimeSpan simulated)
    {
        // Infinite (-1 ms) and zero keep their meaning; anything else the real timer validates.
        if (simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero)
        {
            return simulated;
        }

        var real = TimeSpan.FromTicks((long)Math.Ceiling(simulated.Ticks / Speed));
        return real < s_shortestRealWait ? s_shortestRealWait : real;
    }

    /// <summary>Simulated UTC ticks at a real timestamp; replaced whole, so readers never see half an update.</summary>
    private sealed record Epoch(long UtcTicks, long RealTimestamp, bool Running);

    private sealed class ScaledTimer : ITimer
    {
        private readonly ITimer _inner;
        private readonly ScaledTimeProvider _owner;

        public ScaledTimer(ITimer inner, ScaledTimeProvider owner)
        {
            _inner = inner;
            _owner = owner;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => _inner.Change(_owner.ToReal(dueTime), _owner.ToReal(period));

        public void Dispose() => _inner.Dispose();

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
