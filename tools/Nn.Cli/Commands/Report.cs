using System.Globalization;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary>How results are printed.</summary>
internal static class Report
{
    public static void TestResult(IAnsiConsole console, Evaluation result)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:P2} ({result.Count:N0} samples), cost {result.Cost:F4}")));
        var table = new Table().Border(TableBorder.Simple).Title("confusion matrix (rows: actual, columns: predicted)");
        table.AddColumn(new TableColumn(string.Empty).RightAligned());
        for (int p = 0; p < result.Confusion.Length; p++)
        {
            table.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        }

        for (int a = 0; a < result.Confusion.Length; a++)
        {
            table.AddRow([a.ToString(CultureInfo.InvariantCulture), .. result.Confusion[a].Select(c => c.ToString(CultureInfo.InvariantCulture))]);
        }

        console.Write(table);
    }
}
