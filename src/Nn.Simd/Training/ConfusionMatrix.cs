namespace Nn.Simd.Training;

/// <summary>
/// How often each actual class was predicted as each class, stored sparsely: one entry per
/// (actual, predicted) pair that occurred, so its cost grows with the samples evaluated and never
/// with the square of the class count (a network of 65,536 outputs evaluated on 100 samples holds
/// at most 100 entries).
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly Dictionary<(int Actual, int Predicted), int> _counts = [];
    private readonly SortedSet<int> _classes = [];

    /// <summary>Creates an empty matrix over <paramref name="classCount"/> classes.</summary>
    /// <param name="classCount">The number of classes (the network's outputs), ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> is less than 1.</exception>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ClassCount = classCount;
    }

    /// <summary>The number of classes the matrix spans.</summary>
    public int ClassCount { get; }

    /// <summary>The samples counted.</summary>
    public int Total { get; private set; }

    /// <summary>The classes that occur as an actual or a predicted class, ascending.</summary>
    public IReadOnlyCollection<int> Classes => _classes;

    /// <summary>The pairs that occurred, by actual then predicted class.</summary>
    public IEnumerable<(int Actual, int Predicted, int Count)> Entries =>
        _counts.OrderBy(e => e.Key.Actual).ThenBy(e => e.Key.Predicted).Select(e => (e.Key.Actual, e.Key.Predicted, e.Value));

    /// <summary>The samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    /// <param name="actual">0 ≤ actual &lt; <see cref="ClassCount"/>.</param>
    /// <param name="predicted">0 ≤ predicted &lt; <see cref="ClassCount"/>.</param>
    /// <returns>The count (0 for a pair that never occurred).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A class is outside the matrix.</exception>
    public int this[int actual, int predicted]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)actual, (uint)ClassCount, nameof(actual));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)predicted, (uint)ClassCount, nameof(predicted));
            return _counts.GetValueOrDefault((actual, predicted));
        }
    }

    /// <summary>
    /// Precision, recall, F1 and support of each class that occurs as an actual or a predicted
    /// class, ascending. A ratio with a zero denominator is 0 (scikit-learn's zero_division=0):
    /// precision 0 for a class never predicted, recall 0 for a class with no samples.
    /// </summary>
    /// <returns>One entry per class in <see cref="Classes"/>.</returns>
    public IReadOnlyList<ClassMetrics> PerClass() => ClassMetricsCalculator.PerClass(this);

    /// <summary>
    /// The unweighted means of <see cref="PerClass"/>'s precision, recall and F1 over the classes
    /// that occur (scikit-learn's average="macro" with zero_division=0); NaN for an empty matrix.
    /// </summary>
    /// <returns>The macro averages.</returns>
    public MacroMetrics Macro() => ClassMetricsCalculator.Macro(PerClass());

    /// <summary>Counts one sample.</summary>
    /// <param name="actual">Its class.</param>
    /// <param name="predicted">The class predicted.</param>
    internal void Add(int actual, int predicted)
    {
        _counts[(actual, predicted)] = _counts.GetValueOrDefault((actual, predicted)) + 1;
        _classes.Add(actual);
        _classes.Add(predicted);
        Total++;
    }
}
