using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class ActivationTests
{
    private const double U = Ulp.U;

    /// <summary>
    /// exp: relative error ≤ 2u. The Cephes degree-5 polynomial approximates e^r on |r| ≤ ln2/2 to
    /// within 0.5u; reducing with C1 (exact in 9 bits, so n·C1 is exact) and C2 (one rounding of
    /// about 2⁻¹²·|r|) adds under 0.1u; the fma Horner steps and the final +1 round each at most
    /// 0.5u of a term that is ≤ ½ of the result, under 1u in all; the scaling by 2ⁿ is exact.
    /// Measured over 4 million points of [−87, 88]: 1.40u.
    /// </summary>
    private const double ExpRelative = 2 * U;

    /// <summary>
    /// sigmoid = 1/(1 + e): e's relative error reaches σ weighted by e/(1+e) ≤ 1, and the addition
    /// and division round once each: ≤ 2u + 2u = 4u relative (measured: 2.48u).
    /// </summary>
    private const double SigmoidRelative = 4 * U;

    /// <summary>
    /// tanh, |x| &lt; 0.625: Cephes' odd polynomial is good to 2u relative and its fma evaluation
    /// adds about 1u. |x| ≥ 0.625: 2/(e + 1) ≤ 0.45 carries e's 2u plus two roundings (4u, so
    /// 1.8u absolute) and the subtraction from 1 rounds once (≤ u); relative to |tanh| ≥ 0.55 that
    /// is ≤ 5.1u. Bound: 6u relative (measured: 2.39u).
    /// </summary>
    private const double TanhRelative = 6 * U;

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    /// <summary>
    /// Each function with its double-precision twin, its error bound and its widest x86 body (null: a
    /// copy, no body). The reference values: the exact function, except where the kernels' contract fixes the result
    /// (exp is +0 below −87, so sigmoid and σ′ are +0 below −88, where exp(−x) is +∞); there the
    /// reference is that +0 and the bound 0, an exact check. The true values there are below e⁻⁸⁷ ≈ 1.6e-38
    /// (exp) and e⁻⁸⁸ ≈ 6.1e-39 (sigmoid, σ′).
    /// Sigmoid's 4u and σ′'s bound also hold where σ is subnormal (−88 ≤ x &lt; −87.34): 1 + e is then
    /// e exactly, and the division rounds to the subnormal grid, by ≤ 2⁻¹⁵⁰ ≤ 1.94u·σ (σ ≥ e⁻⁸⁸), so
    /// 2u (exp) + 1.94u &lt; 4u; σ′ = fma(−s, s, s) rounds s − s² back to s (s² is far below the grid),
    /// off by |s − σ| + σ² &lt; 4u·σ.
    /// </summary>
    public static IEnumerable<(string Name, Action<float[], Span<float>, KernelPath> Run, Func<double, double> Exact, Func<double, double, double> Bound, KernelPath? Widest)> Functions()
    {
        yield return ("exp", (x, y, p) => Kernel.Exp(x, y, p), x => x < -87 ? 0 : Math.Exp(x), (x, e) => x > 88 ? double.PositiveInfinity : ExpRelative * e, KernelPath.Avx512);
        yield return ("sigmoid", (x, y, p) => Kernel.Sigmoid(x, y, p), x => x < -88 ? 0 : DoubleOracle.Sigmoid(x), (x, e) => SigmoidRelative * e, KernelPath.Avx512);
        yield return ("tanh", (x, y, p) => Kernel.Tanh(x, y, p), Math.Tanh, (x, e) => (TanhRelative * Math.Abs(e)) + Ulp.SubnormalHalfStep, KernelPath.Avx2);
        yield return ("relu", (x, y, p) => Kernel.Relu(x, y, p), x => Math.Max(0, x), (_, _) => 0, KernelPath.Avx512);
        yield return ("identity", (x, y, _) => Kernel.Identity(x, y), x => x, (_, _) => 0, null);

        // σ′ = fma(−s, s, s) with s = σ(1 + ε), |ε| ≤ 4u: the error is (s − σ)(1 − s − σ) plus one
        // rounding, so ≤ 4u·σ + u·σ′.
        yield return ("sigmoid′", (x, y, p) => Kernel.SigmoidDerivative(x, y, p), x => x < -88 ? 0 : DoubleOracle.SigmoidDerivative(x),
            (x, e) => x < -88 ? 0 : (SigmoidRelative * DoubleOracle.Sigmoid(x)) + (U * e), KernelPath.Avx512);

        // tanh′ = fma(−t, t, 1) with t = τ(1 + ε), |ε| ≤ 6u: |t² − τ²| ≤ 2τ²·6u(1 + 3u), plus one rounding.
        yield return ("tanh′", (x, y, p) => Kernel.TanhDerivative(x, y, p), DoubleOracle.TanhDerivative,
            (x, e) => (12.01 * U * Math.Tanh(x) * Math.Tanh(x)) + (U * e), KernelPath.Avx2);
        yield return ("relu′", (x, y, p) => Kernel.ReluDerivative(x, y, p), x => x > 0 ? 1 : 0, (_, _) => 0, KernelPath.Avx512);
        yield return ("identity′", (x, y, p) => Kernel.IdentityDerivative(x, y, p), _ => 1, (_, _) => 0, KernelPath.Avx2);
    }

    [Theory]
    [MemberData(nameof(TestData.VectorPaths), MemberType = typeof(TestData))]
    public void Every_function_is_bit_identical_to_its_scalar_oracle_over_the_sweep(KernelPath path)
    {
        foreach (var f in Functions())
        {
            foreach (int n in TestData.Lengths)
            {
                foreach (int offset in TestData.Offsets)
                {
                    float[] x = TestData.Uniform(n, n + offset, 12f);
                    var expected = new float[n];
                    f.Run(x, expected, KernelPath.Scalar);
                    var y = new Guarded(n, offset);
                    KernelBodies.Forget();
                    f.Run(x, y.Span, path);
                    string context = $"{f.Name} {path} n={n} offset={offset}";
                    KernelBodies.AssertRan(path, context, f.Widest);
                    Assertions.BitsEqual(expected, y.Span, context);
                    y.AssertCanariesIntact(context);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_function_is_within_its_documented_bound_of_double(KernelPath path)
    {
        // A dense grid over the range the engine meets, plus the region around the tanh switch.
        var grid = new List<float>();
        for (int i = -200_000; i <= 200_000; i++)
        {
            grid.Add(i * 4.5e-4f);
        }

        for (int i = -1000; i <= 1000; i++)
        {
            grid.Add(0.625f + (i * 1e-6f));
            grid.Add(-87f + (i * 1e-3f));
            grid.Add(88f + (i * 1e-4f));
        }

        float[] x = [.. grid];
        var y = new float[x.Length];
        foreach (var f in Functions())
        {
            KernelBodies.Forget();
            f.Run(x, y, path);
            KernelBodies.AssertRan(path, $"{f.Name} {path} over the grid", f.Widest);
            for (int i = 0; i < x.Length; i++)
            {
                double exact = f.Exact(x[i]);
                if (double.IsInfinity(f.Bound(x[i], exact)))
                {
                    Assert.True(float.IsPositiveInfinity(y[i]), $"{f.Name}({x[i]}) above the exp limit must be +∞, got {y[i]}");
                    continue;
                }

                Assertions.Within(exact, y[i], f.Bound(x[i], exact), $"{f.Name} {path} x={x[i]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Special_values_and_huge_inputs_give_the_same_bits_and_no_NaN(KernelPath path)
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 1e-40f, -1e-39f, 1e4f, -1e4f, 87.9f, 88.1f, -86.9f, -87.1f, 1000f, -1000f, 0.625f, -0.625f, 0.6249999f];
        foreach (var f in Functions())
        {
            var expected = new float[specials.Length];
            var actual = new float[specials.Length];
            f.Run(specials, expected, KernelPath.Scalar);
            KernelBodies.Forget();
            f.Run(specials, actual, path);
            KernelBodies.AssertRan(path, $"{f.Name} specials {path}", f.Widest);
            Assertions.BitsEqual(expected, actual, $"{f.Name} specials {path}");
        }

        float[] huge = [-1e4f, -5000f, -1000f, -100f, -88.5f, 88.5f, 100f, 1000f, 5000f, 1e4f];
        var s = new float[huge.Length];
        Kernel.Sigmoid(huge, s, path);
        Assert.All(s, v => Assert.True(v is >= 0f and <= 1f, $"sigmoid gave {v}"));
        Assert.Equal(0f, s[0]);
        Assert.Equal(1f, s[^1]);
        Kernel.Tanh(huge, s, path);
        Assert.Equal(-1f, s[0]);
        Assert.Equal(1f, s[^1]);
        Assert.All(s, v => Assert.True(Math.Abs(v) <= 1f, $"tanh gave {v}"));
        Kernel.SigmoidDerivative(huge, s, path);
        Assert.All(s, v => Assert.True(v is >= 0f and <= 0.25f, $"sigmoid′ gave {v}"));
        Kernel.TanhDerivative(huge, s, path);
        Assert.All(s, v => Assert.True(v is >= 0f and <= 1f, $"tanh′ gave {v}"));
        Kernel.Relu([float.NaN, -0f, -3f], s.AsSpan(0, 3), path);
        Assert.True(float.IsNaN(s[0]));
        Assert.True(float.IsNegative(s[1]) && s[1] == 0f);
        Assert.Equal(0f, s[2]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Softmax_is_stable_bit_identical_and_within_bound(KernelPath path)
    {
        var y = new float[2];
        Kernel.Softmax([1000f, 1000f], y, path);
        Assert.Equal([0.5f, 0.5f], y);
        Kernel.Softmax([1e4f, -1e4f], y, path);
        Assert.Equal([1f, 0f], y);

        foreach (int n in TestData.Lengths)
        {
            foreach (int offset in new[] { 0, 3, 5 })
            {
                float[] x = TestData.Uniform(n, n + offset, 30f);
                var expected = new float[n];
                Kernel.Softmax(x, expected, KernelPath.Scalar);
                var output = new Guarded(n, offset);
                KernelBodies.Forget();
                Kernel.Softmax(x, output.Span, path);
                string context = $"Softmax {path} n={n} offset={offset}";
                KernelBodies.AssertRan(path, context, n == 0 ? null : KernelPath.Avx512);
                Assertions.BitsEqual(expected, output.Span, context);
                output.AssertCanariesIntact(context);

                // e_i = exp(fl(x_i − m)): the subtraction rounds by u·|x_i − m|, which exp turns
                // into that much relative error, plus exp's own 2u; the sum of positive terms adds
                // γ_(⌈n/32⌉+5) relative and the division u. All outputs share the sum's error.
                // Inputs within ±30 keep every x_i − m ≥ −60 > −87: no term is flushed to +0 and
                // every y_i ≥ e⁻⁶⁰/n is a normal number, so the relative bound holds alone. (The
                // flush to +0 below −87 is checked exactly by Softmax_over_huge_and_special_inputs.)
                double[] exact = DoubleOracle.Softmax(x);
                double max = n == 0 ? 0 : x.Max();
                Assert.True(n == 0 || max - x.Min() <= 60, "the inputs stay where the bound is derived");
                double worstTerm = n == 0 ? 0 : x.Max(v => (U * (max - v)) + ExpRelative);
                double common = worstTerm + Ulp.Gamma(((n + 31) / 32) + 5) + U;
                for (int i = 0; i < n; i++)
                {
                    double relative = (U * (max - x[i])) + ExpRelative + common;
                    Assertions.Within(exact[i], output.Span[i], relative * exact[i] * 1.001, $"{context} element {i}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Softmax_over_huge_and_special_inputs(KernelPath path)
    {
        float[] x = [1e4f, -1e4f, 5000f, 1e4f, 0f];
        var y = new float[x.Length];
        Kernel.Softmax(x, y, path);
        Assert.All(y, v => Assert.False(float.IsNaN(v) || float.IsInfinity(v)));
        Assert.Equal([0.5f, 0f, 0f, 0.5f, 0f], y);

        Kernel.Softmax([1f, float.NaN, 2f], y.AsSpan(0, 3), path);
        Assert.All(y.AsSpan(0, 3).ToArray(), v => Assert.True(float.IsNaN(v)));

        var inPlace = new float[] { 1f, 2f, 3f };
        var expected = new float[3];
        Kernel.Softmax(inPlace, expected, path);
        Kernel.Softmax(inPlace, inPlace, path);
        Assertions.BitsEqual(expected, inPlace, "softmax in place");
    }

    /// <summary>A block of softmax rows (a batch's outputs) gives each row the bits of one Softmax call on the scalar oracle: widths around the AVX-512 path's one-vector rows, special values, in place.</summary>
    [Theory]
    [MemberData(nameof(TestData.VectorPaths), MemberType = typeof(TestData))]
    public void Softmax_rows_give_each_row_the_single_call_bits(KernelPath path)
    {
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e4f, -1e4f, -0f, 0f, 88.5f, -87.5f];
        for (int width = 1; width <= 20; width++)
        {
            const int rows = 7;
            float[] x = TestData.Uniform(rows * width, width, 30f);
            x[(3 * width) + (width / 2)] = specials[width % specials.Length];
            x[5 * width] = specials[(width + 4) % specials.Length];
            float[] expected = new float[x.Length];
            for (int row = 0; row < rows; row++)
            {
                Kernel.Softmax(x.AsSpan(row * width, width), expected.AsSpan(row * width, width), KernelPath.Scalar);
            }

            float[] actual = new float[x.Length + 1];
            actual[^1] = Guarded.Canary;
            KernelBodies.Forget();
            Kernel.SoftmaxRows(x, actual.AsSpan(0, x.Length), width, path);
            KernelBodies.AssertRan(path, $"SoftmaxRows {path} width={width}", KernelPath.Avx512);
            Assertions.BitsEqual(expected, actual.AsSpan(0, x.Length).ToArray(), $"SoftmaxRows {path} width={width}");
            Assert.Equal(Guarded.Canary, actual[^1]);
            Kernel.SoftmaxRows(x, x, width, path);
            KernelBodies.AssertRan(path, $"SoftmaxRows {path} width={width} in place", KernelPath.Avx512);
            Assertions.BitsEqual(expected, x, $"SoftmaxRows {path} width={width} in place");
        }

        Assert.Throws<ArgumentException>(() => Kernel.SoftmaxRows(new float[10], new float[10], 3, path));
    }

    [Fact]
    public void Mismatched_lengths_throw_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.Sigmoid(new float[3], new float[4]));
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.Softmax(new float[10], new float[9]));
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
    }
}
