// Learning-rate schedules as pure functions of the run's position, η₀ the base rate:
//
//   constant      η(e) = η₀
//   step          η(e) = η₀·γ^⌊e/k⌋                       (PyTorch's StepLR; e the 0-based epoch)
//   exponential   η(e) = η₀·γ^e                           (PyTorch's ExponentialLR)
//   cosine        η(t) = η₀·(t + 1)/W                     for t < W (linear warm-up, t the 0-based step)
//                 η(t) = η_min + (η₀ − η_min)·(1 + cos(π·(t − W)/(T − W)))/2   for W ≤ t ≤ T
//                 η(t) = η_min                             for t ≥ T
//
// Each rate is computed in double from its float arguments and rounded once to float. Powers and
// the cosine use DeterministicMath (IEEE additions and multiplications only), so a run's rates have
// the same bits on every platform, and a resumed run recomputes exactly the rates it would have had.
using Nn.Simd.Kernels;

namespace Nn.Simd.Training;

/// <summary>
/// The learning rate of an epoch or of a step, as a pure function of the run's position: the same
/// arguments give the same float on every platform, so runs (and resumed runs) reproduce.
/// </summary>
public static class LearningRates
{
    /// <summary>The constant schedule: η₀ at every step.</summary>
    /// <param name="baseRate">η₀ ≥ 0.</param>
    /// <returns><paramref name="baseRate"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The base rate is negative or not finite.</exception>
    public static float Constant(float baseRate)
    {
        OptimizerArguments.NonNegative(baseRate, nameof(baseRate));
        return baseRate;
    }

    /// <summary>Step decay (PyTorch's StepLR): η₀·γ^⌊e/k⌋, the rate multiplied by γ every k epochs.</summary>
    /// <param name="baseRate">η₀ ≥ 0.</param>
    /// <param name="epoch">e ≥ 0, the 0-based epoch (0 is the first).</param>
    /// <param name="stepEpochs">k ≥ 1, the epochs between decays.</param>
    /// <param name="gamma">γ in [0, 1], the factor of each decay (PyTorch's default is 0.1).</param>
    /// <returns>The rate of epoch <paramref name="epoch"/>, computed in double and rounded once.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument lies outside its range.</exception>
    public static float Step(float baseRate, int epoch, int stepEpochs, float gamma)
    {
        OptimizerArguments.NonNegative(baseRate, nameof(baseRate));
        NonNegative(epoch, nameof(epoch));
        ArgumentOutOfRangeException.ThrowIfLessThan(stepEpochs, 1);
        Factor(gamma, nameof(gamma));
        return (float)(baseRate * DeterministicMath.Power(gamma, epoch / stepEpochs));
    }

    /// <summary>Exponential decay (PyTorch's ExponentialLR): η₀·γ^e.</summary>
    /// <param name="baseRate">η₀ ≥ 0.</param>
    /// <param name="epoch">e ≥ 0, the 0-based epoch.</param>
    /// <param name="gamma">γ in [0, 1], the factor per epoch.</param>
    /// <returns>The rate of epoch <paramref name="epoch"/>, computed in double and rounded once.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument lies outside its range.</exception>
    public static float Exponential(float baseRate, int epoch, float gamma)
    {
        OptimizerArguments.NonNegative(baseRate, nameof(baseRate));
        NonNegative(epoch, nameof(epoch));
        Factor(gamma, nameof(gamma));
        return (float)(baseRate * DeterministicMath.Power(gamma, epoch));
    }

    /// <summary>
    /// Cosine annealing with a linear warm-up, per step: η₀·(t + 1)/W during the first W steps (so
    /// the first step is not wasted at rate 0 and step W − 1 reaches η₀), then
    /// η_min + (η₀ − η_min)·(1 + cos(π·(t − W)/(T − W)))/2, reaching η_min at t = T and staying there.
    /// </summary>
    /// <param name="baseRate">η₀ ≥ 0, the peak rate.</param>
    /// <param name="step">t ≥ 0, the 0-based index of the step about to be taken, counted over the whole run.</param>
    /// <param name="totalSteps">T ≥ 1, the run's steps (epochs × steps per epoch).</param>
    /// <param name="warmupSteps">W in [0, T]: 0 starts the cosine at η₀ at once.</param>
    /// <param name="minimumRate">η_min in [0, η₀], the rate at the end.</param>
    /// <returns>The rate of step <paramref name="step"/>, computed in double and rounded once.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument lies outside its range.</exception>
    public static float CosineWithWarmup(float baseRate, long step, long totalSteps, long warmupSteps, float minimumRate = 0f)
    {
        OptimizerArguments.NonNegative(baseRate, nameof(baseRate));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmupSteps, totalSteps);
        OptimizerArguments.NonNegative(minimumRate, nameof(minimumRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumRate, baseRate);
        if (step < warmupSteps)
        {
            return (float)((double)baseRate * (step + 1) / warmupSteps);
        }

        if (step >= totalSteps)
        {
            return minimumRate;
        }

        double progress = (double)(step - warmupSteps) / (totalSteps - warmupSteps);
        return (float)(minimumRate + (((double)baseRate - minimumRate) * 0.5 * (1.0 + DeterministicMath.CosPi(progress))));
    }

    private static void NonNegative(int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be ≥ 0 (the first epoch is 0).");
        }
    }

    private static void Factor(float gamma, string name)
    {
        if (!(gamma >= 0f && gamma <= 1f))
        {
            throw new ArgumentOutOfRangeException(name, gamma, $"{name} is {gamma}; a decay factor must lie in [0, 1].");
        }
    }
}
