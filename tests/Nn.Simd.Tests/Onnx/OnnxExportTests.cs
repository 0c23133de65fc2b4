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

    /// <summary>
    /// A model with an input scaling exports as Sub then Mul before the first Gemm: ONNX Runtime on
    /// raw inputs gives the Predictor's outputs (on the same raw inputs) within the tolerance, and
    /// the importer reads the scaling back with the same bits.
    /// </summary>
    [Theory]
    [InlineData(InputScalingKind.Standardize)]
    [InlineData(InputScalingKind.MinMax)]
    public void Exported_models_give_the_engine_outputs_in_onnx_runtime_with_input_scaling(InputScalingKind kind)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Skip("The ONNX Runtime cross-check runs in the x64 runs of the ISA matrix.");
        }

        const int samples = 1000, size = 64;
        float[] inputs = [.. TestData.Uniform(samples * size, 8).Select((v, i) => (v * 16 * ((i % size) + 1)) + (100 * (i % 7)))];
        var network = Network.Create([size, 30, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 4);
        network.InputScaling = InputScaling.Fit(kind, inputs.AsSpan(0, 500 * size), size);
        byte[] exported = OnnxExporter.Export(network);
        Network back = OnnxImporter.Import(exported, "scaled.onnx");
        Assert.Equal(kind, back.InputScaling!.Kind);
        Assertions.BitsEqual(network.InputScaling.Offsets, back.InputScaling.Offsets, "offsets");
        Assertions.BitsEqual(network.InputScaling.Scales, back.InputScaling.Scales, "scales");
        Assertions.BitsEqual(network.Parameters, back.Parameters, "parameters");

        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(exported, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new DenseTensor<float>(inputs, [samples, size]))]);
        float[] onnx = [.. results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>()];
        var predictor = new Predictor(network);
        var expected = new float[samples * 10];
        predictor.PredictBatch(inputs, expected);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - onnx[i]));
        }

        TestContext.Current.SendDiagnosticMessage($"ONNX Runtime vs Predictor, {kind} inputs: max |difference| {worst:E2}");
        Assert.True(worst <= Tolerance, $"max |ONNX Runtime − Predictor| = {worst:E3} > {Tolerance:E0} with {kind} inputs");
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
