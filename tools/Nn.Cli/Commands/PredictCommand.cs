using System.CommandLine;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Cli.Commands;

/// <summary><c>nn predict MODEL INPUT</c>: classes (or, with --proba, the outputs) as CSV on stdout.</summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var input = new Argument<string>("INPUT") { Description = "Inputs: a CSV file (one sample per row), an IDX image file, raw or gzip, or - for CSV on standard input." };
        var proba = new Option<bool>("--proba") { Description = "Print every output (p0, p1, …) instead of the predicted class." };
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: a column to ignore (e.g. the label of a labelled file), a 0-based index or a header name." };
        var scale = new Option<float>("--scale") { Description = "CSV: multiply every input by this (the IDX reader already scales bytes to [0, 1]).", DefaultValueFactory = _ => 1f };
        var command = new Command("predict", "Run a saved model on inputs and print the predicted classes (or outputs; a regression model's targets in original units) as CSV.") { model, input, proba, labelColumn, scale };
        command.SetAction(parse =>
        {
            Network network = ModelFile.Load(parse.GetValue(model)!);
            var predictor = new Predictor(network);
            string inputPath = parse.GetValue(input)!;
            bool standardInput = inputPath == "-";
            string source = standardInput ? "standard input" : inputPath;
            if (!standardInput && !File.Exists(inputPath))
            {
                throw new FileNotFoundException($"Input file '{inputPath}' does not exist.", inputPath);
            }

            float inputScale = parse.GetValue(scale);
            if (!float.IsFinite(inputScale))
            {
                throw new UsageException($"--scale {inputScale.ToString(CultureInfo.InvariantCulture)} is not a finite number.");
            }

            string? label = parse.GetValue(labelColumn);
            CsvOptions csv = Names.LabelColumn(label) with { InputScale = inputScale };
            bool probabilities = parse.GetValue(proba);
            TextWriter writer = context.Console.Profile.Out.Writer;
            var output = new float[network.OutputSize];
            string header = network.TargetScaling is not null
                ? string.Join(',', Enumerable.Range(0, network.OutputSize).Select(i => $"y{i}"))
                : probabilities ? string.Join(',', Enumerable.Range(0, network.OutputSize).Select(i => $"p{i}")) : "class";
            if (standardInput)
            {
                writer.WriteLine(header);
                // Row by row: each prediction is written and flushed before the next row is read,
                // so nn predict can sit in a pipe that stays open.
                using Stream stdin = Console.OpenStandardInput();
                foreach (float[] row in CsvDataReader.StreamInputs(stdin, source, csv))
                {
                    CheckColumns(network, source, row.Length, label);
                    Predict(predictor, network.TargetScaling, network.Quantized, row, output, probabilities, writer);
                    writer.Flush();
                }

                return ExitCodes.Success;
            }

            (float[] values, int columns) = IdxReader.LooksLikeIdx(inputPath) ? ReadIdx(inputPath) : CsvDataReader.ReadInputs(inputPath, csv);
            CheckColumns(network, source, columns, label);
            writer.WriteLine(header);
            for (int row = 0; row < values.Length / columns; row++)
            {
                Predict(predictor, network.TargetScaling, network.Quantized, values.AsSpan(row * columns, columns), output, probabilities, writer);
            }

            writer.Flush();
            return ExitCodes.Success;
        });
        return command;
    }

    private static void CheckColumns(Network network, string source, int columns, string? label)
    {
        if (columns != network.InputSize)
        {
            string hint = label is null && columns == network.InputSize + 1 ? " If one column is a label, name it with --label-column." : string.Empty;
            throw new InvalidDataException($"{source}: each sample has {columns} values but the model {network} takes {network.InputSize}.{hint}");
        }
    }

    /// <summary>One row: a regression model's targets in their original units (both forms restore them), else the class or (--proba) every output; with an int8 form, its answer.</summary>
    private static void Predict(Predictor predictor, TargetScaling? targets, QuantizedNetwork? int8, ReadOnlySpan<float> input, float[] output, bool probabilities, TextWriter writer)
    {
        if (int8 is not null)
        {
            int8.Predict(input, output);
        }
        else
        {
            predictor.Predict(input, output);
        }

        writer.WriteLine(probabilities || targets is not null
            ? string.Join(',', output.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))
            : Network.ArgMax(output).ToString(CultureInfo.InvariantCulture));
    }

    private static (float[] Values, int Columns) ReadIdx(string path)
    {
        (float[] pixels, _, int rows, int columns) = IdxReader.ReadImages(path);
        return (pixels, rows * columns);
    }
}
