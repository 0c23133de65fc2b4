// ARM64 NEON matrix-vector form, one row of C (a single sample, or the 1..3 rows below the 4×8
// tiles):  C[row, j] = fma(op(A)[row, p], B[p, j], C[row, j]) for p = 0 … K−1, j < a multiple of 4.
//
// The row's 4-float vectors split evenly into panels of at most 16 (GemvPanelAdvSimd, generic in the
// count 1..16), each one pass over the K rows of B. Registers (32 × 128 bits): y0..y15 = 16
// accumulators, x = the broadcast of op(A)[row, p] (once per panel), one for B's vector; a 1×4
// kernel would keep one FMA chain in flight. Tail: none here — the last 1..3 columns are the
// scalar oracle's.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// One row of C, columns [0, <paramref name="columns"/>) (a multiple of 4): the row's 4-float
    /// vectors split evenly into panels of at most 16 accumulators, each one pass over the K rows of
    /// B with op(A)[row, p] broadcast once per panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAdvSimd(GemmShape s, float* aRow, float* b, float* cRow, nuint columns)
    {
        int vectors = (int)(columns / 4);
        int panels = (vectors + 15) / 16;
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            WithCount((nuint)count, new GemvPanelAdvSimdCall(s, aRow, b, cRow, j));
            j += (nuint)(4 * count);
        }
    }

    /// <summary><typeparamref name="TVectors"/> (1..16) 4-float vectors of C's row from column <paramref name="j"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAdvSimd<TVectors>(GemmShape s, float* aRow, float* b, float* cRow, nuint j)
        where TVectors : struct, ICount
    {
        nuint vectors = TVectors.Value;
        float* c0 = cRow + j;
        Vector128<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default, y13 = default, y14 = default, y15 = default;
        y0 = LoadOrZero128(s, c0);
        if (vectors > 1)
        {
            y1 = LoadOrZero128(s, c0 + 4);
        }
        if (vectors > 2)
        {
            y2 = LoadOrZero128(s, c0 + 8);
        }
        if (vectors > 3)
        {
            y3 = LoadOrZero128(s, c0 + 12);
        }
        if (vectors > 4)
        {
            y4 = LoadOrZero128(s, c0 + 16);
        }
        if (vectors > 5)
        {
            y5 = LoadOrZero128(s, c0 + 20);
        }
        if (vectors > 6)
        {
            y6 = LoadOrZero128(s, c0 + 24);
        }
        if (vectors > 7)
        {
            y7 = LoadOrZero128(s, c0 + 28);
        }
        if (vectors > 8)
        {
            y8 = LoadOrZero128(s, c0 + 32);
        }
        if (vectors > 9)
        {
            y9 = LoadOrZero128(s, c0 + 36);
        }
        if (vectors > 10)
        {
            y10 = LoadOrZero128(s, c0 + 40);
        }
        if (vectors > 11)
        {
            y11 = LoadOrZero128(s, c0 + 44);
        }
        if (vectors > 12)
        {
            y12 = LoadOrZero128(s, c0 + 48);
        }
        if (vectors > 13)
        {
            y13 = LoadOrZero128(s, c0 + 52);
        }
        if (vectors > 14)
        {
            y14 = LoadOrZero128(s, c0 + 56);
        }
        if (vectors > 15)
        {
            y15 = LoadOrZero128(s, c0 + 60);
        }

        float* ap = aRow;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector128<float> x = Vector128.Create(*ap);
            y0 = AdvSimd.FusedMultiplyAdd(y0, x, Vector128.Load(bp));
            if (vectors > 1)
            {
                y1 = AdvSimd.FusedMultiplyAdd(y1, x, Vector128.Load(bp + 4));
            }
            if (vectors > 2)
            {
                y2 = AdvSimd.FusedMultiplyAdd(y2, x, Vector128.Load(bp + 8));
            }
            if (vectors > 3)
            {
                y3 = AdvSimd.FusedMultiplyAdd(y3, x, Vector128.Load(bp + 12));
            }
            if (vectors > 4)
            {
                y4 = AdvSimd.FusedMultiplyAdd(y4, x, Vector128.Load(bp + 16));
            }
            if (vectors > 5)
            {
                y5 = AdvSimd.FusedMultiplyAdd(y5, x, Vector128.Load(bp + 20));
            }
            if (vectors > 6)
            {
                y6 = AdvSimd.FusedMultiplyAdd(y6, x, Vector128.Load(bp + 24));
            }
            if (vectors > 7)
            {
                y7 = AdvSimd.FusedMultiplyAdd(y7, x, Vector128.Load(bp + 28));
            }
            if (vectors > 8)
            {
                y8 = AdvSimd.FusedMultiplyAdd(y8, x, Vector128.Load(bp + 32));
            }
            if (vectors > 9)
            {
                y9 = AdvSimd.FusedMultiplyAdd(y9, x, Vector128.Load(bp + 36));
            }
            if (vectors > 10)
            {
                y10 = AdvSimd.FusedMultiplyAdd(y10, x, Vector128.Load(bp + 40));
            }
            if (vectors > 11)
            {
                y11 = AdvSimd.FusedMultiplyAdd(y11, x, Vector128.Load(bp + 44));
            }
            if (vectors > 12)
            {
                y12 = AdvSimd.FusedMultiplyAdd(y12, x, Vector128.Load(bp + 48));
            }
            if (vectors > 13)
            {
                y13 = AdvSimd.FusedMultiplyAdd(y13, x, Vector128.Load(bp + 52));
            }
            if (vectors > 14)
            {
                y14 = AdvSimd.FusedMultiplyAdd(y14, x, Vector128.Load(bp + 56));
            }
            if (vectors > 15)
            {
                y15 = AdvSimd.FusedMultiplyAdd(y15, x, Vector128.Load(bp + 60));
            }

            ap += stepK;
            bp += ldb;
        }

        y0.Store(c0);
        if (vectors > 1)
        {
            y1.Store(c0 + 4);
        }
        if (vectors > 2)
        {
            y2.Store(c0 + 8);
        }
        if (vectors > 3)
        {
            y3.Store(c0 + 12);
        }
        if (vectors > 4)
        {
            y4.Store(c0 + 16);
        }
        if (vectors > 5)
        {
            y5.Store(c0 + 20);
        }
        if (vectors > 6)
        {
            y6.Store(c0 + 24);
        }
        if (vectors > 7)
        {
            y7.Store(c0 + 28);
        }
        if (vectors > 8)
        {
            y8.Store(c0 + 32);
        }
        if (vectors > 9)
        {
            y9.Store(c0 + 36);
        }
        if (vectors > 10)
        {
            y10.Store(c0 + 40);
        }
        if (vectors > 11)
        {
            y11.Store(c0 + 44);
        }
        if (vectors > 12)
        {
            y12.Store(c0 + 48);
        }
        if (vectors > 13)
        {
            y13.Store(c0 + 52);
        }
        if (vectors > 14)
        {
            y14.Store(c0 + 56);
        }
        if (vectors > 15)
        {
            y15.Store(c0 + 60);
        }
    }

    /// <summary>GemvPanelAdvSimd from column j for a panel of 1..16 vectors.</summary>
    private readonly unsafe struct GemvPanelAdvSimdCall(GemmShape s, float* aRow, float* b, float* cRow, nuint j) : ICountedCall
    {
        public static int MaxCount => 16;

        public void Invoke<TVectors>()
            where TVectors : struct, ICount => GemvPanelAdvSimd<TVectors>(s, aRow, b, cRow, j);
    }
}
