// Int8 inference over a quantized copy of a trained network.
//
//   qˡ⁻¹ = round_even(clamp(aˡ⁻¹ · 127 / rangeˡ⁻¹, −127, 127))       the input of layer l, int8
//   Sˡ   = qˡ⁻¹ · (Qˡ)ᵀ                                              exact int32 sums (Kernel.Int8Gemm)
//   zˡ_r = fma((float)Sˡ_r, fl(scaleˡ_r · rangeˡ⁻¹ / 127), bˡ_r)       fp32 epilogue (Kernel.DequantizeRows)
//   aˡ   = σ(zˡ)                                                     the fp32 activation kernels
//
// Qˡ is Wˡ quantized per row (Int8Matrix); rangeˡ⁻¹ is the input's largest magnitude, taken per
// sample on each call (dynamic) or fixed from calibration data (static, inputs beyond it clamp).
// A network that scales its inputs (InputScaling) carries the scaling: a⁰ = (x − offset)·scale, in
// fp32 as the fp32 network computes it, before a⁰ is quantized, so both take raw inputs; a
// regression network carries its TargetScaling and gives its targets in original units, y·σ + μ,
// as Predictor does.
// The integer sums are exact and every fp32 step is the same IEEE operation on every kernel path,
// so a sample gets the same bits alone or inside any batch, on every CPU.
//
// Shared state is read-only; each thread gets its own scratch on its first call, so any number of
// threads may call at once and, after that first call, nothing is allocated.
using System.Runtime.CompilerServices;
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>
/// A network with int8 weights (one fp32 scale per output row, symmetric) and int8 activations
/// quantized per call (dynamic) or from calibration data (static): allocation-free, thread-safe
/// inference whose every output has the same bits on every kernel path.
/// </summary>
public sealed class QuantizedNetwork
{
    /// <summary>
    /// Samples per block in <see cref="PredictBatch(ReadOnlySpan{float}, Span{float})"/>: bounds each
    /// thread's scratch; a multiple of 6, the int8 GEMM's widest tile of samples, so that a full block
    /// leaves none to its narrower body. (Each sample's outputs do not depend on the blocking.)
    /// </summary>
    private const int BlockRows = 60;

    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly int[] _sizes;
    private readonly Activation[] _activations;
    private readonly Int8Matrix[] _weights;
    private readonly float[][] _biases;
    private readonly float[]? _inputRanges;
    private readonly InputScaling? _inputScaling;
    private readonly TargetScaling? _targetScaling;
    private readonly int _maxWidth;
    private readonly int _maxStride;

    private QuantizedNetwork(int[] sizes, Activation[] activations, Cost cost, Int8Matrix[] weights, float[][] biases, float[]? inputRanges, InputScaling? inputScaling, TargetScaling? targetScaling)
    {
        _inputScaling = inputScaling;
        _targetScaling = targetScaling;
        _sizes = sizes;
        _activations = activations;
        Cost = cost;
        _weights = weights;
        _biases = biases;
        _inputRanges = inputRanges;
        _maxWidth = sizes.Max();
        _maxStride = weights.Max(w => w.Stride);
    }

    /// <summary>The number of neurons in each layer, input first.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    /// <summary>The activation of each layer after the input.</summary>
    public IReadOnlyList<Activation> Activations => _activations;

    /// <summary>The cost the network was trained with (kept for evaluation).</summary>
    public Cost Cost { get; }

    /// <summary>The number of weight layers.</summary>
    public int LayerCount => _sizes.Length - 1;

    /// <summary>The number of inputs.</summary>
    public int InputSize => _sizes[0];

    /// <summary>The number of outputs.</summary>
    public int OutputSize => _sizes[^1];

    /// <summary>Whether the activations are quantized with fixed ranges from calibration data (static) rather than per call.</summary>
    public bool IsStatic => _inputRanges is not null;

    /// <summary>
    /// The per-feature scaling applied to raw inputs before the first layer's input is quantized (the
    /// fp32 network's <see cref="Network.InputScaling"/>), or <see langword="null"/> (inputs used as given).
    /// </summary>
    public InputScaling? InputScaling => _inputScaling;

    /// <summary>
    /// A regression network's target scaling (the fp32 network's <see cref="Network.TargetScaling"/>),
    /// or <see langword="null"/>: with one, the outputs are the targets in their original units.
    /// </summary>
    public TargetScaling? TargetScaling => _targetScaling;

    /// <summary>For a static network, the range (largest magnitude) of each layer's input, layer 1 first; empty for a dynamic one.</summary>
    public ReadOnlySpan<float> InputRanges => _inputRanges;

    /// <summary>The quantized weights Qˡ of layer <paramref name="layer"/> (1 to <see cref="LayerCount"/>).</summary>
    /// <param name="layer">l.</param>
    /// <returns>The int8 matrix, nˡ × nˡ⁻¹.</returns>
    public Int8Matrix Weights(int layer) => _weights[CheckLayer(layer) - 1];

    /// <summary>The fp32 biases bˡ of layer <paramref name="layer"/> (1 to <see cref="LayerCount"/>).</summary>
    /// <param name="layer">l.</param>
    /// <returns>nˡ values.</returns>
    public ReadOnlySpan<float> Biases(int layer) => _biases[CheckLayer(layer) - 1];

    /// <summary>Quantizes <paramref name="network"/> with dynamic activations (each input's range taken per call).</summary>
    /// <param name="network">A trained network with finite weights.</param>
    /// <returns>The quantized network, with the network's <see cref="Network.InputScaling"/> and <see cref="Network.TargetScaling"/>; <paramref name="network"/> is not changed.</returns>
    public static QuantizedNetwork Quantize(Network network) => Quantize(network, null);

    /// <summary>
    /// Quantizes <paramref name="network"/> with static activations: each layer's input range is
    /// the largest magnitude it takes over <paramref name="calibration"/> in the fp32 network (the
    /// first layer's: of the scaled inputs, if the network scales its inputs).
    /// </summary>
    /// <param name="network">A trained network with finite weights.</param>
    /// <param name="calibration">Raw calibration inputs, row-major, whole rows of <see cref="Network.InputSize"/>, at least one.</param>
    /// <returns>The quantized network, with the network's <see cref="Network.InputScaling"/> and <see cref="Network.TargetScaling"/>.</returns>
    /// <exception cref="ArgumentException">The calibration data is empty or not whole rows.</exception>
    public static QuantizedNetwork Quantize(Network network, ReadOnlySpan<float> calibration)
    {
        ArgumentNullException.ThrowIfNull(network);
        int k = network.InputSize;
        if (calibration.IsEmpty || calibration.Length % k != 0)
        {
            throw new ArgumentException($"The calibration data holds {calibration.Length} values, not one or more whole rows of {k}.", nameof(calibration));
        }

        var ranges = new float[network.LayerCount];
        var a = new float[network.MaxWidth];
        var z = new float[network.MaxWidth];
        var scaled = new float[k];
        for (int first = 0; first < calibration.Length; first += k)
        {
            ReadOnlySpan<float> x = calibration.Slice(first, k);
            if (network.InputScaling is { } scaling)
            {
                scaling.ApplyRows(x, scaled);
                x = scaled;
            }

            for (int l = 1; l <= network.LayerCount; l++)
            {
                ranges[l - 1] = Math.Max(ranges[l - 1], Kernel.MaxAbs(x));
                if (l < network.LayerCount)
                {
                    Span<float> next = z.AsSpan(0, network.LayerSizes[l]);
                    network.FeedForwardLayer(l, x, next, next, KernelDispatch.Active);
                    next.CopyTo(a);
                    x = a.AsSpan(0, next.Length);
                }
            }
        }

        return Quantize(network, ranges);
    }

    /// <summary>A quantized network from its parts (as read from a model file).</summary>
    /// <param name="layerSizes">Neurons per layer, input first (at least two layers).</param>
    /// <param name="activations">One per weight layer.</param>
    /// <param name="cost">The training cost.</param>
    /// <param name="weights">Qˡ for l = 1…L, each nˡ × nˡ⁻¹.</param>
    /// <param name="biases">bˡ for l = 1…L, finite.</param>
    /// <param name="inputRanges">Static input ranges (one per layer, finite, ≥ 0), or <see langword="null"/> for dynamic.</param>
    /// <param name="inputScaling">The scaling of raw inputs before the first layer (<see cref="InputScaling"/>), or <see langword="null"/>.</param>
    /// <param name="targetScaling">The scaling that maps the outputs to original units (<see cref="TargetScaling"/>), or <see langword="null"/>.</param>
    /// <returns>The network (it keeps references to <paramref name="weights"/> and the scalings, which are immutable, and copies the rest).</returns>
    /// <exception cref="ArgumentException">A shape, count or value does not fit.</exception>
    public static QuantizedNetwork Create(IReadOnlyList<int> layerSizes, IReadOnlyList<Activation> activations, Cost cost, IReadOnlyList<Int8Matrix> weights, IReadOnlyList<float[]> biases, float[]? inputRanges, InputScaling? inputScaling = null, TargetScaling? targetScaling = null)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(biases);
        int layers = layerSizes.Count - 1;
        if (layers < 1 || activations.Count != layers || weights.Count != layers || biases.Count != layers || (inputRanges is not null && inputRanges.Length != layers))
        {
            throw new ArgumentException($"A quantized network of {layerSizes.Count} layer sizes needs {Math.Max(layers, 1)} activations, weight matrices, bias vectors (and ranges, if static).", nameof(layerSizes));
        }

        for (int l = 1; l <= layers; l++)
        {
            if (layerSizes[l - 1] < 1 || layerSizes[l] < 1 || weights[l - 1].Rows != layerSizes[l] || weights[l - 1].Columns != layerSizes[l - 1] || biases[l - 1].Length != layerSizes[l])
            {
                throw new ArgumentException($"Layer {l} should be {layerSizes[l]} × {layerSizes[l - 1]} with {layerSizes[l]} biases, but its matrix is {weights[l - 1].Rows} × {weights[l - 1].Columns} and it has {biases[l - 1].Length} biases.", nameof(weights));
            }

            if (!Array.TrueForAll(biases[l - 1], float.IsFinite) || (inputRanges is not null && !(float.IsFinite(inputRanges[l - 1]) && inputRanges[l - 1] >= 0f)))
            {
                throw new ArgumentException($"Layer {l} has a bias or an input range that is not a finite number (ranges must also be ≥ 0).", nameof(biases));
            }

            if (activations[l - 1] == Activation.Softmax && l != layers)
            {
                throw new ArgumentException($"Softmax is for the output layer only, but layer {l} of {layers} has it.", nameof(activations));
            }
        }

        if (inputScaling is not null && inputScaling.Size != layerSizes[0])
        {
            throw new ArgumentException($"The input scaling has {inputScaling.Size} features but the network takes {layerSizes[0]} inputs.", nameof(inputScaling));
        }

        if (targetScaling is not null && targetScaling.Size != layerSizes[layers])
        {
            throw new ArgumentException($"The target scaling has {targetScaling.Size} targets but the network gives {layerSizes[layers]} outputs.", nameof(targetScaling));
        }

        return new QuantizedNetwork([.. layerSizes], [.. activations], cost, [.. weights], [.. biases.Select(b => (float[])b.Clone())], (float[]?)inputRanges?.Clone(), inputScaling, targetScaling);
    }

    /// <summary>The output for one input; the same bits as its row in <see cref="PredictBatch(ReadOnlySpan{float}, Span{float})"/>, on every kernel path.</summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="output"><see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">A length is wrong.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => Predict(input, output, KernelDispatch.Active);

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

    /// <summary>The outputs for a row-major block of inputs, one sample per row.</summary>
    /// <param name="inputs">n × <see cref="InputSize"/> values.</param>
    /// <param name="outputs">n × <see cref="OutputSize"/> values.</param>
    /// <exception cref="ArgumentException">The lengths are not whole rows of the same count.</exception>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => PredictBatch(inputs, outputs, KernelDispatch.Active);

    /// <inheritdoc cref="Predict(ReadOnlySpan{float}, Span{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Predict(ReadOnlySpan<float> input, Span<float> output, KernelPath path)
    {
        if (input.Length != InputSize)
        {
            throw new ArgumentException($"The input has {input.Length} values but the network takes {InputSize}.", nameof(input));
        }

        if (output.Length != OutputSize)
        {
            throw new ArgumentException($"The output has room for {output.Length} values but the network gives {OutputSize}.", nameof(output));
        }

        Forward(input, output, 1, GetScratch(), path);
    }

    /// <inheritdoc cref="PredictBatch(ReadOnlySpan{float}, Span{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, KernelPath path)
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

        Scratch scratch = GetScratch();
        for (int first = 0; first < count; first += BlockRows)
        {
            int rows = Math.Min(BlockRows, count - first);
            Forward(inputs.Slice(first * inputSize, rows * inputSize), outputs.Slice(first * outputSize, rows * outputSize), rows, scratch, path);
        }
    }

    private static QuantizedNetwork Quantize(Network network, float[]? ranges)
    {
        var weights = new Int8Matrix[network.LayerCount];
        var biases = new float[network.LayerCount][];
        for (int l = 1; l <= network.LayerCount; l++)
        {
            weights[l - 1] = Int8Matrix.Quantize(network.Weights(l), network.LayerSizes[l], network.LayerSizes[l - 1]);
            biases[l - 1] = network.Biases(l).ToArray();
        }

        return new QuantizedNetwork([.. network.LayerSizes], [.. network.Activations], network.Cost, weights, biases, ranges, network.InputScaling, network.TargetScaling);
    }

    /// <summary>One block of up to <see cref="BlockRows"/> samples through every layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, int rows, Scratch scratch, KernelPath path)
    {
        ReadOnlySpan<float> a = inputs;
        if (_inputScaling is { } scaling)
        {
            // Into the activation block that layer 1 does not write (layer 2 writes it once layer 1's input is quantized).
            Span<float> scaled = scratch.Activations.AsSpan(0, rows * _sizes[0]);
            scaling.ApplyRows(inputs, scaled);
            a = scaled;
        }

        for (int l = 1; l < _sizes.Length; l++)
        {
            int k = _sizes[l - 1], n = _sizes[l];
            Int8Matrix w = _weights[l - 1];
            int stride = w.Stride;
            Span<sbyte> q = scratch.Quantized.AsSpan(0, rows * stride);
            Span<float> scales = scratch.Scales.AsSpan(0, rows);
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<float> x = a.Slice(i * k, k);
                float range = _inputRanges is { } fixedRanges ? fixedRanges[l - 1] : Kernel.MaxAbs(x, path);
                scales[i] = range / Kernel.Int8Limit;
                Kernel.QuantizeToInt8(x, range > 0f ? Kernel.Int8Limit / range : 0f, q.Slice(i * stride, stride), path);
            }

            Span<int> sums = scratch.Sums.AsSpan(0, rows * n);
            Kernel.Int8Gemm(w, q, rows, sums, path);
            Span<float> z = l == _sizes.Length - 1 ? outputs : scratch.Activations.AsSpan((l & 1) * BlockRows * _maxWidth, rows * n);
            ReadOnlySpan<float> bias = _biases[l - 1], rowScales = w.Scales;
            for (int i = 0; i < rows; i++)
            {
                Kernel.DequantizeRows(sums.Slice(i * n, n), rowScales, scales[i], bias, z.Slice(i * n, n), path);
            }

            ActivationKernels.ApplyRows(_activations[l - 1], z, z, n, path);
            a = z;
        }

        _targetScaling?.Restore(outputs);
    }

    /// <summary>This thread's scratch, grown on the first call that needs more room.</summary>
    private Scratch GetScratch()
    {
        Scratch? s = t_scratch;
        if (s is null || s.Quantized.Length < BlockRows * _maxStride || s.Sums.Length < BlockRows * _maxWidth)
        {
            int stride = Math.Max(_maxStride, s?.Quantized.Length / BlockRows ?? 0), width = Math.Max(_maxWidth, s?.Sums.Length / BlockRows ?? 0);
            t_scratch = s = new Scratch(new sbyte[BlockRows * stride], new int[BlockRows * width], new float[2 * BlockRows * width], new float[BlockRows]);
        }

        return s;
    }

    private int CheckLayer(int layer)
    {
        if (layer < 1 || layer > LayerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"Layers are numbered 1 to {LayerCount}.");
        }

        return layer;
    }

    /// <summary>One thread's buffers: the quantized inputs, the int32 sums, two blocks of activations, the per-sample scales.</summary>
    private sealed record Scratch(sbyte[] Quantized, int[] Sums, float[] Activations, float[] Scales);
}
