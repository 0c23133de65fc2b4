// A fully-connected feed-forward network.
//
//   layer sizes  n⁰ (inputs), n¹, …, nᴸ (outputs)
//   parameters   one float[]: for l = 1..L, Wˡ (nˡ × nˡ⁻¹, row-major) then bˡ (nˡ)
//
//        Parameters: | W¹ | b¹ | W² | b² | … | Wᴸ | bᴸ |
//                      ^ Wˡ[j, k] = weight from neuron k of layer l−1 to neuron j of layer l
//
// Feedforward: zˡ = Wˡ·aˡ⁻¹ + bˡ (MatVec), aˡ = σˡ(zˡ), a⁰ = x.
using System.Buffers.Binary;
using System.IO.Hashing;
using CommunityToolkit.HighPerformance;
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>
/// A fully-connected feed-forward network: layer sizes, an activation per layer, a cost, and its
/// parameters. <see cref="Predict"/> allocates nothing after a thread's first call and may be
/// called from any number of threads at once while nothing trains the network.
/// </summary>
public sealed partial class Network
{
    [ThreadStatic]
    private static float[]? t_scratch;

    [ThreadStatic]
    private static float[]? t_wideOutputs;

    private readonly int[] _sizes;
    private readonly Activation[] _activations;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;
    private readonly float[] _parameters;
    private readonly int _parameterCount;
    private int _training;

    private Network(int[] sizes, Activation[] activations, Cost cost)
    {
        _sizes = sizes;
        _activations = activations;
        Cost = cost;
        _weightOffsets = new int[sizes.Length];
        _biasOffsets = new int[sizes.Length];
        long offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            _weightOffsets[l] = (int)offset;
            offset += (long)sizes[l] * sizes[l - 1];
            _biasOffsets[l] = (int)offset;
            offset += sizes[l];
            if (offset > Array.MaxLength)
            {
                throw new ArgumentException($"The network [{string.Join(',', sizes)}] has {offset:N0}+ parameters, more than one array can hold.", "layerSizes");
            }
        }

        _parameterCount = (int)offset;
        (_parameters, ParameterOrigin) = AlignedArray.Allocate(_parameterCount);
        MaxWidth = sizes.Max();
    }

    /// <summary>The number of neurons in each layer, inputs first.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    /// <summary>The activation of each layer after the inputs (<c>LayerSizes.Count − 1</c> entries).</summary>
    public IReadOnlyList<Activation> Activations => _activations;

    /// <summary>The cost the network is trained on.</summary>
    public Cost Cost { get; }

    /// <summary>The number of layers with weights (L).</summary>
    public int LayerCount => _sizes.Length - 1;

    /// <summary>The number of inputs n⁰.</summary>
    public int InputSize => _sizes[0];

    /// <summary>The number of outputs nᴸ.</summary>
    public int OutputSize => _sizes[^1];

    /// <summary>The total number of weights and biases.</summary>
    public int ParameterCount => _parameterCount;

    /// <summary>The widest layer.</summary>
    internal int MaxWidth { get; }

    /// <summary>
    /// The array holding the parameters, from <see cref="ParameterOrigin"/> on, in the documented
    /// order (W¹, b¹, W², b², …): layer l's weights start at ParameterOrigin + WeightOffset(l).
    /// </summary>
    internal float[] ParameterArray => _parameters;

    /// <summary>
    /// Where the parameters start in <see cref="ParameterArray"/>: on a 64-byte boundary, so that W¹'s
    /// rows (and every row whose width is a multiple of 16) start on one and no 256-bit load of them
    /// spans two cache lines (the load-bound kernels run up to 1.6× faster so).
    /// </summary>
    internal int ParameterOrigin { get; }

    /// <summary>All parameters in the documented order (W¹, b¹, W², b², …); writable.</summary>
    public Span<float> Parameters => _parameters.AsSpan(ParameterOrigin, _parameterCount);

    /// <summary>
    /// Builds a network and draws its parameters. Every combination accepted here trains
    /// correctly; any other is refused with the reason.
    /// </summary>
    /// <param name="layerSizes">n⁰, n¹, …, nᴸ: at least an input and an output layer, every size ≥ 1.</param>
    /// <param name="activations">σ¹ … σᴸ, one per layer after the inputs; softmax on the output layer only.</param>
    /// <param name="cost">The cost; it must suit the output activation (see <see cref="Cost"/>).</param>
    /// <param name="initialization">How weights and biases are drawn.</param>
    /// <param name="seed">The seed: one seed gives one network, on every machine.</param>
    /// <returns>The new network.</returns>
    /// <exception cref="ArgumentException">The layers, activations or cost do not fit together.</exception>
    public static Network Create(ReadOnlySpan<int> layerSizes, ReadOnlySpan<Activation> activations, Cost cost, Initialization initialization = Initialization.ScaledGaussian, long seed = 0)
    {
        var network = CreateUninitialized(layerSizes, activations, cost);
        network.Initialize(initialization, seed);
        return network;
    }

    /// <summary>Builds a network with one activation for every hidden layer and another for the output layer.</summary>
    /// <param name="layerSizes">n⁰, n¹, …, nᴸ.</param>
    /// <param name="hidden">σ of every hidden layer.</param>
    /// <param name="output">σᴸ.</param>
    /// <param name="cost">The cost.</param>
    /// <param name="initialization">How weights and biases are drawn.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The new network.</returns>
    /// <exception cref="ArgumentException">The layers, activations or cost do not fit together.</exception>
    public static Network Create(ReadOnlySpan<int> layerSizes, Activation hidden, Activation output, Cost cost, Initialization initialization = Initialization.ScaledGaussian, long seed = 0)
    {
        var activations = new Activation[Math.Max(layerSizes.Length - 1, 0)];
        activations.AsSpan().Fill(hidden);
        if (activations.Length > 0)
        {
            activations[^1] = output;
        }

        return Create(layerSizes, activations, cost, initialization, seed);
    }

    /// <summary>Builds a network whose parameters are all zero (to be set, e.g. by a model reader).</summary>
    /// <param name="layerSizes">n⁰, n¹, …, nᴸ.</param>
    /// <param name="activations">σ¹ … σᴸ.</param>
    /// <param name="cost">The cost.</param>
    /// <returns>The new network.</returns>
    /// <exception cref="ArgumentException">The layers, activations or cost do not fit together.</exception>
    public static Network CreateUninitialized(ReadOnlySpan<int> layerSizes, ReadOnlySpan<Activation> activations, Cost cost)
    {
        Validate(layerSizes, activations, cost);
        return new Network(layerSizes.ToArray(), activations.ToArray(), cost);
    }

    /// <summary>Redraws every parameter.</summary>
    /// <param name="initialization">How weights and biases are drawn.</param>
    /// <param name="seed">The seed.</param>
    public void Initialize(Initialization initialization, long seed)
    {
        var random = new DeterministicRandom(seed);
        for (int l = 1; l < _sizes.Length; l++)
        {
            int fanIn = _sizes[l - 1], fanOut = _sizes[l];
            (double weightStd, double biasStd) = initialization switch
            {
                Initialization.Gaussian => (1.0, 1.0),
                Initialization.ScaledGaussian => (1 / Math.Sqrt(fanIn), 1.0),
                Initialization.Xavier => (Math.Sqrt(2.0 / (fanIn + fanOut)), 0.0),
                Initialization.He => (Math.Sqrt(2.0 / fanIn), 0.0),
                _ => throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "Unknown initialization."),
            };
            foreach (ref float w in Weights(l))
            {
                w = (float)(random.NextGaussian() * weightStd);
            }

            foreach (ref float b in Biases(l))
            {
                b = biasStd == 0 ? 0f : (float)(random.NextGaussian() * biasStd);
            }
        }
    }

    /// <summary>The weights Wˡ as a row-major span (nˡ rows of nˡ⁻¹).</summary>
    /// <param name="layer">l, from 1 to <see cref="LayerCount"/>.</param>
    /// <returns>A writable view into the parameters.</returns>
    public Span<float> Weights(int layer)
    {
        CheckLayer(layer);
        return Parameters.Slice(_weightOffsets[layer], _sizes[layer] * _sizes[layer - 1]);
    }

    /// <summary>The weights Wˡ as a 2-D view: element [j, k] connects input k to neuron j.</summary>
    /// <param name="layer">l, from 1 to <see cref="LayerCount"/>.</param>
    /// <returns>A writable nˡ × nˡ⁻¹ view into the parameters.</returns>
    public Span2D<float> WeightMatrix(int layer)
    {
        CheckLayer(layer);
        return new Span2D<float>(_parameters, ParameterOrigin + _weightOffsets[layer], _sizes[layer], _sizes[layer - 1], 0);
    }

    /// <summary>The biases bˡ.</summary>
    /// <param name="layer">l, from 1 to <see cref="LayerCount"/>.</param>
    /// <returns>A writable view into the parameters.</returns>
    public Span<float> Biases(int layer)
    {
        CheckLayer(layer);
        return Parameters.Slice(_biasOffsets[layer], _sizes[layer]);
    }

    /// <summary>
    /// The output aᴸ for one input. Allocates nothing after the calling thread's first call and is
    /// safe on many threads at once (each thread has its own scratch).
    /// </summary>
    /// <param name="input">x, <see cref="InputSize"/> long.</param>
    /// <param name="output">aᴸ, <see cref="OutputSize"/> long.</param>
    /// <exception cref="ArgumentException">A length is wrong.</exception>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize)
        {
            throw new ArgumentException($"The input has {input.Length} values but the network takes {InputSize}.", nameof(input));
        }

        if (output.Length != OutputSize)
        {
            throw new ArgumentException($"The output span has {output.Length} elements but the network gives {OutputSize}.", nameof(output));
        }

        float[] scratch = t_scratch is { } s && s.Length >= (2 * MaxWidth) + InputSize ? s : (t_scratch = new float[(2 * MaxWidth) + InputSize]);
        KernelPath path = KernelDispatch.Active;
        ReadOnlySpan<float> a = input;
        if (InputScaling is { } scaling)
        {
            Span<float> scaled = scratch.AsSpan(2 * MaxWidth, InputSize);
            scaling.ApplyRows(input, scaled);
            a = scaled;
        }
        for (int l = 1; l < _sizes.Length; l++)
        {
            Span<float> z = l == _sizes.Length - 1
                ? output
                : scratch.AsSpan((l & 1) * MaxWidth, _sizes[l]);
            FeedForwardLayer(l, a, z, z, path);
            a = z;
        }
    }

    /// <summary>The index of the largest output for one input (the predicted class).</summary>
    /// <param name="input">x, <see cref="InputSize"/> long.</param>
    /// <returns>arg max aᴸ (the first on ties).</returns>
    public int Classify(ReadOnlySpan<float> input)
    {
        int outputSize = OutputSize;
        Span<float> output = outputSize <= 256 ? stackalloc float[outputSize] : WideOutputs(outputSize);
        Predict(input, output);
        return ArgMax(output);
    }

    /// <summary>
    /// This thread's room for the values of an output layer too wide for the stack (Classify here and
    /// in <see cref="Predictor"/>), allocated on its first need, so that Classify allocates nothing after it.
    /// </summary>
    internal static Span<float> WideOutputs(int length)
    {
        float[] values = t_wideOutputs is { } o && o.Length >= length ? o : (t_wideOutputs = new float[length]);
        return values.AsSpan(0, length);
    }

    /// <summary>A 64-bit XxHash3 of the architecture and every parameter's bits: equal hashes, equal networks.</summary>
    /// <returns>The hash, for logs and reproducibility checks.</returns>
    public ulong ComputeHash()
    {
        var hash = new XxHash3();
        Span<byte> word = stackalloc byte[4];
        foreach (int size in _sizes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, size);
            hash.Append(word);
        }

        foreach (Activation activation in _activations)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, (int)activation);
            hash.Append(word);
        }

        BinaryPrimitives.WriteInt32LittleEndian(word, (int)Cost);
        hash.Append(word);
        foreach (float p in Parameters)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, BitConverter.SingleToInt32Bits(p));
            hash.Append(word);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>A deep copy: same architecture, same parameter bits, same metadata, input and target scaling.</summary>
    /// <returns>The copy.</returns>
    public Network Clone()
    {
        var copy = new Network((int[])_sizes.Clone(), (Activation[])_activations.Clone(), Cost);
        Parameters.CopyTo(copy.Parameters);
        copy.Metadata.CopyFrom(Metadata);
        copy.InputScaling = InputScaling;
        copy.TargetScaling = TargetScaling;
        return copy;
    }

    /// <summary>A one-line description, e.g. <c>[784,30,10] sigmoid/sigmoid, quadratic</c>.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"[{string.Join(',', _sizes)}] {string.Join('/', _activations.Select(a => a.ToString().ToLowerInvariant()))}, {Cost.Name()}";

    /// <summary>The index of the largest value (the first on ties): the predicted class of an output vector.</summary>
    /// <param name="values">The outputs.</param>
    /// <returns>arg max, or 0 for an empty span.</returns>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Marks the network as being trained; false if it already is (by another call, on any thread).</summary>
    internal bool TryBeginTraining() => Interlocked.CompareExchange(ref _training, 1, 0) == 0;

    /// <summary>Ends what <see cref="TryBeginTraining"/> began.</summary>
    internal void EndTraining() => Volatile.Write(ref _training, 0);

    /// <summary>zˡ = Wˡ·a + bˡ into <paramref name="z"/>, then σˡ(zˡ) into <paramref name="activation"/> (which may be z).</summary>
    internal void FeedForwardLayer(int l, ReadOnlySpan<float> a, Span<float> z, Span<float> activation, KernelPath path)
    {
        Kernel.MatVec(
            Weights(l), _sizes[l], _sizes[l - 1], a, Biases(l), z, path);
        ActivationKernels.Apply(_activations[l - 1], z, activation, path);
    }

    /// <summary>Layer <paramref name="layer"/>'s weights, relative to the parameters' start (in <see cref="Parameters"/>, or in a gradient of the same layout).</summary>
    internal int WeightOffset(int layer) => _weightOffsets[layer];

    internal int BiasOffset(int layer) => _biasOffsets[layer];

    private void CheckLayer(int layer)
    {
        if (layer < 1 || layer >= _sizes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"Layers with weights are numbered 1 to {_sizes.Length - 1}.");
        }
    }

    private static void Validate(ReadOnlySpan<int> sizes, ReadOnlySpan<Activation> activations, Cost cost)
    {
        if (sizes.Length < 2)
        {
            throw new ArgumentException($"A network needs at least an input and an output layer; {sizes.Length} layer size(s) given.", "layerSizes");
        }

        for (int l = 0; l < sizes.Length; l++)
        {
            if (sizes[l] < 1)
            {
                throw new ArgumentException($"Layer {l} has size {sizes[l]}; every layer needs at least one neuron.", "layerSizes");
            }
        }

        if (activations.Length != sizes.Length - 1)
        {
            throw new ArgumentException($"{sizes.Length} layer sizes need {sizes.Length - 1} activations (one per layer after the inputs), but {activations.Length} were given.", nameof(activations));
        }

        for (int l = 0; l < activations.Length; l++)
        {
            if (!Enum.IsDefined(activations[l]))
            {
                throw new ArgumentException($"Activation {(int)activations[l]} of layer {l + 1} is not a known activation.", nameof(activations));
            }

            if (activations[l] == Activation.Softmax && l != activations.Length - 1)
            {
                throw new ArgumentException($"Softmax is only allowed on the output layer, but layer {l + 1} of {activations.Length} uses it.", nameof(activations));
            }
        }

        if (!Enum.IsDefined(cost))
        {
            throw new ArgumentException($"Cost {(int)cost} is not a known cost.", nameof(cost));
        }

        if (CostFunctions.Incompatibility(cost, activations[^1]) is { } reason)
        {
            throw new ArgumentException($"The {cost} cost cannot be used with {activations[^1]} outputs: {reason}.", nameof(cost));
        }
    }
}
