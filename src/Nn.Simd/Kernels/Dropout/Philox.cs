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

    /// <summary>
    /// Two groups of sixteen counters (x.X0 and y.X0 one a lane, each with the stream's c1, c2, c3)
    /// under the stream's key: their four words in x.X0 … x.X3 and y.X0 … y.X3. Four sets of eight
    /// in 64-bit lanes, so that each round's products are whole VPMULUDQ results, in flight
    /// together, so that one set's multiplies fill the latency of another's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref Words512 x, ref Words512 y, in PhiloxStream stream)
    {
        Vector512<ulong> a0 = Avx512F.ConvertToVector512UInt64(x.X0.GetLower()), b0 = Avx512F.ConvertToVector512UInt64(x.X0.GetUpper());
        Vector512<ulong> c0 = Avx512F.ConvertToVector512UInt64(y.X0.GetLower()), d0 = Avx512F.ConvertToVector512UInt64(y.X0.GetUpper());
        Vector512<ulong> a1 = Vector512.Create((ulong)stream.C1), a2 = Vector512.Create((ulong)stream.C2), a3 = Vector512.Create((ulong)stream.C3);
        Vector512<ulong> b1 = a1, b2 = a2, b3 = a3, e1 = a1, e2 = a2, e3 = a3, d1 = a1, d2 = a2, d3 = a3;
        uint k0 = stream.K0, k1 = stream.K1;
        for (int round = 0; round < Rounds; round++)
        {
            Vector512<ulong> key0 = Vector512.Create((ulong)k0), key1 = Vector512.Create((ulong)k1);
            Round(ref a0, ref a1, ref a2, ref a3, key0, key1);
            Round(ref b0, ref b1, ref b2, ref b3, key0, key1);
            Round(ref c0, ref e1, ref e2, ref e3, key0, key1);
            Round(ref d0, ref d1, ref d2, ref d3, key0, key1);
            k0 += W0;
            k1 += W1;
        }

        x.X0 = Pack(a0, b0);
        x.X1 = Pack(a1, b1);
        x.X2 = Pack(a2, b2);
        x.X3 = Pack(a3, b3);
        y.X0 = Pack(c0, d0);
        y.X1 = Pack(e1, d1);
        y.X2 = Pack(e2, d2);
        y.X3 = Pack(e3, d3);
    }

    /// <summary>
    /// Two groups of eight counters (x.X0 and y.X0, each with the stream's c1, c2, c3) under its key: four
    /// sets of four counters in 64-bit lanes, in flight together.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(ref Words256 x, ref Words256 y, in PhiloxStream stream)
    {
        Vector256<ulong> a0 = Avx2.ConvertToVector256Int64(x.X0.GetLower()).AsUInt64(), b0 = Avx2.ConvertToVector256Int64(x.X0.GetUpper()).AsUInt64();
        Vector256<ulong> c0 = Avx2.ConvertToVector256Int64(y.X0.GetLower()).AsUInt64(), d0 = Avx2.ConvertToVector256Int64(y.X0.GetUpper()).AsUInt64();
        Vector256<ulong> a1 = Vector256.Create((ulong)stream.C1), a2 = Vector256.Create((ulong)stream.C2), a3 = Vector256.Create((ulong)stream.C3);
        Vector256<ulong> b1 = a1, b2 = a2, b3 = a3, e1 = a1, e2 = a2, e3 = a3, d1 = a1, d2 = a2, d3 = a3;
        uint k0 = stream.K0, k1 = stream.K1;
        for (int round = 0; round < Rounds; round++)
        {
            Vector256<ulong> key0 = Vector256.Create((ulong)k0), key1 = Vector256.Create((ulong)k1);
            Round(ref a0, ref a1, ref a2, ref a3, key0, key1);
            Round(ref b0, ref b1, ref b2, ref b3, key0, key1);
            Round(ref c0, ref e1, ref e2, ref e3, key0, key1);
            Round(ref d0, ref d1, ref d2, ref d3, key0, key1);
            k0 += W0;
            k1 += W1;
        }

        x.X0 = Pack(a0, b0);
        x.X1 = Pack(a1, b1);
        x.X2 = Pack(a2, b2);
        x.X3 = Pack(a3, b3);
        y.X0 = Pack(c0, d0);
        y.X1 = Pack(e1, d1);
        y.X2 = Pack(e2, d2);
        y.X3 = Pack(e3, d3);
    }

    /// <summary>
    /// One round on counters whose words sit in the low halves of 64-bit lanes. VPMULUDQ reads only
    /// those low halves and gives the whole 64-bit product, so a round is two multiplies, two shifts
    /// and four exclusive-ors; the high halves carry garbage that never reaches a low half.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector512<ulong> x0, ref Vector512<ulong> x1, ref Vector512<ulong> x2, ref Vector512<ulong> x3, Vector512<ulong> k0, Vector512<ulong> k1)
    {
        Vector512<ulong> p0 = Avx512F.Multiply(x0.AsUInt32(), Vector512.Create(M0));
        Vector512<ulong> p1 = Avx512F.Multiply(x2.AsUInt32(), Vector512.Create(M1));
        x0 = Avx512F.ShiftRightLogical(p1, 32) ^ x1 ^ k0;
        x2 = Avx512F.ShiftRightLogical(p0, 32) ^ x3 ^ k1;
        x1 = p1;
        x3 = p0;
    }

    /// <summary>The 256-bit form of <see cref="Round(ref Vector512{ulong}, ref Vector512{ulong}, ref Vector512{ulong}, ref Vector512{ulong}, Vector512{ulong}, Vector512{ulong})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector256<ulong> x0, ref Vector256<ulong> x1, ref Vector256<ulong> x2, ref Vector256<ulong> x3, Vector256<ulong> k0, Vector256<ulong> k1)
    {
        Vector256<ulong> p0 = Avx2.Multiply(x0.AsUInt32(), Vector256.Create(M0));
        Vector256<ulong> p1 = Avx2.Multiply(x2.AsUInt32(), Vector256.Create(M1));
        x0 = Avx2.ShiftRightLogical(p1, 32) ^ x1 ^ k0;
        x2 = Avx2.ShiftRightLogical(p0, 32) ^ x3 ^ k1;
        x1 = p1;
        x3 = p0;
    }

    /// <summary>Sixteen words from two sets of eight: the low halves of a's lanes, then of b's (VPERMT2D).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Pack(Vector512<ulong> a, Vector512<ulong> b) =>
        Avx512F.PermuteVar16x32x2(a.AsUInt32(), Vector512.Create(0u, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b.AsUInt32());

    /// <summary>
    /// Eight words from two sets of four: VSHUFPS takes the low halves two by two (a0 a1 b0 b1 |
    /// a2 a3 b2 b3) and VPERMQ puts the pairs in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Pack(Vector256<ulong> a, Vector256<ulong> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b10_00_10_00).AsUInt64(), 0b11_01_10_00).AsUInt32();

    /// <summary>The high halves of the lanes' 32×32-bit products: UMULL/UMULL2 then the odd words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> MultiplyHigh(Vector128<uint> x, Vector128<uint> m) =>
        AdvSimd.Arm64.UnzipOdd(
            AdvSimd.MultiplyWideningLower(x.GetLower(), m.GetLower()).AsUInt32(),
            AdvSimd.MultiplyWideningUpper(x, m).AsUInt32());
}

/// <summary>The counter words that a group of counters shares (c1, c2, c3) and the key (k0, k1).</summary>
internal readonly record struct PhiloxStream(uint C1, uint C2, uint C3, uint K0, uint K1);

/// <summary>Sixteen counters, one a lane: c0 in <see cref="X0"/> going in, the four words coming out.</summary>
internal struct Words512
{
    public Vector512<uint> X0, X1, X2, X3;
}

/// <summary>Eight counters, one a lane: c0 in <see cref="X0"/> going in, the four words coming out.</summary>
internal struct Words256
{
    public Vector256<uint> X0, X1, X2, X3;
}
