using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Simd.Bench.Compare;

/// <summary>
/// Before/after benchmarks: every operation in two jobs of one BenchmarkDotNet run, <c>Before</c>
/// (the earlier library, the baseline) and <c>After</c> (this one), each in processes of its own
/// that load and JIT only the library they measure; the two jobs of a case run one after the other,
/// so the Ratio column is after / before on the same machine minutes; <c>--after-first</c> runs
/// After's processes of each case before Before's (the job that runs second measured a latency-bound
/// kernel up to 13 % slower in the same code). Each job launches <c>--launches</c> processes
/// (default 1). run.sh runs this in rounds of one launch each, alternating the order, so that each
/// case's two launches of a round run seconds apart, and compare-report.py compares them round by
/// round.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        int launches = 1;
        int at = Array.IndexOf(args, "--launches");
        if (at >= 0)
        {
            launches = int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture);
            args = [.. args[..at], .. args[(at + 2)..]];
        }

        bool afterFirst = args.Contains("--after-first");
        args = [.. args.Where(a => a != "--after-first")];
        Job job = Job.Default.WithLaunchCount(launches).WithWarmupCount(4).WithIterationCount(10).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100));
        Job before = job.WithEnvironmentVariable(Side.Variable, "before").WithId("Before").AsBaseline();
        Job after = job.WithEnvironmentVariable(Side.Variable, "after").WithId("After");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(
            args,
            ManualConfig.CreateEmpty()
                .AddJob(afterFirst ? [after, before] : [before, after])
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddColumn(StatisticColumn.Median, StatisticColumn.Q1, StatisticColumn.Q3)
                .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
                .AddExporter(BenchmarkDotNet.Exporters.MarkdownExporter.GitHub, BenchmarkDotNet.Exporters.Csv.CsvMeasurementsExporter.Default, BenchmarkDotNet.Exporters.Json.JsonExporter.Full)
                .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByMethod, BenchmarkLogicalGroupRule.ByParams)
                .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
                .WithBuildTimeout(TimeSpan.FromMinutes(10)));
    }
}
