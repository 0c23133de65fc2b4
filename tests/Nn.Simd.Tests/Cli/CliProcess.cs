using System.Diagnostics;

namespace Nn.Simd.Tests.Cli;

/// <summary>Runs the real <c>nn</c> program (the built nn.dll) in a child process.</summary>
internal static class CliProcess
{
    /// <summary>
    /// The dotnet host, or null where the tests run self-contained (the arm64 run under QEMU,
    /// whose nn.dll an x64 host on PATH could not start) or where there is no host.
    /// </summary>
    public static string? DotnetHost { get; } = IsSelfContained() ? null : FindHost();

    private static bool IsSelfContained() =>
        string.Equals(
            Path.GetFullPath(Path.GetDirectoryName(typeof(object).Assembly.Location)!).TrimEnd(Path.DirectorySeparatorChar),
            Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar),
            StringComparison.Ordinal);

    /// <summary>Skips the calling test where the CLI cannot be started as a child of dotnet.</summary>
    public static void RequireHost()
    {
        if (DotnetHost is null)
        {
            Assert.Skip("No usable dotnet host (a self-contained test run, e.g. arm64 under QEMU): the CLI tests run nn.dll through dotnet in the x64 runs.");
        }
    }

    /// <summary>The exit code, a message that contains <paramref name="message"/>, one line on stderr, no stack trace.</summary>
    public static void AssertOneLineError(int expectedCode, string message, (int ExitCode, string Stdout, string Stderr) result)
    {
        Assert.True(expectedCode == result.ExitCode, $"exit {result.ExitCode}, stderr: {result.Stderr}");
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", result.Stderr, StringComparison.Ordinal);
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunProgram("nn.dll", workingDirectory: null, environment, args);

    /// <summary>Runs nn with <paramref name="standardInput"/> on its standard input.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWithInput(string standardInput, params string[] args) =>
        RunProgram("nn.dll", workingDirectory: null, new Dictionary<string, string?>(), args, standardInput);

    /// <summary>Runs <paramref name="dll"/>, a program built beside the tests, through the dotnet host.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunProgram(string dll, string? workingDirectory, IReadOnlyDictionary<string, string?> environment, string[] args, string? standardInput = null)
    {
        var start = new ProcessStartInfo(DotnetHost!)
        {
            RedirectStandardInput = standardInput is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The child inherits the runtime knobs of the ISA matrix run (so it sees the same CPU
        // features as this process) but not a path override, which each test sets itself.
        start.Environment.Remove("NN_SIMD_PATH");

        foreach ((string name, string? value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} {string.Join(' ', args)} did not finish in 120 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? FindHost()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (fromEnvironment is not null && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
