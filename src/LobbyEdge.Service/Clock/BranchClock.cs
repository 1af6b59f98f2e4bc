namespace LobbyEdge.Service.Clock;

/// <summary>One step of the wall clock, as the branch clock found it.</summary>
/// <param name="Step">How far the wall clock jumped against the monotonic clock (negative: backwards).</param>
/// <param name="Offset">How far the branch clock runs ahead of the wall clock after the step (0 or more).</param>
/// <param name="AtStart">Found at start: the wall clock read earlier than the log's last event.</param>
public readonly record struct ClockStep(TimeSpan Step, TimeSpan Offset, bool AtStart);

/// <summary>
/// The engine's clock (engine README, "Clock policy"): a branch clock that follows the wall clock's rate and never
/// runs backwards. It starts at the wall clock, or at the log's last event when the wall clock reads earlier. A
/// wall clock that jumps (against the monotonic clock, by more than the step threshold) is a step: a step forward
/// is followed, a step back is not, and the branch clock keeps going at the rate of real time, ahead of the wall
/// clock by a recorded offset. While the day is closed (no wait is being measured) it gives that offset back,
/// running at a tenth of real speed until the wall clock has caught up. Waits, service times and timers are
/// measured on the branch clock, so they never freeze and never run backwards; the business calendar is judged on
/// the wall clock (<c>branch - offset</c>). Used only on the engine loop.
/// </summary>
/// <remarks>
/// The wall clock and the monotonic clock cannot be read at one instant: a reading takes the monotonic clock, then the
/// wall clock, then the monotonic clock again, so the wall clock is known to have been read somewhere between the
/// two. The monotonic time between two readings is therefore known only within a range (from the end of the last
/// reading to the start of this one, up to from its start to this one's end), and a step is only the part of the
/// wall clock's move that no monotonic time in that range explains. On a real box the range is microseconds wide and
/// a step is what it always was. Under <c>--simulate</c> both clocks are the simulated clock, a scaled real clock,
/// so a thread held up between two reads (10 ms at 600x is 6 simulated seconds) widens the range by as much and is
/// never a step, nor is the simulation skipping a night while the engine reads.
/// </remarks>
public sealed class BranchClock
{
    /// <summary>While catching up (day closed, branch clock ahead), the branch clock runs at 1/this of real time.</summary>
    public const int CatchUpSlowdown = 10;

    private readonly TimeProvider _time;
    private readonly IClockSynchronization _synchronization;
    private readonly long _thresholdTicks;
    private long _branchTicks;
    private long _wallTicks;
    private long _before;
    private long _timestamp;
    private long _checkedTimestamp;
    private bool _synchronized;
    private ClockStep? _startStep;

    /// <summary>Starts the branch clock after the log's last event.</summary>
    /// <param name="time">The wall clock and the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="synchronization">Whether the wall clock is synchronised (asked at most once a second).</param>
    /// <param name="lastEventUtc">The log's last event time (<see cref="DateTime.MinValue"/> for an empty log).</param>
    /// <param name="stepThreshold">A wall clock move against the monotonic clock larger than this is a step.</param>
    public BranchClock(TimeProvider time, IClockSynchronization synchronization, DateTime lastEventUtc, TimeSpan stepThreshold)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(synchronization);
        _time = time;
        _synchronization = synchronization;
        _thresholdTicks = stepThreshold.Ticks;
        _before = time.GetTimestamp();
        _wallTicks = time.GetUtcNow().UtcTicks;
        _timestamp = time.GetTimestamp();
        _checkedTimestamp = _timestamp;
        _synchronized = synchronization.IsSynchronized();
        long last = lastEventUtc.Ticks;
        _branchTicks = Math.Max(_wallTicks, last);
        if (last - _wallTicks > _thresholdTicks)
        {
            // The wall clock reads earlier than the log's last event: it stepped back while the service was down
            // (a box without a real-time clock before NTP, or a clock corrected after running ahead).
            _startStep = new ClockStep(new TimeSpan(_wallTicks - last), new TimeSpan(last - _wallTicks), AtStart: true);
        }
    }

    /// <summary>Whether the wall clock is synchronised, as of the last reading.</summary>
    public bool IsSynchronized => _synchronized;

    /// <summary>How far the branch clock runs ahead of the wall clock, as of the last reading (0 or more).</summary>
    public TimeSpan Offset => new(Math.Max(0, _branchTicks - _wallTicks));

    /// <summary>The last reading.</summary>
    public DateTimeOffset Last => new(_branchTicks, TimeSpan.Zero);

    /// <summary>
    /// Reads the branch clock. <paramref name="step"/> is the wall clock's step since the last reading (or the one
    /// found at start, on the first reading), if any.
    /// </summary>
    /// <param name="dayOpen">Whether a business day is open: only while it is not does the branch clock give back an offset.</param>
    /// <param name="step">The step to record, or null.</param>
    public DateTimeOffset Read(bool dayOpen, out ClockStep? step)
    {
        long before = _time.GetTimestamp();
        long wall = _time.GetUtcNow().UtcTicks;
        long timestamp = _time.GetTimestamp();

        // The monotonic time between the two wall readings lies between these (class remarks); the wall clock's move
        // is taken as that time where the range allows, and only what lies outside it is a jump.
        long least = Math.Max(0, _time.GetElapsedTime(_timestamp, before).Ticks);
        long most = Math.Max(least, _time.GetElapsedTime(_before, timestamp).Ticks);
        long elapsed = Math.Clamp(wall - _wallTicks, least, most);
        long jump = wall - (_wallTicks + elapsed);
        long advance = elapsed;
        if (!dayOpen && _branchTicks > _wallTicks)
        {
            // Nothing is being measured: run slow until the wall clock has caught up, never behind it.
            advance = elapsed / CatchUpSlowdown;
        }

        long branch = Math.Max(wall, _branchTicks + advance);
        step = _startStep;
        _startStep = null;
        if (Math.Abs(jump) > _thresholdTicks)
        {
            step = new ClockStep(new TimeSpan(jump), new TimeSpan(Math.Max(0, branch - wall)), AtStart: false);
        }

        if (_time.GetElapsedTime(_checkedTimestamp, timestamp) >= TimeSpan.FromSeconds(1) || step is not null)
        {
            _synchronized = _synchronization.IsSynchronized();
            _checkedTimestamp = timestamp;
        }

        _branchTicks = branch;
        _wallTicks = wall;
        _before = before;
        _timestamp = timestamp;
        return new DateTimeOffset(branch, TimeSpan.Zero);
    }
}
