using System.Runtime.Intrinsics.X86;
using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Cli;

public class CliTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];


    [Fact]
    public void Cpu_prints_the_path_the_features_and_the_override()
    {
        CliProcess.RequireHost();
        (int code, string stdout, _) = CliProcess.Run(NoEnvironment, "cpu");
        Assert.Equal(0, code);
        Assert.Contains($"kernel path     {KernelDispatch.Best}", stdout, StringComparison.Ordinal);
        Assert.Contains("vector features", stdout, StringComparison.Ordinal);
        Assert.Contains("override        none", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_override_variable_forces_a_lower_path_in_a_fresh_process()
    {
        CliProcess.RequireHost();
        (int code, string stdout, _) = CliProcess.Run(new Dictionary<string, string?> { ["NN_SIMD_PATH"] = "scalar" }, "cpu");
        Assert.Equal(0, code);
        Assert.Contains("kernel path     Scalar", stdout, StringComparison.Ordinal);
        Assert.Contains("override        Scalar (from NN_SIMD_PATH)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_the_CPU_cannot_run_is_a_clear_error()
    {
        CliProcess.RequireHost();
        string missing = Avx2.IsSupported ? "advsimd" : "avx2";
        (int code, _, string stderr) = CliProcess.Run(new Dictionary<string, string?> { ["NN_SIMD_PATH"] = missing }, "cpu");
        Assert.Equal(1, code);
        Assert.Contains("NN_SIMD_PATH", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_with_no_arguments_learns_the_embedded_digits()
    {
        CliProcess.RequireHost();
        (int code, string stdout, string stderr) = CliProcess.Run(NoEnvironment, "train");
        Assert.True(code == 0, stderr);
        string line = stdout.Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        double accuracy = double.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 95, line);
        Assert.Contains("epoch  30", stdout, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "Unrecognized", "train", "--bogus")]
    [InlineData(2, "Unrecognized command or argument '--epoch'. Did you mean --epochs?", "train", "--epoch", "3")]
    [InlineData(2, "Unrecognized command or argument 'trian'. Did you mean train?", "trian")]
    [InlineData(2, "--activation 'rleu' is not one of sigmoid, tanh, relu, identity, softmax. Did you mean relu?", "train", "--activation", "rleu")]
    [InlineData(2, "--cost 'crossentropy' is not one of quadratic, cross-entropy, log-likelihood. Did you mean cross-entropy?", "train", "--cost", "crossentropy")]
    [InlineData(2, "is not a layer size", "train", "--layers", "64,x,10")]
    [InlineData(2, "does not fit the data", "train", "--layers", "50,10")]
    [InlineData(2, "is not one of", "train", "--cost", "hinge")]
    [InlineData(2, "--batch 0 must be at least 1.", "train", "--batch", "0")]
    [InlineData(2, "--eta -1 must be a finite number > 0.", "train", "--eta", "-1")]
    [InlineData(2, "--epochs 0 must be at least 1.", "train", "--data", "/no/such/file.csv", "--epochs", "0")]
    [InlineData(2, "--threads 0 must be between 1 and 1024.", "train", "--threads", "0")]
    [InlineData(2, "--cost cross-entropy cannot be used with --output-activation softmax: ", "train", "--cost", "cross-entropy", "--output-activation", "softmax")]
    [InlineData(2, "--lambda NaN must be a finite number ≥ 0.", "train", "--lambda", "NaN")]
    [InlineData(2, "--layers: The network [64,50000,50000,10] has 2,503,300,000+ parameters", "train", "--layers", "64,50000,50000,10")]
    [InlineData(2, "--activation softmax: softmax is only allowed on the output layer (--output-activation softmax).", "train", "--activation", "softmax")]
    [InlineData(2, "--validation '1.5' is neither a whole sample count", "train", "--validation", "1.5")]
    [InlineData(2, "--validation 'NaN' is neither a whole sample count", "train", "--validation", "NaN")]
    [InlineData(1, "is not digits, fashion-mnist", "train", "--data", "/no/such/file.csv")]
    public void Bad_input_gives_one_line_and_the_exit_code(int expectedCode, string message, params string[] args)
    {
        CliProcess.RequireHost();
        var result = CliProcess.Run(NoEnvironment, args);
        CliProcess.AssertOneLineError(expectedCode, message, result);

        // The command line's messages name its options, never the library's members behind them.
        Assert.DoesNotMatch("LearningRate|MiniBatchSize|Epochs is|Lambda|Threads is|CrossEntropy|LogLikelihood|layerSizes|TrainingOptions|not (Sigmoid|Tanh|Relu|Identity|Softmax)", result.Stderr);
    }
}
