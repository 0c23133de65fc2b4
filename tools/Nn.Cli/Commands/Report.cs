using System.Globalization;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary>How results are printed.</summary>
internal static class Report
{
    /// <summary>
    /// The most classes a printed confusion matrix shows; above it, the matrix would cost more to
    /// draw and read than it tells, and a summary of the most frequent confusions is printed.
    /// </summary>
    public const int MaxMatrixClasses = 30;

    public static void TestResult(IAnsiConsole console, Evaluation result)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:P2} ({result.Count:N0} samples), cost {result.Cost:F4}")));
        ConfusionMatrix confusion = result.Confusion;
        int[] classes = [.. confusion.Classes];
        if (classes.Length > MaxMatrixClasses)
        {
            Summary(console, confusion, classes.Length);
            return;
        }

        if (classes.Length < confusion.ClassCount)
        {
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"  the matrix shows the {classes.Length} of {confusion.ClassCount:N0} classes that occur as a label or a prediction")));
        }

        var table = new Table().Border(TableBorder.Simple).Title("confusion matrix (rows: actual, columns: predicted)");
        table.AddColumn(new TableColumn(string.Empty).RightAligned());
        foreach (int p in classes)
        {
            table.AddColumn(new TableColumn(Text(p)).RightAligned());
        }

        foreach (int a in classes)
        {
            table.AddRow([Text(a), .. classes.Select(p => Text(confusion[a, p]))]);
        }

        console.Write(table);
    }

    private static void Summary(IAnsiConsole console, ConfusionMatrix confusion, int present)
    {
        var worst = confusion.Entries.Where(e => e.Actual != e.Predicted).OrderByDescending(e => e.Count).Take(10).ToList();
        console.MarkupLine(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"  confusion: {present:N0} of {confusion.ClassCount:N0} classes occur, too many for a matrix; most frequent confusions (actual→predicted ×count): {(worst.Count == 0 ? "none" : string.Join(", ", worst.Select(e => $"{e.Actual}→{e.Predicted} ×{e.Count}")))}")));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
