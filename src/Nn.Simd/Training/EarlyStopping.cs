namespace Nn.Simd.Training;

/// <summary>The validation figure that <see cref="EarlyStopping"/> watches.</summary>
public enum StoppingMetric
{
    /// <summary>The validation cost: lower is better.</summary>
    Cost,

    /// <summary>The validation accuracy: higher is better.</summary>
    Accuracy,
}

/// <summary>Why a run of <see cref="Trainer.Train"/> ended.</summary>
public enum TrainingStopReason
{
    /// <summary>The run has not ended (epochs remain and early stopping has not fired).</summary>
    None,

    /// <summary>Every one of <see cref="TrainingOptions.Epochs"/> epochs ran.</summary>
    EpochLimit,

    /// <summary>Early stopping: the watched validation figure did not improve for <see cref="EarlyStopping.Patience"/> epochs.</summary>
    EarlyStopping,
}

/// <summary>
/// Stop training once a validation figure has not improved for <see cref="Patience"/> epochs in a
/// row, then restore the parameters of the best epoch (<see cref="TrainingOptions.EarlyStopping"/>).
/// An epoch improves when its figure beats the best so far by more than <see cref="MinDelta"/>
/// (cost: lower than best − MinDelta; accuracy: higher than best + MinDelta); a NaN never does.
/// Requires a validation set.
/// </summary>
/// <param name="Patience">Epochs without improvement before stopping (≥ 1). Default 5.</param>
/// <param name="MinDelta">The least change that counts as an improvement (≥ 0). Default 0.</param>
/// <param name="Metric">The figure watched. Default <see cref="StoppingMetric.Cost"/>.</param>
public sealed record EarlyStopping(int Patience = 5, double MinDelta = 0, StoppingMetric Metric = StoppingMetric.Cost)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    internal void Validate()
    {
        if (Patience < 1)
        {
            throw new ArgumentException($"Patience is {Patience}; it must be at least 1.", nameof(Patience));
        }

        if (!(MinDelta >= 0 && double.IsFinite(MinDelta)))
        {
            throw new ArgumentException($"MinDelta is {MinDelta}; it must be a finite number ≥ 0.", nameof(MinDelta));
        }

        if (!Enum.IsDefined(Metric))
        {
            throw new ArgumentException($"Metric is {(int)Metric}; it must be StoppingMetric.Cost or StoppingMetric.Accuracy.", nameof(Metric));
        }
    }

    /// <summary>Whether <paramref name="value"/> improves on <paramref name="best"/> (NaN for none yet).</summary>
    internal bool Improves(double value, double best) =>
        !double.IsNaN(value) && (double.IsNaN(best) || (Metric == StoppingMetric.Cost ? value < best - MinDelta : value > best + MinDelta));
}

/// <summary>The early-stopping bookkeeping of a run: the best epoch so far, its figure and the epochs since.</summary>
/// <param name="BestEpoch">The 1-based epoch with the best figure, 0 before the first.</param>
/// <param name="BestValue">Its figure; NaN before the first.</param>
/// <param name="EpochsWithoutImprovement">Epochs since the best one.</param>
/// <param name="Stopped">Whether the patience ran out.</param>
internal readonly record struct StoppingState(int BestEpoch, double BestValue, int EpochsWithoutImprovement, bool Stopped)
{
    public static StoppingState Start => new(0, double.NaN, 0, false);
}
