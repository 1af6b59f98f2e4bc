using System.Runtime;
using LobbyEdge.Service.Monitoring;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// No garbage collection while the service starts (issue 17, start to ready; src/LobbyEdge.Service/README.md,
/// "Start-up"). The start allocates a few MB that are garbage as soon as it is done (the profile's YAML tree, the
/// log's read buffers, the host's builders) and, with a busy day's log, its large arrays (the engine's storage for the
/// day's tickets, the console's) crossed the large-object budget: one to three blocking collections in the middle of
/// the restore, each stopping both start-up threads. A no-GC region of <see cref="BudgetBytes"/> covers the start;
/// it ends once the service is ready (<see cref="End"/>). Ending the region gives back the collector's usual latency
/// mode but not its young generation's budget, which stays at what is left of the region's: until a collection, none
/// would come however much the service allocates (the advisor's history load runs then), whatever
/// <c>DOTNET_GCgen0size</c> says. So <see cref="End"/> has one generation-0 collection run
/// <see cref="CollectAfterEnd"/> later, off the start's path, and the budget is the configured one again;
/// <see cref="HeapTrim"/>'s first trim, 5 s after the start, gives the start's garbage back. A start that allocates
/// more than the budget simply collects as before (the runtime ends the region itself). Only the process's first host
/// starts in a region: a host restarted in the same process (<c>HostRestart</c>) starts on the old one's garbage, and
/// collects as usual.
/// </summary>
internal static class StartupCollections
{
    /// <summary>What the start may allocate without a collection, large objects included (64 MiB); a start that needs more collects as before.</summary>
    public const long BudgetBytes = 64L << 20;

    /// <summary>Of <see cref="BudgetBytes"/>, what may be large objects (arrays of 85,000 bytes or more: 32 MiB).</summary>
    public const long LargeObjectBudgetBytes = 32L << 20;

    /// <summary>
    /// How long after <see cref="End"/> the generation-0 collection runs (250 ms): not in the way of the "ready" line,
    /// which the console logger's thread writes just after <see cref="End"/>.
    /// </summary>
    public static readonly TimeSpan CollectAfterEnd = TimeSpan.FromMilliseconds(250);

    private static int s_begun;

    /// <summary>
    /// Starts the region at the process's first start; false when the runtime refused it (the start then runs as
    /// before) or on a later call (a host restarted in-process).
    /// </summary>
    public static bool Begin()
    {
        if (Interlocked.Exchange(ref s_begun, 1) != 0)
        {
            return false;
        }

        try
        {
            // disallowFullBlockingGC: never pay a full collection to make room; the heap is nearly empty here anyway.
            return GC.TryStartNoGCRegion(BudgetBytes, LargeObjectBudgetBytes, disallowFullBlockingGC: true);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ends the region if it is still in force (it ends by itself when the start allocated more than the budget), and
    /// <see cref="CollectAfterEnd"/> later has a generation-0 collection restore the young generation's budget (marked
    /// <c>start-budget-collected</c> in the start-up trace).
    /// </summary>
    public static void End()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // A collection ended it meanwhile (allocated past the budget, or induced): nothing to end, and the budget
            // is the usual one again.
            return;
        }

        _ = Task.Run(static async () =>
        {
            await Task.Delay(CollectAfterEnd).ConfigureAwait(false);
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            StartupTrace.Mark("start-budget-collected");
        });
    }
}
