// Reduce-on-plateau (PyTorch's ReduceLROnPlateau in mode "min", threshold mode "rel"): a small state
// machine fed the validation cost once per epoch.
//
//   better   ⇔ cost < best·(1 − threshold)         → best ← cost, bad ← 0; otherwise bad ← bad + 1
//   cooldown > 0                                    → cooldown ← cooldown − 1, bad ← 0
//   bad > patience                                  → η ← max(η·factor, η_min) (in double, rounded
//                                                     once; never raised), cooldown ← its length, bad ← 0
//
// The state is four numbers (PlateauState) that a checkpoint writes in 20 bytes and reads back, so
// a resumed run continues with the very rates it would have had.
using System.Buffers.Binary;

namespace Nn.Simd.Training;

/// <summary>
/// The state of a <see cref="ReduceOnPlateau"/> schedule between epochs: the current rate, the best
/// cost seen, the epochs without improvement and the cooldown epochs left.
/// </summary>
/// <param name="Rate">The learning rate of the coming epoch.</param>
/// <param name="Best">The best (lowest) validation cost so far; +∞ before the first epoch.</param>
/// <param name="BadEpochs">Epochs since the last improvement (reset by a reduction and during cooldown).</param>
/// <param name="CooldownLeft">Epochs left during which bad epochs are not counted.</param>
public readonly record struct PlateauState(float Rate, double Best, int BadEpochs, int CooldownLeft)
{
    /// <summary>The bytes <see cref="Write"/> produces.</summary>
    public const int SerializedSize = 20;

    /// <summary>Writes the state, little-endian, in <see cref="SerializedSize"/> bytes.</summary>
    /// <param name="destination">At least <see cref="SerializedSize"/> bytes.</param>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, SerializedSize, nameof(destination));
        BinaryPrimitives.WriteSingleLittleEndian(destination, Rate);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[4..], Best);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], BadEpochs);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], CooldownLeft);
    }

    /// <summary>Reads a state written by <see cref="Write"/>; the same bits come back.</summary>
    /// <param name="source">At least <see cref="SerializedSize"/> bytes.</param>
    /// <returns>The state.</returns>
    /// <exception cref="ArgumentException">The source is too short.</exception>
    /// <exception cref="InvalidDataException">The counts are negative (not a written state).</exception>
    public static PlateauState Read(ReadOnlySpan<byte> source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source.Length, SerializedSize, nameof(source));
        var state = new PlateauState(
            BinaryPrimitives.ReadSingleLittleEndian(source),
            BinaryPrimitives.ReadDoubleLittleEndian(source[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]));
        if (state.BadEpochs < 0 || state.CooldownLeft < 0)
        {
            throw new InvalidDataException($"A plateau schedule state cannot count {state.BadEpochs} bad epochs and {state.CooldownLeft} cooldown epochs.");
        }

        return state;
    }
}

/// <summary>
/// Reduce-on-plateau: multiplies the rate by <see cref="Factor"/> once the validation cost has not
/// improved (relatively, by <see cref="Threshold"/>) for more than <see cref="Patience"/> epochs.
/// Defaults are PyTorch's. The schedule itself holds no state: <see cref="Next"/> is a pure
/// function of a <see cref="PlateauState"/> and the epoch's cost.
/// </summary>
/// <param name="Factor">The factor in [0, 1) applied at each reduction.</param>
/// <param name="Patience">Epochs without improvement tolerated before a reduction (≥ 0).</param>
/// <param name="Threshold">Relative improvement in [0, 1) that counts as better.</param>
/// <param name="Cooldown">Epochs after a reduction during which bad epochs are not counted (≥ 0).</param>
/// <param name="MinimumRate">The rate is never reduced below this (≥ 0).</param>
public sealed record ReduceOnPlateau(float Factor = 0.1f, int Patience = 10, double Threshold = 1e-4, int Cooldown = 0, float MinimumRate = 0f) : LearningRateSchedule
{
    internal override bool NeedsValidation => true;

    internal override void Validate(int epochs)
    {
        try
        {
            Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException(e.Message, e.ParamName, e);
        }
    }

    internal override float RateAt(float baseRate, int epochs, int epoch, long step, long stepsPerEpoch, in PlateauState plateau) => plateau.Rate;

    /// <summary>The state before the first epoch.</summary>
    /// <param name="initialRate">The rate of the first epoch.</param>
    /// <returns>Rate <paramref name="initialRate"/>, best +∞, no bad epochs, no cooldown.</returns>
    public PlateauState Start(float initialRate)
    {
        Validate();
        return new(initialRate, double.PositiveInfinity, 0, 0);
    }

    /// <summary>The state after an epoch whose validation cost was <paramref name="validationCost"/>; its rate is the next epoch's.</summary>
    /// <param name="state">The state before the epoch.</param>
    /// <param name="validationCost">The epoch's validation cost (a NaN cost counts as no improvement).</param>
    /// <returns>The next state.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter of the schedule lies outside its range.</exception>
    public PlateauState Next(PlateauState state, double validationCost)
    {
        Validate();
        (float rate, double best, int bad, int cooldown) = state;
        if (validationCost < best * (1 - Threshold))
        {
            best = validationCost;
            bad = 0;
        }
        else
        {
            bad++;
        }

        if (cooldown > 0)
        {
            cooldown--;
            bad = 0;
        }

        if (bad > Patience)
        {
            rate = Math.Min(rate, (float)Math.Max((double)rate * Factor, MinimumRate));
            cooldown = Cooldown;
            bad = 0;
        }

        return new(rate, best, bad, cooldown);
    }

    private void Validate()
    {
        if (!(Factor >= 0f && Factor < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(Factor), Factor, $"{nameof(Factor)} is {Factor}; it must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Patience);
        ArgumentOutOfRangeException.ThrowIfNegative(Cooldown);
        if (!(Threshold >= 0 && Threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, $"{nameof(Threshold)} is {Threshold}; it must lie in [0, 1).");
        }

        if (!(MinimumRate >= 0f && float.IsFinite(MinimumRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumRate), MinimumRate, $"{nameof(MinimumRate)} is {MinimumRate}; it must be a finite value ≥ 0.");
        }
    }
}
