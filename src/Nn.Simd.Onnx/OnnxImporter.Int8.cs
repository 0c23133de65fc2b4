// ONNX import of integer MLP layers: the chain OnnxExporter.Int8.cs writes and that
// onnxruntime.quantization.quantize_dynamic makes,
//
//   xq[, xs, xz] = DynamicQuantizeLinear(a) | QuantizeLinear(a, s, 0)
//   S = MatMulInteger(xq, Bq [K, N] int8, xz | 0, 0);  z = Mul(Cast(S), Mul(xs | s, ws)) + b
//
// read back as an fp32 layer (Wˡ[r, c] = ws_r · Bq[c, r], ws one per neuron or one per tensor) and
// its int8 form (Network.Quantized): dynamic after DynamicQuantizeLinear (the engine then quantizes
// activations symmetrically per call), static with the range 127·s after QuantizeLinear.
using System.Runtime.InteropServices;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Onnx;

namespace Nn.Simd.Onnx;

public static partial class OnnxImporter
{
    private sealed partial class Reader
    {
        /// <summary>A quantized layer: its int8 matrix (N × K), bias, the static input range (or null) and the value it ends in.</summary>
        private sealed record QuantizedLayer(Int8Matrix Matrix, float[] Bias, float? Range, string Output)
        {
            public int Inputs => Matrix.Columns;

            public int Outputs => Matrix.Rows;
        }

        private QuantizedLayer QuantizedLinear(NodeProto quantize)
        {
            string q, scale;
            float? range = null;
            if (quantize.OpType == "DynamicQuantizeLinear")
            {
                if (quantize.Output.Count != 3)
                {
                    throw Refuse($"node '{quantize.Name}' (DynamicQuantizeLinear) has {quantize.Output.Count} outputs; it needs 3.");
                }

                (q, scale) = (quantize.Output[0], quantize.Output[1]);
            }
            else
            {
                (long[] _, float[] s) = Initializer(quantize, 1);
                if (s.Length != 1 || !(s[0] > 0f) || !float.IsFinite(s[0]) || (quantize.Input.Count > 2 && Int8Values(quantize.Input[2], quantize).Values.AsSpan().IndexOfAnyExcept((sbyte)0) >= 0))
                {
                    throw Refuse($"node '{quantize.Name}' (QuantizeLinear) needs one positive finite scale and an int8 zero point of 0.");
                }

                (q, scale, range) = (SingleOutput(quantize), quantize.Input[1], s[0] * Kernel.Int8Limit);
            }

            NodeProto matmul = Expect(Next(q), "MatMulInteger");
            if (matmul.Input.Count < 2 || matmul.Input[0] != q || (matmul.Input.Count > 3 && Int8Values(matmul.Input[3], matmul).Values.AsSpan().IndexOfAnyExcept((sbyte)0) >= 0))
            {
                throw Refuse($"node '{matmul.Name}' (MatMulInteger) must multiply '{q}' by int8 weights with a zero point of 0.");
            }

            (long[] dims, sbyte[] b) = Int8Values(matmul.Input[1], matmul);
            if (dims.Length != 2 || dims[0] > Int8Matrix.MaxColumns)
            {
                throw Refuse($"node '{matmul.Name}' (MatMulInteger) has weights of dims [{string.Join(',', dims)}]; a layer's are a matrix of at most {Int8Matrix.MaxColumns} rows.");
            }

            int inputs = (int)dims[0], outputs = (int)dims[1];
            NodeProto cast = Expect(Next(SingleOutput(matmul)), "Cast");
            if ((Attribute(cast, "to")?.I ?? 0) != (long)TensorProto.Types.DataType.Float)
            {
                throw Refuse($"node '{cast.Name}' (Cast) must cast the integer sums to float.");
            }

            NodeProto mul = Expect(Next(SingleOutput(cast)), "Mul");
            string product = mul.Input.Count == 2 ? (mul.Input[0] == SingleOutput(cast) ? mul.Input[1] : mul.Input[0]) : string.Empty;
            NodeProto scales = graph.Node.FirstOrDefault(n => n.Output.Contains(product) && n.OpType == "Mul" && n.Input.Count == 2 && n.Input.Contains(scale))
                ?? throw Refuse($"node '{mul.Name}' (Mul) must scale the sums by Mul('{scale}', the weight scales).");
            string weightScales = scales.Input[0] == scale ? scales.Input[1] : scales.Input[0];
            float[] ws = _initializers.TryGetValue(weightScales, out TensorProto? tensor)
                ? Values(tensor).Values
                : throw Refuse($"node '{scales.Name}' (Mul) multiplies by '{weightScales}', which is not a constant weight scale.");
            if (ws.Length == 1)
            {
                ws = Enumerable.Repeat(ws[0], outputs).ToArray();
            }

            NodeProto add = Expect(Next(SingleOutput(mul)), "Add");
            string biasName = add.Input.Count == 2 ? (add.Input[0] == SingleOutput(mul) ? add.Input[1] : add.Input[0]) : string.Empty;
            float[] bias = _initializers.TryGetValue(biasName, out TensorProto? biasTensor)
                ? Values(biasTensor).Values
                : throw Refuse($"node '{add.Name}' (Add) adds '{biasName}', which is not a constant bias.");
            if (ws.Length != outputs || bias.Length != outputs)
            {
                throw Refuse($"node '{matmul.Name}' (MatMulInteger) has {outputs} outputs but {ws.Length} weight scales and {bias.Length} biases.");
            }

            var rowMajor = new sbyte[b.Length];
            for (int c = 0; c < inputs; c++)
            {
                for (int r = 0; r < outputs; r++)
                {
                    rowMajor[(r * inputs) + c] = b[(c * outputs) + r];
                }
            }

            Int8Matrix matrix;
            try
            {
                matrix = Int8Matrix.FromQuantized(rowMajor, ws, outputs, inputs);
            }
            catch (ArgumentException e)
            {
                throw Refuse($"node '{matmul.Name}' (MatMulInteger): {e.Message}");
            }

            _consumed.UnionWith([matmul, cast, mul, scales, add]);
            return new QuantizedLayer(matrix, bias, range, SingleOutput(add));
        }

        /// <summary>The int8 form of an imported network: every layer quantized, all dynamic or all static.</summary>
        private QuantizedNetwork Quantized(Network network, List<QuantizedLayer> layers, List<float[]> biases)
        {
            if (layers.Count != network.LayerCount || layers.Any(l => l.Range.HasValue) != layers.All(l => l.Range.HasValue))
            {
                throw Refuse($"{layers.Count} of the {network.LayerCount} layers are integer layers, some dynamic and some static; this engine quantizes all layers one way.");
            }

            float[]? ranges = layers[0].Range.HasValue ? [.. layers.Select(l => l.Range!.Value)] : null;
            return QuantizedNetwork.Create(network.LayerSizes, network.Activations, network.Cost, [.. layers.Select(l => l.Matrix)], biases, ranges, network.InputScaling, network.TargetScaling);
        }

        private NodeProto Expect(NodeProto node, string opType)
        {
            _consumed.Add(node);
            return node.OpType == opType ? node : throw Refuse($"node '{node.Name}' is {node.OpType} where an integer layer has {opType}.");
        }

        /// <summary>An int8 initializer's dimensions and values (raw_data, or int32_data as ONNX stores small integers).</summary>
        private (long[] Dims, sbyte[] Values) Int8Values(string name, NodeProto node)
        {
            if (!_initializers.TryGetValue(name, out TensorProto? tensor) || tensor.DataType != (int)TensorProto.Types.DataType.Int8 || tensor.DataLocation == TensorProto.Types.DataLocation.External)
            {
                throw Refuse($"input '{name}' of node '{node.Name}' ({node.OpType}) is not a constant int8 tensor inside the model.");
            }

            long[] dims = [.. tensor.Dims];
            long count = 1;
            foreach (long dim in dims)
            {
                if (dim < 0 || dim > int.MaxValue || (count *= dim) > Array.MaxLength)
                {
                    throw Refuse($"initializer '{name}' has dims [{string.Join(',', dims)}], not a size this engine can hold.");
                }
            }

            if (!tensor.HasRawData && tensor.Int32Data.Any(v => v is < sbyte.MinValue or > sbyte.MaxValue))
            {
                throw Refuse($"initializer '{name}' holds a value outside int8.");
            }

            sbyte[] values = tensor.HasRawData ? MemoryMarshal.Cast<byte, sbyte>(tensor.RawData.Span).ToArray() : [.. tensor.Int32Data.Select(v => (sbyte)v)];
            return values.Length == count ? (dims, values) : throw Refuse($"initializer '{name}' has dims [{string.Join(',', dims)}] but {values.Length} values.");
        }
    }
}
