using System.Globalization;
using System.Text.Json;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.Cli;

/// <summary>
/// What nn writes: every output checked before the work, refused when it exists without --force,
/// written atomically, the leftovers of killed saves removed, a model kept when training diverges;
/// and the arguments it must take literally (an @name, a mini-batch larger than the data).
/// </summary>
public sealed class CliOutputTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-output-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private string[] Files() => [.. Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    [Fact]
    public void Every_output_that_exists_is_kept_without_force_and_replaced_atomically_with_it()
    {
        CliProcess.RequireHost();
        string model = PathOf("m.nnm"), metrics = PathOf("m.json"), plot = PathOf("m.svg"), onnx = PathOf("m.onnx"), bench = PathOf("bench.json");
        foreach (string path in (string[])[model, metrics, plot, onnx, bench])
        {
            File.WriteAllText(path, "keep");
        }

        string source = PathOf("source.nnm");
        ModelFile.Save(Network.Create([4, 3], [Activation.Softmax], Cost.LogLikelihood, seed: 1), source);
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "relu-tanh-64-32-16-10.onnx");
        (string Option, string[] Args)[] cases =
        [
            ("--out", ["train", "--epochs", "1", "--out", model]),
            ("--metrics", ["train", "--epochs", "1", "--metrics", metrics]),
            ("--plot", ["train", "--epochs", "1", "--plot", plot]),
            ("OUT", ["export-onnx", source, onnx]),
            ("OUT", ["import-onnx", fixture, model]),
            ("--json", ["bench", "--json", bench]),
        ];
        foreach ((string option, string[] args) in cases)
        {
            var result = Run(args);
            CliProcess.AssertOneLineError(2, $"{option} '{args[^1]}' already exists; add --force to replace it.", result);
            Assert.DoesNotContain("epoch", result.Stdout, StringComparison.Ordinal);
        }

        Assert.All((string[])[model, metrics, plot, onnx, bench], path => Assert.Equal("keep", File.ReadAllText(path)));

        var train = Run("train", "--epochs", "2", "--out", model, "--metrics", metrics, "--plot", plot, "--force");
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Equal([64, 30, 10], ModelFile.Load(model).LayerSizes);
        using (JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics)))
        {
            Assert.Equal(2, json.RootElement.GetProperty("epochs").GetArrayLength());
        }

        Assert.Contains("<svg", File.ReadAllText(plot), StringComparison.Ordinal);
        Assert.Equal(0, Run("export-onnx", model, onnx, "--force").ExitCode);
        Assert.Equal(OnnxBytes(model), File.ReadAllBytes(onnx));
        Assert.Equal(["bench.json", "m.json", "m.nnm", "m.onnx", "m.svg", "source.nnm"], Files());
    }

    private static byte[] OnnxBytes(string model) => Nn.Simd.Onnx.OnnxExporter.Export(ModelFile.Load(model));

    /// <summary>
    /// A folder where no file can be created is found before the first epoch (or the first benchmark,
    /// or the model is read): before, it was found after all the work. /sys takes no new files,
    /// even from root.
    /// </summary>
    [Fact]
    public void A_folder_that_takes_no_files_is_found_before_any_work()
    {
        CliProcess.RequireHost();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("/sys, a folder no user can create files in, is Linux's.");
        }

        string source = PathOf("source.nnm");
        ModelFile.Save(Network.Create([4, 3], [Activation.Softmax], Cost.LogLikelihood, seed: 1), source);
        (string Option, string[] Args)[] cases =
        [
            ("--out", ["train", "--epochs", "300", "--out", "/sys/m.nnm"]),
            ("--metrics", ["train", "--epochs", "300", "--metrics", "/sys/m.json"]),
            ("--plot", ["train", "--epochs", "300", "--plot", "/sys/m.png"]),
            ("--json", ["bench", "--json", "/sys/bench.json"]),
            ("OUT", ["export-onnx", source, "/sys/m.onnx"]),
        ];
        foreach ((string option, string[] args) in cases)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var result = Run(args);
            CliProcess.AssertOneLineError(1, $"{option}: Cannot write '{args[^1]}': no file can be created in the folder '/sys' (", result);
            Assert.Equal(string.Empty, result.Stdout);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"{args[0]} answered after {started.Elapsed}");
        }
    }

    /// <summary>
    /// A save killed by SIGKILL leaves its temporary file (<c>.NAME.PID.GUID.tmp</c>); the next save
    /// of the same file removes it — but not the temporary of a save that is still running (here one
    /// named after the test process).
    /// </summary>
    [Fact]
    public void The_next_save_removes_the_temporary_file_a_killed_save_left()
    {
        CliProcess.RequireHost();
        string killed = string.Create(CultureInfo.InvariantCulture, $".m.json.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string running = string.Create(CultureInfo.InvariantCulture, $".m.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(PathOf(killed), "{\"half\":");
        File.WriteAllText(PathOf(running), "{\"writing\":");

        var train = Run("train", "--epochs", "1", "--metrics", PathOf("m.json"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Equal([running, "m.json"], Files());
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(PathOf("m.json")));
    }

    /// <summary>
    /// A divergence after a complete epoch keeps that epoch's model: the same bits as a run stopped
    /// there. (λ = 1200 makes the decay 1 − ηλ/n = −1.5: every weight grows by half each step until
    /// a float overflows, in epoch 2.)
    /// </summary>
    [Fact]
    public void Divergence_saves_the_last_complete_epoch_and_says_where()
    {
        CliProcess.RequireHost();
        string model = PathOf("diverged.nnm"), reference = PathOf("epoch1.nnm");
        var diverged = Run("train", "--lambda", "1200", "--epochs", "5", "--out", model);
        CliProcess.AssertOneLineError(1, $"training diverged in epoch 2, mini-batch 76: the cost or gradient became non-finite (last finite mini-batch cost 4.5); the model of epoch 1 (the last that ended with finite weights) was saved to {model}; try a smaller --eta or --lambda.", diverged);

        Assert.Equal(0, Run("train", "--lambda", "1200", "--epochs", "1", "--out", reference).ExitCode);
        Assert.Equal(ModelFile.Load(reference).ComputeHash(), ModelFile.Load(model).ComputeHash());
    }

    /// <summary>
    /// A divergence with no epoch to fall back on keeps the initial model: in epoch 1 (a huge η on
    /// ReLU), or after an epoch whose last step overflowed a weight (λ = 1371: found only by the
    /// next epoch's first mini-batch).
    /// </summary>
    [Theory]
    [InlineData("relu", "identity", "50", "0", "epoch 1, mini-batch 6")]
    [InlineData("sigmoid", "sigmoid", "3", "1371", "epoch 2, mini-batch 1")]
    public void Divergence_without_a_finite_epoch_saves_the_initial_model(string hidden, string output, string eta, string lambda, string where)
    {
        CliProcess.RequireHost();
        string model = PathOf("diverged.nnm");
        var diverged = Run("train", "--activation", hidden, "--output-activation", output, "--eta", eta, "--lambda", lambda, "--epochs", "5", "--out", model);
        CliProcess.AssertOneLineError(1, $"training diverged in {where}: ", diverged);
        Assert.Contains($"the initial model was saved to {model} (no epoch ended with finite weights)", diverged.Stderr, StringComparison.Ordinal);

        Activation activation = Enum.Parse<Activation>(hidden, ignoreCase: true);
        var initial = Network.Create([64, 30, 10], activation, Enum.Parse<Activation>(output, ignoreCase: true), Cost.Quadratic, Initialization.ScaledGaussian, seed: 1);
        Assert.Equal(initial.ComputeHash(), ModelFile.Load(model).ComputeHash());
    }

    /// <summary>"@name" is a file name, not a response file whose lines nn would read as arguments (and echo in its error).</summary>
    [Fact]
    public void An_argument_starting_with_at_is_a_file_name()
    {
        CliProcess.RequireHost();
        string secret = PathOf("secret.txt");
        File.WriteAllText(secret, "root:x:0:0:secret-line\n");
        var result = Run("info", $"@{secret}");
        CliProcess.AssertOneLineError(1, $"'@{secret}' does not exist", result);
        Assert.DoesNotContain("secret-line", result.Stdout + result.Stderr, StringComparison.Ordinal);

        ModelFile.Save(Network.Create([4, 3], [Activation.Softmax], Cost.LogLikelihood, seed: 1), PathOf("@model.nnm"));
        var info = CliProcess.RunProgram("nn.dll", _folder, NoEnvironment, ["info", "@model.nnm"]);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("4 → 3", info.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A mini-batch beyond the 1,438 training samples is refused on the command line as a usage
    /// error naming the option and the count, before any training (before: an OverflowException's
    /// stack trace, or out of memory); the largest allowed one, the whole set, trains.
    /// </summary>
    [Theory]
    [InlineData("1439", "1,439")]
    [InlineData("100000000", "100,000,000")]
    [InlineData("2147483647", "2,147,483,647")]
    public void A_mini_batch_beyond_the_data_is_refused(string batch, string shown)
    {
        CliProcess.RequireHost();
        var huge = Run("train", "--epochs", "2", "--batch", batch);
        Assert.Equal(2, huge.ExitCode);
        Assert.Equal($"nn: --batch {shown} is larger than the 1,438 training samples; at most 1,438 (one step per epoch).", huge.Stderr.Trim());
        var whole = Run("train", "--epochs", "2", "--batch", "1438");
        Assert.True(whole.ExitCode == 0, whole.Stderr);
    }
}
