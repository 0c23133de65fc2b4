// ONNX import: multilayer perceptrons as PyTorch's torch.onnx.export writes an nn.Sequential of
// Linear layers with ReLU / Sigmoid / Tanh between them and an optional final Softmax.
//
// Accepted graph: one float input [N, n⁰] and one output, and a chain of nodes from the input:
//   Gemm(x, W, b)  with alpha = beta = 1, transA = 0, transB = 1 (W: nˡ × nˡ⁻¹) or 0 (W: nˡ⁻¹ × nˡ)
//   MatMul(x, W) followed by Add(·, b)                           (W: nˡ⁻¹ × nˡ)
//   then at most one of Relu, Sigmoid, Tanh, Softmax (axis 1 or −1), Identity
// Anything else is refused with the operator and the node's name. The protobuf is read here from
// the field numbers of onnx.proto; unknown fields are skipped, as protobuf readers must.
using System.Buffers.Binary;
using System.Text;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>Reads an ONNX multilayer perceptron into a <see cref="Network"/>.</summary>
public static class OnnxImporter
{
    /// <summary>Reads an ONNX file.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <returns>The network; its cost is log-likelihood for softmax outputs, quadratic otherwise (it matters only for further training).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable ONNX model, or its graph is not an MLP this engine can run; the message names the operator and node.</exception>
    public static Network Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        }

        return Import(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an ONNX model from its bytes.</summary>
    /// <param name="bytes">A serialized ModelProto.</param>
    /// <param name="source">A name for messages.</param>
    /// <returns>The network.</returns>
    /// <exception cref="InvalidDataException">See <see cref="Load"/>.</exception>
    public static Network Import(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Graph graph;
        try
        {
            graph = ReadModel(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model (malformed protobuf).", e);
        }

        return Build(graph, source);
    }

    private sealed record Node(string Name, string Op, List<string> Inputs, List<string> Outputs, Dictionary<string, long> Ints, Dictionary<string, float> Floats);

    private sealed record Tensor(long[] Dims, float[] Values);

    private sealed class Graph
    {
        public List<Node> Nodes { get; } = [];

        public Dictionary<string, Tensor> Initializers { get; } = [];

        public List<string> Inputs { get; } = [];

        public List<string> Outputs { get; } = [];
    }

    private static Network Build(Graph graph, string source)
    {
        string current = graph.Inputs.FirstOrDefault(i => !graph.Initializers.ContainsKey(i))
            ?? throw new InvalidDataException($"{source}: the graph has no input besides its weights.");
        if (graph.Outputs.Count != 1)
        {
            throw new InvalidDataException($"{source}: the graph has {graph.Outputs.Count} outputs; an MLP has one.");
        }

        var sizes = new List<int>();
        var activations = new List<Activation>();
        var weights = new List<float[]>();
        var biases = new List<float[]>();
        var consumed = new HashSet<Node>();
        while (current != graph.Outputs[0])
        {
            Node node = Next(graph, current, source);
            consumed.Add(node);
            switch (node.Op)
            {
                case "Gemm":
                case "MatMul":
                {
                    (float[] w, float[] b, int inputs, int outputs, string output) = Linear(graph, node, consumed, source);
                    if (sizes.Count == 0)
                    {
                        sizes.Add(inputs);
                    }
                    else if (sizes[^1] != inputs)
                    {
                        throw new InvalidDataException($"{source}: node '{node.Name}' ({node.Op}) takes {inputs} inputs but the layer before gives {sizes[^1]}.");
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

                case "Relu":
                case "Sigmoid":
                case "Tanh":
                case "Softmax":
                case "Identity":
                    if (weights.Count == 0 || activations.Count == weights.Count)
                    {
                        throw new InvalidDataException($"{source}: node '{node.Name}' ({node.Op}) does not follow a Gemm or MatMul + Add; this engine applies one activation per layer.");
                    }

                    if (node.Op == "Softmax" && node.Ints.TryGetValue("axis", out long axis) && axis != 1 && axis != -1)
                    {
                        throw new InvalidDataException($"{source}: node '{node.Name}' (Softmax) has axis {axis}; only the feature axis (1 or −1) is supported.");
                    }

                    activations.Add(node.Op switch
                    {
                        "Relu" => Activation.Relu,
                        "Sigmoid" => Activation.Sigmoid,
                        "Tanh" => Activation.Tanh,
                        "Softmax" => Activation.Softmax,
                        _ => Activation.Identity,
                    });
                    current = node.Outputs[0];
                    break;
                default:
                    throw new InvalidDataException($"{source}: operator {node.Op} (node '{node.Name}') is not supported; an MLP here is Gemm or MatMul + Add with Relu, Sigmoid, Tanh, Softmax or Identity.");
            }
        }

        if (weights.Count == 0)
        {
            throw new InvalidDataException($"{source}: the graph has no Gemm or MatMul layer.");
        }

        if (activations.Count < weights.Count)
        {
            activations.Add(Activation.Identity);
        }

        Node? extra = graph.Nodes.FirstOrDefault(n => !consumed.Contains(n));
        if (extra is not null)
        {
            throw new InvalidDataException($"{source}: node '{extra.Name}' ({extra.Op}) is not on the path from the input to the output.");
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

        return network;
    }

    private static Node Next(Graph graph, string value, string source)
    {
        List<Node> users = graph.Nodes.Where(n => n.Inputs.Contains(value)).ToList();
        return users.Count switch
        {
            1 => users[0],
            0 => throw new InvalidDataException($"{source}: nothing consumes '{value}' and it is not the graph's output."),
            _ => throw new InvalidDataException($"{source}: '{value}' feeds {users.Count} nodes ({string.Join(", ", users.Select(u => $"'{u.Name}' {u.Op}"))}); an MLP is a chain."),
        };
    }

    /// <summary>The weights (as nˡ × nˡ⁻¹, row-major), bias, sizes and output of a Gemm or a MatMul + Add.</summary>
    private static (float[] Weights, float[] Bias, int Inputs, int Outputs, string Output) Linear(Graph graph, Node node, HashSet<Node> consumed, string source)
    {
        Tensor w = Initializer(graph, node, 1, source);
        if (w.Dims.Length != 2)
        {
            throw new InvalidDataException($"{source}: node '{node.Name}' ({node.Op}) has a {w.Dims.Length}-dimensional weight; a layer's is a matrix.");
        }

        bool transposed;
        Tensor? b;
        string output;
        if (node.Op == "Gemm")
        {
            if (node.Ints.GetValueOrDefault("transA") != 0 || node.Floats.GetValueOrDefault("alpha", 1f) != 1f || node.Floats.GetValueOrDefault("beta", 1f) != 1f)
            {
                throw new InvalidDataException($"{source}: node '{node.Name}' (Gemm) uses transA, alpha or beta; only transB is supported.");
            }

            transposed = node.Ints.GetValueOrDefault("transB") != 0;
            b = node.Inputs.Count > 2 ? Initializer(graph, node, 2, source) : null;
            output = node.Outputs[0];
        }
        else
        {
            transposed = false;
            Node add = Next(graph, node.Outputs[0], source);
            if (add.Op != "Add")
            {
                b = null;
                output = node.Outputs[0];
            }
            else
            {
                consumed.Add(add);
                string biasName = add.Inputs[0] == node.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
                b = graph.Initializers.TryGetValue(biasName, out Tensor? t)
                    ? t
                    : throw new InvalidDataException($"{source}: node '{add.Name}' (Add) adds '{biasName}', which is not a constant bias.");
                output = add.Outputs[0];
            }
        }

        int outputs = (int)(transposed ? w.Dims[0] : w.Dims[1]);
        int inputs = (int)(transposed ? w.Dims[1] : w.Dims[0]);
        float[] weights = new float[outputs * inputs];
        for (int j = 0; j < outputs; j++)
        {
            for (int k = 0; k < inputs; k++)
            {
                weights[(j * inputs) + k] = transposed ? w.Values[(j * inputs) + k] : w.Values[(k * outputs) + j];
            }
        }

        float[] bias = b?.Values ?? new float[outputs];
        if (bias.Length != outputs)
        {
            throw new InvalidDataException($"{source}: node '{node.Name}' ({node.Op}) has {outputs} outputs but a bias of {bias.Length}.");
        }

        return (weights, bias, inputs, outputs, output);
    }

    private static Tensor Initializer(Graph graph, Node node, int input, string source)
    {
        if (node.Inputs.Count <= input)
        {
            throw new InvalidDataException($"{source}: node '{node.Name}' ({node.Op}) has {node.Inputs.Count} inputs; it needs at least {input + 1}.");
        }

        return graph.Initializers.TryGetValue(node.Inputs[input], out Tensor? tensor)
            ? tensor
            : throw new InvalidDataException($"{source}: input '{node.Inputs[input]}' of node '{node.Name}' ({node.Op}) is not a constant weight (an initializer).");
    }

    // ---- protobuf --------------------------------------------------------------------------------

    private static Graph ReadModel(byte[] bytes)
    {
        Graph? graph = null;
        var reader = new ProtoReader(bytes);
        while (reader.Next(out int field, out int wire))
        {
            if (field == 7 && wire == 2)
            {
                graph = ReadGraph(reader.Nested());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return graph ?? throw new InvalidDataException("The ONNX model has no graph.");
    }

    private static Graph ReadGraph(ProtoReader reader)
    {
        var graph = new Graph();
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    graph.Nodes.Add(ReadNode(reader.Nested()));
                    break;
                case 5 when wire == 2:
                    (string name, Tensor tensor) = ReadTensor(reader.Nested());
                    graph.Initializers[name] = tensor;
                    break;
                case 11 when wire == 2:
                    graph.Inputs.Add(ReadName(reader.Nested()));
                    break;
                case 12 when wire == 2:
                    graph.Outputs.Add(ReadName(reader.Nested()));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return graph;
    }

    private static Node ReadNode(ProtoReader reader)
    {
        var node = new Node(string.Empty, string.Empty, [], [], [], []);
        string name = string.Empty, op = string.Empty;
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    node.Inputs.Add(reader.String());
                    break;
                case 2 when wire == 2:
                    node.Outputs.Add(reader.String());
                    break;
                case 3 when wire == 2:
                    name = reader.String();
                    break;
                case 4 when wire == 2:
                    op = reader.String();
                    break;
                case 5 when wire == 2:
                    ReadAttribute(reader.Nested(), node);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return node with { Name = name, Op = op };
    }

    private static void ReadAttribute(ProtoReader reader, Node node)
    {
        string name = string.Empty;
        long? i = null;
        float? f = null;
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    name = reader.String();
                    break;
                case 2 when wire == 5:
                    f = reader.Fixed32Float();
                    break;
                case 3 when wire == 0:
                    i = (long)reader.Varint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (i is { } integer)
        {
            node.Ints[name] = integer;
        }

        if (f is { } single)
        {
            node.Floats[name] = single;
        }
    }

    private static (string Name, Tensor Tensor) ReadTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        byte[]? raw = null;
        string name = string.Empty;
        long dataType = 1;
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 0:
                    dims.Add((long)reader.Varint());
                    break;
                case 1 when wire == 2:
                    ProtoReader packed = reader.Nested();
                    while (!packed.AtEnd)
                    {
                        dims.Add((long)packed.Varint());
                    }

                    break;
                case 2 when wire == 0:
                    dataType = (long)reader.Varint();
                    break;
                case 4 when wire == 2:
                    ProtoReader values = reader.Nested();
                    while (!values.AtEnd)
                    {
                        floats.Add(values.Fixed32Float());
                    }

                    break;
                case 4 when wire == 5:
                    floats.Add(reader.Fixed32Float());
                    break;
                case 8 when wire == 2:
                    name = reader.String();
                    break;
                case 9 when wire == 2:
                    raw = reader.BytesValue();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (dataType != 1)
        {
            throw new InvalidDataException($"Initializer '{name}' has ONNX data type {dataType}; only float (1) weights are supported.");
        }

        long count = dims.Aggregate(1L, (a, d) => a * d);
        float[] data = raw is not null ? new float[raw.Length / 4] : [.. floats];
        if (raw is not null)
        {
            for (int k = 0; k < data.Length; k++)
            {
                data[k] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * k));
            }
        }

        if (data.Length != count)
        {
            throw new InvalidDataException($"Initializer '{name}' has dims [{string.Join(',', dims)}] but {data.Length} values.");
        }

        return (name, new Tensor([.. dims], data));
    }

    private static string ReadName(ProtoReader reader)
    {
        string name = string.Empty;
        while (reader.Next(out int field, out int wire))
        {
            if (field == 1 && wire == 2)
            {
                name = reader.String();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return name;
    }
}

/// <summary>The protobuf wire format, read: keys, varints, fixed32 and length-delimited fields.</summary>
internal sealed class ProtoReader(byte[] buffer, int start, int end)
{
    private int _position = start;

    public ProtoReader(byte[] buffer)
        : this(buffer, 0, buffer.Length)
    {
    }

    public bool AtEnd => _position >= end;

    public bool Next(out int field, out int wireType)
    {
        if (AtEnd)
        {
            field = wireType = 0;
            return false;
        }

        ulong key = Varint();
        field = checked((int)(key >> 3));
        wireType = (int)(key & 7);
        return true;
    }

    public ulong Varint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }

    public float Fixed32Float()
    {
        Require(4);
        float value = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(_position, 4));
        _position += 4;
        return value;
    }

    public ProtoReader Nested()
    {
        int length = Length();
        var nested = new ProtoReader(buffer, _position, _position + length);
        _position += length;
        return nested;
    }

    public string String()
    {
        int length = Length();
        string value = Encoding.UTF8.GetString(buffer, _position, length);
        _position += length;
        return value;
    }

    public byte[] BytesValue()
    {
        int length = Length();
        byte[] value = buffer.AsSpan(_position, length).ToArray();
        _position += length;
        return value;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0:
                Varint();
                break;
            case 1:
                Require(8);
                _position += 8;
                break;
            case 2:
                int length = Length();
                _position += length;
                break;
            case 5:
                Require(4);
                _position += 4;
                break;
            default:
                throw new InvalidDataException($"Protobuf wire type {wireType} is not supported.");
        }
    }

    private int Length()
    {
        ulong length = Varint();
        if (length > (ulong)(end - _position))
        {
            throw new InvalidDataException($"A protobuf field claims {length} bytes but only {end - _position} remain.");
        }

        return (int)length;
    }

    private byte Byte()
    {
        Require(1);
        return buffer[_position++];
    }

    private void Require(int count)
    {
        if (end - _position < count)
        {
            throw new InvalidDataException("The protobuf data ends in the middle of a field.");
        }
    }
}
