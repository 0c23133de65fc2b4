using Nn.Simd.IO;
using ScottPlot;

namespace Nn.Cli.Commands;

/// <summary>
/// The <c>--plot</c> file: accuracy (left axis) and cost (right axis) per epoch, training and
/// validation. The cost curves are told apart by open-square markers, not dashes: Skia's SVG
/// backend has no path effects and prints "Unsupported path effect" on stderr for a dashed line.
/// </summary>
internal static class CurvePlot
{
    public static bool IsSupported(string path) =>
        path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    public static void Save(string path, TrainingRun run)
    {
        var plot = new Plot();
        double[] epochs = run.Reports.Select(r => (double)r.Epoch).ToArray();
        var trainingAccuracy = plot.Add.Scatter(epochs, run.Reports.Select(r => 100 * r.TrainingAccuracy).ToArray());
        trainingAccuracy.LegendText = "training accuracy (%)";
        if (run.Reports.All(r => r.ValidationAccuracy is not null) && run.Reports.Count > 0)
        {
            var validationAccuracy = plot.Add.Scatter(epochs, run.Reports.Select(r => 100 * r.ValidationAccuracy!.Value).ToArray());
            validationAccuracy.LegendText = "validation accuracy (%)";
        }

        var trainingCost = plot.Add.Scatter(epochs, run.Reports.Select(r => r.TrainingCost).ToArray());
        trainingCost.LegendText = "training cost";
        trainingCost.MarkerShape = MarkerShape.OpenSquare;
        trainingCost.Axes.YAxis = plot.Axes.Right;
        if (run.Reports.All(r => r.ValidationCost is not null) && run.Reports.Count > 0)
        {
            var validationCost = plot.Add.Scatter(epochs, run.Reports.Select(r => r.ValidationCost!.Value).ToArray());
            validationCost.LegendText = "validation cost";
            validationCost.MarkerShape = MarkerShape.OpenSquare;
            validationCost.Axes.YAxis = plot.Axes.Right;
        }

        string test = run.TestResult is { } t ? $", test accuracy {t.Accuracy:P2}" : string.Empty;
        plot.Title($"{run.Network}\n{run.DataName}{test}");
        plot.Axes.Title.Label.FontSize = 15;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        plot.Axes.Right.Label.Text = "cost";
        plot.ShowLegend(Edge.Bottom);
        byte[] image = path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase)
            ? System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(1000, 600))
            : plot.GetImageBytes(1000, 600, ImageFormat.Png);
        AtomicFile.Write(path, overwrite: true, file => file.Write(image));
    }
}
