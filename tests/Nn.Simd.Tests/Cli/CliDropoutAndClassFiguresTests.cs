using System.Globalization;
using System.Text.Json;

namespace Nn.Simd.Tests.Cli;

/// <summary><c>nn train --dropout</c>, and the per-class precision, recall and F1 of <c>nn train</c>, <c>nn eval</c> and the metrics file.</summary>
public sealed class CliDropoutAndClassFiguresTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-dropout-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("--dropout '1': '1' is not a rate in [0, 1) (the probability of dropping a hidden unit).", "--dropout", "1")]
    [InlineData("--dropout '0.2,x': 'x' is not a rate in [0, 1)", "--dropout", "0.2,x")]
    [InlineData("--dropout 'NaN': 'NaN' is not a rate in [0, 1)", "--dropout", "NaN")]
    [InlineData("--dropout '-0.1': '-0.1' is not a rate in [0, 1)", "--dropout", "-0.1")]
    [InlineData("--dropout gives 2 rates but the network [64,30,10] has 1 hidden layer: give one rate for all of them or one per hidden layer.", "--dropout", "0.1,0.2")]
    [InlineData("--dropout gives 3 rates but the network [64,20,20,10] has 2 hidden layers", "--layers", "64,20,20,10", "--dropout", "0.1,0.2,0.3")]
    [InlineData("--dropout: the network [64,10] has no hidden layer to drop units from.", "--layers", "64,10", "--dropout", "0.5")]
    public void A_bad_dropout_is_a_usage_error(string message, params string[] args)
    {
        CliProcess.RequireHost();
        var result = CliProcess.Run(NoEnvironment, ["train", "--epochs", "1", .. args]);
        CliProcess.AssertOneLineError(2, message, result);
        Assert.DoesNotMatch("Dropout|TrainingOptions", result.Stderr);
    }

    /// <summary>
    /// Training with a rate per hidden layer shows them in the header and the metrics file; the
    /// per-class figures of the metrics file follow from its confusion matrix by the documented
    /// formulas; the train report and <c>nn eval</c> print the same rows, one whole line a class.
    /// </summary>
    [Fact]
    public void Dropout_and_the_class_figures_reach_the_header_the_report_eval_and_the_metrics()
    {
        CliProcess.RequireHost();
        string model = Path.Combine(_folder, "m.nnm"), metrics = Path.Combine(_folder, "m.json");
        var train = CliProcess.Run(NoEnvironment, "train", "--epochs", "3", "--layers", "64,40,20,10", "--dropout", "0.1,0.25", "--out", model, "--metrics", metrics);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("dropout  0.1, 0.25 on hidden layers 1, 2 during training\n", train.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics));
        JsonElement root = json.RootElement;
        Assert.Equal([0.1, 0.25], root.GetProperty("dropout").EnumerateArray().Select(r => Math.Round(r.GetDouble(), 6)));
        JsonElement test = root.GetProperty("test");
        int[] classes = [.. test.GetProperty("classes").EnumerateArray().Select(c => c.GetInt32())];
        int[][] confusion = [.. test.GetProperty("confusion").EnumerateArray().Select(row => row.EnumerateArray().Select(c => c.GetInt32()).ToArray())];
        JsonElement[] perClass = [.. test.GetProperty("perClass").EnumerateArray()];
        Assert.Equal(classes, perClass.Select(m => m.GetProperty("class").GetInt32()));
        var expectedRows = new List<string>();
        double precisionSum = 0, recallSum = 0, f1Sum = 0;
        for (int k = 0; k < classes.Length; k++)
        {
            int tp = confusion[k][k], support = confusion[k].Sum(), predicted = confusion.Sum(row => row[k]);
            double precision = predicted == 0 ? 0 : (double)tp / predicted, recall = support == 0 ? 0 : (double)tp / support;
            double f1 = (double)(2 * tp) / ((2 * tp) + (predicted - tp) + (support - tp));
            Assert.Equal(precision, perClass[k].GetProperty("precision").GetDouble(), 12);
            Assert.Equal(recall, perClass[k].GetProperty("recall").GetDouble(), 12);
            Assert.Equal(f1, perClass[k].GetProperty("f1").GetDouble(), 12);
            Assert.Equal(support, perClass[k].GetProperty("support").GetInt32());
            precisionSum += precision;
            recallSum += recall;
            f1Sum += f1;
            expectedRows.Add(Row(classes[k].ToString(CultureInfo.InvariantCulture), precision, recall, f1, support));
        }

        JsonElement macro = test.GetProperty("macro");
        Assert.Equal(precisionSum / classes.Length, macro.GetProperty("precision").GetDouble(), 12);
        Assert.Equal(recallSum / classes.Length, macro.GetProperty("recall").GetDouble(), 12);
        Assert.Equal(f1Sum / classes.Length, macro.GetProperty("f1").GetDouble(), 12);
        Assert.Equal(classes.Length, macro.GetProperty("classes").GetInt32());
        expectedRows.Add(Row("macro", precisionSum / classes.Length, recallSum / classes.Length, f1Sum / classes.Length, 359));

        var eval = CliProcess.Run(NoEnvironment, "eval", model);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        foreach (string stdout in new[] { train.Stdout, eval.Stdout })
        {
            string[] lines = stdout.ReplaceLineEndings("\n").Split('\n');
            int header = Array.FindIndex(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["class", "precision", "recall", "F1", "support"]);
            Assert.True(header > 0, stdout);
            Assert.Equal(expectedRows, lines.Skip(header + 1).Take(expectedRows.Count).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        }
    }

    private static string Row(string label, double precision, double recall, double f1, int support) =>
        string.Create(CultureInfo.InvariantCulture, $"{label} {precision:F4} {recall:F4} {f1:F4} {support}");
}
