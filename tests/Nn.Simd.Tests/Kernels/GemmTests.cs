using CommunityToolkit.HighPerformance;
using CsCheck;
using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class GemmTests
{
    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    /// <summary>M around the micro-tile rows (AVX2 6, AVX-512 12, NEON 4), N around its columns (AVX2 8, 16; AVX-512 16, 32), K small and odd.</summary>
    private static readonly int[] Ms = [1, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25];
    private static readonly int[] Ns = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49];
    private static readonly int[] Ks = [0, 1, 2, 7, 17];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Small_shapes_around_the_micro_tiles_match_the_oracle_bit_for_bit(KernelPath path)
    {
        foreach (int m in Ms)
        {
            foreach (int n in Ns)
            {
                foreach (int k in Ks)
                {
                    foreach (bool transposeA in new[] { false, true })
                    {
                        foreach (bool accumulate in new[] { false, true })
                        {
                            Check(path, m, n, k, transposeA, accumulate, padding: (m + n + k) % 3);
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Layer_shapes_and_primes_match_the_oracle_and_stay_within_the_bound(KernelPath path)
    {
        (int M, int N, int K)[] shapes = [(10, 30, 784), (10, 784, 30), (30, 784, 10), (128, 256, 784), (37, 41, 53), (128, 10, 256), (257, 129, 5)];
        foreach ((int m, int n, int k) in shapes)
        {
            Check(path, m, n, k, transposeA: false, accumulate: true, padding: 3);
            Check(path, m, n, k, transposeA: true, accumulate: false, padding: 0);
        }
    }

    /// <summary>
    /// One row (inference's single sample): every vector count of the AVX-512 row kernel's 256-column
    /// panel (1..16, full and masked) and more than one panel; the AVX2 row kernel's widest panel (13
    /// vectors: 97..104 columns) and the first widths split into two (105) and three (209).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Single_rows_of_every_width_match_the_oracle_and_stay_within_the_bound(KernelPath path)
    {
        int[] widths = [.. Enumerable.Range(1, 17).SelectMany(v => (int[])[(16 * v) - 1, 16 * v]), 97, 100, 103, 104, 105, 208, 209, 257, 300, 512, 513];
        foreach (int n in widths)
        {
            foreach (int k in (int[])[1, 7, 784])
            {
                Check(path, 1, n, k, transposeA: false, accumulate: true, padding: 3);
                Check(path, 1, n, k, transposeA: true, accumulate: false, padding: 0);
            }
        }
    }

    /// <summary>
    /// The last 1..4 columns with four rows to a vector (AVX-512): rows around its 32-row tile and
    /// 4-row groups (with 1..3 rows left to the masked tile), K around its four-at-a-time step.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void The_last_few_columns_four_rows_to_a_vector_match_the_oracle(KernelPath path)
    {
        foreach (int m in (int[])[4, 5, 7, 8, 31, 32, 33, 35, 36, 63, 64, 67, 100])
        {
            foreach (int n in (int[])[1, 2, 3, 4, 33, 36, 100, 129])
            {
                foreach (int k in (int[])[0, 1, 3, 4, 5, 8, 9, 784])
                {
                    if ((long)m * n * k > 4_000_000)
                    {
                        continue;
                    }

                    Check(path, m, n, k, transposeA: false, accumulate: k % 2 == 0, padding: (m + n + k) % 3);
                }
            }
        }
    }

    /// <summary>
    /// Shapes no sweep above lists: M, N, K, op(A), accumulate and the strides' padding drawn at
    /// random (M·N·K ≤ 10⁶), 150 per path and run. A failure shrinks toward the smallest failing
    /// shape and prints the CsCheck seed that reproduces it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Random_shapes_match_the_oracle_and_stay_within_the_bound(KernelPath path) =>
        Gen.Select(Gen.Int[1, 150], Gen.Int[1, 300], Gen.Int[0, 300], Gen.Bool, Gen.Bool, Gen.Int[0, 17])
            .Where(shape => (long)shape.Item1 * shape.Item2 * shape.Item3 <= 1_000_000)
            .Sample((m, n, k, transposeA, accumulate, padding) => Check(path, m, n, k, transposeA, accumulate, padding), iter: 150);

    /// <summary>
    /// A batch layer from its bias, C ← relu?(1·biasᵀ + A·B), against its definition on the scalar
    /// oracle (fill every row with the bias, Gemm with accumulate, relu over each row): bit for bit,
    /// with canaries in C's padding columns. On AVX-512 the rows ≥ 2 and columns the 12×32 tiles
    /// cover run fused (bias row in the accumulators, relu before the store); the bias holds −0 and
    /// NaN, which relu keeps, and K = 0 leaves C = relu?(bias).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void A_layer_from_its_bias_with_or_without_relu_matches_its_three_steps_bit_for_bit(KernelPath path)
    {
        foreach (int m in (int[])[1, 2, 4, 11, 12, 13, 25, 128])
        {
            foreach (int n in (int[])[1, 4, 10, 16, 17, 31, 32, 33, 36, 64, 100, 128])
            {
                foreach (int k in (int[])[0, 1, 7, 64])
                {
                    foreach (bool relu in new[] { false, true })
                    {
                        CheckBias(path, m, n, k, relu, padding: (m + n + k) % 3);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The same against random shapes (M·N·K ≤ 10⁶, strides padded by 0..17), 150 per path and run,
    /// shrinking toward the smallest failing shape.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void A_layer_from_its_bias_matches_its_three_steps_for_random_shapes(KernelPath path) =>
        Gen.Select(Gen.Int[1, 150], Gen.Int[1, 300], Gen.Int[0, 300], Gen.Bool, Gen.Int[0, 17])
            .Where(shape => (long)shape.Item1 * shape.Item2 * shape.Item3 <= 1_000_000)
            .Sample((m, n, k, relu, padding) => CheckBias(path, m, n, k, relu, padding), iter: 150);

    [Fact]
    public void A_bias_of_the_wrong_length_or_inside_C_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernel.GemmBias(new ReadOnlySpan2D<float>(new float[6], 2, 3), new ReadOnlySpan2D<float>(new float[12], 3, 4), new Span2D<float>(new float[8], 2, 4), new float[3], relu: true, KernelDispatch.Active));
        Assert.Contains("bias has 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("4 columns", e.Message, StringComparison.Ordinal);
        var shared = new float[12];
        e = Assert.Throws<ArgumentException>(() => Kernel.GemmBias(new ReadOnlySpan2D<float>(new float[6], 2, 3), new ReadOnlySpan2D<float>(new float[12], 3, 4), new Span2D<float>(shared, 0, 2, 4, 0), shared.AsSpan(6, 4), relu: false, KernelDispatch.Active));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shapes_that_disagree_are_refused_naming_the_sizes()
    {
        // op(A) 2×3, B 4×4, C 2×4: K disagrees.
        var e = Assert.Throws<ArgumentException>(() => Kernel.Gemm(new ReadOnlySpan2D<float>(new float[6], 2, 3), false, new ReadOnlySpan2D<float>(new float[16], 4, 4), new Span2D<float>(new float[8], 2, 4), false));
        Assert.Contains("op(A) is 2×3, B is 4×4 and C is 2×4", e.Message, StringComparison.Ordinal);
        // A 2×3 given transposed is op(A) 3×2: M disagrees with C's 2 rows.
        e = Assert.Throws<ArgumentException>(() => Kernel.Gemm(new ReadOnlySpan2D<float>(new float[6], 2, 3), true, new ReadOnlySpan2D<float>(new float[12], 2, 6), new Span2D<float>(new float[12], 2, 6), false));
        Assert.Contains("op(A) is 3×2", e.Message, StringComparison.Ordinal);
        // An empty C with a non-empty product.
        e = Assert.Throws<ArgumentException>(() => Kernel.Gemm(new ReadOnlySpan2D<float>(new float[6], 2, 3), false, new ReadOnlySpan2D<float>(new float[12], 3, 4), Span2D<float>.Empty, false));
        Assert.Contains("C is 0×0", e.Message, StringComparison.Ordinal);
        var shared = new float[40];
        e = Assert.Throws<ArgumentException>(() => Kernel.Gemm(new ReadOnlySpan2D<float>(shared, 0, 2, 3, 0), false, new ReadOnlySpan2D<float>(new float[12], 3, 4), new Span2D<float>(shared, 4, 2, 4, 0), false));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// GemmBias on <paramref name="path"/> against its definition on the scalar oracle: C's rows
    /// filled with the bias (which holds −0 and, for N &gt; 1, NaN), Gemm with accumulate, then relu over
    /// each row if asked; canaries in C's padding columns.
    /// </summary>
    private static void CheckBias(KernelPath path, int m, int n, int k, bool relu, int padding)
    {
        int lda = k + padding, ldc = n + padding;
        float[] a = TestData.Uniform(Math.Max(0, (m * lda) - padding), m + (7 * n) + (13 * k));
        float[] b = TestData.Uniform(k * n, (3 * m) + n + k + 1);
        float[] bias = TestData.Uniform(n, n + 5, 2f);
        bias[0] = -0f;
        bias[n - 1] = n > 1 ? float.NaN : bias[n - 1];
        float[] expected = new float[m * ldc];
        expected.AsSpan().Fill(Guarded.Canary);
        float[] actual = (float[])expected.Clone();
        for (int i = 0; i < m; i++)
        {
            bias.CopyTo(expected.AsSpan(i * ldc, n));
        }

        var aView = new ReadOnlySpan2D<float>(a, 0, m, k, padding);
        var bView = new ReadOnlySpan2D<float>(b, 0, k, n, 0);
        Kernel.Gemm(aView, false, bView, new Span2D<float>(expected, 0, m, n, padding), accumulate: true, KernelPath.Scalar);
        for (int i = 0; i < m && relu; i++)
        {
            Kernel.Relu(expected.AsSpan(i * ldc, n), expected.AsSpan(i * ldc, n), KernelPath.Scalar);
        }

        KernelBodies.Forget();
        Kernel.GemmBias(aView, bView, new Span2D<float>(actual, 0, m, n, padding), bias, relu, path);
        KernelBodies.AssertRan(path, $"GemmBias {path} M={m} N={n} K={k} relu={relu}", KernelPath.Avx512);
        Assertions.BitsEqual(expected, actual, $"GemmBias {path} M={m} N={n} K={k} relu={relu} padding={padding}");
    }

    /// <summary>
    /// Runs C ← [C] + op(A)·B on <paramref name="path"/> and on the scalar oracle, with strides
    /// <paramref name="padding"/> floats wider than needed and canaries in C's padding columns.
    /// Bound against double: each element is a chain of K fused multiply-adds from C₀, so
    /// |ĉ − c| ≤ γ_K·(|C₀| + Σ_p |a_ip·b_pj|) (Higham §3.1).
    /// </summary>
    private static void Check(KernelPath path, int m, int n, int k, bool transposeA, bool accumulate, int padding)
    {
        int aRows = transposeA ? k : m, aColumns = transposeA ? m : k;
        int lda = aColumns + padding, ldb = n + padding, ldc = n + padding;
        float[] a = TestData.Uniform(Math.Max(0, (aRows * lda) - padding), m + (7 * n) + (13 * k));
        float[] b = TestData.Uniform(Math.Max(0, (k * ldb) - padding), (3 * m) + n + k + 1);
        float[] c0 = TestData.Uniform(m * ldc, m + n + (5 * k) + 2, 4f);
        for (int i = 0; i < m; i++)
        {
            c0.AsSpan((i * ldc) + n, padding).Fill(Guarded.Canary);
        }

        float[] expected = (float[])c0.Clone();
        float[] actual = (float[])c0.Clone();
        var aView = new ReadOnlySpan2D<float>(a, 0, aRows, aColumns, padding);
        var bView = new ReadOnlySpan2D<float>(b, 0, k, n, padding);
        Kernel.Gemm(aView, transposeA, bView, new Span2D<float>(expected, 0, m, n, padding), accumulate, KernelPath.Scalar);
        KernelBodies.Forget();
        Kernel.Gemm(aView, transposeA, bView, new Span2D<float>(actual, 0, m, n, padding), accumulate, path);
        string context = $"Gemm {path} M={m} N={n} K={k} transposeA={transposeA} accumulate={accumulate} padding={padding}";
        KernelBodies.AssertRan(path, context, KernelPath.Avx512);
        Assertions.BitsEqual(expected, actual, context);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double start = accumulate ? c0[(i * ldc) + j] : 0;
                double exact = start, abs = Math.Abs(start);
                for (int p = 0; p < k; p++)
                {
                    double term = (double)a[transposeA ? (p * lda) + i : (i * lda) + p] * b[(p * ldb) + j];
                    exact += term;
                    abs += Math.Abs(term);
                }

                Assertions.Within(exact, actual[(i * ldc) + j], Ulp.Gamma(k) * abs, $"{context} C[{i},{j}]");
            }

            for (int j = n; j < ldc; j++)
            {
                Assert.True(actual[(i * ldc) + j] == Guarded.Canary, $"{context}: padding C[{i},{j}] was written");
            }
        }
    }
}
