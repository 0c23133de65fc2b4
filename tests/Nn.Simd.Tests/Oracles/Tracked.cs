namespace Nn.Simd.Tests.Oracles;

/// <summary>
/// A float computation followed step by step in double: <see cref="Value"/> is the exact result
/// (up to double rounding) of the operation on the exact values of its operands, and
/// <see cref="Error"/> bounds |float result − Value|, derived operation by operation.
/// </summary>
/// <remarks>
/// <para>
/// The model: a correctly rounded float operation returns fl(z) = z(1 + δ) + η with |δ| ≤ u = 2⁻²⁴
/// and |η| ≤ 2⁻¹⁵⁰ (half the smallest subnormal), applied to its float operands x̃ = x + e_x. Each
/// operation's bound is the propagated operand error P plus one rounding of a value at most |z| + P:
/// E = P + u·(|z| + P) + 2⁻¹⁵⁰, with
/// </para>
/// <list type="bullet">
/// <item>product: P = |x|·e_y + |y|·e_x + e_x·e_y;</item>
/// <item>fma(x, y, z) (one rounding): the product's P plus e_z;</item>
/// <item>sum: P = e_x + e_y;</item>
/// <item>quotient (|y| &gt; e_y): P = (e_x + |x/y|·e_y) / (|y| − e_y);</item>
/// <item>square root: P = min(e_x/√x, √e_x) (|√a − √b| ≤ √|a − b| always, and ≤ |a − b|/√b).</item>
/// </list>
/// <para>
/// Value itself is computed in double: each step adds a relative 2⁻⁵⁰·|z| to the bound to cover
/// double rounding (2⁻⁵³ per operation, with margin).
/// </para>
/// </remarks>
internal readonly record struct Tracked(double Value, double Error)
{
    private const double DoubleSlack = 1.0 / (1L << 50);

    /// <summary>An exact float input.</summary>
    public static Tracked Exact(double value) => new(value, 0);

    /// <summary>
    /// A float constant rounded once from a double computation of <paramref name="exact"/>: one
    /// rounding, plus 10⁻¹² relative for the double computation itself (a power such as 1 − β₂ᵗ loses
    /// up to log₁₀(1/(1 − β₂ᵗ)) digits to cancellation, and the kernel's power and this oracle's
    /// Math.Pow may differ in their last bits).
    /// </summary>
    public static Tracked RoundedConstant(double exact) => Round(exact, 1e-12 * Math.Abs(exact));

    public static Tracked operator *(Tracked x, Tracked y) =>
        Round(x.Value * y.Value, ProductError(x, y));

    public static Tracked operator +(Tracked x, Tracked y) => Round(x.Value + y.Value, x.Error + y.Error);

    public static Tracked operator -(Tracked x) => new(-x.Value, x.Error);

    public static Tracked operator /(Tracked x, Tracked y)
    {
        double denominator = Math.Abs(y.Value) - y.Error;
        if (!(denominator > 0))
        {
            throw new InvalidOperationException($"divisor {y.Value} ± {y.Error} may be zero: no bound");
        }

        double quotient = x.Value / y.Value;
        return Round(quotient, (x.Error + (Math.Abs(quotient) * y.Error)) / denominator);
    }

    /// <summary>fma(x, y, z): x·y + z with one rounding.</summary>
    public static Tracked Fma(Tracked x, Tracked y, Tracked z) => Round((x.Value * y.Value) + z.Value, ProductError(x, y) + z.Error);

    public static Tracked Sqrt(Tracked x)
    {
        double root = Math.Sqrt(x.Value);
        double propagated = x.Value > 0 ? Math.Min(x.Error / root, Math.Sqrt(x.Error)) : Math.Sqrt(x.Error);
        return Round(root, propagated);
    }

    private static double ProductError(Tracked x, Tracked y) =>
        (Math.Abs(x.Value) * y.Error) + (Math.Abs(y.Value) * x.Error) + (x.Error * y.Error);

    private static Tracked Round(double value, double propagated) =>
        new(value, propagated + (Ulp.U * (Math.Abs(value) + propagated)) + Ulp.SubnormalHalfStep + (DoubleSlack * Math.Abs(value)));
}
