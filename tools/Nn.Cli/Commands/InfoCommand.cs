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
            Span<byte> start = stackalloc byte[12];
            using (var file = File.OpenRead(path))
            {
                file.ReadExactly(start);
            }

            List<(string, string)> rows =
            [
                ("file", $"{path} ({new FileInfo(path).Length:N0} bytes, format version {System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(start[8..])}, checksum OK)"),
                ("layers", string.Join(" → ", network.LayerSizes)),
                ("activations", string.Join(", ", network.Activations.Select(a => a.ToString().ToLowerInvariant()))),
                ("cost", network.Cost.Name()),
                ("parameters", $"{network.ParameterCount:N0}"),
                ("weights hash", $"0x{network.ComputeHash():X16}"),
            ];
            if (network.Quantized is { } q)
            {
                long weights = Enumerable.Range(1, q.LayerCount).Sum(l => (long)q.Weights(l).Rows * q.Weights(l).Columns);
                rows.Add(("int8 layers", $"{(q.IsStatic ? "static" : "dynamic")} activations, {weights:N0} int8 weights, one scale per neuron"));
            }

            Report.Properties(context.Console, [.. rows]);
            return ExitCodes.Success;
        });
        return command;
    }
}
