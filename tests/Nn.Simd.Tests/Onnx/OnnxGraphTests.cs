using System.Buffers.Binary;
using CsCheck;
using Google.Protobuf;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using Onnx;

namespace Nn.Simd.Tests.Onnx;

/// <summary>
/// The importer on graphs edited from an exported [6, 5, 3] relu/softmax model
/// (gemm1 → activation1 Relu → gemm2 → activation2 Softmax): the MatMul + Add form PyTorch also
/// writes, every refusal with its message, and arbitrary corruption of the bytes.
/// </summary>
public class OnnxGraphTests
{
    private static readonly Network Source = Network.Create([6, 5, 3], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, seed: 3);

    [Fact]
    public void MatMul_and_Add_read_as_the_Gemm_they_replace()
    {
        ModelProto model = Exported();
        GraphProto graph = model.Graph;
        for (int l = 1; l <= 2; l++)
        {
            NodeProto gemm = graph.Node.Single(n => n.Name == $"gemm{l}");
            TensorProto w = graph.Initializer.Single(t => t.Name == $"W{l}");
            int rows = (int)w.Dims[0], columns = (int)w.Dims[1];
            float[] values = Floats(w);
            var transposed = new float[values.Length];
            for (int j = 0; j < rows; j++)
            {
                for (int k = 0; k < columns; k++)
                {
                    transposed[(k * rows) + j] = values[(j * columns) + k];
                }
            }

            SetFloats(w, transposed, columns, rows);
            string z = gemm.Output[0];
            gemm.OpType = "MatMul";
            gemm.Attribute.Clear();
            gemm.Input.RemoveAt(2);
            gemm.Output[0] = $"product{l}";

            // The bias on the left in one layer, on the right in the other: Add commutes.
            string[] addends = l == 1 ? [$"b{l}", $"product{l}"] : [$"product{l}", $"b{l}"];
            graph.Node.Insert(graph.Node.IndexOf(gemm) + 1, new NodeProto { Name = $"add{l}", OpType = "Add", Input = { addends }, Output = { z } });
        }

        Network back = OnnxImporter.Import(model.ToByteArray(), "matmul.onnx");
        Assert.Equal(Source.LayerSizes, back.LayerSizes);
        Assert.Equal(Source.Activations, back.Activations);
        Assertions.BitsEqual(Source.Parameters, back.Parameters, "MatMul + Add import");
    }

    [Fact]
    public void Weights_in_float_data_read_as_those_in_raw_data()
    {
        ModelProto model = Exported();
        foreach (TensorProto tensor in model.Graph.Initializer)
        {
            float[] values = Floats(tensor);
            tensor.ClearRawData();
            tensor.FloatData.Add(values);
        }

        Assertions.BitsEqual(Source.Parameters, OnnxImporter.Import(model.ToByteArray(), "float-data.onnx").Parameters, "float_data import");
    }

    [Theory]
    [InlineData("alpha", "node 'gemm1' (Gemm) uses transA, alpha or beta")]
    [InlineData("double weights", "initializer 'W1' has ONNX data type 11")]
    [InlineData("external weights", "initializer 'W1' is stored in an external file")]
    [InlineData("short weights", "initializer 'W1' has dims [5,6] but 8 bytes")]
    [InlineData("ragged weights", "initializer 'W1' has dims [5,6] but 121 bytes")]
    [InlineData("negative dimension", "initializer 'W1' has dims [-5,6], not a size")]
    [InlineData("duplicate initializer", "two initializers are named 'W1'")]
    [InlineData("weight as an input", "input 'W1' of node 'gemm1' (Gemm) is not a constant weight")]
    [InlineData("branch", "'a1' feeds 2 nodes ('gemm2' Gemm, 'side' Sigmoid)")]
    [InlineData("stray node", "node 'stray' (Relu) is not on the path")]
    [InlineData("custom domain", "operator Relu (node 'activation1') is from domain 'com.microsoft'")]
    [InlineData("softmax axis", "node 'activation2' (Softmax) has axis 0")]
    [InlineData("activation first", "node 'first' (Sigmoid) does not follow a Gemm")]
    [InlineData("two activations", "node 'again' (Tanh) does not follow a Gemm")]
    [InlineData("cycle", "the graph has a cycle through node 'gemm1' (Gemm)")]
    [InlineData("two outputs", "the graph has 2 outputs")]
    [InlineData("a node with two outputs", "node 'activation1' (Relu) has 2 outputs; a layer has one")]
    [InlineData("layer sizes", "node 'gemm2' (Gemm) takes 4 inputs but the layer before gives 5")]
    [InlineData("bias length", "node 'gemm1' (Gemm) has 5 outputs but a bias of 4")]
    [InlineData("operator", "operator LeakyRelu (node 'activation1') is not supported")]
    [InlineData("dead end", "nothing consumes 'a1'")]
    [InlineData("no graph", "it has no graph")]
    public void Each_edit_is_refused_naming_what_and_where(string edit, string message)
    {
        ModelProto model = Exported();
        GraphProto graph = model.Graph;
        NodeProto Node(string name) => graph.Node.Single(n => n.Name == name);
        TensorProto Weight(string name) => graph.Initializer.Single(t => t.Name == name);
        switch (edit)
        {
            case "alpha":
                Node("gemm1").Attribute.Add(new AttributeProto { Name = "alpha", F = 0.5f, Type = AttributeProto.Types.AttributeType.Float });
                break;
            case "double weights":
                Weight("W1").DataType = (int)TensorProto.Types.DataType.Double;
                break;
            case "external weights":
                Weight("W1").DataLocation = TensorProto.Types.DataLocation.External;
                break;
            case "short weights":
                Weight("W1").RawData = ByteString.CopyFrom(Weight("W1").RawData.Span[..8]);
                break;
            case "ragged weights":
                Weight("W1").RawData = ByteString.CopyFrom([.. Weight("W1").RawData.Span, 0]);
                break;
            case "negative dimension":
                Weight("W1").Dims[0] = -5;
                break;
            case "duplicate initializer":
                graph.Initializer.Add(Weight("W1").Clone());
                break;
            case "weight as an input":
                graph.Initializer.Remove(Weight("W1"));
                graph.Input.Add(new ValueInfoProto { Name = "W1" });
                break;
            case "branch":
                graph.Node.Add(new NodeProto { Name = "side", OpType = "Sigmoid", Input = { "a1" }, Output = { "side" } });
                break;
            case "stray node":
                graph.Node.Add(new NodeProto { Name = "stray", OpType = "Relu", Input = { "elsewhere" }, Output = { "nowhere" } });
                break;
            case "custom domain":
                Node("activation1").Domain = "com.microsoft";
                break;
            case "softmax axis":
                Node("activation2").Attribute.Single(a => a.Name == "axis").I = 0;
                break;
            case "activation first":
                graph.Node.Insert(0, new NodeProto { Name = "first", OpType = "Sigmoid", Input = { OnnxExporter.InputName }, Output = { "s" } });
                Node("gemm1").Input[0] = "s";
                break;
            case "two activations":
                Node("activation1").Output[0] = "r";
                graph.Node.Add(new NodeProto { Name = "again", OpType = "Tanh", Input = { "r" }, Output = { "a1" } });
                break;
            case "cycle":
                Node("activation1").Output[0] = OnnxExporter.InputName;
                break;
            case "two outputs":
                graph.Output.Add(new ValueInfoProto { Name = "a1" });
                break;
            case "a node with two outputs":
                Node("activation1").Output.Add("also");
                break;
            case "layer sizes":
                SetFloats(Weight("W2"), new float[12], 3, 4);
                break;
            case "bias length":
                SetFloats(Weight("b1"), new float[4], 4);
                break;
            case "operator":
                Node("activation1").OpType = "LeakyRelu";
                break;
            case "dead end":
                Node("gemm2").Input[0] = "a0";
                break;
            case "no graph":
                model.Graph = null;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(edit), edit, "No such edit.");
        }

        byte[] edited = model.ToByteArray();
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(edited, "edited.onnx"));
        Assert.StartsWith("edited.onnx: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>
    /// Any bytes at all (a model with up to four bytes altered, in half the samples also cut short or
    /// extended) are read or refused with an <see cref="InvalidDataException"/> naming the source —
    /// never another exception, never a hang. Overwritten keys turn one field into another (a node's
    /// output into its name, a dimension into a data type), which is how this finds the structural
    /// checks a hand-made graph would miss.
    /// </summary>
    [Fact]
    public void Corrupted_bytes_are_read_or_refused_cleanly()
    {
        byte[] model = OnnxExporter.Export(Source);
        Generators.Altered(model).Sample(
            bytes =>
            {
                try
                {
                    OnnxImporter.Import(bytes, "corrupt.onnx");
                }
                catch (InvalidDataException e)
                {
                    Assert.StartsWith("corrupt.onnx: ", e.Message, StringComparison.Ordinal);
                }
            },
            iter: 20_000);
    }

    private static ModelProto Exported() => ModelProto.Parser.ParseFrom(OnnxExporter.Export(Source));

    private static float[] Floats(TensorProto tensor)
    {
        var values = new float[tensor.RawData.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(tensor.RawData.Span[(sizeof(float) * i)..]);
        }

        return values;
    }

    private static void SetFloats(TensorProto tensor, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(sizeof(float) * i), values[i]);
        }

        tensor.Dims.Clear();
        tensor.Dims.Add(dims);
        tensor.RawData = ByteString.CopyFrom(bytes);
    }
}
