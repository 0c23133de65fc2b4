// AVX-512 (BW) body of the int8 GEMM, S[m, r] = Σ_c x[m, c]·q[r, c], tile 4 rows × 1 sample, for
// CPUs whose runtime exposes no VNNI (.NET 10 exposes no 512-bit VNNI; where AVX-VNNI is there the
// 256-bit vpdpbusd body in Int8Gemm.Avx2.cs runs instead).
//
// 32 columns a step: x and the 4 rows of q sign-extended to int16 (vpmovsxbw zmm, 32 bytes),
// vpmaddwd multiplies and adds adjacent pairs into int32 exactly (|x·q| ≤ 2¹⁴), vpaddd accumulates.
// Registers (32 zmm): a0..a3 = one accumulator per row, x = the widened input, one widened row.
// The 512-bit accumulators are folded to 256 bits (lower + upper half) and reduced as in the AVX2 body.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Int8GemmAvx512(in Int8Operands o) => Int8Blocks(o, default(Int8TileAvx512));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Fold(Vector512<int> a) => Avx2.Add(a.GetLower(), a.GetUpper());

    /// <summary>The 4 × 1 vpmaddwd tile on 512-bit int16.</summary>
    private readonly struct Int8TileAvx512 : IInt8Tile
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Run(in Int8Operands o, nuint m, nuint r, sbyte* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3)
        {
            Vector512<int> a0 = Vector512<int>.Zero, a1 = Vector512<int>.Zero, a2 = Vector512<int>.Zero, a3 = Vector512<int>.Zero;
            for (nuint c = 0; c < o.Depth; c += 32)
            {
                Vector512<short> xv = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(x + c));
                a0 = Avx512F.Add(a0, Avx512BW.MultiplyAddAdjacent(xv, Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(q0 + c))));
                a1 = Avx512F.Add(a1, Avx512BW.MultiplyAddAdjacent(xv, Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(q1 + c))));
                a2 = Avx512F.Add(a2, Avx512BW.MultiplyAddAdjacent(xv, Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(q2 + c))));
                a3 = Avx512F.Add(a3, Avx512BW.MultiplyAddAdjacent(xv, Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(q3 + c))));
            }

            o.Store(m, r, ReduceFour(Fold(a0), Fold(a1), Fold(a2), Fold(a3)));
        }
    }
}
