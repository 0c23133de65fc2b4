namespace Nn.Simd.Tests.Layout;

/// <summary>
/// No C# file under <c>src/</c> grows past <see cref="MaxLines"/> lines: a file that long is asking
/// to be split along a line its reader can see (a family's API apart from its bodies, one file per
/// instruction set or micro-kernel). Reads the sources of the repository the tests were built in.
/// </summary>
public sealed class SourceFileSizeTests
{
    /// <summary>The most lines a source file under <c>src/</c> may have.</summary>
    public const int MaxLines = 450;

    [Fact]
    public void No_source_file_under_src_is_longer_than_450_lines()
    {
        string root = RepositoryRoot();
        string src = Path.Combine(root, "src");
        (string File, int Lines)[] files = [.. Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(file => !IsBuildOutput(src, file))
            .Select(file => (Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllLines(file).Length))];
        Assert.True(files.Length > 20, $"only {files.Length} source files found under {src}");

        string[] tooLong = [.. files.Where(f => f.Lines > MaxLines).OrderByDescending(f => f.Lines).Select(f => $"{f.File}: {f.Lines} lines")];
        Assert.True(
            tooLong.Length == 0,
            $"{tooLong.Length} source file(s) longer than {MaxLines} lines; split each along a line its reader can see:\n{string.Join('\n', tooLong)}");
    }

    /// <summary>The folder above the test binaries that holds Nn.Simd.sln (the build output and the arm64 publish folder both sit inside it).</summary>
    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Nn.Simd.sln")))
            {
                return folder.FullName;
            }
        }

        Assert.Fail($"No Nn.Simd.sln in {AppContext.BaseDirectory} or above it: the tests must run from the repository they were built in.");
        return string.Empty;
    }

    private static bool IsBuildOutput(string src, string file) =>
        Path.GetRelativePath(src, file).Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin");
}
