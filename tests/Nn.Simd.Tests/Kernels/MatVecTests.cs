using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class MatVecTests
{
    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVec_is_bit_identical_to_the_oracle_and_within_bound(KernelPath path)
    {
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            foreach (int offset in new[] { 0, 1, 5, 7 })
            {
                float[] w = TestData.Uniform(rows * columns, rows + columns + offset);
                float[] x = TestData.Uniform(columns, columns + offset + 1);
                float[] b = TestData.Uniform(rows, rows + offset + 2);
                var expected = new float[rows];
                Kernel.MatVec(w, rows, columns, x, b, expected, KernelPath.Scalar);
                var y = new Guarded(rows, offset);
                KernelBodies.Forget();
                Kernel.MatVec(w, rows, columns, x, b, y.Span, path);
                string context = $"MatVec {path} {rows}x{columns} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, y.Span, context);
                y.AssertCanariesIntact(context);

                // Each row is a 32-lane reduction (⌈columns/32⌉ + 5 roundings) plus one addition of b.
                for (int r = 0; r < rows; r++)
                {
                    double exact = DoubleOracle.Dot(w.AsSpan(r * columns, columns), x, out double abs) + b[r];
                    double bound = Ulp.Gamma(((columns + 31) / 32) + 6) * (abs + Math.Abs(b[r]));
                    Assertions.Within(exact, y.Span[r], bound, $"{context} row {r}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVec_row_equals_Dot_plus_bias(KernelPath path)
    {
        (int rows, int columns) = (5, 77);
        float[] w = TestData.Uniform(rows * columns, 3);
        float[] x = TestData.Uniform(columns, 4);
        float[] b = TestData.Uniform(rows, 5);
        var y = new float[rows];
        Kernel.MatVec(w, rows, columns, x, b, y, path);
        for (int r = 0; r < rows; r++)
        {
            Assertions.BitsEqual(Kernel.Dot(w.AsSpan(r * columns, columns), x, path) + b[r], y[r], $"row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVecTransposed_and_its_Hadamard_fusion_match_the_oracle(KernelPath path)
    {
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            foreach (int offset in new[] { 0, 1, 3, 6 })
            {
                float[] w = TestData.Uniform(rows * columns, rows * 7 + columns + offset);
                float[] d = TestData.Uniform(rows, rows + offset + 9);
                float[] s = TestData.Uniform(columns, columns + offset + 10);
                var expected = new float[columns];
                var expectedFused = new float[columns];
                Kernel.MatVecTransposed(w, rows, columns, d, expected, KernelPath.Scalar);
                Kernel.MatVecTransposedHadamard(w, rows, columns, d, s, expectedFused, KernelPath.Scalar);
                var y = new Guarded(columns, offset);
                var fused = new Guarded(columns, 7 - offset);
                KernelBodies.Forget();
                Kernel.MatVecTransposed(w, rows, columns, d, y.Span, path);
                Kernel.MatVecTransposedHadamard(w, rows, columns, d, s, fused.Span, path);
                string context = $"MatVecTransposed {path} {rows}x{columns} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, y.Span, context);
                Assertions.BitsEqual(expectedFused, fused.Span, context + " fused");
                y.AssertCanariesIntact(context);
                fused.AssertCanariesIntact(context + " fused");

                // Fused = unfused then Hadamard, bit for bit.
                var twoStep = new float[columns];
                Kernel.Hadamard(y.Span, s, twoStep, path);
                Assertions.BitsEqual(twoStep, fused.Span, context + " fused vs two steps");

                // Column c sums `rows` terms in sequence, one fma each: γ_rows·Σ|W[r,c]·d_r|; the
                // Hadamard factor adds one rounding.
                for (int c = 0; c < columns; c++)
                {
                    double exact = 0, abs = 0;
                    for (int r = 0; r < rows; r++)
                    {
                        double term = (double)w[(r * columns) + c] * d[r];
                        exact += term;
                        abs += Math.Abs(term);
                    }

                    Assertions.Within(exact, y.Span[c], Ulp.Gamma(rows) * abs, $"{context} column {c}");
                    Assertions.Within(exact * s[c], fused.Span[c], Ulp.Gamma(rows + 1) * abs * Math.Abs(s[c]), $"{context} fused column {c}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatVecTransposedHadamard_may_write_over_the_derivative(KernelPath path)
    {
        (int rows, int columns) = (10, 45);
        float[] w = TestData.Uniform(rows * columns, 1);
        float[] d = TestData.Uniform(rows, 2);
        float[] s = TestData.Uniform(columns, 3);
        var expected = new float[columns];
        Kernel.MatVecTransposedHadamard(w, rows, columns, d, s, expected, KernelPath.Scalar);
        KernelBodies.Forget();
        Kernel.MatVecTransposedHadamard(w, rows, columns, d, s, s, path);
        KernelBodies.AssertRan(path, "in place over σ′");
        Assertions.BitsEqual(expected, s, "in place over σ′");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OuterProductAdd_is_one_fma_per_element(KernelPath path)
    {
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            foreach (int offset in new[] { 0, 2, 7 })
            {
                float[] g0 = TestData.Uniform(rows * columns, rows + columns + offset, 2f);
                float[] d = TestData.Uniform(rows, rows + offset + 3);
                float[] a = TestData.Uniform(columns, columns + offset + 4);
                float[] expected = (float[])g0.Clone();
                Kernel.OuterProductAdd(expected, rows, columns, d, a, KernelPath.Scalar);
                var g = new Guarded(rows * columns, offset).With(g0);
                KernelBodies.Forget();
                Kernel.OuterProductAdd(g.Span, rows, columns, d, a, path);
                string context = $"OuterProductAdd {path} {rows}x{columns} offset={offset}";
                KernelBodies.AssertRan(path, context);
                Assertions.BitsEqual(expected, g.Span, context);
                g.AssertCanariesIntact(context);
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < columns; c++)
                    {
                        double exact = ((double)d[r] * a[c]) + g0[(r * columns) + c];
                        Assertions.Within(exact, g.Span[(r * columns) + c], (Ulp.U * Math.Abs(exact)) + Ulp.SubnormalHalfStep, context);
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestData.VectorPaths), MemberType = typeof(TestData))]
    public void Special_values_give_the_same_bits_on_every_path(KernelPath path)
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, 1e-39f, -1e-30f, 1e30f, 2f];
        var random = new Random(17);
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            float[] w = Enumerable.Range(0, rows * columns).Select(_ => specials[random.Next(specials.Length)]).ToArray();
            float[] x = Enumerable.Range(0, columns).Select(_ => specials[random.Next(specials.Length)]).ToArray();
            float[] b = Enumerable.Range(0, rows).Select(_ => specials[random.Next(specials.Length)]).ToArray();
            var expected = new float[rows];
            var actual = new float[rows];
            Kernel.MatVec(w, rows, columns, x, b, expected, KernelPath.Scalar);
            KernelBodies.Forget();
            Kernel.MatVec(w, rows, columns, x, b, actual, path);
            KernelBodies.AssertRan(path, $"MatVec specials {rows}x{columns}");
            Assertions.BitsEqual(expected, actual, $"MatVec specials {rows}x{columns}");

            var expectedT = new float[columns];
            var actualT = new float[columns];
            Kernel.MatVecTransposedHadamard(w, rows, columns, b, x, expectedT, KernelPath.Scalar);
            KernelBodies.Forget();
            Kernel.MatVecTransposedHadamard(w, rows, columns, b, x, actualT, path);
            KernelBodies.AssertRan(path, $"MatVecTransposedHadamard specials {rows}x{columns}");
            Assertions.BitsEqual(expectedT, actualT, $"MatVecTransposedHadamard specials {rows}x{columns}");
        }
    }

    [Fact]
    public void Mismatched_shapes_throw_naming_both_sizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.MatVec(new float[12], 3, 4, new float[5], new float[3], new float[3]));
        Assert.Contains("5", e.Message, StringComparison.Ordinal);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.MatVec(new float[11], 3, 4, new float[4], new float[3], new float[3]));
        Assert.Contains("11", e.Message, StringComparison.Ordinal);
        Assert.Contains("12", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.MatVecTransposed(new float[12], 3, 4, new float[3], new float[6]));
        Assert.Contains("6", e.Message, StringComparison.Ordinal);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Kernel.OuterProductAdd(new float[12], 3, 4, new float[2], new float[4]));
        Assert.Contains("2", e.Message, StringComparison.Ordinal);
        Assert.Contains("3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernel.MatVec(new float[0], -1, 0, new float[0], new float[0], new float[0]));
    }

    [Fact]
    public void An_output_overlapping_an_input_is_refused()
    {
        var buffer = new float[20];
        var e = Assert.Throws<ArgumentException>(() => Kernel.MatVec(buffer.AsSpan(0, 12), 3, 4, buffer.AsSpan(12, 4), new float[3], buffer.AsSpan(14, 3)));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Span2D_overload_takes_the_shape_from_the_span()
    {
        float[] w = TestData.Uniform(12, 1);
        float[] x = TestData.Uniform(4, 2);
        float[] b = TestData.Uniform(3, 3);
        var expected = new float[3];
        var actual = new float[3];
        Kernel.MatVec(w, 3, 4, x, b, expected);
        Kernel.MatVec(new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(w, 3, 4), x, b, actual);
        Assertions.BitsEqual(expected, actual, "Span2D");
        var pitched = new float[15];
        var ex = Assert.Throws<ArgumentException>(() => Kernel.MatVec(new CommunityToolkit.HighPerformance.ReadOnlySpan2D<float>(pitched, 0, 3, 4, 1), x, b, actual));
        Assert.Contains("contiguous", ex.Message, StringComparison.Ordinal);
    }
}
