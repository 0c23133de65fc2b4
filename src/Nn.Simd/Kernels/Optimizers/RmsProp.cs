// RMSProp in PyTorch's default form (torch.optim.RMSprop: no centring, no momentum, ε outside the
// square root), per element:
//
//   g ← fma(λ, w, c·Σg)              λ: L2 weight decay, added to the gradient
//   s ← flush(fma((1 − α)·g, g, α·s)) the running mean square (α = 0.99 by default; flush: a
//                                    subnormal is stored as +0, SubnormalFlush.cs)
//   w ← fma(−η, g / (√s + ε), w)
//
// The same IEEE operations in the same order on every path; square root and division are
// correctly rounded on every ISA, so every path gives the scalar form's bits.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// The per-step scalars of <see cref="Kernel.RmsPropStep(Span{float}, ReadOnlySpan{float}, Span{float}, in RmsPropStepScalars, KernelPath)"/>:
/// learning rate η, smoothing α, ε, L2 weight decay λ and the gradient's scale c.
/// </summary>
public readonly struct RmsPropStepScalars
{
    /// <summary>Creates the scalars of one step.</summary>
    /// <param name="learningRate">η ≥ 0, this step's learning rate (PyTorch's default is 0.01).</param>
    /// <param name="alpha">α in [0, 1), the mean square's smoothing.</param>
    /// <param name="epsilon">ε &gt; 0, added to √s.</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient as λ·w.</param>
    /// <param name="gradientScale">c &gt; 0: 1/m when the gradient span holds a sum over m samples.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range.</exception>
    public RmsPropStepScalars(float learningRate, float alpha = 0.99f, float epsilon = 1e-8f, float weightDecay = 0f, float gradientScale = 1f)
    {
        OptimizerArguments.NonNegative(learningRate, nameof(learningRate));
        OptimizerArguments.Fraction(alpha, nameof(alpha));
        OptimizerArguments.Positive(epsilon, nameof(epsilon));
        OptimizerArguments.NonNegative(weightDecay, nameof(weightDecay));
        OptimizerArguments.Positive(gradientScale, nameof(gradientScale));
        LearningRate = learningRate;
        Alpha = alpha;
        OneMinusAlpha = (float)(1.0 - alpha);
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        GradientScale = gradientScale;
    }

    /// <summary>η, the learning rate of this step.</summary>
    public float LearningRate { get; }

    /// <summary>α, the mean square's smoothing.</summary>
    public float Alpha { get; }

    /// <summary>1 − α, computed in double and rounded once.</summary>
    public float OneMinusAlpha { get; }

    /// <summary>ε, added to √s.</summary>
    public float Epsilon { get; }

    /// <summary>λ, the L2 weight decay added to the gradient as λ·w.</summary>
    public float WeightDecay { get; }

    /// <summary>c, the factor applied to the gradient span.</summary>
    public float GradientScale { get; }
}

/// <summary>The RMSProp update of the file's formula; s is the running mean square.</summary>
internal readonly struct RmsPropOperator(RmsPropStepScalars p) : IStepOperator
{
    public float Invoke(float w, float g, ref float s)
    {
        float gradient = MathF.FusedMultiplyAdd(p.WeightDecay, w, p.GradientScale * g);
        s = SubnormalFlush.Apply(MathF.FusedMultiplyAdd(p.OneMinusAlpha * gradient, gradient, p.Alpha * s));
        return MathF.FusedMultiplyAdd(-p.LearningRate, gradient / (MathF.Sqrt(s) + p.Epsilon), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> s)
    {
        Vector128<float> gradient = AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(p.GradientScale), g), Vector128.Create(p.WeightDecay), w);
        s = SubnormalFlush.Apply(AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(p.Alpha), s), AdvSimd.Multiply(Vector128.Create(p.OneMinusAlpha), gradient), gradient));
        Vector128<float> denominator = AdvSimd.Add(AdvSimd.Arm64.Sqrt(s), Vector128.Create(p.Epsilon));
        return AdvSimd.FusedMultiplyAdd(w, Vector128.Create(-p.LearningRate), AdvSimd.Arm64.Divide(gradient, denominator));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> s)
    {
        Vector256<float> gradient = Fma.MultiplyAdd(Vector256.Create(p.WeightDecay), w, Avx.Multiply(Vector256.Create(p.GradientScale), g));
        s = SubnormalFlush.Apply(Fma.MultiplyAdd(Avx.Multiply(Vector256.Create(p.OneMinusAlpha), gradient), gradient, Avx.Multiply(Vector256.Create(p.Alpha), s)));
        Vector256<float> denominator = Avx.Add(Avx.Sqrt(s), Vector256.Create(p.Epsilon));
        return Fma.MultiplyAdd(Vector256.Create(-p.LearningRate), Avx.Divide(gradient, denominator), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> s)
    {
        Vector512<float> gradient = Avx512F.FusedMultiplyAdd(Vector512.Create(p.WeightDecay), w, Avx512F.Multiply(Vector512.Create(p.GradientScale), g));
        s = SubnormalFlush.Apply(Avx512F.FusedMultiplyAdd(Avx512F.Multiply(Vector512.Create(p.OneMinusAlpha), gradient), gradient, Avx512F.Multiply(Vector512.Create(p.Alpha), s)));
        Vector512<float> denominator = Avx512F.Add(Avx512F.Sqrt(s), Vector512.Create(p.Epsilon));
        return Avx512F.FusedMultiplyAdd(Vector512.Create(-p.LearningRate), Avx512F.Divide(gradient, denominator), w);
    }
}

public static partial class Kernel
{
    /// <summary>
    /// One step of RMSProp (PyTorch's default form), in place: g ← c·Σg + λ·w;
    /// s ← α·s + (1 − α)·g²; w ← w − η·g/(√s + ε).
    /// </summary>
    /// <param name="weights">The parameters w, n elements, updated in place.</param>
    /// <param name="gradient">Σg, n elements.</param>
    /// <param name="meanSquare">s, n elements, updated in place; zeros before the first step.</param>
    /// <param name="scalars">η, α, ε, λ and c.</param>
    /// <remarks>
    /// The three spans must be of one length and must not overlap. Each element is computed by the
    /// same IEEE operations on every path, so every path, and any split of the spans over threads,
    /// gives the same bits. A mean square below 2⁻¹²⁶ is stored as +0 (a subnormal state would slow
    /// every later step several times over). Allocates nothing.
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, or spans overlap.</exception>
    public static void RmsPropStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> meanSquare, in RmsPropStepScalars scalars) =>
        RmsPropStep(weights, gradient, meanSquare, scalars, KernelDispatch.Active);

    /// <inheritdoc cref="RmsPropStep(Span{float}, ReadOnlySpan{float}, Span{float}, in RmsPropStepScalars)"/>
    /// <param name="weights">The parameters w, updated in place.</param>
    /// <param name="gradient">Σg.</param>
    /// <param name="meanSquare">s, updated in place.</param>
    /// <param name="scalars">η, α, ε, λ and c.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void RmsPropStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> meanSquare, in RmsPropStepScalars scalars, KernelPath path)
    {
        OptimizerArguments.Streams(weights, gradient, meanSquare, nameof(meanSquare));
        KernelDispatch.ThrowIfUnsupported(path);
        OptimizerDriver.Run(new RmsPropOperator(scalars), weights, gradient, meanSquare, path);
    }
}
