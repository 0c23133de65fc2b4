using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Cli;

/// <summary>nn train --task regression on y = x·sin(3x): accuracy in original units, nn predict, nn eval, ONNX, and the usage errors.</summary>
public sealed class CliRegressionTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-regression-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    /// <summary>2,000 samples of y = x·sin(3x), x uniform on [−2, 2], with a header row "x,y".</summary>
    private string WriteCurve()
    {
        string csv = PathOf("curve.csv");
        var random = new Random(7);
        var lines = new List<string> { "x,y" };
        for (int i = 0; i < 2000; i++)
        {
            double x = (random.NextDouble() * 4) - 2;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x:R},{x * Math.Sin(3 * x):R}"));
        }

        File.WriteAllLines(csv, lines);
        return csv;
    }

    [Fact]
    public void A_1_64_64_1_tanh_network_fits_x_sin_3x_to_an_rmse_of_0_02_and_predicts_in_original_units()
    {
        CliProcess.RequireHost();
        string csv = WriteCurve(), model = PathOf("m.nnm"), metrics = PathOf("m.json"), onnx = PathOf("m.onnx");
        var train = Run("train", "--data", csv, "--task", "regression", "--target-columns", "y", "--layers", "1,64,64,1", "--activation", "tanh",
            "--init", "xavier", "--epochs", "500", "--batch", "8", "--eta", "0.1", "--out", model, "--metrics", metrics);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.DoesNotContain("accuracy", train.Stdout, StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics));
        JsonElement test = json.RootElement.GetProperty("test");
        double rmse = test.GetProperty("rmse").GetDouble();
        TestContext.Current.SendDiagnosticMessage($"x·sin(3x), [1,64,64,1] tanh: test RMSE {rmse:G4}, R² {test.GetProperty("r2").GetDouble():F5}");
        Assert.True(rmse <= 0.02, $"test RMSE {rmse} > 0.02");
        Assert.Equal(400, test.GetProperty("samples").GetInt32());

        // The figures are the library's, in original units, on the split nn train made.
        Network network = ModelFile.Load(model);
        Assert.Equal(Activation.Identity, network.Activations[^1]);
        Dataset all = Dataset.FromTargets(
            [.. File.ReadLines(csv).Skip(1).Select(l => float.Parse(l.Split(',')[0], CultureInfo.InvariantCulture))], 1,
            [.. File.ReadLines(csv).Skip(1).Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture))], 1);
        Dataset testSet = all.Split(0, 0.2, seed: 1).Test;
        Assert.Equal(rmse, RegressionEvaluation.Of(network, testSet).MeanRootMeanSquaredError);

        // nn eval MODEL repeats the split and the figures.
        var eval = Run("eval", model);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        string trainLine = train.Stdout.Split('\n').Single(l => l.StartsWith("test RMSE", StringComparison.Ordinal));
        Assert.Contains(trainLine, eval.Stdout, StringComparison.Ordinal);

        // nn predict prints targets in original units: the Predictor's output (in original units), bit for bit, close to x·sin(3x).
        string inputs = PathOf("x.csv");
        float[] xs = [-1.9f, -0.5f, 0f, 0.7f, 1.5f];
        File.WriteAllLines(inputs, xs.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        var predict = Run("predict", model, inputs);
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        string[] lines = predict.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("y0", lines[0]);
        var predictor = new Predictor(network);
        var output = new float[1];
        for (int i = 0; i < xs.Length; i++)
        {
            predictor.Predict([xs[i]], output);
            float printed = float.Parse(lines[i + 1], CultureInfo.InvariantCulture);
            Assertions.BitsEqual(output, [printed], $"x = {xs[i]}");
            Assert.InRange(printed, (xs[i] * MathF.Sin(3 * xs[i])) - 0.1f, (xs[i] * MathF.Sin(3 * xs[i])) + 0.1f);
        }

        // nn export-onnx carries the target scaling; ONNX Runtime gives the same targets within 1e-5, and the import reads it back.
        var export = Run("export-onnx", model, onnx);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Network back = OnnxImporter.Import(File.ReadAllBytes(onnx), onnx);
        Assertions.BitsEqual(network.TargetScaling!.Means, back.TargetScaling!.Means, "means");
        Assertions.BitsEqual(network.TargetScaling.Deviations, back.TargetScaling.Deviations, "deviations");
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1 };
            using var session = new InferenceSession(onnx, options);
            float[] batch = [.. testSet.Inputs];
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new DenseTensor<float>(batch, [batch.Length, 1]))]);
            float[] runtime = [.. results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>()];
            var expected = new float[batch.Length];
            predictor.PredictBatch(batch, expected);
            float worst = expected.Zip(runtime, (e, r) => Math.Abs(e - r)).Max();
            TestContext.Current.SendDiagnosticMessage($"ONNX Runtime vs Predictor + target scaling: max |difference| {worst:E2}");
            Assert.True(worst <= 1e-5f, $"max |ONNX Runtime − engine| = {worst:E3} > 1e-5");
        }
    }

    /// <summary>nn info shows a regression model's input and target scaling (the committed fixture: one input, two targets).</summary>
    [Fact]
    public void Info_shows_the_input_and_target_scaling()
    {
        CliProcess.RequireHost();
        var info = Run("info", Path.Combine(AppContext.BaseDirectory, "Fixtures", "curve-1-8-2.tgsc.nnm"));
        Assert.True(info.ExitCode == 0, info.Stderr);
        string text = string.Join(' ', info.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("inputs standardize, (x − μ)/σ per feature (1 features, fitted on the training split)", text, StringComparison.Ordinal);
        Assert.Contains("targets standardize, (t − μ)/σ per target (2 targets, fitted on the training split); outputs in original units y·σ + μ: μ -0.347761, σ 0.779232; μ 5.12186, σ 11.7146", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("z", "--target-columns 'z': 'z' is not a column of the file")]
    [InlineData("3", "--target-columns '3': '3' is not a column of the file")]
    [InlineData("label", "--target-columns: column 2 ('label') is not numeric: 'cat' on line 2")]
    public void A_bad_or_non_numeric_target_column_is_a_usage_error(string columns, string message)
    {
        CliProcess.RequireHost();
        string csv = PathOf("bad.csv");
        File.WriteAllLines(csv, ["x,y,label", "1,2,cat", "2,3,dog", "3,4,cat"]);
        var result = Run("train", "--data", csv, "--task", "regression", "--target-columns", columns);
        CliProcess.AssertOneLineError(2, message, result);
    }

    [Theory]
    [InlineData("--cost", "log-likelihood", "--cost log-likelihood is for classification")]
    [InlineData("--output-activation", "softmax", "--output-activation softmax is for classification")]
    [InlineData("--label-column", "1", "--label-column applies to classification")]
    public void Regression_refuses_classification_only_options(string option, string value, string message)
    {
        CliProcess.RequireHost();
        string csv = PathOf("ok.csv");
        File.WriteAllLines(csv, ["x,y", "1,2", "2,3", "3,4", "4,5", "5,6"]);
        var result = Run("train", "--data", csv, "--task", "regression", "--target-columns", "y", option, value);
        CliProcess.AssertOneLineError(2, message, result);
    }

    [Fact]
    public void Regression_early_stopping_refuses_to_watch_accuracy()
    {
        CliProcess.RequireHost();
        string csv = PathOf("watch.csv");
        File.WriteAllLines(csv, ["x,y", .. Enumerable.Range(0, 40).Select(i => $"{i},{2 * i}")]);
        var result = Run("train", "--data", csv, "--task", "regression", "--target-columns", "y", "--validation", "5", "--patience", "2", "--monitor", "accuracy");
        CliProcess.AssertOneLineError(2, "--monitor accuracy does not apply to --task regression", result);
    }
}
