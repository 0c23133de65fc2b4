using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>
/// A network trains on one thread at a time. Thread A trains and, after its first mini-batch, holds
/// (two barrier phases) while thread B tries to train the same network; so B's attempt falls inside
/// A's epoch on every run, not by chance of timing.
/// </summary>
public sealed class ConcurrentTrainingTests
{
    public enum Intruder
    {
        SameTrainerEpoch,
        SameTrainerTrain,
        OtherTrainerEpoch,
    }

    public static TheoryData<TrainingEngine, Intruder> Cases()
    {
        var data = new TheoryData<TrainingEngine, Intruder>();
        foreach (TrainingEngine engine in Enum.GetValues<TrainingEngine>())
        {
            foreach (Intruder intruder in Enum.GetValues<Intruder>())
            {
                data.Add(engine, intruder);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_second_thread_training_the_same_network_is_refused_and_changes_nothing(TrainingEngine engine, Intruder intruder)
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        Dataset data = Datasets.Digits().Subset([.. Enumerable.Range(0, 200)]);
        var options = new TrainingOptions { Epochs = 1, MiniBatchSize = 10, LearningRate = 0.5f, Seed = 3, Engine = engine };
        var network = Network.Create([64, 20, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, seed: 5);
        Network alone = network.Clone();
        using (var solo = new Trainer(alone, options))
        {
            solo.TrainEpoch(data, null, 1, token);
        }

        using var barrier = new Barrier(2);
        TimeSpan patience = TimeSpan.FromSeconds(60);
        using var trainer = new Trainer(network, options);
        using var other = new Trainer(network, options);
        Exception? failure = null;
        Thread? a = null;
        trainer.MiniBatchCompleted = (done, _) =>
        {
            if (done == 1 && Thread.CurrentThread == a)
            {
                Assert.True(barrier.SignalAndWait(patience, token), "B reached the first barrier");
                Assert.True(barrier.SignalAndWait(patience, token), "B reached the second barrier");
            }
        };
        a = new Thread(() =>
        {
            try
            {
                trainer.TrainEpoch(data, null, 1, token);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        a.Start();

        Assert.True(barrier.SignalAndWait(patience, token), "A finished its first mini-batch");
        Action attempt = intruder switch
        {
            Intruder.SameTrainerEpoch => () => trainer.TrainEpoch(data, null, 2, token),
            Intruder.SameTrainerTrain => () => trainer.Train(data, cancellationToken: token),
            _ => () => other.TrainEpoch(data, null, 1, token),
        };
        var refused = Record.Exception(attempt);
        Assert.True(barrier.SignalAndWait(patience, token), "A resumed");
        Assert.True(a.Join(patience), "A finished its epoch");

        Assert.Null(failure);
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Contains("is being trained already", refused.Message, StringComparison.Ordinal);
        Assert.Equal($"0x{alone.ComputeHash():X16}", $"0x{network.ComputeHash():X16}");

        trainer.MiniBatchCompleted = null;
        attempt();
    }

    [Fact]
    public void Training_again_from_the_progress_callback_is_refused()
    {
        CancellationToken token = TestContext.Current.CancellationToken;
        Dataset data = Datasets.Digits().Subset([.. Enumerable.Range(0, 30)]);
        var network = Network.Create([64, 10], [Activation.Sigmoid], Cost.CrossEntropy, seed: 5);
        using var trainer = new Trainer(network, new TrainingOptions { Epochs = 1 });
        Exception? inner = null;
        bool tried = false;
        trainer.MiniBatchCompleted = (_, _) =>
        {
            if (!tried)
            {
                tried = true;
                inner = Record.Exception(() => trainer.TrainEpoch(data, null, 2, token));
            }
        };
        trainer.TrainEpoch(data, null, 1, token);
        Assert.IsType<InvalidOperationException>(inner);
    }
}
