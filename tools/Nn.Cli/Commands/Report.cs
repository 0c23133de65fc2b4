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
    public static void TestResult(IAnsiConsole console, Evaluation result)
    {
        TextWriter output = console.Profile.Out.Writer;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:P2} ({result.Count:N0} samples), cost {result.Cost:F4}"));
        output.WriteLine("  confusion matrix (rows: actual, columns: predicted)");
        int[][] confusion = result.Confusion;
        int classes = confusion.Length;
        int labelWidth = Text(classes - 1).Length;
        int cellWidth = 2 + Math.Max(labelWidth, confusion.SelectMany(row => row).Select(c => Text(c).Length).DefaultIfEmpty(1).Max());
        output.WriteLine(new string(' ', 2 + labelWidth) + string.Concat(Enumerable.Range(0, classes).Select(p => Text(p).PadLeft(cellWidth))));
        for (int a = 0; a < classes; a++)
        {
            output.WriteLine("  " + Text(a).PadLeft(labelWidth) + string.Concat(confusion[a].Select(c => Text(c).PadLeft(cellWidth))));
        }
    }

    /// <summary>Names in a column as wide as the longest, then their values.</summary>
    public static void Properties(IAnsiConsole console, params (string Name, string Value)[] rows)
    {
        int width = rows.Max(r => r.Name.Length) + 1;
        foreach ((string name, string value) in rows)
        {
            console.Profile.Out.Writer.WriteLine(name.PadRight(width) + value);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
