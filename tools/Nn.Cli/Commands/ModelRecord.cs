using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Model;

namespace Nn.Cli.Commands;

/// <summary>
/// What <c>nn train</c> writes into a model's metadata, and how <c>nn info</c> and <c>nn eval</c>
/// read it back. Keys (docs/model-format.md, "Metadata keys"):
/// <c>data</c> (digits, fashion-mnist or a full path), <c>class</c> (one per class, in order),
/// <c>split.training</c> / <c>split.validation</c> / <c>split.test</c> (sample counts) and
/// <c>train.NAME</c> for every <c>nn train</c> option NAME as it took effect (given or default), so an
/// option added to <c>nn train</c> is recorded with no change here.
/// </summary>
internal static class ModelRecord
{
    /// <summary>Options that say where outputs go, or where training ran (the bits are the same over MPI), not how the model was made; --shards is recorded by nn train as it took effect.</summary>
    private static readonly HashSet<string> NotRecorded = new(StringComparer.Ordinal) { "--out", "--force", "--metrics", "--plot", "--distributed", "--shards", "--help", "-h", "-?" };

    /// <summary>The class names of a data source: Fashion-MNIST's garments, else the label values as text.</summary>
    public static IEnumerable<string> ClassNames(string data, int classes) => data == "fashion-mnist" && classes == FashionMnistClasses.Length
        ? FashionMnistClasses
        : Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture));

    /// <summary>Records the data source, the classes, the split sizes and every option of <paramref name="command"/> as it took effect.</summary>
    public static void Write(ModelMetadata metadata, ParseResult parse, Command command, string data, Dataset training, Dataset? validation, Dataset test)
    {
        metadata.Set("data", data is "digits" or "fashion-mnist" ? data : Path.GetFullPath(data));
        metadata.SetAll("class", ClassNames(data, training.TargetSize));
        metadata.Set("split.training", training.Count.ToString(CultureInfo.InvariantCulture));
        metadata.Set("split.validation", (validation?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
        metadata.Set("split.test", test.Count.ToString(CultureInfo.InvariantCulture));
        foreach (Option option in command.Options)
        {
            if (!NotRecorded.Contains(option.Name) && parse.GetResult(option) is OptionResult result && result.GetValueOrDefault<object?>() is { } value)
            {
                metadata.Set("train." + option.Name.TrimStart('-'), Text(value));
            }
        }
    }

    /// <summary>A recorded <c>nn train</c> option's value, or <see langword="null"/>.</summary>
    public static string? Option(Network network, string name) => network.Metadata.Get("train." + name.TrimStart('-'));

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
}
