// The four equations of backpropagation for one sample (x, y), on the kernels:
//
//   feedforward   zˡ = Wˡ·aˡ⁻¹ + bˡ, aˡ = σ(zˡ), a⁰ = x                      MatVec, activation
//   (1)           δᴸ = ∇ₐC ⊙ σ′(zᴸ)   (cross-entropy, log-likelihood: a − y)  Axpy, Hadamard
//   (2)           δˡ = ((Wˡ⁺¹)ᵀ·δˡ⁺¹) ⊙ σ′(zˡ)                                MatVecTransposedHadamard
//   (3)           ∂C/∂Wˡ += δˡ·(aˡ⁻¹)ᵀ                                         OuterProductAdd
//   (4)           ∂C/∂bˡ += δˡ                                                 Axpy
//
// With dropout, each hidden aˡ is multiplied by its mask after the activation, and σ′(zˡ) by the
// same (kept) mask before equation (2) (see HiddenDropout).
// Gradients accumulate over a mini-batch in the parameters' layout; the trainer applies them.
// Every buffer is allocated once, here.
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>
/// The per-sample engine: scratch for one sample's forward and backward passes, and the gradient
/// summed over a mini-batch. It keeps every parameter in the network and runs on the calling thread.
/// </summary>
internal sealed class Backpropagation : IShardEngine
{
    private readonly Network _network;
    private readonly float[][] _z;
    private readonly float[][] _a;
    private readonly float[][] _delta;
    private readonly float[] _scratch;
    private readonly float[] _target;
    private readonly ParameterBlock[] _parameters;
    private readonly HiddenDropout? _dropout;

    /// <summary>Buffers for <paramref name="network"/>; <paramref name="dropout"/> masks its hidden layers during training, if given.</summary>
    public Backpropagation(Network network, HiddenDropout? dropout = null)
    {
        _network = network;
        _dropout = dropout;
        int layers = network.LayerSizes.Count;
        _z = new float[layers][];
        _a = new float[layers][];
        _delta = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            int size = network.LayerSizes[l];
            _z[l] = new float[size];
            _a[l] = new float[size];
            _delta[l] = new float[size];
        }

        _scratch = new float[network.OutputSize];
        _target = new float[network.OutputSize];
        _parameters = ParameterBlock.Of(network);
        Gradient = new float[network.ParameterCount];
    }

    public WorkerPool? Pool => null;

    /// <summary>Samples are taken one at a time, so a mini-batch of any size fits.</summary>
    public int Capacity => int.MaxValue;

    /// <summary>Σ ∂C_x/∂w over the last mini-batch, laid out like the parameters.</summary>
    public float[] Gradient { get; }

    public ReadOnlySpan<ParameterBlock> Parameters => _parameters;

    public void BeginEpoch(int epoch)
    {
        if (_dropout is not null)
        {
            _dropout.Epoch = (uint)epoch;
        }
    }

    public (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> samples, KernelPath path) =>
        ComputeGradient(data, samples, Gradient, path);

    public (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> samples, Memory<float> gradient, KernelPath path)
    {
        IShardEngine.CheckLength(gradient, Gradient.Length);

        gradient.Span.Clear();
        double cost = 0;
        int correct = 0;
        foreach (int sample in samples)
        {
            data.CopyTarget(sample, _target);
            cost += Accumulate(data.Input(sample), _target, sample, gradient.Span, path);
            if (Network.ArgMax(_a[^1]) == data.Label(sample))
            {
                correct++;
            }
        }

        return (cost, correct);
    }

    public void AfterStep()
    {
    }

    public void EndEpoch()
    {
    }

    public void ToParameterLayout(float[] source, float[] destination) => source.AsSpan(0, Gradient.Length).CopyTo(destination);

    public void FromParameterLayout(float[] source, float[] destination) => source.AsSpan(0, Gradient.Length).CopyTo(destination);

    public void CopyHeldParameters(float[] parameters)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>Stores every zˡ and aˡ for input x, training sample <paramref name="sample"/> (whose dropout masks apply).</summary>
    private void FeedForward(ReadOnlySpan<float> x, int sample, KernelPath path)
    {
        ReadOnlySpan<float> a = x;
        _dropout?.Draw(new ReadOnlySpan<int>(in sample), 0, 1, path);
        for (int l = 1; l < _z.Length; l++)
        {
            _network.FeedForwardLayer(l, a, _z[l], _a[l], path);
            _dropout?.Forward(_a[l], l, path);
            a = _a[l];
        }
    }

    /// <summary>
    /// Feedforward, then equations (1)–(4) for one sample, adding its gradient to <paramref name="gradient"/>.
    /// </summary>
    /// <returns>The sample's cost C_x (before the 1/n average).</returns>
    private float Accumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int sample, Span<float> gradient, KernelPath path)
    {
        FeedForward(x, sample, path);
        int last = _z.Length - 1;
        float cost = CostFunctions.Evaluate(_network.Cost, _a[last], y);
        CostFunctions.OutputError(_network.Cost, _network.Activations[last - 1], _z[last], _a[last], y, _delta[last], _scratch, path);

        for (int l = last; l >= 1; l--)
        {
            int rows = _network.LayerSizes[l], columns = _network.LayerSizes[l - 1];
            ReadOnlySpan<float> previous = l == 1 ? x : _a[l - 1];
            Kernel.OuterProductAdd(gradient.Slice(_network.WeightOffset(l), rows * columns), rows, columns, _delta[l], previous, path);
            Kernel.Axpy(1f, _delta[l], gradient.Slice(_network.BiasOffset(l), rows), path);
            if (l > 1)
            {
                float[] delta = _delta[l - 1];
                ActivationKernels.Derivative(_network.Activations[l - 2], _z[l - 1], delta, path);
                _dropout?.Backward(delta, l - 1, path);
                Kernel.MatVecTransposedHadamard(_network.Weights(l), rows, columns, _delta[l], delta, delta, path);
            }
        }

        return cost;
    }
}
