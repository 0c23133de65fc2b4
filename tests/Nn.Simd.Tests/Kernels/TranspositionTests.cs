using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Kernels;

/// <summary>
/// Transposition is a copy, so every path must give t[c·rows + r] = w[r·columns + c] exactly, and
/// write nothing else: shapes below, at and across the 8 × 8 (AVX) and 4 × 4 (NEON) blocks and the
/// 16-row strips, row ranges that start and end inside blocks, and canaries around t.
/// </summary>
public class TranspositionTests
{
    public static TheoryData<KernelPath> Paths() => TestData.Paths();

    private static readonly (int Rows, int Columns)[] Shapes =
        [(1, 1), (1, 9), (9, 1), (3, 5), (4, 4), (7, 8), (8, 8), (8, 9), (15, 16), (16, 16), (17, 23), (24, 40), (33, 31), (64, 10), (256, 257)];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_path_copies_each_element_to_its_transposed_place_and_nothing_else(KernelPath path)
    {
        foreach ((int rows, int columns) in Shapes)
        {
            float[] w = TestData.Uniform(rows * columns, rows + (3 * columns));
            foreach ((int first, int end) in new[] { (0, rows), (rows / 3, rows), (1, Math.Max(1, rows - 2)), (rows / 2, rows / 2) })
            {
                foreach (int offset in new[] { 0, 3 })
                {
                    var t = new Guarded(rows * columns, offset);
                    t.Span.Fill(Guarded.Canary);
                    KernelBodies.Forget();
                    Transposition.Transpose(w, rows, columns, t.Span, first, end, path);
                    string context = $"{path} {rows}x{columns} rows [{first}, {end}) offset={offset}";
                    KernelBodies.AssertRan(path, context);
                    for (int c = 0; c < columns; c++)
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            float expected = r >= first && r < end ? w[(r * columns) + c] : Guarded.Canary;
                            if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(t.Span[(c * rows) + r]))
                            {
                                Assertions.BitsEqual(expected, t.Span[(c * rows) + r], $"{context} t[{c}, {r}]");
                            }
                        }
                    }

                    t.AssertCanariesIntact(context);
                }
            }
        }
    }

    [Fact]
    public void A_range_outside_the_matrix_or_a_short_span_is_refused()
    {
        var w = new float[12];
        var t = new float[12];
        Assert.Throws<ArgumentException>(() => Transposition.Transpose(w, 3, 4, t, 2, 4, KernelPath.Scalar));
        Assert.Throws<ArgumentException>(() => Transposition.Transpose(w, 3, 4, t, -1, 2, KernelPath.Scalar));
        Assert.Throws<ArgumentException>(() => Transposition.Transpose(w, 3, 4, t, 2, 1, KernelPath.Scalar));
        Assert.Throws<ArgumentException>(() => Transposition.Transpose(w, 3, 4, t.AsSpan(1), KernelPath.Scalar));
        Assert.Throws<ArgumentException>(() => Transposition.Transpose(w.AsSpan(1), 3, 4, t, KernelPath.Scalar));
    }
}
