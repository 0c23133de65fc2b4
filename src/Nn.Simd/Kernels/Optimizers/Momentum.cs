// Stochastic gradient descent with momentum, in PyTorch's formulation (torch.optim.SGD with
// dampening 0), per element:
//
//   g ← fma(λ, w, c·Σg)            the gradient: c scales the summed gradient (1/m for a mean), λ is L2
//   v ← flush(fma(μ, v, g))        the velocity (flush: a subnormal is stored as +0, SubnormalFlush.cs)
//   w ← fma(−η, v, w)              classical momentum
//   w ← fma(−η, fma(μ, v, g), w)   Nesterov: the step looks ahead along the new velocity
//
// Five roundings at most (c·Σg, two or three fma) in that order on every path; the velocity starts
// at zero, so the first step's v is g (PyTorch's buffer starts as a copy of g: the same value).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// The per-step scalars of <see cref="Kernel.MomentumStep(Span{float}, ReadOnlySpan{float}, Span{float}, in MomentumStepScalars, KernelPath)"/>:
/// learning rate η, momentum μ, L2 weight decay λ, the gradient's scale c and the Nesterov switch.
/// </summary>
public readonly struct MomentumStepScalars
{
    /// <summary>Creates the scalars of one step.</summary>
    /// <param name="learningRate">η ≥ 0, this step's learning rate (a schedule's value).</param>
    /// <param name="momentum">μ in [0, 1); PyTorch's usual value is 0.9.</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient as λ·w (PyTorch's <c>weight_decay</c>, the gradient of (λ/2)·Σw²).</param>
    /// <param name="gradientScale">c &gt; 0, the factor applied to the gradient span: 1/m when it holds a sum over m samples, 1 when it holds a mean.</param>
    /// <param name="nesterov">Whether the step is Nesterov's (w −= η·(g + μ·v)) rather than classical (w −= η·v).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value lies outside its range or is not finite.</exception>
    public MomentumStepScalars(float learningRate, float momentum, float weightDecay = 0f, float gradientScale = 1f, bool nesterov = false)
    {
        OptimizerArguments.NonNegative(learningRate, nameof(learningRate));
        OptimizerArguments.Fraction(momentum, nameof(momentum));
        OptimizerArguments.NonNegative(weightDecay, nameof(weightDecay));
        OptimizerArguments.Positive(gradientScale, nameof(gradientScale));
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        GradientScale = gradientScale;
        Nesterov = nesterov;
    }

    /// <summary>η, the learning rate of this step.</summary>
    public float LearningRate { get; }

    /// <summary>μ, the momentum.</summary>
    public float Momentum { get; }

    /// <summary>λ, the L2 weight decay added to the gradient as λ·w.</summary>
    public float WeightDecay { get; }

    /// <summary>c, the factor applied to the gradient span (1/m for a sum over m samples).</summary>
    public float GradientScale { get; }

    /// <summary>Whether the step is Nesterov's.</summary>
    public bool Nesterov { get; }
}

/// <summary>Classical momentum: v ← flush(fma(μ, v, g)); w ← fma(−η, v, w), with g = fma(λ, w, c·Σg).</summary>
internal readonly struct MomentumOperator(MomentumStepScalars s) : IStepOperator
{
    public float Invoke(float w, float g, ref float v)
    {
        float gradient = MathF.FusedMultiplyAdd(s.WeightDecay, w, s.GradientScale * g);
        v = SubnormalFlush.Apply(MathF.FusedMultiplyAdd(s.Momentum, v, gradient));
        return MathF.FusedMultiplyAdd(-s.LearningRate, v, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> v)
    {
        Vector128<float> gradient = AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.GradientScale), g), Vector128.Create(s.WeightDecay), w);
        v = SubnormalFlush.Apply(AdvSimd.FusedMultiplyAdd(gradient, Vector128.Create(s.Momentum), v));
        return AdvSimd.FusedMultiplyAdd(w, Vector128.Create(-s.LearningRate), v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> v)
    {
        Vector256<float> gradient = Fma.MultiplyAdd(Vector256.Create(s.WeightDecay), w, Avx.Multiply(Vector256.Create(s.GradientScale), g));
        v = SubnormalFlush.Apply(Fma.MultiplyAdd(Vector256.Create(s.Momentum), v, gradient));
        return Fma.MultiplyAdd(Vector256.Create(-s.LearningRate), v, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> v)
    {
        Vector512<float> gradient = Avx512F.FusedMultiplyAdd(Vector512.Create(s.WeightDecay), w, Avx512F.Multiply(Vector512.Create(s.GradientScale), g));
        v = SubnormalFlush.Apply(Avx512F.FusedMultiplyAdd(Vector512.Create(s.Momentum), v, gradient));
        return Avx512F.FusedMultiplyAdd(Vector512.Create(-s.LearningRate), v, w);
    }
}

/// <summary>Nesterov momentum: v ← flush(fma(μ, v, g)); w ← fma(−η, fma(μ, v, g), w), with g = fma(λ, w, c·Σg).</summary>
internal readonly struct NesterovOperator(MomentumStepScalars s) : IStepOperator
{
    public float Invoke(float w, float g, ref float v)
    {
        float gradient = MathF.FusedMultiplyAdd(s.WeightDecay, w, s.GradientScale * g);
        v = SubnormalFlush.Apply(MathF.FusedMultiplyAdd(s.Momentum, v, gradient));
        return MathF.FusedMultiplyAdd(-s.LearningRate, MathF.FusedMultiplyAdd(s.Momentum, v, gradient), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> v)
    {
        Vector128<float> gradient = AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(s.GradientScale), g), Vector128.Create(s.WeightDecay), w);
        v = SubnormalFlush.Apply(AdvSimd.FusedMultiplyAdd(gradient, Vector128.Create(s.Momentum), v));
        return AdvSimd.FusedMultiplyAdd(w, Vector128.Create(-s.LearningRate), AdvSimd.FusedMultiplyAdd(gradient, Vector128.Create(s.Momentum), v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> v)
    {
        Vector256<float> gradient = Fma.MultiplyAdd(Vector256.Create(s.WeightDecay), w, Avx.Multiply(Vector256.Create(s.GradientScale), g));
        v = SubnormalFlush.Apply(Fma.MultiplyAdd(Vector256.Create(s.Momentum), v, gradient));
        return Fma.MultiplyAdd(Vector256.Create(-s.LearningRate), Fma.MultiplyAdd(Vector256.Create(s.Momentum), v, gradient), w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> v)
    {
        Vector512<float> gradient = Avx512F.FusedMultiplyAdd(Vector512.Create(s.WeightDecay), w, Avx512F.Multiply(Vector512.Create(s.GradientScale), g));
        v = SubnormalFlush.Apply(Avx512F.FusedMultiplyAdd(Vector512.Create(s.Momentum), v, gradient));
        return Avx512F.FusedMultiplyAdd(Vector512.Create(-s.LearningRate), Avx512F.FusedMultiplyAdd(Vector512.Create(s.Momentum), v, gradient), w);
    }
}

public static partial class Kernel
{
    /// <summary>
    /// One step of SGD with momentum (classical or Nesterov, PyTorch's formulation), in place:
    /// g ← c·Σg + λ·w; v ← μ·v + g; w ← w − η·v (classical) or w ← w − η·(g + μ·v) (Nesterov).
    /// </summary>
    /// <param name="weights">The parameters w, n elements, updated in place.</param>
    /// <param name="gradient">Σg, n elements: the gradient (summed or averaged, see <see cref="MomentumStepScalars.GradientScale"/>).</param>
    /// <param name="velocity">v, n elements, updated in place; zeros before the first step.</param>
    /// <param name="scalars">η, μ, λ, c and the Nesterov switch.</param>
    /// <remarks>
    /// The three spans must be of one length and must not overlap. Each element is computed by the
    /// same IEEE operations (fused multiply-adds, see the file's formula) on every path, so every
    /// path gives the same bits, and any split of the span (over threads) gives the same bits too.
    /// A velocity whose magnitude falls below 2⁻¹²⁶ is stored as +0 (a subnormal state would slow
    /// every later step several times over and cannot move a weight). Allocates nothing.
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, or spans overlap.</exception>
    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity, in MomentumStepScalars scalars) =>
        MomentumStep(weights, gradient, velocity, scalars, KernelDispatch.Active);

    /// <inheritdoc cref="MomentumStep(Span{float}, ReadOnlySpan{float}, Span{float}, in MomentumStepScalars)"/>
    /// <param name="weights">The parameters w, updated in place.</param>
    /// <param name="gradient">Σg.</param>
    /// <param name="velocity">v, updated in place.</param>
    /// <param name="scalars">η, μ, λ, c and the Nesterov switch.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void MomentumStep(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> velocity, in MomentumStepScalars scalars, KernelPath path)
    {
        OptimizerArguments.Streams(weights, gradient, velocity, nameof(velocity));
        KernelDispatch.ThrowIfUnsupported(path);
        if (scalars.Nesterov)
        {
            OptimizerDriver.Run(new NesterovOperator(scalars), weights, gradient, velocity, path);
        }
        else
        {
            OptimizerDriver.Run(new MomentumOperator(scalars), weights, gradient, velocity, path);
        }
    }
}
