// Inverted dropout on the hidden layers during training: the forward pass multiplies a hidden
// layer's activations aˡ by a mask fˡ (fⱼ = 1/(1 − pˡ) for a kept unit, 0 for a dropped one), and
// the backward pass multiplies that layer's δˡ by the same fˡ:
//
//   aˡ = σ(zˡ) ⊙ fˡ                   δˡ = ((Wˡ⁺¹)ᵀ·δˡ⁺¹) ⊙ (σ′(zˡ) ⊙ fˡ)
//
// The mask of (sample, layer) in an epoch is drawn from Philox4x32-10 under the key
// (seed, epoch, the sample's index in the training set, layer) by Kernel.Dropout: the same on every
// kernel path, for any thread count and in either engine, and drawn again (not stored) for the
// backward pass.
using Nn.Simd.Kernels;
using Nn.Simd.Model;

namespace Nn.Simd.Training;

/// <summary>The dropout rate of each layer and the key its masks are drawn under.</summary>
internal sealed class HiddenDropout
{
    private readonly float[] _rates;
    private readonly ulong _seed;

    private HiddenDropout(float[] rates, long seed)
    {
        _rates = rates;
        _seed = (ulong)seed;
    }

    /// <summary>The epoch the masks are drawn for; the engines set it at the start of each epoch.</summary>
    public uint Epoch { get; set; }

    /// <summary>The dropout of <paramref name="options"/> on <paramref name="network"/>, or null when every rate is 0.</summary>
    /// <exception cref="ArgumentException">The options give neither one rate nor one per hidden layer.</exception>
    public static HiddenDropout? For(Network network, TrainingOptions options)
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

        return rates.Any(r => r > 0) ? new HiddenDropout(rates, options.Seed) : null;
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

    /// <summary>p of layer <paramref name="layer"/> (0 for the input and output layers).</summary>
    public float Rate(int layer) => _rates[layer];

    /// <summary>Applies layer <paramref name="layer"/>'s mask for training sample <paramref name="sample"/> to <paramref name="values"/> (its activations, or σ′ of its sums), in place; nothing when its rate is 0.</summary>
    public void Apply(Span<float> values, int sample, int layer, KernelPath path)
    {
        float rate = _rates[layer];
        if (rate > 0)
        {
            Kernel.Dropout(values, rate, new DropoutKey(_seed, Epoch, (uint)sample, (uint)layer), path);
        }
    }
}
