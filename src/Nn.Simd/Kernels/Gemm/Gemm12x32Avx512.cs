// AVX-512 micro-kernel 12×32: C[i..i+11, j..j+31] += op(A)[i..i+11, p]·B[p, j..j+31], p = 0 … K−1.
//
// Registers (32 zmm): c00..c111 = 24 accumulators (12 rows × two 16-float vectors), two for B's
// row p, one for the broadcast of op(A)[i + r, p] — 27 of 32. Per p: 2 loads of B, 12 broadcasts,
// 24 FMAs. Generic in its row count (1..12: the 1..11 rows left over run in one tile compiled for
// exactly that many, so mini-batch 10 is a 10-row tile) and in its columns: full, masked (the last
// 17..31 columns: AVX-512 masked loads and stores, a masked-off lane neither loads nor faults) or
// masked one zmm wide (the last 1..16). With a bias row (GemmBias) the accumulators start from it
// instead of C, and relu is applied before the one store.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// A tile of <typeparamref name="TRows"/> (1..12) rows × 32 columns: up to 24 zmm accumulators,
    /// two for B's row p, one for the broadcast of op(A)[i, p] (27 of the 32 registers). The row count
    /// is a type argument, so each instantiation is compiled with its unused rows removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm12x32Avx512<TRows, TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector512<float> mask0, Vector512<float> mask1)
        where TRows : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint rows = TRows.Value;
        nuint ldc = s.Ldc;
        float* c0 = c + (i * ldc) + j;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        // Each row's chains start from C's row, or from the bias row (GemmBias) — the same row for
        // every row of the tile: one pointer and stride, so the loop below has no second form.
        float* start = s.Bias != 0 ? (float*)s.Bias + j : c0;
        nuint startStride = s.Bias != 0 ? 0 : ldc;
        c00 = LoadOrZeroAvx512<TColumns>(s, start, mask0);
        c01 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + 16, mask1) : default;
        if (rows > 1)
        {
            c10 = LoadOrZeroAvx512<TColumns>(s, start + (1 * startStride), mask0);
            c11 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (1 * startStride) + 16, mask1) : default;
        }
        if (rows > 2)
        {
            c20 = LoadOrZeroAvx512<TColumns>(s, start + (2 * startStride), mask0);
            c21 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (2 * startStride) + 16, mask1) : default;
        }
        if (rows > 3)
        {
            c30 = LoadOrZeroAvx512<TColumns>(s, start + (3 * startStride), mask0);
            c31 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (3 * startStride) + 16, mask1) : default;
        }
        if (rows > 4)
        {
            c40 = LoadOrZeroAvx512<TColumns>(s, start + (4 * startStride), mask0);
            c41 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (4 * startStride) + 16, mask1) : default;
        }
        if (rows > 5)
        {
            c50 = LoadOrZeroAvx512<TColumns>(s, start + (5 * startStride), mask0);
            c51 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (5 * startStride) + 16, mask1) : default;
        }
        if (rows > 6)
        {
            c60 = LoadOrZeroAvx512<TColumns>(s, start + (6 * startStride), mask0);
            c61 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (6 * startStride) + 16, mask1) : default;
        }
        if (rows > 7)
        {
            c70 = LoadOrZeroAvx512<TColumns>(s, start + (7 * startStride), mask0);
            c71 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (7 * startStride) + 16, mask1) : default;
        }
        if (rows > 8)
        {
            c80 = LoadOrZeroAvx512<TColumns>(s, start + (8 * startStride), mask0);
            c81 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (8 * startStride) + 16, mask1) : default;
        }
        if (rows > 9)
        {
            c90 = LoadOrZeroAvx512<TColumns>(s, start + (9 * startStride), mask0);
            c91 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (9 * startStride) + 16, mask1) : default;
        }
        if (rows > 10)
        {
            c100 = LoadOrZeroAvx512<TColumns>(s, start + (10 * startStride), mask0);
            c101 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (10 * startStride) + 16, mask1) : default;
        }
        if (rows > 11)
        {
            c110 = LoadOrZeroAvx512<TColumns>(s, start + (11 * startStride), mask0);
            c111 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (11 * startStride) + 16, mask1) : default;
        }

        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector512<float> b0 = LoadAvx512<TColumns>(bp, mask0);
            Vector512<float> b1 = TColumns.SecondHalf ? LoadAvx512<TColumns>(bp + 16, mask1) : default;
            Vector512<float> x = Vector512.Create(*ap);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
            c01 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c01) : default;
            if (rows > 1)
            {
                x = Vector512.Create(ap[1 * stepM]);
                c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                c11 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c11) : default;
            }
            if (rows > 2)
            {
                x = Vector512.Create(ap[2 * stepM]);
                c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                c21 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c21) : default;
            }
            if (rows > 3)
            {
                x = Vector512.Create(ap[3 * stepM]);
                c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                c31 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c31) : default;
            }
            if (rows > 4)
            {
                x = Vector512.Create(ap[4 * stepM]);
                c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                c41 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c41) : default;
            }
            if (rows > 5)
            {
                x = Vector512.Create(ap[5 * stepM]);
                c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                c51 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c51) : default;
            }
            if (rows > 6)
            {
                x = Vector512.Create(ap[6 * stepM]);
                c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                c61 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c61) : default;
            }
            if (rows > 7)
            {
                x = Vector512.Create(ap[7 * stepM]);
                c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                c71 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c71) : default;
            }
            if (rows > 8)
            {
                x = Vector512.Create(ap[8 * stepM]);
                c80 = Avx512F.FusedMultiplyAdd(x, b0, c80);
                c81 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c81) : default;
            }
            if (rows > 9)
            {
                x = Vector512.Create(ap[9 * stepM]);
                c90 = Avx512F.FusedMultiplyAdd(x, b0, c90);
                c91 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c91) : default;
            }
            if (rows > 10)
            {
                x = Vector512.Create(ap[10 * stepM]);
                c100 = Avx512F.FusedMultiplyAdd(x, b0, c100);
                c101 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c101) : default;
            }
            if (rows > 11)
            {
                x = Vector512.Create(ap[11 * stepM]);
                c110 = Avx512F.FusedMultiplyAdd(x, b0, c110);
                c111 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c111) : default;
            }

            ap += stepK;
            bp += ldb;
        }

        // GemmBias's relu, x < 0 ? +0 : x, as vmaxps(+0, x): MAXPS returns its second operand when
        // either is NaN or both are zeros, so NaN and −0 pass through as ReluOperator has them. As
        // intrinsics, not ReluOperator's 24 inlined calls: under dynamic PGO those ran the JIT's
        // inlining budget out before the loads above, and a batch took three times as long.
        if (s.Relu)
        {
            Vector512<float> zero = Vector512<float>.Zero;
            (c00, c10, c20, c30, c40, c50) = (Avx512F.Max(zero, c00), Avx512F.Max(zero, c10), Avx512F.Max(zero, c20), Avx512F.Max(zero, c30), Avx512F.Max(zero, c40), Avx512F.Max(zero, c50));
            (c60, c70, c80, c90, c100, c110) = (Avx512F.Max(zero, c60), Avx512F.Max(zero, c70), Avx512F.Max(zero, c80), Avx512F.Max(zero, c90), Avx512F.Max(zero, c100), Avx512F.Max(zero, c110));
            (c01, c11, c21, c31, c41, c51) = (Avx512F.Max(zero, c01), Avx512F.Max(zero, c11), Avx512F.Max(zero, c21), Avx512F.Max(zero, c31), Avx512F.Max(zero, c41), Avx512F.Max(zero, c51));
            (c61, c71, c81, c91, c101, c111) = (Avx512F.Max(zero, c61), Avx512F.Max(zero, c71), Avx512F.Max(zero, c81), Avx512F.Max(zero, c91), Avx512F.Max(zero, c101), Avx512F.Max(zero, c111));
        }

        StoreAvx512<TColumns>(c0, mask0, c00);
        if (TColumns.SecondHalf)
        {
            StoreAvx512<TColumns>(c0 + 16, mask1, c01);
        }
        if (rows > 1)
        {
            StoreAvx512<TColumns>(c0 + (1 * ldc), mask0, c10);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (1 * ldc) + 16, mask1, c11);
            }
        }
        if (rows > 2)
        {
            StoreAvx512<TColumns>(c0 + (2 * ldc), mask0, c20);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (2 * ldc) + 16, mask1, c21);
            }
        }
        if (rows > 3)
        {
            StoreAvx512<TColumns>(c0 + (3 * ldc), mask0, c30);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (3 * ldc) + 16, mask1, c31);
            }
        }
        if (rows > 4)
        {
            StoreAvx512<TColumns>(c0 + (4 * ldc), mask0, c40);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (4 * ldc) + 16, mask1, c41);
            }
        }
        if (rows > 5)
        {
            StoreAvx512<TColumns>(c0 + (5 * ldc), mask0, c50);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (5 * ldc) + 16, mask1, c51);
            }
        }
        if (rows > 6)
        {
            StoreAvx512<TColumns>(c0 + (6 * ldc), mask0, c60);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (6 * ldc) + 16, mask1, c61);
            }
        }
        if (rows > 7)
        {
            StoreAvx512<TColumns>(c0 + (7 * ldc), mask0, c70);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (7 * ldc) + 16, mask1, c71);
            }
        }
        if (rows > 8)
        {
            StoreAvx512<TColumns>(c0 + (8 * ldc), mask0, c80);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (8 * ldc) + 16, mask1, c81);
            }
        }
        if (rows > 9)
        {
            StoreAvx512<TColumns>(c0 + (9 * ldc), mask0, c90);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (9 * ldc) + 16, mask1, c91);
            }
        }
        if (rows > 10)
        {
            StoreAvx512<TColumns>(c0 + (10 * ldc), mask0, c100);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (10 * ldc) + 16, mask1, c101);
            }
        }
        if (rows > 11)
        {
            StoreAvx512<TColumns>(c0 + (11 * ldc), mask0, c110);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (11 * ldc) + 16, mask1, c111);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadAvx512<TColumns>(float* p, Vector512<float> mask)
        where TColumns : struct, IColumnMask =>
        TColumns.Masked ? Avx512F.MaskLoad(p, mask, Vector512<float>.Zero) : Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadOrZeroAvx512<TColumns>(GemmShape s, float* p, Vector512<float> mask)
        where TColumns : struct, IColumnMask =>
        s.Accumulate ? LoadAvx512<TColumns>(p, mask) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreAvx512<TColumns>(float* p, Vector512<float> mask, Vector512<float> value)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Avx512F.MaskStore(p, mask, value);
        }
        else
        {
            value.Store(p);
        }
    }
}
