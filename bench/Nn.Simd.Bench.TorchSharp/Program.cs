using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench.TorchSharp;

/// <summary>One BenchmarkDotNet run: Nn.Simd against TorchSharp-cpu, one training epoch per iteration.</summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(
            args,
            ManualConfig.CreateEmpty()
                // Out of process (the default): each case in a process of its own, so that neither
                // LibTorch's threads nor the garbage collector's work for TorchSharp's tensors compete
                // with the other engine. Directory.Build.targets patches the LibTorchSharp those
                // processes load.
                .AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5))
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddColumn(StatisticColumn.Median, new SamplesPerSecondColumn())
                .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
                .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
                .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
                .WithOption(ConfigOptions.JoinSummary, true)
                // Building the per-case project takes minutes when the machine is busy.
                .WithBuildTimeout(TimeSpan.FromMinutes(10)));
}

/// <summary>Training samples per second at the median epoch time.</summary>
internal sealed class SamplesPerSecondColumn : IColumn
{
    public string Id => nameof(SamplesPerSecondColumn);

    public string ColumnName => "samples/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Training samples (60,000 an epoch; the recipe's 55,000) per second at the median";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { } stats
            ? (SamplesOf(benchmarkCase) / (stats.Median * 1e-9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : "-";

    public bool IsAvailable(Summary summary) => true;

    private static int SamplesOf(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.Type == typeof(RecipeBenchmarks) ? RecipeBenchmarks.Samples : TrainingBenchmarks.Samples;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
