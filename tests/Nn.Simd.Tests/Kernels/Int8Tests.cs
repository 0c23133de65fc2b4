using System.Runtime.Intrinsics.X86;
using Nn.Simd.Kernels;
using Nn.Simd.Tests.Oracles;

namespace Nn.Simd.Tests.Kernels;

public class Int8Tests
{
    private const int Canary = unchecked((int)0xDEADBEEF);

    /// <summary>
    /// Row counts around the 4-row tile and the panel body's 8- and 16-row groups, column counts
    /// around the 4-column step, the 16/32/64-byte steps, the stride and the single-sample tile's
    /// 1,024, sample counts around the panel body's 6-sample tile and 30-sample block and the
    /// 32-sample block.
    /// </summary>
    private static readonly int[] RowCounts = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 100, 257];

    private static readonly int[] ColumnCounts = [0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 784, 1024, 1025];

    private static readonly int[] SampleCounts = [1, 2, 6, 7, 31, 33, 61];

    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    public static IEnumerable<TheoryDataRow<KernelPath>> VectorPaths() => TestData.VectorPaths();

    /// <summary>
    /// Every body (with and without the dot-product instructions) gives the exact integer sums,
    /// computed here in 64-bit arithmetic from the unpadded values, and equals the scalar oracle;
    /// the bytes of x's padding hold random values (they must meet the matrix's zero padding), and
    /// the canaries around the sums stay.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Int8Gemm_gives_the_exact_sums_on_every_body(KernelPath path)
    {
        foreach (bool dotProduct in new[] { true, false })
        {
            foreach (int rows in RowCounts)
            {
                foreach (int columns in ColumnCounts)
                {
                    int count = SampleCounts[(rows + columns) % SampleCounts.Length];
                    var random = new Random((rows * 1000) + columns);
                    Int8Matrix w = RandomMatrix(random, rows, columns);
                    var x = new sbyte[count * w.Stride];
                    random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()));
                    long[] exact = ExactSums(w, x, count);
                    var oracle = new int[count * rows];
                    Kernel.Int8Gemm(w, x, count, oracle, KernelPath.Scalar, dotProduct);
                    int[] guarded = Guard(count * rows);
                    KernelBodies.Forget();
                    Kernel.Int8Gemm(w, x, count, guarded.AsSpan(Guarded.Margin, count * rows), path, dotProduct);
                    string context = $"Int8Gemm {path} dot={dotProduct} {count}×{rows}×{columns}";
                    KernelBodies.AssertRan(path, context, WidestGemmBody(dotProduct));
                    for (int i = 0; i < exact.Length; i++)
                    {
                        Assert.True(exact[i] == guarded[Guarded.Margin + i], $"{context}: sum {i} is {guarded[Guarded.Margin + i]}, exactly {exact[i]}");
                        Assert.True(oracle[i] == exact[i], $"{context}: the scalar oracle's sum {i} is {oracle[i]}, exactly {exact[i]}");
                    }

                    AssertCanaries(guarded, count * rows, context);
                }
            }
        }
    }

    /// <summary>The largest sums there can be: K = MaxColumns products of −128 and −127 (and of −128 and 127) are exact in int32 on every body, the panel body's unsigned 255·(−128) products included.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Int8Gemm_is_exact_at_the_extreme_magnitudes(KernelPath path)
    {
        int columns = Int8Matrix.MaxColumns;
        var q = new sbyte[2 * columns];
        q.AsSpan(0, columns).Fill(-127);
        q.AsSpan(columns).Fill(127);
        Int8Matrix w = Int8Matrix.FromQuantized(q, [1f, 1f], 2, columns);
        foreach (int count in new[] { 1, 7 })
        {
            // 7 samples: a whole 6-sample tile of the panel body, then one for the row body.
            var x = new sbyte[count * w.Stride];
            x.AsSpan().Fill(-128);
            foreach (bool dotProduct in new[] { true, false })
            {
                var sums = new int[2 * count];
                Kernel.Int8Gemm(w, x, count, sums, path, dotProduct);
                for (int m = 0; m < count; m++)
                {
                    Assert.Equal([128 * 127 * columns, -128 * 127 * columns], sums.AsSpan(2 * m, 2).ToArray());
                }
            }
        }
    }

    [Fact]
    public void Int8Gemm_refuses_lengths_that_do_not_match_the_matrix()
    {
        Int8Matrix w = Int8Matrix.Quantize(new float[3 * 5], 3, 5);
        var error = Assert.Throws<ArgumentException>(() => Kernel.Int8Gemm(w, new sbyte[63], 1, new int[3]));
        Assert.Contains("63", error.Message);
        Assert.Contains("64", error.Message);
        Assert.Throws<ArgumentException>(() => Kernel.Int8Gemm(w, new sbyte[64], 1, new int[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Int8Matrix.Quantize(new float[Int8Matrix.MaxColumns + 1], 1, Int8Matrix.MaxColumns + 1));
    }

    /// <summary>
    /// Quantization of a weight row: q = round_even(fl(w·fl(127/m))), scale = fl(m/127), m = max|w|.
    /// fl(w·fl(127/m)) = 127·w/m·(1+δ₁)(1+δ₂), so |q − 127·w/m| ≤ ½ + 127·γ₂; and |w − scale·q| ≤
    /// (m/127)·(½ + 127·γ₂) + |scale·q|·u ≤ (m/127)·(½ + 127·γ₂ + 127·u·(1 + u)) &lt; (m/127)·(½ + 400u).
    /// </summary>
    [Fact]
    public void Weight_quantization_is_within_half_a_step_per_row()
    {
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            float[] weights = TestData.Uniform(rows * columns, rows + columns, 3f);
            Int8Matrix w = Int8Matrix.Quantize(weights, rows, columns);
            float[] back = w.Dequantize();
            for (int r = 0; r < rows; r++)
            {
                double max = weights.AsSpan(r * columns, columns).ToArray().Max(Math.Abs);
                Assert.Equal((float)max / 127f, w.Scales[r]);
                Assert.Equal(127, w.RowValues(r).ToArray().Max(v => Math.Abs((int)v)));
                for (int c = 0; c < columns; c++)
                {
                    double error = Math.Abs(weights[(r * columns) + c] - (double)back[(r * columns) + c]);
                    Assert.True(error <= max / 127 * (0.5 + (400 * Ulp.U)), $"row {r} column {c}: error {error}, step {max / 127}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void Quantize_MaxAbs_and_Dequantize_are_bit_identical_to_the_oracle(KernelPath path)
    {
        foreach (int length in TestData.Lengths)
        {
            foreach (int offset in new[] { 0, 3 })
            {
                float[] x = TestData.Uniform(length + offset, length + 5, 2f).AsSpan(offset).ToArray();
                string context = $"{path} length {length} offset {offset}";
                Assertions.BitsEqual(Kernel.MaxAbs(x, KernelPath.Scalar), Kernel.MaxAbs(x, path), $"MaxAbs {context}");
                float inverse = 127f / Kernel.MaxAbs(x, KernelPath.Scalar);
                var expected = new sbyte[length];
                Kernel.QuantizeToInt8(x, inverse, expected, KernelPath.Scalar);
                var q = new sbyte[length + 32];
                q.AsSpan().Fill(99);
                KernelBodies.Forget();
                Kernel.QuantizeToInt8(x, inverse, q.AsSpan(0, length + 16), path);
                KernelBodies.AssertRan(path, $"QuantizeToInt8 {context}", KernelPath.Avx512);
                Assert.Equal(expected, q.AsSpan(0, length).ToArray());
                Assert.All(q.AsSpan(length).ToArray(), b => Assert.Equal(99, b));

                int[] sums = [.. Enumerable.Range(0, length).Select(i => (i * 7919 % 20001) - 10000)];
                float[] scales = TestData.Uniform(length, length + 6, 0.01f);
                float[] bias = TestData.Uniform(length, length + 7);
                var oracle = new float[length];
                Kernel.DequantizeRows(sums, scales, 0.0123f, bias, oracle, KernelPath.Scalar);
                var y = new Guarded(length, offset);
                Kernel.DequantizeRows(sums, scales, 0.0123f, bias, y.Span, path);
                Assertions.BitsEqual(oracle, y.Span, $"DequantizeRows {context}");
                y.AssertCanariesIntact($"DequantizeRows {context}");
            }
        }
    }

    /// <summary>Ties round to even, NaN products clamp to −127, infinities and magnitudes beyond the range clamp, ±0 give 0, and NaN is the largest magnitude — on every path.</summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void Special_values_quantize_the_same_on_every_path(KernelPath path)
    {
        float[] special = [0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -126.5f, 127.49f, 200f, -200f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f, 1e-30f, -3.49f];
        // 85 = 64 + 16 + 5: the specials reach the widest body's 64-wide loop, its 16-wide loop and the scalar remainder.
        float[] x = [.. Enumerable.Range(0, 85).Select(i => special[i % special.Length])];
        var q = new sbyte[x.Length];
        Kernel.QuantizeToInt8(x, 1f, q, path);
        for (int i = 0; i < x.Length; i++)
        {
            sbyte expected = x[i] switch
            {
                0.5f or -0.5f or 0f or 1e-30f => 0,
                1.5f or 2.5f => 2,
                -1.5f or -2.5f => -2,
                126.5f => 126,
                -126.5f => -126,
                -3.49f => -3,
                float.NaN => -127,
                _ => x[i] > 0 ? (sbyte)127 : (sbyte)-127,
            };
            Assert.True(expected == q[i], $"{path}: {x[i]} quantized to {q[i]}, expected {expected}");
        }

        Assert.True(float.IsNaN(Kernel.MaxAbs(x, path)));
        Assert.Equal(float.PositiveInfinity, Kernel.MaxAbs(x.AsSpan(0, 13), path));
        Assert.Equal(0f, Kernel.MaxAbs([], path));
    }

    /// <summary>
    /// The double oracle of the dequantised arithmetic: y_r = Σ_c (scale_r·q[r, c])·(s·x_c) + b_r
    /// from the same quantized values. The int32 sum S is exact and exactly a float (|S| &lt; 2²⁴),
    /// so y = fl(S·fl(scale_r·s) + b_r) = (S·scale_r·s·(1+δ₁) + b_r)(1+δ₂), and
    /// |y − exact| ≤ γ₂·(|S·scale_r·s| + |b_r|).
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void A_quantized_layer_is_within_two_roundings_of_the_dequantised_arithmetic(KernelPath path)
    {
        foreach ((int rows, int columns) in TestData.Shapes)
        {
            Int8Matrix w = Int8Matrix.Quantize(TestData.Uniform(rows * columns, rows, 0.3f), rows, columns);
            float[] input = TestData.Uniform(columns, columns, 4f);
            float range = Kernel.MaxAbs(input, path), s = range / 127f;
            var x = new sbyte[w.Stride];
            Kernel.QuantizeToInt8(input, 127f / range, x, path);
            float[] bias = TestData.Uniform(rows, rows + 1);
            var sums = new int[rows];
            var y = new float[rows];
            Kernel.Int8Gemm(w, x, 1, sums, path);
            Kernel.DequantizeRows(sums, w.Scales, s, bias, y, path);
            float[] dequantised = w.Dequantize();
            for (int r = 0; r < rows; r++)
            {
                double exact = bias[r], magnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    exact += (double)w.Scales[r] * w.RowValues(r)[c] * ((double)s * x[c]);
                    magnitude += Math.Abs((double)w.Scales[r] * w.RowValues(r)[c] * ((double)s * x[c]));
                    Assert.Equal((float)((double)w.Scales[r] * w.RowValues(r)[c]), dequantised[(r * columns) + c]);
                }

                Assertions.Within(exact, y[r], Ulp.Gamma(2) * (magnitude + Math.Abs(bias[r])) + Ulp.SubnormalHalfStep, $"{path} {rows}×{columns} row {r}");
            }
        }
    }

    /// <summary>The widest x86 body the GEMM runs on the AVX-512 path: the 256-bit AVX-VNNI one where the runtime exposes AVX-VNNI and it is allowed, else the 512-bit vpmaddwd one.</summary>
    private static KernelPath WidestGemmBody(bool dotProduct) =>
        (dotProduct && AvxVnni.IsSupported) || !Avx512BW.IsSupported ? KernelPath.Avx2 : KernelPath.Avx512;

    private static Int8Matrix RandomMatrix(Random random, int rows, int columns)
    {
        var q = new sbyte[rows * columns];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = (sbyte)random.Next(-127, 128);
        }

        // The first row at the extremes, so every body meets the largest products.
        for (int c = 0; c < columns && rows > 0; c++)
        {
            q[c] = (sbyte)(c % 2 == 0 ? -127 : 127);
        }

        float[] scales = [.. Enumerable.Range(0, rows).Select(r => 0.01f * (r + 1))];
        return Int8Matrix.FromQuantized(q, scales, rows, columns);
    }

    private static long[] ExactSums(Int8Matrix w, sbyte[] x, int count)
    {
        var sums = new long[count * w.Rows];
        for (int m = 0; m < count; m++)
        {
            for (int r = 0; r < w.Rows; r++)
            {
                ReadOnlySpan<sbyte> q = w.RowValues(r);
                long sum = 0;
                for (int c = 0; c < w.Columns; c++)
                {
                    sum += (long)x[(m * w.Stride) + c] * q[c];
                }

                sums[(m * w.Rows) + r] = sum;
            }
        }

        return sums;
    }

    private static int[] Guard(int length)
    {
        var buffer = new int[length + (2 * Guarded.Margin)];
        buffer.AsSpan().Fill(Canary);
        return buffer;
    }

    private static void AssertCanaries(int[] buffer, int length, string context)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            if ((i < Guarded.Margin || i >= Guarded.Margin + length) && buffer[i] != Canary)
            {
                Assert.Fail($"{context}: canary at index {i} (sums at {Guarded.Margin}..{Guarded.Margin + length - 1}) was overwritten with {buffer[i]}");
            }
        }
    }
}
