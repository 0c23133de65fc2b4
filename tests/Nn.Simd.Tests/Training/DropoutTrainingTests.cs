using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Tests.Oracles;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

[Collection(SerialCollection.Name)]
public class DropoutTrainingTests
{
    /// <summary>The hash of <see cref="TrainDropoutReference"/>'s weights with the batched engine: the same on every path and thread count.</summary>
    public const ulong DropoutReferenceHash = 0x175E3E42C8D7BE9CUL;

    private static readonly TrainingEngine[] Engines = [TrainingEngine.PerSample, TrainingEngine.Batched];

    public static TheoryData<int[], Activation, Activation, Cost, TrainingEngine> Combinations()
    {
        var data = new TheoryData<int[], Activation, Activation, Cost, TrainingEngine>();
        foreach (TrainingEngine engine in Engines)
        {
            foreach (int[] sizes in new[] { new[] { 5, 4, 3 }, [4, 6, 5, 3] })
            {
                foreach (Activation hidden in new[] { Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.Identity })
                {
                    data.Add(sizes, hidden, Activation.Softmax, Cost.LogLikelihood, engine);
                    data.Add(sizes, hidden, Activation.Sigmoid, Cost.Quadratic, engine);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// With dropout, backpropagation's gradient is the gradient of the cost under the samples' masks,
    /// which are fixed for a (seed, epoch, sample, layer): central differences of the double-precision
    /// cost with those masks multiplied into the hidden activations. The bound is
    /// <see cref="GradientCheckTests"/>'s (1e-4·‖g‖∞ + 1e-7, a margin of 2 over the float32 error):
    /// p = 0.2 scales each kept unit by 1.25, at most 1.25² ≈ 1.56 over two hidden layers, inside
    /// that margin. The samples are taken out of order (4, 1, 3), so a mask keyed by the row's
    /// position in the mini-batch instead of the sample's index in the training set is a different
    /// mask and fails by O(‖g‖∞).
    /// </summary>
    [Theory]
    [MemberData(nameof(Combinations))]
    public void Backpropagation_with_dropout_matches_central_differences_under_the_fixed_masks(int[] sizes, Activation hidden, Activation output, Cost cost, TrainingEngine engine)
    {
        const float rate = 0.2f;
        const long seed = 11;
        const int epoch = 3;
        int[] samples = [4, 1, 3];
        var network = Network.Create(sizes, hidden, output, cost, Initialization.ScaledGaussian, seed: 42);
        float[] inputs = TestData.Uniform(5 * sizes[0], 7);
        Dataset data = cost == Cost.LogLikelihood
            ? Dataset.FromLabels(inputs, sizes[0], [0, 2, 1, 1, 0], sizes[^1])
            : Dataset.FromTargets(inputs, sizes[0], TestData.Uniform(5 * sizes[^1], 8).Select(v => 0.5f + (0.45f * v)).ToArray(), sizes[^1]);
        var options = new TrainingOptions { MiniBatchSize = 3, Engine = engine, Seed = seed, Dropout = [rate] };

        float[] gradient = new Trainer(network, options).GradientOf(data, samples, epoch);

        float[]?[][] masks = samples.Select(s => Masks(network, [rate], seed, epoch, s)).ToArray();
        int dropped = masks.Sum(m => m.Sum(layer => layer?.Count(f => f == 0) ?? 0));
        Assert.True(dropped > 0, "the masks must drop some units for the check to test them");
        double[] parameters = network.Parameters.ToArray().Select(p => (double)p).ToArray();
        var numeric = new double[parameters.Length];
        const double h = 1e-4;
        for (int p = 0; p < parameters.Length; p++)
        {
            double saved = parameters[p];
            parameters[p] = saved + h;
            double plus = TotalCost(network, parameters, data, samples, masks);
            parameters[p] = saved - h;
            double minus = TotalCost(network, parameters, data, samples, masks);
            parameters[p] = saved;
            numeric[p] = (plus - minus) / (2 * h);
        }

        double largest = numeric.Max(Math.Abs);
        Assert.True(largest > 1e-4, $"the check needs a non-trivial gradient (largest entry {largest})");
        for (int p = 0; p < parameters.Length; p++)
        {
            Assertions.Within(numeric[p], gradient[p], (1e-4 * largest) + 1e-7, $"∂C/∂parameter[{p}] with dropout for [{string.Join(',', sizes)}] {hidden}/{output}/{cost} {engine} on {KernelDispatch.Active}");
        }
    }

    /// <summary>
    /// A hidden unit's bias gradient for one sample is its δ, which the mask zeroes exactly where it
    /// drops the unit (sigmoid's σ′ is never 0): so each engine's zero pattern, layer by layer, is the
    /// mask drawn for (seed, epoch, the sample's index, layer), and both engines draw the same masks.
    /// Widths 100 and 70 take the vector blocks of 64 units and the scalar tail.
    /// </summary>
    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Each_engine_drops_exactly_the_units_of_the_sample_s_mask(TrainingEngine engine)
    {
        const long seed = 5;
        float[] rates = [0.3f, 0.5f];
        var network = Network.Create([6, 100, 70, 3], Activation.Sigmoid, Activation.Softmax, Cost.LogLikelihood, Initialization.ScaledGaussian, seed: 3);
        Dataset data = Dataset.FromLabels(TestData.Uniform(8 * 6, 4), 6, [0, 1, 2, 0, 1, 2, 0, 1], 3);
        var trainer = new Trainer(network, new TrainingOptions { MiniBatchSize = 1, Engine = engine, Seed = seed, Dropout = rates });
        var seen = new HashSet<string>();
        foreach (int epoch in new[] { 1, 2 })
        {
            foreach (int sample in new[] { 0, 5, 7 })
            {
                float[] gradient = trainer.GradientOf(data, [sample], epoch);
                float[]?[] masks = Masks(network, rates, seed, epoch, sample);
                for (int l = 1; l <= 2; l++)
                {
                    string expected = string.Concat(masks[l]!.Select(f => f == 0 ? '0' : '1'));
                    string actual = string.Concat(gradient.AsSpan(network.BiasOffset(l), network.LayerSizes[l]).ToArray().Select(g => g == 0 ? '0' : '1'));
                    Assert.Equal(expected, actual);
                    Assert.Contains('0', expected);
                    seen.Add(expected);
                }
            }
        }

        Assert.Equal(12, seen.Count);
    }

    /// <summary>Two epochs of [64,100,10] sigmoid/quadratic on the embedded digits, seed 7, dropout 0.2.</summary>
    internal static Network TrainDropoutReference(TrainingEngine engine, int threads = 1, float rate = 0.2f, int batch = 10)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 7);
        var options = new TrainingOptions { Epochs = 2, MiniBatchSize = batch, LearningRate = 3f, Lambda = 0.5f, Seed = 7, Engine = engine, Threads = threads, SplitSmallWork = true, Dropout = [rate] };
        using var trainer = new Trainer(network, options);
        trainer.Train(digits, cancellationToken: TestContext.Current.CancellationToken);
        return network;
    }

    [Fact]
    public void Dropout_training_gives_its_reference_weights_on_the_active_path()
    {
        ulong hash = TrainDropoutReference(TrainingEngine.Batched).ComputeHash();
        TestContext.Current.SendDiagnosticMessage($"dropout (batched) hash on {KernelDispatch.Active}: 0x{hash:X16}");
        Assert.Equal($"0x{DropoutReferenceHash:X16}", $"0x{hash:X16}");
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Dropout_training_gives_the_same_bits_on_every_supported_path(TrainingEngine engine)
    {
        Assert.SkipWhen(KernelDispatch.SupportedPaths.Count < 2, KernelBodies.OnePathOnly);
        var hashes = new Dictionary<KernelPath, ulong>();
        try
        {
            foreach (KernelPath path in KernelDispatch.SupportedPaths)
            {
                KernelDispatch.ForcePath(path);
                hashes[path] = TrainDropoutReference(engine).ComputeHash();
            }
        }
        finally
        {
            KernelDispatch.ResetOverride();
        }

        Assert.Single(hashes.Values.Distinct());
    }

    /// <summary>At mini-batch 10 the masks are drawn on the calling thread; at 37 their rows are split over the threads (in parts of 8 rows, so 37 leaves a ragged last part).</summary>
    [Theory]
    [InlineData(10)]
    [InlineData(37)]
    public void Dropout_training_gives_the_same_bits_on_one_and_two_threads(int batch)
    {
        ulong one = TrainDropoutReference(TrainingEngine.Batched, threads: 1, batch: batch).ComputeHash();
        Assert.Equal($"0x{one:X16}", $"0x{TrainDropoutReference(TrainingEngine.Batched, threads: 2, batch: batch).ComputeHash():X16}");
        Assert.NotEqual(one, TrainDropoutReference(TrainingEngine.Batched, rate: 0.3f, batch: batch).ComputeHash());
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void A_rate_of_zero_trains_the_same_bits_as_no_dropout(TrainingEngine engine)
    {
        Dataset digits = Datasets.Digits();
        ulong Train(IReadOnlyList<float> dropout)
        {
            var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed: 7);
            new Trainer(network, new TrainingOptions { Epochs = 2, MiniBatchSize = 10, LearningRate = 3f, Lambda = 0.5f, Seed = 7, Engine = engine, Dropout = dropout }).Train(digits);
            return network.ComputeHash();
        }

        ulong expected = engine == TrainingEngine.Batched ? DeterminismTests.BatchedReferenceHash : DeterminismTests.ReferenceHash;
        Assert.Equal($"0x{expected:X16}", $"0x{Train([0f]):X16}");
        Assert.NotEqual(expected, Train([0.2f]));
    }

    /// <summary>The validation figures of an epoch with dropout are those of the whole network: dropout is off at inference.</summary>
    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Validation_after_a_dropout_epoch_uses_every_unit(TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 1);
        var network = Network.Create([64, 100, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 2);
        using var trainer = new Trainer(network, new TrainingOptions { MiniBatchSize = 16, LearningRate = 0.1f, Engine = engine, Dropout = [0.5f] });

        EpochReport report = trainer.TrainEpoch(split.Training, split.Validation, 1, TestContext.Current.CancellationToken);

        Evaluation evaluation = Evaluation.Of(network, split.Validation!);
        Assert.Equal(evaluation.Cost, report.ValidationCost);
        Assert.Equal(evaluation.Accuracy, report.ValidationAccuracy);
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void A_dropout_epoch_allocates_nothing(TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0, seed: 1);
        var network = Network.Create([64, 96, 80, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        using var trainer = new Trainer(network, new TrainingOptions { MiniBatchSize = 10, LearningRate = 0.05f, Engine = engine, Dropout = [0.2f, 0.4f] });
        CancellationToken token = TestContext.Current.CancellationToken;
        trainer.TrainEpoch(split.Training, split.Validation, 1, token);

        Assert.Equal(0, AllocationMeter.Measure(() => trainer.TrainEpoch(split.Training, split.Validation, 2, token)));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void A_rate_outside_zero_to_one_is_refused(float rate)
    {
        var options = new TrainingOptions { Dropout = [0.1f, rate] };
        ArgumentException e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(nameof(TrainingOptions.Dropout), e.ParamName);
    }

    [Fact]
    public void Rates_that_are_neither_one_nor_one_per_hidden_layer_are_refused()
    {
        var network = Network.Create([4, 5, 6, 2], Activation.Relu, Activation.Softmax, Cost.LogLikelihood);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Dropout = [0.1f, 0.2f, 0.3f] }));
        Assert.Contains("3 rates", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 hidden layers", e.Message, StringComparison.Ordinal);
        _ = new Trainer(network, new TrainingOptions { Dropout = [0.1f, 0.2f] });
        _ = new Trainer(network, new TrainingOptions { Dropout = [0.1f] });
    }

    /// <summary>The masks of <paramref name="sample"/> by layer, drawn by the scalar kernel: null for the input and output layers.</summary>
    private static float[]?[] Masks(Network network, float[] rates, long seed, int epoch, int sample)
    {
        var masks = new float[]?[network.LayerSizes.Count];
        for (int l = 1; l < masks.Length - 1; l++)
        {
            masks[l] = new float[network.LayerSizes[l]];
            Kernel.DropoutMask(masks[l], rates.Length == 1 ? rates[0] : rates[l - 1], new DropoutKey((ulong)seed, (uint)epoch, (uint)sample, (uint)l), KernelPath.Scalar);
        }

        return masks;
    }

    private static double TotalCost(Network network, double[] parameters, Dataset data, int[] samples, float[]?[][] masks)
    {
        double total = 0;
        var target = new float[data.TargetSize];
        for (int i = 0; i < samples.Length; i++)
        {
            data.CopyTarget(samples[i], target);
            total += DoubleNetwork.Cost(network, parameters, data.Input(samples[i]), target, masks[i]);
        }

        return total;
    }
}
