// AVX2 + FMA micro-kernels 6×8 and 1×8: C[i.., j..j+7] += op(A)[i.., p]·B[p, j..j+7] — the last
// 8..15 columns past the 6×16 panels, and, masked, the last 1..7.
//
// Registers: C00..C50 = 6 accumulators (one 8-float vector per row), B0 = B's row p, one broadcast
// of op(A)[i + r, p]; the masked forms add the tail mask. Per p: 1 load of B, 6 broadcasts, 6 FMAs.
// Tail: masked loads and stores (vmaskmovps) touch only the 1..7 columns, so every element keeps
// its one fma chain in a vector register instead of the scalar loop. The 1..5 rows below the
// 6-row tiles run one row at a time in the 1×8 forms.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm6x8Avx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZero(s, c0), c10 = LoadOrZero(s, c0 + ldc), c20 = LoadOrZero(s, c0 + 2 * ldc);
        Vector256<float> c30 = LoadOrZero(s, c0 + 3 * ldc), c40 = LoadOrZero(s, c0 + 4 * ldc), c50 = LoadOrZero(s, c0 + 5 * ldc);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), b0, c00);
            c10 = Fma.MultiplyAdd(Vector256.Create(ap[stepM]), b0, c10);
            c20 = Fma.MultiplyAdd(Vector256.Create(ap[2 * stepM]), b0, c20);
            c30 = Fma.MultiplyAdd(Vector256.Create(ap[3 * stepM]), b0, c30);
            c40 = Fma.MultiplyAdd(Vector256.Create(ap[4 * stepM]), b0, c40);
            c50 = Fma.MultiplyAdd(Vector256.Create(ap[5 * stepM]), b0, c50);
            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c10.Store(c0 + ldc);
        c20.Store(c0 + 2 * ldc);
        c30.Store(c0 + 3 * ldc);
        c40.Store(c0 + 4 * ldc);
        c50.Store(c0 + 5 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x8Avx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector256<float> c00 = LoadOrZero(s, c0);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), Vector256.Load(bp), c00);
            ap += s.AStepK;
            bp += s.Ldb;
        }

        c00.Store(c0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm6x8MaskedAvx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector256<float> mask)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZeroMasked(s, c0, mask), c10 = LoadOrZeroMasked(s, c0 + ldc, mask), c20 = LoadOrZeroMasked(s, c0 + (2 * ldc), mask);
        Vector256<float> c30 = LoadOrZeroMasked(s, c0 + (3 * ldc), mask), c40 = LoadOrZeroMasked(s, c0 + (4 * ldc), mask), c50 = LoadOrZeroMasked(s, c0 + (5 * ldc), mask);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Avx.MaskLoad(bp, mask);
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), b0, c00);
            c10 = Fma.MultiplyAdd(Vector256.Create(ap[stepM]), b0, c10);
            c20 = Fma.MultiplyAdd(Vector256.Create(ap[2 * stepM]), b0, c20);
            c30 = Fma.MultiplyAdd(Vector256.Create(ap[3 * stepM]), b0, c30);
            c40 = Fma.MultiplyAdd(Vector256.Create(ap[4 * stepM]), b0, c40);
            c50 = Fma.MultiplyAdd(Vector256.Create(ap[5 * stepM]), b0, c50);
            ap += stepK;
            bp += ldb;
        }

        Avx.MaskStore(c0, mask, c00);
        Avx.MaskStore(c0 + ldc, mask, c10);
        Avx.MaskStore(c0 + (2 * ldc), mask, c20);
        Avx.MaskStore(c0 + (3 * ldc), mask, c30);
        Avx.MaskStore(c0 + (4 * ldc), mask, c40);
        Avx.MaskStore(c0 + (5 * ldc), mask, c50);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x8MaskedAvx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector256<float> mask)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector256<float> c00 = LoadOrZeroMasked(s, c0, mask);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), Avx.MaskLoad(bp, mask), c00);
            ap += s.AStepK;
            bp += s.Ldb;
        }

        Avx.MaskStore(c0, mask, c00);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> LoadOrZeroMasked(GemmShape s, float* c, Vector256<float> mask) =>
        s.Accumulate ? Avx.MaskLoad(c, mask) : Vector256<float>.Zero;
}
