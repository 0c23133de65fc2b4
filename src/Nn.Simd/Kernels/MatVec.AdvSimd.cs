// The ARM64 NEON bodies of the matrix-vector kernels (formulas and the bit-for-bit argument: MatVec.cs).
//
//   MatVec             two rows at a time so each load of x serves both: 2 × 8 accumulators (the
//                      32-lane structure of Reductions.cs, V0 = L[0..3], …) + 8 x loads of the 32
//                      registers. Tail: FinishDotAdvSimd, whole vectors continuing the lane pattern
//                      and the last partial vector padded with W = −0, x = +0; an odd last row is
//                      one DotAdvSimd.
//   MatVecTransposed   one column per lane, in increasing r: 16 columns a block in 4 accumulators
//                      held across all rows, then 4 at a time; the last 0..3 columns by the scalar
//                      column loop (an accumulating kernel: no overlapping last vector).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatVecAdvSimd(ref float w, nuint rows, nuint columns, ref float x, ref float bias, ref float y)
    {
        Span<Vector128<float>> acc0 = stackalloc Vector128<float>[8];
        Span<Vector128<float>> acc1 = stackalloc Vector128<float>[8];
        nuint r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            ref float w0 = ref Unsafe.Add(ref w, r * columns);
            ref float w1 = ref Unsafe.Add(ref w0, columns);
            acc0.Clear();
            acc1.Clear();
            nuint k = 0;
            for (; k + ReductionLanes <= columns; k += ReductionLanes)
            {
                for (int v = 0; v < 8; v++)
                {
                    nuint at = k + (nuint)(4 * v);
                    Vector128<float> xv = Vector128.LoadUnsafe(ref x, at);
                    acc0[v] = AdvSimd.FusedMultiplyAdd(acc0[v], Vector128.LoadUnsafe(ref w0, at), xv);
                    acc1[v] = AdvSimd.FusedMultiplyAdd(acc1[v], Vector128.LoadUnsafe(ref w1, at), xv);
                }
            }

            Unsafe.Add(ref y, r) = FinishDotAdvSimd(acc0, ref w0, ref x, k, columns) + Unsafe.Add(ref bias, r);
            Unsafe.Add(ref y, r + 1) = FinishDotAdvSimd(acc1, ref w1, ref x, k, columns) + Unsafe.Add(ref bias, r + 1);
        }

        if (r < rows)
        {
            Unsafe.Add(ref y, r) = DotAdvSimd(ref Unsafe.Add(ref w, r * columns), ref x, columns) + Unsafe.Add(ref bias, r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatVecTransposedAdvSimd(ref float w, nuint rows, nuint columns, ref float d, ref float derivative, bool hadamard, ref float y)
    {
        nuint c = 0;
        for (; c + 16 <= columns; c += 16)
        {
            Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
            ref float block = ref Unsafe.Add(ref w, c);
            for (nuint r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref block, r * columns);
                Vector128<float> dr = Vector128.Create(Unsafe.Add(ref d, r));
                a0 = AdvSimd.FusedMultiplyAdd(a0, Vector128.LoadUnsafe(ref row), dr);
                a1 = AdvSimd.FusedMultiplyAdd(a1, Vector128.LoadUnsafe(ref row, 4), dr);
                a2 = AdvSimd.FusedMultiplyAdd(a2, Vector128.LoadUnsafe(ref row, 8), dr);
                a3 = AdvSimd.FusedMultiplyAdd(a3, Vector128.LoadUnsafe(ref row, 12), dr);
            }

            if (hadamard)
            {
                a0 = AdvSimd.Multiply(a0, Vector128.LoadUnsafe(ref derivative, c));
                a1 = AdvSimd.Multiply(a1, Vector128.LoadUnsafe(ref derivative, c + 4));
                a2 = AdvSimd.Multiply(a2, Vector128.LoadUnsafe(ref derivative, c + 8));
                a3 = AdvSimd.Multiply(a3, Vector128.LoadUnsafe(ref derivative, c + 12));
            }

            a0.StoreUnsafe(ref y, c);
            a1.StoreUnsafe(ref y, c + 4);
            a2.StoreUnsafe(ref y, c + 8);
            a3.StoreUnsafe(ref y, c + 12);
        }

        for (; c + 4 <= columns; c += 4)
        {
            Vector128<float> a = default;
            for (nuint r = 0; r < rows; r++)
            {
                a = AdvSimd.FusedMultiplyAdd(a, Vector128.LoadUnsafe(ref w, (r * columns) + c), Vector128.Create(Unsafe.Add(ref d, r)));
            }

            if (hadamard)
            {
                a = AdvSimd.Multiply(a, Vector128.LoadUnsafe(ref derivative, c));
            }

            a.StoreUnsafe(ref y, c);
        }

        MatVecTransposedScalar(ref w, rows, columns, ref d, ref derivative, hadamard, ref y, c);
    }
}
