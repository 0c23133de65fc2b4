namespace Nn.Simd.Kernels;

// t = wᵀ: a row-major w (rows × columns) into a row-major t (columns × rows). A pure copy, so the
// same bits on every path by construction; one scalar body serves them all (the tiles keep both
// sides in cache, which is what the time depends on).

/// <summary>Matrix transposition.</summary>
internal static class Transposition
{
    /// <summary>
    /// t (columns × rows) = wᵀ for a row-major w (rows × columns), in 16 × 16 tiles so that both
    /// sides stay in cache (a plain double loop writes with a stride of a whole row and costs more
    /// than the epoch's matrix products).
    /// </summary>
    internal static void Transpose(ReadOnlySpan<float> w, int rows, int columns, Span<float> t) => Transpose(w, rows, columns, t, 0, rows);

    /// <summary>Rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of w into their columns of t.</summary>
    internal static void Transpose(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, int firstRow, int endRow)
    {
        const int Tile = 16;
        for (int r0 = firstRow; r0 < endRow; r0 += Tile)
        {
            int r1 = Math.Min(endRow, r0 + Tile);
            for (int c0 = 0; c0 < columns; c0 += Tile)
            {
                int c1 = Math.Min(columns, c0 + Tile);
                for (int r = r0; r < r1; r++)
                {
                    ReadOnlySpan<float> row = w.Slice((r * columns) + c0, c1 - c0);
                    for (int c = 0; c < row.Length; c++)
                    {
                        t[((c0 + c) * rows) + r] = row[c];
                    }
                }
            }
        }
    }
}
