using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench.Compare;

/// <summary>
/// Before/after benchmarks: each operation once on the earlier library (<c>Before</c>, the
/// baseline) and once on this one (<c>After</c>), grouped by category so that the Ratio column
/// is after / before. Both run in one process, on the same operands, one after the other; the
/// benchmarks run in the host process (BenchmarkDotNet's generated project cannot reference an
/// assembly under an extern alias).
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(
            args,
            ManualConfig.CreateEmpty()
                .AddJob(Job.Default.WithWarmupCount(6).WithIterationCount(12).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100)).WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance))
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddColumn(StatisticColumn.Median)
                .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
                .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub)
                .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)
                .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend)));
}
