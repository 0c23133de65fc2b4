using System.IO.Hashing;
using System.Runtime.InteropServices;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Tests.Training;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Model;

[Collection(SerialCollection.Name)]
public class QuantizedNetworkTests
{
    /// <summary>
    /// The XxHash3 of the int8 outputs of <see cref="ReferenceOutputs"/>. Integer sums are exact and
    /// every fp32 step is the same IEEE operation on every path, so every run of the ISA matrix
    /// (AVX-512, AVX2, SSE level, scalar, arm64 NEON, arm64 scalar, NativeAOT) asserts this one value.
    /// </summary>
    public const ulong ReferenceOutputsHash = 0xDFF64DEAF83B9550UL;

    public static TheoryData<int[], Activation, Activation, Cost> Networks() => new()
    {
        { [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy },
        { [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
        { [20, 33, 17, 5], Activation.Tanh, Activation.Identity, Cost.Quadratic },
        { [50, 300, 129, 4], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
    };

    /// <summary>The reference network (DeterminismTests' batched training), quantized dynamically and statically (calibrated on the first 100 digits), on all 1,797 digits: both outputs, concatenated.</summary>
    internal static float[] ReferenceOutputs()
    {
        Network network = DeterminismTests.TrainReference(TrainingEngine.Batched);
        Dataset digits = Datasets.Digits();
        var outputs = new float[2 * digits.Count * 10];
        QuantizedNetwork.Quantize(network).PredictBatch(digits.Inputs, outputs.AsSpan(0, digits.Count * 10));
        QuantizedNetwork.Quantize(network, digits.Inputs[..(100 * 64)]).PredictBatch(digits.Inputs, outputs.AsSpan(digits.Count * 10));
        return outputs;
    }

    internal static ulong Hash(ReadOnlySpan<float> values) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(values));

    [Fact]
    public void Int8_outputs_give_the_reference_hash_on_the_active_path()
    {
        ulong hash = Hash(ReferenceOutputs());
        TestContext.Current.SendDiagnosticMessage($"int8 outputs hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{ReferenceOutputsHash:X16}", $"0x{hash:X16}");
    }

    /// <summary>
    /// Every path gives every sample the scalar oracle's bits, alone and inside a batch (of 150: two
    /// blocks of 64 and a part), with dynamic and with static activations.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_path_gives_each_sample_the_oracle_bits_alone_and_in_a_batch(int[] sizes, Activation hidden, Activation output, Cost cost)
    {
        var network = Network.Create(sizes, hidden, output, cost, Initialization.Xavier, seed: 21);
        const int count = 150;
        float[] inputs = TestData.Uniform(count * sizes[0], 22);
        foreach (QuantizedNetwork q in new[] { QuantizedNetwork.Quantize(network), QuantizedNetwork.Quantize(network, inputs.AsSpan(0, 40 * sizes[0])) })
        {
            var expected = new float[count * sizes[^1]];
            q.PredictBatch(inputs, expected, KernelPath.Scalar);
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                var batch = new float[expected.Length];
                q.PredictBatch(inputs, batch, path);
                Assertions.BitsEqual(expected, batch, $"{network} static={q.IsStatic} batch on {path}");
                var single = new float[sizes[^1]];
                for (int i = 0; i < count; i += 7)
                {
                    q.Predict(inputs.AsSpan(i * sizes[0], sizes[0]), single, path);
                    Assertions.BitsEqual(expected.AsSpan(i * single.Length, single.Length), single, $"{network} static={q.IsStatic} sample {i} alone on {path}");
                }
            }
        }
    }

    /// <summary>
    /// A network that scales its inputs quantizes the scaled inputs: on raw inputs its int8 form
    /// gives, on every path, alone and in a batch, the bits of the same layers without the scaling
    /// on inputs scaled beforehand; calibration ranges are those of the scaled inputs.
    /// </summary>
    [Theory]
    [InlineData(InputScalingKind.Standardize)]
    [InlineData(InputScalingKind.MinMax)]
    public void A_network_that_scales_its_inputs_quantizes_the_scaled_inputs(InputScalingKind kind)
    {
        const int count = 150, size = 40;
        var network = Network.Create([size, 33, 6], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 23);
        float[] raw = TestData.Uniform(count * size, 24, 50f);
        for (int i = 0; i < raw.Length; i++)
        {
            raw[i] += 100f * (i % size);
        }

        network.InputScaling = InputScaling.Fit(kind, raw, size);
        Network plain = network.Clone();
        plain.InputScaling = null;
        var scaled = new float[raw.Length];
        for (int i = 0; i < count; i++)
        {
            network.InputScaling.Apply(raw.AsSpan(i * size, size), scaled.AsSpan(i * size, size));
        }

        QuantizedNetwork[] withScaling = [QuantizedNetwork.Quantize(network), QuantizedNetwork.Quantize(network, raw.AsSpan(0, 50 * size))];
        QuantizedNetwork[] without = [QuantizedNetwork.Quantize(plain), QuantizedNetwork.Quantize(plain, scaled.AsSpan(0, 50 * size))];
        Assert.Equal(without[1].InputRanges.ToArray(), withScaling[1].InputRanges.ToArray());
        for (int m = 0; m < 2; m++)
        {
            Assert.Same(network.InputScaling, withScaling[m].InputScaling);
            var expected = new float[count * 6];
            without[m].PredictBatch(scaled, expected, KernelPath.Scalar);
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                var batch = new float[expected.Length];
                withScaling[m].PredictBatch(raw, batch, path);
                Assertions.BitsEqual(expected, batch, $"{kind} static={withScaling[m].IsStatic} batch on {path}");
                var single = new float[6];
                for (int i = 0; i < count; i += 7)
                {
                    withScaling[m].Predict(raw.AsSpan(i * size, size), single, path);
                    Assertions.BitsEqual(expected.AsSpan(i * 6, 6), single, $"{kind} static={withScaling[m].IsStatic} sample {i} alone on {path}");
                }
            }
        }

        var output = new float[6];
        Assert.Equal(0, AllocationMeter.Measure(() => withScaling[0].Predict(raw.AsSpan(0, size), output)));
    }

    /// <summary>
    /// Quantization keeps the trained classifier: on the digits the reference network is tested
    /// on, int8 (dynamic and static) classifies at least 98% of the samples as fp32 does, and its
    /// accuracy is within one percentage point of fp32's; also for a network trained on standardised
    /// inputs, whose int8 form takes the raw inputs as its fp32 form does.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int8_keeps_the_fp32_classes(bool standardized)
    {
        DataSplit split = Datasets.Digits().Split(validationFraction: 0, testFraction: 0.2, seed: 1);
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 1);
        network.InputScaling = standardized ? InputScaling.Fit(InputScalingKind.Standardize, split.Training.Inputs, 64) : null;
        new Trainer(network, new TrainingOptions { Epochs = 10, MiniBatchSize = 10, LearningRate = 3f, Seed = 1 }).Train(split.Training, cancellationToken: TestContext.Current.CancellationToken);
        Dataset test = split.Test;
        foreach (QuantizedNetwork q in new[] { QuantizedNetwork.Quantize(network), QuantizedNetwork.Quantize(network, split.Training.Inputs) })
        {
            int agree = 0, fp32Correct = 0, int8Correct = 0;
            for (int i = 0; i < test.Count; i++)
            {
                int a = network.Classify(test.Input(i)), b = q.Classify(test.Input(i));
                agree += a == b ? 1 : 0;
                fp32Correct += a == test.Label(i) ? 1 : 0;
                int8Correct += b == test.Label(i) ? 1 : 0;
            }

            Assert.True(agree >= 0.98 * test.Count, $"standardized={standardized} static={q.IsStatic}: int8 agrees with fp32 on {agree} of {test.Count}");
            Assert.True(Math.Abs(fp32Correct - int8Correct) <= 0.01 * test.Count, $"standardized={standardized} static={q.IsStatic}: fp32 {fp32Correct}, int8 {int8Correct} correct of {test.Count}");
        }
    }

    [Fact]
    public void Static_ranges_come_from_the_fp32_activations_of_the_calibration_data()
    {
        var network = Network.Create([20, 33, 5], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 3);
        float[] calibration = TestData.Uniform(30 * 20, 4, 2f);
        QuantizedNetwork q = QuantizedNetwork.Quantize(network, calibration);
        Assert.Equal(Kernel.MaxAbs(calibration, KernelPath.Scalar), q.InputRanges[0]);
        float hiddenMax = 0f;
        var z = new float[33];
        for (int i = 0; i < 30; i++)
        {
            network.FeedForwardLayer(1, calibration.AsSpan(i * 20, 20), z, z, KernelPath.Scalar);
            hiddenMax = Math.Max(hiddenMax, z.Max());
        }

        Assert.Equal(hiddenMax, q.InputRanges[1]);
        Assert.Empty(QuantizedNetwork.Quantize(network).InputRanges.ToArray());
        Assert.Throws<ArgumentException>(() => QuantizedNetwork.Quantize(network, new float[21]));

        // An input beyond the calibrated range clamps to ±127 instead of wrapping.
        float[] far = [.. calibration.AsSpan(0, 20).ToArray().Select(v => v * 1000f)];
        var output = new float[5];
        q.Predict(far, output);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Many_threads_at_once_get_the_sequential_results_without_allocating()
    {
        var network = Network.Create([784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 5);
        QuantizedNetwork q = QuantizedNetwork.Quantize(network);
        const int count = 300;
        float[] inputs = TestData.Uniform(count * 784, 6);
        var expected = new float[count * 10];
        q.PredictBatch(inputs, expected);
        var results = new float[8][];
        var singles = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            results[t] = new float[count * 10];
            singles[t] = new float[count * 10];
            q.PredictBatch(inputs, results[t]);
            for (int i = 0; i < count; i++)
            {
                q.Predict(inputs.AsSpan(i * 784, 784), singles[t].AsSpan(i * 10, 10));
            }
        });
        for (int t = 0; t < 8; t++)
        {
            Assertions.BitsEqual(expected, results[t], $"thread {t} batch");
            Assertions.BitsEqual(expected, singles[t], $"thread {t} one at a time");
        }

        var output = new float[count * 10];
        Assert.Equal(0, AllocationMeter.Measure(() => q.PredictBatch(inputs, output)));
        Assert.Equal(0, AllocationMeter.Measure(() => q.Predict(inputs.AsSpan(0, 784), output.AsSpan(0, 10))));
        Assert.Equal(0, AllocationMeter.Measure(() => q.Classify(inputs.AsSpan(0, 784))));
    }
}
