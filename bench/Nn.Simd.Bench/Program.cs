using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project bench/Nn.Simd.Bench -- --filter '*'</c>
/// (any BenchmarkDotNet arguments work, e.g. <c>--filter '*Dot*'</c>).
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
}
