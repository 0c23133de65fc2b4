// The matrix-based mini-batch: the four equations for all m samples of a mini-batch at once, each
// sample a row of an m × n block, every product one Gemm call:
//
//   forward   Zˡ = Aˡ⁻¹·(Wˡ)ᵀ + bˡ          Gemm(A = Aˡ⁻¹, B = (Wˡ)ᵀ, C = Zˡ pre-filled with bˡ)
//             Aˡ = σ(Zˡ)                     activation kernels (softmax row by row)
//   (1)       Δᴸ = (Aᴸ − Y) [⊙ σ′(Zᴸ)]       Axpy, Hadamard over the block
//   (2)       Δˡ = (Δˡ⁺¹·Wˡ⁺¹) ⊙ σ′(Zˡ)        Gemm(A = Δˡ⁺¹, B = Wˡ⁺¹), Hadamard
//   (3)       ∂C/∂Wˡ = (Δˡ)ᵀ·Aˡ⁻¹              Gemm(A = Δˡ transposed, B = Aˡ⁻¹)
//   (4)       ∂C/∂bˡ = Σ_rows Δˡ               Axpy row by row
//
// Where each layer's weights live during an epoch, and so which form its products take, is chosen
// per layer to move the fewest floats through a transpose each step:
//   • the first layer keeps its master copy transposed, (W¹)ᵀ, for the whole epoch: the forward
//     product reads it as B, the gradient is computed transposed, (∂C/∂W¹)ᵀ = (A⁰)ᵀ·Δ¹, the step is
//     taken on it, and nothing below needs W¹ (no error propagates into the inputs). W¹ is written
//     back from it when the epoch ends (also when it ends by an exception).
//   • a deeper layer keeps Wˡ, which equation (2) reads, and either refreshes a transposed copy after
//     every step (n × previous floats) or computes (Zˡ)ᵀ = Wˡ·(Aˡ⁻¹)ᵀ and transposes the two
//     activation blocks instead (m × (previous + n) floats), whichever is fewer.
// Every form computes each zᵢⱼ as the fma chain bⱼ + Σₚ wⱼₚ·aᵢₚ in increasing p and each gradient
// element as the chain Σᵢ δᵢⱼ·aᵢₚ in increasing i, and the step is element-wise, so all of them give
// the same bits.
//
// With dropout, each hidden row of Aˡ is multiplied by its sample's mask after the activation, and
// the rows of σ′(Zˡ) by the same (kept) masks before the Hadamard product of (2); the masks of a
// mini-batch are drawn while its inputs are gathered (see HiddenDropout).
//
// Each weight is read once per mini-batch instead of once per sample. Equations (2)–(4) perform
// exactly the per-sample operations in the same order (a Gemm element is one fma chain over its
// inner index, as MatVecTransposed's and OuterProductAdd's accumulations are), so for the same
// forward values they give the same bits. The forward pass differs: Gemm sums each weighted input
// in one chain from bˡ, where MatVec uses the 32-lane order and adds bˡ last. Per-sample and batched
// training therefore agree to rounding, not to the bit (BatchedTrainingTests states the bound).
using CommunityToolkit.HighPerformance;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>The batched engine: buffers and the passes of the matrix-based mini-batch for one network and a largest batch size.</summary>
internal sealed class BatchedBackpropagation : IShardEngine
{
    private readonly Network _network;
    private readonly int _capacity;
    private readonly float[][] _z;
    private readonly float[][] _a;
    private readonly float[][] _delta;
    private readonly float[][] _transposedWeights;
    private readonly int[] _transposedOrigins;
    private readonly LayerForm[] _forms;
    private readonly float[] _transposedInput;
    private readonly float[] _transposedOutput;
    private readonly float[] _scratch;
    private readonly float[] _targets;
    private readonly ParallelGemm _gemm;
    private readonly ParallelTranspose _transpose = new();
    private readonly ParallelGather _gather;
    private readonly ParameterBlock[] _parameters;
    private readonly HiddenDropout? _dropout;
    private bool _masterIsTransposed;

    /// <summary>Buffers for <paramref name="network"/> and mini-batches of up to <paramref name="capacity"/> samples.</summary>
    /// <param name="network">The network being trained.</param>
    /// <param name="capacity">The largest mini-batch.</param>
    /// <param name="pool">Workers for the products, or null; the engine disposes it.</param>
    /// <param name="deepForwardByActivations">
    /// The deeper layers' forward form: null chooses the one with the smaller transposes; true or
    /// false forces (Zˡ)ᵀ = Wˡ·(Aˡ⁻¹)ᵀ or the refreshed (Wˡ)ᵀ (tests: both give the same bits).
    /// </param>
    /// <param name="dropout">Masks the hidden layers during training, if given.</param>
    /// <exception cref="ArgumentException">A block of <paramref name="capacity"/> rows of the widest layer would not fit in an array.</exception>
    public BatchedBackpropagation(Network network, int capacity, WorkerPool? pool, bool? deepForwardByActivations = null, HiddenDropout? dropout = null)
    {
        long block = (long)capacity * network.MaxWidth;
        if (block > Array.MaxLength)
        {
            throw new ArgumentException($"A mini-batch of {capacity:N0} samples through a layer of {network.MaxWidth:N0} neurons needs blocks of {block:N0} floats, more than an array holds; use a smaller mini-batch.", nameof(capacity));
        }

        _network = network;
        _dropout = dropout;
        _gemm = new ParallelGemm(pool);
        _gather = new ParallelGather(capacity, dropout);
        Pool = pool;
        _capacity = capacity;
        int layers = network.LayerSizes.Count;
        _z = new float[layers][];
        _a = new float[layers][];
        _delta = new float[layers][];
        _transposedWeights = new float[layers][];
        _transposedOrigins = new int[layers];
        _forms = new LayerForm[layers];
        for (int l = 0; l < layers; l++)
        {
            int size = network.LayerSizes[l];
            _z[l] = new float[capacity * size];
            _a[l] = new float[capacity * size];
            _delta[l] = new float[capacity * size];
            int previous = l == 0 ? 0 : network.LayerSizes[l - 1];
            _forms[l] = l switch
            {
                0 => LayerForm.Input,
                1 => LayerForm.TransposedMaster,
                _ when deepForwardByActivations ?? ((long)size * previous > (long)capacity * (previous + size)) => LayerForm.TransposedActivations,
                _ => LayerForm.TransposedCopy,
            };
            (_transposedWeights[l], _transposedOrigins[l]) = _forms[l] is LayerForm.TransposedMaster or LayerForm.TransposedCopy ? AlignedArray.Allocate(size * previous) : ([], 0);
        }

        _transposedInput = new float[capacity * network.MaxWidth];
        _transposedOutput = new float[capacity * network.MaxWidth];
        _scratch = new float[capacity * network.MaxWidth];
        _targets = new float[capacity * network.OutputSize];
        Gradient = new float[network.ParameterCount];
        _parameters = ParameterBlock.Of(network);
        _parameters[0] = _parameters[0] with { Values = _transposedWeights[1], Offset = _transposedOrigins[1] };
    }

    /// <summary>How a layer's forward product and gradient step meet its weights.</summary>
    private enum LayerForm
    {
        /// <summary>The input layer: no weights.</summary>
        Input,

        /// <summary>The master copy during an epoch is (Wˡ)ᵀ; the gradient is computed transposed.</summary>
        TransposedMaster,

        /// <summary>Wˡ is the master; (Wˡ)ᵀ is refreshed after each step for the forward product.</summary>
        TransposedCopy,

        /// <summary>Wˡ is the master; the forward product runs transposed, (Zˡ)ᵀ = Wˡ·(Aˡ⁻¹)ᵀ.</summary>
        TransposedActivations,
    }

    /// <summary>The largest mini-batch the buffers hold.</summary>
    public int Capacity => _capacity;

    /// <summary>
    /// Σ ∂C_x/∂w over the last mini-batch, laid out like the parameters except that the first
    /// layer's weight gradient is stored transposed (previous × n), as its master copy is.
    /// </summary>
    public float[] Gradient { get; }

    public WorkerPool? Pool { get; }

    /// <summary>The network's parameters, except that the first layer's weights are its master copy (W¹)ᵀ, whose gradient block is transposed alike.</summary>
    public ReadOnlySpan<ParameterBlock> Parameters => _parameters;

    public void Dispose() => Pool?.Dispose();

    /// <summary>Takes the network's weights as the starting point of epoch <paramref name="epoch"/>: (W¹)ᵀ and the transposed copies.</summary>
    public void BeginEpoch(int epoch)
    {
        if (_dropout is not null)
        {
            _dropout.Epoch = (uint)epoch;
        }

        for (int l = 1; l < _z.Length; l++)
        {
            if (_forms[l] is LayerForm.TransposedMaster or LayerForm.TransposedCopy)
            {
                TransposeWeightsOut(l);
            }
        }

        _masterIsTransposed = true;
    }

    /// <summary>After a gradient step: refreshes the transposed copies of the deeper layers.</summary>
    public void AfterStep()
    {
        for (int l = 2; l < _z.Length; l++)
        {
            if (_forms[l] == LayerForm.TransposedCopy)
            {
                TransposeWeightsOut(l);
            }
        }
    }

    /// <summary>Writes W¹ back into the network from its transposed master copy (safe to call more than once).</summary>
    public void EndEpoch()
    {
        if (!_masterIsTransposed)
        {
            return;
        }

        FirstLayerToParameterLayout(_transposedWeights[1], _transposedOrigins[1], _network.ParameterArray, _network.ParameterOrigin);
        _masterIsTransposed = false;
    }

    /// <summary>While an epoch runs, writes W¹ from its transposed master copy into a copy of the parameters.</summary>
    public void CopyHeldParameters(float[] parameters)
    {
        if (_masterIsTransposed)
        {
            FirstLayerToParameterLayout(_transposedWeights[1], _transposedOrigins[1], parameters, 0);
        }
    }

    /// <summary>Copies <paramref name="source"/> and turns its first layer's block back into the parameters' layout.</summary>
    public void ToParameterLayout(float[] source, float[] destination)
    {
        source.AsSpan(0, Gradient.Length).CopyTo(destination);
        FirstLayerToParameterLayout(source, _network.WeightOffset(1), destination, 0);
    }

    /// <summary>Copies <paramref name="source"/> and turns its first layer's block into the transposed layout.</summary>
    public void FromParameterLayout(float[] source, float[] destination)
    {
        source.AsSpan(0, Gradient.Length).CopyTo(destination);
        _transpose.Run(Pool, source, _network.WeightOffset(1), _network.LayerSizes[1], _network.LayerSizes[0], destination, _network.WeightOffset(1));
    }

    /// <summary>A first-layer block in the transposed layout (previous × n, from <paramref name="offset"/>) into W¹'s place in <paramref name="parameters"/> (whose layout starts at <paramref name="origin"/>).</summary>
    private void FirstLayerToParameterLayout(float[] transposed, int offset, float[] parameters, int origin) =>
        _transpose.Run(Pool, transposed, offset, _network.LayerSizes[0], _network.LayerSizes[1], parameters, origin + _network.WeightOffset(1));

    private void TransposeWeightsOut(int l) =>
        _transpose.Run(Pool, _network.ParameterArray, _network.ParameterOrigin + _network.WeightOffset(l), _network.LayerSizes[l], _network.LayerSizes[l - 1], _transposedWeights[l], _transposedOrigins[l]);

    /// <summary>
    /// The summed gradient of the samples <paramref name="indices"/> of <paramref name="data"/>
    /// into <see cref="Gradient"/> (overwritten). Call between <see cref="BeginEpoch"/> and <see cref="EndEpoch"/>.
    /// </summary>
    /// <returns>The samples' summed cost and how many were classified right by the forward pass.</returns>
    public (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> indices, KernelPath path) =>
        ComputeGradient(data, indices, Gradient, path);

    /// <summary>As <see cref="ComputeGradient(Dataset, ReadOnlySpan{int}, KernelPath)"/>, into <paramref name="gradient"/> (laid out like <see cref="Gradient"/>).</summary>
    /// <returns>The samples' summed cost and how many were classified right by the forward pass.</returns>
    public (double Cost, int Correct) ComputeGradient(Dataset data, ReadOnlySpan<int> indices, Memory<float> gradient, KernelPath path)
    {
        IShardEngine.CheckLength(gradient, Gradient.Length);

        int m = indices.Length;
        if (m > _capacity)
        {
            throw new ArgumentException($"A mini-batch of {m} samples exceeds the {_capacity} the buffers were sized for.", nameof(indices));
        }

        if (!_masterIsTransposed)
        {
            throw new InvalidOperationException("ComputeGradient runs between BeginEpoch and EndEpoch.");
        }

        int last = _z.Length - 1;
        int outputs = _network.OutputSize;
        _gather.Run(Pool, data, indices, _a[0], _targets, path);
        Span<float> y = _targets.AsSpan(0, m * outputs);

        for (int l = 1; l <= last; l++)
        {
            int n = _network.LayerSizes[l], previous = _network.LayerSizes[l - 1];
            if (_forms[l] == LayerForm.TransposedActivations)
            {
                ForwardByActivations(l, m, n, previous, path);
            }
            else
            {
                _gemm.RunBias(new(_a[l - 1], 0, m, previous, 0), new(_transposedWeights[l], _transposedOrigins[l], previous, n, 0), new(_z[l], 0, m, n, 0), _network.ParameterArray.AsMemory(_network.ParameterOrigin + _network.BiasOffset(l), n), path);
            }

            ActivationKernels.ApplyRows(_network.Activations[l - 1], _z[l].AsSpan(0, m * n), _a[l].AsSpan(0, m * n), n, path);
            if (l < last)
            {
                _dropout?.Forward(_a[l].AsSpan(0, m * n), l, path);
            }
        }

        double cost = 0;
        int correct = 0;
        ReadOnlySpan<float> output = _a[last].AsSpan(0, m * outputs);
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> row = output.Slice(i * outputs, outputs);
            cost += CostFunctions.Evaluate(_network.Cost, row, y.Slice(i * outputs, outputs));
            if (Network.ArgMax(row) == data.Label(indices[i]))
            {
                correct++;
            }
        }

        Span<float> deltaL = _delta[last].AsSpan(0, m * outputs);
        CostFunctions.OutputError(_network.Cost, _network.Activations[last - 1], _z[last].AsSpan(0, m * outputs), output, y, deltaL, _scratch.AsSpan(0, m * outputs), path);

        float[] parameters = _network.ParameterArray;
        for (int l = last; l >= 1; l--)
        {
            int n = _network.LayerSizes[l], previous = _network.LayerSizes[l - 1];
            ReadOnlySpan<float> delta = _delta[l].AsSpan(0, m * n);
            if (_forms[l] == LayerForm.TransposedMaster)
            {
                _gemm.Run(new(_a[l - 1], 0, m, previous, 0), true, new(_delta[l], 0, m, n, 0), gradient.AsMemory2D(_network.WeightOffset(l), previous, n, 0), accumulate: false, path);
            }
            else
            {
                _gemm.Run(new(_delta[l], 0, m, n, 0), true, new(_a[l - 1], 0, m, previous, 0), gradient.AsMemory2D(_network.WeightOffset(l), n, previous, 0), accumulate: false, path);
            }

            Span<float> biasGradient = gradient.Span.Slice(_network.BiasOffset(l), n);
            biasGradient.Clear();
            for (int i = 0; i < m; i++)
            {
                Kernel.Axpy(1f, delta.Slice(i * n, n), biasGradient, path);
            }

            if (l > 1)
            {
                Span<float> below = _delta[l - 1].AsSpan(0, m * previous);
                Span<float> derivative = _scratch.AsSpan(0, m * previous);
                _gemm.Run(new(_delta[l], 0, m, n, 0), false, new(parameters, _network.ParameterOrigin + _network.WeightOffset(l), n, previous, 0), new(_delta[l - 1], 0, m, previous, 0), accumulate: false, path);
                ActivationKernels.Derivative(_network.Activations[l - 2], _z[l - 1].AsSpan(0, m * previous), derivative, path);
                _dropout?.Backward(derivative, l - 1, path);
                Kernel.Hadamard(below, derivative, below, path);
            }
        }

        return (cost, correct);
    }

    /// <summary>Zˡ through its transpose: (Zˡ)ᵀ = bˡ (in every column) + Wˡ·(Aˡ⁻¹)ᵀ, then Zˡ = ((Zˡ)ᵀ)ᵀ.</summary>
    private void ForwardByActivations(int l, int m, int n, int previous, KernelPath path)
    {
        Transposition.Transpose(_a[l - 1].AsSpan(0, m * previous), m, previous, _transposedInput, path);
        Span<float> zt = _transposedOutput.AsSpan(0, n * m);
        ReadOnlySpan<float> bias = _network.Biases(l);
        for (int j = 0; j < n; j++)
        {
            zt.Slice(j * m, m).Fill(bias[j]);
        }

        _gemm.Run(new(_network.ParameterArray, _network.ParameterOrigin + _network.WeightOffset(l), n, previous, 0), false, new(_transposedInput, 0, previous, m, 0), new(_transposedOutput, 0, n, m, 0), accumulate: true, path);
        Transposition.Transpose(zt, n, m, _z[l], path);
    }
}
