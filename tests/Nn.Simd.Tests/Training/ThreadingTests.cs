using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

[Collection(SerialCollection.Name)]
public class ThreadingTests
{
    private static ulong Train(int threads, out IReadOnlyList<EpochReport> reports)
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 96, 48, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 9);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 2, MiniBatchSize = 32, LearningRate = 0.05f, Seed = 9, Batched = true, Threads = threads });
        reports = trainer.Train(digits, cancellationToken: TestContext.Current.CancellationToken);
        return network.ComputeHash();
    }

    [Fact]
    public void The_weights_are_the_same_bits_for_any_thread_count()
    {
        ulong one = Train(1, out var reportsOne);
        Assert.Equal(one, Train(2, out var reportsTwo));
        Assert.Equal(one, Train(3, out _));
        Assert.Equal(reportsOne.Select(r => r.TrainingCost), reportsTwo.Select(r => r.TrainingCost));
    }

    [Fact]
    public void A_threaded_epoch_allocates_nothing_on_any_thread()
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0, seed: 2);
        var network = Network.Create([64, 96, 48, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, seed: 2);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = 32, LearningRate = 0.5f, Batched = true, Threads = 2 });
        CancellationToken token = TestContext.Current.CancellationToken;
        trainer.TrainEpoch(split.Training, split.Validation, 1, token);
        trainer.TrainEpoch(split.Training, split.Validation, 2, token);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        trainer.TrainEpoch(split.Training, split.Validation, 3, token);
        Assert.Equal(0, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    [Fact]
    public void A_bad_thread_count_is_refused()
    {
        var network = Network.Create([2, 2], [Activation.Sigmoid], Cost.Quadratic);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Threads = 0 }));
        Assert.Contains("Threads is 0", e.Message, StringComparison.Ordinal);
    }
}
