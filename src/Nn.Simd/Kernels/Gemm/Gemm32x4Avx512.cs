// AVX-512 micro-kernel 32×4 ("narrow"): the last 1..4 columns of C, A not transposed, four rows to
// a zmm:  C[i..i+4g−1, j..j+3] += op(A)[i.., p]·B[p, j..j+3], p = 0 … K−1.
//
// Lanes 4r..4r+3 of accumulator y_g hold C[i + 4g + r, j..j+3], so one FMA advances four rows'
// chains where a one-row masked tile would use 4 of its 16 lanes (for N = 100 those 4 columns cost
// a fifth of the whole product). Registers: y0..y7 = up to 8 accumulators (32 rows; generic in the
// group count 1..8), x0..x7 = each group's op(A)[i + r, p..p+3] (one 128-bit load per row),
// b0..b3 = B's rows p..p+3, each broadcast to the four 128-bit lanes (20 of 32); an in-lane
// permute spreads op(A)[i + r, p + q] over row r's lanes. Four p at a time, the last 1..3 p one
// at a time; columns full (4) or masked (1..3). Each element's chain still runs in increasing p
// from C[i, j] (or +0).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// <typeparamref name="TGroups"/> (1..8) groups of four rows × the last 1..4 columns. Four p at a
    /// time: each row's op(A)[i + r, p..p+3] is one 128-bit load and a group's four rows one zmm; an
    /// in-lane permute then spreads op(A)[i + r, p + q] over row r's four lanes, and B's row p + q,
    /// broadcast to the four 128-bit lanes, meets it in one FMA. Each element's chain still runs in
    /// increasing p from C[i, j] (or +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm32x4Avx512<TGroups, TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector128<float> mask)
        where TGroups : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint groups = TGroups.Value;
        nuint lda = s.Lda, ldb = s.Ldb, ldc = s.Ldc, fourRowsA = 4 * lda, fourRowsC = 4 * ldc;
        float* c0 = c + (i * ldc) + j;
        Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default;
        if (s.Accumulate)
        {
            y0 = LoadFourRows<TColumns>(c0, ldc, mask);
            y1 = groups > 1 ? LoadFourRows<TColumns>(c0 + (1 * fourRowsC), ldc, mask) : default;
            y2 = groups > 2 ? LoadFourRows<TColumns>(c0 + (2 * fourRowsC), ldc, mask) : default;
            y3 = groups > 3 ? LoadFourRows<TColumns>(c0 + (3 * fourRowsC), ldc, mask) : default;
            y4 = groups > 4 ? LoadFourRows<TColumns>(c0 + (4 * fourRowsC), ldc, mask) : default;
            y5 = groups > 5 ? LoadFourRows<TColumns>(c0 + (5 * fourRowsC), ldc, mask) : default;
            y6 = groups > 6 ? LoadFourRows<TColumns>(c0 + (6 * fourRowsC), ldc, mask) : default;
            y7 = groups > 7 ? LoadFourRows<TColumns>(c0 + (7 * fourRowsC), ldc, mask) : default;
        }

        float* ap = a + (i * lda);
        float* bp = b + j;
        nuint p = 0;
        for (; p + 4 <= s.K; p += 4)
        {
            Vector512<float> x0 = LoadFourRows<AllColumns>(ap, lda, default);
            Vector512<float> x1 = groups > 1 ? LoadFourRows<AllColumns>(ap + (1 * fourRowsA), lda, default) : default;
            Vector512<float> x2 = groups > 2 ? LoadFourRows<AllColumns>(ap + (2 * fourRowsA), lda, default) : default;
            Vector512<float> x3 = groups > 3 ? LoadFourRows<AllColumns>(ap + (3 * fourRowsA), lda, default) : default;
            Vector512<float> x4 = groups > 4 ? LoadFourRows<AllColumns>(ap + (4 * fourRowsA), lda, default) : default;
            Vector512<float> x5 = groups > 5 ? LoadFourRows<AllColumns>(ap + (5 * fourRowsA), lda, default) : default;
            Vector512<float> x6 = groups > 6 ? LoadFourRows<AllColumns>(ap + (6 * fourRowsA), lda, default) : default;
            Vector512<float> x7 = groups > 7 ? LoadFourRows<AllColumns>(ap + (7 * fourRowsA), lda, default) : default;
            Vector512<float> b0 = BroadcastRowAvx512<TColumns>(bp, mask), b1 = BroadcastRowAvx512<TColumns>(bp + ldb, mask);
            Vector512<float> b2 = BroadcastRowAvx512<TColumns>(bp + (2 * ldb), mask), b3 = BroadcastRowAvx512<TColumns>(bp + (3 * ldb), mask);
            y0 = NarrowFourSteps(x0, b0, b1, b2, b3, y0);
            y1 = groups > 1 ? NarrowFourSteps(x1, b0, b1, b2, b3, y1) : y1;
            y2 = groups > 2 ? NarrowFourSteps(x2, b0, b1, b2, b3, y2) : y2;
            y3 = groups > 3 ? NarrowFourSteps(x3, b0, b1, b2, b3, y3) : y3;
            y4 = groups > 4 ? NarrowFourSteps(x4, b0, b1, b2, b3, y4) : y4;
            y5 = groups > 5 ? NarrowFourSteps(x5, b0, b1, b2, b3, y5) : y5;
            y6 = groups > 6 ? NarrowFourSteps(x6, b0, b1, b2, b3, y6) : y6;
            y7 = groups > 7 ? NarrowFourSteps(x7, b0, b1, b2, b3, y7) : y7;
            ap += 4;
            bp += 4 * ldb;
        }

        for (; p < s.K; p++)
        {
            // The last 1..3 p: the same spread, built from the four rows' single values.
            Vector512<float> x0 = SpreadFourRows(ap, lda);
            Vector512<float> x1 = groups > 1 ? SpreadFourRows(ap + (1 * fourRowsA), lda) : default;
            Vector512<float> x2 = groups > 2 ? SpreadFourRows(ap + (2 * fourRowsA), lda) : default;
            Vector512<float> x3 = groups > 3 ? SpreadFourRows(ap + (3 * fourRowsA), lda) : default;
            Vector512<float> x4 = groups > 4 ? SpreadFourRows(ap + (4 * fourRowsA), lda) : default;
            Vector512<float> x5 = groups > 5 ? SpreadFourRows(ap + (5 * fourRowsA), lda) : default;
            Vector512<float> x6 = groups > 6 ? SpreadFourRows(ap + (6 * fourRowsA), lda) : default;
            Vector512<float> x7 = groups > 7 ? SpreadFourRows(ap + (7 * fourRowsA), lda) : default;
            Vector512<float> bRow = BroadcastRowAvx512<TColumns>(bp, mask);
            y0 = NarrowOneStep(x0, bRow, y0);
            y1 = groups > 1 ? NarrowOneStep(x1, bRow, y1) : y1;
            y2 = groups > 2 ? NarrowOneStep(x2, bRow, y2) : y2;
            y3 = groups > 3 ? NarrowOneStep(x3, bRow, y3) : y3;
            y4 = groups > 4 ? NarrowOneStep(x4, bRow, y4) : y4;
            y5 = groups > 5 ? NarrowOneStep(x5, bRow, y5) : y5;
            y6 = groups > 6 ? NarrowOneStep(x6, bRow, y6) : y6;
            y7 = groups > 7 ? NarrowOneStep(x7, bRow, y7) : y7;
            ap++;
            bp += ldb;
        }

        StoreFourRows<TColumns>(c0, ldc, mask, y0);
        if (groups > 1)
        {
            StoreFourRows<TColumns>(c0 + (1 * fourRowsC), ldc, mask, y1);
        }
        if (groups > 2)
        {
            StoreFourRows<TColumns>(c0 + (2 * fourRowsC), ldc, mask, y2);
        }
        if (groups > 3)
        {
            StoreFourRows<TColumns>(c0 + (3 * fourRowsC), ldc, mask, y3);
        }
        if (groups > 4)
        {
            StoreFourRows<TColumns>(c0 + (4 * fourRowsC), ldc, mask, y4);
        }
        if (groups > 5)
        {
            StoreFourRows<TColumns>(c0 + (5 * fourRowsC), ldc, mask, y5);
        }
        if (groups > 6)
        {
            StoreFourRows<TColumns>(c0 + (6 * fourRowsC), ldc, mask, y6);
        }
        if (groups > 7)
        {
            StoreFourRows<TColumns>(c0 + (7 * fourRowsC), ldc, mask, y7);
        }
    }

    /// <summary>
    /// Four p for one group, in order: y = fma(row r's op(A)[i + r, p + q] spread over its lanes,
    /// B's row p + q, y) for q = 0 … 3 (the in-lane permute picks value q of each 128-bit lane).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NarrowFourSteps(Vector512<float> x, Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> b3, Vector512<float> y)
    {
        y = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, 0b00_00_00_00), b0, y);
        y = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, 0b01_01_01_01), b1, y);
        y = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, 0b10_10_10_10), b2, y);
        return Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, 0b11_11_11_11), b3, y);
    }

    /// <summary>One p for one group (the last 1..3 p): y = fma(the group's spread op(A) values, B's row, y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NarrowOneStep(Vector512<float> x, Vector512<float> bRow, Vector512<float> y) =>
        Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, 0b00_00_00_00), bRow, y);

    /// <summary>Four rows' first 4 (or masked 1..3) values, one row per 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask)
        where TColumns : struct, IColumnMask =>
        TColumns.Masked
            ? Vector512.Create(Vector256.Create(Avx.MaskLoad(p, mask), Avx.MaskLoad(p + stride, mask)), Vector256.Create(Avx.MaskLoad(p + (2 * stride), mask), Avx.MaskLoad(p + (3 * stride), mask)))
            : Vector512.Create(Vector256.Create(Vector128.Load(p), Vector128.Load(p + stride)), Vector256.Create(Vector128.Load(p + (2 * stride)), Vector128.Load(p + (3 * stride))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask, Vector512<float> value)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Avx.MaskStore(p, mask, value.GetLower().GetLower());
            Avx.MaskStore(p + stride, mask, value.GetLower().GetUpper());
            Avx.MaskStore(p + (2 * stride), mask, value.GetUpper().GetLower());
            Avx.MaskStore(p + (3 * stride), mask, value.GetUpper().GetUpper());
        }
        else
        {
            value.GetLower().GetLower().Store(p);
            value.GetLower().GetUpper().Store(p + stride);
            value.GetUpper().GetLower().Store(p + (2 * stride));
            value.GetUpper().GetUpper().Store(p + (3 * stride));
        }
    }

    /// <summary>Row r's single value at <paramref name="p"/> over the four lanes of 128-bit lane r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> SpreadFourRows(float* p, nuint stride) =>
        Vector512.Create(Vector256.Create(Vector128.Create(p[0]), Vector128.Create(p[stride])), Vector256.Create(Vector128.Create(p[2 * stride]), Vector128.Create(p[3 * stride])));

    /// <summary>B's 4 (or masked 1..3) columns of one row, repeated in each 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> BroadcastRowAvx512<TColumns>(float* p, Vector128<float> mask)
        where TColumns : struct, IColumnMask =>
        Vector512.Create(TColumns.Masked ? Avx.MaskLoad(p, mask) : Vector128.Load(p));
}
