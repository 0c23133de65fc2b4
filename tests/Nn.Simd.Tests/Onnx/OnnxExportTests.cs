using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nn.Simd.Model;
using Nn.Simd.Onnx;

namespace Nn.Simd.Tests.Onnx;

/// <summary>Every exported model runs in ONNX Runtime 1.31.1 and gives the engine's outputs.</summary>
public class OnnxExportTests
{
    /// <summary>
    /// Tolerance between ONNX Runtime and <see cref="Network.Predict"/>: both compute in float32 but
    /// sum in different orders and use different exp implementations. Outputs are in [0, 1] (or
    /// O(1) for identity outputs); each of ≤ 3 layers adds a few units of roundoff relative to its
    /// dot products' absolute sums (≤ 30 here, so ≲ 30·8u ≈ 1.5e-5 before the squashing
    /// activations shrink it), so 1e-5 on the outputs is the bar and holds with margin for
    /// these layer sizes.
    /// </summary>
    private const float Tolerance = 1e-5f;

    public static TheoryData<int[], Activation, Activation, Cost> Networks() => new()
    {
        { [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy },
        { [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
        { [64, 30, 10], Activation.Tanh, Activation.Sigmoid, Cost.Quadratic },
        { [20, 16, 8, 3], Activation.Identity, Activation.Identity, Cost.Quadratic },
        { [5, 7], Activation.Tanh, Activation.Tanh, Cost.Quadratic },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Exported_models_give_the_engine_outputs_in_onnx_runtime(int[] sizes, Activation hidden, Activation output, Cost cost)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Skip("The ONNX Runtime cross-check runs in the x64 runs of the ISA matrix.");
        }

        var network = Network.Create(sizes, hidden, output, cost, Initialization.Xavier, seed: 4);
        const int samples = 1000;
        float[] inputs = TestData.Uniform(samples * sizes[0], 5);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxExporter.Export(network), options);
        var tensor = new DenseTensor<float>(inputs, [samples, sizes[0]]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor)]);
        float[] onnx = [.. results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>()];
        Assert.Equal(samples * sizes[^1], onnx.Length);

        var expected = new float[sizes[^1]];
        float worst = 0;
        for (int i = 0; i < samples; i++)
        {
            network.Predict(inputs.AsSpan(i * sizes[0], sizes[0]), expected);
            for (int j = 0; j < expected.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(expected[j] - onnx[(i * expected.Length) + j]));
            }
        }

        TestContext.Current.SendDiagnosticMessage($"ONNX Runtime vs Predict, {network}: max |difference| {worst:E2}");
        Assert.True(worst <= Tolerance, $"max |ONNX Runtime − Predict| = {worst:E3} > {Tolerance:E0} for {network}");
    }

    [Fact]
    public void Save_is_atomic_and_refuses_to_overwrite()
    {
        string folder = Directory.CreateTempSubdirectory("nn-onnx-").FullName;
        try
        {
            string path = Path.Combine(folder, "m.onnx");
            var network = Network.Create([4, 3], [Activation.Softmax], Cost.LogLikelihood, seed: 1);
            OnnxExporter.Save(network, path);
            Assert.Equal(OnnxExporter.Export(network), File.ReadAllBytes(path));
            Assert.Throws<IOException>(() => OnnxExporter.Save(network, path));
            OnnxExporter.Save(network, path, overwrite: true);
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
