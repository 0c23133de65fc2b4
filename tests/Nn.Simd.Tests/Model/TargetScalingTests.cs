using System.Buffers.Binary;
using System.Text;
using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Model;

/// <summary>Target scaling: the fit, the map back, the model file's TGSC section and its checks, and the regression figures.</summary>
public sealed class TargetScalingTests
{
    [Fact]
    public void The_fit_gives_the_population_mean_and_deviation_and_restore_inverts_standardize()
    {
        float[] targets = [1, 10, 3, 10, 5, 10, 7, 10];
        var scaling = TargetScaling.Fit(targets, 2);
        Assert.Equal([4f, 10f], scaling.Means.ToArray());
        Assert.Equal([(float)Math.Sqrt(5), 1f], scaling.Deviations.ToArray());
        float[] standardized = scaling.Standardize(targets);
        Assert.Equal(0f, standardized[1]);
        scaling.Restore(standardized);
        for (int i = 0; i < targets.Length; i++)
        {
            Assert.Equal(targets[i], standardized[i], 1e-5f);
        }
    }

    [Fact]
    public void The_model_file_carries_the_scaling_bit_for_bit()
    {
        var network = Network.Create([3, 5, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, seed: 3);
        network.TargetScaling = TargetScaling.Fit(TestData.Uniform(40, 9), 2);
        Network back = ModelFile.Read(Bytes(network), "m.nnm");
        Assertions.BitsEqual(network.TargetScaling.Means, back.TargetScaling!.Means, "means");
        Assertions.BitsEqual(network.TargetScaling.Deviations, back.TargetScaling.Deviations, "deviations");
        Assert.Same(network.TargetScaling, network.Clone().TargetScaling);
    }

    [Theory]
    [InlineData("count", "section 'TGSC': 3 targets in 20 bytes, for a network of 2 outputs")]
    [InlineData("deviation", "section 'TGSC': Target 1 has mean")]
    public void The_reader_refuses_a_section_that_does_not_fit(string corruption, string reason)
    {
        var network = Network.Create([3, 5, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, seed: 3);
        network.TargetScaling = TargetScaling.Create([1, 2], [3, 4]);
        byte[] bytes = Bytes(network);
        int payload = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes("TGSC")) + ModelSections.EntryHeaderLength;
        if (corruption == "count")
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(payload), 3);
        }
        else
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(payload + 4 + 8 + 4), -1f);
        }

        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), System.IO.Hashing.XxHash64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(bytes, "m.nnm"));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_figures_follow_their_textbook_definitions_in_original_units()
    {
        // One input, one identity layer with weight 1 and bias 0: the output is the input, then ·σ + μ.
        var network = Network.Create([1, 1], Activation.Identity, Activation.Identity, Cost.Quadratic, seed: 1);
        network.Weights(1)[0] = 1;
        network.Biases(1)[0] = 0;
        network.TargetScaling = TargetScaling.Create([10], [2]);
        float[] inputs = [0, 1, -1, 0.5f];
        float[] targets = [10, 13, 8, 10];   // predictions 10, 12, 8, 11: errors 0, −1, 0, 1
        var result = RegressionEvaluation.Of(network, Dataset.FromTargets(inputs, 1, targets, 1));
        Assert.Equal(Math.Sqrt(0.5), result.RootMeanSquaredError[0], 12);
        Assert.Equal(0.5, result.MeanAbsoluteError[0], 12);
        Assert.Equal(1 - (2 / 12.75), result.RSquared[0], 12);   // mean 10.25: Σ(y − ȳ)² = 0.0625 + 7.5625 + 5.0625 + 0.0625 = 12.75
        Assert.Equal(result.RSquared[0], result.MeanRSquared);
    }

    /// <summary>
    /// The inference types give a regression network's targets in original units: the Predictor (one
    /// sample and a batch of three blocks) and the int8 form give the bits of the same layers without
    /// the target scaling followed by <see cref="TargetScaling.Restore"/>, with no allocation per call.
    /// </summary>
    [Fact]
    public void The_predictor_and_the_int8_form_give_targets_in_original_units()
    {
        const int count = 300;
        var network = Network.Create([3, 17, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, Initialization.Xavier, seed: 5);
        network.TargetScaling = TargetScaling.Create([100f, -3.5f], [25f, 0.125f]);
        Network plain = network.Clone();
        plain.TargetScaling = null;
        float[] inputs = TestData.Uniform(count * 3, 6);

        var expected = new float[count * 2];
        new Predictor(plain).PredictBatch(inputs, expected);
        network.TargetScaling.Restore(expected);
        var predictor = new Predictor(network);
        var batch = new float[expected.Length];
        predictor.PredictBatch(inputs, batch);
        Assertions.BitsEqual(expected, batch, "Predictor.PredictBatch");
        var single = new float[2];
        for (int i = 0; i < count; i += 13)
        {
            predictor.Predict(inputs.AsSpan(i * 3, 3), single);
            Assertions.BitsEqual(expected.AsSpan(i * 2, 2), single, $"Predictor.Predict, sample {i}");
        }

        QuantizedNetwork q = QuantizedNetwork.Quantize(network);
        Assert.Same(network.TargetScaling, q.TargetScaling);
        QuantizedNetwork.Quantize(plain).PredictBatch(inputs, expected);
        network.TargetScaling.Restore(expected);
        q.PredictBatch(inputs, batch);
        Assertions.BitsEqual(expected, batch, "QuantizedNetwork.PredictBatch");
        q.Predict(inputs.AsSpan(0, 3), single);
        Assertions.BitsEqual(expected.AsSpan(0, 2), single, "QuantizedNetwork.Predict");

        Assert.Equal(0, AllocationMeter.Measure(() => predictor.Predict(inputs.AsSpan(0, 3), single)));
        var measured = new float[batch.Length];
        Assert.Equal(0, AllocationMeter.Measure(() => predictor.PredictBatch(inputs, measured)));
        Assert.Equal(0, AllocationMeter.Measure(() => q.Predict(inputs.AsSpan(0, 3), single)));

        // The int8 form travels with its target scaling, and a network takes only one with its own.
        network.Quantized = q;
        Network back = ModelFile.Read(Bytes(network), "m.nnm");
        Assert.NotNull(back.Quantized?.TargetScaling);
        back.Quantized.PredictBatch(inputs, expected);
        Assertions.BitsEqual(batch, expected, "int8 after the round trip");
        Assert.Throws<ArgumentException>(() => plain.Quantized = q);
        Assert.Throws<ArgumentException>(() => network.TargetScaling = TargetScaling.Create([0f, 0f], [1f, 1f]));
    }

    /// <summary>
    /// The int8 export of a regression network ends in the target scaling's Mul and Add, as the fp32
    /// export does: ONNX Runtime's targets are no further from the engine's int8 targets than those
    /// are from fp32's, and the importer reads the scaling back.
    /// </summary>
    [Fact]
    public void The_int8_onnx_export_gives_targets_in_original_units()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Skip("The ONNX Runtime cross-check runs in the x64 runs of the ISA matrix.");
        }

        const int count = 200;
        var network = Network.Create([3, 17, 2], Activation.Tanh, Activation.Identity, Cost.Quadratic, Initialization.Xavier, seed: 5);
        network.TargetScaling = TargetScaling.Create([100f, -3.5f], [25f, 0.125f]);
        float[] inputs = TestData.Uniform(count * 3, 6);
        QuantizedNetwork q = QuantizedNetwork.Quantize(network);
        byte[] model = Nn.Simd.Onnx.OnnxExporter.Export(q);
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1 };
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model, options);
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(Nn.Simd.Onnx.OnnxExporter.InputName, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(inputs, [count, 3]))]);
        float[] onnx = [.. results.Single(r => r.Name == Nn.Simd.Onnx.OnnxExporter.OutputName).AsEnumerable<float>()];
        var engine = new float[count * 2];
        var fp32 = new float[count * 2];
        q.PredictBatch(inputs, engine);
        new Predictor(network).PredictBatch(inputs, fp32);
        float worst = engine.Zip(onnx, (e, o) => Math.Abs(e - o)).Max(), worstEngine = engine.Zip(fp32, (e, f) => Math.Abs(e - f)).Max();
        Assert.True(worst <= worstEngine, $"ONNX Runtime's int8 targets are {worst:E3} from the engine's, more than the engine's {worstEngine:E3} from fp32");
        Assert.True(fp32.Zip(onnx, (f, o) => Math.Abs(f - o)).Max() < 1f, "ONNX Runtime's targets are in original units (means 100 and −3.5)");
        Network imported = Nn.Simd.Onnx.OnnxImporter.Import(model, "memory");
        Assertions.BitsEqual(network.TargetScaling.Means, imported.Quantized!.TargetScaling!.Means, "imported means");
    }

    /// <summary>
    /// The committed regression fixture (nn train --task regression, two targets, docs/model-format.md)
    /// keeps loading with its TGSC and INSC sections, and its Predictor keeps giving the recorded
    /// targets in original units.
    /// </summary>
    [Fact]
    public void The_committed_regression_fixture_loads_and_predicts_the_recorded_targets()
    {
        Network network = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "curve-1-8-2.tgsc.nnm"));
        Assert.Equal([1, 8, 2], network.LayerSizes);
        Assert.Equal(FixtureHash, network.ComputeHash());
        Assert.NotNull(network.InputScaling);
        Assert.Equal(FixtureMeans, network.TargetScaling!.Means.ToArray().Select(BitConverter.SingleToUInt32Bits));
        Assert.Equal(FixtureDeviations, network.TargetScaling.Deviations.ToArray().Select(BitConverter.SingleToUInt32Bits));
        var output = new float[2];
        new Predictor(network).Predict([0.5f], output);
        TestContext.Current.SendDiagnosticMessage($"fixture targets at x = 0.5: {output[0]:R} (0x{BitConverter.SingleToUInt32Bits(output[0]):X8}), {output[1]:R} (0x{BitConverter.SingleToUInt32Bits(output[1]):X8})");
        Assert.Equal(FixtureTargets, output.Select(BitConverter.SingleToUInt32Bits));
    }

    private const ulong FixtureHash = 0x5D190857CBBC7FC8UL;

    private static readonly uint[] FixtureMeans = [0xBEB20DC8, 0x40A3E645];

    private static readonly uint[] FixtureDeviations = [0x3F477BB8, 0x413B6ECC];

    private static readonly uint[] FixtureTargets = [0x3EB206B6, 0x41169754];

    private static byte[] Bytes(Network network)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(network, stream);
        return stream.ToArray();
    }
}
