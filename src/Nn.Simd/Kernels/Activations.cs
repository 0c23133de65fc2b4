// Activation functions σ and their derivatives σ′, element-wise over a span, and the stable softmax.
//
//   exp(x)        Cephes-style: n = round(x·log₂e), r = x − n·C1 − n·C2 (two fma), Horner degree-5
//                 polynomial in fma, p = fma(P, r², r) + 1, result = p·2ⁿ built in the exponent bits.
//                 x > 88 → +∞ and x < −87 → +0 (so 2ⁿ and the result stay normal numbers); NaN → NaN.
//   sigmoid(x)    1 / (1 + exp(−x))
//   tanh(x)       |x| < 0.625: x + x·(x²·P(x²)) as fma(x²·P(x²), x, x); otherwise
//                 copysign(1 − 2 / (exp(2|x|) + 1), x)
//   relu(x)       x < 0 ? +0 : x          (keeps NaN and −0)
//   identity(x)   x
//   σ′            sigmoid: fma(−s, s, s) with s = sigmoid(x); tanh: fma(−t, t, 1); relu: x > 0 ? 1 : 0; identity: 1
//   softmax(x)    m = max x (NaNs skipped), e_i = exp(x_i − m), y_i = e_i / Sum(e) with the 32-lane Sum
//
// One polynomial and one sequence of IEEE operations on every path: the scalar forms below are the
// oracle, and the AVX2 and NEON forms (and, for exp, sigmoid, σ′, the softmax's steps, ReLU and
// relu′, an AVX-512 form) sit beside them in the same operator struct. `MathF.Exp` and `Vector256.Exp` are not used
// because they differ from each other in the last bit.
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

/// <summary>exp(x) with the shared polynomial.</summary>
internal readonly struct ExpOperator : IWideUnaryOperator
{
    public float Invoke(float x) => ExpPolynomial.Exp(x);

    public Vector256<float> Invoke(Vector256<float> x) => ExpPolynomial.Exp(x);

    public Vector512<float> Invoke(Vector512<float> x) => ExpPolynomial.Exp(x);

    public Vector128<float> Invoke(Vector128<float> x) => ExpPolynomial.Exp(x);
}

/// <summary>exp(x − m) for the softmax's maximum m.</summary>
internal readonly struct ShiftedExpOperator(float max) : IWideUnaryOperator
{
    public float Invoke(float x) => ExpPolynomial.Exp(x - max);

    public Vector256<float> Invoke(Vector256<float> x) => ExpPolynomial.Exp(Avx.Subtract(x, Vector256.Create(max)));

    public Vector512<float> Invoke(Vector512<float> x) => ExpPolynomial.Exp(Avx512F.Subtract(x, Vector512.Create(max)));

    public Vector128<float> Invoke(Vector128<float> x) => ExpPolynomial.Exp(AdvSimd.Subtract(x, Vector128.Create(max)));
}

/// <summary>x / s for the softmax's sum s.</summary>
internal readonly struct DivideByOperator(float divisor) : IWideUnaryOperator
{
    public float Invoke(float x) => x / divisor;

    public Vector256<float> Invoke(Vector256<float> x) => Avx.Divide(x, Vector256.Create(divisor));

    public Vector512<float> Invoke(Vector512<float> x) => Avx512F.Divide(x, Vector512.Create(divisor));

    public Vector128<float> Invoke(Vector128<float> x) => AdvSimd.Arm64.Divide(x, Vector128.Create(divisor));
}

/// <summary>sigmoid(x) = 1 / (1 + exp(−x)).</summary>
internal readonly struct SigmoidOperator : IWideUnaryOperator
{
    public float Invoke(float x) => 1f / (1f + ExpPolynomial.Exp(-x));

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> one = Vector256.Create(1f);
        return Avx.Divide(one, Avx.Add(one, ExpPolynomial.Exp(Avx.Xor(x, Vector256.Create(-0f)))));
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> one = Vector512.Create(1f);
        return Avx512F.Divide(one, Avx512F.Add(one, ExpPolynomial.Exp(Vector512.Xor(x, Vector512.Create(-0f)))));
    }

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> one = Vector128.Create(1f);
        return AdvSimd.Arm64.Divide(one, AdvSimd.Add(one, ExpPolynomial.Exp(AdvSimd.Negate(x))));
    }
}

/// <summary>σ′(x) = s(1 − s) as fma(−s, s, s), s = sigmoid(x).</summary>
internal readonly struct SigmoidDerivativeOperator : IWideUnaryOperator
{
    public float Invoke(float x)
    {
        float s = default(SigmoidOperator).Invoke(x);
        return MathF.FusedMultiplyAdd(-s, s, s);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> s = default(SigmoidOperator).Invoke(x);
        return Fma.MultiplyAddNegated(s, s, s);
    }

    public Vector512<float> Invoke(Vector512<float> x)
    {
        Vector512<float> s = default(SigmoidOperator).Invoke(x);
        return Avx512F.FusedMultiplyAddNegated(s, s, s);
    }

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> s = default(SigmoidOperator).Invoke(x);
        return AdvSimd.FusedMultiplySubtract(s, s, s);
    }
}

/// <summary>tanh(x): an odd polynomial near 0, 1 − 2/(exp(2|x|) + 1) with x's sign elsewhere.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float Threshold = 0.625f;
    private const float Q0 = -5.70498872745e-3f;
    private const float Q1 = 2.06390887954e-2f;
    private const float Q2 = -5.37397155531e-2f;
    private const float Q3 = 1.33314422036e-1f;
    private const float Q4 = -3.33332819422e-1f;

    public float Invoke(float x)
    {
        float z = MathF.Abs(x);
        if (z >= Threshold)
        {
            float large = 1f - (2f / (ExpPolynomial.Exp(z + z) + 1f));
            return MathF.CopySign(large, x);
        }

        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd(Q0, x2, Q1);
        p = MathF.FusedMultiplyAdd(p, x2, Q2);
        p = MathF.FusedMultiplyAdd(p, x2, Q3);
        p = MathF.FusedMultiplyAdd(p, x2, Q4);
        return MathF.FusedMultiplyAdd(p * x2, x, x);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> signBit = Vector256.Create(-0f);
        Vector256<float> z = Avx.AndNot(signBit, x);
        Vector256<float> one = Vector256.Create(1f);
        Vector256<float> large = Avx.Subtract(one, Avx.Divide(Vector256.Create(2f), Avx.Add(ExpPolynomial.Exp(Avx.Add(z, z)), one)));
        large = Avx.Or(large, Avx.And(signBit, x));

        Vector256<float> x2 = Avx.Multiply(x, x);
        Vector256<float> p = Fma.MultiplyAdd(Vector256.Create(Q0), x2, Vector256.Create(Q1));
        p = Fma.MultiplyAdd(p, x2, Vector256.Create(Q2));
        p = Fma.MultiplyAdd(p, x2, Vector256.Create(Q3));
        p = Fma.MultiplyAdd(p, x2, Vector256.Create(Q4));
        Vector256<float> small = Fma.MultiplyAdd(Avx.Multiply(p, x2), x, x);
        return Avx.BlendVariable(small, large, Avx.CompareGreaterThanOrEqual(z, Vector256.Create(Threshold)));
    }

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> signBit = Vector128.Create(-0f);
        Vector128<float> z = AdvSimd.Abs(x);
        Vector128<float> one = Vector128.Create(1f);
        Vector128<float> large = AdvSimd.Subtract(one, AdvSimd.Arm64.Divide(Vector128.Create(2f), AdvSimd.Add(ExpPolynomial.Exp(AdvSimd.Add(z, z)), one)));
        large = AdvSimd.Or(large, AdvSimd.And(signBit, x));

        Vector128<float> x2 = AdvSimd.Multiply(x, x);
        Vector128<float> p = AdvSimd.FusedMultiplyAdd(Vector128.Create(Q1), Vector128.Create(Q0), x2);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(Q2), p, x2);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(Q3), p, x2);
        p = AdvSimd.FusedMultiplyAdd(Vector128.Create(Q4), p, x2);
        Vector128<float> small = AdvSimd.FusedMultiplyAdd(x, AdvSimd.Multiply(p, x2), x);
        return AdvSimd.BitwiseSelect(AdvSimd.CompareGreaterThanOrEqual(z, Vector128.Create(Threshold)), large, small);
    }
}

/// <summary>tanh′(x) = 1 − t² as fma(−t, t, 1), t = tanh(x).</summary>
internal readonly struct TanhDerivativeOperator : IUnaryOperator
{
    public float Invoke(float x)
    {
        float t = default(TanhOperator).Invoke(x);
        return MathF.FusedMultiplyAdd(-t, t, 1f);
    }

    public Vector256<float> Invoke(Vector256<float> x)
    {
        Vector256<float> t = default(TanhOperator).Invoke(x);
        return Fma.MultiplyAddNegated(t, t, Vector256.Create(1f));
    }

    public Vector128<float> Invoke(Vector128<float> x)
    {
        Vector128<float> t = default(TanhOperator).Invoke(x);
        return AdvSimd.FusedMultiplySubtract(Vector128.Create(1f), t, t);
    }
}

/// <summary>relu(x) = x &lt; 0 ? +0 : x (NaN and −0 pass through).</summary>
internal readonly struct ReluOperator : IWideUnaryOperator
{
    public float Invoke(float x) => x < 0f ? 0f : x;

    public Vector256<float> Invoke(Vector256<float> x) => Avx.BlendVariable(x, Vector256<float>.Zero, Avx.CompareLessThan(x, Vector256<float>.Zero));

    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);

    public Vector128<float> Invoke(Vector128<float> x) => AdvSimd.BitwiseSelect(AdvSimd.CompareLessThan(x, Vector128<float>.Zero), Vector128<float>.Zero, x);
}

/// <summary>relu′(x) = x &gt; 0 ? 1 : 0 (0 at the kink and for NaN).</summary>
internal readonly struct ReluDerivativeOperator : IWideUnaryOperator
{
    public float Invoke(float x) => x > 0f ? 1f : 0f;

    public Vector256<float> Invoke(Vector256<float> x) => Avx.And(Avx.CompareGreaterThan(x, Vector256<float>.Zero), Vector256.Create(1f));

    public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512.Create(1f), Vector512<float>.Zero);

    public Vector128<float> Invoke(Vector128<float> x) => AdvSimd.And(AdvSimd.CompareGreaterThan(x, Vector128<float>.Zero), Vector128.Create(1f));
}

/// <summary>The constant 1, identity′.</summary>
internal readonly struct OneOperator : IUnaryOperator
{
    public float Invoke(float x) => 1f;

    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(1f);

    public Vector128<float> Invoke(Vector128<float> x) => Vector128.Create(1f);
}

public static partial class Kernel
{
    /// <summary>y_i = exp(x_i) with the polynomial shared by every path (+∞ above 88, +0 below −87).</summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Exp(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Exp(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Input.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ExpOperator), x, y, path);

    /// <summary>The logistic function y_i = 1 / (1 + e^(−x_i)); saturates to exactly 0 and 1 for large |x|.</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Sigmoid(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(SigmoidOperator), x, y, path);

    /// <summary>σ′(x_i) = σ(x_i)(1 − σ(x_i)).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void SigmoidDerivative(ReadOnlySpan<float> x, Span<float> y) => SigmoidDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="SigmoidDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void SigmoidDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(SigmoidDerivativeOperator), x, y, path);

    /// <summary>The hyperbolic tangent; saturates to exactly ±1 for large |x|.</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Tanh(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Tanh(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(TanhOperator), x, y, path);

    /// <summary>tanh′(x_i) = 1 − tanh²(x_i).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void TanhDerivative(ReadOnlySpan<float> x, Span<float> y) => TanhDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="TanhDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void TanhDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(TanhDerivativeOperator), x, y, path);

    /// <summary>The rectifier y_i = max(0, x_i) (−0 and NaN pass through unchanged).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => Relu(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Relu(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ReluOperator), x, y, path);

    /// <summary>relu′(x_i): 1 where x_i &gt; 0, else 0 (the subgradient 0 is taken at the kink).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void ReluDerivative(ReadOnlySpan<float> x, Span<float> y) => ReluDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="ReluDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void ReluDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ReluDerivativeOperator), x, y, path);

    /// <summary>The identity y = x (a copy unless the spans are the same).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Identity(ReadOnlySpan<float> x, Span<float> y)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        x.CopyTo(y);
    }

    /// <summary>identity′ = 1 everywhere.</summary>
    /// <param name="x">Weighted inputs z (only its length is used).</param>
    /// <param name="y">Output, as long as <paramref name="x"/>.</param>
    public static void IdentityDerivative(ReadOnlySpan<float> x, Span<float> y) => IdentityDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="IdentityDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void IdentityDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(OneOperator), x, y, path);

    /// <summary>
    /// The numerically stable softmax y_i = e^(x_i − m) / Σ_j e^(x_j − m), m = max x. Finite inputs
    /// of any magnitude give finite outputs that sum to 1 within rounding; a NaN input makes every
    /// output NaN.
    /// </summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y) => Softmax(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Softmax(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        CheckUnary(x, y, path);
        if (x.IsEmpty)
        {
            return;
        }

        float max = Maximum(x);
        ElementwiseDriver.MapWide(new ShiftedExpOperator(max), x, y, path);
        float sum = Sum(y, path);
        ElementwiseDriver.MapWide(new DivideByOperator(sum), y, y, path);
    }

    /// <summary>
    /// <see cref="Softmax(ReadOnlySpan{float}, Span{float}, KernelPath)"/> of every row of a
    /// row-major block (a batch's outputs). On the AVX-512 path a row of up to 16 values is one
    /// vector through the same steps: the same maximum, the same exp, its Sum reduced in the
    /// 32-lane order (lanes 16..31 hold +0, so (L[j] + L[j+8]) + (L[j+16] + L[j+24]) is
    /// L[j] + L[j+8] exactly), the same division; the same bits as one Softmax call per row
    /// without a call's fixed cost per row. Four rows at a time, loads before stores: a row's masked
    /// store shares its 64-byte window with the next rows' masked loads, and in place (a batch's
    /// z → a) each such load waited for the store before it (128 rows of 10: 3.48 → 1.17 µs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int width, KernelPath path)
    {
        CheckUnary(x, y, path);
        if (width <= 0 || x.Length % width != 0)
        {
            throw new ArgumentException($"{x.Length} values are not whole rows of {width}.", nameof(width));
        }

        if (!(Avx512F.IsSupported && path == KernelPath.Avx512) || width > 16)
        {
            for (int row = 0; row < x.Length; row += width)
            {
                Softmax(x.Slice(row, width), y.Slice(row, width), path);
            }

            return;
        }

        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        unsafe
        {
            fixed (float* xp = x, yp = y)
            {
                int row = 0;
                for (; row + (4 * width) <= x.Length; row += 4 * width)
                {
                    Vector512<float> e0 = RowExponentials(x, xp, row, width, mask), e1 = RowExponentials(x, xp, row + width, width, mask);
                    Vector512<float> e2 = RowExponentials(x, xp, row + (2 * width), width, mask), e3 = RowExponentials(x, xp, row + (3 * width), width, mask);
                    StoreNormalised(yp + row, mask, e0);
                    StoreNormalised(yp + row + width, mask, e1);
                    StoreNormalised(yp + row + (2 * width), mask, e2);
                    StoreNormalised(yp + row + (3 * width), mask, e3);
                }

                for (; row < x.Length; row += width)
                {
                    StoreNormalised(yp + row, mask, RowExponentials(x, xp, row, width, mask));
                }
            }
        }
    }

    /// <summary>e_i = exp(x_i − max) of the row at <paramref name="row"/>, one per lane of <paramref name="mask"/>, +0 in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> RowExponentials(ReadOnlySpan<float> x, float* xp, int row, int width, Vector512<float> mask) =>
        Vector512.ConditionalSelect(mask, new ShiftedExpOperator(Maximum(x.Slice(row, width))).Invoke(Avx512F.MaskLoad(xp + row, mask, Vector512<float>.Zero)), Vector512<float>.Zero);

    /// <summary>y = e / Sum(e) over the lanes of <paramref name="mask"/>, the sum in the 32-lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreNormalised(float* y, Vector512<float> mask, Vector512<float> e) =>
        Avx512F.MaskStore(y, mask, new DivideByOperator(HorizontalSumAvx2(Avx.Add(e.GetLower(), e.GetUpper()))).Invoke(e));

    /// <summary>
    /// The softmax's maximum (NaNs skipped). Exact in any order; the only order-dependent detail,
    /// +0 against −0, cannot change x_i − m for any x_i, so this plain loop serves every path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Maximum(ReadOnlySpan<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float value in x)
        {
            max = value > max ? value : max;
        }

        return max;
    }

    private static void MapWideChecked<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IWideUnaryOperator
    {
        CheckUnary(x, y, path);
        ElementwiseDriver.MapWide(op, x, y, path);
    }

    private static void MapChecked<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IUnaryOperator
    {
        CheckUnary(x, y, path);
        ElementwiseDriver.Map(op, x, y, path);
    }

    /// <summary>The entry checks of every x → y kernel here: equal lengths, y is x or apart from it, a supported path.</summary>
    private static void CheckUnary(ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.NoPartialOverlap(x, nameof(x), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
    }
}
