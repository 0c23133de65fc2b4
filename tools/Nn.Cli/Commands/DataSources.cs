using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Training;

namespace Nn.Cli.Commands;

/// <summary>Turns a <c>--data</c> value into training and test sets.</summary>
internal static class DataSources
{
    public static (Dataset Training, Dataset Test, string Name) Load(string data, double testFraction, int? labelColumn, long seed)
    {
        switch (data)
        {
            case "digits":
            {
                DataSplit split = Datasets.Digits().Split(0, testFraction, seed);
                return (split.Training, split.Test, "UCI digits (embedded)");
            }

            case "fashion-mnist":
                return (Datasets.FashionMnist(test: false), Datasets.FashionMnist(test: true), $"Fashion-MNIST ({Datasets.FashionMnistFolder})");
            default:
                if (Directory.Exists(data))
                {
                    return (IdxReader.ReadMnistFolder(data, test: false), IdxReader.ReadMnistFolder(data, test: true), data);
                }

                if (File.Exists(data))
                {
                    DataSplit split = CsvDataReader.Read(data, new CsvOptions { LabelColumn = labelColumn }).Split(0, testFraction, seed);
                    return (split.Training, split.Test, data);
                }

                throw new FileNotFoundException($"--data '{data}' is not digits, fashion-mnist, an existing folder or an existing CSV file.", data);
        }
    }

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
