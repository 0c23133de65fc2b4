using System.CommandLine;
using System.Globalization;

namespace Nn.Cli.Commands;

/// <summary><c>nn train --dropout RATE</c> or <c>--dropout R1,R2,…</c>: one rate for every hidden layer, or one per hidden layer.</summary>
internal static class DropoutOption
{
    public static Option<string?> Create() =>
        new("--dropout") { Description = "Dropout during training: RATE for every hidden layer, or R1,R2,… one per hidden layer; each in [0, 1) (default 0: none)." };

    /// <summary>The rates as typed, each checked to lie in [0, 1); empty when the option is absent.</summary>
    public static float[] Parse(string? text)
    {
        if (text is null)
        {
            return [];
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var rates = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out rates[i]) || !(rates[i] >= 0f && rates[i] < 1f))
            {
                throw new UsageException($"--dropout '{text}': '{parts[i]}' is not a rate in [0, 1) (the probability of dropping a hidden unit).");
            }
        }

        return rates;
    }

    /// <summary>Checks that <paramref name="rates"/> give one rate, or one per hidden layer of <paramref name="sizes"/>.</summary>
    public static void CheckCount(float[] rates, int[] sizes)
    {
        int hidden = sizes.Length - 2;
        string layers = string.Join(',', sizes);
        if (hidden == 0 && rates.Any(r => r > 0))
        {
            throw new UsageException($"--dropout: the network [{layers}] has no hidden layer to drop units from.");
        }

        if (rates.Length > 1 && rates.Length != hidden)
        {
            throw new UsageException($"--dropout gives {rates.Length} rates but the network [{layers}] has {hidden} hidden layer{(hidden == 1 ? string.Empty : "s")}: give one rate for all of them or one per hidden layer.");
        }
    }

    /// <summary>The rate of each hidden layer of a network of <paramref name="layerCount"/> layers (input included): 0 for all without dropout.</summary>
    public static float[] PerHiddenLayer(IReadOnlyList<float> rates, int layerCount) =>
        [.. Enumerable.Range(0, layerCount - 2).Select(l => rates.Count == 0 ? 0f : rates.Count == 1 ? rates[0] : rates[l])];

    /// <summary>The header line's text: the rates per hidden layer, or null without dropout.</summary>
    public static string? Describe(IReadOnlyList<float> rates, int layerCount)
    {
        float[] perLayer = PerHiddenLayer(rates, layerCount);
        return perLayer.All(r => r == 0)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", perLayer.Select(r => r.ToString(CultureInfo.InvariantCulture)))} on hidden layer{(perLayer.Length == 1 ? string.Empty : "s")} {string.Join(", ", Enumerable.Range(1, perLayer.Length))} during training");
    }
}
