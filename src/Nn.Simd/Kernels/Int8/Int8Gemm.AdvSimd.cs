// ARM64 NEON bodies of the int8 GEMM, S[m, r] = Σ_c x[m, c]·q[r, c], tile 4 rows × 1 sample.
//
// Int8GemmSdotAdvSimd (sdot, the dot-product extension): 16 columns a step, each int32 lane adds
// the 4 products of its bytes, exactly. Two steps an iteration into two sets of accumulators
// (a0..a3, b0..b3) so that eight chains cover sdot's latency.
// Int8GemmAdvSimd (base NEON): smull / smull2 multiply the low and high 8 bytes into int16 exactly
// (|x·q| ≤ 2¹⁴), sadalp adds adjacent int16 pairs into the int32 accumulators.
// Registers (32 q): 8 accumulators, x, 4 rows of q, the int16 products.
// Reduction: addp(addp(a0, a1), addp(a2, a3)) = [Σa0, Σa1, Σa2, Σa3].
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Int8GemmSdotAdvSimd(in Int8Operands o) => Int8Blocks(o, default(Int8TileSdotAdvSimd));

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Int8GemmAdvSimd(in Int8Operands o) => Int8Blocks(o, default(Int8TileAdvSimd));

    /// <summary>a + the 16 products x·q, each int16 pair added into one int32 lane (smull, smull2, sadalp ×2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> MultiplyAccumulatePairs(Vector128<int> a, Vector128<sbyte> x, Vector128<sbyte> q)
    {
        a = AdvSimd.AddPairwiseWideningAndAdd(a, AdvSimd.MultiplyWideningLower(x.GetLower(), q.GetLower()));
        return AdvSimd.AddPairwiseWideningAndAdd(a, AdvSimd.MultiplyWideningUpper(x, q));
    }

    /// <summary>Stores [Σa0, Σa1, Σa2, Σa3] as rows r..r+3 of sample m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreInt8Sums(in Int8Operands o, nuint m, nuint r, Vector128<int> a0, Vector128<int> a1, Vector128<int> a2, Vector128<int> a3) =>
        o.Store(m, r, AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a0, a1), AdvSimd.Arm64.AddPairwise(a2, a3)));

    /// <summary>The 4 × 1 sdot tile, two steps an iteration.</summary>
    private readonly struct Int8TileSdotAdvSimd : IInt8Tile
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Run(in Int8Operands o, nuint m, nuint r, sbyte* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3)
        {
            Vector128<int> a0 = Vector128<int>.Zero, a1 = Vector128<int>.Zero, a2 = Vector128<int>.Zero, a3 = Vector128<int>.Zero;
            Vector128<int> b0 = Vector128<int>.Zero, b1 = Vector128<int>.Zero, b2 = Vector128<int>.Zero, b3 = Vector128<int>.Zero;
            for (nuint c = 0; c < o.Depth; c += 32)
            {
                Vector128<sbyte> xv = AdvSimd.LoadVector128(x + c);
                a0 = Dp.DotProduct(a0, xv, AdvSimd.LoadVector128(q0 + c));
                a1 = Dp.DotProduct(a1, xv, AdvSimd.LoadVector128(q1 + c));
                a2 = Dp.DotProduct(a2, xv, AdvSimd.LoadVector128(q2 + c));
                a3 = Dp.DotProduct(a3, xv, AdvSimd.LoadVector128(q3 + c));
                xv = AdvSimd.LoadVector128(x + c + 16);
                b0 = Dp.DotProduct(b0, xv, AdvSimd.LoadVector128(q0 + c + 16));
                b1 = Dp.DotProduct(b1, xv, AdvSimd.LoadVector128(q1 + c + 16));
                b2 = Dp.DotProduct(b2, xv, AdvSimd.LoadVector128(q2 + c + 16));
                b3 = Dp.DotProduct(b3, xv, AdvSimd.LoadVector128(q3 + c + 16));
            }

            StoreInt8Sums(o, m, r, AdvSimd.Add(a0, b0), AdvSimd.Add(a1, b1), AdvSimd.Add(a2, b2), AdvSimd.Add(a3, b3));
        }
    }

    /// <summary>The 4 × 1 smull/sadalp tile.</summary>
    private readonly struct Int8TileAdvSimd : IInt8Tile
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Run(in Int8Operands o, nuint m, nuint r, sbyte* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3)
        {
            Vector128<int> a0 = Vector128<int>.Zero, a1 = Vector128<int>.Zero, a2 = Vector128<int>.Zero, a3 = Vector128<int>.Zero;
            for (nuint c = 0; c < o.Depth; c += 16)
            {
                Vector128<sbyte> xv = AdvSimd.LoadVector128(x + c);
                a0 = MultiplyAccumulatePairs(a0, xv, AdvSimd.LoadVector128(q0 + c));
                a1 = MultiplyAccumulatePairs(a1, xv, AdvSimd.LoadVector128(q1 + c));
                a2 = MultiplyAccumulatePairs(a2, xv, AdvSimd.LoadVector128(q2 + c));
                a3 = MultiplyAccumulatePairs(a3, xv, AdvSimd.LoadVector128(q3 + c));
            }

            StoreInt8Sums(o, m, r, a0, a1, a2, a3);
        }
    }
}
