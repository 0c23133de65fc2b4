// The AVX2 + FMA bodies of the matrix-vector kernels (formulas and the bit-for-bit argument: MatVec.cs).
//
//   MatVec             two rows at a time so each load of x serves both: 2 × 4 accumulators (the
//                      32-lane structure of Reductions.cs, A0 = L[0..7], …) + 4 x registers. Tail:
//                      whole vectors continue the lane pattern, the last partial vector is a masked
//                      load padded with W = −0, x = +0 (product −0: no lane changes); an odd last row
//                      is one DotAvx2.
//   MatVecTransposed   one column per lane, in increasing r: 32 columns a block in 4 accumulators
//                      held across all rows, then 8 at a time; the last 0..7 columns by the scalar
//                      column loop (an accumulating kernel: no overlapping last vector).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatVecAvx2(ref float w, nuint rows, nuint columns, ref float x, ref float bias, ref float y)
    {
        nuint r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            ref float w0 = ref Unsafe.Add(ref w, r * columns);
            ref float w1 = ref Unsafe.Add(ref w0, columns);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            nuint k = 0;
            for (; k + ReductionLanes <= columns; k += ReductionLanes)
            {
                Vector256<float> x0 = Vector256.LoadUnsafe(ref x, k);
                Vector256<float> x1 = Vector256.LoadUnsafe(ref x, k + 8);
                Vector256<float> x2 = Vector256.LoadUnsafe(ref x, k + 16);
                Vector256<float> x3 = Vector256.LoadUnsafe(ref x, k + 24);
                a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k), x0, a0);
                b0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k), x0, b0);
                a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k + 8), x1, a1);
                b1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k + 8), x1, b1);
                a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k + 16), x2, a2);
                b2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k + 16), x2, b2);
                a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k + 24), x3, a3);
                b3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k + 24), x3, b3);
            }

            // The two rows end together, sharing each x load, so that no accumulator has to live
            // across the other row's tail: the register allocator would otherwise spill the second
            // row's accumulators inside the main loop. (Three rows, 12 accumulators, spill too.)
            nuint rest = columns - k;
            if (rest >= 8)
            {
                Vector256<float> xv = Vector256.LoadUnsafe(ref x, k);
                a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k), xv, a0);
                b0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k), xv, b0);
                if (rest >= 16)
                {
                    xv = Vector256.LoadUnsafe(ref x, k + 8);
                    a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k + 8), xv, a1);
                    b1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k + 8), xv, b1);
                    if (rest >= 24)
                    {
                        xv = Vector256.LoadUnsafe(ref x, k + 16);
                        a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w0, k + 16), xv, a2);
                        b2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w1, k + 16), xv, b2);
                    }
                }
            }

            nuint partial = rest & 7;
            if (partial != 0)
            {
                nuint at = k + (rest & ~(nuint)7);
                Vector256<float> xv = LoadPaddedAvx2(ref x, at, partial, 0f);
                Vector256<float> pw0 = LoadPaddedAvx2(ref w0, at, partial, -0f);
                Vector256<float> pw1 = LoadPaddedAvx2(ref w1, at, partial, -0f);
                switch (rest >> 3)
                {
                    case 0:
                        a0 = Fma.MultiplyAdd(pw0, xv, a0);
                        b0 = Fma.MultiplyAdd(pw1, xv, b0);
                        break;
                    case 1:
                        a1 = Fma.MultiplyAdd(pw0, xv, a1);
                        b1 = Fma.MultiplyAdd(pw1, xv, b1);
                        break;
                    case 2:
                        a2 = Fma.MultiplyAdd(pw0, xv, a2);
                        b2 = Fma.MultiplyAdd(pw1, xv, b2);
                        break;
                    default:
                        a3 = Fma.MultiplyAdd(pw0, xv, a3);
                        b3 = Fma.MultiplyAdd(pw1, xv, b3);
                        break;
                }
            }

            Unsafe.Add(ref y, r) = HorizontalSumAvx2(Avx.Add(Avx.Add(a0, a1), Avx.Add(a2, a3))) + Unsafe.Add(ref bias, r);
            Unsafe.Add(ref y, r + 1) = HorizontalSumAvx2(Avx.Add(Avx.Add(b0, b1), Avx.Add(b2, b3))) + Unsafe.Add(ref bias, r + 1);
        }

        if (r < rows)
        {
            Unsafe.Add(ref y, r) = DotAvx2(ref Unsafe.Add(ref w, r * columns), ref x, columns) + Unsafe.Add(ref bias, r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatVecTransposedAvx2(ref float w, nuint rows, nuint columns, ref float d, ref float derivative, bool hadamard, ref float y)
    {
        nuint c = 0;
        for (; c + 32 <= columns; c += 32)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            ref float block = ref Unsafe.Add(ref w, c);
            for (nuint r = 0; r < rows; r++)
            {
                ref float row = ref Unsafe.Add(ref block, r * columns);
                Vector256<float> dr = Vector256.Create(Unsafe.Add(ref d, r));
                a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref row), dr, a0);
                a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref row, 8), dr, a1);
                a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref row, 16), dr, a2);
                a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref row, 24), dr, a3);
            }

            if (hadamard)
            {
                a0 = Avx.Multiply(a0, Vector256.LoadUnsafe(ref derivative, c));
                a1 = Avx.Multiply(a1, Vector256.LoadUnsafe(ref derivative, c + 8));
                a2 = Avx.Multiply(a2, Vector256.LoadUnsafe(ref derivative, c + 16));
                a3 = Avx.Multiply(a3, Vector256.LoadUnsafe(ref derivative, c + 24));
            }

            a0.StoreUnsafe(ref y, c);
            a1.StoreUnsafe(ref y, c + 8);
            a2.StoreUnsafe(ref y, c + 16);
            a3.StoreUnsafe(ref y, c + 24);
        }

        for (; c + 8 <= columns; c += 8)
        {
            Vector256<float> a = default;
            for (nuint r = 0; r < rows; r++)
            {
                a = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref w, (r * columns) + c), Vector256.Create(Unsafe.Add(ref d, r)), a);
            }

            if (hadamard)
            {
                a = Avx.Multiply(a, Vector256.LoadUnsafe(ref derivative, c));
            }

            a.StoreUnsafe(ref y, c);
        }

        MatVecTransposedScalar(ref w, rows, columns, ref d, ref derivative, hadamard, ref y, c);
    }
}
