using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nn.Simd.Model;
using Nn.Simd.Onnx;

namespace Nn.Simd.Tests.Onnx;

/// <summary>Quantized networks export to standard integer operators that ONNX Runtime 1.31.1 runs.</summary>
public class OnnxInt8ExportTests
{
    public static TheoryData<int[], Activation, Activation, Cost, bool> Networks() => new()
    {
        { [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, false },
        { [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, true },
        { [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, false },
        { [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, true },
        { [20, 16, 8, 3], Activation.Tanh, Activation.Identity, Cost.Quadratic, true },
    };

    /// <summary>
    /// ONNX Runtime computes the same integer products of differently quantized activations (uint8
    /// with a zero point when dynamic; x / s instead of x · (127 / range) when static, which moves a
    /// rare element by one step) and rounds the epilogue twice instead of once, so its outputs are
    /// not the engine's bits. The test holds it to the scale of the quantization itself: its largest
    /// distance from the engine's int8 outputs is at most the engine's largest distance from fp32.
    /// (The classes are reported, not asserted: these untrained networks' outputs are near ties.)
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Exported_int8_models_run_in_onnx_runtime_close_to_the_engine(int[] sizes, Activation hidden, Activation output, Cost cost, bool calibrated)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Skip("The ONNX Runtime cross-check runs in the x64 runs of the ISA matrix.");
        }

        var network = Network.Create(sizes, hidden, output, cost, Initialization.Xavier, seed: 4);
        const int samples = 1000;
        float[] inputs = TestData.Uniform(samples * sizes[0], 5);
        QuantizedNetwork q = calibrated ? QuantizedNetwork.Quantize(network, inputs) : QuantizedNetwork.Quantize(network);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxExporter.Export(q), options);
        var tensor = new DenseTensor<float>(inputs, [samples, sizes[0]]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, tensor)]);
        float[] onnx = [.. results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>()];
        Assert.Equal(samples * sizes[^1], onnx.Length);

        var engine = new float[onnx.Length];
        q.PredictBatch(inputs, engine);
        var fp32 = new float[sizes[^1]];
        float worst = 0, worstFp32 = 0, worstEngine = 0;
        int agree = 0;
        for (int i = 0; i < samples; i++)
        {
            agree += Network.ArgMax(engine.AsSpan(i * fp32.Length, fp32.Length)) == Network.ArgMax(onnx.AsSpan(i * fp32.Length, fp32.Length)) ? 1 : 0;
            network.Predict(inputs.AsSpan(i * sizes[0], sizes[0]), fp32);
            for (int j = 0; j < fp32.Length; j++)
            {
                int k = (i * fp32.Length) + j;
                worst = Math.Max(worst, Math.Abs(engine[k] - onnx[k]));
                worstFp32 = Math.Max(worstFp32, Math.Abs(fp32[j] - onnx[k]));
                worstEngine = Math.Max(worstEngine, Math.Abs(fp32[j] - engine[k]));
            }
        }

        TestContext.Current.SendDiagnosticMessage($"int8 calibrated={calibrated} {network}: max |ORT − engine int8| {worst:E2}, |ORT int8 − fp32| {worstFp32:E2}, |engine int8 − fp32| {worstEngine:E2}, same class {agree} of {samples}");
        Assert.True(worst <= worstEngine, $"ONNX Runtime's int8 outputs are {worst:E3} from the engine's, more than the engine's {worstEngine:E3} from fp32");
    }

    /// <summary>
    /// A network that scales its inputs exports its int8 form with the scaling's Sub and Mul in front,
    /// as the fp32 export does: ONNX Runtime, fed raw inputs, stays as close to the engine's int8
    /// outputs as the test above asks, and the importer reads the scaling and the int8 layers back
    /// (a dynamic network's int8 outputs bit for bit).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int8_models_with_an_input_scaling_export_it_and_run_in_onnx_runtime(bool calibrated)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Skip("The ONNX Runtime cross-check runs in the x64 runs of the ISA matrix.");
        }

        const int samples = 500, size = 30;
        var network = Network.Create([size, 24, 4], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, seed: 12);
        float[] inputs = TestData.Uniform(samples * size, 13, 20f);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] += 50f * (i % size);
        }

        network.InputScaling = InputScaling.Fit(InputScalingKind.Standardize, inputs, size);
        QuantizedNetwork q = calibrated ? QuantizedNetwork.Quantize(network, inputs) : QuantizedNetwork.Quantize(network);
        byte[] model = OnnxExporter.Export(q);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.InputName, new DenseTensor<float>(inputs, [samples, size]))]);
        float[] onnx = [.. results.Single(r => r.Name == OnnxExporter.OutputName).AsEnumerable<float>()];
        var engine = new float[onnx.Length];
        q.PredictBatch(inputs, engine);
        var fp32 = new float[4];
        float worst = 0, worstEngine = 0;
        for (int i = 0; i < samples; i++)
        {
            network.Predict(inputs.AsSpan(i * size, size), fp32);
            for (int j = 0; j < 4; j++)
            {
                worst = Math.Max(worst, Math.Abs(engine[(i * 4) + j] - onnx[(i * 4) + j]));
                worstEngine = Math.Max(worstEngine, Math.Abs(fp32[j] - engine[(i * 4) + j]));
            }
        }

        Assert.True(worst <= worstEngine, $"ONNX Runtime's int8 outputs are {worst:E3} from the engine's, more than the engine's {worstEngine:E3} from fp32");

        Network imported = OnnxImporter.Import(model, "memory");
        Assert.NotNull(imported.Quantized?.InputScaling);
        Assertions.BitsEqual(network.InputScaling.Scales, imported.Quantized.InputScaling.Scales, "imported scales");
        if (!calibrated)
        {
            var back = new float[engine.Length];
            imported.Quantized.PredictBatch(inputs, back);
            Assertions.BitsEqual(engine, back, "int8 outputs after export and import");
        }
    }

    /// <summary>
    /// The importer reads the integer graph back: the fp32 layers are the dequantized weights, and
    /// the int8 form has the same int8 weights and scales, so a dynamic network gives the same
    /// int8 outputs bit for bit; a static one comes back static, its ranges 127·(range/127).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exported_int8_graphs_import_back(bool calibrated)
    {
        var network = Network.Create([30, 17, 5], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 9);
        float[] inputs = TestData.Uniform(50 * 30, 10);
        QuantizedNetwork q = calibrated ? QuantizedNetwork.Quantize(network, inputs) : QuantizedNetwork.Quantize(network);
        Network imported = OnnxImporter.Import(OnnxExporter.Export(q), "memory");
        Assert.NotNull(imported.Quantized);
        Assert.Equal(calibrated, imported.Quantized.IsStatic);
        for (int l = 1; l <= 2; l++)
        {
            Assert.Equal(q.Weights(l).Dequantize(), imported.Weights(l).ToArray());
            Assert.Equal(q.Weights(l).Scales.ToArray(), imported.Quantized.Weights(l).Scales.ToArray());
            Assert.Equal(q.Biases(l).ToArray(), imported.Biases(l).ToArray());
        }

        if (calibrated)
        {
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(q.InputRanges[l] / 127f * 127f, imported.Quantized.InputRanges[l]);
            }
        }
        else
        {
            var expected = new float[50 * 5];
            var actual = new float[expected.Length];
            q.PredictBatch(inputs, expected);
            imported.Quantized.PredictBatch(inputs, actual);
            Assertions.BitsEqual(expected, actual, "int8 outputs after export and import");
        }
    }
}
