using System.Diagnostics;
using System.Globalization;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Simd.Tests.Cli;

/// <summary>The nn program on inputs a hostile or careless user gives: devices, pipes that stay open, and labels far beyond the data.</summary>
public sealed class CliReadingTests : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-reading-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliProcess.Run(NoEnvironment, args);

    /// <summary>A device that never ends is refused by every loader with one line, quickly, in bounded memory.</summary>
    [Fact]
    public void Devices_are_refused_with_one_line()
    {
        CliProcess.RequireHost();
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("No /dev/zero on this system.");
        }

        string model = PathOf("model.nnm");
        ModelFile.Save(Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5), model);
        CliProcess.AssertOneLineError(1, "/dev/zero: bad magic number", Run("info", "/dev/zero"));
        CliProcess.AssertOneLineError(1, "/dev/zero:1: the line is longer than 16,777,216 characters, the limit (ReadLimits.MaxLineLength).", Run("predict", model, "/dev/zero"));
        CliProcess.AssertOneLineError(1, "/dev/zero:1: the line is longer than 16,777,216 characters", Run("train", "--data", "/dev/zero"));
    }

    /// <summary>
    /// nn predict MODEL - answers each row before the next is written: the pipe stays open, a row
    /// goes in, its prediction comes out, and only then is the next row written.
    /// </summary>
    [Fact]
    public async Task Predict_answers_each_row_of_an_open_pipe_before_the_next()
    {
        CliProcess.RequireHost();
        string model = PathOf("model.nnm");
        var network = Network.Create([4, 6, 3], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5);
        ModelFile.Save(network, model);
        var start = new ProcessStartInfo(CliProcess.DotnetHost!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nn.dll"));
        foreach (string arg in (string[])["predict", model, "-", "--proba"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        try
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            Assert.Equal("p0,p1,p2", await ReadLine(process));
            float[][] rows = [[0.1f, 0.2f, 0.3f, 0.4f], [1, -1, 0.5f, 2], [0, 0, 0, 0]];
            var output = new float[3];
            var predictor = new Predictor(network);
            foreach (float[] row in rows)
            {
                process.StandardInput.WriteLine(string.Join(',', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                process.StandardInput.Flush();
                predictor.Predict(row, output);
                Assert.Equal(string.Join(',', output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))), await ReadLine(process));
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>
    /// A label of 3000 among 1s trains a 3001-output network, saves it and reports the confusion over
    /// the classes that occur, not a 3001 × 3001 matrix; a label of 5,000,000 is refused with its
    /// line; a label beyond the outputs of --layers or of an evaluated model is refused with its line.
    /// </summary>
    [Fact]
    public void Labels_are_validated_and_the_report_costs_no_more_than_the_data()
    {
        CliProcess.RequireHost();
        string rows = string.Concat(Enumerable.Repeat("1,0.5,0.5,0.5,0.5\n", 99));
        string big = PathOf("big.csv"), huge = PathOf("huge.csv"), out3000 = PathOf("big.nnm");
        File.WriteAllText(big, "label,a,b,c,d\n" + rows + "3000,0.1,0.2,0.3,0.4\n");
        File.WriteAllText(huge, "label,a,b,c,d\n" + rows + "5000000,0.1,0.2,0.3,0.4\n");

        var watch = Stopwatch.StartNew();
        var train = Run("train", "--data", big, "--label-column", "label", "--epochs", "1", "--out", out3000);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}");
        Assert.Equal(3001, ModelFile.Load(out3000).OutputSize);
        Assert.Contains(" of 3,001 classes that occur as a label or a prediction", train.Stdout, StringComparison.Ordinal);
        Assert.True(train.Stdout.Split('\n').Length < 60, train.Stdout);

        CliProcess.AssertOneLineError(1, $"{huge}:101: the label in column 1 is 5000000, outside 0..65,535: a data set may have at most 65,536 classes (ReadLimits.MaxClassCount).", Run("train", "--data", huge, "--label-column", "label"));
        CliProcess.AssertOneLineError(1, $"{big}:101: the label in column 1 is 3000, outside the 10 classes 0..9.", Run("train", "--data", big, "--label-column", "label", "--layers", "4,8,10"));
        string ten = PathOf("ten.nnm");
        ModelFile.Save(Network.Create([4, 8, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5), ten);
        CliProcess.AssertOneLineError(1, $"{big}:101: the label in column 1 is 3000, outside the 10 classes 0..9.", Run("eval", ten, "--data", big, "--label-column", "label"));
    }

    /// <summary>The next line of output, which must come within 60 s while the input stays open.</summary>
    private static async Task<string> ReadLine(Process process) =>
        await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException("nn predict's output ended");
}
