using Nn.Simd.Data;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Model;

/// <summary>Input scaling: fitted as documented, applied by every prediction entry point and by training, carried by the model file.</summary>
public sealed class InputScalingTests
{
    /// <summary>Three rows of three features: one spread out, one shifted, one constant.</summary>
    private static readonly float[] Rows = [1, 10, 7, 2, 20, 7, 6, 60, 7];

    [Fact]
    public void Standardisation_is_the_population_mean_and_deviation_and_a_constant_feature_keeps_scale_1()
    {
        var scaling = InputScaling.Fit(InputScalingKind.Standardize, Rows, 3);
        double mean = 3, sigma = Math.Sqrt(((4 + 1 + 9) / 3.0));
        Assert.Equal([3f, 30f, 7f], scaling.Offsets.ToArray());
        Assert.Equal([(float)(1 / sigma), (float)(1 / (10 * sigma)), 1f], scaling.Scales.ToArray());
        var scaled = new float[3];
        scaling.Apply(Rows.AsSpan(0, 3), scaled);
        Assert.Equal((1 - (float)mean) * (float)(1 / sigma), scaled[0]);
        Assert.Equal(0f, scaled[2]);
    }

    [Fact]
    public void Min_max_maps_the_training_range_to_0_1()
    {
        var scaling = InputScaling.Fit(InputScalingKind.MinMax, Rows, 3);
        Assert.Equal([1f, 10f, 7f], scaling.Offsets.ToArray());
        Assert.Equal([0.2f, 0.02f, 1f], scaling.Scales.ToArray());
        var scaled = new float[3];
        scaling.Apply(Rows.AsSpan(6, 3), scaled);
        Assert.Equal([1f, 1f, 0f], scaled);
    }

    /// <summary>
    /// A network with a scaling, given raw inputs, gives the bits of the same network without one
    /// given the scaled inputs: through Predict, Classify, the Predictor (one and a batch) and a
    /// model file round trip.
    /// </summary>
    [Theory]
    [InlineData(InputScalingKind.Standardize)]
    [InlineData(InputScalingKind.MinMax)]
    public void Every_prediction_entry_point_scales_raw_inputs(InputScalingKind kind)
    {
        const int count = 300, size = 20;
        float[] raw = [.. TestData.Uniform(count * size, 7).Select((v, i) => (v * (i % size)) + (100 * (i % 3)))];
        var plain = Network.Create([size, 33, 5], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 3);
        var scaled = plain.Clone();
        scaled.InputScaling = InputScaling.Fit(kind, raw, size);
        float[] prepared = new float[raw.Length];
        for (int i = 0; i < count; i++)
        {
            scaled.InputScaling.Apply(raw.AsSpan(i * size, size), prepared.AsSpan(i * size, size));
        }

        using var stream = new MemoryStream();
        ModelFile.Write(scaled, stream);
        Network loaded = ModelFile.Read(stream.ToArray(), "memory");
        Assertions.BitsEqual(scaled.InputScaling.Offsets, loaded.InputScaling!.Offsets, "offsets");
        Assertions.BitsEqual(scaled.InputScaling.Scales, loaded.InputScaling.Scales, "scales");
        Assert.Equal(kind, loaded.InputScaling.Kind);

        var expected = new float[5];
        var actual = new float[5];
        var plainPredictor = new Predictor(plain);
        var scaledPredictor = new Predictor(loaded);
        var batchExpected = new float[count * 5];
        var batchActual = new float[count * 5];
        plainPredictor.PredictBatch(prepared, batchExpected);
        scaledPredictor.PredictBatch(raw, batchActual);
        Assertions.BitsEqual(batchExpected, batchActual, "PredictBatch");
        for (int i = 0; i < count; i++)
        {
            plain.Predict(prepared.AsSpan(i * size, size), expected);
            loaded.Predict(raw.AsSpan(i * size, size), actual);
            Assertions.BitsEqual(expected, actual, $"Network.Predict, sample {i}");
            Assert.Equal(plain.Classify(prepared.AsSpan(i * size, size)), scaled.Classify(raw.AsSpan(i * size, size)));
            plainPredictor.Predict(prepared.AsSpan(i * size, size), expected);
            scaledPredictor.Predict(raw.AsSpan(i * size, size), actual);
            Assertions.BitsEqual(expected, actual, $"Predictor.Predict, sample {i}");
        }
    }

    /// <summary>A network with a scaling trains on raw data to the bits of one without, trained on the scaled data; evaluation takes raw data too.</summary>
    [Theory]
    [InlineData(TrainingEngine.Batched)]
    [InlineData(TrainingEngine.PerSample)]
    public void Training_and_evaluation_take_raw_inputs(TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0.1, seed: 2);
        Dataset raw = Dataset.FromLabels([.. split.Training.Inputs.ToArray().Select((v, i) => (v * 16) + (i % 64))], 64, [.. Enumerable.Range(0, split.Training.Count).Select(split.Training.Label)], 10);
        var scaling = InputScaling.Fit(InputScalingKind.Standardize, raw.Inputs, 64);
        var options = new TrainingOptions { Epochs = 2, MiniBatchSize = 16, LearningRate = 0.05f, Seed = 4, Engine = engine, Threads = 1 };
        var plain = Network.Create([64, 24, 10], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, seed: 4);
        var scaled = plain.Clone();
        scaled.InputScaling = scaling;
        using (var trainer = new Trainer(plain, options))
        {
            trainer.Train(raw.Scaled(scaling), cancellationToken: TestContext.Current.CancellationToken);
        }

        IReadOnlyList<EpochReport> reports;
        using (var trainer = new Trainer(scaled, options))
        {
            reports = trainer.Train(raw, raw, cancellationToken: TestContext.Current.CancellationToken);
        }

        Assertions.BitsEqual(plain.Parameters, scaled.Parameters, "parameters");
        Evaluation expected = Evaluation.Of(plain, raw.Scaled(scaling));
        Assert.Equal(expected.Accuracy, Evaluation.Of(scaled, raw).Accuracy);
        Assert.Equal(expected.Accuracy, reports[^1].ValidationAccuracy);
        Assert.True(expected.Accuracy > 0.8, $"accuracy {expected.Accuracy}");
    }

    [Fact]
    public void Prediction_with_a_scaling_allocates_nothing_after_the_first_call()
    {
        var network = Network.Create([784, 100, 10], Activation.Sigmoid, Activation.Softmax, Cost.LogLikelihood, seed: 3);
        float[] input = TestData.Uniform(784 * 3, 1);
        network.InputScaling = InputScaling.Fit(InputScalingKind.Standardize, input, 784);
        var predictor = new Predictor(network);
        var output = new float[10];
        var outputs = new float[30];
        network.Predict(input.AsSpan(0, 784), output);
        predictor.Predict(input.AsSpan(0, 784), output);
        predictor.PredictBatch(input, outputs);
        Assert.Equal(0, AllocationMeter.Measure(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                network.Predict(input.AsSpan(0, 784), output);
                predictor.Predict(input.AsSpan(784, 784), output);
                predictor.PredictBatch(input, outputs);
            }
        }));
    }

    [Fact]
    public void A_scaling_that_does_not_fit_is_refused()
    {
        var network = Network.Create([3, 2], [Activation.Sigmoid], Cost.Quadratic, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => network.InputScaling = InputScaling.Create(InputScalingKind.Standardize, [0f, 0f], [1f, 1f]));
        Assert.StartsWith("The scaling has 2 features but the network takes 3 inputs.", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => InputScaling.Create(InputScalingKind.Standardize, [0f], [0f]));
        Assert.Throws<ArgumentException>(() => InputScaling.Create(InputScalingKind.MinMax, [float.NaN], [1f]));
    }
}
