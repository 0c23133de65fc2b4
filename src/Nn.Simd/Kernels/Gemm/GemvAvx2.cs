// AVX2 + FMA matrix-vector form, M = 1 (one sample through a layer):
//   C[0, j] = fma(op(A)[0, p], B[p, j], C[0, j]) for p = 0 … K−1, over the row's N columns.
//
// The row's 8-float vectors split evenly into panels of at most 13 (GemvPanelAvx2, generic in the
// count 1..13), each one pass over the K rows of B. Registers (16 ymm): y0..y12 = 13 accumulators,
// x = the broadcast of op(A)[0, p] (once per panel), one for B's vector, one for the tail mask — no
// spills; a 1×16 tile would keep two chains and wait on the FMA latency. N = 100 is one pass, not
// two latency-bound passes of 7 and 6 chains. Tail: the panel's last vector masked (1..7 columns).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// M = 1 on AVX2 (one sample through a layer): the row's vectors split evenly into panels of at
    /// most 13 ymm accumulators (of the 16 registers), each one pass over the K rows of B, so that
    /// op(A)[0, p] is broadcast once per panel and each panel has enough chains in flight (a 1×16
    /// tile keeps two, and waits on the FMA latency).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAvx2(GemmShape s, float* a, float* b, float* c)
    {
        int vectors = (int)((s.N + 7) / 8);
        int panels = (vectors + 12) / 13;
        int tail = (int)(s.N % 8);
        Vector256<float> mask = tail == 0 ? default : TailMaskAvx2((nuint)tail);
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            if (panel == panels - 1 && tail != 0)
            {
                GemvPanelAvx2<MaskedColumns>(count, s, a, b, c, j, mask);
            }
            else
            {
                GemvPanelAvx2<AllColumns>(count, s, a, b, c, j, mask);
            }

            j += (nuint)(8 * count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx2<TColumns>(int vectors, GemmShape s, float* a, float* b, float* c, nuint j, Vector256<float> mask)
        where TColumns : struct, IColumnMask
    {
        WithCount((nuint)vectors, new GemvPanelAvx2Call<TColumns>(s, a, b, c, j, mask));
    }

    /// <summary>
    /// <typeparamref name="TVectors"/> (1..13) vectors of C's one row; with <typeparamref name="TColumns"/>
    /// masked, the last vector is masked by <paramref name="mask"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx2<TVectors, TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector256<float> mask)
        where TVectors : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint vectors = TVectors.Value;
        float* c0 = c + j;
        Vector256<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default;
        y0 = s.Accumulate ? (vectors == 1 && TColumns.Masked ? Avx.MaskLoad(c0 + 0, mask) : Vector256.Load(c0 + 0)) : Vector256<float>.Zero;
        if (vectors > 1)
        {
            y1 = s.Accumulate ? (vectors == 2 && TColumns.Masked ? Avx.MaskLoad(c0 + 8, mask) : Vector256.Load(c0 + 8)) : Vector256<float>.Zero;
        }
        if (vectors > 2)
        {
            y2 = s.Accumulate ? (vectors == 3 && TColumns.Masked ? Avx.MaskLoad(c0 + 16, mask) : Vector256.Load(c0 + 16)) : Vector256<float>.Zero;
        }
        if (vectors > 3)
        {
            y3 = s.Accumulate ? (vectors == 4 && TColumns.Masked ? Avx.MaskLoad(c0 + 24, mask) : Vector256.Load(c0 + 24)) : Vector256<float>.Zero;
        }
        if (vectors > 4)
        {
            y4 = s.Accumulate ? (vectors == 5 && TColumns.Masked ? Avx.MaskLoad(c0 + 32, mask) : Vector256.Load(c0 + 32)) : Vector256<float>.Zero;
        }
        if (vectors > 5)
        {
            y5 = s.Accumulate ? (vectors == 6 && TColumns.Masked ? Avx.MaskLoad(c0 + 40, mask) : Vector256.Load(c0 + 40)) : Vector256<float>.Zero;
        }
        if (vectors > 6)
        {
            y6 = s.Accumulate ? (vectors == 7 && TColumns.Masked ? Avx.MaskLoad(c0 + 48, mask) : Vector256.Load(c0 + 48)) : Vector256<float>.Zero;
        }
        if (vectors > 7)
        {
            y7 = s.Accumulate ? (vectors == 8 && TColumns.Masked ? Avx.MaskLoad(c0 + 56, mask) : Vector256.Load(c0 + 56)) : Vector256<float>.Zero;
        }
        if (vectors > 8)
        {
            y8 = s.Accumulate ? (vectors == 9 && TColumns.Masked ? Avx.MaskLoad(c0 + 64, mask) : Vector256.Load(c0 + 64)) : Vector256<float>.Zero;
        }
        if (vectors > 9)
        {
            y9 = s.Accumulate ? (vectors == 10 && TColumns.Masked ? Avx.MaskLoad(c0 + 72, mask) : Vector256.Load(c0 + 72)) : Vector256<float>.Zero;
        }
        if (vectors > 10)
        {
            y10 = s.Accumulate ? (vectors == 11 && TColumns.Masked ? Avx.MaskLoad(c0 + 80, mask) : Vector256.Load(c0 + 80)) : Vector256<float>.Zero;
        }
        if (vectors > 11)
        {
            y11 = s.Accumulate ? (vectors == 12 && TColumns.Masked ? Avx.MaskLoad(c0 + 88, mask) : Vector256.Load(c0 + 88)) : Vector256<float>.Zero;
        }
        if (vectors > 12)
        {
            y12 = s.Accumulate ? (vectors == 13 && TColumns.Masked ? Avx.MaskLoad(c0 + 96, mask) : Vector256.Load(c0 + 96)) : Vector256<float>.Zero;
        }

        float* ap = a;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> x = Vector256.Create(*ap);
            y0 = Fma.MultiplyAdd(x, (vectors == 1 && TColumns.Masked ? Avx.MaskLoad(bp + 0, mask) : Vector256.Load(bp + 0)), y0);
            if (vectors > 1)
            {
                y1 = Fma.MultiplyAdd(x, (vectors == 2 && TColumns.Masked ? Avx.MaskLoad(bp + 8, mask) : Vector256.Load(bp + 8)), y1);
            }
            if (vectors > 2)
            {
                y2 = Fma.MultiplyAdd(x, (vectors == 3 && TColumns.Masked ? Avx.MaskLoad(bp + 16, mask) : Vector256.Load(bp + 16)), y2);
            }
            if (vectors > 3)
            {
                y3 = Fma.MultiplyAdd(x, (vectors == 4 && TColumns.Masked ? Avx.MaskLoad(bp + 24, mask) : Vector256.Load(bp + 24)), y3);
            }
            if (vectors > 4)
            {
                y4 = Fma.MultiplyAdd(x, (vectors == 5 && TColumns.Masked ? Avx.MaskLoad(bp + 32, mask) : Vector256.Load(bp + 32)), y4);
            }
            if (vectors > 5)
            {
                y5 = Fma.MultiplyAdd(x, (vectors == 6 && TColumns.Masked ? Avx.MaskLoad(bp + 40, mask) : Vector256.Load(bp + 40)), y5);
            }
            if (vectors > 6)
            {
                y6 = Fma.MultiplyAdd(x, (vectors == 7 && TColumns.Masked ? Avx.MaskLoad(bp + 48, mask) : Vector256.Load(bp + 48)), y6);
            }
            if (vectors > 7)
            {
                y7 = Fma.MultiplyAdd(x, (vectors == 8 && TColumns.Masked ? Avx.MaskLoad(bp + 56, mask) : Vector256.Load(bp + 56)), y7);
            }
            if (vectors > 8)
            {
                y8 = Fma.MultiplyAdd(x, (vectors == 9 && TColumns.Masked ? Avx.MaskLoad(bp + 64, mask) : Vector256.Load(bp + 64)), y8);
            }
            if (vectors > 9)
            {
                y9 = Fma.MultiplyAdd(x, (vectors == 10 && TColumns.Masked ? Avx.MaskLoad(bp + 72, mask) : Vector256.Load(bp + 72)), y9);
            }
            if (vectors > 10)
            {
                y10 = Fma.MultiplyAdd(x, (vectors == 11 && TColumns.Masked ? Avx.MaskLoad(bp + 80, mask) : Vector256.Load(bp + 80)), y10);
            }
            if (vectors > 11)
            {
                y11 = Fma.MultiplyAdd(x, (vectors == 12 && TColumns.Masked ? Avx.MaskLoad(bp + 88, mask) : Vector256.Load(bp + 88)), y11);
            }
            if (vectors > 12)
            {
                y12 = Fma.MultiplyAdd(x, (vectors == 13 && TColumns.Masked ? Avx.MaskLoad(bp + 96, mask) : Vector256.Load(bp + 96)), y12);
            }

            ap += stepK;
            bp += ldb;
        }

        if (vectors == 1 && TColumns.Masked)
        {
            Avx.MaskStore(c0 + 0, mask, y0);
        }
        else
        {
            y0.Store(c0 + 0);
        }
        if (vectors > 1)
        {
            if (vectors == 2 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 8, mask, y1);
            }
            else
            {
                y1.Store(c0 + 8);
            }
        }
        if (vectors > 2)
        {
            if (vectors == 3 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 16, mask, y2);
            }
            else
            {
                y2.Store(c0 + 16);
            }
        }
        if (vectors > 3)
        {
            if (vectors == 4 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 24, mask, y3);
            }
            else
            {
                y3.Store(c0 + 24);
            }
        }
        if (vectors > 4)
        {
            if (vectors == 5 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 32, mask, y4);
            }
            else
            {
                y4.Store(c0 + 32);
            }
        }
        if (vectors > 5)
        {
            if (vectors == 6 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 40, mask, y5);
            }
            else
            {
                y5.Store(c0 + 40);
            }
        }
        if (vectors > 6)
        {
            if (vectors == 7 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 48, mask, y6);
            }
            else
            {
                y6.Store(c0 + 48);
            }
        }
        if (vectors > 7)
        {
            if (vectors == 8 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 56, mask, y7);
            }
            else
            {
                y7.Store(c0 + 56);
            }
        }
        if (vectors > 8)
        {
            if (vectors == 9 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 64, mask, y8);
            }
            else
            {
                y8.Store(c0 + 64);
            }
        }
        if (vectors > 9)
        {
            if (vectors == 10 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 72, mask, y9);
            }
            else
            {
                y9.Store(c0 + 72);
            }
        }
        if (vectors > 10)
        {
            if (vectors == 11 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 80, mask, y10);
            }
            else
            {
                y10.Store(c0 + 80);
            }
        }
        if (vectors > 11)
        {
            if (vectors == 12 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 88, mask, y11);
            }
            else
            {
                y11.Store(c0 + 88);
            }
        }
        if (vectors > 12)
        {
            if (vectors == 13 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 96, mask, y12);
            }
            else
            {
                y12.Store(c0 + 96);
            }
        }
    }

    /// <summary>GemvPanelAvx2 from column j for a panel of 1..13 vectors.</summary>
    private readonly unsafe struct GemvPanelAvx2Call<TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector256<float> mask) : ICountedCall
        where TColumns : struct, IColumnMask
    {
        public static int MaxCount => 13;

        public void Invoke<TVectors>()
            where TVectors : struct, ICount => GemvPanelAvx2<TVectors, TColumns>(s, a, b, c, j, mask);
    }
}
