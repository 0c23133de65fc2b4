using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench;

/// <summary>
/// The configurations: one for every benchmark (MemoryDiagnoser, for 0 B is the bar; medians; the
/// work columns, GFLOP/s and GB/s beside the machine's peak) and one for single-call latency
/// distributions. The machine is shared and noisy, so compare the ratio column of one run, never
/// figures from separate runs.
/// </summary>
internal static class BenchConfig
{
    /// <summary>The measured fp32 FMA peak of one Zen 3 core here: 2 FMA pipes × 8 lanes × 2 flops × ~2.9 GHz.</summary>
    public const double PeakGflops = 93;

    /// <remarks>
    /// Eight warm-up iterations (about a second): with two, the generic micro-kernels of a 2.6 ms
    /// call were still running their first-tier code when the measurement began.
    /// </remarks>
    public static IConfig Create() =>
        Common()
            .AddJob(Job.Default.WithWarmupCount(8).WithIterationCount(11).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(120)))
            .AddColumn(StatisticColumn.Median, new WorkColumn(WorkKind.Gflops), new WorkColumn(WorkKind.PercentOfPeak), new WorkColumn(WorkKind.GBytesPerSecond))
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOption(ConfigOptions.JoinSummary, false);

    /// <summary>One call per iteration, 200 warm-up and 5,000 measured: the columns are the distribution of single calls.</summary>
    public static IConfig SingleCalls() =>
        Common()
            .AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(200).WithIterationCount(5000))
            .AddColumn(StatisticColumn.Median, StatisticColumn.P90, StatisticColumn.P95, new P99Column())
            .WithOption(ConfigOptions.DisableOptimizationsValidator, false);

    /// <summary>What both configurations share: MemoryDiagnoser, the default columns, console and GitHub Markdown output.</summary>
    private static ManualConfig Common() =>
        ManualConfig.CreateEmpty()
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub);
}

/// <summary>Work done by one benchmark invocation, for the GFLOP/s and GB/s columns.</summary>
public interface IWorkload
{
    /// <summary>Floating-point operations of one call (an fma counts 2).</summary>
    double Flops { get; }

    /// <summary>Bytes one call must move at least (inputs read once, outputs written once).</summary>
    double Bytes { get; }
}

internal enum WorkKind
{
    Gflops,
    PercentOfPeak,
    GBytesPerSecond,
}

/// <summary>Derives GFLOP/s, % of peak and GB/s from the median time and the class's <see cref="IWorkload"/>.</summary>
internal sealed class WorkColumn(WorkKind kind) : IColumn
{
    public string Id => $"Work.{kind}";

    public string ColumnName => kind switch
    {
        WorkKind.Gflops => "GFLOP/s",
        WorkKind.PercentOfPeak => $"% of {BenchConfig.PeakGflops} GFLOP/s",
        _ => "GB/s",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind switch
    {
        WorkKind.Gflops => "Floating-point operations per second at the median time (fma = 2)",
        WorkKind.PercentOfPeak => "GFLOP/s against the measured one-core fp32 FMA peak",
        _ => "Minimum bytes moved per second at the median time",
    };

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IWorkload workload)
        {
            return "-";
        }

        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            benchmarkCase.Descriptor.Type.GetProperty(parameter.Name)?.SetValue(workload, parameter.Value);
            benchmarkCase.Descriptor.Type.GetField(parameter.Name)?.SetValue(workload, parameter.Value);
        }

        double seconds = stats.Median * 1e-9;
        if (kind != WorkKind.GBytesPerSecond && workload.Flops == 0)
        {
            return "-";
        }

        double gflops = workload.Flops / seconds / 1e9;
        return kind switch
        {
            WorkKind.Gflops => gflops.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
            WorkKind.PercentOfPeak => (100 * gflops / BenchConfig.PeakGflops).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "%",
            _ => (workload.Bytes / seconds / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
