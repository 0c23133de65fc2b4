using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

public class LearningTests
{
    /// <summary>
    /// Learning on real data: UCI digits, [64,30,10] sigmoid, quadratic, N(0, 1/n_in) weights,
    /// η = 3.0, mini-batch 10, pixels in [0, 1], 30 epochs, tested on a held-out fifth. A numpy
    /// version of the same algorithm reaches 96–98%.
    /// </summary>
    [Theory]
    [InlineData(1, TrainingEngine.PerSample)]
    [InlineData(2, TrainingEngine.PerSample)]
    [InlineData(3, TrainingEngine.PerSample)]
    [InlineData(1, TrainingEngine.Batched)]
    [InlineData(2, TrainingEngine.Batched)]
    [InlineData(3, TrainingEngine.Batched)]
    public void Digits_reach_95_percent_on_a_held_out_fifth(int seed, TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(validationFraction: 0, testFraction: 0.2, seed: seed);
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, seed);
        var trainer = new Trainer(network, new TrainingOptions { Epochs = 30, MiniBatchSize = 10, LearningRate = 3f, Seed = seed, Engine = engine });
        IReadOnlyList<EpochReport> reports = trainer.Train(split.Training, cancellationToken: TestContext.Current.CancellationToken);
        Evaluation test = Evaluation.Of(network, split.Test);
        TestContext.Current.SendDiagnosticMessage($"seed {seed}{(engine == TrainingEngine.Batched ? " batched" : string.Empty)}: test accuracy {test.Accuracy:P2} on {test.Count} held-out digits ({KernelDispatch.Active})");
        Assert.Equal(359, test.Count);
        Assert.True(test.Accuracy >= 0.95, $"seed {seed}: test accuracy {test.Accuracy:P2} < 95%");
        Assert.True(reports[^1].TrainingCost < reports[0].TrainingCost, "the training cost must fall");
        Assert.Equal(test.Count, test.Confusion.Entries.Sum(e => e.Count));
    }

    [Fact]
    public void Every_epoch_reports_costs_accuracies_and_speed()
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0.2, seed: 4);
        var network = Network.Create([64, 20, 10], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, 4);
        var seen = new List<EpochReport>();
        var progress = new SynchronousProgress(seen.Add);
        int batches = 0;
        var trainer = new Trainer(network, new TrainingOptions { Epochs = 3, MiniBatchSize = 16, LearningRate = 0.1f, Lambda = 1f });
        trainer.MiniBatchCompleted = (_, _) => batches++;
        IReadOnlyList<EpochReport> reports = trainer.Train(split.Training, split.Validation, progress, TestContext.Current.CancellationToken);
        Assert.Equal(reports, seen);
        Assert.Equal([1, 2, 3], reports.Select(r => r.Epoch));
        Assert.Equal(3 * ((split.Training.Count + 15) / 16), batches);
        foreach (EpochReport r in reports)
        {
            Assert.True(r.TrainingCost > 0 && double.IsFinite(r.TrainingCost));
            Assert.InRange(r.TrainingAccuracy, 0, 1);
            Assert.NotNull(r.ValidationCost);
            Assert.InRange(r.ValidationAccuracy!.Value, 0, 1);
            Assert.True(r.Seconds > 0 && r.SamplesPerSecond > 0);
        }
    }

    [Theory]
    [InlineData(TrainingEngine.PerSample)]
    [InlineData(TrainingEngine.Batched)]
    public void Cancellation_stops_between_mini_batches_and_keeps_the_last_step(TrainingEngine engine)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 10, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 2);
        float[] initial = network.Parameters.ToArray();
        using var cts = new CancellationTokenSource();
        float[]? afterThird = null;
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 2, MiniBatchSize = 10, LearningRate = 1f, Engine = engine });
        trainer.MiniBatchCompleted = (done, _) =>
        {
            if (done == 3)
            {
                afterThird = trainer.CurrentParameters();
                cts.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(digits, cancellationToken: cts.Token));
        Assert.NotNull(afterThird);
        Assert.NotEqual(initial, afterThird);
        Assert.Equal(afterThird, network.Parameters.ToArray());
    }

    private sealed class SynchronousProgress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
