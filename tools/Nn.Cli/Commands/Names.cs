using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Cli.Commands;

/// <summary>The command line's names for activations, costs and initialisations.</summary>
internal static class Names
{
    public static Activation ParseActivation(string name, string option) => name.ToLowerInvariant() switch
    {
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "identity" => Activation.Identity,
        "softmax" => Activation.Softmax,
        _ => throw new UsageException($"{option} '{name}' is not one of sigmoid, tanh, relu, identity, softmax."),
    };

    public static Cost ParseCost(string name) => name.ToLowerInvariant() switch
    {
        "quadratic" => Cost.Quadratic,
        "cross-entropy" => Cost.CrossEntropy,
        "log-likelihood" => Cost.LogLikelihood,
        _ => throw new UsageException($"--cost '{name}' is not one of quadratic, cross-entropy, log-likelihood."),
    };

    public static Initialization ParseInitialization(string name) => name.ToLowerInvariant() switch
    {
        "gaussian" => Initialization.Gaussian,
        "scaled-gaussian" => Initialization.ScaledGaussian,
        "xavier" => Initialization.Xavier,
        "he" => Initialization.He,
        _ => throw new UsageException($"--init '{name}' is not one of gaussian, scaled-gaussian, xavier, he."),
    };

    public static TrainingEngine ParseEngine(string name) => name.ToLowerInvariant() switch
    {
        "samples" => TrainingEngine.PerSample,
        "batched" => TrainingEngine.Batched,
        _ => throw new UsageException($"--engine '{name}' is not one of batched, samples."),
    };

    /// <summary>
    /// A CSV file's reading options for <c>--label-column</c>, which is a 0-based index or a header name
    /// (null: the reader's default).
    /// </summary>
    public static CsvOptions LabelColumn(string? column) => column switch
    {
        null => new CsvOptions(),
        _ when int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index) => new CsvOptions { LabelColumn = index },
        _ when column.Trim().Length > 0 => new CsvOptions { LabelColumnName = column.Trim() },
        _ => throw new UsageException("--label-column is empty; give a 0-based index or a header name."),
    };

    public static int[] ParseLayers(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                throw new UsageException($"--layers '{text}': '{parts[i]}' is not a layer size (a whole number ≥ 1).");
            }
        }

        return sizes.Length >= 2 ? sizes : throw new UsageException($"--layers '{text}' needs at least an input and an output size.");
    }
}
