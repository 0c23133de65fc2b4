using System.CommandLine;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary>
/// <c>nn quantize MODEL OUT [--calibration DATA]</c>: the model with its int8 form (weights int8 with
/// one scale per neuron; activations quantized per call, or with ranges calibrated on the training
/// part of DATA), and how the two compare on the test part of <c>--data</c>.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var output = new Argument<string>("OUT") { Description = "The model file to write: the fp32 model plus its int8 layers." };
        var calibration = new Option<string?>("--calibration") { Description = "Static activation ranges from the training part of this data (digits, fashion-mnist, a folder or a CSV file); without it the ranges are taken per call (dynamic)." };
        var force = new Option<bool>("--force") { Description = "Replace an existing OUT file." };
        var data = new DataOptions();
        var command = new Command("quantize", "Quantize a saved model to int8 and compare it with fp32 on the test part of --data.") { model, output, calibration, force };
        data.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.Check(parse.GetValue(force), ("OUT", path));
            Network network = ModelFile.Load(parse.GetValue(model)!);
            (_, Dataset test, string name) = data.Load(parse, network.OutputSize);
            if (test.InputSize != network.InputSize || test.Count == 0)
            {
                throw new InvalidDataException($"The model {network} takes {network.InputSize} inputs, but {name} has {test.InputSize} inputs and {test.Count:N0} test samples.");
            }

            QuantizedNetwork quantized;
            string mode;
            if (parse.GetValue(calibration) is { } source)
            {
                (Dataset training, _, string calibrationName) = DataSources.Load(source, parse.GetValue(data.TestFraction), parse.GetValue(data.LabelColumn), parse.GetValue(data.Seed));
                if (training.InputSize != network.InputSize || training.Count == 0)
                {
                    throw new InvalidDataException($"The calibration data {calibrationName} has {training.InputSize} inputs and {training.Count:N0} training samples; the model takes {network.InputSize} inputs.");
                }

                quantized = QuantizedNetwork.Quantize(network, training.Inputs);
                mode = $"static, ranges from {calibrationName} ({training.Count:N0} training samples)";
            }
            else
            {
                quantized = QuantizedNetwork.Quantize(network);
                mode = "dynamic (each input's range per call)";
            }

            network.Quantized = quantized;
            ModelFile.Save(network, path, overwrite: true);
            Comparison c = Compare(network, quantized, test);
            context.Console.MarkupLine($"[bold]model[/]       {Markup.Escape(network.ToString())}");
            context.Console.MarkupLine($"[bold]int8[/]        weights per neuron, activations {Markup.Escape(mode)}");
            context.Console.MarkupLine($"[bold]data[/]        {Markup.Escape(name)}, {test.Count:N0} test samples");
            context.Console.WriteLine($"fp32 test accuracy {c.Fp32:P2}");
            context.Console.WriteLine($"int8 test accuracy {c.Int8:P2}");
            context.Console.WriteLine($"arg-max agreement  {c.Agreement:P2} ({c.Agree:N0} of {test.Count:N0})");
            context.Console.MarkupLine($"saved to {Markup.Escape(path)} ({new FileInfo(path).Length:N0} bytes)");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>fp32 and int8 test accuracy and how often their classes agree.</summary>
    internal static Comparison Compare(Network network, QuantizedNetwork quantized, Dataset test)
    {
        int fp32 = 0, int8 = 0, agree = 0;
        for (int i = 0; i < test.Count; i++)
        {
            int a = network.Classify(test.Input(i)), b = quantized.Classify(test.Input(i)), label = test.Label(i);
            fp32 += a == label ? 1 : 0;
            int8 += b == label ? 1 : 0;
            agree += a == b ? 1 : 0;
        }

        return new Comparison((double)fp32 / test.Count, (double)int8 / test.Count, agree, (double)agree / test.Count);
    }

    internal readonly record struct Comparison(double Fp32, double Int8, int Agree, double Agreement);
}
