// ARM64 NEON micro-kernels 4×8 and 1×4: C[i.., j..] += op(A)[i.., p]·B[p, j..], p = 0 … K−1.
//
// 4×8 registers (32 of 128 bits): c00..c31 = 8 accumulators (4 rows × two 4-float vectors), b0, b1
// = B's row p, x = the broadcast of op(A)[i + r, p]. Per p: 2 loads of B, 4 broadcasts, 8 FMAs
// (AdvSimd.FusedMultiplyAdd(addend, l, r): the same single rounding as the scalar fma). The 1×4
// takes the last 4..7 columns of the 4-row tiles, one row at a time; the last 1..3 columns are the
// scalar oracle's.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm4x8AdvSimd(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector128<float> c00 = LoadOrZero128(s, c0), c01 = LoadOrZero128(s, c0 + 4);
        Vector128<float> c10 = LoadOrZero128(s, c0 + ldc), c11 = LoadOrZero128(s, c0 + ldc + 4);
        Vector128<float> c20 = LoadOrZero128(s, c0 + 2 * ldc), c21 = LoadOrZero128(s, c0 + (2 * ldc) + 4);
        Vector128<float> c30 = LoadOrZero128(s, c0 + 3 * ldc), c31 = LoadOrZero128(s, c0 + (3 * ldc) + 4);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector128<float> b0 = Vector128.Load(bp);
            Vector128<float> b1 = Vector128.Load(bp + 4);
            Vector128<float> x = Vector128.Create(*ap);
            c00 = AdvSimd.FusedMultiplyAdd(c00, x, b0);
            c01 = AdvSimd.FusedMultiplyAdd(c01, x, b1);
            x = Vector128.Create(ap[stepM]);
            c10 = AdvSimd.FusedMultiplyAdd(c10, x, b0);
            c11 = AdvSimd.FusedMultiplyAdd(c11, x, b1);
            x = Vector128.Create(ap[2 * stepM]);
            c20 = AdvSimd.FusedMultiplyAdd(c20, x, b0);
            c21 = AdvSimd.FusedMultiplyAdd(c21, x, b1);
            x = Vector128.Create(ap[3 * stepM]);
            c30 = AdvSimd.FusedMultiplyAdd(c30, x, b0);
            c31 = AdvSimd.FusedMultiplyAdd(c31, x, b1);
            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c01.Store(c0 + 4);
        c10.Store(c0 + ldc);
        c11.Store(c0 + ldc + 4);
        c20.Store(c0 + 2 * ldc);
        c21.Store(c0 + (2 * ldc) + 4);
        c30.Store(c0 + 3 * ldc);
        c31.Store(c0 + (3 * ldc) + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x4AdvSimd(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector128<float> c00 = LoadOrZero128(s, c0);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = AdvSimd.FusedMultiplyAdd(c00, Vector128.Create(*ap), Vector128.Load(bp));
            ap += s.AStepK;
            bp += s.Ldb;
        }

        c00.Store(c0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> LoadOrZero128(GemmShape s, float* c) =>
        s.Accumulate ? Vector128.Load(c) : Vector128<float>.Zero;
}
