// Per-target standardisation of a regression network's targets, fitted on the training split and
// carried in the model file (section "TGSC", docs/model-format.md):
//
//   training    t'ₖ = (tₖ − μₖ) / σₖ         the network learns standardised targets
//   restoring   yₖ  = y'ₖ · σₖ + μₖ          two float32 operations, a product then a sum, never
//                                            fused, so ONNX Runtime's Mul then Add give the same bits
//
// μ and σ (the population standard deviation, divisor n) are summed in double and rounded to float
// once; a constant target keeps σ = 1.
using System.Runtime.InteropServices;

namespace Nn.Simd.Model;

/// <summary>
/// The per-target map between a regression network's outputs and the targets' original units
/// (<see cref="Network.TargetScaling"/>): the network is trained on (t − μ)/σ, and
/// <see cref="Restore"/> maps its outputs back with y·σ + μ. Immutable. The inference types apply it:
/// <see cref="Predictor"/> and <see cref="QuantizedNetwork"/> give targets in original units, as
/// <c>nn predict</c> prints them and the ONNX export (a Mul and an Add after the last layer) computes
/// them. <see cref="Network.Predict"/> gives the standardised outputs the trainer learns; the
/// regression evaluation calls <see cref="Restore"/> on them.
/// </summary>
public sealed class TargetScaling
{
    private readonly float[] _means;
    private readonly float[] _deviations;

    private TargetScaling(float[] means, float[] deviations)
    {
        _means = means;
        _deviations = deviations;
    }

    /// <summary>The number of targets.</summary>
    public int Size => _means.Length;

    /// <summary>μ per target: added back by <see cref="Restore"/>.</summary>
    public ReadOnlySpan<float> Means => _means;

    /// <summary>σ per target (1 for a constant target): multiplied in by <see cref="Restore"/>.</summary>
    public ReadOnlySpan<float> Deviations => _deviations;

    /// <summary>A scaling from its parts (copied).</summary>
    /// <param name="means">One finite μ per target.</param>
    /// <param name="deviations">One finite, positive σ per target.</param>
    /// <returns>The scaling.</returns>
    /// <exception cref="ArgumentException">The lengths differ or are 0, or a value is not finite (or a σ is not positive); the message names the target.</exception>
    public static TargetScaling Create(ReadOnlySpan<float> means, ReadOnlySpan<float> deviations)
    {
        if (means.Length != deviations.Length || means.Length == 0)
        {
            throw new ArgumentException($"{means.Length} means and {deviations.Length} deviations: a target scaling needs one of each per target, at least one target.", nameof(deviations));
        }

        for (int k = 0; k < means.Length; k++)
        {
            if (!float.IsFinite(means[k]) || !float.IsFinite(deviations[k]) || !(deviations[k] > 0))
            {
                throw new ArgumentException($"Target {k} has mean {means[k]} and deviation {deviations[k]}; both must be finite and the deviation positive.", nameof(deviations));
            }
        }

        return new TargetScaling(means.ToArray(), deviations.ToArray());
    }

    /// <summary>Fits μ and σ to row-major targets (the training split only: never validation or test data).</summary>
    /// <param name="targets">Count × <paramref name="targetSize"/> finite values, row-major; at least one row.</param>
    /// <param name="targetSize">Values per sample.</param>
    /// <returns>The scaling.</returns>
    /// <exception cref="ArgumentException">No row, or the targets are not whole rows.</exception>
    public static TargetScaling Fit(ReadOnlySpan<float> targets, int targetSize)
    {
        if (targetSize < 1 || targets.Length == 0 || targets.Length % targetSize != 0)
        {
            throw new ArgumentException($"{targets.Length} values are not one or more whole rows of {targetSize}.", nameof(targets));
        }

        int rows = targets.Length / targetSize;
        var sum = new double[targetSize];
        var squares = new double[targetSize];
        for (int i = 0; i < targets.Length; i++)
        {
            sum[i % targetSize] += targets[i];
        }

        for (int i = 0; i < targets.Length; i++)
        {
            double d = targets[i] - (sum[i % targetSize] / rows);
            squares[i % targetSize] += d * d;
        }

        var means = new float[targetSize];
        var deviations = new float[targetSize];
        for (int k = 0; k < targetSize; k++)
        {
            means[k] = (float)(sum[k] / rows);
            float sigma = (float)Math.Sqrt(squares[k] / rows);
            deviations[k] = sigma > 0 && float.IsFinite(sigma) ? sigma : 1f;
        }

        return Create(means, deviations);
    }

    /// <summary>The targets as the network learns them: output[i] = (targets[i] − μₖ)/σₖ, row by row.</summary>
    /// <param name="targets">Whole rows of <see cref="Size"/> values in original units.</param>
    /// <returns>The standardised targets.</returns>
    /// <exception cref="ArgumentException">The targets are not whole rows.</exception>
    public float[] Standardize(ReadOnlySpan<float> targets)
    {
        CheckRows(targets.Length);
        var standardized = new float[targets.Length];
        for (int i = 0; i < targets.Length; i++)
        {
            int k = i % Size;
            standardized[i] = (targets[i] - _means[k]) / _deviations[k];
        }

        return standardized;
    }

    /// <summary>Maps network outputs to original units in place: values[i] = values[i]·σₖ + μₖ, row by row (a product then a sum, never fused).</summary>
    /// <param name="values">Whole rows of <see cref="Size"/> outputs.</param>
    /// <exception cref="ArgumentException">The values are not whole rows.</exception>
    public void Restore(Span<float> values)
    {
        CheckRows(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            int k = i % Size;
            // Two roundings on purpose: ·σ then + μ, as ONNX Runtime's Mul then Add.
            float spread = values[i] * _deviations[k];
            values[i] = spread + _means[k];
        }
    }

    /// <summary>Whether two scalings (or their absence) compute the same bits: both null, or the same means and deviations, bit for bit.</summary>
    internal static bool Same(TargetScaling? a, TargetScaling? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null
            && MemoryMarshal.AsBytes(a.Means).SequenceEqual(MemoryMarshal.AsBytes(b.Means))
            && MemoryMarshal.AsBytes(a.Deviations).SequenceEqual(MemoryMarshal.AsBytes(b.Deviations)));

    private void CheckRows(int length)
    {
        if (length % Size != 0)
        {
            throw new ArgumentException($"{length} values are not whole rows of {Size} targets.");
        }
    }
}
