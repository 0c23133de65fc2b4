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
using System.Diagnostics.CodeAnalysis;
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
            // p + 0 … p + 3 in turn across the groups: the FMAs that follow each other advance
            // different groups' chains, so none waits on the one before it.
            y0 = NarrowStep(x0, 0b00_00_00_00, b0, y0);
            y1 = groups > 1 ? NarrowStep(x1, 0b00_00_00_00, b0, y1) : y1;
            y2 = groups > 2 ? NarrowStep(x2, 0b00_00_00_00, b0, y2) : y2;
            y3 = groups > 3 ? NarrowStep(x3, 0b00_00_00_00, b0, y3) : y3;
            y4 = groups > 4 ? NarrowStep(x4, 0b00_00_00_00, b0, y4) : y4;
            y5 = groups > 5 ? NarrowStep(x5, 0b00_00_00_00, b0, y5) : y5;
            y6 = groups > 6 ? NarrowStep(x6, 0b00_00_00_00, b0, y6) : y6;
            y7 = groups > 7 ? NarrowStep(x7, 0b00_00_00_00, b0, y7) : y7;

            y0 = NarrowStep(x0, 0b01_01_01_01, b1, y0);
            y1 = groups > 1 ? NarrowStep(x1, 0b01_01_01_01, b1, y1) : y1;
            y2 = groups > 2 ? NarrowStep(x2, 0b01_01_01_01, b1, y2) : y2;
            y3 = groups > 3 ? NarrowStep(x3, 0b01_01_01_01, b1, y3) : y3;
            y4 = groups > 4 ? NarrowStep(x4, 0b01_01_01_01, b1, y4) : y4;
            y5 = groups > 5 ? NarrowStep(x5, 0b01_01_01_01, b1, y5) : y5;
            y6 = groups > 6 ? NarrowStep(x6, 0b01_01_01_01, b1, y6) : y6;
            y7 = groups > 7 ? NarrowStep(x7, 0b01_01_01_01, b1, y7) : y7;

            y0 = NarrowStep(x0, 0b10_10_10_10, b2, y0);
            y1 = groups > 1 ? NarrowStep(x1, 0b10_10_10_10, b2, y1) : y1;
            y2 = groups > 2 ? NarrowStep(x2, 0b10_10_10_10, b2, y2) : y2;
            y3 = groups > 3 ? NarrowStep(x3, 0b10_10_10_10, b2, y3) : y3;
            y4 = groups > 4 ? NarrowStep(x4, 0b10_10_10_10, b2, y4) : y4;
            y5 = groups > 5 ? NarrowStep(x5, 0b10_10_10_10, b2, y5) : y5;
            y6 = groups > 6 ? NarrowStep(x6, 0b10_10_10_10, b2, y6) : y6;
            y7 = groups > 7 ? NarrowStep(x7, 0b10_10_10_10, b2, y7) : y7;

            y0 = NarrowStep(x0, 0b11_11_11_11, b3, y0);
            y1 = groups > 1 ? NarrowStep(x1, 0b11_11_11_11, b3, y1) : y1;
            y2 = groups > 2 ? NarrowStep(x2, 0b11_11_11_11, b3, y2) : y2;
            y3 = groups > 3 ? NarrowStep(x3, 0b11_11_11_11, b3, y3) : y3;
            y4 = groups > 4 ? NarrowStep(x4, 0b11_11_11_11, b3, y4) : y4;
            y5 = groups > 5 ? NarrowStep(x5, 0b11_11_11_11, b3, y5) : y5;
            y6 = groups > 6 ? NarrowStep(x6, 0b11_11_11_11, b3, y6) : y6;
            y7 = groups > 7 ? NarrowStep(x7, 0b11_11_11_11, b3, y7) : y7;
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
            y0 = NarrowStep(x0, 0b00_00_00_00, bRow, y0);
            y1 = groups > 1 ? NarrowStep(x1, 0b00_00_00_00, bRow, y1) : y1;
            y2 = groups > 2 ? NarrowStep(x2, 0b00_00_00_00, bRow, y2) : y2;
            y3 = groups > 3 ? NarrowStep(x3, 0b00_00_00_00, bRow, y3) : y3;
            y4 = groups > 4 ? NarrowStep(x4, 0b00_00_00_00, bRow, y4) : y4;
            y5 = groups > 5 ? NarrowStep(x5, 0b00_00_00_00, bRow, y5) : y5;
            y6 = groups > 6 ? NarrowStep(x6, 0b00_00_00_00, bRow, y6) : y6;
            y7 = groups > 7 ? NarrowStep(x7, 0b00_00_00_00, bRow, y7) : y7;
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
    /// One p for one group: y = fma(row r's op(A) value picked by <paramref name="control"/> (value q
    /// of each 128-bit lane, for p + q) spread over its lanes, B's row p + q, y). Inlined with a
    /// constant control, the permute is one vpermilps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NarrowStep(Vector512<float> x, [ConstantExpected] byte control, Vector512<float> bRow, Vector512<float> y) =>
        Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x, control), bRow, y);

    /// <summary>
    /// Four rows' first 4 (or masked 1..3) values, one row per 128-bit lane: a load and three
    /// vinsertf32x4 from memory. (Vector512.Create of two Vector256.Create halves compiled to a
    /// stack round trip per call, in the loop.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask)
        where TColumns : struct, IColumnMask
    {
        Vector512<float> rows = LoadRowAvx512<TColumns>(p, mask).ToVector256Unsafe().ToVector512Unsafe();
        rows = Avx512F.InsertVector128(rows, LoadRowAvx512<TColumns>(p + stride, mask), 1);
        rows = Avx512F.InsertVector128(rows, LoadRowAvx512<TColumns>(p + (2 * stride), mask), 2);
        return Avx512F.InsertVector128(rows, LoadRowAvx512<TColumns>(p + (3 * stride), mask), 3);
    }

    /// <summary>The first 4 (or masked 1..3) values at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> LoadRowAvx512<TColumns>(float* p, Vector128<float> mask)
        where TColumns : struct, IColumnMask =>
        TColumns.Masked ? Avx.MaskLoad(p, mask) : Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask, Vector512<float> value)
        where TColumns : struct, IColumnMask
    {
        StoreRowAvx512<TColumns>(p, mask, value.GetLower().GetLower());
        StoreRowAvx512<TColumns>(p + stride, mask, Avx512F.ExtractVector128(value, 1));
        StoreRowAvx512<TColumns>(p + (2 * stride), mask, Avx512F.ExtractVector128(value, 2));
        StoreRowAvx512<TColumns>(p + (3 * stride), mask, Avx512F.ExtractVector128(value, 3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRowAvx512<TColumns>(float* p, Vector128<float> mask, Vector128<float> value)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Avx.MaskStore(p, mask, value);
        }
        else
        {
            value.Store(p);
        }
    }

    /// <summary>Row r's single value at <paramref name="p"/> over the four lanes of 128-bit lane r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> SpreadFourRows(float* p, nuint stride)
    {
        Vector512<float> rows = Vector128.Create(p[0]).ToVector256Unsafe().ToVector512Unsafe();
        rows = Avx512F.InsertVector128(rows, Vector128.Create(p[stride]), 1);
        rows = Avx512F.InsertVector128(rows, Vector128.Create(p[2 * stride]), 2);
        return Avx512F.InsertVector128(rows, Vector128.Create(p[3 * stride]), 3);
    }

    /// <summary>B's 4 (or masked 1..3) columns of one row, repeated in each 128-bit lane: vbroadcastf32x4 from memory, or vshuff32x4 of the masked load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> BroadcastRowAvx512<TColumns>(float* p, Vector128<float> mask)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Vector512<float> row = Avx.MaskLoad(p, mask).ToVector256Unsafe().ToVector512Unsafe();
            return Avx512F.Shuffle4x128(row, row, 0);
        }

        return Avx512F.BroadcastVector128ToVector512(p);
    }
}
