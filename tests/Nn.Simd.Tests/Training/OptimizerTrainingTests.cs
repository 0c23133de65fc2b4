using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

/// <summary>The optimizers, schedules and early stopping as the trainer drives them.</summary>
[Collection(SerialCollection.Name)]
public class OptimizerTrainingTests
{
    public static TheoryData<string, TrainingEngine> Optimizers()
    {
        var data = new TheoryData<string, TrainingEngine>();
        foreach (TrainingEngine engine in new[] { TrainingEngine.PerSample, TrainingEngine.Batched })
        {
            foreach (string name in new[] { "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop" })
            {
                data.Add(name, engine);
            }
        }

        return data;
    }

    internal static Optimizer OptimizerNamed(string name) => name switch
    {
        "sgd" => new Sgd(),
        "momentum" => new SgdMomentum(0.9f, 1e-3f),
        "nesterov" => new Nesterov(0.8f, 1e-3f),
        "adam" => new Adam(WeightDecay: 1e-3f),
        "adamw" => new AdamW(1e-2f),
        _ => new RmsProp(WeightDecay: 1e-3f),
    };

    /// <summary>The first step of a run, as the kernels take it by hand: t = 1, the rate the schedule gives step 0, the gradient scaled by 1/m.</summary>
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void The_first_step_is_the_kernel_step_on_the_mean_gradient(string name, TrainingEngine engine)
    {
        Dataset data = Datasets.Digits();
        int m = 37;
        var network = Network.Create([64, 20, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 3);
        Optimizer optimizer = OptimizerNamed(name);
        var options = new TrainingOptions { Epochs = 4, MiniBatchSize = m, LearningRate = 0.01f, Optimizer = optimizer, Schedule = new CosineDecay(WarmupEpochs: 1), Engine = engine, Seed = 5 };
        Network expected = network.Clone();

        // The first mini-batch: the first m samples of the seed's first shuffle.
        int[] order = [.. Enumerable.Range(0, data.Count)];
        new DeterministicRandom(options.Seed).Shuffle(order);
        using var probe = new Trainer(expected.Clone(), options);
        float[] gradient = probe.GradientOf(data, order.AsSpan(0, m));
        float rate = LearningRates.CosineWithWarmup(options.LearningRate, 0, 4 * (((data.Count - 1) / m) + 1), ((data.Count - 1) / m) + 1);
        float[] first = new float[gradient.Length], second = new float[gradient.Length];
        Span<float> w = expected.Parameters;
        switch (optimizer)
        {
            case Sgd:
                Kernel.SgdStep(w, gradient, 1f, rate / m);
                break;
            case SgdMomentum o:
                Kernel.MomentumStep(w, gradient, first, new MomentumStepScalars(rate, o.Momentum, o.WeightDecay, 1f / m));
                break;
            case Nesterov o:
                Kernel.MomentumStep(w, gradient, first, new MomentumStepScalars(rate, o.Momentum, o.WeightDecay, 1f / m, nesterov: true));
                break;
            case Adam o:
                Kernel.AdamStep(w, gradient, first, second, AdamStepScalars.Adam(rate, 1, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, 1f / m));
                break;
            case AdamW o:
                Kernel.AdamStep(w, gradient, first, second, AdamStepScalars.AdamW(rate, 1, o.WeightDecay, o.Beta1, o.Beta2, o.Epsilon, 1f / m));
                break;
            case RmsProp o:
                Kernel.RmsPropStep(w, gradient, first, new RmsPropStepScalars(rate, o.Alpha, o.Epsilon, o.WeightDecay, 1f / m));
                break;
        }

        using var trainer = new Trainer(network, options);
        using var cancel = new CancellationTokenSource();
        trainer.MiniBatchCompleted = (done, _) =>
        {
            if (done == 1)
            {
                cancel.Cancel();
            }
        };
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.TrainEpoch(data, null, 1, cancel.Token));
        Assert.Equal(1, trainer.StepsCompleted);
        Assert.Equal(expected.Parameters.ToArray(), network.Parameters.ToArray());
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Every_optimizer_gives_the_same_bits_on_one_thread_and_two(string name, TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 1);
        ulong Hash(int threads)
        {
            var network = Network.Create([64, 24, 10], Activation.Tanh, Activation.Softmax, Cost.LogLikelihood, Initialization.Xavier, seed: 2);
            var options = new TrainingOptions
            {
                Epochs = 3,
                MiniBatchSize = 16,
                LearningRate = 0.01f,
                Optimizer = OptimizerNamed(name),
                Schedule = new CosineDecay(1),
                Seed = 2,
                Engine = engine,
                Threads = threads,
                SplitSmallWork = true,
                EarlyStopping = new EarlyStopping(2),
            };
            using var trainer = new Trainer(network, options);
            trainer.Train(split.Training, split.Validation, cancellationToken: TestContext.Current.CancellationToken);
            return network.ComputeHash();
        }

        Assert.Equal(Hash(1), Hash(2));
    }

    public static TheoryData<string, string, bool, TrainingEngine> Runs()
    {
        var data = new TheoryData<string, string, bool, TrainingEngine>();
        foreach (TrainingEngine engine in new[] { TrainingEngine.PerSample, TrainingEngine.Batched })
        {
            foreach (string optimizer in new[] { "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop" })
            {
                data.Add(optimizer, "constant", false, engine);
            }

            foreach (string schedule in new[] { "step", "exponential", "cosine", "plateau" })
            {
                data.Add("adamw", schedule, true, engine);
            }
        }

        return data;
    }

    internal static LearningRateSchedule ScheduleNamed(string name) => name switch
    {
        "step" => new StepDecay(1, 0.5f),
        "exponential" => new ExponentialDecay(0.9f),
        "cosine" => new CosineDecay(1),
        "plateau" => new ReduceOnPlateau(0.5f, 0),
        _ => new ConstantRate(),
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void An_epoch_after_the_first_allocates_nothing(string optimizer, string schedule, bool earlyStopping, TrainingEngine engine)
    {
        DataSplit split = Datasets.Digits().Split(0.1, 0, seed: 1);
        var network = Network.Create([64, 32, 16, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        var options = new TrainingOptions
        {
            Epochs = 5,
            MiniBatchSize = 10,
            LearningRate = 0.01f,
            Optimizer = OptimizerNamed(optimizer),
            Schedule = ScheduleNamed(schedule),
            Engine = engine,
            EarlyStopping = earlyStopping ? new EarlyStopping(10, Metric: StoppingMetric.Accuracy) : null,
        };
        using var trainer = new Trainer(network, options);
        CancellationToken token = TestContext.Current.CancellationToken;
        trainer.TrainEpoch(split.Training, split.Validation, 1, token);

        Assert.Equal(0, AllocationMeter.Measure(() => trainer.TrainEpoch(split.Training, split.Validation, 2, token)));
        Assert.Equal(0, AllocationMeter.Measure(() => trainer.TrainEpoch(split.Training, split.Validation, 3, token)));
    }

    [Fact]
    public void Each_step_takes_the_rate_the_schedule_gives_it()
    {
        Dataset data = Datasets.Digits();
        int m = 100, perEpoch = ((data.Count - 1) / m) + 1;
        var network = Network.Create([64, 16, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        var options = new TrainingOptions { Epochs = 4, MiniBatchSize = m, LearningRate = 0.002f, Optimizer = new AdamW(), Schedule = new CosineDecay(1, 1e-4f) };
        using var trainer = new Trainer(network, options);
        IReadOnlyList<EpochReport> reports = trainer.Train(data, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4 * perEpoch, trainer.StepsCompleted);
        Assert.Equal(
            [.. Enumerable.Range(1, 4).Select(e => LearningRates.CosineWithWarmup(0.002f, (e * perEpoch) - 1, 4 * perEpoch, perEpoch, 1e-4f))],
            reports.Select(r => r.LearningRate));
        Assert.Equal(TrainingStopReason.EpochLimit, trainer.StopReason);
        Assert.Null(trainer.BestEpoch);
    }

    [Fact]
    public void Reduce_on_plateau_lowers_the_rate_after_a_bad_epoch()
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 1);
        var network = Network.Create([64, 16, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);

        // A threshold of 0.99 counts no epoch after the first as better, so with patience 0 every later epoch halves the rate.
        var options = new TrainingOptions { Epochs = 4, MiniBatchSize = 50, LearningRate = 0.01f, Optimizer = new Adam(), Schedule = new ReduceOnPlateau(0.5f, 0, Threshold: 0.99) };
        using var trainer = new Trainer(network, options);
        IReadOnlyList<EpochReport> reports = trainer.Train(split.Training, split.Validation, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([0.01f, 0.01f, 0.005f, 0.0025f], reports.Select(r => r.LearningRate));
    }

    [Fact]
    public void Early_stopping_stops_after_the_patience_and_restores_the_best_epoch()
    {
        DataSplit split = Datasets.Digits().Split(0.2, 0, seed: 1);
        TrainingOptions Options(EarlyStopping? stopping) => new() { Epochs = 10, MiniBatchSize = 20, LearningRate = 0.003f, Optimizer = new AdamW(), EarlyStopping = stopping, Seed = 4 };
        Network Fresh() => Network.Create([64, 16, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 4);
        CancellationToken token = TestContext.Current.CancellationToken;

        // A minimum improvement of 100 accuracy points is met by the first epoch (from none) and then never: stop after epoch 1 + 3.
        Network network = Fresh();
        using var trainer = new Trainer(network, Options(new EarlyStopping(3, 1.0, StoppingMetric.Accuracy)));
        IReadOnlyList<EpochReport> reports = trainer.Train(split.Training, split.Validation, cancellationToken: token);
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Epoch));
        Assert.Equal([true, false, false, false], reports.Select(r => r.IsBest));
        Assert.Equal(TrainingStopReason.EarlyStopping, trainer.StopReason);
        Assert.Equal(1, trainer.BestEpoch);

        Network oneEpoch = Fresh();
        using (var plain = new Trainer(oneEpoch, Options(null)))
        {
            plain.TrainEpoch(split.Training, split.Validation, 1, token);
        }

        Assert.Equal(oneEpoch.ComputeHash(), network.ComputeHash());

        // Without a minimum, the best epoch is the one with the lowest validation cost.
        Network second = Fresh();
        using var costTrainer = new Trainer(second, Options(new EarlyStopping(2)));
        IReadOnlyList<EpochReport> costReports = costTrainer.Train(split.Training, split.Validation, cancellationToken: token);
        int best = costReports.MinBy(r => r.ValidationCost)!.Epoch;
        Assert.Equal(best, costTrainer.BestEpoch);
        Assert.True(costTrainer.StopReason == TrainingStopReason.EpochLimit ? costReports.Count == 10 : costReports[^1].Epoch == best + 2);
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_naming_the_value()
    {
        Dataset digits = Datasets.Digits();
        var network = Network.Create([64, 10, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Lambda = 1, Optimizer = new AdamW() }));
        Assert.Contains("WeightDecay", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Optimizer = new Adam(Beta1: 1f) }));
        Assert.Equal("Beta1", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { Epochs = 3, Schedule = new CosineDecay(WarmupEpochs: 4) }));
        Assert.Equal("WarmupEpochs", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Trainer(network, new TrainingOptions { EarlyStopping = new EarlyStopping(0) }));
        Assert.Equal("Patience", e.ParamName);

        using var stopping = new Trainer(network, new TrainingOptions { EarlyStopping = new EarlyStopping() });
        e = Assert.Throws<ArgumentException>(() => stopping.Train(digits, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("validation", e.Message, StringComparison.Ordinal);
        using var plateau = new Trainer(network, new TrainingOptions { Schedule = new ReduceOnPlateau() });
        e = Assert.Throws<ArgumentException>(() => plateau.Train(digits, Dataset.FromLabels([], 64, [], 10), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("validation", e.Message, StringComparison.Ordinal);
    }
}
