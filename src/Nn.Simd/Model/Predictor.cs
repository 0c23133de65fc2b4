// Inference over a frozen copy of a trained network.
//
//   Zˡ = Aˡ⁻¹·(Wˡ)ᵀ + bˡ with Gemm over blocks of up to 128 rows, against (Wˡ)ᵀ transposed once, at
//   construction, into the layout the micro-kernels stream. A single sample is a block of one row,
//   which the Gemm runs as a row vector times (Wˡ)ᵀ (on AVX-512 one pass over each panel below, with
//   up to 8 zmm accumulators): every element of (Wˡ)ᵀ is loaded once, contiguously, and the row-major MatVec's
//   horizontal sums are gone. A sample therefore gets the same bits alone or inside any batch, on
//   every path; it agrees with Network.Predict (the per-sample trainer's order) to rounding.
//
// Each layer is one GemmBias per panel: zˡ's rows start from bˡ and, for ReLU layers, end in relu,
// which on AVX-512 happens inside the Gemm tiles (a batch's zˡ is written once, not filled with the
// bias, accumulated into and rewritten by relu: a [784,256,256,10] batch of 1,000 went from 2,264 to
// 2,172 µs and from 2,187 to 2,120 µs in two same-process runs); other activations follow in their
// own pass.
//
// Layout: (Wˡ)ᵀ is stored in column panels of up to 128 (panel q: its K×w block, contiguous), from a
// 64-byte boundary, and each panel is one GemmBias. Since every element of z is its own chain, the
// order of the panels does not change a bit, so a single sample visits them forwards and backwards
// on alternate calls (per thread): the panel it read last, still in the cache, comes first. With
// 784-256-256-10 (1.07 MB of weights against a 1 MB L2) these two choices took a sample from 7.9
// to 7.2 µs (aligned rows: −0.6 µs; alternating: −0.5 µs); narrower layers are a single panel.
//
// A network that scales its inputs (InputScaling) and, for regression, its targets (TargetScaling)
// takes raw inputs and gives targets in their original units: inputs are scaled into the scratch
// before the first layer and the outputs mapped back, y·σ + μ, after the last.
//
// The predictor owns its weights (later training of the network does not change it) and keeps no
// shared mutable state: each thread gets its own scratch on its first call, so any number of
// threads may call it at once and, after that first call, nothing is allocated.
using System.Runtime.CompilerServices;
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>
/// Fast, allocation-free, thread-safe inference over a snapshot of a <see cref="Network"/>.
/// <see cref="Predict"/> and <see cref="PredictBatch"/> give a sample the same bits, on every kernel
/// path; both sum in the batched trainer's order and agree with <see cref="Network.Predict"/> to rounding.
/// It takes raw inputs (applying the network's <see cref="Network.InputScaling"/>) and gives a
/// regression network's targets in their original units (applying <see cref="TargetScaling.Restore"/>
/// of the network's <see cref="Network.TargetScaling"/>), as <c>nn predict</c> prints them and the
/// ONNX export computes them.
/// </summary>
public sealed class Predictor
{
    /// <summary>Rows per Gemm block in <see cref="PredictBatch"/>: bounds each thread's scratch.</summary>
    private const int BlockRows = 128;

    /// <summary>Columns of zˡ per panel of (Wˡ)ᵀ: 8 zmm chains (AVX-512), enough to cover the FMA latency.</summary>
    private const int PanelWidth = 128;

    [ThreadStatic]
    private static float[]? t_scratch;

    [ThreadStatic]
    private static bool t_backwards;

    private readonly Network _network;
    private readonly float[][] _panels;
    private readonly int[] _origins;

    /// <summary>Freezes a copy of <paramref name="network"/>'s architecture, parameters, <see cref="Network.InputScaling"/> and <see cref="Network.TargetScaling"/> (the predictor then takes raw inputs and gives targets in original units).</summary>
    /// <param name="network">A trained network.</param>
    public Predictor(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network.Clone();
        _panels = new float[_network.LayerSizes.Count][];
        _origins = new int[_network.LayerSizes.Count];
        _panels[0] = [];
        for (int l = 1; l < _network.LayerSizes.Count; l++)
        {
            int n = _network.LayerSizes[l], k = _network.LayerSizes[l - 1];
            (_panels[l], _origins[l]) = AlignedArray.Allocate(n * k);
            ReadOnlySpan<float> w = _network.Weights(l);
            for (int first = 0; first < n; first += PanelWidth)
            {
                int width = Math.Min(PanelWidth, n - first);
                Transposition.Transpose(w.Slice(first * k, width * k), width, k, _panels[l].AsSpan(_origins[l] + (first * k), width * k), KernelDispatch.Active);
            }
        }
    }

    /// <summary>The number of inputs.</summary>
    public int InputSize => _network.InputSize;

    /// <summary>The number of outputs.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>The output for one input (a regression network's targets in original units); the same bits as its row in <see cref="PredictBatch"/>.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="output"><see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">A length is wrong.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize)
        {
            throw new ArgumentException($"The input has {input.Length} values but the predictor takes {InputSize}.", nameof(input));
        }

        if (output.Length != OutputSize)
        {
            throw new ArgumentException($"The output has room for {output.Length} values but the predictor gives {OutputSize}.", nameof(output));
        }

        bool backwards = t_backwards;
        t_backwards = !backwards;
        float[] scratch = Scratch();
        Forward(Scaled(input, scratch), output, 1, scratch, KernelDispatch.Active, backwards);
        _network.TargetScaling?.Restore(output);
    }

    /// <summary>The predicted class (arg max of the outputs) for one input; allocates nothing after a thread's first call.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <returns>The class index.</returns>
    /// <exception cref="ArgumentException">The input's length is wrong.</exception>
    public int Classify(ReadOnlySpan<float> input)
    {
        int outputSize = OutputSize;
        Span<float> output = outputSize <= 256 ? stackalloc float[outputSize] : Network.WideOutputs(outputSize);
        Predict(input, output);
        return Network.ArgMax(output);
    }

    /// <summary>The outputs for a row-major block of inputs, one sample per row (a regression network's targets in original units).</summary>
    /// <param name="inputs">n × <see cref="InputSize"/> values.</param>
    /// <param name="outputs">n × <see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">The lengths are not whole rows of the same count.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int inputSize = InputSize, outputSize = OutputSize;
        if (inputs.Length % inputSize != 0)
        {
            throw new ArgumentException($"The inputs hold {inputs.Length} values, not whole rows of {inputSize}.", nameof(inputs));
        }

        int count = inputs.Length / inputSize;
        if (outputs.Length != count * outputSize)
        {
            throw new ArgumentException($"{count} input rows need {count * outputSize} output values ({outputSize} each), but the span has {outputs.Length}.", nameof(outputs));
        }

        float[] scratch = Scratch();
        KernelPath path = KernelDispatch.Active;
        for (int first = 0; first < count; first += BlockRows)
        {
            int rows = Math.Min(BlockRows, count - first);
            Forward(Scaled(inputs.Slice(first * inputSize, rows * inputSize), scratch), outputs.Slice(first * outputSize, rows * outputSize), rows, scratch, path, backwards: false);
        }

        _network.TargetScaling?.Restore(outputs);
    }

    /// <summary>This thread's scratch for two blocks of hidden activations (allocated on its first call).</summary>
    /// <summary>Two blocks of activations, then a block of scaled inputs (used when the network scales its inputs).</summary>
    private float[] Scratch()
    {
        int length = BlockRows * ((2 * _network.MaxWidth) + (_network.InputScaling is null ? 0 : _network.InputSize));
        return t_scratch is { } s && s.Length >= length ? s : (t_scratch = new float[length]);
    }

    /// <summary>The rows as the first layer takes them: scaled into the scratch's last block by the network's <see cref="InputScaling"/>, if it has one.</summary>
    private ReadOnlySpan<float> Scaled(ReadOnlySpan<float> inputs, float[] scratch)
    {
        if (_network.InputScaling is not { } scaling)
        {
            return inputs;
        }

        Span<float> scaled = scratch.AsSpan(2 * BlockRows * _network.MaxWidth, inputs.Length);
        scaling.ApplyRows(inputs, scaled);
        return scaled;
    }

    /// <summary>One block of up to <see cref="BlockRows"/> samples through every layer, each layer's panels in order or <paramref name="backwards"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int rows, float[] scratch, KernelPath path, bool backwards)
    {
        int width = _network.MaxWidth;
        ReadOnlySpan<float> a = inputs;
        for (int l = 1; l < _network.LayerSizes.Count; l++)
        {
            int n = _network.LayerSizes[l], previous = _network.LayerSizes[l - 1];
            Span<float> z = l == _network.LayerCount ? outputs : scratch.AsSpan((l & 1) * BlockRows * width, rows * n);
            ReadOnlySpan<float> bias = _network.Biases(l);
            Activation activation = _network.Activations[l - 1];
            bool relu = activation == Activation.Relu;
            int panels = (n + PanelWidth - 1) / PanelWidth;
            for (int i = 0; i < panels; i++)
            {
                int first = (backwards ? panels - 1 - i : i) * PanelWidth, columns = Math.Min(PanelWidth, n - first);
                ReadOnlySpan<float> panel = _panels[l].AsSpan(_origins[l] + (first * previous), columns * previous);
                Kernel.GemmBias(MatrixView.Of(a, rows, previous, previous), MatrixView.Of(panel, previous, columns, columns), MatrixView.Of(z[first..], rows, columns, n), bias.Slice(first, columns), relu, path);
            }

            if (!relu)
            {
                ActivationKernels.ApplyRows(activation, z, z, n, path);
            }

            a = z;
        }
    }
}
