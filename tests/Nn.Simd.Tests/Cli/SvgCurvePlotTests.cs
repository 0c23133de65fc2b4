using System.Globalization;
using System.Xml.Linq;
using Nn.Cli.Commands;

namespace Nn.Simd.Tests.Cli;

/// <summary>The SVG writer behind <c>nn train --plot FILE.svg</c>, which needs no graphics library.</summary>
public class SvgCurvePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Write(string[] title, params Curve[] curves)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        SvgCurvePlot.Write(text, title, curves);
        return XDocument.Parse(text.ToString());
    }

    [Fact]
    public void The_SVG_is_well_formed_and_holds_every_point_of_every_curve()
    {
        double[] epochs = [1, 2, 3, 4, 5];
        Curve[] curves =
        [
            new("training accuracy (%)", epochs, [30, 80, 91.5, 95, 96.25], OnCostAxis: false),
            new("validation accuracy (%)", epochs, [60, 82, 88, 89, 90], OnCostAxis: false),
            new("training cost <&>", epochs, [0.42, 0.2, 0.11, 0.07, 0.05], OnCostAxis: true),
        ];
        XDocument svg = Write(["[64,30,10] sigmoid/sigmoid, quadratic", "digits & more, test accuracy 95.26 %"], curves);

        string[] texts = [.. svg.Descendants(Svg + "text").Select(t => t.Value)];
        Assert.Contains("[64,30,10] sigmoid/sigmoid, quadratic", texts);
        Assert.Contains("digits & more, test accuracy 95.26 %", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("accuracy (%)", texts);
        Assert.Contains("cost", texts);

        XElement[] groups = [.. svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "curve")];
        Assert.Equal(curves.Select(c => c.Label), groups.Select(g => (string?)g.Attribute("data-label")));
        for (int c = 0; c < curves.Length; c++)
        {
            Curve curve = curves[c];
            (double X, double Y)[] points =
            [
                .. groups[c].Element(Svg + "polyline")!.Attribute("points")!.Value.Split(' ')
                    .Select(p => p.Split(','))
                    .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))),
            ];
            Assert.Equal(curve.Values.Length, points.Length);
            for (int i = 1; i < points.Length; i++)
            {
                Assert.True(points[i].X > points[i - 1].X, $"{curve.Label}: epochs left to right");
                for (int j = 0; j < i; j++)
                {
                    // SVG's y grows downwards: a larger value is drawn higher up.
                    Assert.Equal(Math.Sign(curve.Values[i] - curve.Values[j]), -Math.Sign(points[i].Y - points[j].Y));
                }
            }

            Assert.All(points, p => Assert.InRange(p.Y, 80, 480));
            string[] markers = [.. groups[c].Descendants(Svg + "title").Select(t => t.Value)];
            Assert.Equal(curve.Epochs.Select((e, i) => $"{curve.Label}, epoch {e}: {curve.Values[i].ToString("G6", CultureInfo.InvariantCulture)}"), markers);
        }
    }

    [Fact]
    public void One_epoch_and_flat_curves_give_finite_coordinates()
    {
        XDocument svg = Write(["net", "data"], new Curve("training accuracy (%)", [1], [50], OnCostAxis: false), new Curve("training cost", [1], [0.25], OnCostAxis: true));
        string text = svg.ToString();
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
        Assert.Equal(2, svg.Descendants(Svg + "polyline").Count());
    }
}
