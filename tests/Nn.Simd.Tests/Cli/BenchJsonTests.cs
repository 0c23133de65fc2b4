using System.Diagnostics;
using System.Text.Json;
using Nn.Cli.Commands;
using Nn.Simd.Tests.Layout;

namespace Nn.Simd.Tests.Cli;

/// <summary><c>nn bench --json</c> records int8 latency beside fp32, and docs/results/render.py renders both (and older files without int8).</summary>
public sealed class BenchJsonTests
{
    [Fact]
    public void The_bench_json_records_int8_latency_beside_fp32_for_each_model()
    {
        using JsonDocument document = Written();
        JsonElement latency = document.RootElement.GetProperty("latency");
        Assert.Equal(2, latency.GetArrayLength());
        JsonElement small = latency[0], large = latency[1];
        Assert.Equal("784-100-10", small.GetProperty("model").GetString());
        Assert.Equal((1.75, 2.5, 0.8, 1.25), (small.GetProperty("medianMicroseconds").GetDouble(), small.GetProperty("p99Microseconds").GetDouble(), small.GetProperty("int8MedianMicroseconds").GetDouble(), small.GetProperty("int8P99Microseconds").GetDouble()));
        Assert.Equal("784-256-256-10", large.GetProperty("model").GetString());
        Assert.Equal((7.5, 12.0, 3.0, 5.5), (large.GetProperty("medianMicroseconds").GetDouble(), large.GetProperty("p99Microseconds").GetDouble(), large.GetProperty("int8MedianMicroseconds").GetDouble(), large.GetProperty("int8P99Microseconds").GetDouble()));
    }

    [Fact]
    public void The_results_table_renders_int8_cells_and_a_dash_for_files_without_them()
    {
        string? python = FindPython();
        if (python is null)
        {
            Assert.Skip("python3 is not on PATH (the render script's check runs in .ci/run on x64).");
        }

        string folder = Directory.CreateTempSubdirectory("nn-render-").FullName;
        try
        {
            string current = Path.Combine(folder, "current.json");
            using (JsonDocument document = Written())
            {
                File.WriteAllText(current, document.RootElement.GetRawText());
            }

            // The committed file predates int8 in nn bench: it must still render, with "–" in the int8 cells.
            string older = Path.Combine(SourceFileSizeTests.RepositoryRoot(), "docs", "results", "amd-epyc-family26-model2-stepping1.json");
            string[] rows = Render(python, current, older);
            string[] cells = rows[0].Split(" | ");
            Assert.Equal("0.80 / 1.25 (0.46×)", cells[^2]);
            Assert.Equal("3.00 / 5.50 (0.40×) |", cells[^1]);
            Assert.Equal("1.75 / 2.50", cells[^4]);
            string[] oldCells = rows[1].Split(" | ");
            Assert.Equal(["–", "– |"], oldCells[^2..]);
            Assert.Equal("2.00 / 3.10", oldCells[^4]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A run written by BenchCommand.WriteJson with two models' latencies, parsed.</summary>
    private static JsonDocument Written()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            BenchCommand.WriteJson(json, "random", 1, 100, [("a", 1, 1000.0)], [new("784-100-10", 1.75, 2.5, 0.8, 1.25), new("784-256-256-10", 7.5, 12.0, 3.0, 5.5)]);
        }

        return JsonDocument.Parse(stream.ToArray());
    }

    /// <summary>The table rows render.py gives for each file.</summary>
    private static string[] Render(string python, params string[] files)
    {
        string script = Path.Combine(SourceFileSizeTests.RepositoryRoot(), "docs", "results");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import json, sys; sys.path.insert(0, sys.argv[1]); import render; [print(render.row(json.load(open(f, encoding='utf-8')))) for f in sys.argv[2:]]");
        start.ArgumentList.Add(script);
        foreach (string file in files)
        {
            start.ArgumentList.Add(file);
        }

        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        return stdout.TrimEnd('\n').Split('\n');
    }

    private static string? FindPython() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "python3"))
            .FirstOrDefault(File.Exists);
}
