using System.Globalization;
using System.Xml;

namespace Nn.Cli.Commands;

/// <summary>
/// Writes the training curves as an SVG file with <see cref="XmlWriter"/> (so every name and label is
/// escaped and the file is well-formed XML), without any graphics library.
/// <code>
///  ┌──────────────────────── 1000 ────────────────────────┐
///  │            title: network / data, test accuracy      │  0 … 80
///  │ accuracy ┌──────────────────────────────────┐ cost   │
///  │ (%) ticks│ polylines + markers, one a curve │ ticks  │  80 … 480
///  │          └──────────────────────────────────┘        │
///  │                      epoch ticks, "epoch"            │  480 … 540
///  │      legend: line + marker + label per curve         │  540 … 600
///  └──────────────────────────────────────────────────────┘
/// </code>
/// Each marker carries a &lt;title&gt; "label, epoch N: value", which a browser shows on hover.
/// </summary>
internal static class SvgCurvePlot
{
    private const double Width = 1000, Height = 600;
    private const double PlotLeft = 90, PlotRight = 900, PlotTop = 80, PlotBottom = 480;

    /// <summary>The colours of the curves in order (the Category10 palette).</summary>
    private static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

    public static void Write(TextWriter output, IReadOnlyList<string> title, IReadOnlyList<Curve> curves)
    {
        using XmlWriter svg = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false });
        svg.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        svg.WriteAttributeString("width", Number(Width));
        svg.WriteAttributeString("height", Number(Height));
        svg.WriteAttributeString("viewBox", $"0 0 {Number(Width)} {Number(Height)}");
        svg.WriteAttributeString("font-family", "sans-serif");
        Rect(svg, 0, 0, Width, Height, fill: "white", stroke: "none");

        for (int i = 0; i < title.Count; i++)
        {
            Text(svg, Width / 2, 30 + (22 * i), title[i], "middle", 17);
        }

        double[] epochs = [.. curves.SelectMany(c => c.Epochs)];
        double firstEpoch = epochs.Length == 0 ? 1 : epochs.Min(), lastEpoch = epochs.Length == 0 ? 1 : epochs.Max();
        double[] epochTicks = [.. Ticks(firstEpoch, lastEpoch, 10).Where(t => t == Math.Round(t) && t >= firstEpoch && t <= lastEpoch)];
        (double xMin, double xMax) = firstEpoch < lastEpoch ? (firstEpoch, lastEpoch) : (firstEpoch - 0.5, lastEpoch + 0.5);
        double[] accuracyTicks = Ticks(curves.Where(c => !c.OnCostAxis).SelectMany(c => c.Values), 6);
        double[] costTicks = Ticks(curves.Where(c => c.OnCostAxis).SelectMany(c => c.Values), 6);
        double X(double epoch) => PlotLeft + ((epoch - xMin) / (xMax - xMin) * (PlotRight - PlotLeft));
        static double Y(double value, double[] ticks) => PlotBottom - ((value - ticks[0]) / (ticks[^1] - ticks[0]) * (PlotBottom - PlotTop));

        // Grid and ticks: the epoch axis below, accuracy on the left, cost on the right.
        foreach (double t in epochTicks)
        {
            Line(svg, X(t), PlotTop, X(t), PlotBottom, "#e5e5e5");
            Text(svg, X(t), PlotBottom + 20, Number(t), "middle", 13);
        }

        foreach (double t in accuracyTicks)
        {
            Line(svg, PlotLeft, Y(t, accuracyTicks), PlotRight, Y(t, accuracyTicks), "#e5e5e5");
            Text(svg, PlotLeft - 8, Y(t, accuracyTicks) + 4, Number(t), "end", 13);
        }

        foreach (double t in costTicks)
        {
            Text(svg, PlotRight + 8, Y(t, costTicks) + 4, Number(t), "start", 13);
        }

        Rect(svg, PlotLeft, PlotTop, PlotRight - PlotLeft, PlotBottom - PlotTop, fill: "none", stroke: "black");
        Text(svg, (PlotLeft + PlotRight) / 2, PlotBottom + 45, "epoch", "middle", 15);
        Text(svg, 25, (PlotTop + PlotBottom) / 2, "accuracy (%)", "middle", 15, rotate: -90);
        Text(svg, Width - 25, (PlotTop + PlotBottom) / 2, "cost", "middle", 15, rotate: 90);

        double legendX = PlotLeft;
        for (int c = 0; c < curves.Count; c++)
        {
            Curve curve = curves[c];
            string colour = Colours[c % Colours.Length];
            double[] ticks = curve.OnCostAxis ? costTicks : accuracyTicks;
            svg.WriteStartElement("g");
            svg.WriteAttributeString("class", "curve");
            svg.WriteAttributeString("data-label", curve.Label);
            svg.WriteStartElement("polyline");
            svg.WriteAttributeString("fill", "none");
            svg.WriteAttributeString("stroke", colour);
            svg.WriteAttributeString("stroke-width", "2");
            svg.WriteAttributeString("points", string.Join(' ', curve.Epochs.Select((e, i) => $"{Number(X(e))},{Number(Y(curve.Values[i], ticks))}")));
            svg.WriteEndElement();
            for (int i = 0; i < curve.Values.Length; i++)
            {
                Marker(svg, X(curve.Epochs[i]), Y(curve.Values[i], ticks), colour, curve.OnCostAxis, $"{curve.Label}, epoch {Number(curve.Epochs[i])}: {curve.Values[i].ToString("G6", CultureInfo.InvariantCulture)}");
            }

            svg.WriteEndElement();

            Line(svg, legendX, 570, legendX + 30, 570, colour, width: 2);
            Marker(svg, legendX + 15, 570, colour, curve.OnCostAxis, tooltip: null);
            Text(svg, legendX + 38, 575, curve.Label, "start", 13);
            legendX += 60 + (7.5 * curve.Label.Length);
        }

        svg.WriteEndElement();
    }

    /// <summary>Round tick values (1, 2 or 5 × 10ᵏ apart) that cover <paramref name="values"/>, at least two.</summary>
    private static double[] Ticks(IEnumerable<double> values, int count)
    {
        double[] finite = [.. values.Where(double.IsFinite)];
        return finite.Length == 0 ? [0, 1] : Ticks(finite.Min(), finite.Max(), count);
    }

    private static double[] Ticks(double min, double max, int count)
    {
        if (max - min < 1e-9 * Math.Max(1, Math.Abs(max)))
        {
            (min, max) = (min - Math.Max(0.5, Math.Abs(min) * 0.05), max + Math.Max(0.5, Math.Abs(max) * 0.05));
        }

        double raw = (max - min) / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = (raw / magnitude) switch { < 1.5 => 1, < 3 => 2, < 7 => 5, _ => 10 } * magnitude;
        double first = Math.Floor(min / step), last = Math.Ceiling(max / step);
        return [.. Enumerable.Range(0, (int)(last - first) + 1).Select(i => Math.Round((first + i) * step, 10))];
    }

    private static string Number(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);

    private static void Marker(XmlWriter svg, double x, double y, string colour, bool openSquare, string? tooltip)
    {
        if (openSquare)
        {
            Rect(svg, x - 4, y - 4, 8, 8, fill: "white", stroke: colour, close: false);
        }
        else
        {
            svg.WriteStartElement("circle");
            svg.WriteAttributeString("cx", Number(x));
            svg.WriteAttributeString("cy", Number(y));
            svg.WriteAttributeString("r", "4");
            svg.WriteAttributeString("fill", colour);
        }

        if (tooltip is not null)
        {
            svg.WriteElementString("title", tooltip);
        }

        svg.WriteEndElement();
    }

    private static void Rect(XmlWriter svg, double x, double y, double width, double height, string fill, string stroke, bool close = true)
    {
        svg.WriteStartElement("rect");
        svg.WriteAttributeString("x", Number(x));
        svg.WriteAttributeString("y", Number(y));
        svg.WriteAttributeString("width", Number(width));
        svg.WriteAttributeString("height", Number(height));
        svg.WriteAttributeString("fill", fill);
        svg.WriteAttributeString("stroke", stroke);
        if (close)
        {
            svg.WriteEndElement();
        }
    }

    private static void Line(XmlWriter svg, double x1, double y1, double x2, double y2, string colour, double width = 1)
    {
        svg.WriteStartElement("line");
        svg.WriteAttributeString("x1", Number(x1));
        svg.WriteAttributeString("y1", Number(y1));
        svg.WriteAttributeString("x2", Number(x2));
        svg.WriteAttributeString("y2", Number(y2));
        svg.WriteAttributeString("stroke", colour);
        svg.WriteAttributeString("stroke-width", Number(width));
        svg.WriteEndElement();
    }

    private static void Text(XmlWriter svg, double x, double y, string text, string anchor, double size, double rotate = 0)
    {
        svg.WriteStartElement("text");
        svg.WriteAttributeString("x", Number(x));
        svg.WriteAttributeString("y", Number(y));
        svg.WriteAttributeString("text-anchor", anchor);
        svg.WriteAttributeString("font-size", Number(size));
        if (rotate != 0)
        {
            svg.WriteAttributeString("transform", $"rotate({Number(rotate)} {Number(x)} {Number(y)})");
        }

        svg.WriteString(text);
        svg.WriteEndElement();
    }
}
