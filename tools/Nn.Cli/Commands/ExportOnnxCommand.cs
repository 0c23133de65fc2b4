using System.CommandLine;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn export-onnx MODEL OUT</c>: a saved model as an ONNX file (opset 13) for ONNX Runtime and friends.</summary>
internal static class ExportOnnxCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var output = new Argument<string>("OUT") { Description = "The ONNX file to write (input 'input' [N, inputs], output 'output' [N, outputs])." };
        var force = new Option<bool>("--force") { Description = "Replace an existing OUT file." };
        var command = new Command("export-onnx", "Export a saved model as ONNX (Gemm + activation nodes, opset 13).") { model, output, force };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.Check(parse.GetValue(force), ("OUT", path));
            Network network = ModelFile.Load(parse.GetValue(model)!);
            if (network.Quantized is { } int8)
            {
                OnnxExporter.Save(int8, path, overwrite: true);
            }
            else
            {
                OnnxExporter.Save(network, path, overwrite: true);
            }

            string form = network.Quantized is null ? string.Empty : " as int8 (MatMulInteger)";
            context.Console.MarkupLine($"exported {Markup.Escape(network.ToString())}{form} to {Markup.Escape(path)} ({new FileInfo(path).Length:N0} bytes)");
            return ExitCodes.Success;
        });
        return command;
    }
}
