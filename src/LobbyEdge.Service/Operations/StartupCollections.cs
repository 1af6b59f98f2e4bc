using System.Runtime;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// No garbage collection while the service starts (issue 17, start to ready; src/LobbyEdge.Service/README.md,
/// "Start-up"). The start allocates a few MB that are garbage as soon as it is done (the profile's YAML tree, the
/// log's read buffers, the host's builders) and, with a busy day's log, its large arrays (the engine's storage for the
/// day's tickets, the console's) crossed the large-object budget: one to three blocking collections in the middle of
/// the restore, each stopping both start-up threads. A no-GC region of <see cref="BudgetBytes"/> covers the start;
/// it ends once the service is ready (<see cref="End"/>), and <see cref="HeapTrim"/>'s first trim, 5 s later, gives
/// the garbage back. A start that allocates more than the budget simply collects as before (the runtime ends the
/// region itself).
/// </summary>
internal static class StartupCollections
{
    /// <summary>What the start may allocate without a collection, large objects included (64 MiB); a start that needs more collects as before.</summary>
    public const long BudgetBytes = 64L << 20;

    /// <summary>Of <see cref="BudgetBytes"/>, what may be large objects (arrays of 85,000 bytes or more: 32 MiB).</summary>
    public const long LargeObjectBudgetBytes = 32L << 20;

    /// <summary>Starts the region, once, at the process's start; false when the runtime refused it (the start then runs as before).</summary>
    public static bool Begin()
    {
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

    /// <summary>Ends the region if it is still in force (it ends by itself when the start allocated more than the budget).</summary>
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
            // A collection ended it meanwhile (allocated past the budget, or induced): nothing to end.
        }
    }
}
