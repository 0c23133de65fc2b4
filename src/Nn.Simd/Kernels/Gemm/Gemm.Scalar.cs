// Gemm's scalar oracle: C[i, j] = fma(op(A)[i, p], B[p, j], C[i, j]) for p = 0 … K−1, from C[i, j]
// or +0 — the definition every vector path reproduces bit for bit. No tile: row by row, p outer,
// j inner, so each element still sees its terms in increasing p. The j loop takes four columns an
// iteration (then the last 0..3 one by one): with one, its speed depended on where the JIT placed
// the loop — 10×100×784 took 197 or 236 µs in separate processes on the Zen 5-class EPYC, the same
// bytes — while four ran at 194–202 µs in every process. Unrolling over j changes no element's chain.
using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// Columns [<paramref name="firstColumn"/>, N) of every row: the oracle for the whole matrix,
    /// and the vector paths' column tail. Row by row, p outer, j
    /// inner: each C[i, j] still sees its terms in increasing p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmScalarColumns(GemmShape s, float* a, float* b, float* c, nuint firstColumn)
    {
        for (nuint i = 0; i < s.M; i++)
        {
            float* row = c + (i * s.Ldc);
            if (!s.Accumulate)
            {
                for (nuint j = firstColumn; j < s.N; j++)
                {
                    row[j] = 0f;
                }
            }

            for (nuint p = 0; p < s.K; p++)
            {
                float aip = a[s.AIndex(i, p)];
                float* bRow = b + (p * s.Ldb);
                nuint j = firstColumn;
                for (; j + 4 <= s.N; j += 4)
                {
                    row[j] = MathF.FusedMultiplyAdd(aip, bRow[j], row[j]);
                    row[j + 1] = MathF.FusedMultiplyAdd(aip, bRow[j + 1], row[j + 1]);
                    row[j + 2] = MathF.FusedMultiplyAdd(aip, bRow[j + 2], row[j + 2]);
                    row[j + 3] = MathF.FusedMultiplyAdd(aip, bRow[j + 3], row[j + 3]);
                }

                for (; j < s.N; j++)
                {
                    row[j] = MathF.FusedMultiplyAdd(aip, bRow[j], row[j]);
                }
            }
        }
    }
}
