using System.Globalization;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary>
/// How results are printed: tables as plain lines, written straight to the output, so that a pipe or
/// a file gets each row whole on one line with no padding after its last column (Spectre.Console's
/// tables pad every cell to the column width and wrap at the console width, 80 when redirected).
/// </summary>
internal static class Report
{
    /// <summary>
    /// The most classes a printed confusion matrix shows; above it, the matrix would cost more to
    /// draw and read than it tells, and a summary of the most frequent confusions is printed.
    /// </summary>
    public const int MaxMatrixClasses = 30;

    /// <summary>RMSE, MAE and R² in the targets' original units: the means, then one row per target when there are several.</summary>
    public static void RegressionResult(IAnsiConsole console, RegressionEvaluation result)
    {
        TextWriter output = console.Profile.Out.Writer;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test RMSE {result.MeanRootMeanSquaredError:G6}  MAE {result.MeanMeanAbsoluteError:G6}  R² {result.MeanRSquared:F4} ({result.Count:N0} samples, original units)"));
        if (result.RSquared.Count > 1)
        {
            for (int k = 0; k < result.RSquared.Count; k++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  target {k}: RMSE {result.RootMeanSquaredError[k]:G6}  MAE {result.MeanAbsoluteError[k]:G6}  R² {result.RSquared[k]:F4}"));
            }
        }
    }

    public static void TestResult(IAnsiConsole console, Evaluation result)
    {
        TextWriter output = console.Profile.Out.Writer;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:P2} ({result.Count:N0} samples), cost {result.Cost:F4}"));
        ConfusionMatrix confusion = result.Confusion;
        int[] classes = [.. confusion.Classes];
        if (classes.Length > MaxMatrixClasses)
        {
            Summary(output, confusion, classes.Length);
            ClassFigures(output, confusion, listClasses: false);
            return;
        }

        if (classes.Length < confusion.ClassCount)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the matrix shows the {classes.Length} of {confusion.ClassCount:N0} classes that occur as a label or a prediction"));
        }

        output.WriteLine("  confusion matrix (rows: actual, columns: predicted)");
        int labelWidth = classes.Select(c => Text(c).Length).DefaultIfEmpty(1).Max();
        int cellWidth = 2 + Math.Max(labelWidth, classes.SelectMany(a => classes.Select(p => Text(confusion[a, p]).Length)).DefaultIfEmpty(1).Max());
        output.WriteLine(new string(' ', 2 + labelWidth) + string.Concat(classes.Select(p => Text(p).PadLeft(cellWidth))));
        foreach (int a in classes)
        {
            output.WriteLine("  " + Text(a).PadLeft(labelWidth) + string.Concat(classes.Select(p => Text(confusion[a, p]).PadLeft(cellWidth))));
        }

        ClassFigures(output, confusion, listClasses: true);
    }

    /// <summary>
    /// Precision, recall, F1 and support, one row per class (when <paramref name="listClasses"/>),
    /// then their macro averages (support: all samples). A figure whose denominator is 0 is 0.
    /// </summary>
    private static void ClassFigures(TextWriter output, ConfusionMatrix confusion, bool listClasses)
    {
        MacroMetrics macro = confusion.Macro();
        if (macro.Classes == 0)
        {
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(listClasses ? "per class, then " : string.Empty)}the macro average over the {macro.Classes:N0} classes that occur (precision 0 for a class never predicted, recall 0 for a class with no samples)"));
        IReadOnlyList<ClassMetrics> perClass = confusion.PerClass();
        int labelWidth = Math.Max("macro".Length, listClasses ? perClass.Max(m => Text(m.Class).Length) : 0);
        output.WriteLine("  " + "class".PadLeft(labelWidth) + "  precision     recall         F1  support");
        if (listClasses)
        {
            foreach (ClassMetrics m in perClass)
            {
                output.WriteLine(Row(Text(m.Class), labelWidth, m.Precision, m.Recall, m.F1, m.Support));
            }
        }

        output.WriteLine(Row("macro", labelWidth, macro.Precision, macro.Recall, macro.F1, confusion.Total));
    }

    private static string Row(string label, int labelWidth, double precision, double recall, double f1, int support) =>
        string.Create(CultureInfo.InvariantCulture, $"  {label.PadLeft(labelWidth)}  {precision,9:F4}  {recall,9:F4}  {f1,9:F4}  {support,7}");

    /// <summary>Names in a column as wide as the longest, then their values.</summary>
    public static void Properties(IAnsiConsole console, params (string Name, string Value)[] rows)
    {
        int width = rows.Max(r => r.Name.Length) + 1;
        foreach ((string name, string value) in rows)
        {
            console.Profile.Out.Writer.WriteLine(name.PadRight(width) + value);
        }
    }

    private static void Summary(TextWriter output, ConfusionMatrix confusion, int present)
    {
        var worst = confusion.Entries.Where(e => e.Actual != e.Predicted).OrderByDescending(e => e.Count).Take(10).ToList();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  confusion: {present:N0} of {confusion.ClassCount:N0} classes occur, too many for a matrix; most frequent confusions (actual→predicted ×count): {(worst.Count == 0 ? "none" : string.Join(", ", worst.Select(e => $"{e.Actual}→{e.Predicted} ×{e.Count}")))}"));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
