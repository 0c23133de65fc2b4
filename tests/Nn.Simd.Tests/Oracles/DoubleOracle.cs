namespace Nn.Simd.Tests.Oracles;

/// <summary>
/// The textbook formulas in double precision: an oracle independent of the engine's lane order,
/// polynomials and fused operations. Products of two floats are exact in double.
/// </summary>
internal static class DoubleOracle
{
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out double absoluteSum)
    {
        double sum = 0, abs = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double term = (double)x[i] * y[i];
            sum += term;
            abs += Math.Abs(term);
        }

        absoluteSum = abs;
        return sum;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double SigmoidDerivative(double x)
    {
        double s = Sigmoid(x);
        return s * (1 - s);
    }

    public static double TanhDerivative(double x)
    {
        double t = Math.Tanh(x);
        return 1 - (t * t);
    }

    public static double[] Softmax(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x)
        {
            max = Math.Max(max, v);
        }

        var e = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            e[i] = Math.Exp(x[i] - max);
            sum += e[i];
        }

        for (int i = 0; i < e.Length; i++)
        {
            e[i] /= sum;
        }

        return e;
    }
}
