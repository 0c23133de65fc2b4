// exp(x) in the one polynomial every path uses, in its four forms (scalar, AVX2, AVX-512, NEON).
//
//   exp(x)        Cephes-style: n = round(x·log₂e), r = x − n·C1 − n·C2 (two fma), Horner degree-5
//                 polynomial in fma, p = fma(P, r², r) + 1, result = p·2ⁿ built in the exponent bits.
//                 x > 88 → +∞ and x < −87 → +0 (so 2ⁿ and the result stay normal numbers); NaN → NaN.
//
// The four forms perform the same IEEE operations in the same order, so they agree bit for bit.
// `MathF.Exp` and `Vector256.Exp` are not used because they differ from each other in the last bit.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>The shared exp polynomial in its four forms (scalar, AVX2, AVX-512, NEON).</summary>
internal static class ExpPolynomial
{
    public const float UpperLimit = 88f;
    public const float LowerLimit = -87f;
    private const float Log2E = 1.44269504088896341f;
    private const float C1 = 0.693359375f;
    private const float C2 = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    public static float Exp(float x)
    {
        if (x > UpperLimit)
        {
            return float.PositiveInfinity;
        }

        if (x < LowerLimit)
        {
            return 0f;
        }

        float n = MathF.Round(x * Log2E, MidpointRounding.ToEven);
        float r = MathF.FusedMultiplyAdd(-n, C1, x);
        r = MathF.FusedMultiplyAdd(-n, C2, r);
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;

        // NaN reaches this point (every comparison above is false); its exponent bits are
        // meaningless but p is NaN, so the product is NaN whatever they are.
        int exponent = float.IsNaN(n) ? 0 : (int)n;
        return p * BitConverter.Int32BitsToSingle((exponent + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> n = Avx.RoundToNearestInteger(Avx.Multiply(x, Vector256.Create(Log2E)));
        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(C1), x);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(C2), r);
        Vector256<float> p = Fma.MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P2));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P3));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P4));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(P5));
        p = Avx.Add(Fma.MultiplyAdd(p, Avx.Multiply(r, r), r), Vector256.Create(1f));
        Vector256<int> bits = Avx2.ShiftLeftLogical(Avx2.Add(Avx.ConvertToVector256Int32(n), Vector256.Create(127)), 23);
        Vector256<float> result = Avx.Multiply(p, bits.AsSingle());
        result = Avx.BlendVariable(result, Vector256.Create(float.PositiveInfinity), Avx.CompareGreaterThan(x, Vector256.Create(UpperLimit)));
        return Avx.BlendVariable(result, Vector256<float>.Zero, Avx.CompareLessThan(x, Vector256.Create(LowerLimit)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> n = Avx512F.RoundScale(Avx512F.Multiply(x, Vector512.Create(Log2E)), 0);
        Vector512<float> r = Avx512F.FusedMultiplyAddNegated(n, Vector512.Create(C1), x);
        r = Avx512F.FusedMultiplyAddNegated(n, Vector512.Create(C2), r);
        Vector512<float> p = Avx512F.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Avx512F.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Avx512F.Add(Avx512F.FusedMultiplyAdd(p, Avx512F.Multiply(r, r), r), Vector512.Create(1f));
        Vector512<int> bits = Avx512F.ShiftLeftLogical(Avx512F.Add(Avx512F.ConvertToVector512Int32(n), Vector512.Create(127)), 23);
        Vector512<float> result = Avx512F.Multiply(p, bits.AsSingle());
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(UpperLimit)), Vector512.Create(float.PositiveInfinity), result);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(LowerLimit)), Vector512<float>.Zero, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> n = AdvSimd.RoundToNearest(AdvSimd.Multiply(x, Vector128.Create(Log2E)));
        Vector128<float> r = AdvSimd.FusedMultiplySubtract(x, n, Vector128.Create(C1));
        r = AdvSimd.FusedMultiplySubtract(r, n, Vector128.Create(C2));
        Vector128<float> p = AdvSimd.FusedMultiplyAdd(Vector128.Create(P1), Vector128.Create(P0), r);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(P2), p, r);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(P3), p, r);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(P4), p, r);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(P5), p, r);
        p = AdvSimd.Add(AdvSimd.FusedMultiplyAdd(r, p, AdvSimd.Multiply(r, r)), Vector128.Create(1f));
        Vector128<int> bits = Vector128.ShiftLeft(AdvSimd.Add(AdvSimd.ConvertToInt32RoundToZero(n), Vector128.Create(127)), 23);
        Vector128<float> result = AdvSimd.Multiply(p, bits.AsSingle());
        result = AdvSimd.BitwiseSelect(AdvSimd.CompareGreaterThan(x, Vector128.Create(UpperLimit)), Vector128.Create(float.PositiveInfinity), result);
        return AdvSimd.BitwiseSelect(AdvSimd.CompareLessThan(x, Vector128.Create(LowerLimit)), Vector128<float>.Zero, result);
    }
}
