using System.Runtime.InteropServices;
using Nn.Simd.IO;
using ScottPlot;

namespace Nn.Cli.Commands;

/// <summary>One curve of the <c>--plot</c> file: a value per epoch, on the accuracy or the cost axis.</summary>
internal sealed record Curve(string Label, double[] Epochs, double[] Values, bool OnCostAxis);

/// <summary>
/// The <c>--plot</c> file: accuracy (left axis) and cost (right axis) per epoch, training and
/// validation, under a title with the network, the data and the test accuracy. An SVG file is
/// written directly (<see cref="SvgCurvePlot"/>), so it needs no native code anywhere; a PNG file
/// is drawn by ScottPlot on SkiaSharp, whose native library the tool carries only for
/// <see cref="PngPlatforms"/>. The cost curves are told apart by open-square markers.
/// </summary>
internal static class CurvePlot
{
    /// <summary>The runtime identifiers whose SkiaSharp native library the tool package carries (PlotNativePlatforms in Nn.Cli.csproj).</summary>
    public static readonly string[] PngPlatforms = ["linux-x64", "linux-arm64"];

    /// <summary>Refuses, before any training, a plot file this platform cannot write.</summary>
    public static void Check(string path)
    {
        if (IsSvg(path))
        {
            return;
        }

        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--plot '{path}' must end in .png or .svg.");
        }

        if (!PngPlatforms.Contains(RuntimeInformation.RuntimeIdentifier, StringComparer.Ordinal))
        {
            throw new UsageException($"--plot '{path}': PNG plots are drawn on {string.Join(" and ", PngPlatforms)} only (this is {RuntimeInformation.RuntimeIdentifier}); an .svg plot works everywhere.");
        }
    }

    public static void Save(string path, TrainingRun run)
    {
        List<Curve> curves = CurvesOf(run);
        string test = run.TestResult is { } t ? $", test accuracy {t.Accuracy:P2}" : string.Empty;
        string[] title = [run.Network.ToString(), $"{run.DataName}{test}"];
        AtomicFile.Write(path, overwrite: true, file =>
        {
            if (IsSvg(path))
            {
                using var writer = new StreamWriter(file, leaveOpen: true);
                SvgCurvePlot.Write(writer, title, curves);
            }
            else
            {
                file.Write(Png(title, curves));
            }
        });
    }

    /// <summary>Training accuracy and cost, and the validation ones where every epoch has them; accuracy in %.</summary>
    public static List<Curve> CurvesOf(TrainingRun run)
    {
        IReadOnlyList<Nn.Simd.Training.EpochReport> reports = run.Reports;
        double[] epochs = [.. reports.Select(r => (double)r.Epoch)];
        bool validated = reports.Count > 0 && reports.All(r => r.ValidationAccuracy is not null && r.ValidationCost is not null);
        var curves = new List<Curve> { new("training accuracy (%)", epochs, [.. reports.Select(r => 100 * r.TrainingAccuracy)], OnCostAxis: false) };
        if (validated)
        {
            curves.Add(new("validation accuracy (%)", epochs, [.. reports.Select(r => 100 * r.ValidationAccuracy!.Value)], OnCostAxis: false));
        }

        curves.Add(new("training cost", epochs, [.. reports.Select(r => r.TrainingCost)], OnCostAxis: true));
        if (validated)
        {
            curves.Add(new("validation cost", epochs, [.. reports.Select(r => r.ValidationCost!.Value)], OnCostAxis: true));
        }

        return curves;
    }

    private static bool IsSvg(string path) => path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    private static byte[] Png(string[] title, List<Curve> curves)
    {
        var plot = new Plot();
        foreach (Curve curve in curves)
        {
            var scatter = plot.Add.Scatter(curve.Epochs, curve.Values);
            scatter.LegendText = curve.Label;
            if (curve.OnCostAxis)
            {
                scatter.MarkerShape = MarkerShape.OpenSquare;
                scatter.Axes.YAxis = plot.Axes.Right;
            }
        }

        plot.Title(string.Join('\n', title));
        plot.Axes.Title.Label.FontSize = 15;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        plot.Axes.Right.Label.Text = "cost";
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(1000, 600, ImageFormat.Png);
    }
}
