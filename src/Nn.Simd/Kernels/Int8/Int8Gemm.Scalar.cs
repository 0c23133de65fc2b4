// The scalar oracle of the int8 GEMM: S[m, r] = Σ_c x[m, c]·q[r, c] over c < Depth (K rounded up to
// 32; the matrix's padding is zero, so the extra terms are 0), in int32, for each sample and row.
// Integer sums are exact, so this is the reference every vector body must equal.
using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Int8GemmScalar(in Int8Operands o)
    {
        for (nuint m = 0; m < o.Count; m++)
        {
            sbyte* x = o.X + (m * o.Stride);
            for (nuint r = 0; r < o.Rows; r++)
            {
                sbyte* q = o.W + (r * o.Stride);
                int sum = 0;
                for (nuint c = 0; c < o.Depth; c++)
                {
                    sum += x[c] * q[c];
                }

                o.Sums[(m * o.Rows) + r] = sum;
            }
        }
    }
}
