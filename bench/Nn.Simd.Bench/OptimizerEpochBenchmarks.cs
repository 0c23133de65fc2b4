using BenchmarkDotNet.Attributes;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Bench;

/// <summary>
/// What an optimizer with state and a per-step schedule cost a whole training epoch: configuration
/// (c), [784,256,256,10] relu/softmax, log-likelihood, mini-batch 128, batched on every core, one
/// epoch of the 60,000 Fashion-MNIST training images, SGD (the baseline) against AdamW, AdamW with a
/// cosine warm-up, and Nesterov momentum. One epoch is one call (about 0.3 s), so run it with
/// <c>--filter '*OptimizerEpoch*' --warmupCount 2 --iterationCount 7 --invocationCount 1 --unrollFactor 1</c>.
/// Each trainer trains its own network, warmed by one epoch in the setup, so every call is an epoch
/// after the first (0 B allocated is the bar).
/// </summary>
public class OptimizerEpochBenchmarks : IWorkload
{
    private Dataset _data = null!;
    private Trainer _sgd = null!, _adamW = null!, _adamWCosine = null!, _nesterov = null!;
    private int _epoch;

    public double Flops => 0;

    public double Bytes => 0;

    [GlobalSetup]
    public void Setup()
    {
        _data = Datasets.FashionMnist(test: false);
        Trainer Create(Optimizer optimizer, LearningRateSchedule schedule, float rate)
        {
            Trainer trainer = ConfigC.Trainer(Environment.ProcessorCount, optimizer, rate, [], schedule);
            trainer.TrainEpoch(_data, null, 1);
            return trainer;
        }

        _sgd = Create(new Sgd(), new ConstantRate(), 0.1f);
        _adamW = Create(new AdamW(1e-4f), new ConstantRate(), 1e-3f);
        _adamWCosine = Create(new AdamW(1e-4f), new CosineDecay(WarmupEpochs: 1), 1e-3f);
        _nesterov = Create(new Nesterov(0.9f), new ConstantRate(), 0.01f);
        _epoch = 1;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Trainer trainer in (Trainer[])[_sgd, _adamW, _adamWCosine, _nesterov])
        {
            trainer.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public EpochReport SgdEpoch() => _sgd.TrainEpoch(_data, null, ++_epoch);

    [Benchmark]
    public EpochReport AdamWEpoch() => _adamW.TrainEpoch(_data, null, ++_epoch);

    [Benchmark]
    public EpochReport AdamWCosineEpoch() => _adamWCosine.TrainEpoch(_data, null, ++_epoch);

    [Benchmark]
    public EpochReport NesterovEpoch() => _nesterov.TrainEpoch(_data, null, ++_epoch);
}

/// <summary>
/// Configuration (c) as the epoch benchmarks train it: [784,256,256,10] relu/softmax,
/// log-likelihood, He initialisation and seed 1, mini-batch 128, a schedule (constant unless given)
/// spanning 1,000 epochs.
/// </summary>
internal static class ConfigC
{
    public static Trainer Trainer(int threads, Optimizer optimizer, float rate, IReadOnlyList<float> dropout, LearningRateSchedule? schedule = null)
    {
        var network = Network.Create([784, 256, 256, 10], Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        return new Trainer(network, new TrainingOptions
        {
            Epochs = 1000,
            MiniBatchSize = 128,
            LearningRate = rate,
            Optimizer = optimizer,
            Schedule = schedule ?? new ConstantRate(),
            Seed = 1,
            Threads = threads,
            Dropout = dropout,
        });
    }
}
