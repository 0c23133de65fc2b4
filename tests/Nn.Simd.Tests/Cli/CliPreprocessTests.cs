using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.Cli;

/// <summary>nn train --preprocess: fitted on the training split only, saved with the model, applied by nn predict and nn eval, shown by nn info.</summary>
public sealed class CliPreprocessTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-preprocess-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    /// <summary>The digits with every pixel column on its own scale and offset, as raw CSV rows (label last).</summary>
    private static string[] RawRows()
    {
        Dataset digits = Datasets.Digits();
        return [.. Enumerable.Range(0, digits.Count).Select(i =>
        {
            ReadOnlySpan<float> x = digits.Input(i);
            var fields = new string[65];
            for (int k = 0; k < 64; k++)
            {
                fields[k] = ((x[k] * 16 * (k + 1)) + (1000 * (k % 5))).ToString("R", CultureInfo.InvariantCulture);
            }

            fields[64] = digits.Label(i).ToString(CultureInfo.InvariantCulture);
            return string.Join(',', fields);
        })];
    }

    [Fact]
    public void A_standardised_model_predicts_raw_inputs_with_the_predictor_bits_and_evaluates_its_own_data()
    {
        CliProcess.RequireHost();
        string csv = PathOf("raw.csv"), model = PathOf("m.nnm");
        string[] rows = RawRows();
        File.WriteAllLines(csv, rows);
        var train = Run("train", "--data", csv, "--epochs", "3", "--validation", "0.1", "--activation", "relu", "--cost", "log-likelihood", "--eta", "0.05", "--init", "he", "--out", model);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("standardized, (x − μ)/σ per feature, fitted on the", train.Stdout, StringComparison.Ordinal);

        // Fitted on the training split only: the CLI's splits, repeated here, give its offsets and scales.
        Network network = ModelFile.Load(model);
        Dataset all = CsvDataReader.Read(csv);
        Dataset training = all.Split(0, 0.2, seed: 1).Training.Split(0.1, 0, seed: 1).Training;
        var fitted = InputScaling.Fit(InputScalingKind.Standardize, training.Inputs, 64);
        Assertions.BitsEqual(fitted.Offsets, network.InputScaling!.Offsets, "offsets");
        Assertions.BitsEqual(fitted.Scales, network.InputScaling.Scales, "scales");
        Assert.Equal(training.Count.ToString(CultureInfo.InvariantCulture), network.Metadata.Get("split.training"));
        Assert.Equal(Path.GetFullPath(csv), network.Metadata.Get("data"));
        Assert.Equal("standardize", network.Metadata.Get("train.preprocess"));
        Assert.Equal("0.05", network.Metadata.Get("train.eta"));

        // nn predict on the raw rows: the library's Predictor on the same raw values, bit for bit.
        var predict = Run("predict", model, csv, "--label-column", "64", "--proba");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        string[] lines = predict.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows.Length + 1, lines.Length);
        var predictor = new Predictor(network);
        var output = new float[10];
        for (int i = 0; i < rows.Length; i++)
        {
            predictor.Predict(all.Input(i), output);
            float[] printed = [.. lines[i + 1].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            Assertions.BitsEqual(output, printed, $"row {i}");
        }

        // nn eval MODEL, from another folder, evaluates the model's own data and split.
        var eval = CliProcess.RunProgram("nn.dll", Path.GetTempPath(), NoEnvironment, ["eval", model]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Contains($"data  {Path.GetFullPath(csv)}, 359 test samples", eval.Stdout, StringComparison.Ordinal);
        string trainTest = train.Stdout.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        Assert.Contains(trainTest, eval.Stdout, StringComparison.Ordinal);

        var info = Run("info", model);
        Assert.Contains("inputs           standardize, (x − μ)/σ per feature (64 features, fitted on the training split)", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("classes          0, 1, 2, 3, 4, 5, 6, 7, 8, 9", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("split.validation 144", info.Stdout, StringComparison.Ordinal);

        var none = Run("train", "--data", csv, "--epochs", "1", "--preprocess", "none", "--out", PathOf("none.nnm"));
        Assert.True(none.ExitCode == 0, none.Stderr);
        Assert.Null(ModelFile.Load(PathOf("none.nnm")).InputScaling);
        Assert.Equal(InputScalingKind.MinMax, Train(csv, "minmax"));
        var bad = Run("train", "--data", csv, "--preprocess", "standardise");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--preprocess 'standardise' is not one of standardize, minmax, none.", bad.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// A standardised model quantizes (with or without calibration): the file keeps INSC beside QNT8,
    /// nn predict answers raw rows with the int8 form's bits, eval and info report both, and
    /// export-onnx writes the scaling before the integer layers.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_standardised_model_quantizes_and_its_int8_form_takes_raw_inputs(bool calibrated)
    {
        CliProcess.RequireHost();
        string csv = PathOf("raw.csv"), model = PathOf("m.nnm"), int8 = PathOf("int8.nnm"), onnx = PathOf("int8.onnx");
        string[] rows = RawRows();
        File.WriteAllLines(csv, rows);
        var train = Run("train", "--data", csv, "--epochs", "10", "--activation", "relu", "--cost", "log-likelihood", "--eta", "0.05", "--init", "he", "--out", model);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var quantize = Run(["quantize", model, int8, "--data", csv, .. calibrated ? (string[])["--calibration", csv] : []]);
        Assert.True(quantize.ExitCode == 0, quantize.Stderr);
        double agreement = double.Parse(System.Text.RegularExpressions.Regex.Match(quantize.Stdout, @"arg-max agreement +([0-9.]+) %").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(agreement >= 98, quantize.Stdout);

        Network network = ModelFile.Load(int8);
        Assert.NotNull(network.InputScaling);
        Assert.Same(network.InputScaling, network.Quantized!.InputScaling);
        Assert.Equal(calibrated, network.Quantized.IsStatic);
        var predict = Run("predict", int8, csv, "--label-column", "64", "--proba");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        string[] lines = predict.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Dataset all = CsvDataReader.Read(csv);
        var output = new float[10];
        for (int i = 0; i < rows.Length; i += 11)
        {
            network.Quantized.Predict(all.Input(i), output);
            float[] printed = [.. lines[i + 1].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
            Assertions.BitsEqual(output, printed, $"row {i}");
        }

        var eval = Run("eval", int8);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Matches(@"int8 test accuracy [0-9.]+ %", eval.Stdout);
        var info = Run("info", int8);
        Assert.Contains("standardize, (x − μ)/σ per feature", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("int8 layers", info.Stdout, StringComparison.Ordinal);
        var export = Run("export-onnx", int8, onnx);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.True(File.ReadAllBytes(onnx).AsSpan().IndexOf("input_offset"u8) >= 0, "the ONNX file scales its inputs");
    }

    /// <summary>The digits keep today's default (no scaling): their weights hash is unchanged.</summary>
    [Fact]
    public void The_digits_default_to_no_scaling()
    {
        CliProcess.RequireHost();
        string model = PathOf("digits.nnm");
        var train = Run("train", "--epochs", "1", "--out", model);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Network network = ModelFile.Load(model);
        Assert.Null(network.InputScaling);
        Assert.Equal("none", network.Metadata.Get("train.preprocess"));
        Assert.Equal("digits", network.Metadata.Get("data"));
    }

    private InputScalingKind? Train(string csv, string preprocess)
    {
        string model = PathOf($"{preprocess}.nnm");
        var train = Run("train", "--data", csv, "--epochs", "1", "--preprocess", preprocess, "--out", model);
        Assert.True(train.ExitCode == 0, train.Stderr);
        return ModelFile.Load(model).InputScaling?.Kind;
    }
}
