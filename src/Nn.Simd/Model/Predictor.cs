// Inference over a frozen copy of a trained network.
//
//   single sample   zˡ = Wˡ·aˡ⁻¹ + bˡ with MatVec (the weights as trained, row-major), as Network.Predict
//   batch           Zˡ = Aˡ⁻¹·(Wˡ)ᵀ + bˡ with Gemm over blocks of up to 128 rows, against (Wˡ)ᵀ
//                   transposed once, at construction, into the layout the micro-kernel streams
//
// The predictor owns its weights (later training of the network does not change it) and keeps no
// shared mutable state: each thread gets its own scratch on its first call, so any number of
// threads may call it at once and, after that first call, nothing is allocated.
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>
/// Fast, allocation-free, thread-safe inference over a snapshot of a <see cref="Network"/>.
/// <see cref="Predict"/> gives exactly <see cref="Network.Predict"/>'s bits; <see cref="PredictBatch"/>
/// sums in the batched order (agreeing to rounding, as the batched trainer does).
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

    /// <summary>The output for one input; the same bits as <see cref="Network.Predict"/> on the frozen parameters.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="output"><see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">A length is wrong.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => _network.Predict(input, output);

    /// <summary>The predicted class (arg max of the outputs) for one input.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <returns>The class index.</returns>
    public int Classify(ReadOnlySpan<float> input) => _network.Classify(input);

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

        int width = _network.MaxWidth;
        float[] scratch = t_scratch is { } s && s.Length >= 2 * BlockRows * width ? s : (t_scratch = new float[2 * BlockRows * width]);
        KernelPath path = KernelDispatch.Active;
        for (int first = 0; first < count; first += BlockRows)
        {
            int rows = Math.Min(BlockRows, count - first);
            ReadOnlySpan<float> a = inputs.Slice(first * inputSize, rows * inputSize);
            for (int l = 1; l < _network.LayerSizes.Count; l++)
            {
                int n = _network.LayerSizes[l], previous = _network.LayerSizes[l - 1];
                Span<float> z = l == _network.LayerCount
                    ? outputs.Slice(first * outputSize, rows * outputSize)
                    : scratch.AsSpan((l & 1) * BlockRows * width, rows * n);
                _network.FillBiasRows(l, z);
                Kernel.Gemm(a, previous, false, _transposed[l], n, z, n, rows, n, previous, accumulate: true, path);
                ActivationKernels.ApplyRows(_network.Activations[l - 1], z, z, n, path);
                a = z;
            }
        }
    }
}
