using BenchmarkDotNet.Attributes;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Nn.Simd.Bench.TorchSharp;

/// <summary>
/// One epoch of Fashion-MNIST (60,000 samples, data loading excluded, shuffle included) for the
/// configurations of the batched-training issue, at 1 and 2 threads, TorchSharp as the baseline.
/// Both start from the same initial weights (drawn by Nn.Simd and copied into TorchSharp's Linear
/// layers) and train with the same hyperparameters; later iterations continue training.
/// </summary>
public class TrainingBenchmarks
{
    public const int Samples = 60_000;

    private Dataset _data = null!;
    private Trainer _trainer = null!;
    private int _epoch;
    private nn.Module<Tensor, Tensor> _model = null!;
    private optim.Optimizer _optimizer = null!;
    private List<Tensor> _weights = null!;
    private Tensor _x = null!, _y = null!, _labels = null!;
    private float _eta;
    private int _batch;
    private float _lambda;

    /// <summary>(a) [784,30,10] sigmoid/quadratic η 3 m 10; (b) [784,100,10] sigmoid/cross-entropy η 0.5 m 10 λ 5; (c) [784,256,256,10] ReLU/softmax η 0.1 m 128.</summary>
    [Params("a", "b", "c")]
    public string Config { get; set; } = "a";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = Datasets.FashionMnist(test: false);
        (int[] layers, Activation hidden, Activation output, Cost cost, Initialization init, _eta, _batch, _lambda) = Config switch
        {
            "a" => ([784, 30, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.Quadratic, Initialization.Gaussian, 3f, 10, 0f),
            "b" => ([784, 100, 10], Activation.Sigmoid, Activation.Sigmoid, Cost.CrossEntropy, Initialization.ScaledGaussian, 0.5f, 10, 5f),
            _ => (new[] { 784, 256, 256, 10 }, Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, 0.1f, 128, 0f),
        };
        var network = Network.Create(layers, hidden, output, cost, init, seed: 1);
        _trainer = new Trainer(network.Clone(), new TrainingOptions { MiniBatchSize = _batch, LearningRate = _eta, Lambda = _lambda, Seed = 1, Engine = TrainingEngine.Batched, Threads = Threads });

        torch.set_num_threads(Threads);
        torch.manual_seed(1);
        _model = TorchMirror.Sequential(
            network,
            l => l < layers.Length - 1 ? [($"activation{l}", hidden == Activation.Relu ? nn.ReLU() : nn.Sigmoid())]
                : cost == Cost.Quadratic ? [($"activation{l}", nn.Sigmoid())]
                : [],
            out _weights);
        _optimizer = optim.SGD(_model.parameters(), _eta);
        (_x, _labels) = TorchMirror.Tensors(_data);
        _y = F.one_hot(_labels, 10).to_type(ScalarType.Float32);
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    [Benchmark(Baseline = true)]
    public void TorchSharpEpoch()
    {
        int n = (int)_x.shape[0];
        double decay = 1 - (_eta * _lambda / n);
        using var scope = NewDisposeScope();
        Tensor order = randperm(n);
        Tensor xs = _x.index_select(0, order), ys = _y.index_select(0, order), ls = _labels.index_select(0, order);
        for (int start = 0; start < n; start += _batch)
        {
            int m = Math.Min(_batch, n - start);
            using var step = NewDisposeScope();
            Tensor outputs = _model.call(xs.narrow(0, start, m));
            Tensor loss = Config switch
            {
                "a" => F.mse_loss(outputs, ys.narrow(0, start, m), nn.Reduction.Sum) * (0.5 / m),
                "b" => F.binary_cross_entropy_with_logits(outputs, ys.narrow(0, start, m), reduction: nn.Reduction.Sum) * (1.0 / m),
                _ => F.cross_entropy(outputs, ls.narrow(0, start, m)),
            };
            _optimizer.zero_grad();
            loss.backward();
            if (_lambda != 0)
            {
                using (no_grad())
                {
                    foreach (Tensor w in _weights)
                    {
                        w.mul_(decay);
                    }
                }
            }

            _optimizer.step();
        }
    }

    [Benchmark]
    public EpochReport NnSimdEpoch() => _trainer.TrainEpoch(_data, null, ++_epoch);
}
