using System.Globalization;
using Nn.Simd.Data;

namespace Nn.Cli.Commands;

/// <summary>Turns a <c>--data</c> value into training and test sets.</summary>
internal static class DataSources
{
    /// <summary>The share of digits or a CSV file kept for testing when --test-fraction is not given.</summary>
    private const double DefaultTestFraction = 0.2;

    /// <summary>What a <c>--data</c> value names.</summary>
    private enum Kind
    {
        Digits,
        FashionMnist,
        MnistFolder,
        CsvFile,
        Missing,
    }

    /// <summary>
    /// The data <paramref name="data"/> names; <paramref name="testFraction"/> and
    /// <paramref name="labelColumn"/> are null unless given, and are refused where they would be ignored.
    /// <paramref name="classCount"/>, when a network's outputs fix it, bounds a CSV file's labels
    /// (a larger one is refused with its line).
    /// </summary>
    public static (Dataset Training, Dataset Test, string Name) Load(string data, double? testFraction, string? labelColumn, long seed, int? classCount = null)
    {
        Kind kind = KindOf(data);
        if (labelColumn is not null && kind != Kind.CsvFile)
        {
            throw new UsageException($"--label-column applies to a CSV file; --data '{data}' is not one.");
        }

        if (testFraction is not null && kind is Kind.FashionMnist or Kind.MnistFolder)
        {
            throw new UsageException($"--test-fraction applies to data without a test part (digits, a CSV file); --data '{data}' has its own test set.");
        }

        switch (kind)
        {
            case Kind.Digits:
            {
                DataSplit split = Datasets.Digits().Split(0, TestFraction(testFraction), seed);
                return (split.Training, split.Test, "UCI digits (embedded)");
            }

            case Kind.FashionMnist:
                return (Datasets.FashionMnist(test: false), Datasets.FashionMnist(test: true), $"Fashion-MNIST ({Datasets.FashionMnistFolder})");
            case Kind.MnistFolder:
                return (IdxReader.ReadMnistFolder(data, test: false), IdxReader.ReadMnistFolder(data, test: true), data);
            case Kind.CsvFile:
            {
                Dataset all = CsvDataReader.Read(data, Names.LabelColumn(labelColumn) with { ClassCount = classCount });
                if (all.TargetSize < 2)
                {
                    throw new InvalidDataException($"{data}: every label is 0, a single class, which leaves a classifier nothing to learn; is the label column right (--label-column, default the last)?");
                }

                DataSplit split = all.Split(0, TestFraction(testFraction), seed);
                return (split.Training, split.Test, data);
            }

            default:
                throw new FileNotFoundException($"--data '{data}' is not digits, fashion-mnist, an existing folder or an existing CSV file.", data);
        }
    }

    /// <summary>Whether <paramref name="data"/> has no test part of its own, so that the test samples are a seeded share of it.</summary>
    public static bool IsSplit(string data) => KindOf(data) is Kind.Digits or Kind.CsvFile;

    /// <summary>Whether --data names a CSV file (whose columns may have any scale).</summary>
    public static bool IsCsv(string data) => KindOf(data) == Kind.CsvFile;

    /// <summary>The share of a split data set kept for testing.</summary>
    public static double TestFraction(double? given) => given ?? DefaultTestFraction;

    private static Kind KindOf(string data) => data switch
    {
        "digits" => Kind.Digits,
        "fashion-mnist" => Kind.FashionMnist,
        _ when Directory.Exists(data) => Kind.MnistFolder,
        _ when File.Exists(data) => Kind.CsvFile,
        _ => Kind.Missing,
    };

    /// <summary>Moves COUNT samples, or a FRACTION of them, from the training set to a validation set.</summary>
    public static (Dataset Training, Dataset Validation) HoldOut(Dataset training, string amount, long seed)
    {
        if (!double.TryParse(amount, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value <= 0
            || (value >= 1 && value != Math.Floor(value)))
        {
            throw new UsageException($"--validation '{amount}' is neither a whole sample count nor a fraction between 0 and 1.");
        }

        double fraction = value < 1 ? value : value / training.Count;
        if (fraction >= 1)
        {
            throw new UsageException($"--validation {amount} leaves nothing of the {training.Count:N0} training samples.");
        }

        DataSplit split = training.Split(fraction, 0, seed);
        return (split.Training, split.Validation);
    }
}
