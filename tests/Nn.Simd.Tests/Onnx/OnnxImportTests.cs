using System.Text.Json;
using Nn.Simd.Model;
using Nn.Simd.Onnx;

namespace Nn.Simd.Tests.Onnx;

public class OnnxImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", name);

    /// <summary>
    /// PyTorch → ONNX → engine: the fixtures (made by Fixtures/onnx/make_pytorch_fixtures.py with
    /// Debian's torch 1.13) are read and run by Predict; outputs agree with what PyTorch recorded
    /// within 1e-5 (both float32, summing in different orders; see the export tests' bound).
    /// </summary>
    [Theory]
    [InlineData("sigmoid-softmax-784-100-10", new[] { 784, 100, 10 })]
    [InlineData("relu-tanh-64-32-16-10", new[] { 64, 32, 16, 10 })]
    [InlineData("relu-relu-softmax-784-256-256-10", new[] { 784, 256, 256, 10 })]
    [InlineData("nobias-relu-8-16-12-3", new[] { 8, 16, 12, 3 })]
    public void PyTorch_models_reproduce_the_recorded_outputs(string name, int[] sizes)
    {
        Network network = OnnxImporter.Load(Fixture(name + ".onnx"));
        Assert.Equal(sizes, network.LayerSizes);
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".json")));
        float[][] inputs = Rows(record.RootElement.GetProperty("inputs"));
        float[][] outputs = Rows(record.RootElement.GetProperty("outputs"));
        var actual = new float[sizes[^1]];
        float worst = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            network.Predict(inputs[i], actual);
            for (int j = 0; j < actual.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(actual[j] - outputs[i][j]));
            }
        }

        TestContext.Current.SendDiagnosticMessage($"PyTorch vs engine, {name}: max |difference| {worst:E2}");
        Assert.True(worst <= 1e-5f, $"{name}: max |PyTorch − engine| = {worst:E3}");
    }

    [Theory]
    [InlineData(Activation.Sigmoid, Activation.Softmax, Cost.LogLikelihood)]
    [InlineData(Activation.Relu, Activation.Identity, Cost.Quadratic)]
    [InlineData(Activation.Tanh, Activation.Sigmoid, Cost.CrossEntropy)]
    public void Engine_to_ONNX_to_engine_keeps_every_bit(Activation hidden, Activation output, Cost cost)
    {
        var network = Network.Create([12, 9, 7, 4], hidden, output, cost, Initialization.Xavier, seed: 8);
        Network back = OnnxImporter.Import(OnnxExporter.Export(network), "round trip");
        Assert.Equal(network.LayerSizes, back.LayerSizes);
        Assert.Equal(network.Activations, back.Activations);
        Assertions.BitsEqual(network.Parameters, back.Parameters, "parameters");
    }

    [Fact]
    public void A_graph_with_other_operators_is_refused_naming_them()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load(Fixture("unsupported-layernorm.onnx")));
        Assert.Contains("/0/Gemm", e.Message, StringComparison.Ordinal);
        Assert.Contains("ReduceMean", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// PyTorch's Linear(…, bias=False) exports as a MatMul without Add (first and last layer of
    /// the fixture) and imports with a zero bias; a Gemm without its optional C does too.
    /// </summary>
    [Fact]
    public void Bias_free_layers_import_with_a_zero_bias()
    {
        Network network = OnnxImporter.Load(Fixture("nobias-relu-8-16-12-3.onnx"));
        Assert.All(network.Biases(1).ToArray(), b => Assert.Equal(0f, b));
        Assert.Contains(network.Biases(2).ToArray(), b => b != 0f);
        Assert.All(network.Biases(3).ToArray(), b => Assert.Equal(0f, b));

        var gemm = Network.Create([3, 2], Activation.Relu, Activation.Identity, Cost.Quadratic, Initialization.Xavier, seed: 4);
        gemm.Biases(1).Clear();
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.Export(gemm));
        global::Onnx.NodeProto node = model.Graph.Node.Single(n => n.OpType == "Gemm");
        string bias = node.Input[2];
        node.Input.RemoveAt(2);
        model.Graph.Initializer.Remove(model.Graph.Initializer.Single(t => t.Name == bias));
        Network imported = OnnxImporter.Import(Google.Protobuf.MessageExtensions.ToByteArray(model), "no-c.onnx");
        Assertions.BitsEqual(gemm.Parameters, imported.Parameters, "Gemm without C");
    }

    /// <summary>The importer holds what it builds to the model file's rules, so it never hands back a network nn could not save and load.</summary>
    [Fact]
    public void An_import_the_model_reader_would_refuse_is_refused()
    {
        var nan = Network.Create([4, 3], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 2);
        nan.Parameters[5] = float.NaN;
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(OnnxExporter.Export(nan), "nan.onnx"));
        Assert.StartsWith("nan.onnx: parameter 5 is NaN", e.Message, StringComparison.Ordinal);

        var deep = Network.Create([.. Enumerable.Repeat(2, 1101)], Activation.Relu, Activation.Identity, Cost.Quadratic, seed: 2);
        var layers = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(OnnxExporter.Export(deep), "deep.onnx"));
        Assert.Equal("deep.onnx: the layer count 1101 is outside 2 … 1024, which a model file allows.", layers.Message);
    }

    /// <summary>
    /// A device is refused from its first bytes, in bounded memory, not read up to the size limit.
    /// The load runs on this thread, so this thread's counter measures it (the process-wide one also
    /// counts the tests running beside it).
    /// </summary>
    [Fact]
    public void A_device_is_refused_from_its_first_bytes()
    {
        if (!File.Exists("/dev/zero"))
        {
            Assert.Skip("No /dev/zero on this system.");
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Load("/dev/zero"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "reading /dev/zero allocated more than 4 MB");
        Assert.Equal("/dev/zero: not a readable ONNX model: its first byte 0x00 cannot start a protobuf message.", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x3A, 0x7F, 1, 2 })]
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(new byte[] { 0x0F })]
    public void Malformed_protobuf_is_refused(byte[] bytes)
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxImporter.Import(bytes, "bad.onnx"));
        Assert.Contains("bad.onnx", e.Message + e.InnerException?.Message, StringComparison.Ordinal);
    }

    private static float[][] Rows(JsonElement array) =>
        [.. array.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray())];
}
