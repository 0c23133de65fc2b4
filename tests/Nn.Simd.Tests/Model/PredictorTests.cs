using CsCheck;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Model;

[Collection(SerialCollection.Name)]
public class PredictorTests
{
    public static TheoryData<int[], Activation, Activation, Cost> Networks() => new()
    {
        { [784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy },
        { [784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
        { [20, 33, 17, 5], Activation.Tanh, Activation.Identity, Cost.Quadratic },
        { [50, 300, 129, 4], Activation.Relu, Activation.Softmax, Cost.LogLikelihood },
    };

    /// <summary>
    /// A sample gets the same bits alone (a one-row Gemm) and inside a batch, whichever way round the
    /// call visits the column panels of (Wˡ)ᵀ (single calls alternate; the widths 256, 300 and 129 make
    /// two and three panels, the last of 44 or 1 columns). The predictor sums each
    /// weighted input as one fma chain from b (Gemm) instead of Network.Predict's MatVec order (32
    /// lanes plus b), so the two agree to rounding: both are within
    /// γ_(K/32+6)·Σ|terms| and γ_K·Σ|terms| of the exact sums (K ≤ 784 here, so ≲ 800u ≈ 5e-5 of the
    /// absolute sums, which are O(10) for these inputs), and the squashing activations and softmax
    /// pass on at most that, so the outputs agree within 1e-5 of their O(1) scale, the bar the ONNX
    /// round trips use.
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Single_and_batched_predictions_match_the_network(int[] sizes, Activation hidden, Activation output, Cost cost)
    {
        var network = Network.Create(sizes, hidden, output, cost, Initialization.Xavier, seed: 12);
        var predictor = new Predictor(network);
        const int count = 300;
        float[] inputs = TestData.Uniform(count * sizes[0], 13);
        var batch = new float[count * sizes[^1]];
        predictor.PredictBatch(inputs, batch);
        var expected = new float[sizes[^1]];
        var single = new float[sizes[^1]];
        for (int i = 0; i < count; i++)
        {
            network.Predict(inputs.AsSpan(i * sizes[0], sizes[0]), expected);
            predictor.Predict(inputs.AsSpan(i * sizes[0], sizes[0]), single);
            Assertions.BitsEqual(batch.AsSpan(i * expected.Length, expected.Length).ToArray(), single, $"sample {i} alone and in the batch");
            for (int j = 0; j < expected.Length; j++)
            {
                Assertions.Within(expected[j], single[j], 1e-5, $"sample {i} output {j} against Network.Predict");
            }

            Assert.Equal(Network.ArgMax(single), predictor.Classify(inputs.AsSpan(i * sizes[0], sizes[0])));
        }
    }

    /// <summary>
    /// For random networks (one to three layers, widths 1..300 so that a layer has one to three
    /// column panels and any tail, every activation) and batches of 1..40 rows, every sample gets
    /// the same bits alone — visiting the panels forwards and backwards, on two consecutive calls —
    /// as in the batch.
    /// </summary>
    [Fact]
    public void Any_network_gives_each_sample_the_same_bits_alone_and_in_a_batch()
    {
        Gen<(NetworkShape Shape, int Rows, int Seed)> cases = Gen.Select(Generators.Networks(maxWidth: 300, maxClasses: 20), Gen.Int[1, 40], Gen.Int[0, 1000]);
        cases.Sample(
            c =>
            {
                Network network = c.Shape.Create(c.Seed);
                var predictor = new Predictor(network);
                int inputs = c.Shape.Sizes[0], outputCount = c.Shape.Sizes[^1];
                float[] samples = TestData.Uniform(c.Rows * inputs, c.Seed + 1);
                var batch = new float[c.Rows * outputCount];
                predictor.PredictBatch(samples, batch);
                var single = new float[outputCount];
                for (int i = 0; i < c.Rows; i++)
                {
                    for (int call = 0; call < 2; call++)
                    {
                        predictor.Predict(samples.AsSpan(i * inputs, inputs), single);
                        Assertions.BitsEqual(batch.AsSpan(i * outputCount, outputCount), single, $"{network}: sample {i} alone (call {call}) and in a batch of {c.Rows}");
                    }
                }
            },
            iter: 150,
            threads: 1);
    }

    [Fact]
    public void The_predictor_is_a_snapshot_and_checks_shapes()
    {
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 3);
        var predictor = new Predictor(network);
        Dataset digits = Datasets.Digits();
        var before = new float[10];
        predictor.Predict(digits.Input(0), before);
        new Trainer(network, new TrainingOptions { Epochs = 1 }).Train(digits, cancellationToken: TestContext.Current.CancellationToken);
        var after = new float[10];
        predictor.Predict(digits.Input(0), after);
        Assertions.BitsEqual(before, after, "after the network trained on");

        var e = Assert.Throws<ArgumentException>(() => predictor.PredictBatch(new float[130], new float[20]));
        Assert.Contains("130", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => predictor.PredictBatch(new float[128], new float[30]));
        Assert.Contains("20", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_threads_at_once_get_the_sequential_results_without_allocating()
    {
        var predictor = new Predictor(Network.Create([784, 100, 10], Activation.Sigmoid, Activation.Softmax, Cost.LogLikelihood, seed: 5));
        const int count = 1000;
        float[] inputs = TestData.Uniform(count * 784, 6);
        var expected = new float[count * 10];
        predictor.PredictBatch(inputs, expected);
        var expectedSingle = new float[count * 10];
        for (int i = 0; i < count; i++)
        {
            predictor.Predict(inputs.AsSpan(i * 784, 784), expectedSingle.AsSpan(i * 10, 10));
        }

        var results = new float[8][];
        var singles = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            results[t] = new float[count * 10];
            singles[t] = new float[count * 10];
            predictor.PredictBatch(inputs, results[t]);
            for (int i = 0; i < count; i++)
            {
                predictor.Predict(inputs.AsSpan(i * 784, 784), singles[t].AsSpan(i * 10, 10));
            }
        });
        Assertions.BitsEqual(expected, expectedSingle, "one at a time against the batch");
        for (int t = 0; t < 8; t++)
        {
            Assertions.BitsEqual(expected, results[t], $"thread {t} batch");
            Assertions.BitsEqual(expectedSingle, singles[t], $"thread {t} single");
        }

        var output = new float[count * 10];
        Assert.Equal(0, AllocationMeter.Measure(() => predictor.PredictBatch(inputs, output)));
        Assert.Equal(0, AllocationMeter.Measure(() => predictor.Predict(inputs.AsSpan(0, 784), output.AsSpan(0, 10))));
        Assert.Equal(0, AllocationMeter.Measure(() => predictor.Classify(inputs.AsSpan(0, 784))));
    }

    /// <summary>An output layer too wide for the stack (300 classes): Classify (the predictor's and the network's) still allocates nothing after its first call, and picks Predict's arg max.</summary>
    [Fact]
    public void Classify_over_a_wide_output_layer_allocates_nothing_after_its_first_call()
    {
        var network = Network.Create([20, 16, 300], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, seed: 4);
        var predictor = new Predictor(network);
        float[] input = TestData.Uniform(20, 9);
        var outputs = new float[300];
        predictor.Predict(input, outputs);
        Assert.Equal(Network.ArgMax(outputs), predictor.Classify(input));
        Assert.Equal(0, AllocationMeter.Measure(() => predictor.Classify(input)));
        network.Predict(input, outputs);
        Assert.Equal(Network.ArgMax(outputs), network.Classify(input));
        Assert.Equal(0, AllocationMeter.Measure(() => network.Classify(input)));
    }
}
