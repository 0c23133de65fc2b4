// ONNX import: multilayer perceptrons as PyTorch's torch.onnx.export writes an nn.Sequential of
// Linear layers with ReLU / Sigmoid / Tanh between them and an optional final Softmax.
//
// Accepted graph: one float input [N, n⁰] and one output, and a chain of nodes from the input:
//   Gemm(x, W, b)  with alpha = beta = 1, transA = 0, transB = 1 (W: nˡ × nˡ⁻¹) or 0 (W: nˡ⁻¹ × nˡ)
//   MatMul(x, W) followed by Add(·, b)                           (W: nˡ⁻¹ × nˡ)
//   Gemm without C, or MatMul without Add (e.g. PyTorch's Linear(…, bias=False)): zero bias
//   then at most one of Relu, Sigmoid, Tanh, Softmax (axis 1 or −1), Identity
//   and, before the first layer only, Sub(x, offset) then Mul(·, scale) with constant vectors of
//   n⁰ values: the input scaling OnnxExporter writes (Network.InputScaling; a Mul whose doc
//   string is "minmax" marks min–max scaling, else standardisation)
// Anything else is refused with the operator and the node's name. The model is parsed by the
// Google.Protobuf types generated from onnx.proto. The network built is checked with the model
// file's own rules (layer count and sizes, finite weights), so an import never writes a file that
// nn then refuses to load.
using System.Buffers.Binary;
using Google.Protobuf;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Onnx;

namespace Nn.Simd.Onnx;

/// <summary>Reads an ONNX multilayer perceptron into a <see cref="Network"/>.</summary>
public static partial class OnnxImporter
{
    /// <summary>Reads an ONNX file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="limits">The limits; only <see cref="ReadLimits.MaxModelBytes"/> applies, to the file's size. <see cref="ReadLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The network; its cost is log-likelihood for softmax outputs, quadratic otherwise (it matters only for further training).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX model, is larger than the limit, or its graph is not an MLP this engine can run or save; the message names the operator and node.</exception>
    public static Network Load(string path, ReadLimits? limits = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        }

        long limit = (limits ?? ReadLimits.Default).MaxModelBytes;
        return Import(DataFileStream.ReadAllBytes(path, limit, nameof(ReadLimits) + "." + nameof(ReadLimits.MaxModelBytes), start => CheckStart(start, path)), path);
    }

    /// <summary>
    /// A serialized message starts with a field's tag, whose field number is at least 1, so its
    /// first byte is at least 0x08: a device of zeros is refused before it is read any further.
    /// </summary>
    private static void CheckStart(ReadOnlySpan<byte> start, string source)
    {
        if (!start.IsEmpty && start[0] < 0x08)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model: its first byte 0x{start[0]:X2} cannot start a protobuf message.");
        }
    }

    /// <summary>Reads an ONNX model from its bytes.</summary>
    /// <param name="bytes">A serialized ModelProto.</param>
    /// <param name="source">A name for messages.</param>
    /// <returns>The network.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load"/>.</exception>
    public static Network Import(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model: {e.Message}", e);
        }

        return model.Graph is { } graph
            ? new Reader(graph, source).Build()
            : throw new InvalidDataException($"{source}: not a readable ONNX model: it has no graph.");
    }

    /// <summary>One walk along a graph's chain of nodes, from its input to its output.</summary>
    private sealed partial class Reader(GraphProto graph, string source)
    {
        private readonly Dictionary<string, TensorProto> _initializers = [];
        private readonly HashSet<NodeProto> _consumed = [];

        public Network Build()
        {
            foreach (TensorProto tensor in graph.Initializer)
            {
                if (!_initializers.TryAdd(tensor.Name, tensor))
                {
                    throw Refuse($"two initializers are named '{tensor.Name}'.");
                }
            }

            string current = graph.Input.Select(i => i.Name).FirstOrDefault(name => !_initializers.ContainsKey(name))
                ?? throw Refuse("the graph has no input besides its weights.");
            if (graph.Output.Count != 1)
            {
                throw Refuse($"the graph has {graph.Output.Count} outputs; an MLP has one.");
            }

            string final = graph.Output[0].Name;
            var sizes = new List<int>();
            var activations = new List<Activation>();
            var weights = new List<float[]>();
            var biases = new List<float[]>();
            var quantized = new List<QuantizedLayer>();
            (float[] Offsets, float[] Scales, InputScalingKind Kind)? scaling = null;
            while (current != final)
            {
                NodeProto node = Next(current);
                _consumed.Add(node);
                switch (node.OpType)
                {
                    case "Gemm":
                    case "MatMul":
                    {
                        (float[] w, float[] b, int inputs, int outputs, string output) = Linear(node);
                        if (sizes.Count == 0)
                        {
                            sizes.Add(inputs);
                        }
                        else if (sizes[^1] != inputs)
                        {
                            throw Refuse($"node '{node.Name}' ({node.OpType}) takes {inputs} inputs but the layer before gives {sizes[^1]}.");
                        }

                        if (activations.Count < weights.Count)
                        {
                            activations.Add(Activation.Identity);
                        }

                        sizes.Add(outputs);
                        weights.Add(w);
                        biases.Add(b);
                        current = output;
                        break;
                    }

                    case "DynamicQuantizeLinear":
                    case "QuantizeLinear":
                    {
                        QuantizedLayer layer = QuantizedLinear(node);
                        if (sizes.Count == 0)
                        {
                            sizes.Add(layer.Inputs);
                        }
                        else if (sizes[^1] != layer.Inputs)
                        {
                            throw Refuse($"node '{node.Name}' ({node.OpType}) quantizes {layer.Inputs} inputs but the layer before gives {sizes[^1]}.");
                        }

                        if (activations.Count < weights.Count)
                        {
                            activations.Add(Activation.Identity);
                        }

                        sizes.Add(layer.Outputs);
                        weights.Add(layer.Matrix.Dequantize());
                        biases.Add(layer.Bias);
                        quantized.Add(layer);
                        current = layer.Output;
                        break;
                    }

                    case "Sub" when weights.Count == 0 && scaling is null:
                    {
                        float[] offsets = ScalingOperand(node, current, commutative: false);
                        current = SingleOutput(node);
                        NodeProto mul = current == final ? node : Next(current);
                        if (mul.OpType != "Mul")
                        {
                            throw Refuse($"node '{node.Name}' (Sub) is not followed by a Mul; an input scaling is Sub then Mul.");
                        }

                        _consumed.Add(mul);
                        float[] scales = ScalingOperand(mul, current, commutative: true);
                        scaling = (offsets, scales, mul.DocString == "minmax" ? InputScalingKind.MinMax : InputScalingKind.Standardize);
                        current = SingleOutput(mul);
                        break;
                    }

                    case "Relu":
                    case "Sigmoid":
                    case "Tanh":
                    case "Softmax":
                    case "Identity":
                        activations.Add(ActivationOf(node, weights.Count, activations.Count));
                        current = SingleOutput(node);
                        break;
                    default:
                        throw Refuse($"operator {node.OpType} (node '{node.Name}') is not supported; an MLP here is Gemm or MatMul + Add (or DynamicQuantizeLinear / QuantizeLinear + MatMulInteger + Cast + Mul + Add) with Relu, Sigmoid, Tanh, Softmax or Identity.");
                }
            }

            if (weights.Count == 0)
            {
                throw Refuse("the graph has no Gemm or MatMul layer.");
            }

            if (activations.Count < weights.Count)
            {
                activations.Add(Activation.Identity);
            }

            if (graph.Node.FirstOrDefault(n => !_consumed.Contains(n)) is { } extra)
            {
                throw Refuse($"node '{extra.Name}' ({extra.OpType}) is not on the path from the input to the output.");
            }

            Cost cost = activations[^1] == Activation.Softmax ? Cost.LogLikelihood : Cost.Quadratic;
            Network network;
            try
            {
                network = Network.CreateUninitialized([.. sizes], [.. activations], cost);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: {e.Message}", e);
            }

            for (int l = 1; l <= weights.Count; l++)
            {
                weights[l - 1].CopyTo(network.Weights(l));
                biases[l - 1].CopyTo(network.Biases(l));
            }

            if (scaling is { } s)
            {
                try
                {
                    network.InputScaling = InputScaling.Create(s.Kind, s.Offsets, s.Scales);
                }
                catch (ArgumentException e)
                {
                    throw Refuse($"the input scaling (Sub then Mul) does not fit: {e.Message}");
                }
            }

            ModelFile.CheckLoadable(network, source);
            if (quantized.Count > 0)
            {
                network.Quantized = Quantized(network, quantized, biases);
            }

            return network;
        }

        /// <summary>The constant vector a Sub or Mul of the input scaling applies to <paramref name="current"/> (its second input; for Mul either).</summary>
        private float[] ScalingOperand(NodeProto node, string current, bool commutative)
        {
            if (node.Input.Count != 2 || !(node.Input[0] == current || (commutative && node.Input[1] == current)))
            {
                throw Refuse($"node '{node.Name}' ({node.OpType}) is not {node.OpType}('{current}', constant); an input scaling applies one constant per input.");
            }

            string name = node.Input[0] == current ? node.Input[1] : node.Input[0];
            (long[] dims, float[] values) = _initializers.TryGetValue(name, out TensorProto? tensor)
                ? Values(tensor)
                : throw Refuse($"input '{name}' of node '{node.Name}' ({node.OpType}) is not a constant (an initializer).");
            return dims.Length == 1 || (dims.Length == 2 && dims[0] == 1)
                ? values
                : throw Refuse($"initializer '{name}' of node '{node.Name}' ({node.OpType}) has dims [{string.Join(',', dims)}]; an input scaling takes one value per input.");
        }

        private Activation ActivationOf(NodeProto node, int layers, int activations)
        {
            if (layers == 0 || activations == layers)
            {
                throw Refuse($"node '{node.Name}' ({node.OpType}) does not follow a Gemm or MatMul + Add; this engine applies one activation per layer.");
            }

            if (node.OpType == "Softmax" && Attribute(node, "axis") is { } axis && axis.I != 1 && axis.I != -1)
            {
                throw Refuse($"node '{node.Name}' (Softmax) has axis {axis.I}; only the feature axis (1 or −1) is supported.");
            }

            return node.OpType switch
            {
                "Relu" => Activation.Relu,
                "Sigmoid" => Activation.Sigmoid,
                "Tanh" => Activation.Tanh,
                "Softmax" => Activation.Softmax,
                _ => Activation.Identity,
            };
        }

        /// <summary>The one node that reads <paramref name="value"/>: not met before on the walk, from the default (ai.onnx) domain.</summary>
        private NodeProto Next(string value)
        {
            List<NodeProto> users = [.. graph.Node.Where(n => n.Input.Contains(value))];
            NodeProto next = users.Count switch
            {
                1 => users[0],
                0 => throw Refuse($"nothing consumes '{value}' and it is not the graph's output."),
                _ => throw Refuse($"'{value}' feeds {users.Count} nodes ({string.Join(", ", users.Select(u => $"'{u.Name}' {u.OpType}"))}); an MLP is a chain."),
            };
            if (_consumed.Contains(next))
            {
                throw Refuse($"the graph has a cycle through node '{next.Name}' ({next.OpType}).");
            }

            return next.Domain is "" or "ai.onnx"
                ? next
                : throw Refuse($"operator {next.OpType} (node '{next.Name}') is from domain '{next.Domain}'; only the standard ONNX operators are supported.");
        }

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

        private string SingleOutput(NodeProto node) => node.Output.Count == 1
            ? node.Output[0]
            : throw Refuse($"node '{node.Name}' ({node.OpType}) has {node.Output.Count} outputs; a layer has one.");

        private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.LastOrDefault(a => a.Name == name);

        private InvalidDataException Refuse(string message) => new($"{source}: {message}");
    }
}
