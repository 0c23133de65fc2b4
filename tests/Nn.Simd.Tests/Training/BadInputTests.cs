using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

public class BadInputTests
{
    [Fact]
    public void Dataset_sizes_that_do_not_add_up_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Dataset.FromLabels(new float[10], 3, [0, 1, 2], 3));
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Dataset.FromTargets(new float[6], 3, new float[5], 2));
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(int.MaxValue)]
    public void A_sample_the_set_does_not_have_is_refused_naming_it(int index)
    {
        Dataset labelled = Dataset.FromLabels(new float[12], 4, [0, 1, 0], 2);
        Dataset targets = Dataset.FromTargets(new float[12], 4, new float[6], 2);
        string message = $"Sample {index} is outside the set's 3 samples.";
        foreach (Dataset data in (Dataset[])[labelled, targets])
        {
            Assert.StartsWith(message, Assert.Throws<ArgumentOutOfRangeException>(() => data.Input(index)).Message, StringComparison.Ordinal);
            Assert.StartsWith(message, Assert.Throws<ArgumentOutOfRangeException>(() => data.Label(index)).Message, StringComparison.Ordinal);
            Assert.StartsWith(message, Assert.Throws<ArgumentOutOfRangeException>(() => data.CopyTarget(index, new float[2])).Message, StringComparison.Ordinal);
            Assert.StartsWith(message, Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([0, index])).Message, StringComparison.Ordinal);
            Assert.StartsWith("The target has room for 3 values but the set's targets have 2.", Assert.Throws<ArgumentException>(() => data.CopyTarget(0, new float[3])).Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_inputs_are_refused_naming_the_sample(float bad)
    {
        var inputs = new float[12];
        inputs[7] = bad;
        var e = Assert.Throws<ArgumentException>(() => Dataset.FromLabels(inputs, 4, [0, 1, 0], 2));
        Assert.Contains("inputs[7]", e.Message, StringComparison.Ordinal);
        Assert.Contains("sample 1", e.Message, StringComparison.Ordinal);
        var targets = new float[6];
        targets[4] = bad;
        e = Assert.Throws<ArgumentException>(() => Dataset.FromTargets(new float[12], 4, targets, 2));
        Assert.Contains("targets[4]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Labels_out_of_range_are_refused(int label)
    {
        var e = Assert.Throws<ArgumentException>(() => Dataset.FromLabels(new float[6], 2, [0, label, 1], 3));
        Assert.Contains($"labels[1] is {label}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 3f, 0f, "MiniBatchSize")]
    [InlineData(-5, 3f, 0f, "MiniBatchSize")]
    [InlineData(10, 0f, 0f, "LearningRate")]
    [InlineData(10, -1f, 0f, "LearningRate")]
    [InlineData(10, float.NaN, 0f, "LearningRate")]
    [InlineData(10, 3f, -1f, "Lambda")]
    public void Bad_hyperparameters_are_refused_naming_the_value(int batch, float eta, float lambda, string name)
    {
        var network = Network.Create([2, 2], [Activation.Sigmoid], Cost.Quadratic);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { MiniBatchSize = batch, LearningRate = eta, Lambda = lambda }));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_that_does_not_fit_the_network_is_refused()
    {
        var network = Network.Create([3, 2], [Activation.Sigmoid], Cost.Quadratic);
        var trainer = new Trainer(network, new TrainingOptions { Epochs = 1 });
        CancellationToken token = TestContext.Current.CancellationToken;
        var e = Assert.Throws<ArgumentException>(() => trainer.Train(Dataset.FromLabels(new float[8], 4, [0, 1], 2), cancellationToken: token));
        Assert.Contains("4 values", e.Message, StringComparison.Ordinal);
        Assert.Contains("takes 3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => trainer.Train(Dataset.FromLabels(new float[6], 3, [0, 1], 5), cancellationToken: token));
        Assert.Contains("5 values", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => trainer.Train(Dataset.FromLabels([], 3, [], 2), cancellationToken: token));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Divergence_stops_training_and_keeps_the_last_good_weights(TrainingEngine engine)
    {
        Dataset digits = Datasets.Digits();
        var targets = new float[digits.Count];
        for (int i = 0; i < targets.Length; i++)
        {
            targets[i] = digits.Label(i) * 1e3f;
        }

        var data = Dataset.FromTargets(digits.Inputs.ToArray(), 64, targets, 1);
        var network = Network.Create([64, 1], [Activation.Identity], Cost.Quadratic, Initialization.Gaussian, seed: 1);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 5, MiniBatchSize = 10, LearningRate = 50f, Engine = engine });
        float[]? lastGood = null;
        trainer.MiniBatchCompleted = (_, _) => lastGood = trainer.CurrentParameters();
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train(data, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains($"epoch {e.Epoch}, mini-batch {e.MiniBatch}", e.Message, StringComparison.Ordinal);
        Assert.True(double.IsFinite(e.LastFiniteCost), "the last finite cost is reported");
        Assert.NotNull(lastGood);
        Assert.Equal(lastGood, network.Parameters.ToArray());
        Assert.All(lastGood, v => Assert.True(float.IsFinite(v)));
    }
}
