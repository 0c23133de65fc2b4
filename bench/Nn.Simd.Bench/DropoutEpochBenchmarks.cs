using BenchmarkDotNet.Attributes;
using Nn.Simd.Data;
using Nn.Simd.Training;

namespace Nn.Simd.Bench;

/// <summary>
/// One training epoch of [784,256,256,10] ReLU/softmax on the 60,000 Fashion-MNIST training images,
/// mini-batch 128, batched engine, SGD η 0.1: without dropout (the baseline) and with dropout 0.2
/// on both hidden layers, on 1 and 2 threads. One epoch an iteration (about a second or two), so
/// fewer iterations than the default configuration.
/// </summary>
[WarmupCount(2)]
[IterationCount(15)]
public class DropoutEpochBenchmarks : IWorkload
{
    private Dataset _training = null!;
    private Trainer _plain = null!;
    private Trainer _dropout = null!;
    private int _epoch;

    [Params(1, 2)]
    public int Threads { get; set; }

    public double Flops => 0;

    public double Bytes => 0;

    [GlobalSetup]
    public void Setup()
    {
        _training = Datasets.FashionMnist(test: false);
        _plain = ConfigC.Trainer(Threads, new Sgd(), 0.1f, []);
        _dropout = ConfigC.Trainer(Threads, new Sgd(), 0.1f, [0.2f]);
        _plain.TrainEpoch(_training, null, ++_epoch);
        _dropout.TrainEpoch(_training, null, _epoch);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _dropout.Dispose();
    }

    [Benchmark(Baseline = true)]
    public EpochReport Epoch() => _plain.TrainEpoch(_training, null, ++_epoch);

    [Benchmark]
    public EpochReport EpochDropout02() => _dropout.TrainEpoch(_training, null, ++_epoch);
}
