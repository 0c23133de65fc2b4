// Inverted dropout on the hidden layers during training: the forward pass multiplies a hidden
// layer's activations aˡ by a mask fˡ (fⱼ = 1/(1 − pˡ) for a kept unit, 0 for a dropped one), and
// the backward pass multiplies that layer's δˡ by the same fˡ:
//
//   aˡ = σ(zˡ) ⊙ fˡ                   δˡ = ((Wˡ⁺¹)ᵀ·δˡ⁺¹) ⊙ (σ′(zˡ) ⊙ fˡ)
//
// The mask of (sample, layer) in an epoch is drawn from Philox4x32-10 under the key
// (seed, epoch, the sample's index in the training set, layer) by Kernel.DropoutMask: the same on
// every kernel path, for any thread count and in either engine. The masks of a mini-batch are kept
// for the backward pass rather than drawn again: on a 128 × 256 block (AVX-512, Zen 5) drawing a
// mask took 21 µs and a Hadamard product 4 µs, so draw + two products (29 µs) beat two draws (42 µs).
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Workers;

namespace Nn.Simd.Training;

/// <summary>The dropout rate of each layer and the key its masks are drawn under.</summary>
internal sealed class HiddenDropout
{
    private readonly float[] _rates;
    private readonly float[][] _masks;
    private readonly int[] _widths;
    private readonly int[] _samples;
    private readonly ulong _seed;
    private readonly MaskDraw _draw;

    private HiddenDropout(float[] rates, float[][] masks, int[] widths, int capacity, long seed)
    {
        _rates = rates;
        _masks = masks;
        _widths = widths;
        _samples = new int[capacity];
        _seed = (ulong)seed;
        _draw = new MaskDraw(this);
    }

    /// <summary>The epoch the masks are drawn for; the engines set it at the start of each epoch.</summary>
    public uint Epoch { get; set; }

    /// <summary>The dropout of <paramref name="options"/> on <paramref name="network"/> with masks for mini-batches of up to <paramref name="capacity"/> samples, or null when every rate is 0.</summary>
    /// <exception cref="ArgumentException">The options give neither one rate nor one per hidden layer.</exception>
    public static HiddenDropout? For(Network network, TrainingOptions options, int capacity)
    {
        Check(network, options);
        IReadOnlyList<float> given = options.Dropout;
        if (given.Count == 0)
        {
            return null;
        }

        var rates = new float[network.LayerSizes.Count];
        for (int l = 1; l < rates.Length - 1; l++)
        {
            rates[l] = given.Count == 1 ? given[0] : given[l - 1];
        }

        float[][] masks = [.. rates.Select((r, l) => r > 0 ? new float[(long)capacity * network.LayerSizes[l]] : [])];
        return rates.Any(r => r > 0) ? new HiddenDropout(rates, masks, [.. network.LayerSizes], capacity, options.Seed) : null;
    }

    /// <summary>Throws when <see cref="TrainingOptions.Dropout"/> is neither empty, one rate, nor one rate per hidden layer of <paramref name="network"/>.</summary>
    /// <exception cref="ArgumentException">The count of rates does not fit the network.</exception>
    public static void Check(Network network, TrainingOptions options)
    {
        int hidden = network.LayerSizes.Count - 2, given = options.Dropout.Count;
        if (given > 1 && given != hidden)
        {
            throw new ArgumentException($"Dropout gives {given} rates but the network {network} has {hidden} hidden layer{(hidden == 1 ? string.Empty : "s")}: give one rate for all of them or one per hidden layer.", nameof(options));
        }
    }

    /// <summary>
    /// Draws layer <paramref name="layer"/>'s masks for the block of <paramref name="activations"/>
    /// whose row i belongs to training sample <paramref name="samples"/>[i], keeps them, and
    /// multiplies them into the block in place, split by rows over <paramref name="pool"/> (each row
    /// is drawn and multiplied alike on any thread); nothing when the layer's rate is 0.
    /// </summary>
    public void Forward(float[] activations, ReadOnlySpan<int> samples, int layer, KernelPath path, WorkerPool? pool = null)
    {
        if (_rates[layer] == 0 || samples.IsEmpty)
        {
            return;
        }

        samples.CopyTo(_samples);
        _draw.Run(pool, activations, samples.Length, layer, path);
    }

    /// <summary>Multiplies σ′ of layer <paramref name="layer"/>'s block by the masks the last <see cref="Forward"/> drew for it, in place.</summary>
    public void Backward(Span<float> derivative, int layer, KernelPath path)
    {
        if (_rates[layer] > 0)
        {
            Kernel.Hadamard(derivative, _masks[layer].AsSpan(0, derivative.Length), derivative, path);
        }
    }

    /// <summary>The masks of a block's rows [start, end) drawn and multiplied into its activations.</summary>
    private sealed class MaskDraw(HiddenDropout owner) : RangeWork
    {
        private float[] _activations = [];
        private int _layer;
        private KernelPath _path;

        /// <remarks>
        /// A mask unit costs about what five element-wise operations do (21 µs for 128 × 256 against
        /// 4 µs for a Hadamard product), so a row counts as 8 elements a unit when deciding the split.
        /// </remarks>
        public void Run(WorkerPool? pool, float[] activations, int rows, int layer, KernelPath path)
        {
            (_activations, _layer, _path) = (activations, layer, path);
            RunOver(pool, rows, 8, 8 * owner._widths[layer], splitWhenSpinning: true);
        }

        protected override void ExecuteRange(int start, int end)
        {
            int n = owner._widths[_layer];
            float rate = owner._rates[_layer];
            Span<float> mask = owner._masks[_layer].AsSpan(start * n, (end - start) * n);
            for (int i = start; i < end; i++)
            {
                Kernel.DropoutMask(mask.Slice((i - start) * n, n), rate, new DropoutKey(owner._seed, owner.Epoch, (uint)owner._samples[i], (uint)_layer), _path);
            }

            Span<float> block = _activations.AsSpan(start * n, (end - start) * n);
            Kernel.Hadamard(block, mask, block, _path);
        }
    }
}
