// The schedules a Trainer takes (TrainingOptions.Schedule). The rate of every step is a pure
// function of the options, the 0-based epoch e, the 0-based global step t and, for the plateau
// schedule, its state after the previous epoch — all of which a checkpoint holds — so a run and
// a resumed run compute the very same rates (LearningRates: the same bits on every platform).
namespace Nn.Simd.Training;

/// <summary>
/// How the learning rate changes during a run (<see cref="TrainingOptions.Schedule"/>):
/// <see cref="ConstantRate"/> (the default), <see cref="StepDecay"/>, <see cref="ExponentialDecay"/>,
/// <see cref="CosineDecay"/> (per step, with a linear warm-up) or <see cref="ReduceOnPlateau"/>
/// (on the validation cost). <see cref="TrainingOptions.LearningRate"/> is the base rate η₀.
/// </summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>Whether the schedule reads the validation cost (a validation set is then required).</summary>
    internal virtual bool NeedsValidation => false;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value, for a run of <paramref name="epochs"/> epochs.</summary>
    internal abstract void Validate(int epochs);

    /// <summary>The rate of global step <paramref name="step"/> (0-based), in 0-based epoch <paramref name="epoch"/>.</summary>
    /// <param name="baseRate">η₀.</param>
    /// <param name="epochs">The run's epochs (<see cref="TrainingOptions.Epochs"/>).</param>
    /// <param name="epoch">The 0-based epoch.</param>
    /// <param name="step">The 0-based global step.</param>
    /// <param name="stepsPerEpoch">Steps (mini-batches) per epoch.</param>
    /// <param name="plateau">The plateau schedule's state after the previous epoch.</param>
    internal abstract float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau);

    /// <summary>The schedule with its defaults resolved for a run of <paramref name="epochs"/> epochs (what a checkpoint compares).</summary>
    internal virtual LearningRateSchedule Resolved(int epochs) => this;
}

/// <summary>The same rate η₀ at every step (the default).</summary>
public sealed record ConstantRate : LearningRateSchedule
{
    internal override void Validate(int epochs)
    {
    }

    internal override float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau) => baseRate;
}

/// <summary>Step decay (PyTorch's StepLR): η₀·γ^⌊e/k⌋, the rate multiplied by γ every k epochs.</summary>
/// <param name="StepEpochs">k ≥ 1, the epochs between decays.</param>
/// <param name="Gamma">γ in [0, 1]. Default 0.1.</param>
public sealed record StepDecay(int StepEpochs, float Gamma = 0.1f) : LearningRateSchedule
{
    internal override void Validate(int epochs)
    {
        if (StepEpochs < 1)
        {
            throw new ArgumentException($"StepEpochs is {StepEpochs}; it must be at least 1.", nameof(StepEpochs));
        }

        CheckGamma(Gamma);
    }

    internal override float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau) =>
        LearningRates.Step(baseRate, epoch, StepEpochs, Gamma);

    internal static void CheckGamma(float gamma)
    {
        if (!(gamma >= 0f && gamma <= 1f))
        {
            throw new ArgumentException($"Gamma is {gamma}; a decay factor must lie in [0, 1].", nameof(Gamma));
        }
    }
}

/// <summary>Exponential decay (PyTorch's ExponentialLR): η₀·γ^e, e the 0-based epoch.</summary>
/// <param name="Gamma">γ in [0, 1], the factor per epoch.</param>
public sealed record ExponentialDecay(float Gamma) : LearningRateSchedule
{
    internal override void Validate(int epochs) => StepDecay.CheckGamma(Gamma);

    internal override float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau) =>
        LearningRates.Exponential(baseRate, epoch, Gamma);
}

/// <summary>
/// Cosine annealing per step with a linear warm-up (<see cref="LearningRates.CosineWithWarmup"/>):
/// the rate rises linearly over the first <see cref="WarmupEpochs"/> epochs' steps to η₀, then
/// falls along a half cosine to <see cref="MinimumRate"/> at the end of epoch <see cref="Epochs"/>.
/// </summary>
/// <param name="WarmupEpochs">Epochs of linear warm-up (≥ 0, at most the horizon). Default 0.</param>
/// <param name="MinimumRate">η_min in [0, η₀], the rate at the end. Default 0.</param>
/// <param name="Epochs">
/// The horizon T in epochs; null (the default) takes <see cref="TrainingOptions.Epochs"/>. A run
/// trained in parts (a checkpoint, then a resume to more epochs) gives the whole run's length here
/// from its first part, so that every part follows the same curve.
/// </param>
public sealed record CosineDecay(int WarmupEpochs = 0, float MinimumRate = 0f, int? Epochs = null) : LearningRateSchedule
{
    internal override void Validate(int epochs)
    {
        int horizon = Epochs ?? epochs;
        if (horizon < 1)
        {
            throw new ArgumentException($"Epochs (the cosine's horizon) is {horizon}; it must be at least 1.", nameof(Epochs));
        }

        if (WarmupEpochs < 0 || WarmupEpochs > horizon)
        {
            throw new ArgumentException($"WarmupEpochs is {WarmupEpochs}; it must lie between 0 and the {horizon} epochs of the cosine's horizon.", nameof(WarmupEpochs));
        }

        if (!(MinimumRate >= 0f && float.IsFinite(MinimumRate)))
        {
            throw new ArgumentException($"MinimumRate is {MinimumRate}; it must be a finite number ≥ 0.", nameof(MinimumRate));
        }
    }

    internal override float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau) =>
        LearningRates.CosineWithWarmup(baseRate, step, (Epochs ?? epochs) * stepsPerEpoch, WarmupEpochs * stepsPerEpoch, Math.Min(MinimumRate, baseRate));

    internal override LearningRateSchedule Resolved(int epochs) => this with { Epochs = Epochs ?? epochs };
}
