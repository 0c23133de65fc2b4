// ONNX export: a trained network as an opset-13 graph that ONNX Runtime (or any ONNX reader) runs.
//
//   input "input" [N, n⁰] float
//   for l = 1 … L:  zˡ = Gemm(aˡ⁻¹, Wˡ, bˡ, transB = 1)     (Wˡ stored as nˡ × nˡ⁻¹, like the engine)
//                   aˡ = Sigmoid | Tanh | Relu | Softmax(axis = 1) | Identity(zˡ)
//   output "output" [N, nᴸ] float
//
// The protobuf encoding is written here, field by field, from the message definitions of onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto); only
// the fields this graph needs are written. Wire format: a key is (field number << 3 | wire type),
// wire type 0 = varint, 2 = length-delimited (strings, bytes, nested messages).
using System.Buffers.Binary;
using System.Text;
using Nn.Simd.Model;

namespace Nn.Simd.IO;

/// <summary>Writes a <see cref="Network"/> as an ONNX model (opset 13, IR version 8).</summary>
public static class OnnxExporter
{
    /// <summary>The name of the graph's input, shape [N, inputs].</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output, shape [N, outputs].</summary>
    public const string OutputName = "output";

    private const long IrVersion = 8;
    private const long OpsetVersion = 13;
    private const int FloatType = 1;
    private const int AttributeInt = 2;

    /// <summary>The ONNX model's bytes.</summary>
    /// <param name="network">The network to export.</param>
    /// <returns>A serialized ModelProto.</returns>
    public static byte[] Export(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var graph = new ProtoWriter();
        string previous = InputName;
        for (int l = 1; l <= network.LayerCount; l++)
        {
            int rows = network.LayerSizes[l], columns = network.LayerSizes[l - 1];
            string weights = $"W{l}", bias = $"b{l}", z = $"z{l}";
            bool last = l == network.LayerCount;
            Activation activation = network.Activations[l - 1];
            string activated = last ? OutputName : $"a{l}";
            graph.Message(5, Tensor(weights, [rows, columns], network.Weights(l)));
            graph.Message(5, Tensor(bias, [rows], network.Biases(l)));
            graph.Message(1, Node($"gemm{l}", "Gemm", [previous, weights, bias], activation == Activation.Identity ? activated : z, transB: true));
            if (activation != Activation.Identity)
            {
                graph.Message(1, Node($"activation{l}", OperatorOf(activation), [z], activated, axis: activation == Activation.Softmax ? 1 : null));
            }

            previous = activated;
        }

        graph.String(2, "nn_simd");
        graph.Message(11, ValueInfo(InputName, network.InputSize));
        graph.Message(12, ValueInfo(OutputName, network.OutputSize));

        var model = new ProtoWriter();
        model.Varint(1, IrVersion);
        model.String(2, "Nn.Simd");
        model.String(3, typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0");
        model.String(6, network.ToString());
        model.Message(7, graph);
        var opset = new ProtoWriter();
        opset.String(1, string.Empty);
        opset.Varint(2, OpsetVersion);
        model.Message(8, opset);
        return model.ToArray();
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

    private static string OperatorOf(Activation activation) => activation switch
    {
        Activation.Sigmoid => "Sigmoid",
        Activation.Tanh => "Tanh",
        Activation.Relu => "Relu",
        Activation.Softmax => "Softmax",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "No ONNX operator for this activation."),
    };

    private static ProtoWriter Tensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new ProtoWriter();
        foreach (long dim in dims)
        {
            tensor.Varint(1, dim);
        }

        tensor.Varint(2, FloatType);
        tensor.String(8, name);
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        }

        tensor.Bytes(9, raw);
        return tensor;
    }

    private static ProtoWriter Node(string name, string op, string[] inputs, string output, bool transB = false, long? axis = null)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        node.String(2, output);
        node.String(3, name);
        node.String(4, op);
        if (transB)
        {
            node.Message(5, IntAttribute("transB", 1));
        }

        if (axis is { } a)
        {
            node.Message(5, IntAttribute("axis", a));
        }

        return node;
    }

    private static ProtoWriter IntAttribute(string name, long value)
    {
        var attribute = new ProtoWriter();
        attribute.String(1, name);
        attribute.Varint(3, value);
        attribute.Varint(20, AttributeInt);
        return attribute;
    }

    private static ProtoWriter ValueInfo(string name, int width)
    {
        var batch = new ProtoWriter();
        batch.String(2, "N");
        var features = new ProtoWriter();
        features.Varint(1, width);
        var shape = new ProtoWriter();
        shape.Message(1, batch);
        shape.Message(1, features);
        var tensorType = new ProtoWriter();
        tensorType.Varint(1, FloatType);
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }
}

/// <summary>The protobuf wire format, as far as the ONNX export needs it.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();

    public void Varint(int field, long value)
    {
        Key(field, 0);
        WriteVarint((ulong)value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void Message(int field, ProtoWriter message) => Bytes(field, message._buffer.GetBuffer().AsSpan(0, (int)message._buffer.Length));

    public byte[] ToArray() => _buffer.ToArray();

    private void Key(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
