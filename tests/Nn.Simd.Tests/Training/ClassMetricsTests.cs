using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training;

public class ClassMetricsTests
{
    /// <summary>
    /// Five classes, ten samples; class 2 has a sample but is never predicted, class 3 is predicted
    /// once but has no sample, class 4 never occurs:
    /// <code>
    ///            predicted 0  1  2  3
    ///   actual 0           3  1  .  .     support 4
    ///   actual 1           2  2  .  1     support 5
    ///   actual 2           .  1  .  .     support 1
    ///   predicted          5  4  0  1
    /// </code>
    /// </summary>
    private static ConfusionMatrix Example()
    {
        var confusion = new ConfusionMatrix(5);
        (int Actual, int Predicted, int Count)[] entries = [(0, 0, 3), (0, 1, 1), (1, 0, 2), (1, 1, 2), (1, 3, 1), (2, 1, 1)];
        foreach ((int actual, int predicted, int count) in entries)
        {
            for (int i = 0; i < count; i++)
            {
                confusion.Add(actual, predicted);
            }
        }

        return confusion;
    }

    /// <summary>
    /// By hand: class 0 TP 3 of 5 predicted and 4 actual, P 3/5, R 3/4, F1 6/9; class 1 TP 2 of 4
    /// and 5, P 1/2, R 2/5, F1 4/9; class 2 never predicted, P 0 (zero_division=0), R 0/1, F1 0;
    /// class 3 no sample, P 0/1, R 0 (zero_division=0), F1 0. Class 4 never occurs and is left out.
    /// </summary>
    [Fact]
    public void Per_class_figures_match_the_hand_computed_values()
    {
        IReadOnlyList<ClassMetrics> perClass = Example().PerClass();

        Assert.Equal(
            [
                new ClassMetrics(0, Support: 4, Predicted: 5, TruePositives: 3, 3.0 / 5, 3.0 / 4, 6.0 / 9),
                new ClassMetrics(1, Support: 5, Predicted: 4, TruePositives: 2, 2.0 / 4, 2.0 / 5, 4.0 / 9),
                new ClassMetrics(2, Support: 1, Predicted: 0, TruePositives: 0, 0, 0, 0),
                new ClassMetrics(3, Support: 0, Predicted: 1, TruePositives: 0, 0, 0, 0),
            ],
            perClass);
    }

    /// <summary>Macro: the plain means over the four classes that occur, F1 the mean of the per-class F1 (10/9 / 4), not the F1 of the means.</summary>
    [Fact]
    public void Macro_averages_are_the_unweighted_means_over_the_classes_that_occur()
    {
        MacroMetrics macro = Example().Macro();

        Assert.Equal(4, macro.Classes);
        Assert.Equal((0.6 + 0.5) / 4, macro.Precision, 15);
        Assert.Equal((0.75 + 0.4) / 4, macro.Recall, 15);
        Assert.Equal((6.0 / 9 + 4.0 / 9) / 4, macro.F1, 15);
        double f1OfMeans = 2 * macro.Precision * macro.Recall / (macro.Precision + macro.Recall);
        Assert.NotEqual(f1OfMeans, macro.F1, 3);
    }

    [Fact]
    public void A_perfect_classifier_scores_one_everywhere()
    {
        var confusion = new ConfusionMatrix(3);
        foreach (int c in new[] { 0, 1, 2, 2, 1, 0, 2 })
        {
            confusion.Add(c, c);
        }

        Assert.All(confusion.PerClass(), m => Assert.Equal((1.0, 1.0, 1.0), (m.Precision, m.Recall, m.F1)));
        Assert.Equal(new MacroMetrics(1, 1, 1, 3), confusion.Macro());
        Assert.Equal([2, 2, 3], confusion.PerClass().Select(m => m.Support));
    }

    [Fact]
    public void An_empty_matrix_has_no_classes_and_NaN_averages()
    {
        var confusion = new ConfusionMatrix(4);

        Assert.Empty(confusion.PerClass());
        MacroMetrics macro = confusion.Macro();
        Assert.Equal(0, macro.Classes);
        Assert.True(double.IsNaN(macro.Precision) && double.IsNaN(macro.Recall) && double.IsNaN(macro.F1));
    }
}
