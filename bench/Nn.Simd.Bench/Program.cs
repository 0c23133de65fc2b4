using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project bench/Nn.Simd.Bench -- --filter '*'</c>
/// (any BenchmarkDotNet arguments work, e.g. <c>--filter '*Dot*'</c>). With <c>--latency</c> first,
/// it runs the single-call latency distribution against ONNX Runtime instead; with
/// <c>--inference</c>, the whole inference comparison in one run: the per-call medians and the batch
/// of 1,000 (many calls per iteration), then the single-call distribution with its P99; with
/// <c>--int8</c>, int8 beside fp32 (ours and ONNX Runtime's): single-call latency, then the batch of 1,000;
/// with <c>--epoch-pairs ROUNDS THREADS…</c>, the interleaved epochs of <see cref="EpochPairs"/>.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--latency")
        {
            BenchmarkRunner.Run<InferenceLatencyBenchmarks>(BenchConfig.SingleCalls(), args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "--int8")
        {
            BenchmarkRunner.Run(
            [
                BenchmarkConverter.TypeToBenchmarks(typeof(Int8LatencyBenchmarks), BenchConfig.SingleCalls()),
                BenchmarkConverter.TypeToBenchmarks(typeof(Int8BatchBenchmarks), BenchConfig.Create()),
            ]);
            return;
        }

        if (args.Length > 0 && args[0] == "--epoch-pairs")
        {
            EpochPairs.Run(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "--inference")
        {
            BenchmarkRunner.Run(
            [
                BenchmarkConverter.TypeToBenchmarks(typeof(InferenceBenchmarks), BenchConfig.Create()),
                BenchmarkConverter.TypeToBenchmarks(typeof(InferenceLatencyBenchmarks), BenchConfig.SingleCalls()),
            ]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
    }
}

/// <summary>The 99th percentile of the iterations, in microseconds (with one call per iteration: of the calls).</summary>
internal sealed class P99Column : IColumn
{
    public string Id => nameof(P99Column);

    public string ColumnName => "P99 [μs]";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Statistics;

    public int PriorityInCategory => 100;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "99th percentile of the measured iterations, microseconds";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { } stats
            ? (stats.Percentiles.Percentile(99) / 1000).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
            : "-";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
