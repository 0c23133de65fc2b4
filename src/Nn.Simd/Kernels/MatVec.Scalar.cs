// The scalar oracle of the matrix-vector kernels (formulas and the bit-for-bit argument: MatVec.cs).
//
//   MatVec             y_r = DotScalar(W_r, x) + b_r: the 32-lane structure of Reductions.cs in a
//                      32-float tile, then one addition of b_r.
//   MatVecTransposed   y_c = Σ_r W[r, c]·d_r, one fma per term in increasing r from +0, one column
//                      at a time (then · s_c for the Hadamard form). From a first column on, it also
//                      finishes the vector paths' last columns, so no tail is special-cased.
using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MatVecScalar(ref float w, nuint rows, nuint columns, ref float x, ref float bias, ref float y)
    {
        for (nuint r = 0; r < rows; r++)
        {
            Unsafe.Add(ref y, r) = DotScalar(ref Unsafe.Add(ref w, r * columns), ref x, columns) + Unsafe.Add(ref bias, r);
        }
    }

    /// <summary>Columns from <paramref name="firstColumn"/> on, one at a time; also the vector paths' tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MatVecTransposedScalar(ref float w, nuint rows, nuint columns, ref float d, ref float derivative, bool hadamard, ref float y, nuint firstColumn)
    {
        for (nuint c = firstColumn; c < columns; c++)
        {
            float sum = 0f;
            for (nuint r = 0; r < rows; r++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref w, (r * columns) + c), Unsafe.Add(ref d, r), sum);
            }

            Unsafe.Add(ref y, c) = hadamard ? sum * Unsafe.Add(ref derivative, c) : sum;
        }
    }
}
