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
    public string? SplitNote(ParseResult parse, Func<string, string?>? recorded = null)
    {
        var (data, fraction, _, seed) = Values(parse, recorded);
        return DataSources.IsSplit(data)
            ? string.Create(CultureInfo.InvariantCulture, $"split by --test-fraction {DataSources.TestFraction(fraction)} and --seed {seed}, which must be nn train's")
            : null;
    }

    /// <summary>
    /// The data; <paramref name="classCount"/>, when a network fixes it, bounds a CSV file's labels.
    /// <paramref name="recorded"/> gives what a model recorded of nn train's options (by option name,
    /// --data giving its full data source): an option not given here takes the recorded value, so
    /// nn eval MODEL repeats the model's own data and split.
    /// </summary>
    public (Dataset Training, Dataset Test, string Name) Load(ParseResult parse, int? classCount = null, Func<string, string?>? recorded = null)
    {
        var (data, fraction, labelColumn, seed) = Values(parse, recorded);
        if (fraction is { } f && !(f >= 0 && f < 1))
        {
            throw new UsageException($"--test-fraction {f} must be in [0, 1).");
        }

        return DataSources.Load(data, fraction, labelColumn, seed, classCount);
    }

    /// <summary>The options as given, else as recorded (the test fraction and label column only with the recorded data source), else their defaults.</summary>
    private (string Data, double? Fraction, string? LabelColumn, long Seed) Values(ParseResult parse, Func<string, string?>? recorded)
    {
        bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
        string? Recorded(Option option) => Given(option) ? null : recorded?.Invoke(option.Name);
        string? ownData = Recorded(Data);
        string data = ownData ?? parse.GetValue(Data)!;
        double? fraction = ownData is not null && Recorded(TestFraction) is { } f ? double.Parse(f, CultureInfo.InvariantCulture) : parse.GetValue(TestFraction);
        string? labelColumn = ownData is not null && Recorded(LabelColumn) is { } l ? l : parse.GetValue(LabelColumn);
        long seed = Recorded(Seed) is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : parse.GetValue(Seed);
        return (data, fraction, labelColumn, seed);
    }
}
