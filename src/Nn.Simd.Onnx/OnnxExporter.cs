// ONNX export: a trained network as an opset-13 graph that ONNX Runtime (or any ONNX reader) runs.
//
//   input "input" [N, n⁰] float
//   with an input scaling:  a⁰ = Mul(Sub(input, input_offset), input_scale)   (offsets, scales [n⁰])
//   for l = 1 … L:  zˡ = Gemm(aˡ⁻¹, Wˡ, bˡ, transB = 1)     (Wˡ stored as nˡ × nˡ⁻¹, like the engine)
//                   aˡ = Sigmoid | Tanh | Relu | Softmax(axis = 1) | Identity(zˡ)
//   with a target scaling:  output = Add(Mul(aᴸ, target_deviation), target_mean)   (σ, μ [nᴸ]):
//                           a regression network's targets in their original units
//   output "output" [N, nᴸ] float
//
// The messages are Google.Protobuf types generated from onnx.proto (ONNX 1.12) at build time.
using System.Buffers.Binary;
using Google.Protobuf;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Onnx;

namespace Nn.Simd.Onnx;

/// <summary>Writes a <see cref="Network"/> as an ONNX model (opset 13, IR version 8).</summary>
public static partial class OnnxExporter
{
    /// <summary>The name of the graph's input, shape [N, inputs].</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output, shape [N, outputs].</summary>
    public const string OutputName = "output";

    /// <summary>The initializer holding the input scaling's offsets (subtracted from the input).</summary>
    internal const string OffsetName = "input_offset";

    /// <summary>The initializer holding the input scaling's scales (multiplied in after the subtraction).</summary>
    internal const string ScaleName = "input_scale";

    /// <summary>The initializer holding the target scaling's deviations σ (multiplied into the last layer's output).</summary>
    internal const string TargetDeviationName = "target_deviation";

    /// <summary>The initializer holding the target scaling's means μ (added after the product).</summary>
    internal const string TargetMeanName = "target_mean";

    private const long IrVersion = 8;
    private const long OpsetVersion = 13;

    /// <summary>The ONNX model's bytes.</summary>
    /// <param name="network">The network to export.</param>
    /// <returns>A serialized ModelProto.</returns>
    public static byte[] Export(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var graph = new GraphProto { Name = "nn_simd" };
        string previous = AddInputScaling(graph, network.InputScaling);

        for (int l = 1; l <= network.LayerCount; l++)
        {
            string weights = $"W{l}", bias = $"b{l}", z = $"z{l}";
            Activation activation = network.Activations[l - 1];
            string activated = l < network.LayerCount ? $"a{l}" : LastLayerOutput(network.TargetScaling);
            graph.Initializer.Add(Tensor(weights, [network.LayerSizes[l], network.LayerSizes[l - 1]], network.Weights(l)));
            graph.Initializer.Add(Tensor(bias, [network.LayerSizes[l]], network.Biases(l)));
            var gemm = new NodeProto
            {
                Name = $"gemm{l}",
                OpType = "Gemm",
                Input = { previous, weights, bias },
                Output = { activation == Activation.Identity ? activated : z },
                Attribute = { IntAttribute("transB", 1) },
            };
            graph.Node.Add(gemm);
            AddActivation(graph, l, activation, z, activated);

            previous = activated;
        }

        return Finish(graph, previous, network.TargetScaling, network.InputSize, network.OutputSize, network.ToString());
    }

    /// <summary>Writes the ONNX model to a file, atomically (a temporary file, then a rename).</summary>
    /// <param name="network">The network to export.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public static void Save(Network network, string path, bool overwrite = false)
    {
        byte[] bytes = Export(network);
        AtomicFile.Write(path, overwrite, stream => stream.Write(bytes));
    }

    /// <summary>The input scaling's nodes, if there is one; the name of the value the first layer takes.</summary>
    private static string AddInputScaling(GraphProto graph, InputScaling? scaling)
    {
        if (scaling is null)
        {
            return InputName;
        }

        // Two nodes, as the engine computes it: (x − offset) rounded, then · scale rounded.
        graph.Initializer.Add(Tensor(OffsetName, [scaling.Size], scaling.Offsets));
        graph.Initializer.Add(Tensor(ScaleName, [scaling.Size], scaling.Scales));
        graph.Node.Add(new NodeProto { Name = "input_sub", OpType = "Sub", Input = { InputName, OffsetName }, Output = { "input_centred" } });
        graph.Node.Add(new NodeProto { Name = "input_mul", OpType = "Mul", Input = { "input_centred", ScaleName }, Output = { "input_scaled" }, DocString = scaling.Kind == InputScalingKind.MinMax ? "minmax" : "standardize" });
        return "input_scaled";
    }

    /// <summary>The name of the last layer's output: the graph's output, or, with a target scaling, the value its nodes take.</summary>
    private static string LastLayerOutput(TargetScaling? targets) => targets is null ? OutputName : "output_standardized";

    /// <summary>The target scaling's nodes from <paramref name="last"/> to the graph's output, if there is one.</summary>
    private static void AddTargetScaling(GraphProto graph, string last, TargetScaling? targets)
    {
        if (targets is null)
        {
            return;
        }

        // Two nodes, as TargetScaling.Restore computes it: y·σ rounded, then + μ rounded.
        graph.Initializer.Add(Tensor(TargetDeviationName, [targets.Size], targets.Deviations));
        graph.Initializer.Add(Tensor(TargetMeanName, [targets.Size], targets.Means));
        graph.Node.Add(new NodeProto { Name = "target_mul", OpType = "Mul", Input = { last, TargetDeviationName }, Output = { "output_spread" } });
        graph.Node.Add(new NodeProto { Name = "target_add", OpType = "Add", Input = { "output_spread", TargetMeanName }, Output = { OutputName } });
    }

    /// <summary>Layer l's activation node, from z to activated; none for the identity (the layer writes activated itself).</summary>
    private static void AddActivation(GraphProto graph, int l, Activation activation, string z, string activated)
    {
        if (activation != Activation.Identity)
        {
            var node = new NodeProto { Name = $"activation{l}", OpType = OperatorOf(activation), Input = { z }, Output = { activated } };
            if (activation == Activation.Softmax)
            {
                node.Attribute.Add(IntAttribute("axis", 1));
            }

            graph.Node.Add(node);
        }
    }

    /// <summary>The graph completed after its last layer (target scaling, the input and the output) and wrapped in a model, serialized.</summary>
    private static byte[] Finish(GraphProto graph, string last, TargetScaling? targets, int inputSize, int outputSize, string docString)
    {
        AddTargetScaling(graph, last, targets);
        graph.Input.Add(ValueInfo(InputName, inputSize));
        graph.Output.Add(ValueInfo(OutputName, outputSize));
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Nn.Simd",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion } },
        };
        return model.ToByteArray();
    }

    private static string OperatorOf(Activation activation) => activation switch
    {
        Activation.Sigmoid => "Sigmoid",
        Activation.Tanh => "Tanh",
        Activation.Relu => "Relu",
        Activation.Softmax => "Softmax",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "No ONNX operator for this activation."),
    };

    /// <summary>A float initializer; its values as raw little-endian bytes, as onnx.proto specifies raw_data.</summary>
    private static TensorProto Tensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(sizeof(float) * i), values[i]);
        }

        return new TensorProto
        {
            Name = name,
            Dims = { dims },
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = UnsafeByteOperations.UnsafeWrap(raw),
        };
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    /// <summary>A float matrix [N, width] with a symbolic batch dimension N.</summary>
    private static ValueInfoProto ValueInfo(string name, int width) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = "N" },
                        new TensorShapeProto.Types.Dimension { DimValue = width },
                    },
                },
            },
        },
    };
}
