using System.CommandLine;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn eval MODEL [--data …]</c>: the test part of the data the model was trained on (or of --data), through a saved model.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var data = new DataOptions();
        var command = new Command("eval", "Evaluate a saved model on the test part of a data set (accuracy, cost, confusion matrix; RMSE, MAE and R² for a regression model).") { model };
        data.AddTo(command);
        command.SetAction(parse =>
        {
            Network network = ModelFile.Load(parse.GetValue(model)!);
            if (network.TargetScaling is not null)
            {
                return Regression(context, parse, data, network);
            }

            (_, Dataset test, string name) = data.Load(parse, network.OutputSize, Recorded(network));
            if (test.InputSize != network.InputSize || test.TargetSize != network.OutputSize)
            {
                throw new InvalidDataException($"The model {network} takes {network.InputSize} inputs and gives {network.OutputSize} outputs, but {name} has {test.InputSize} inputs and {test.TargetSize} classes.");
            }

            if (test.Count == 0)
            {
                throw new InvalidDataException($"{name} has no test samples (raise --test-fraction).");
            }

            context.Console.MarkupLine($"[bold]model[/] {Markup.Escape(network.ToString())}");
            string split = data.SplitNote(parse, Recorded(network)) is { } note ? $" ({note})" : string.Empty;
            context.Console.MarkupLine($"[bold]data[/]  {Markup.Escape(name)}, {test.Count:N0} test samples{Markup.Escape(split)}");
            Report.TestResult(context.Console, Evaluation.Of(network, test));
            if (network.Quantized is { } int8)
            {
                QuantizeCommand.Comparison c = QuantizeCommand.Compare(network, int8, test);
                context.Console.WriteLine($"int8 test accuracy {c.Int8:P2} ({(int8.IsStatic ? "static" : "dynamic")} activations), arg-max agreement with fp32 {c.Agreement:P2}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A regression model: RMSE, MAE and R² in original units on the test part of its CSV file, split as nn train split it.</summary>
    private static int Regression(CliContext context, ParseResult parse, DataOptions data, Network network)
    {
        Func<string, string?> recorded = Recorded(network);
        bool given = parse.GetResult(data.Data) is { Implicit: false };
        string path = given ? parse.GetValue(data.Data)! : recorded("--data") ?? throw new UsageException("The model records no data source; name its CSV file with --data.");
        string columns = ModelRecord.Option(network, "--target-columns") ?? throw new UsageException("The model records no --target-columns.");
        double? fraction = parse.GetResult(data.TestFraction) is { Implicit: false } || recorded("--test-fraction") is not { } f
            ? parse.GetValue(data.TestFraction)
            : double.Parse(f, CultureInfo.InvariantCulture);
        long seed = parse.GetResult(data.Seed) is { Implicit: false } || recorded("--seed") is not { } s
            ? parse.GetValue(data.Seed)
            : long.Parse(s, CultureInfo.InvariantCulture);
        (_, Dataset test, string name) = RegressionData.Load(path, columns, fraction, seed);
        if (test.InputSize != network.InputSize || test.TargetSize != network.OutputSize || test.Count == 0)
        {
            throw new InvalidDataException($"The model {network} takes {network.InputSize} inputs and gives {network.OutputSize} targets, but {name} has {test.Count:N0} test samples of {test.InputSize} inputs and {test.TargetSize} targets.");
        }

        context.Console.MarkupLine($"[bold]model[/] {Markup.Escape(network.ToString())}");
        context.Console.MarkupLine($"[bold]data[/]  {Markup.Escape(name)}, {test.Count:N0} test samples (targets {Markup.Escape(columns)}, split by --test-fraction {DataSources.TestFraction(fraction).ToString(CultureInfo.InvariantCulture)} and --seed {seed})");
        Report.RegressionResult(context.Console, RegressionEvaluation.Of(network, test));
        return ExitCodes.Success;
    }

    /// <summary>What the model recorded of nn train's data options (its own data source, unless --data says otherwise).</summary>
    private static Func<string, string?> Recorded(Network network) => name => name == "--data" ? network.Metadata.Get("data") : ModelRecord.Option(network, name);
}
