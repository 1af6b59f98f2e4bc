using BenchmarkDotNet.Running;

namespace LobbyEdge.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (see README.md), or one of the two measurements that are not
/// BenchmarkDotNet benchmarks: <c>latency [events per commit] [commits]</c> (the distribution of group-commit
/// times), <c>startup [runs]</c> (the real service's start-up time to ready) and <c>keypad-latency [presses] [baud …]</c>
/// (a keypad press to the display frames, over socat ptys) and <c>memory [options]</c> (the real service's resident
/// memory beside a plain .NET worker, see <see cref="MemoryFootprint"/>) and <c>predictions [seeds]</c> (the printed
/// wait against the actual one and the naive estimate over simulated days, see <see cref="PredictionAccuracy"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args.Length > 0 ? args[0] : "")
        {
            case "latency":
                return CommitLatency.Run(args[1..]);
            case "startup":
                return await StartupTime.RunAsync(args[1..]);
            case "keypad-latency":
                return await KeypadLatency.RunAsync(args[1..]);
            case "memory":
                return await MemoryFootprint.RunAsync(args[1..]);
            case "advice":
                return AdviceBenchmark.Run(args[1..]);
            case "predictions":
                return PredictionAccuracy.Run(args[1..]);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
