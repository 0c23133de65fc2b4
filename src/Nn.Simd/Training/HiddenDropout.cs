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
// mask took 9–12 µs and a Hadamard product 2.2 µs, so draw + two products beat two draws. The
// batched engine draws a mini-batch's masks, all layers at once, while its threads gather the
// inputs (ParallelGather), so that the draw costs no hand-off of its own.
using Nn.Simd.Kernels;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>The dropout rate of each layer and the key its masks are drawn under.</summary>
internal sealed class HiddenDropout
{
    private readonly float[] _rates;
    private readonly float[][] _masks;
    private readonly int[] _widths;
    private readonly ulong _seed;

    private HiddenDropout(float[] rates, float[][] masks, int[] widths, long seed)
    {
        _rates = rates;
        _masks = masks;
        _widths = widths;
        _seed = (ulong)seed;
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
        return rates.Any(r => r > 0) ? new HiddenDropout(rates, masks, [.. network.LayerSizes], options.Seed) : null;
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
    /// Draws the masks of every dropout layer for rows [<paramref name="start"/>, <paramref name="end"/>)
    /// of a mini-batch whose row i is training sample <paramref name="samples"/>[i], and keeps them
    /// for <see cref="Forward"/> and <see cref="Backward"/>. A row's masks depend on its sample
    /// only, so the rows may be drawn in any split over threads.
    /// </summary>
    public void Draw(ReadOnlySpan<int> samples, int start, int end, KernelPath path)
    {
        for (int layer = 1; layer < _rates.Length - 1; layer++)
        {
            float rate = _rates[layer];
            if (rate == 0)
            {
                continue;
            }

            int n = _widths[layer];
            Span<float> masks = _masks[layer];
            for (int i = start; i < end; i++)
            {
                Kernel.DropoutMask(masks.Slice(i * n, n), rate, new DropoutKey(_seed, Epoch, (uint)samples[i], (uint)layer), path);
            }
        }
    }

    /// <summary>The units whose masks <see cref="Draw"/> draws for one sample (all dropout layers).</summary>
    public int UnitsPerSample
    {
        get
        {
            int units = 0;
            for (int layer = 1; layer < _rates.Length - 1; layer++)
            {
                units += _rates[layer] > 0 ? _widths[layer] : 0;
            }

            return units;
        }
    }

    /// <summary>Multiplies layer <paramref name="layer"/>'s block of activations (a row a sample) by the masks <see cref="Draw"/> drew for those rows, in place.</summary>
    public void Forward(Span<float> activations, int layer, KernelPath path)
    {
        if (_rates[layer] > 0)
        {
            Kernel.Hadamard(activations, _masks[layer].AsSpan(0, activations.Length), activations, path);
        }
    }

    /// <summary>Multiplies σ′ of layer <paramref name="layer"/>'s block by the masks the last <see cref="Draw"/> drew for it, in place.</summary>
    public void Backward(Span<float> derivative, int layer, KernelPath path)
    {
        if (_rates[layer] > 0)
        {
            Kernel.Hadamard(derivative, _masks[layer].AsSpan(0, derivative.Length), derivative, path);
        }
    }
}
