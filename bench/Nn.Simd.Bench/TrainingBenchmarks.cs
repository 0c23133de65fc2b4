using BenchmarkDotNet.Attributes;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;

namespace Nn.Simd.Bench;

/// <summary>
/// The hot paths whose allocation must be zero: one training epoch (digits, [64,30,10], the
/// algorithm as written, per sample) and single-sample inference on [784,100,10].
/// </summary>
public class TrainingBenchmarks : IWorkload
{
    private Dataset _digits = null!;
    private Trainer _trainer = null!;
    private Network _inference = null!;
    private float[] _input = [];
    private float[] _output = [];
    private int _epoch;

    public double Flops => 0;

    public double Bytes => 0;

    [GlobalSetup]
    public void Setup()
    {
        _digits = Datasets.Digits();
        var network = Network.Create([64, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.ScaledGaussian, 1);
        _trainer = new Trainer(network, new TrainingOptions { MiniBatchSize = 10, LearningRate = 3f, Engine = TrainingEngine.PerSample });
        _trainer.TrainEpoch(_digits, null, ++_epoch);
        _inference = Network.Create([784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, 2);
        _input = Enumerable.Range(0, 784).Select(i => (i % 255) / 255f).ToArray();
        _output = new float[10];
    }

    [Benchmark]
    public EpochReport DigitsEpoch() => _trainer.TrainEpoch(_digits, null, ++_epoch);

    [Benchmark]
    public void Predict784x100x10() => _inference.Predict(_input, _output);
}
