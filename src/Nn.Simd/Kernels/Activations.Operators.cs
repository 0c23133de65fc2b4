// The activation functions σ and their derivatives σ′ as operator structs, element by element.
//
//   sigmoid(x)    1 / (1 + exp(−x))
//   tanh(x)       |x| < 0.625: x + x·(x²·P(x²)) as fma(x²·P(x²), x, x); otherwise
//                 copysign(1 − 2 / (exp(2|x|) + 1), x)
//   relu(x)       x < 0 ? +0 : x          (keeps NaN and −0)
//   σ′            sigmoid: fma(−s, s, s) with s = sigmoid(x); tanh: fma(−t, t, 1); relu: x > 0 ? 1 : 0; identity: 1
//   softmax       exp(x − m) and x / s, its two element-wise steps
//
// One sequence of IEEE operations on every path: each struct's scalar form is the oracle, and its
// AVX2 and NEON forms (and, for exp, sigmoid, σ′, the softmax's steps, ReLU and relu′, an AVX-512
// form) sit beside it. The drivers in Elementwise.cs own the loops and the tails.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

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
