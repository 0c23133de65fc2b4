// ONNX export of a quantized network, in standard opset-13 operators that ONNX Runtime fuses
// into its integer kernels (the graph onnxruntime.quantization.quantize_dynamic makes, with one
// weight scale per output neuron instead of one per tensor):
//
//   with an input scaling:  a⁰ = Mul(Sub(input, input_offset), input_scale), as the fp32 export
//   dynamic:  xq, xs, xz = DynamicQuantizeLinear(aˡ⁻¹)                 uint8, asymmetric, per call
//   static:   xq = QuantizeLinear(aˡ⁻¹, rangeˡ⁻¹/127, 0)               int8, symmetric, calibrated
//             Sˡ = MatMulInteger(xq, (Qˡ)ᵀ, xz | 0, 0)                 int32 [N, nˡ]
//             zˡ = Cast(Sˡ) · (xs · scaleˡ) + bˡ                        Cast, Mul, Mul, Add
//             aˡ = Sigmoid | Tanh | Relu | Softmax(axis = 1) | Identity(zˡ)
//   with a target scaling:  output = Add(Mul(aᴸ, target_deviation), target_mean), as the fp32 export
//
// ONNX Runtime's dynamic activations are uint8 with a zero point, not the engine's symmetric int8,
// so its outputs approximate the engine's int8 outputs (both approximate the fp32 network); they
// are not the same bits.
using System.Runtime.InteropServices;
using Google.Protobuf;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Onnx;

namespace Nn.Simd.Onnx;

public static partial class OnnxExporter
{
    /// <summary>The ONNX model's bytes for a quantized network (int8 weights, integer matrix products).</summary>
    /// <param name="network">The quantized network to export.</param>
    /// <returns>A serialized ModelProto.</returns>
    public static byte[] Export(QuantizedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var graph = new GraphProto { Name = "nn_simd_int8" };
        string previous = AddInputScaling(graph, network.InputScaling);
        graph.Initializer.Add(Int8Tensor("zero_int8", [], [0]));
        for (int l = 1; l <= network.LayerCount; l++)
        {
            Int8Matrix w = network.Weights(l);
            Activation activation = network.Activations[l - 1];
            string activated = l == network.LayerCount ? LastLayerOutput(network.TargetScaling) : $"a{l}";
            string q = $"x{l}_q", xs = $"x{l}_scale", xz = $"x{l}_zero", wq = $"W{l}_q", ws = $"W{l}_scale", bias = $"b{l}", z = $"z{l}";
            var transposed = new sbyte[w.Rows * w.Columns];
            for (int r = 0; r < w.Rows; r++)
            {
                ReadOnlySpan<sbyte> row = w.RowValues(r);
                for (int c = 0; c < w.Columns; c++)
                {
                    transposed[(c * w.Rows) + r] = row[c];
                }
            }

            graph.Initializer.Add(Int8Tensor(wq, [w.Columns, w.Rows], transposed));
            graph.Initializer.Add(Tensor(ws, [w.Rows], w.Scales));
            graph.Initializer.Add(Tensor(bias, [w.Rows], network.Biases(l)));
            if (network.IsStatic)
            {
                graph.Initializer.Add(Tensor(xs, [], [network.InputRanges[l - 1] / Kernel.Int8Limit]));
                graph.Node.Add(new NodeProto { Name = $"quantize{l}", OpType = "QuantizeLinear", Input = { previous, xs, "zero_int8" }, Output = { q } });
                graph.Node.Add(new NodeProto { Name = $"matmul{l}", OpType = "MatMulInteger", Input = { q, wq, "zero_int8", "zero_int8" }, Output = { $"s{l}" } });
            }
            else
            {
                graph.Node.Add(new NodeProto { Name = $"quantize{l}", OpType = "DynamicQuantizeLinear", Input = { previous }, Output = { q, xs, xz } });
                graph.Node.Add(new NodeProto { Name = $"matmul{l}", OpType = "MatMulInteger", Input = { q, wq, xz, "zero_int8" }, Output = { $"s{l}" } });
            }

            graph.Node.Add(new NodeProto
            {
                Name = $"cast{l}",
                OpType = "Cast",
                Input = { $"s{l}" },
                Output = { $"s{l}_float" },
                Attribute = { new AttributeProto { Name = "to", I = (long)TensorProto.Types.DataType.Float, Type = AttributeProto.Types.AttributeType.Int } },
            });
            graph.Node.Add(new NodeProto { Name = $"scale{l}", OpType = "Mul", Input = { xs, ws }, Output = { $"scale{l}" } });
            graph.Node.Add(new NodeProto { Name = $"dequantize{l}", OpType = "Mul", Input = { $"s{l}_float", $"scale{l}" }, Output = { $"m{l}" } });
            graph.Node.Add(new NodeProto { Name = $"bias{l}", OpType = "Add", Input = { $"m{l}", bias }, Output = { activation == Activation.Identity ? activated : z } });
            AddActivation(graph, l, activation, z, activated);

            previous = activated;
        }

        string docString = $"int8 {(network.IsStatic ? "static" : "dynamic")} [{string.Join(',', network.LayerSizes)}]";
        return Finish(graph, previous, network.TargetScaling, network.InputSize, network.OutputSize, docString);
    }

    /// <summary>Writes the quantized network's ONNX model to a file, atomically.</summary>
    /// <param name="network">The quantized network to export.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public static void Save(QuantizedNetwork network, string path, bool overwrite = false)
    {
        byte[] bytes = Export(network);
        AtomicFile.Write(path, overwrite, stream => stream.Write(bytes));
    }

    /// <summary>An int8 initializer (raw bytes, as onnx.proto specifies raw_data).</summary>
    private static TensorProto Int8Tensor(string name, long[] dims, ReadOnlySpan<sbyte> values) => new()
    {
        Name = name,
        Dims = { dims },
        DataType = (int)TensorProto.Types.DataType.Int8,
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
    };
}
