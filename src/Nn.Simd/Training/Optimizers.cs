// The optimizers a Trainer steps with (TrainingOptions.Optimizer), each in PyTorch's formulation,
// with g = Σ∂C/∂w / m the mean gradient of the mini-batch actually taken (m its size), η the step's
// rate (TrainingOptions.LearningRate through the schedule) and t the 1-based global step:
//
//   Sgd          w ← (1 − ηλ/n)·w − η·g            λ = TrainingOptions.Lambda (L2 on weights, n training samples)
//   SgdMomentum  v ← μ·v + (g + λw·w); w ← w − η·v               (torch.optim.SGD, dampening 0)
//   Nesterov     v ← μ·v + (g + λw·w); w ← w − η·(g + λw·w + μ·v)   (torch.optim.SGD, nesterov=True)
//   Adam         Adam with L2 λw·w added to g                     (torch.optim.Adam)
//   AdamW        w ← (1 − η·λw)·w before the Adam update           (torch.optim.AdamW, decoupled)
//   RmsProp      s ← α·s + (1 − α)·g²; w ← w − η·g/(√s + ε)        (torch.optim.RMSprop)
//
// λw is the optimizer's own WeightDecay and, as in PyTorch, applies to every parameter, biases
// included. The state (v, m and v, or s) is kept by the trainer in the gradient's layout, sized once.
namespace Nn.Simd.Training;

/// <summary>
/// How a trainer turns a mini-batch's gradient into a step (<see cref="TrainingOptions.Optimizer"/>):
/// <see cref="Sgd"/> (the default), <see cref="SgdMomentum"/>, <see cref="Nesterov"/>,
/// <see cref="Adam"/>, <see cref="AdamW"/> or <see cref="RmsProp"/>. Every one gives the same bits on
/// every kernel path and for any thread count.
/// </summary>
public abstract record Optimizer
{
    private protected Optimizer()
    {
    }

    /// <summary>How many arrays of state, each one value per parameter, the optimizer keeps.</summary>
    internal abstract int StateArrays { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    internal abstract void Validate();

    /// <summary>A weight decay: finite and ≥ 0.</summary>
    private protected static void CheckDecay(float value, string name)
    {
        if (!(value >= 0f && float.IsFinite(value)))
        {
            throw new ArgumentException($"{name} is {value}; it must be a finite number ≥ 0.", name);
        }
    }

    /// <summary>A decay rate (μ, β, α) in [0, 1).</summary>
    private protected static void CheckFraction(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
        {
            throw new ArgumentException($"{name} is {value}; it must lie in [0, 1).", name);
        }
    }

    /// <summary>ε: finite and &gt; 0.</summary>
    private protected static void CheckEpsilon(float value, string name)
    {
        if (!(value > 0f && float.IsFinite(value)))
        {
            throw new ArgumentException($"{name} is {value}; it must be a finite number > 0.", name);
        }
    }
}

/// <summary>
/// Plain stochastic gradient descent, the default: w ← (1 − ηλ/n)·w − (η/m)·Σ∂C/∂w,
/// b ← b − (η/m)·Σ∂C/∂b, with λ = <see cref="TrainingOptions.Lambda"/> and n the training-set size.
/// </summary>
public sealed record Sgd : Optimizer
{
    internal override int StateArrays => 0;

    internal override void Validate()
    {
    }
}

/// <summary>SGD with classical momentum (torch.optim.SGD, dampening 0): v ← μ·v + g; w ← w − η·v.</summary>
/// <param name="Momentum">μ in [0, 1). Default 0.9.</param>
/// <param name="WeightDecay">λ ≥ 0, added to the gradient as λ·w for every parameter (PyTorch's <c>weight_decay</c>). Default 0.</param>
public sealed record SgdMomentum(float Momentum = 0.9f, float WeightDecay = 0f) : Optimizer
{
    internal override int StateArrays => 1;

    internal override void Validate()
    {
        CheckFraction(Momentum, nameof(Momentum));
        CheckDecay(WeightDecay, nameof(WeightDecay));
    }
}

/// <summary>SGD with Nesterov momentum (torch.optim.SGD, nesterov=True): v ← μ·v + g; w ← w − η·(g + μ·v).</summary>
/// <param name="Momentum">μ in [0, 1). Default 0.9.</param>
/// <param name="WeightDecay">λ ≥ 0, added to the gradient as λ·w for every parameter. Default 0.</param>
public sealed record Nesterov(float Momentum = 0.9f, float WeightDecay = 0f) : Optimizer
{
    internal override int StateArrays => 1;

    internal override void Validate()
    {
        CheckFraction(Momentum, nameof(Momentum));
        CheckDecay(WeightDecay, nameof(WeightDecay));
    }
}

/// <summary>Adam (torch.optim.Adam), bias-corrected, t the 1-based global step; weight decay, if any, is L2 added to the gradient.</summary>
/// <param name="Beta1">β₁ in [0, 1), the first moment's decay. Default 0.9.</param>
/// <param name="Beta2">β₂ in [0, 1), the second moment's decay. Default 0.999.</param>
/// <param name="Epsilon">ε &gt; 0, added to √v̂. Default 1e-8.</param>
/// <param name="WeightDecay">λ ≥ 0, added to the gradient as λ·w for every parameter. Default 0.</param>
public sealed record Adam(float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f, float WeightDecay = 0f) : Optimizer
{
    internal override int StateArrays => 2;

    internal override void Validate()
    {
        CheckFraction(Beta1, nameof(Beta1));
        CheckFraction(Beta2, nameof(Beta2));
        CheckEpsilon(Epsilon, nameof(Epsilon));
        CheckDecay(WeightDecay, nameof(WeightDecay));
    }
}

/// <summary>AdamW (torch.optim.AdamW): Adam with decoupled weight decay, w ← (1 − η·λ)·w before the Adam update.</summary>
/// <param name="WeightDecay">λ ≥ 0, applied to every parameter. Default 0.01 (PyTorch's).</param>
/// <param name="Beta1">β₁ in [0, 1). Default 0.9.</param>
/// <param name="Beta2">β₂ in [0, 1). Default 0.999.</param>
/// <param name="Epsilon">ε &gt; 0. Default 1e-8.</param>
public sealed record AdamW(float WeightDecay = 0.01f, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f) : Optimizer
{
    internal override int StateArrays => 2;

    internal override void Validate()
    {
        CheckFraction(Beta1, nameof(Beta1));
        CheckFraction(Beta2, nameof(Beta2));
        CheckEpsilon(Epsilon, nameof(Epsilon));
        CheckDecay(WeightDecay, nameof(WeightDecay));
    }
}

/// <summary>RMSProp (torch.optim.RMSprop's default form: no centring, no momentum): s ← α·s + (1 − α)·g²; w ← w − η·g/(√s + ε).</summary>
/// <param name="Alpha">α in [0, 1), the mean square's smoothing. Default 0.99.</param>
/// <param name="Epsilon">ε &gt; 0. Default 1e-8.</param>
/// <param name="WeightDecay">λ ≥ 0, added to the gradient as λ·w for every parameter. Default 0.</param>
public sealed record RmsProp(float Alpha = 0.99f, float Epsilon = 1e-8f, float WeightDecay = 0f) : Optimizer
{
    internal override int StateArrays => 1;

    internal override void Validate()
    {
        CheckFraction(Alpha, nameof(Alpha));
        CheckEpsilon(Epsilon, nameof(Epsilon));
        CheckDecay(WeightDecay, nameof(WeightDecay));
    }
}
