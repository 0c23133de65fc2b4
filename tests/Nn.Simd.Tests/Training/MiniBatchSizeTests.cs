using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>A mini-batch size beyond the data set: the whole set in one step, with buffers the set's size.</summary>
public class MiniBatchSizeTests
{
    /// <summary>
    /// m = 100,000,000 or int.MaxValue on 1,438 samples is one step per epoch over all of them, the
    /// same bits as m = 1,438: before, the batched engine sized its buffers m × width (an overflow or
    /// gigabytes) and the epoch's count of mini-batches, (n + m − 1)/m, overflowed to zero steps.
    /// </summary>
    [Theory]
    [InlineData(100_000_000, false)]
    [InlineData(100_000_000, true)]
    [InlineData(int.MaxValue, false)]
    [InlineData(int.MaxValue, true)]
    public void A_mini_batch_larger_than_the_data_trains_on_the_whole_set(int batch, bool batched)
    {
        Dataset digits = Datasets.Digits();
        (ulong Hash, double[] Costs) Train(int m)
        {
            var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 5);
            using var trainer = new Trainer(network, new TrainingOptions { Epochs = 3, MiniBatchSize = m, LearningRate = 3f, Seed = 5, Engine = batched ? TrainingEngine.Batched : TrainingEngine.PerSample, Threads = 2 });
            IReadOnlyList<EpochReport> reports = trainer.Train(digits, cancellationToken: TestContext.Current.CancellationToken);
            return (network.ComputeHash(), [.. reports.Select(r => r.TrainingCost)]);
        }

        (ulong hash, double[] costs) = Train(batch);
        (ulong wholeSetHash, double[] wholeSetCosts) = Train(digits.Count);
        Assert.Equal(wholeSetHash, hash);
        Assert.Equal(wholeSetCosts, costs);
        Assert.All(costs, c => Assert.True(c > 0, "every epoch took its step"));
    }

    /// <summary>
    /// The batched engine's buffers are sized by the first epoch's data set and grow when a later
    /// epoch brings a larger one: small → large → small trains as with m equal to the largest set.
    /// </summary>
    [Fact]
    public void The_buffers_grow_with_a_larger_data_set()
    {
        Dataset digits = Datasets.Digits();
        Dataset small = digits.Subset([.. Enumerable.Range(0, 50)]);
        ulong Train(int m)
        {
            var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 6);
            using var trainer = new Trainer(network, new TrainingOptions { Epochs = 1, MiniBatchSize = m, Seed = 6, Engine = TrainingEngine.Batched });
            CancellationToken token = TestContext.Current.CancellationToken;
            trainer.TrainEpoch(small, null, 1, token);
            trainer.TrainEpoch(digits, null, 2, token);
            trainer.TrainEpoch(small, null, 3, token);
            return network.ComputeHash();
        }

        Assert.Equal(Train(digits.Count), Train(int.MaxValue));
    }
}
