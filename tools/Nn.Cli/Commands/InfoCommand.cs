using System.CommandLine;
using Nn.Simd.IO;
using Nn.Simd.Model;

namespace Nn.Cli.Commands;

/// <summary><c>nn info MODEL</c>: what a model file holds, after checking all of it.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var command = new Command("info", "Check a model file and describe it.") { model };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            Network network = ModelFile.Load(path);
            Report.Properties(
                context.Console,
                [
                ("file", $"{path} ({new FileInfo(path).Length:N0} bytes{VersionOf(path)}, checksum OK)"),
                ("layers", string.Join(" → ", network.LayerSizes)),
                ("activations", string.Join(", ", network.Activations.Select(a => a.ToString().ToLowerInvariant()))),
                ("cost", network.Cost.Name()),
                ("parameters", $"{network.ParameterCount:N0}"),
                ("weights hash", $"0x{network.ComputeHash():X16}"),
                .. Recorded(network),
                .. Int8Layers(network),
                ]);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// ", format version N" from the file's bytes 8 to 11, read again once the whole file has passed;
    /// empty for a pipe or a device (no length), which a second open would wait on or read afresh.
    /// </summary>
    private static string VersionOf(string path)
    {
        if (new FileInfo(path).Length < 12)
        {
            return string.Empty;
        }

        Span<byte> start = stackalloc byte[12];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(start);
        }

        return $", format version {System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(start[8..])}";
    }

    /// <summary>The input scaling and the metadata, one row each (the classes in one row).</summary>
    /// <summary>The int8 layers' row, for a model that has them.</summary>
    private static IEnumerable<(string Name, string Value)> Int8Layers(Network network)
    {
        if (network.Quantized is { } q)
        {
            long weights = Enumerable.Range(1, q.LayerCount).Sum(l => (long)q.Weights(l).Rows * q.Weights(l).Columns);
            yield return ("int8 layers", $"{(q.IsStatic ? "static" : "dynamic")} activations, {weights:N0} int8 weights, one scale per neuron");
        }
    }

    /// <summary>"μ 1.5, σ 0.25; …" for the first targets.</summary>
    private static string TargetList(TargetScaling targets) =>
        string.Join("; ", Enumerable.Range(0, Math.Min(targets.Size, 5)).Select(k => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"μ {targets.Means[k]:G6}, σ {targets.Deviations[k]:G6}")))
        + (targets.Size > 5 ? $"; … ({targets.Size:N0} in all)" : string.Empty);

    private static IEnumerable<(string Name, string Value)> Recorded(Network network)
    {
        if (network.InputScaling is { } scaling)
        {
            string how = scaling.Kind == InputScalingKind.Standardize ? "standardize, (x − μ)/σ" : "minmax, (x − min)/(max − min)";
            yield return ("inputs", $"{how} per feature ({scaling.Size:N0} features, fitted on the training split)");
        }

        if (network.TargetScaling is { } targets)
        {
            yield return ("targets", $"standardize, (t − μ)/σ per target ({targets.Size:N0} targets, fitted on the training split); outputs in original units y·σ + μ: {TargetList(targets)}");
        }

        if (network.Metadata.GetAll("class") is { Count: > 0 } classes)
        {
            yield return ("classes", string.Join(", ", classes.Take(20)) + (classes.Count > 20 ? $", … ({classes.Count:N0} in all)" : string.Empty));
        }

        foreach (var (key, value) in network.Metadata.Entries)
        {
            if (key != "class")
            {
                yield return (key, value.ReplaceLineEndings(" "));
            }
        }
    }
}
