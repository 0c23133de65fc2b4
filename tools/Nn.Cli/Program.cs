using System.CommandLine;
using System.CommandLine.Parsing;
using Nn.Cli.Commands;
using Spectre.Console;

namespace Nn.Cli;

/// <summary>The <c>nn</c> command's entry point.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>0 on success, 1 on failure, 2 on a usage error.</returns>
    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C asks training to stop after the current mini-batch; a second one
            // ends the process as usual.
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };
        IAnsiConsole console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            // A pipe or a file has no width, and Spectre.Console would wrap every line at 80 columns.
            // (It leaves out colours there by itself, and everywhere when NO_COLOR is set.)
            console.Profile.Width = int.MaxValue;
        }

        return Processes.Finish(Run(args, console, Console.Error, cancellation.Token));
    }

    /// <summary>Runs the command line against the given console and error writer (tests use this in-process).</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="console">Where normal output goes.</param>
    /// <param name="error">Where the one-line error messages go.</param>
    /// <param name="cancellationToken">Stops training between mini-batches.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken)
    {
        var context = new CliContext(console, error, cancellationToken);
        var root = new RootCommand("nn — fully-connected networks on SIMD kernels that give the same bits on every CPU.")
        {
            TrainCommand.Create(context),
            EvalCommand.Create(context),
            PredictCommand.Create(context),
            InfoCommand.Create(context),
            QuantizeCommand.Create(context),
            ExportOnnxCommand.Create(context),
            ImportOnnxCommand.Create(context),
            CpuCommand.Create(context),
            BenchCommand.Create(context),
        };

        // No response files: "@name" is a file name like any other (a model may be called "@v2.nnm"),
        // and expanding it would echo a line of whatever file it names in the error message.
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            // An unrecognised word says more than the missing command it leaves behind.
            ParseError first = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            string suggestion = first.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? Suggestions.ForUnmatched(parse) : string.Empty;
            error.WriteLine($"nn: {first.Message}{suggestion} (see 'nn --help')");
            return ExitCodes.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            error.WriteLine($"nn: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException inner)
        {
            // KernelDispatch refuses a bad NN_SIMD_PATH while it initialises.
            error.WriteLine($"nn: {inner.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("nn: cancelled.");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException
                                  or Nn.Simd.Training.TrainingDivergedException or NotSupportedException or InvalidOperationException)
        {
            error.WriteLine($"nn: {MessageOf(e)}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// An exception's message on one line, without the " (Parameter 'name')" that ArgumentException
    /// appends for programmers (ArgumentOutOfRangeException puts its "Actual value was …" on a line of its own).
    /// </summary>
    internal static string MessageOf(Exception e)
    {
        string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;
        return string.Join(' ', message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>The process exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}

/// <summary>A wrong use of the command line that parsing alone cannot see (e.g. a bad layer list).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What every command gets: output, the error writer, and the cancellation token.</summary>
internal sealed record CliContext(IAnsiConsole Console, TextWriter Error, CancellationToken CancellationToken);
