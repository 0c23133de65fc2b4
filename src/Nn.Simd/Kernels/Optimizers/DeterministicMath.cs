namespace Nn.Simd.Kernels;

/// <summary>
/// Powers and the cosine in double from IEEE additions and multiplications only, so that they give
/// the same bits on every platform: <see cref="Math.Pow(double, double)"/> and
/// <see cref="Math.Cos(double)"/> call the C runtime, whose results may differ in the last bit
/// between libm implementations, and a last-bit difference can change a float rounded from them.
/// </summary>
internal static class DeterministicMath
{
    /// <summary>xᵗ for t ≥ 0 by binary exponentiation: at most 2·log₂t roundings, relative error below 2⁻⁴⁶ for t &lt; 2⁶³.</summary>
    public static double Power(double x, long t)
    {
        double result = 1.0;
        for (double square = x; t > 0; t >>= 1, square *= square)
        {
            if ((t & 1) != 0)
            {
                result *= square;
            }
        }

        return result;
    }

    /// <summary>
    /// cos(π·p) for p in [0, 1]: by cos(π·p) = −cos(π·(1 − p)) the argument y = π·min(p, 1 − p) lies
    /// in [0, π/2], where the Taylor series to y²⁴/24! is exact to 2·10⁻²¹ (the next term); the
    /// Horner evaluation in double adds a few 10⁻¹⁶.
    /// </summary>
    public static double CosPi(double p)
    {
        bool upper = p > 0.5;
        double y = Math.PI * (upper ? 1.0 - p : p);
        double y2 = y * y;
        double sum = 1.0;
        for (int k = 12; k >= 1; k--)
        {
            // sum ← 1 − y²/((2k−1)(2k))·sum builds 1 − y²/2! + y⁴/4! − … from the innermost term out.
            sum = 1.0 - (y2 / ((2.0 * k) * ((2.0 * k) - 1.0)) * sum);
        }

        return upper ? -sum : sum;
    }
}
