// AVX-512 matrix-vector form, M = 1 (one sample: inference's row vector times (Wˡ)ᵀ):
//   C[0, j] = fma(op(A)[0, p], B[p, j], C[0, j]) for p = 0 … K−1, over the row's N columns.
//
// The row's 16-float vectors split evenly into panels of at most 16 (GemvPanelAvx512, generic in
// the count 1..16), each one pass over the K rows of B. Registers (32 zmm): y0..y15 = 16
// accumulators, x = the broadcast of op(A)[0, p] (once per panel instead of once per 32 columns),
// one for B's vector, the tail mask; every element of B is loaded once, and no panel is left with
// too few chains to cover the FMA latency. Tail: the panel's last vector masked (1..15 columns).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// M = 1 (one sample: inference's row vector times (Wˡ)ᵀ): the row's 16-float vectors split evenly
    /// into panels of at most 16 zmm accumulators, each one pass over the K rows of B, so that every
    /// element of B is loaded once and op(A)[0, p] is broadcast once per panel instead of once per 32
    /// columns, and no panel is left with too few chains to cover the FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAvx512(GemmShape s, float* a, float* b, float* c)
    {
        int vectors = (int)((s.N + 15) / 16);
        int panels = (vectors + 15) / 16;
        int tail = (int)(s.N % 16);
        Vector512<float> mask = TailMaskAvx512(tail);
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            if (panel == panels - 1 && tail != 0)
            {
                GemvPanelAvx512<MaskedColumns>(count, s, a, b, c, j, mask);
            }
            else
            {
                GemvPanelAvx512<AllColumns>(count, s, a, b, c, j, mask);
            }

            j += (nuint)(16 * count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx512<TColumns>(int vectors, GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask)
        where TColumns : struct, IColumnMask
    {
        WithCount((nuint)vectors, new GemvPanelAvx512Call<TColumns>(s, a, b, c, j, mask));
    }

    /// <summary>
    /// <typeparamref name="TVectors"/> (1..16) vectors of C's one row; with <typeparamref name="TColumns"/>
    /// masked, the last vector is masked by <paramref name="mask"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx512<TVectors, TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask)
        where TVectors : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint vectors = TVectors.Value;
        float* c0 = c + j;
        Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default, y13 = default, y14 = default, y15 = default;
        y0 = s.Accumulate ? (vectors == 1 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 0, mask) : Vector512.Load(c0 + 0)) : Vector512<float>.Zero;
        if (vectors > 1)
        {
            y1 = s.Accumulate ? (vectors == 2 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 16, mask) : Vector512.Load(c0 + 16)) : Vector512<float>.Zero;
        }
        if (vectors > 2)
        {
            y2 = s.Accumulate ? (vectors == 3 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 32, mask) : Vector512.Load(c0 + 32)) : Vector512<float>.Zero;
        }
        if (vectors > 3)
        {
            y3 = s.Accumulate ? (vectors == 4 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 48, mask) : Vector512.Load(c0 + 48)) : Vector512<float>.Zero;
        }
        if (vectors > 4)
        {
            y4 = s.Accumulate ? (vectors == 5 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 64, mask) : Vector512.Load(c0 + 64)) : Vector512<float>.Zero;
        }
        if (vectors > 5)
        {
            y5 = s.Accumulate ? (vectors == 6 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 80, mask) : Vector512.Load(c0 + 80)) : Vector512<float>.Zero;
        }
        if (vectors > 6)
        {
            y6 = s.Accumulate ? (vectors == 7 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 96, mask) : Vector512.Load(c0 + 96)) : Vector512<float>.Zero;
        }
        if (vectors > 7)
        {
            y7 = s.Accumulate ? (vectors == 8 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 112, mask) : Vector512.Load(c0 + 112)) : Vector512<float>.Zero;
        }
        if (vectors > 8)
        {
            y8 = s.Accumulate ? (vectors == 9 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 128, mask) : Vector512.Load(c0 + 128)) : Vector512<float>.Zero;
        }
        if (vectors > 9)
        {
            y9 = s.Accumulate ? (vectors == 10 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 144, mask) : Vector512.Load(c0 + 144)) : Vector512<float>.Zero;
        }
        if (vectors > 10)
        {
            y10 = s.Accumulate ? (vectors == 11 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 160, mask) : Vector512.Load(c0 + 160)) : Vector512<float>.Zero;
        }
        if (vectors > 11)
        {
            y11 = s.Accumulate ? (vectors == 12 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 176, mask) : Vector512.Load(c0 + 176)) : Vector512<float>.Zero;
        }
        if (vectors > 12)
        {
            y12 = s.Accumulate ? (vectors == 13 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 192, mask) : Vector512.Load(c0 + 192)) : Vector512<float>.Zero;
        }
        if (vectors > 13)
        {
            y13 = s.Accumulate ? (vectors == 14 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 208, mask) : Vector512.Load(c0 + 208)) : Vector512<float>.Zero;
        }
        if (vectors > 14)
        {
            y14 = s.Accumulate ? (vectors == 15 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 224, mask) : Vector512.Load(c0 + 224)) : Vector512<float>.Zero;
        }
        if (vectors > 15)
        {
            y15 = s.Accumulate ? (vectors == 16 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 240, mask) : Vector512.Load(c0 + 240)) : Vector512<float>.Zero;
        }

        float* ap = a;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector512<float> x = Vector512.Create(*ap);
            y0 = Avx512F.FusedMultiplyAdd(x, (vectors == 1 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 0, mask) : Vector512.Load(bp + 0)), y0);
            if (vectors > 1)
            {
                y1 = Avx512F.FusedMultiplyAdd(x, (vectors == 2 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 16, mask) : Vector512.Load(bp + 16)), y1);
            }
            if (vectors > 2)
            {
                y2 = Avx512F.FusedMultiplyAdd(x, (vectors == 3 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 32, mask) : Vector512.Load(bp + 32)), y2);
            }
            if (vectors > 3)
            {
                y3 = Avx512F.FusedMultiplyAdd(x, (vectors == 4 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 48, mask) : Vector512.Load(bp + 48)), y3);
            }
            if (vectors > 4)
            {
                y4 = Avx512F.FusedMultiplyAdd(x, (vectors == 5 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 64, mask) : Vector512.Load(bp + 64)), y4);
            }
            if (vectors > 5)
            {
                y5 = Avx512F.FusedMultiplyAdd(x, (vectors == 6 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 80, mask) : Vector512.Load(bp + 80)), y5);
            }
            if (vectors > 6)
            {
                y6 = Avx512F.FusedMultiplyAdd(x, (vectors == 7 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 96, mask) : Vector512.Load(bp + 96)), y6);
            }
            if (vectors > 7)
            {
                y7 = Avx512F.FusedMultiplyAdd(x, (vectors == 8 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 112, mask) : Vector512.Load(bp + 112)), y7);
            }
            if (vectors > 8)
            {
                y8 = Avx512F.FusedMultiplyAdd(x, (vectors == 9 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 128, mask) : Vector512.Load(bp + 128)), y8);
            }
            if (vectors > 9)
            {
                y9 = Avx512F.FusedMultiplyAdd(x, (vectors == 10 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 144, mask) : Vector512.Load(bp + 144)), y9);
            }
            if (vectors > 10)
            {
                y10 = Avx512F.FusedMultiplyAdd(x, (vectors == 11 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 160, mask) : Vector512.Load(bp + 160)), y10);
            }
            if (vectors > 11)
            {
                y11 = Avx512F.FusedMultiplyAdd(x, (vectors == 12 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 176, mask) : Vector512.Load(bp + 176)), y11);
            }
            if (vectors > 12)
            {
                y12 = Avx512F.FusedMultiplyAdd(x, (vectors == 13 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 192, mask) : Vector512.Load(bp + 192)), y12);
            }
            if (vectors > 13)
            {
                y13 = Avx512F.FusedMultiplyAdd(x, (vectors == 14 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 208, mask) : Vector512.Load(bp + 208)), y13);
            }
            if (vectors > 14)
            {
                y14 = Avx512F.FusedMultiplyAdd(x, (vectors == 15 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 224, mask) : Vector512.Load(bp + 224)), y14);
            }
            if (vectors > 15)
            {
                y15 = Avx512F.FusedMultiplyAdd(x, (vectors == 16 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 240, mask) : Vector512.Load(bp + 240)), y15);
            }

            ap += stepK;
            bp += ldb;
        }

        if (vectors == 1 && TColumns.Masked)
        {
            Avx512F.MaskStore(c0 + 0, mask, y0);
        }
        else
        {
            y0.Store(c0 + 0);
        }
        if (vectors > 1)
        {
            if (vectors == 2 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 16, mask, y1);
            }
            else
            {
                y1.Store(c0 + 16);
            }
        }
        if (vectors > 2)
        {
            if (vectors == 3 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 32, mask, y2);
            }
            else
            {
                y2.Store(c0 + 32);
            }
        }
        if (vectors > 3)
        {
            if (vectors == 4 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 48, mask, y3);
            }
            else
            {
                y3.Store(c0 + 48);
            }
        }
        if (vectors > 4)
        {
            if (vectors == 5 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 64, mask, y4);
            }
            else
            {
                y4.Store(c0 + 64);
            }
        }
        if (vectors > 5)
        {
            if (vectors == 6 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 80, mask, y5);
            }
            else
            {
                y5.Store(c0 + 80);
            }
        }
        if (vectors > 6)
        {
            if (vectors == 7 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 96, mask, y6);
            }
            else
            {
                y6.Store(c0 + 96);
            }
        }
        if (vectors > 7)
        {
            if (vectors == 8 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 112, mask, y7);
            }
            else
            {
                y7.Store(c0 + 112);
            }
        }
        if (vectors > 8)
        {
            if (vectors == 9 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 128, mask, y8);
            }
            else
            {
                y8.Store(c0 + 128);
            }
        }
        if (vectors > 9)
        {
            if (vectors == 10 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 144, mask, y9);
            }
            else
            {
                y9.Store(c0 + 144);
            }
        }
        if (vectors > 10)
        {
            if (vectors == 11 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 160, mask, y10);
            }
            else
            {
                y10.Store(c0 + 160);
            }
        }
        if (vectors > 11)
        {
            if (vectors == 12 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 176, mask, y11);
            }
            else
            {
                y11.Store(c0 + 176);
            }
        }
        if (vectors > 12)
        {
            if (vectors == 13 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 192, mask, y12);
            }
            else
            {
                y12.Store(c0 + 192);
            }
        }
        if (vectors > 13)
        {
            if (vectors == 14 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 208, mask, y13);
            }
            else
            {
                y13.Store(c0 + 208);
            }
        }
        if (vectors > 14)
        {
            if (vectors == 15 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 224, mask, y14);
            }
            else
            {
                y14.Store(c0 + 224);
            }
        }
        if (vectors > 15)
        {
            if (vectors == 16 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 240, mask, y15);
            }
            else
            {
                y15.Store(c0 + 240);
            }
        }
    }

    /// <summary>GemvPanelAvx512 from column j for a panel of 1..16 vectors.</summary>
    private readonly unsafe struct GemvPanelAvx512Call<TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask) : ICountedCall
        where TColumns : struct, IColumnMask
    {
        public static int MaxCount => 16;

        public void Invoke<TVectors>()
            where TVectors : struct, ICount => GemvPanelAvx512<TVectors, TColumns>(s, a, b, c, j, mask);
    }
}
