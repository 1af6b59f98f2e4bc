using BenchmarkDotNet.Running;

namespace LobbyEdge.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line (see README.md).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
