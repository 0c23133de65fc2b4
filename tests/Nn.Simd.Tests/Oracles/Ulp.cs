namespace Nn.Simd.Tests.Oracles;

/// <summary>Units of float32 rounding used by the derived error bounds.</summary>
internal static class Ulp
{
    /// <summary>u = 2⁻²⁴, the unit roundoff of float32 round-to-nearest: |fl(x) − x| ≤ u·|x| for normal results.</summary>
    public const double U = 1.0 / (1 << 24);

    /// <summary>Half the smallest subnormal: the absolute rounding error of a result in the subnormal range.</summary>
    public const double SubnormalHalfStep = 7.006492321624085e-46;

    /// <summary>γ_m = m·u / (1 − m·u), the classical bound on m successive roundings.</summary>
    public static double Gamma(int m) => m * U / (1 - (m * U));
}
