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
