using System.Diagnostics;

namespace LobbyEdge.TestSupport;

/// <summary>
/// The one way the tests wait for something that happens on another thread or in another process: poll a condition
/// until it holds or a patience runs out (never a fixed sleep). <see cref="UntilAsync(Func{bool}, string, TimeSpan?, Func{string}?)"/>
/// fails the test with a message naming what was awaited; <see cref="HoldsAsync(Func{bool}, TimeSpan?)"/> answers
/// whether it came, for tests that assert with their own message.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition is awaited unless a test says otherwise: generous, for a loaded machine.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds; fails with "Timed out after … waiting for <paramref name="what"/>" when it does not.</summary>
    /// <param name="condition">Polled every 20 ms.</param>
    /// <param name="what">What is awaited, in words ("the printer to come up").</param>
    /// <param name="patience">How long to wait; <see cref="DefaultPatience"/> when null.</param>
    /// <param name="detail">More to say on failure (log text, broker output), read only then.</param>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? patience = null, Func<string>? detail = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, patience, detail);

    /// <inheritdoc cref="UntilAsync(Func{bool}, string, TimeSpan?, Func{string}?)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null, Func<string>? detail = null)
    {
        TimeSpan limit = patience ?? DefaultPatience;
        if (!await HoldsAsync(condition, limit))
        {
            Assert.Fail($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}. {detail?.Invoke()}".TrimEnd());
        }
    }

    /// <summary>Whether <paramref name="condition"/> holds within <paramref name="patience"/> (asked once more at the end).</summary>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan? patience = null) =>
        HoldsAsync(() => Task.FromResult(condition()), patience);

    /// <inheritdoc cref="HoldsAsync(Func{bool}, TimeSpan?)"/>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? patience = null)
    {
        TimeSpan limit = patience ?? DefaultPatience;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                return await condition();
            }

            await Task.Delay(s_interval);
        }

        return true;
    }
}
