using BenchmarkDotNet.Attributes;
using Nn.Simd.Data;
using Nn.Simd.Model;
using Nn.Simd.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Nn.Simd.Bench.TorchSharp;

/// <summary>
/// One training epoch of the README's Fashion-MNIST recipe, Nn.Simd against TorchSharp at 1 and 2
/// threads: [784,512,256,10], ReLU hidden layers with inverted dropout 0.2, softmax and the
/// log-likelihood cost, AdamW (rate 1e-3, β 0.9/0.999, ε 1e-8, weight decay 1e-4), mini-batch 128,
/// the rate set every step by the cosine schedule with one epoch of warm-up over 20 epochs; the
/// inputs standardised per pixel beforehand, the same numbers for both. An epoch is the recipe's
/// 55,000 training samples (the 5,000 validation samples are carved off first, as `nn train
/// --validation 5000` does), shuffle included; the validation pass is not timed on either side.
/// Both start from the same initial weights; later iterations continue training.
/// </summary>
public class RecipeBenchmarks
{
    public const int Samples = 55_000;

    private const int Epochs = 20;
    private const int Batch = 128;
    private const float Rate = 1e-3f;

    private static readonly int[] Layers = [784, 512, 256, 10];

    private Dataset _data = null!;
    private Trainer _trainer = null!;
    private int _epoch;
    private long _step;
    private nn.Module<Tensor, Tensor> _model = null!;
    private optim.Optimizer _optimizer = null!;
    private Tensor _x = null!, _labels = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Dataset training = Datasets.FashionMnist(test: false).Split(5000.0 / 60000, 0, seed: 1).Training;
        _data = training.Scaled(InputScaling.Fit(InputScalingKind.Standardize, training.Inputs, training.InputSize));
        var network = Network.Create(Layers, Activation.Relu, Activation.Softmax, Cost.LogLikelihood, Initialization.He, seed: 1);
        _trainer = new Trainer(network.Clone(), new TrainingOptions
        {
            MiniBatchSize = Batch,
            LearningRate = Rate,
            Optimizer = new AdamW(WeightDecay: 1e-4f),
            Schedule = new CosineDecay(WarmupEpochs: 1, Epochs: Epochs),
            Dropout = [0.2f],
            Epochs = Epochs,
            Seed = 1,
            Engine = TrainingEngine.Batched,
            Threads = Threads,
        });

        torch.set_num_threads(Threads);
        torch.manual_seed(1);
        _model = TorchMirror.Sequential(
            network,
            l => l < Layers.Length - 1 ? [($"relu{l}", nn.ReLU()), ($"dropout{l}", nn.Dropout(0.2))] : [],
            out _);
        _model.train();
        _optimizer = optim.AdamW(_model.parameters(), Rate, 0.9, 0.999, 1e-8, 1e-4);
        (_x, _labels) = TorchMirror.Tensors(_data);
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    [Benchmark(Baseline = true)]
    public void TorchSharpEpoch()
    {
        int n = (int)_x.shape[0];
        long stepsPerEpoch = (n + Batch - 1) / Batch;
        using var scope = NewDisposeScope();
        Tensor order = randperm(n);
        Tensor xs = _x.index_select(0, order), ls = _labels.index_select(0, order);
        for (int start = 0; start < n; start += Batch)
        {
            int m = Math.Min(Batch, n - start);
            using var step = NewDisposeScope();
            float rate = LearningRates.CosineWithWarmup(Rate, _step, Epochs * stepsPerEpoch, stepsPerEpoch);
            foreach (var group in _optimizer.ParamGroups)
            {
                group.LearningRate = rate;
            }

            Tensor loss = F.cross_entropy(_model.call(xs.narrow(0, start, m)), ls.narrow(0, start, m));
            _optimizer.zero_grad();
            loss.backward();
            _optimizer.step();
            _step++;
        }
    }

    [Benchmark]
    public EpochReport NnSimdEpoch() => _trainer.TrainEpoch(_data, null, ++_epoch);
}
