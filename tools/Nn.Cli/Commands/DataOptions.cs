using System.CommandLine;
using System.Globalization;
using Nn.Simd.Data;

namespace Nn.Cli.Commands;

/// <summary>The options that say where data comes from, shared by train and eval.</summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "digits (embedded, the default), fashion-mnist, a folder in the MNIST layout, or a CSV file.", DefaultValueFactory = _ => "digits" };

    public Option<double?> TestFraction { get; } = new("--test-fraction") { Description = "For data without a test part (digits, CSV): the share kept for testing (default: 0.2)." };

    public Option<string?> LabelColumn { get; } = new("--label-column") { Description = "CSV: the label column, a 0-based index or a header name (default: the last)." };

    public Option<long> Seed { get; } = new("--seed") { Description = "Seed for the weights, the shuffles and the splits.", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(TestFraction);
        command.Options.Add(LabelColumn);
        command.Options.Add(Seed);
    }

    /// <summary>For digits or a CSV file, the split that chose the test samples, which nn eval must repeat; otherwise null.</summary>
    public string? SplitNote(ParseResult parse) => DataSources.IsSplit(parse.GetValue(Data)!)
        ? string.Create(CultureInfo.InvariantCulture, $"split by --test-fraction {DataSources.TestFraction(parse.GetValue(TestFraction))} and --seed {parse.GetValue(Seed)}, which must be nn train's")
        : null;

    /// <summary>The data; <paramref name="classCount"/>, when a network fixes it, bounds a CSV file's labels.</summary>
    public (Dataset Training, Dataset Test, string Name) Load(ParseResult parse, int? classCount = null)
    {
        double? fraction = parse.GetValue(TestFraction);
        if (fraction is { } f && !(f >= 0 && f < 1))
        {
            throw new UsageException($"--test-fraction {f} must be in [0, 1).");
        }

        return DataSources.Load(parse.GetValue(Data)!, fraction, parse.GetValue(LabelColumn), parse.GetValue(Seed), classCount);
    }
}
