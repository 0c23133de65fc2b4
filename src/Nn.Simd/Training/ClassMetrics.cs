// Per-class figures from a confusion matrix C (rows: actual, columns: predicted), for a class c:
//
//   TP = C[c, c]     FP = Σ_a≠c C[a, c]     FN = Σ_p≠c C[c, p]     support = TP + FN
//
//   precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2·TP / (2·TP + FP + FN)
//
// A ratio whose denominator is 0 is 0 (scikit-learn's zero_division=0): precision 0 for a class
// never predicted, recall 0 for a class with no samples. F1 = 2·TP / (2·TP + FP + FN) is the
// harmonic mean of precision and recall where both are defined, and 0 when TP = 0.
// The macro averages are the unweighted means of the per-class figures (F1 included: the mean of
// the per-class F1, not the F1 of the mean precision and recall) over the classes that occur as an
// actual or a predicted class, as scikit-learn's precision_recall_fscore_support(average="macro")
// does when not given the labels.
namespace Nn.Simd.Training;

/// <summary>How well one class was recognised.</summary>
/// <param name="Class">The class.</param>
/// <param name="Support">Samples whose actual class it is (TP + FN).</param>
/// <param name="Predicted">Samples predicted as it (TP + FP).</param>
/// <param name="TruePositives">Samples of the class predicted as it (TP).</param>
/// <param name="Precision">TP / (TP + FP); 0 when the class was never predicted.</param>
/// <param name="Recall">TP / (TP + FN); 0 when the class has no samples.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 when TP = 0.</param>
public readonly record struct ClassMetrics(int Class, int Support, int Predicted, int TruePositives, double Precision, double Recall, double F1);

/// <summary>Unweighted means of the per-class figures over the classes that occur as an actual or a predicted class.</summary>
/// <param name="Precision">Mean per-class precision.</param>
/// <param name="Recall">Mean per-class recall.</param>
/// <param name="F1">Mean per-class F1 (not the F1 of the mean precision and recall).</param>
/// <param name="Classes">The classes averaged over; 0 for an empty matrix, whose means are NaN.</param>
public readonly record struct MacroMetrics(double Precision, double Recall, double F1, int Classes);

/// <summary>The per-class figures of a <see cref="ConfusionMatrix"/>.</summary>
internal static class ClassMetricsCalculator
{
    public static ClassMetrics[] PerClass(ConfusionMatrix confusion)
    {
        var support = new Dictionary<int, int>();
        var predicted = new Dictionary<int, int>();
        var truePositives = new Dictionary<int, int>();
        foreach ((int actual, int predictedClass, int count) in confusion.Entries)
        {
            support[actual] = support.GetValueOrDefault(actual) + count;
            predicted[predictedClass] = predicted.GetValueOrDefault(predictedClass) + count;
            if (actual == predictedClass)
            {
                truePositives[actual] = count;
            }
        }

        return [.. confusion.Classes.Select(c =>
        {
            int tp = truePositives.GetValueOrDefault(c), s = support.GetValueOrDefault(c), p = predicted.GetValueOrDefault(c);
            int fp = p - tp, fn = s - tp;
            return new ClassMetrics(c, s, p, tp, Ratio(tp, p), Ratio(tp, s), Ratio(2L * tp, (2L * tp) + fp + fn));
        })];
    }

    public static MacroMetrics Macro(IReadOnlyList<ClassMetrics> perClass) =>
        perClass.Count == 0
            ? new MacroMetrics(double.NaN, double.NaN, double.NaN, 0)
            : new MacroMetrics(perClass.Average(m => m.Precision), perClass.Average(m => m.Recall), perClass.Average(m => m.F1), perClass.Count);

    /// <summary>n / d, and 0 when d = 0 (scikit-learn's zero_division=0).</summary>
    private static double Ratio(long n, long d) => d == 0 ? 0 : (double)n / d;
}
