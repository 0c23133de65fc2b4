// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019, PyTorch's torch.optim.Adam/AdamW),
// per element, with t the step number (1 for the first step):
//
//   g ← fma(λ, w, c·Σg)                      λ: Adam's L2 weight decay (0 for AdamW)
//   m ← flush(fma(β₁, m, (1 − β₁)·g))        first moment
//   v ← flush(fma((1 − β₂)·g, g, β₂·v))      second moment
//   (flush: a subnormal is stored as +0, see SubnormalFlush.cs)
//   d ← fma(√v, 1/√(1 − β₂ᵗ), ε)             √v̂ + ε
//   w ← fma(−η/(1 − β₁ᵗ), m / d, δ·w)        δ = 1 − η·λ_w: AdamW's decoupled decay (1 for Adam)
//
// The per-step factors η/(1 − β₁ᵗ), 1/√(1 − β₂ᵗ) and δ are computed once per step in double and
// rounded once to float (AdamStepScalars); β^t is taken by binary exponentiation, IEEE
// multiplications only, so that it has the same bits on every platform (DeterministicMath.Power:
// Math.Pow's libm is not guaranteed correctly rounded). Division and square root are IEEE operations, correctly rounded on
// every ISA (divps/sqrtps, fdiv/fsqrt), so every path gives the scalar form's bits.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// The per-step scalars of <see cref="Kernel.AdamStep(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStepScalars, KernelPath)"/>,
/// made by <see cref="Adam"/> or <see cref="AdamW"/>: the bias corrections of step t are computed
/// here once, in double, and each factor is rounded once to float.
/// </summary>
public readonly struct AdamStepScalars
{
    private AdamStepScalars(float learningRate, long step, float beta1, float beta2, float epsilon, float l2, float decoupled, float gradientScale)
    {
        OptimizerArguments.NonNegative(learningRate, nameof(learningRate));
        OptimizerArguments.StepNumber(step, nameof(step));
        OptimizerArguments.Fraction(beta1, nameof(beta1));
        OptimizerArguments.Fraction(beta2, nameof(beta2));
        OptimizerArguments.Positive(epsilon, nameof(epsilon));
        OptimizerArguments.NonNegative(l2, "weightDecay");
        OptimizerArguments.NonNegative(decoupled, "weightDecay");
        OptimizerArguments.Positive(gradientScale, nameof(gradientScale));
        Beta1 = beta1;
        Beta2 = beta2;
        OneMinusBeta1 = (float)(1.0 - beta1);
        OneMinusBeta2 = (float)(1.0 - beta2);
        Epsilon = epsilon;
        L2 = l2;
        GradientScale = gradientScale;
        StepSize = (float)(learningRate / (1.0 - DeterministicMath.Power(beta1, step)));
        InverseSqrtBias2 = (float)(1.0 / Math.Sqrt(1.0 - DeterministicMath.Power(beta2, step)));
        Decay = (float)(1.0 - ((double)learningRate * decoupled));
    }

    /// <summary>β₁, the first moment's decay.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the second moment's decay.</summary>
    public float Beta2 { get; }

    /// <summary>1 − β₁ (exact in float for β₁ in [0.5, 1)).</summary>
    public float OneMinusBeta1 { get; }

    /// <summary>1 − β₂.</summary>
    public float OneMinusBeta2 { get; }

    /// <summary>ε, added to √v̂ (outside the square root, as PyTorch).</summary>
    public float Epsilon { get; }

    /// <summary>Adam's L2 weight decay λ, added to the gradient as λ·w (0 for AdamW).</summary>
    public float L2 { get; }

    /// <summary>c, the factor applied to the gradient span (1/m for a sum over m samples).</summary>
    public float GradientScale { get; }

    /// <summary>η/(1 − β₁ᵗ), computed in double and rounded once.</summary>
    public float StepSize { get; }

    /// <summary>1/√(1 − β₂ᵗ), computed in double and rounded once.</summary>
    public float InverseSqrtBias2 { get; }

    /// <summary>AdamW's decoupled decay factor 1 − η·λ, computed in double and rounded once (1 for Adam).</summary>
    public float Decay { get; }

    /// <summary>The scalars of Adam's step <paramref name="step"/> (torch.optim.Adam): weight decay, if any, is L2, added to the gradient.</summary>
    /// <param name="learningRate">η ≥ 0, this step's learning rate.</param>
    /// <param name="step">t ≥ 1, the number of this step (the first is 1).</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient as λ·w.</param>
    /// <param name="gradientScale">c &gt; 0: 1/m when the gradient span holds a sum over m samples.</param>
    /// <returns>The scalars, bias corrections included.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public static AdamStepScalars Adam(float learningRate, long step, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, float gradientScale = 1f) =>
        new(learningRate, step, beta1, beta2, epsilon, weightDecay, 0f, gradientScale);

    /// <summary>The scalars of AdamW's step <paramref name="step"/> (torch.optim.AdamW): weight decay is decoupled, w ← (1 − η·λ)·w before the Adam update.</summary>
    /// <param name="learningRate">η ≥ 0, this step's learning rate.</param>
    /// <param name="step">t ≥ 1, the number of this step (the first is 1).</param>
    /// <param name="weightDecay">λ ≥ 0 (PyTorch's default is 0.01).</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="gradientScale">c &gt; 0: 1/m when the gradient span holds a sum over m samples.</param>
    /// <returns>The scalars, bias corrections and decay factor included.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public static AdamStepScalars AdamW(float learningRate, long step, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float gradientScale = 1f) =>
        new(learningRate, step, beta1, beta2, epsilon, 0f, weightDecay, gradientScale);
}

/// <summary>The Adam/AdamW update of the file's formula; s1 is m, s2 is v.</summary>
internal readonly struct AdamOperator(AdamStepScalars s) : IStepOperator2
{
    public float Invoke(float w, float g, ref float m, ref float v)
    {
        float gradient = MathF.FusedMultiplyAdd(s.L2, w, s.GradientScale * g);
        m = SubnormalFlush.Apply(MathF.FusedMultiplyAdd(s.Beta1, m, s.OneMinusBeta1 * gradient));
        v = SubnormalFlush.Apply(MathF.FusedMultiplyAdd(s.OneMinusBeta2 * gradient, gradient, s.Beta2 * v));
        float denominator = MathF.FusedMultiplyAdd(MathF.Sqrt(v), s.InverseSqrtBias2, s.Epsilon);
        return MathF.FusedMultiplyAdd(-s.StepSize, m / denominator, s.Decay * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v)
    {
        Vector128<float> gradient = AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.GradientScale), g), Vector128.Create(s.L2), w);
        m = SubnormalFlush.Apply(AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.OneMinusBeta1), gradient), Vector128.Create(s.Beta1), m));
        v = SubnormalFlush.Apply(AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.Beta2), v), AdvSimd.Multiply(Vector128.Create(s.OneMinusBeta2), gradient), gradient));
        Vector128<float> denominator = AdvSimd.FusedMultiplyAdd(Vector128.Create(s.Epsilon), AdvSimd.Arm64.Sqrt(v), Vector128.Create(s.InverseSqrtBias2));
        return AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.Decay), w), Vector128.Create(-s.StepSize), AdvSimd.Arm64.Divide(m, denominator));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v)
    {
        Vector256<float> gradient = Fma.MultiplyAdd(Vector256.Create(s.L2), w, Avx.Multiply(Vector256.Create(s.GradientScale), g));
        m = SubnormalFlush.Apply(Fma.MultiplyAdd(Vector256.Create(s.Beta1), m, Avx.Multiply(Vector256.Create(s.OneMinusBeta1), gradient)));
        v = SubnormalFlush.Apply(Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(s.OneMinusBeta2), gradient), gradient, Avx.Multiply(Vector256.Create(s.Beta2), v)));
        Vector256<float> denominator = Fma.MultiplyAdd(Avx.Sqrt(v), Vector256.Create(s.InverseSqrtBias2), Vector256.Create(s.Epsilon));
        return Fma.MultiplyAdd(Vector256.Create(-s.StepSize), Avx.Divide(m, denominator), Avx.Multiply(Vector256.Create(s.Decay), w));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v)
    {
        Vector512<float> gradient = Avx512F.FusedMultiplyAdd(Vector512.Create(s.L2), w, Avx512F.Multiply(Vector512.Create(s.GradientScale), g));
        m = SubnormalFlush.Apply(Avx512F.FusedMultiplyAdd(Vector512.Create(s.Beta1), m, Avx512F.Multiply(Vector512.Create(s.OneMinusBeta1), gradient)));
        v = SubnormalFlush.Apply(Avx512F.FusedMultiplyAdd(Avx512F.Multiply(Vector512.Create(s.OneMinusBeta2), gradient), gradient, Avx512F.Multiply(Vector512.Create(s.Beta2), v)));
        Vector512<float> denominator = Avx512F.FusedMultiplyAdd(Avx512F.Sqrt(v), Vector512.Create(s.InverseSqrtBias2), Vector512.Create(s.Epsilon));
        return Avx512F.FusedMultiplyAdd(Vector512.Create(-s.StepSize), Avx512F.Divide(m, denominator), Avx512F.Multiply(Vector512.Create(s.Decay), w));
    }
}

public static partial class Kernel
{
    /// <summary>
    /// One step of Adam or AdamW (which one is set by how <paramref name="scalars"/> was made), in
    /// place: g ← c·Σg + λ·w; m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g²;
    /// w ← δ·w − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε).
    /// </summary>
    /// <param name="weights">The parameters w, n elements, updated in place.</param>
    /// <param name="gradient">Σg, n elements: the gradient (summed or averaged, see <see cref="AdamStepScalars.GradientScale"/>).</param>
    /// <param name="firstMoment">m, n elements, updated in place; zeros before the first step.</param>
    /// <param name="secondMoment">v, n elements, updated in place; zeros before the first step.</param>
    /// <param name="scalars">The step's scalars, from <see cref="AdamStepScalars.Adam"/> or <see cref="AdamStepScalars.AdamW"/>.</param>
    /// <remarks>
    /// The four spans must be of one length and pairwise separate memory. Each element is computed by
    /// the same IEEE operations (fused multiply-adds, a correctly rounded square root and division)
    /// on every path, so every path, and any split of the spans over threads, gives the same bits.
    /// A moment whose magnitude falls below 2⁻¹²⁶ is stored as +0 (a subnormal state would slow
    /// every later step several times over and cannot move a weight). Allocates nothing.
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, or spans overlap.</exception>
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment, in AdamStepScalars scalars) =>
        AdamStep(weights, gradient, firstMoment, secondMoment, scalars, KernelDispatch.Active);

    /// <inheritdoc cref="AdamStep(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, in AdamStepScalars)"/>
    /// <param name="weights">The parameters w, updated in place.</param>
    /// <param name="gradient">Σg.</param>
    /// <param name="firstMoment">m, updated in place.</param>
    /// <param name="secondMoment">v, updated in place.</param>
    /// <param name="scalars">The step's scalars.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void AdamStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> firstMoment, Span<float> secondMoment, in AdamStepScalars scalars, KernelPath path)
    {
        OptimizerArguments.Streams(weights, gradient, firstMoment, nameof(firstMoment), secondMoment, nameof(secondMoment));
        KernelDispatch.ThrowIfUnsupported(path);
        OptimizerDriver.Run(new AdamOperator(scalars), weights, gradient, firstMoment, secondMoment, path);
    }
}
