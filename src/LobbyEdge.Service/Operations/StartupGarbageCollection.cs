using Microsoft.Extensions.Hosting;

namespace LobbyEdge.Service.Operations;

/// <summary>
/// One full, compacting, decommitting garbage collection <see cref="Delay"/> after the service started (issue 17,
/// README "Memory and the garbage collector"). Start-up allocates far more than the service keeps: the profile's YAML
/// tree, the log replay, the host's builders, the advisor's history load. Whatever of it outlived a gen-0 collection
/// was promoted, and a gen-2 collection may not come for hours on a quiet day, so those dead objects would hold
/// their heap regions for the whole day. One <see cref="GCCollectionMode.Aggressive"/> collection, once, returns
/// them to the system. It blocks the process for a few milliseconds, once.
/// </summary>
internal sealed class StartupGarbageCollection : BackgroundService
{
    /// <summary>How long after start the collection runs: after the advisor's history load, before steady state.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(15);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
