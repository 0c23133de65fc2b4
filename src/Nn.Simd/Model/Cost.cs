using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>The cost C that training minimises, averaged over the n samples of a data set.</summary>
public enum Cost
{
    /// <summary>C = 1/(2n)·Σₓ‖y(x) − aᴸ‖²; any output activation but softmax.</summary>
    Quadratic,

    /// <summary>C = −1/n·Σₓ Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]; sigmoid outputs.</summary>
    CrossEntropy,

    /// <summary>C = −1/n·Σₓ Σ_j y_j ln a_j (−ln a_y for a one-hot y); softmax outputs.</summary>
    LogLikelihood,
}

/// <summary>The names the costs go by in text (the <c>nn</c> command's <c>--cost</c> values).</summary>
public static class CostNames
{
    /// <summary>quadratic, cross-entropy or log-likelihood.</summary>
    /// <param name="cost">A cost.</param>
    /// <returns>Its name.</returns>
    public static string Name(this Cost cost) => cost switch
    {
        Cost.Quadratic => "quadratic",
        Cost.CrossEntropy => "cross-entropy",
        Cost.LogLikelihood => "log-likelihood",
        _ => cost.ToString(),
    };
}

/// <summary>The cost of one sample and the output error δᴸ.</summary>
internal static class CostFunctions
{
    /// <summary>Logarithms are taken of at least this value, so a saturated output gives a large, finite cost.</summary>
    private const float LogFloor = 1e-30f;

    /// <summary>Why a cost and an output activation cannot be combined, or <see langword="null"/> if they can.</summary>
    public static string? Incompatibility(Cost cost, Activation output) => (cost, output) switch
    {
        (Cost.Quadratic, Activation.Softmax) =>
            "the quadratic cost needs σ′ element-wise, but softmax's derivative is a full Jacobian; use the log-likelihood cost with softmax outputs",
        (Cost.CrossEntropy, not Activation.Sigmoid) =>
            $"the cross-entropy cost takes logs of a and 1 − a and cancels σ′ only for sigmoid outputs (δᴸ = a − y), not {output}",
        (Cost.LogLikelihood, not Activation.Softmax) =>
            $"the log-likelihood cost reads the outputs as probabilities summing to 1 and cancels σ′ only for softmax outputs (δᴸ = a − y), not {output}",
        _ => null,
    };

    /// <summary>The cost of one sample (before the 1/n average).</summary>
    public static float Evaluate(Cost cost, ReadOnlySpan<float> a, ReadOnlySpan<float> y)
    {
        float sum = 0f;
        switch (cost)
        {
            case Cost.Quadratic:
                for (int j = 0; j < a.Length; j++)
                {
                    float d = y[j] - a[j];
                    sum = MathF.FusedMultiplyAdd(d, d, sum);
                }

                return 0.5f * sum;
            case Cost.CrossEntropy:
                for (int j = 0; j < a.Length; j++)
                {
                    if (y[j] != 0f)
                    {
                        sum -= y[j] * MathF.Log(MathF.Max(a[j], LogFloor));
                    }

                    if (y[j] != 1f)
                    {
                        sum -= (1f - y[j]) * MathF.Log(MathF.Max(1f - a[j], LogFloor));
                    }
                }

                return sum;
            case Cost.LogLikelihood:
                for (int j = 0; j < a.Length; j++)
                {
                    if (y[j] != 0f)
                    {
                        sum -= y[j] * MathF.Log(MathF.Max(a[j], LogFloor));
                    }
                }

                return sum;
            default:
                throw new ArgumentOutOfRangeException(nameof(cost), cost, "Unknown cost.");
        }
    }

    /// <summary>
    /// Equation (1): δᴸ = ∇ₐC ⊙ σ′(zᴸ). Quadratic: (a − y) ⊙ σ′(zᴸ); cross-entropy with sigmoid and
    /// log-likelihood with softmax: σ′ cancels and δᴸ = a − y.
    /// </summary>
    public static void OutputError(Cost cost, Activation output, ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> y, Span<float> delta, Span<float> scratch, KernelPath path)
    {
        a.CopyTo(delta);
        Kernel.Axpy(-1f, y, delta, path);
        if (cost == Cost.Quadratic)
        {
            ActivationKernels.Derivative(output, z, scratch, path);
            Kernel.Hadamard(delta, scratch, delta, path);
        }
    }
}
