using System.Globalization;
using System.Text.Json;
using Nn.Simd.IO;

namespace Nn.Simd.Tests.Cli;

/// <summary>nn train's optimizer, schedule, early-stopping and checkpoint options, through the real program.</summary>
public sealed class CliTrainingPlanTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-plan-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    public static TheoryData<string, string> Plans() => new()
    {
        { "sgd", "batched" },
        { "sgd", "samples" },
        { "adamw-cosine", "batched" },
        { "adamw-cosine", "samples" },
    };

    /// <summary><c>--epochs 4</c> equals <c>--epochs 2 --checkpoint c</c> then <c>--epochs 4 --resume c</c>, model file byte for byte.</summary>
    [Theory]
    [MemberData(nameof(Plans))]
    public void Two_epochs_then_a_resume_to_four_save_the_four_epoch_model(string plan, string engine)
    {
        CliProcess.RequireHost();
        string[] common = plan == "sgd"
            ? ["train", "--engine", engine, "--lambda", "0.5"]
            : ["train", "--engine", engine, "--optimizer", "adamw", "--schedule", "cosine", "--warmup", "1", "--activation", "relu", "--cost", "log-likelihood", "--init", "he", "--validation", "0.1", "--patience", "3"];
        string whole = PathOf("whole.nnm"), resumed = PathOf("resumed.nnm"), checkpoint = PathOf("run.nnc");

        var straight = Run([.. common, "--epochs", "4", "--out", whole]);
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        string[] first = plan == "sgd" ? ["--epochs", "2"] : ["--epochs", "2", "--schedule-epochs", "4"];
        var part = Run([.. common, .. first, "--checkpoint", checkpoint]);
        Assert.True(part.ExitCode == 0, part.Stderr);
        Assert.Equal(2, CheckpointFile.Load(checkpoint).Epoch);
        var rest = Run([.. common, "--epochs", "4", "--resume", checkpoint, "--out", resumed]);
        Assert.True(rest.ExitCode == 0, rest.Stderr);
        Assert.Contains("resumed  after epoch 2", rest.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch   2 ", rest.Stdout, StringComparison.Ordinal);

        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(resumed));
    }

    [Fact]
    public void Early_stopping_says_which_epoch_was_best_and_why_training_stopped()
    {
        CliProcess.RequireHost();
        string metrics = PathOf("m.json");

        // No epoch after the first beats it by a whole unit of accuracy: a stop after epoch 1 + 2.
        var result = Run("train", "--epochs", "30", "--validation", "0.1", "--optimizer", "adam", "--patience", "2", "--monitor", "accuracy", "--min-delta", "1", "--metrics", metrics);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("stopping early after epoch 3: the validation accuracy did not improve for 2 epochs; restored the best epoch, 1", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"epoch   1 .*  best\n", result.Stdout);
        Assert.DoesNotContain("epoch   4", result.Stdout, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal(1, json.RootElement.GetProperty("bestEpoch").GetInt32());
        Assert.Equal("early-stopping", json.RootElement.GetProperty("stopReason").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("epochs").GetArrayLength());
        Assert.Equal(0.001, json.RootElement.GetProperty("epochs")[0].GetProperty("learningRate").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("--patience stops on the validation set; add --validation", "--patience", "3")]
    [InlineData("--schedule plateau watches the validation cost", "--schedule", "plateau")]
    [InlineData("--optimizer 'adamx' is not one of sgd, momentum, nesterov, adam, adamw, rmsprop", "--optimizer", "adamx")]
    [InlineData("--schedule 'cosin' is not one of", "--schedule", "cosin")]
    [InlineData("--warmup applies to --schedule cosine only", "--warmup", "1")]
    [InlineData("--momentum applies to --optimizer momentum or nesterov only", "--optimizer", "adam", "--momentum", "0.5")]
    [InlineData("--beta1 1 must lie in [0, 1)", "--optimizer", "adam", "--beta1", "1")]
    [InlineData("--lambda is plain sgd's L2 term; with --optimizer adamw use --weight-decay", "--optimizer", "adamw", "--lambda", "0.1")]
    [InlineData("--weight-decay applies to --optimizer momentum", "--weight-decay", "0.1")]
    [InlineData("--warmup 5 must lie between 0 and the 3 epochs", "--epochs", "3", "--schedule", "cosine", "--warmup", "5")]
    [InlineData("--min-delta applies to early stopping", "--min-delta", "0.1")]
    [InlineData("--monitor 'loss' is not one of cost, accuracy", "--validation", "0.1", "--patience", "2", "--monitor", "loss")]
    public void A_plan_that_cannot_work_is_a_usage_error(string message, params string[] args)
    {
        CliProcess.RequireHost();
        CliProcess.AssertOneLineError(2, message, Run(["train", .. args]));
    }

    [Fact]
    public void A_resume_with_other_options_is_a_usage_error_naming_them()
    {
        CliProcess.RequireHost();
        string checkpoint = PathOf("run.nnc");
        var first = Run("train", "--epochs", "2", "--checkpoint", checkpoint);
        Assert.True(first.ExitCode == 0, first.Stderr);

        CliProcess.AssertOneLineError(2, "mini-batch 10", Run("train", "--epochs", "3", "--resume", checkpoint, "--batch", "20"));
        CliProcess.AssertOneLineError(2, "--epochs 1: the checkpoint", Run("train", "--epochs", "1", "--resume", checkpoint, "--checkpoint", checkpoint));
        CliProcess.AssertOneLineError(2, "1,438 samples", Run("train", "--epochs", "2", "--resume", checkpoint, "--validation", "0.5"));
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..200]);
        CliProcess.AssertOneLineError(1, "truncated", Run("train", "--epochs", "2", "--resume", checkpoint));
    }

    [Fact]
    public async Task Ctrl_C_leaves_a_checkpoint_that_resumes()
    {
        CliProcess.RequireHost();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("SIGINT is sent with kill(1).");
        }

        string checkpoint = PathOf("interrupted.nnc");
        var start = new System.Diagnostics.ProcessStartInfo(CliProcess.DotnetHost!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "nn.dll"), "train", "--epochs", "100000", "--optimizer", "adamw", "--checkpoint", checkpoint })
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
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(process.WaitForExit(60_000), "nn stopped after Ctrl+C");
        process.StandardOutput.ReadToEnd();
        Assert.Equal(130, process.ExitCode);
        string message = await stderr;
        Assert.Single(message.Trim().Split('\n'));
        int epoch = CheckpointFile.Load(checkpoint).Epoch;
        Assert.True(epoch >= 3, $"the checkpoint holds epoch {epoch}");
        Assert.Contains($"the checkpoint of epoch {epoch} is in {checkpoint} (continue with --resume {checkpoint})", message, StringComparison.Ordinal);

        var resumed = Run("train", "--epochs", (epoch + 1).ToString(CultureInfo.InvariantCulture), "--optimizer", "adamw", "--resume", checkpoint);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"epoch {epoch + 1,3} ", resumed.Stdout, StringComparison.Ordinal);
    }
}
