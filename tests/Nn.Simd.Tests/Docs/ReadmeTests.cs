using Nn.Simd.IO;
using Nn.Simd.Onnx;
using Nn.Simd.Tests.Cli;

namespace Nn.Simd.Tests.Docs;

/// <summary>The README's "library in twenty lines" is a program the build compiles, and it runs.</summary>
public sealed class ReadmeTests
{
    private static string Copied(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Docs", name)).ReplaceLineEndings("\n");

    [Fact]
    public void The_library_tour_in_the_README_is_the_compiled_sample()
    {
        const string Fence = "```csharp\n";
        string readme = Copied("README.md");
        int start = readme.IndexOf(Fence, StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has a C# block");
        start += Fence.Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        Assert.Equal(Copied("LibraryTour.cs"), readme[start..end]);
    }

    [Fact]
    public void The_library_tour_runs_and_writes_models_that_load()
    {
        CliProcess.RequireHost();
        string folder = Directory.CreateTempSubdirectory("nn-tour-").FullName;
        try
        {
            (int code, string stdout, string stderr) = CliProcess.RunProgram("Nn.Simd.LibraryTour.dll", folder, new Dictionary<string, string?>(), []);
            Assert.True(code == 0, stderr);
            Assert.Equal(string.Empty, stderr);
            string[] lines = stdout.Trim().Split('\n');
            Assert.Equal(31, lines.Length);
            Assert.StartsWith("epoch 30: validation accuracy ", lines[29], StringComparison.Ordinal);
            Assert.Matches(@"^\d+\.\d\d %, class \d, \w+$", lines[30].Trim());
            Assert.Equal(ModelFile.Load(Path.Combine(folder, "digits.nnm")).ComputeHash(), OnnxImporter.Load(Path.Combine(folder, "digits.onnx")).ComputeHash());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
