namespace LobbyEdge.Simulator;

/// <summary>The random draws the simulated people share (so a seed gives the same day everywhere).</summary>
internal static class RandomDraws
{
    /// <summary>A standard normal draw (Box-Muller; takes two uniform draws).</summary>
    public static double StandardNormal(Random random)
    {
        double u1 = 1 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A log-normal duration around <paramref name="median"/>: half shorter, half longer, a long tail of long ones.</summary>
    public static long LogNormalTicks(Random random, TimeSpan median, double sigma) =>
        (long)(median.Ticks * Math.Exp(sigma * StandardNormal(random)));

    /// <summary>A whole number of seconds from <paramref name="min"/> to <paramref name="max"/> (both included), as ticks.</summary>
    public static long Seconds(Random random, int min, int max) => random.Next(min, max + 1) * TimeSpan.TicksPerSecond;
}
