using System.Runtime.InteropServices;
using Nn.Simd.Model;

namespace Nn.Simd.Data;

/// <summary>
/// Samples for training or evaluation: inputs as one row-major float block (<see cref="Count"/> ×
/// <see cref="InputSize"/>) with either class labels (targets are their one-hot vectors) or explicit
/// target vectors. Every value is checked once, when the set is built.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _inputs;
    private readonly int[]? _labels;
    private readonly float[]? _targets;

    private Dataset(float[] inputs, int inputSize, int[]? labels, float[]? targets, int targetSize)
    {
        _inputs = inputs;
        InputSize = inputSize;
        _labels = labels;
        _targets = targets;
        TargetSize = targetSize;
        Count = inputSize == 0 ? 0 : inputs.Length / inputSize;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per input.</summary>
    public int InputSize { get; }

    /// <summary>Values per target (the number of classes for labelled data).</summary>
    public int TargetSize { get; }

    /// <summary>Whether the targets are class labels (one-hot).</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>All inputs, row-major.</summary>
    public ReadOnlySpan<float> Inputs => _inputs;

    /// <summary>
    /// A labelled set: the target of a sample with label k is the one-hot vector e_k. The arrays are
    /// used as given, not copied.
    /// </summary>
    /// <param name="inputs">Count × <paramref name="inputSize"/> finite values, row-major.</param>
    /// <param name="inputSize">Values per input (≥ 1).</param>
    /// <param name="labels">One label per sample, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">The number of classes (≥ 1).</param>
    /// <returns>The data set.</returns>
    /// <exception cref="ArgumentException">A size does not add up, an input is NaN or infinite, or a label is out of range; the message names the sample.</exception>
    public static Dataset FromLabels(float[] inputs, int inputSize, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        CheckInputs(inputs, inputSize, labels.Length, nameof(labels));
        if (classCount < 1)
        {
            throw new ArgumentException($"classCount is {classCount}; at least one class is needed.", nameof(classCount));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"labels[{i}] is {labels[i]}, outside the {classCount} classes 0..{classCount - 1}.", nameof(labels));
            }
        }

        return new Dataset(inputs, inputSize, labels, null, classCount);
    }

    /// <summary>A set with explicit target vectors (e.g. for regression). The arrays are used as given.</summary>
    /// <param name="inputs">Count × <paramref name="inputSize"/> finite values, row-major.</param>
    /// <param name="inputSize">Values per input (≥ 1).</param>
    /// <param name="targets">Count × <paramref name="targetSize"/> finite values, row-major.</param>
    /// <param name="targetSize">Values per target (≥ 1).</param>
    /// <returns>The data set.</returns>
    /// <exception cref="ArgumentException">A size does not add up or a value is NaN or infinite; the message names the sample.</exception>
    public static Dataset FromTargets(float[] inputs, int inputSize, float[] targets, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (targetSize < 1)
        {
            throw new ArgumentException($"targetSize is {targetSize}; it must be at least 1.", nameof(targetSize));
        }

        if (targets.Length % targetSize != 0)
        {
            throw new ArgumentException($"targets has {targets.Length} values, not a multiple of targetSize {targetSize}.", nameof(targets));
        }

        CheckInputs(inputs, inputSize, targets.Length / targetSize, nameof(targets));
        CheckFinite(targets, targetSize, nameof(targets));
        return new Dataset(inputs, inputSize, null, targets, targetSize);
    }

    /// <summary>The input of sample <paramref name="index"/>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>A view of <see cref="InputSize"/> values.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a sample of this set.</exception>
    public ReadOnlySpan<float> Input(int index) => _inputs.AsSpan(Checked(index) * InputSize, InputSize);

    /// <summary>The class of sample <paramref name="index"/>: its label, or the arg max of its target vector.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>The class index.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a sample of this set.</exception>
    public int Label(int index) => _labels is not null ? _labels[Checked(index)] : Network.ArgMax(_targets.AsSpan(Checked(index) * TargetSize, TargetSize));

    /// <summary>Writes the target vector y of sample <paramref name="index"/>.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <param name="target">Destination, <see cref="TargetSize"/> long.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a sample of this set.</exception>
    /// <exception cref="ArgumentException"><paramref name="target"/> is not <see cref="TargetSize"/> long.</exception>
    public void CopyTarget(int index, Span<float> target)
    {
        Checked(index);
        if (target.Length != TargetSize)
        {
            throw new ArgumentException($"The target has room for {target.Length} values but the set's targets have {TargetSize}.", nameof(target));
        }

        if (_labels is not null)
        {
            target.Clear();
            target[_labels[index]] = 1f;
        }
        else
        {
            _targets.AsSpan(index * TargetSize, TargetSize).CopyTo(target);
        }
    }

    /// <summary><paramref name="index"/>, if it is a sample of this set.</summary>
    private int Checked(int index) => (uint)index < (uint)Count
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"Sample {index} is outside the set's {Count:N0} samples.");

    /// <summary>A new set whose inputs are these scaled by <paramref name="scaling"/>; the labels or targets are shared.</summary>
    /// <param name="scaling">A scaling of <see cref="InputSize"/> features.</param>
    /// <returns>The scaled set.</returns>
    /// <exception cref="ArgumentException">The scaling's size is not <see cref="InputSize"/>.</exception>
    public Dataset Scaled(InputScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(scaling);
        if (scaling.Size != InputSize)
        {
            throw new ArgumentException($"The scaling has {scaling.Size} features but the data has {InputSize} inputs.", nameof(scaling));
        }

        var inputs = new float[_inputs.Length];
        scaling.ApplyRows(_inputs, inputs);
        return new Dataset(inputs, InputSize, _labels, _targets, TargetSize);
    }

    /// <summary>A new set holding the given samples, in the given order (copied).</summary>
    /// <param name="indices">Sample indices, each in [0, <see cref="Count"/>).</param>
    /// <returns>The subset.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is not a sample of this set.</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var inputs = new float[indices.Length * InputSize];
        for (int i = 0; i < indices.Length; i++)
        {
            Input(indices[i]).CopyTo(inputs.AsSpan(i * InputSize));
        }

        if (_labels is not null)
        {
            var labels = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++)
            {
                labels[i] = _labels[indices[i]];
            }

            return new Dataset(inputs, InputSize, labels, null, TargetSize);
        }

        var targets = new float[indices.Length * TargetSize];
        for (int i = 0; i < indices.Length; i++)
        {
            CopyTarget(indices[i], targets.AsSpan(i * TargetSize, TargetSize));
        }

        return new Dataset(inputs, InputSize, null, targets, TargetSize);
    }

    /// <summary>
    /// Splits the set at random (seeded) into training, validation and test parts. Fractions are of
    /// the whole; the training part gets the rest.
    /// </summary>
    /// <param name="validationFraction">Share for validation, in [0, 1).</param>
    /// <param name="testFraction">Share for testing, in [0, 1).</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <returns>The three parts; validation or test may be empty.</returns>
    /// <exception cref="ArgumentException">A fraction is out of range or nothing is left for training.</exception>
    public DataSplit Split(double validationFraction, double testFraction, long seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentException($"The validation fraction {validationFraction} must be in [0, 1).", nameof(validationFraction));
        }

        if (!(testFraction >= 0 && testFraction < 1))
        {
            throw new ArgumentException($"The test fraction {testFraction} must be in [0, 1).", nameof(testFraction));
        }

        int testCount = (int)Math.Round(Count * testFraction);
        int validationCount = (int)Math.Round(Count * validationFraction);
        int trainingCount = Count - testCount - validationCount;
        if (trainingCount < 1)
        {
            throw new ArgumentException($"Splitting {Count} samples as {validationFraction} validation and {testFraction} test leaves none for training.", nameof(validationFraction));
        }

        var order = new int[Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new DeterministicRandom(seed).Shuffle(order);
        return new DataSplit(
            Subset(order.AsSpan(0, trainingCount)),
            Subset(order.AsSpan(trainingCount, validationCount)),
            Subset(order.AsSpan(trainingCount + validationCount, testCount)));
    }

    private static void CheckInputs(float[] inputs, int inputSize, int count, string countSource)
    {
        if (inputSize < 1)
        {
            throw new ArgumentException($"inputSize is {inputSize}; it must be at least 1.", nameof(inputSize));
        }

        if (inputs.Length != (long)count * inputSize)
        {
            throw new ArgumentException(
                $"inputs has {inputs.Length} values, but {count} samples ({countSource}) of {inputSize} values need {(long)count * inputSize}.",
                nameof(inputs));
        }

        CheckFinite(inputs, inputSize, nameof(inputs));
    }

    private static void CheckFinite(float[] values, int width, string name)
    {
        int bad = IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw new ArgumentException(
                $"{name}[{bad}] (sample {bad / width}, value {bad % width}) is {values[bad]}; every value must be finite.", name);
        }
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        // A float is NaN or ±∞ exactly when its eight exponent bits are all ones.
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(values);
        for (int i = 0; i < bits.Length; i++)
        {
            if ((bits[i] & 0x7F80_0000) == 0x7F80_0000)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Training, validation and test parts of a data set.</summary>
/// <param name="Training">The samples to learn from.</param>
/// <param name="Validation">Samples to watch during training (may be empty).</param>
/// <param name="Test">Samples kept aside for the final figure (may be empty).</param>
public sealed record DataSplit(Dataset Training, Dataset Validation, Dataset Test);
