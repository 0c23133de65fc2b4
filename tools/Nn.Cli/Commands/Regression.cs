using System.CommandLine;

namespace Nn.Cli.Commands;

/// <summary>The checks of <c>nn train --task</c>: which options go with regression and which with classification only.</summary>
internal static class Regression
{
    /// <summary>Whether the run is a regression; refuses a bad --task and options that belong to the other task.</summary>
    public static bool Check(ParseResult parse, string task, Option<string?> targetColumns, Option<string?> labelColumn, Option<string> cost, Option<string?> outputActivation)
    {
        bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
        bool regression = task switch
        {
            "regression" => true,
            "classification" => false,
            _ => throw new UsageException($"--task '{task}' is not a task; use classification or regression."),
        };
        if (!regression)
        {
            return Given(targetColumns)
                ? throw new UsageException("--target-columns applies to --task regression; a classification names its label with --label-column.")
                : false;
        }

        if (!Given(targetColumns))
        {
            throw new UsageException("--task regression needs --target-columns (0-based indexes or header names of the CSV file's targets).");
        }

        if (Given(labelColumn))
        {
            throw new UsageException("--label-column applies to classification; --task regression takes its targets from --target-columns.");
        }

        if (parse.GetValue(cost) is { } c && c != "quadratic")
        {
            throw new UsageException($"--cost {c} is for classification; --task regression trains on the quadratic cost.");
        }

        return parse.GetValue(outputActivation) is "softmax"
            ? throw new UsageException("--output-activation softmax is for classification; --task regression needs an unbounded output (identity, the default).")
            : true;
    }
}
