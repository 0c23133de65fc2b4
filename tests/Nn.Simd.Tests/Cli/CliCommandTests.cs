using System.IO.Compression;
using System.Text.Json;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Nn.Simd.Tests.Data;
using Nn.Simd.Tests.IO;

namespace Nn.Simd.Tests.Cli;

/// <summary>The real nn program, every command and its error cases, each checked for message and exit code.</summary>
public sealed class CliCommandTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>The output with its line breaks and runs of spaces made single spaces: the console wraps long lines at its width.</summary>
    private static string Unwrapped(string stdout) => string.Join(' ', stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    [Fact]
    public void Train_saves_metrics_plot_and_model_which_eval_info_and_predict_read()
    {
        CliProcess.RequireHost();
        string model = PathOf("digits.nnm"), metrics = PathOf("metrics.json"), plot = PathOf("curves.png");
        var train = Run("train", "--epochs", "3", "--validation", "0.1", "--out", model, "--metrics", metrics, "--plot", plot);
        Assert.True(train.ExitCode == 0, train.Stderr);

        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics)))
        {
            JsonElement root = json.RootElement;
            Assert.False(string.IsNullOrEmpty(root.GetProperty("kernelPath").GetString()));
            Assert.False(string.IsNullOrEmpty(root.GetProperty("cpu").GetString()));
            Assert.Equal(Environment.ProcessorCount, root.GetProperty("threads").GetInt32());
            JsonElement[] epochs = [.. root.GetProperty("epochs").EnumerateArray()];
            Assert.Equal([1, 2, 3], epochs.Select(e => e.GetProperty("epoch").GetInt32()));
            Assert.All(epochs, e =>
            {
                Assert.True(e.GetProperty("seconds").GetDouble() > 0);
                Assert.True(e.GetProperty("samplesPerSecond").GetDouble() > 0);
                Assert.InRange(e.GetProperty("trainingAccuracy").GetDouble(), 0, 1);
                Assert.InRange(e.GetProperty("validationAccuracy").GetDouble(), 0, 1);
                Assert.True(e.GetProperty("trainingCost").GetDouble() > 0);
            });
            JsonElement test = root.GetProperty("test");
            Assert.Equal(359, test.GetProperty("confusion").EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        }

        byte[] png = File.ReadAllBytes(plot);
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "a PNG file");

        var info = Run("info", model);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("64 → 30 → 10", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("checksum OK", info.Stdout, StringComparison.Ordinal);

        var eval = Run("eval", model);
        Assert.Equal(0, eval.ExitCode);
        Assert.Contains("(split by --test-fraction 0.2 and --seed 1, which must be nn train's)", Unwrapped(eval.Stdout), StringComparison.Ordinal);
        string trainAccuracy = train.Stdout.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        string evalAccuracy = eval.Stdout.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        Assert.Equal(trainAccuracy, evalAccuracy);

        string csv = PathOf("three.csv");
        File.WriteAllLines(csv, ReadDigitsLines(3));
        var predict = Run("predict", model, csv, "--label-column", "64");
        Assert.Equal(0, predict.ExitCode);
        Network network = ModelFile.Load(model);
        string[] lines = predict.Stdout.Trim().Split('\n');
        Assert.Equal("class", lines[0].Trim());
        var digits = Datasets.Digits();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(network.Classify(digits.Input(i)).ToString(System.Globalization.CultureInfo.InvariantCulture), lines[i + 1].Trim());
        }

        string onnx = PathOf("digits.onnx");
        var export = Run("export-onnx", model, onnx);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal(OnnxExporter.Export(network), File.ReadAllBytes(onnx));
        CliProcess.AssertOneLineError(2, "already exists", Run("export-onnx", model, onnx));
        string reimported = PathOf("reimported.nnm");
        Assert.Equal(0, Run("import-onnx", onnx, reimported).ExitCode);
        Assertions.BitsEqual(network.Parameters, ModelFile.Load(reimported).Parameters, "nn import-onnx of nn export-onnx");
        CliProcess.AssertOneLineError(1, "ReduceMean", Run("import-onnx", Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "unsupported-layernorm.onnx"), PathOf("no.nnm")));

        var proba = Run("predict", model, csv, "--label-column", "64", "--proba");
        string[] probabilities = proba.Stdout.Trim().Split('\n');
        Assert.StartsWith("p0,p1,", probabilities[0], StringComparison.Ordinal);
        Assert.Equal(10, probabilities[1].Split(',').Length);
    }

    /// <summary>
    /// nn quantize prints fp32 and int8 accuracy and their agreement and saves the int8 layers with
    /// the fp32 model; info, eval and predict read them (predict answers with the int8 form), and
    /// export-onnx writes the integer graph.
    /// </summary>
    [Fact]
    public void Quantize_writes_int8_layers_that_info_eval_predict_and_export_read()
    {
        CliProcess.RequireHost();
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-64-16-10.v2.nnm");
        string model = PathOf("int8.nnm"), onnx = PathOf("int8.onnx"), csv = PathOf("samples.csv");
        var quantize = Run("quantize", fixture, model, "--calibration", "digits");
        Assert.True(quantize.ExitCode == 0, quantize.Stderr);
        Assert.Matches(@"fp32 test accuracy [0-9.]+ %", quantize.Stdout);
        Assert.Matches(@"int8 test accuracy [0-9.]+ %", quantize.Stdout);
        Assert.Matches(@"arg-max agreement +[0-9.]+ % \([0-9]+ of 359\)", quantize.Stdout);
        Assert.Contains("static", quantize.Stdout, StringComparison.Ordinal);

        var info = Run("info", model);
        Assert.Contains("int8 layers", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("static activations, 1,184 int8 weights", Unwrapped(info.Stdout), StringComparison.Ordinal);
        var eval = Run("eval", model);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Matches(@"int8 test accuracy [0-9.]+ % \(static activations\)", eval.Stdout);

        Network network = ModelFile.Load(model);
        Dataset digits = Datasets.Digits();
        File.WriteAllLines(csv, Enumerable.Range(0, 20).Select(i => string.Join(',', digits.Input(i).ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))));
        var predict = Run("predict", model, csv);
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        string[] classes = predict.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Equal(Enumerable.Range(0, 20).Select(i => network.Quantized!.Classify(digits.Input(i)).ToString(System.Globalization.CultureInfo.InvariantCulture)), classes);

        var export = Run("export-onnx", model, onnx);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("int8", export.Stdout, StringComparison.Ordinal);
        Assert.True(File.ReadAllBytes(onnx).AsSpan().IndexOf("MatMulInteger"u8) >= 0, "the ONNX file has MatMulInteger nodes");
    }

    [Fact]
    public void An_existing_model_is_never_overwritten_without_force()
    {
        CliProcess.RequireHost();
        string model = PathOf("keep.nnm");
        File.WriteAllText(model, "precious");
        CliProcess.AssertOneLineError(2, "--force", Run("train", "--epochs", "1", "--out", model));
        Assert.Equal("precious", File.ReadAllText(model));
        var forced = Run("train", "--epochs", "1", "--out", model, "--force");
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal([64, 30, 10], ModelFile.Load(model).LayerSizes);
    }

    [Fact]
    public void Outputs_that_could_only_fail_after_training_are_refused_before_it()
    {
        CliProcess.RequireHost();
        string missing = Path.Combine(_folder, "no-such-folder");
        var metrics = Run("train", "--metrics", Path.Combine(missing, "m.json"));
        CliProcess.AssertOneLineError(1, $"--metrics '{Path.Combine(missing, "m.json")}': the folder '{missing}' does not exist.", metrics);
        Assert.DoesNotContain("epoch", metrics.Stdout, StringComparison.Ordinal);

        var plot = Run("train", "--plot", Path.Combine(missing, "p.svg"));
        CliProcess.AssertOneLineError(1, "--plot", plot);
        Assert.DoesNotContain("epoch", plot.Stdout, StringComparison.Ordinal);

        var folder = Run("train", "--out", _folder);
        CliProcess.AssertOneLineError(2, $"--out '{_folder}' is a folder", folder);
        Assert.DoesNotContain("epoch", folder.Stdout, StringComparison.Ordinal);

        string model = PathOf("both.nnm");
        var both = Run("train", "--out", model, "--metrics", model);
        CliProcess.AssertOneLineError(2, "--out and --metrics both name", both);
        Assert.DoesNotContain("epoch", both.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void An_SVG_plot_is_drawn_with_nothing_on_stderr()
    {
        CliProcess.RequireHost();
        string plot = PathOf("curves.svg");
        var train = Run("train", "--epochs", "2", "--validation", "0.1", "--plot", plot);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Equal(string.Empty, train.Stderr);
        string svg = File.ReadAllText(plot);
        Assert.Contains("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("validation cost", svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_stops_training_and_keeps_the_last_complete_epoch()
    {
        CliProcess.RequireHost();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("SIGINT is sent with kill(1).");
        }

        string model = PathOf("interrupted.nnm");
        var start = new System.Diagnostics.ProcessStartInfo(CliProcess.DotnetHost!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "nn.dll"), "train", "--epochs", "100000", "--out", model })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("epoch   3", StringComparison.Ordinal))
        {
        }

        Assert.NotNull(line);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(process.WaitForExit(60_000), "nn stopped after Ctrl+C");
        process.StandardOutput.ReadToEnd();
        Assert.Equal(130, process.ExitCode);
        Assert.Matches(@"interrupted during epoch \d+; the model of epoch \d+ was saved to", await stderr);
        Assert.Equal([64, 30, 10], ModelFile.Load(model).LayerSizes);
    }

    [Fact]
    public void Predict_reads_IDX_images_too()
    {
        CliProcess.RequireHost();
        string model = PathOf("tiny.nnm");
        ModelFile.Save(Network.Create([4, 3], [Activation.Softmax], Cost.LogLikelihood, seed: 1), model);
        string images = PathOf("images-idx3-ubyte.gz");
        IdxFiles.Write(images, 3, [2, 2, 2], [0, 255, 128, 64, 1, 2, 3, 4]);
        var result = Run("predict", model, images, "--proba");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(3, result.Stdout.Trim().Split('\n').Length);
    }

    public static TheoryData<string> ModelCorruptions()
    {
        var data = new TheoryData<string>();
        foreach (var row in ModelFileTests.Corruptions())
        {
            data.Add(row.Data.Item1);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModelCorruptions))]
    public void Corrupted_model_files_give_one_line_and_exit_1(string corruption)
    {
        CliProcess.RequireHost();
        string model = PathOf("model.nnm");
        ModelFile.Save(Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5), model);
        File.WriteAllBytes(model, ModelFileTests.Corrupt(File.ReadAllBytes(model), corruption));
        CliProcess.AssertOneLineError(1, "model.nnm", Run("info", model));
        CliProcess.AssertOneLineError(1, "model.nnm", Run("eval", model));
    }

    public static TheoryData<string, string> MalformedData() => new()
    {
        { "csv:not-a-number", "is not a number" },
        { "csv:ragged", "columns but the first row has" },
        { "csv:bad-label", "is not a class number" },
        { "csv:nan", "must be finite" },
        { "csv:empty", "no data rows" },
        { "idx:magic", "bad magic number" },
        { "idx:truncated", "truncated" },
        { "idx:count-mismatch", "labels" },
        { "idx:dimensions", "dimensions" },
        { "idx:label-range", "outside the 10 classes" },
        { "idx:type", "element type" },
        { "idx:trailing", "bytes after the data" },
    };

    [Theory]
    [MemberData(nameof(MalformedData))]
    public void Malformed_data_files_give_one_line_and_exit_1(string kind, string message)
    {
        CliProcess.RequireHost();
        string data = MakeMalformed(kind);
        CliProcess.AssertOneLineError(1, message, Run("train", "--epochs", "1", "--data", data));
    }

    [Fact]
    public void Missing_files_and_unknown_commands_are_reported()
    {
        CliProcess.RequireHost();
        CliProcess.AssertOneLineError(1, "does not exist", Run("info", PathOf("nope.nnm")));
        CliProcess.AssertOneLineError(1, "does not exist", Run("predict", PathOf("nope.nnm"), PathOf("x.csv")));
        CliProcess.AssertOneLineError(2, "Unrecognized", Run("frobnicate"));
        CliProcess.AssertOneLineError(2, "Required argument", Run("eval"));
    }

    [Fact]
    public void The_label_column_can_be_named_by_its_header()
    {
        CliProcess.RequireHost();
        string csv = PathOf("named.csv"), model = PathOf("named.nnm");
        File.WriteAllLines(csv, [string.Join(',', Enumerable.Range(0, 64).Select(i => $"p{i}")) + ",digit", .. ReadDigitsLines(200)]);
        var byName = Run("train", "--data", csv, "--label-column", "digit", "--epochs", "2", "--out", model);
        var byIndex = Run("train", "--data", csv, "--label-column", "64", "--epochs", "2");
        Assert.True(byName.ExitCode == 0, byName.Stderr);
        string HashLine(string stdout) => stdout.Split('\n').Single(l => l.StartsWith("weights hash", StringComparison.Ordinal));
        Assert.Equal(HashLine(byIndex.Stdout), HashLine(byName.Stdout));
        CliProcess.AssertOneLineError(1, "named.csv: no column is named 'label'", Run("train", "--data", csv, "--label-column", "label"));

        var predict = Run("predict", model, csv, "--label-column", "digit");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        Assert.Equal(201, predict.Stdout.Trim().Split('\n').Length);
    }

    [Fact]
    public void Predict_reads_CSV_from_standard_input_given_as_a_dash()
    {
        CliProcess.RequireHost();
        string model = PathOf("model.nnm"), csv = PathOf("five.csv");
        ModelFile.Save(Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5), model);
        string[] rows = [.. ReadDigitsLines(5)];
        File.WriteAllLines(csv, rows);
        var fromFile = Run("predict", model, csv, "--label-column", "64", "--proba");
        var fromInput = CliProcess.RunWithInput(string.Join('\n', rows) + "\n", "predict", model, "-", "--label-column", "64", "--proba");
        Assert.True(fromInput.ExitCode == 0, fromInput.Stderr);
        Assert.Equal(fromFile.Stdout, fromInput.Stdout);
        Assert.Equal(6, fromInput.Stdout.Trim().Split('\n').Length);
        CliProcess.AssertOneLineError(1, "standard input: each sample has 2 values but the model", CliProcess.RunWithInput("1,2\n", "predict", model, "-"));
        CliProcess.AssertOneLineError(1, "standard input: no data rows.", CliProcess.RunWithInput(string.Empty, "predict", model, "-"));
    }

    [Fact]
    public void Data_options_that_would_be_ignored_are_refused()
    {
        CliProcess.RequireHost();
        CliProcess.AssertOneLineError(2, $"--test-fraction applies to data without a test part (digits, a CSV file); --data '{_folder}' has its own test set.", Run("train", "--data", _folder, "--test-fraction", "0.1"));
        CliProcess.AssertOneLineError(2, "--label-column applies to a CSV file; --data 'digits' is not one.", Run("train", "--label-column", "3"));

        string csv = PathOf("digits.csv");
        File.WriteAllLines(csv, ReadDigitsLines(50));
        CliProcess.AssertOneLineError(1, "digits.csv: every label is 0, a single class", Run("train", "--data", csv, "--label-column", "0"));
        var split = Run("train", "--data", csv, "--test-fraction", "0.5", "--epochs", "1");
        Assert.True(split.ExitCode == 0, split.Stderr);
        Assert.Contains("25 training, 0 validation, 25 test samples", Unwrapped(split.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_and_the_other_writers_explain_what_is_wrong()
    {
        CliProcess.RequireHost();
        string model = PathOf("model.nnm");
        ModelFile.Save(Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5), model);
        string csv = PathOf("labelled.csv");
        File.WriteAllLines(csv, ReadDigitsLines(2));

        CliProcess.AssertOneLineError(1, "each sample has 65 values but the model [64,30,10] sigmoid/sigmoid, quadratic takes 64. If one column is a label, name it with --label-column.", Run("predict", model, csv));
        CliProcess.AssertOneLineError(2, "--scale NaN is not a finite number.", Run("predict", model, csv, "--label-column", "64", "--scale", "NaN"));

        string missing = Path.Combine(_folder, "no-such-folder");
        CliProcess.AssertOneLineError(1, $"OUT '{Path.Combine(missing, "m.onnx")}': the folder '{missing}' does not exist.", Run("export-onnx", model, Path.Combine(missing, "m.onnx")));
        var bench = Run("bench", "--json", Path.Combine(missing, "b.json"));
        CliProcess.AssertOneLineError(1, $"--json '{Path.Combine(missing, "b.json")}': the folder '{missing}' does not exist.", bench);
        Assert.DoesNotContain("training", bench.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Fashion_mnist_says_how_to_install_it_when_it_is_missing()
    {
        if (Directory.Exists(Datasets.FashionMnistFolder))
        {
            var e = Assert.Throws<FileNotFoundException>(() => Datasets.FashionMnist(test: true, folder: PathOf("absent")));
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
            return;
        }

        CliProcess.RequireHost();
        CliProcess.AssertOneLineError(1, "apt-get install dataset-fashion-mnist", Run("train", "--data", "fashion-mnist"));
    }

    private string MakeMalformed(string kind)
    {
        string[] parts = kind.Split(':');
        if (parts[0] == "csv")
        {
            string csv = PathOf("bad.csv");
            File.WriteAllText(csv, parts[1] switch
            {
                "not-a-number" => "1,2,0\n3,x,1\n",
                "ragged" => "1,2,0\n3,4,5,1\n",
                "bad-label" => "1,2,0\n3,4,1.5\n",
                "nan" => "1,2,0\n3,NaN,1\n",
                _ => "\n\n",
            });
            return csv;
        }

        string folder = PathOf("mnist-" + parts[1]);
        Directory.CreateDirectory(folder);
        byte[] pixels = new byte[5 * 2 * 2];
        byte[] labels = [0, 1, 2, 3, 4];
        foreach (string prefix in new[] { "train", "t10k" })
        {
            string images = Path.Combine(folder, $"{prefix}-images-idx3-ubyte");
            string labelFile = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte");
            IdxFiles.Write(images, 3, [5, 2, 2], pixels);
            IdxFiles.Write(labelFile, 1, [5], labels);
            switch (parts[1])
            {
                case "magic":
                    Patch(images, 0, 0x42);
                    break;
                case "truncated":
                    File.WriteAllBytes(images, File.ReadAllBytes(images)[..^3]);
                    break;
                case "count-mismatch":
                    IdxFiles.Write(labelFile, 1, [4], labels[..4]);
                    break;
                case "dimensions":
                    IdxFiles.Write(images, 2, [5, 4], pixels);
                    break;
                case "label-range":
                    IdxFiles.Write(labelFile, 1, [5], [0, 1, 2, 3, 200]);
                    break;
                case "type":
                    Patch(images, 2, 0x0D);
                    break;
                default:
                    File.AppendAllText(images, "!");
                    break;
            }
        }

        return folder;
    }

    private static void Patch(string path, int offset, byte value)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] = value;
        File.WriteAllBytes(path, bytes);
    }

    private static IEnumerable<string> ReadDigitsLines(int count)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "data", "digits.csv.gz");
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        for (int i = 0; i < count; i++)
        {
            yield return reader.ReadLine()!;
        }
    }
}
