namespace LobbyEdge.Service.Tests;

/// <summary>A wall clock and a monotonic clock that move together (<see cref="Advance"/>) or apart (a step).</summary>
internal sealed class TwoClocks(DateTimeOffset wall) : TimeProvider
{
    private long _wall = wall.UtcTicks;
    private long _monotonic = TimeSpan.TicksPerDay;

    public DateTimeOffset Wall => new(Volatile.Read(ref _wall), TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => Wall;

    public override long GetTimestamp() => Volatile.Read(ref _monotonic);

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _monotonic, by.Ticks);
        Interlocked.Add(ref _wall, by.Ticks);
    }

    public void Step(TimeSpan by) => Interlocked.Add(ref _wall, by.Ticks);

    public void SetWall(DateTimeOffset to) => Volatile.Write(ref _wall, to.UtcTicks);
}
