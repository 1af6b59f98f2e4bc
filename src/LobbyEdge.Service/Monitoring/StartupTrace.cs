namespace LobbyEdge.Service.Monitoring;

/// <summary>
/// Start-up phases for measuring (issue 17, start to ready; README.md, "Start-up"): with the environment variable
/// <c>LOBBYEDGE_STARTUP_TRACE=1</c> each phase's end is written to stderr as <c>startup-trace {phase} {µs since the
/// Unix epoch} cpu {µs} gc {gen0}/{gen1}/{gen2}</c>: the process's CPU time so far (all threads, user and system, since
/// the process was started: <see cref="Environment.CpuUsage"/>) and the garbage collections of each generation so far
/// (<see cref="GC.CollectionCount"/>); otherwise nothing. The phases: main, profile, builder, config-checked,
/// services-added, restore-begin, log-opened, config-prepared, restore-end (the restore's thread), host-built,
/// start-logged, restored, services-resolved, http-prepared, host-started, ready, and start-budget-collected (250 ms after
/// ready: <see cref="Operations.StartupCollections"/>).
/// </summary>
internal static class StartupTrace
{
    private static readonly bool s_on = Environment.GetEnvironmentVariable("LOBBYEDGE_STARTUP_TRACE") == "1";

    /// <summary>Writes one mark when tracing is on.</summary>
    /// <param name="phase">The phase that just ended.</param>
    public static void Mark(string phase)
    {
        if (s_on)
        {
            long microseconds = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
            long cpu = Environment.CpuUsage.TotalTime.Ticks / 10;
            Console.Error.WriteLine($"startup-trace {phase} {microseconds} cpu {cpu} gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        }
    }
}
