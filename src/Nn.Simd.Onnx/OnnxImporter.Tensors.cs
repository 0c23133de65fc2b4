// ONNX import: the tensors of a linear layer (a Gemm, or a MatMul and an Add) and the float
// initializers they read, with every dimension and length checked against the graph before use.
using System.Buffers.Binary;
using Onnx;

namespace Nn.Simd.Onnx;

public static partial class OnnxImporter
{
    private sealed partial class Reader
    {
        /// <summary>The weights (as nˡ × nˡ⁻¹, row-major), bias, sizes and output of a Gemm or a MatMul + Add.</summary>
        private (float[] Weights, float[] Bias, int Inputs, int Outputs, string Output) Linear(NodeProto node)
        {
            (long[] dims, float[] w) = Initializer(node, 1);
            if (dims.Length != 2)
            {
                throw Refuse($"node '{node.Name}' ({node.OpType}) has a {dims.Length}-dimensional weight; a layer's is a matrix.");
            }

            bool transposed;
            float[]? b;
            string output;
            if (node.OpType == "Gemm")
            {
                if ((Attribute(node, "transA")?.I ?? 0) != 0 || (Attribute(node, "alpha")?.F ?? 1f) != 1f || (Attribute(node, "beta")?.F ?? 1f) != 1f)
                {
                    throw Refuse($"node '{node.Name}' (Gemm) uses transA, alpha or beta; only transB is supported.");
                }

                transposed = (Attribute(node, "transB")?.I ?? 0) != 0;
                b = node.Input.Count > 2 && node.Input[2].Length > 0 ? Initializer(node, 2).Values : null;
                output = SingleOutput(node);
            }
            else
            {
                transposed = false;
                string product = SingleOutput(node);
                NodeProto? add = product == graph.Output[0].Name ? null : Next(product);
                if (add is not { OpType: "Add" })
                {
                    b = null;
                    output = product;
                }
                else
                {
                    _consumed.Add(add);
                    string biasName = add.Input.Count == 2
                        ? (add.Input[0] == product ? add.Input[1] : add.Input[0])
                        : throw Refuse($"node '{add.Name}' (Add) has {add.Input.Count} inputs; it needs 2.");
                    b = _initializers.TryGetValue(biasName, out TensorProto? tensor)
                        ? Values(tensor).Values
                        : throw Refuse($"node '{add.Name}' (Add) adds '{biasName}', which is not a constant bias.");
                    output = SingleOutput(add);
                }
            }

            int outputs = (int)(transposed ? dims[0] : dims[1]);
            int inputs = (int)(transposed ? dims[1] : dims[0]);
            float[] weights = new float[w.Length];
            for (int j = 0; j < outputs; j++)
            {
                for (int k = 0; k < inputs; k++)
                {
                    weights[(j * inputs) + k] = transposed ? w[(j * inputs) + k] : w[(k * outputs) + j];
                }
            }

            float[] bias = b ?? new float[outputs];
            if (bias.Length != outputs)
            {
                throw Refuse($"node '{node.Name}' ({node.OpType}) has {outputs} outputs but a bias of {bias.Length}.");
            }

            return (weights, bias, inputs, outputs, output);
        }

        private (long[] Dims, float[] Values) Initializer(NodeProto node, int input)
        {
            if (node.Input.Count <= input)
            {
                throw Refuse($"node '{node.Name}' ({node.OpType}) has {node.Input.Count} inputs; it needs at least {input + 1}.");
            }

            return _initializers.TryGetValue(node.Input[input], out TensorProto? tensor)
                ? Values(tensor)
                : throw Refuse($"input '{node.Input[input]}' of node '{node.Name}' ({node.OpType}) is not a constant weight (an initializer).");
        }

        /// <summary>A float initializer's dimensions and values, from raw_data (little-endian) or float_data.</summary>
        private (long[] Dims, float[] Values) Values(TensorProto tensor)
        {
            string name = tensor.Name;
            if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw Refuse($"initializer '{name}' has ONNX data type {tensor.DataType}; only float (1) weights are supported.");
            }

            if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            {
                throw Refuse($"initializer '{name}' is stored in an external file; only weights inside the model are supported.");
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

            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            long stored = tensor.HasRawData ? raw.Length / sizeof(float) : tensor.FloatData.Count;
            if (stored != count || (tensor.HasRawData && raw.Length % sizeof(float) != 0))
            {
                throw Refuse($"initializer '{name}' has dims [{string.Join(',', dims)}] but {(tensor.HasRawData ? $"{raw.Length} bytes" : $"{stored} values")}.");
            }

            float[] values = tensor.HasRawData ? new float[count] : [.. tensor.FloatData];
            if (tensor.HasRawData)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(sizeof(float) * i)..]);
                }
            }

            return (dims, values);
        }
    }
}
