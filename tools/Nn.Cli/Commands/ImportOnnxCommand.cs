using System.CommandLine;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn import-onnx IN OUT</c>: an ONNX multilayer perceptron (e.g. exported by PyTorch) as a model file.</summary>
internal static class ImportOnnxCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "An ONNX file: Gemm (or MatMul + Add) layers with Relu, Sigmoid, Tanh or a final Softmax." };
        var output = new Argument<string>("OUT") { Description = "The model file to write." };
        var force = new Option<bool>("--force") { Description = "Replace an existing OUT file." };
        var command = new Command("import-onnx", "Read an ONNX multilayer perceptron into a model file that nn eval, predict and info use.") { input, output, force };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            OutputFiles.Check(parse.GetValue(force), ("OUT", path));
            Network network = OnnxImporter.Load(parse.GetValue(input)!);
            ModelFile.Save(network, path, overwrite: true);
            context.Console.MarkupLine($"imported {Markup.Escape(network.ToString())} to {Markup.Escape(path)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
