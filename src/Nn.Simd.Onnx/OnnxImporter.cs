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
//   and, as the graph's last nodes only, Mul(·, σ) then Add(·, μ) with constant vectors of nᴸ
//   values: the target scaling OnnxExporter writes (Network.TargetScaling)
// Anything else is refused with the operator and the node's name. The model is parsed by the
// Google.Protobuf types generated from onnx.proto. The network built is checked with the model
// file's own rules (layer count and sizes, finite weights), so an import never writes a file that
// nn then refuses to load.
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
            (float[] Deviations, float[] Means)? targets = null;
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

                    case "Mul" when weights.Count > 0 && targets is null:
                    {
                        // A target scaling: Mul(σ) then Add(μ), the last nodes of the graph.
                        if (activations.Count < weights.Count)
                        {
                            activations.Add(Activation.Identity);
                        }

                        float[] deviations = ScalingOperand(node, current, commutative: true);
                        current = SingleOutput(node);
                        NodeProto add = current == final ? node : Next(current);
                        if (add.OpType != "Add")
                        {
                            throw Refuse($"node '{node.Name}' (Mul) after the last layer is not followed by an Add; a target scaling is Mul then Add.");
                        }

                        _consumed.Add(add);
                        targets = (deviations, ScalingOperand(add, current, commutative: true));
                        current = SingleOutput(add);
                        if (current != final)
                        {
                            throw Refuse($"node '{add.Name}' (Add) of the target scaling is not the graph's last node.");
                        }

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

            if (targets is { } t)
            {
                try
                {
                    network.TargetScaling = TargetScaling.Create(t.Means, t.Deviations);
                }
                catch (ArgumentException e)
                {
                    throw Refuse($"the target scaling (Mul then Add) does not fit: {e.Message}");
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

        private string SingleOutput(NodeProto node) => node.Output.Count == 1
            ? node.Output[0]
            : throw Refuse($"node '{node.Name}' ({node.OpType}) has {node.Output.Count} outputs; a layer has one.");

        private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.LastOrDefault(a => a.Name == name);

        private InvalidDataException Refuse(string message) => new($"{source}: {message}");
    }
}
