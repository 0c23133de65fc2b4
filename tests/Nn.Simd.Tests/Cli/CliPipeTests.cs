using System.Diagnostics;
using System.Text.RegularExpressions;
using Nn.Simd.Tests.Data;

namespace Nn.Simd.Tests.Cli;

/// <summary>
/// nn's output into a pipe or a file: every row whole on one line (no wrapping at the 80 columns a
/// console library assumes when it has no terminal), and no line padded with trailing spaces or blank.
/// </summary>
public sealed partial class CliPipeTests : IDisposable
{
    private const int Pixels = 784, Classes = 10;
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-pipe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"^epoch +\d+  training cost \d+\.\d{4} accuracy \d+\.\d\d %  validation cost \d+\.\d{4} accuracy \d+\.\d\d %  \d+\.\d{3} s  [\d,]+ samples/s$")]
    private static partial Regex EpochRow();

    /// <summary>An MNIST-layout folder of 28×28 images in 10 classes, small enough that no download is needed.</summary>
    private string WriteIdxFolder(int training, int test)
    {
        string folder = Path.Combine(_folder, "mnist-layout-with-a-long-folder-name-so-that-the-data-line-passes-80-columns");
        Directory.CreateDirectory(folder);
        var random = new Random(7);
        foreach ((string prefix, int count) in new[] { ("train", training), ("t10k", test) })
        {
            byte[] labels = [.. Enumerable.Range(0, count).Select(i => (byte)(i % Classes))];
            byte[] images = new byte[count * Pixels];
            random.NextBytes(images);
            for (int i = 0; i < count; i++)
            {
                // A bright stripe whose place depends on the class, so the network has something to learn.
                images.AsSpan((i * Pixels) + (labels[i] * 28 * 2), 56).Fill(255);
            }

            IdxFiles.Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), 3, [count, 28, 28], images);
            IdxFiles.Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), 1, [count], labels);
        }

        return folder;
    }

    /// <summary>No line ends in a space or tab, and none is blank.</summary>
    private static string[] AssertPlainLines(string output, string what)
    {
        Assert.EndsWith("\n", output, StringComparison.Ordinal);
        string[] lines = output[..^1].Split('\n');
        Assert.All(lines, line =>
        {
            Assert.False(line.Trim().Length == 0, $"{what}: a blank line");
            Assert.False(line.EndsWith(' ') || line.EndsWith('\t') || line.EndsWith('\r'), $"{what}: trailing blanks in '{line}'");
        });
        return lines;
    }

    /// <summary>The confusion matrix: a header of the class numbers, then one whole row of counts per class.</summary>
    private static void AssertConfusionMatrix(string[] lines, int testCount)
    {
        int title = Array.FindIndex(lines, l => l.Contains("confusion matrix", StringComparison.Ordinal));
        Assert.True(title >= 0, "a confusion matrix");
        Assert.Equal(Enumerable.Range(0, Classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines[title + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        int total = 0;
        for (int a = 0; a < Classes; a++)
        {
            int[] row = [.. lines[title + 2 + a].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
            Assert.Equal(Classes + 1, row.Length);
            Assert.Equal(a, row[0]);
            total += row.Skip(1).Sum();
        }

        Assert.Equal(testCount, total);
    }

    [Fact]
    public void Train_and_eval_into_a_pipe_and_a_file_give_whole_unpadded_rows()
    {
        CliProcess.RequireHost();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("The file redirection runs through /bin/sh.");
        }

        string data = WriteIdxFolder(training: 300, test: 60);
        string model = Path.Combine(_folder, "m.nnm");
        var train = CliProcess.Run(new Dictionary<string, string?>(), "train", "--data", data, "--epochs", "3", "--validation", "0.1", "--out", model);
        Assert.True(train.ExitCode == 0, train.Stderr);
        string[] lines = AssertPlainLines(train.Stdout, "nn train | …");
        Assert.Contains(lines, l => l.StartsWith("data ", StringComparison.Ordinal) && l.Contains(data, StringComparison.Ordinal) && l.Length > 80);
        string[] epochRows = [.. lines.Where(l => l.StartsWith("epoch", StringComparison.Ordinal))];
        Assert.Equal(3, epochRows.Length);
        Assert.All(epochRows, row => Assert.Matches(EpochRow(), row));
        Assert.True(epochRows.All(r => r.Length > 80), "the rows are longer than the 80 columns they must not be wrapped at");
        AssertConfusionMatrix(lines, 60);

        string file = Path.Combine(_folder, "eval.txt");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        foreach (string arg in new[] { "-c", "\"$0\" \"$1\" eval \"$2\" --data \"$3\" > \"$4\"", CliProcess.DotnetHost!, Path.Combine(AppContext.BaseDirectory, "nn.dll"), model, data, file })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("NN_SIMD_PATH");
        using (Process eval = Process.Start(start)!)
        {
            string stderr = eval.StandardError.ReadToEnd();
            Assert.True(eval.WaitForExit(120_000), "nn eval finished");
            Assert.True(eval.ExitCode == 0, stderr);
        }

        string[] evalLines = AssertPlainLines(File.ReadAllText(file), "nn eval … > file");
        Assert.Equal(
            lines.Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal)),
            evalLines.Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal)));
        AssertConfusionMatrix(evalLines, 60);

        var cpu = CliProcess.Run(new Dictionary<string, string?>(), "cpu");
        string[] cpuLines = AssertPlainLines(cpu.Stdout, "nn cpu | …");
        string[] keys = ["kernel path", "best path", "supported paths", "override", "cpu", "model", "caches", "logical cores", "vector features", "runtime", "os", "results key"];
        Assert.Equal(keys.Length, cpuLines.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            // Each name, then its value from one column on, on the same line.
            Assert.StartsWith(keys[i].PadRight(keys.Max(k => k.Length) + 1), cpuLines[i], StringComparison.Ordinal);
            Assert.NotEqual(' ', cpuLines[i][keys.Max(k => k.Length) + 1]);
        }

        Assert.Contains(cpuLines, l => l.StartsWith("override ", StringComparison.Ordinal) && l.EndsWith(" to force a path)", StringComparison.Ordinal));
    }
}
