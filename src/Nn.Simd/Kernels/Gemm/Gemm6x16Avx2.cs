// AVX2 + FMA micro-kernel 6×16: C[i..i+5, j..j+15] += op(A)[i..i+5, p]·B[p, j..j+15], p = 0 … K−1.
//
// Registers (16 ymm): C00..C51 = 12 accumulators (6 rows × two 8-float vectors), B0, B1 = the two
// vectors of B's row p, x = the broadcast of op(A)[i + r, p]. Per p: 2 loads of B, 6 broadcasts,
// 12 FMAs. Generic in its row count (1..6), so the 1..5 rows left below the 6-row tiles (a
// mini-batch of 10 leaves 4) run as one tile with their chains interleaved. Full vectors only: the
// column edges are the 6×8 kernels'.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// A tile of <typeparamref name="TRows"/> (1..6) rows × 16 columns: up to 12 ymm accumulators.
    /// The row count is a type argument, so the 1..5 rows left below the 6-row tiles (a mini-batch
    /// of 10 leaves 4) run as one tile with their chains interleaved, not one latency-bound row at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm6x16Avx2<TRows>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
        where TRows : struct, ICount
    {
        nuint rows = TRows.Value;
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZero(s, c0), c01 = LoadOrZero(s, c0 + 8);
        Vector256<float> c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (rows > 1)
        {
            c10 = LoadOrZero(s, c0 + (1 * ldc));
            c11 = LoadOrZero(s, c0 + (1 * ldc) + 8);
        }
        if (rows > 2)
        {
            c20 = LoadOrZero(s, c0 + (2 * ldc));
            c21 = LoadOrZero(s, c0 + (2 * ldc) + 8);
        }
        if (rows > 3)
        {
            c30 = LoadOrZero(s, c0 + (3 * ldc));
            c31 = LoadOrZero(s, c0 + (3 * ldc) + 8);
        }
        if (rows > 4)
        {
            c40 = LoadOrZero(s, c0 + (4 * ldc));
            c41 = LoadOrZero(s, c0 + (4 * ldc) + 8);
        }
        if (rows > 5)
        {
            c50 = LoadOrZero(s, c0 + (5 * ldc));
            c51 = LoadOrZero(s, c0 + (5 * ldc) + 8);
        }

        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            Vector256<float> x = Vector256.Create(*ap);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            if (rows > 1)
            {
                x = Vector256.Create(ap[1 * stepM]);
                c10 = Fma.MultiplyAdd(x, b0, c10);
                c11 = Fma.MultiplyAdd(x, b1, c11);
            }
            if (rows > 2)
            {
                x = Vector256.Create(ap[2 * stepM]);
                c20 = Fma.MultiplyAdd(x, b0, c20);
                c21 = Fma.MultiplyAdd(x, b1, c21);
            }
            if (rows > 3)
            {
                x = Vector256.Create(ap[3 * stepM]);
                c30 = Fma.MultiplyAdd(x, b0, c30);
                c31 = Fma.MultiplyAdd(x, b1, c31);
            }
            if (rows > 4)
            {
                x = Vector256.Create(ap[4 * stepM]);
                c40 = Fma.MultiplyAdd(x, b0, c40);
                c41 = Fma.MultiplyAdd(x, b1, c41);
            }
            if (rows > 5)
            {
                x = Vector256.Create(ap[5 * stepM]);
                c50 = Fma.MultiplyAdd(x, b0, c50);
                c51 = Fma.MultiplyAdd(x, b1, c51);
            }

            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c01.Store(c0 + 8);
        if (rows > 1)
        {
            c10.Store(c0 + (1 * ldc));
            c11.Store(c0 + (1 * ldc) + 8);
        }
        if (rows > 2)
        {
            c20.Store(c0 + (2 * ldc));
            c21.Store(c0 + (2 * ldc) + 8);
        }
        if (rows > 3)
        {
            c30.Store(c0 + (3 * ldc));
            c31.Store(c0 + (3 * ldc) + 8);
        }
        if (rows > 4)
        {
            c40.Store(c0 + (4 * ldc));
            c41.Store(c0 + (4 * ldc) + 8);
        }
        if (rows > 5)
        {
            c50.Store(c0 + (5 * ldc));
            c51.Store(c0 + (5 * ldc) + 8);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> LoadOrZero(GemmShape s, float* c) =>
        s.Accumulate ? Vector256.Load(c) : Vector256<float>.Zero;
}
