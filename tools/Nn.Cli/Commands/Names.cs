using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Cli.Commands;

/// <summary>The command line's names for activations, costs and initialisations.</summary>
internal static class Names
{
    private static readonly (string Name, Activation Value)[] Activations =
        [("sigmoid", Activation.Sigmoid), ("tanh", Activation.Tanh), ("relu", Activation.Relu), ("identity", Activation.Identity), ("softmax", Activation.Softmax)];

    private static readonly (string Name, Cost Value)[] Costs =
        [("quadratic", Cost.Quadratic), ("cross-entropy", Cost.CrossEntropy), ("log-likelihood", Cost.LogLikelihood)];

    private static readonly (string Name, Initialization Value)[] Initializations =
        [("gaussian", Initialization.Gaussian), ("scaled-gaussian", Initialization.ScaledGaussian), ("xavier", Initialization.Xavier), ("he", Initialization.He)];

    private static readonly (string Name, TrainingEngine Value)[] Engines = [("batched", TrainingEngine.Batched), ("samples", TrainingEngine.PerSample)];

    private static readonly (string Name, InputScalingKind? Value)[] Preprocessings =
        [("standardize", InputScalingKind.Standardize), ("minmax", InputScalingKind.MinMax), ("none", null)];

    public static Activation ParseActivation(string name, string option) => Parse(Activations, name, option);

    public static Cost ParseCost(string name) => Parse(Costs, name, "--cost");

    public static Initialization ParseInitialization(string name) => Parse(Initializations, name, "--init");

    public static TrainingEngine ParseEngine(string name) => Parse(Engines, name, "--engine");

    /// <summary>The scaling <c>--preprocess</c> names; <see langword="null"/> for none.</summary>
    public static InputScalingKind? ParsePreprocess(string name) => Parse(Preprocessings, name, "--preprocess");

    /// <summary>The command line's name of an input scaling (what <c>--preprocess</c> takes).</summary>
    public static string NameOf(InputScalingKind? kind) => Preprocessings.First(p => p.Value == kind).Name;

    /// <summary>The command line's name of an activation (what <c>--activation</c> takes).</summary>
    public static string NameOf(Activation activation) => Activations.First(a => a.Value == activation).Name;

    private static T Parse<T>((string Name, T Value)[] table, string name, string option)
    {
        foreach ((string known, T value) in table)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        string[] names = [.. table.Select(t => t.Name)];
        throw new UsageException($"{option} '{name}' is not one of {string.Join(", ", names)}.{Suggestions.DidYouMean(name, names)}");
    }

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
