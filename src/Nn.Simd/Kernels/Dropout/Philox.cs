// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC 2011), as in Random123's philox.h: a 128-bit counter
// (c0, c1, c2, c3) and a 64-bit key (k0, k1) give four 32-bit words after ten rounds of
//
//   (hi₀, lo₀) = M₀·c0,  (hi₁, lo₁) = M₁·c2          32×32 → 64-bit products
//   (c0, c1, c2, c3) ← (hi₁ ⊕ c1 ⊕ k0, lo₁, hi₀ ⊕ c3 ⊕ k1, lo₀)
//   (k0, k1) ← (k0 + W₀, k1 + W₁)                     between rounds
//
// with M₀ = 0xD2511F53, M₁ = 0xCD9E8D57, W₀ = 0x9E3779B9, W₁ = 0xBB67AE85. Integer operations
// only, so every path gives the same words. The vector forms run one counter per lane in
// structure-of-arrays form: X0 holds the lanes' c0, X1 their c1, and so on.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>Philox4x32-10 in scalar, NEON, AVX2 and AVX-512 forms.</summary>
internal static class Philox
{
    public const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    public const int Rounds = 10;

    /// <summary>The four words of counter (c0, c1, c2, c3) under key (k0, k1).</summary>
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < Rounds; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            (c0, c1, c2, c3) = ((uint)(p1 >> 32) ^ c1 ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c3 ^ k1, (uint)p0);
            k0 += W0;
            k1 += W1;
        }

        return (c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref Vector128<uint> x0, ref Vector128<uint> x1, ref Vector128<uint> x2, ref Vector128<uint> x3, uint k0, uint k1)
    {
        Vector128<uint> m0 = Vector128.Create(M0), m1 = Vector128.Create(M1);
        for (int round = 0; round < Rounds; round++)
        {
            Vector128<uint> hi0 = MultiplyHigh(x0, m0), hi1 = MultiplyHigh(x2, m1);
            Vector128<uint> lo0 = x0 * m0, lo1 = x2 * m1;
            x0 = hi1 ^ x1 ^ Vector128.Create(k0);
            x2 = hi0 ^ x3 ^ Vector128.Create(k1);
            x1 = lo1;
            x3 = lo0;
            k0 += W0;
            k1 += W1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref Vector256<uint> x0, ref Vector256<uint> x1, ref Vector256<uint> x2, ref Vector256<uint> x3, uint k0, uint k1)
    {
        Vector256<uint> m0 = Vector256.Create(M0), m1 = Vector256.Create(M1);
        for (int round = 0; round < Rounds; round++)
        {
            Vector256<uint> hi0 = MultiplyHigh(x0, m0), hi1 = MultiplyHigh(x2, m1);
            Vector256<uint> lo0 = Avx2.MultiplyLow(x0, m0), lo1 = Avx2.MultiplyLow(x2, m1);
            x0 = hi1 ^ x1 ^ Vector256.Create(k0);
            x2 = hi0 ^ x3 ^ Vector256.Create(k1);
            x1 = lo1;
            x3 = lo0;
            k0 += W0;
            k1 += W1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref Vector512<uint> x0, ref Vector512<uint> x1, ref Vector512<uint> x2, ref Vector512<uint> x3, uint k0, uint k1)
    {
        Vector512<uint> m0 = Vector512.Create(M0), m1 = Vector512.Create(M1);
        for (int round = 0; round < Rounds; round++)
        {
            Vector512<uint> hi0 = MultiplyHigh(x0, m0), hi1 = MultiplyHigh(x2, m1);
            Vector512<uint> lo0 = Avx512F.MultiplyLow(x0, m0), lo1 = Avx512F.MultiplyLow(x2, m1);
            x0 = hi1 ^ x1 ^ Vector512.Create(k0);
            x2 = hi0 ^ x3 ^ Vector512.Create(k1);
            x1 = lo1;
            x3 = lo0;
            k0 += W0;
            k1 += W1;
        }
    }

    /// <summary>The high halves of the lanes' 32×32-bit products: UMULL/UMULL2 then the odd words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> MultiplyHigh(Vector128<uint> x, Vector128<uint> m) =>
        AdvSimd.Arm64.UnzipOdd(
            AdvSimd.MultiplyWideningLower(x.GetLower(), m.GetLower()).AsUInt32(),
            AdvSimd.MultiplyWideningUpper(x, m).AsUInt32());

    /// <summary>The high halves of the lanes' 32×32-bit products: VPMULUDQ on the even and on the odd lanes, merged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> MultiplyHigh(Vector256<uint> x, Vector256<uint> m)
    {
        Vector256<ulong> even = Avx2.Multiply(x, m);
        Vector256<ulong> odd = Avx2.Multiply(Avx2.ShiftRightLogical(x.AsUInt64(), 32).AsUInt32(), m);
        return (Avx2.ShiftRightLogical(even, 32) | (odd & Vector256.Create(0xFFFF_FFFF_0000_0000UL))).AsUInt32();
    }

    /// <summary>The high halves of the lanes' 32×32-bit products: VPMULUDQ on the even and on the odd lanes, merged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> MultiplyHigh(Vector512<uint> x, Vector512<uint> m)
    {
        Vector512<ulong> even = Avx512F.Multiply(x, m);
        Vector512<ulong> odd = Avx512F.Multiply(Avx512F.ShiftRightLogical(x.AsUInt64(), 32).AsUInt32(), m);
        return (Avx512F.ShiftRightLogical(even, 32) | (odd & Vector512.Create(0xFFFF_FFFF_0000_0000UL))).AsUInt32();
    }
}
