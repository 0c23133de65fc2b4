// Inference over a frozen copy of a trained network.
//
//   Zˡ = Aˡ⁻¹·(Wˡ)ᵀ + bˡ with Gemm over blocks of up to 128 rows, against (Wˡ)ᵀ transposed once, at
//   construction, into the layout the micro-kernels stream. A single sample is a block of one row,
//   which the Gemm runs as a row vector times (Wˡ)ᵀ (on AVX-512 one pass over (Wˡ)ᵀ with up to 16
//   accumulators): every element of (Wˡ)ᵀ is loaded once, contiguously, and the row-major MatVec's
//   horizontal sums are gone. A sample therefore gets the same bits alone or inside any batch, on
//   every path; it agrees with Network.Predict (the per-sample trainer's order) to rounding.
//
// The predictor owns its weights (later training of the network does not change it) and keeps no
// shared mutable state: each thread gets its own scratch on its first call, so any number of
// threads may call it at once and, after that first call, nothing is allocated.
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>
/// Fast, allocation-free, thread-safe inference over a snapshot of a <see cref="Network"/>.
/// <see cref="Predict"/> and <see cref="PredictBatch"/> give a sample the same bits, on every kernel
/// path; both sum in the batched trainer's order and agree with <see cref="Network.Predict"/> to rounding.
/// </summary>
public sealed class Predictor
{
    /// <summary>Rows per Gemm block in <see cref="PredictBatch"/>: bounds each thread's scratch.</summary>
    private const int BlockRows = 128;

    [ThreadStatic]
    private static float[]? t_scratch;

    private readonly Network _network;
    private readonly float[][] _transposed;

    /// <summary>Freezes a copy of <paramref name="network"/>'s architecture and parameters.</summary>
    /// <param name="network">A trained network.</param>
    public Predictor(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network.Clone();
        _transposed = new float[_network.LayerSizes.Count][];
        _transposed[0] = [];
        for (int l = 1; l < _network.LayerSizes.Count; l++)
        {
            int rows = _network.LayerSizes[l], columns = _network.LayerSizes[l - 1];
            _transposed[l] = new float[rows * columns];
            Training.BatchedBackpropagation.Transpose(_network.Weights(l), rows, columns, _transposed[l]);
        }
    }

    /// <summary>The number of inputs.</summary>
    public int InputSize => _network.InputSize;

    /// <summary>The number of outputs.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>The output for one input; the same bits as its row in <see cref="PredictBatch"/>.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="output"><see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">A length is wrong.</exception>
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

        Forward(input, output, 1, Scratch(), KernelDispatch.Active);
    }

    /// <summary>The predicted class (arg max of the outputs) for one input.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <returns>The class index.</returns>
    /// <exception cref="ArgumentException">The input's length is wrong.</exception>
    public int Classify(ReadOnlySpan<float> input)
    {
        Span<float> output = OutputSize <= 256 ? stackalloc float[OutputSize] : new float[OutputSize];
        Predict(input, output);
        return Network.ArgMax(output);
    }

    /// <summary>The outputs for a row-major block of inputs, one sample per row.</summary>
    /// <param name="inputs">n × <see cref="InputSize"/> values.</param>
    /// <param name="outputs">n × <see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">The lengths are not whole rows of the same count.</exception>
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
            Forward(inputs.Slice(first * inputSize, rows * inputSize), outputs.Slice(first * outputSize, rows * outputSize), rows, scratch, path);
        }
    }

    /// <summary>This thread's scratch for two blocks of hidden activations (allocated on its first call).</summary>
    private float[] Scratch()
    {
        int length = 2 * BlockRows * _network.MaxWidth;
        return t_scratch is { } s && s.Length >= length ? s : (t_scratch = new float[length]);
    }

    /// <summary>One block of up to <see cref="BlockRows"/> samples through every layer.</summary>
    private void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int rows, float[] scratch, KernelPath path)
    {
        int width = _network.MaxWidth;
        ReadOnlySpan<float> a = inputs;
        for (int l = 1; l < _network.LayerSizes.Count; l++)
        {
            int n = _network.LayerSizes[l], previous = _network.LayerSizes[l - 1];
            Span<float> z = l == _network.LayerCount ? outputs : scratch.AsSpan((l & 1) * BlockRows * width, rows * n);
            _network.FillBiasRows(l, z);
            Kernel.Gemm(a, previous, false, _transposed[l], n, z, n, rows, n, previous, accumulate: true, path);
            ActivationKernels.ApplyRows(_network.Activations[l - 1], z, z, n, path);
            a = z;
        }
    }
}
