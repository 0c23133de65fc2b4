using System.Runtime.CompilerServices;
using Nn.Simd.Kernels;

namespace Nn.Simd.Model;

/// <summary>The activation function σ of a layer: aˡ = σ(zˡ).</summary>
public enum Activation
{
    /// <summary>The logistic function 1 / (1 + e^(−z)).</summary>
    Sigmoid,

    /// <summary>The hyperbolic tangent.</summary>
    Tanh,

    /// <summary>The rectifier max(0, z).</summary>
    Relu,

    /// <summary>σ(z) = z.</summary>
    Identity,

    /// <summary>The softmax e^(z_j) / Σ_k e^(z_k); output layer only, with <see cref="Cost.LogLikelihood"/>.</summary>
    Softmax,
}

/// <summary>Applies an <see cref="Activation"/> and its derivative through the kernels.</summary>
internal static class ActivationKernels
{
    public static void Apply(Activation activation, ReadOnlySpan<float> z, Span<float> a, KernelPath path)
    {
        switch (activation)
        {
            case Activation.Sigmoid:
                Kernel.Sigmoid(z, a, path);
                break;
            case Activation.Tanh:
                Kernel.Tanh(z, a, path);
                break;
            case Activation.Relu:
                Kernel.Relu(z, a, path);
                break;
            case Activation.Identity:
                Kernel.Identity(z, a);
                break;
            case Activation.Softmax:
                Kernel.Softmax(z, a, path);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>
    /// σ over a block of rows, one sample of <paramref name="width"/> values per row: element-wise
    /// over the whole block, except softmax, which normalises each row on its own.
    /// <paramref name="a"/> may be <paramref name="z"/> itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyRows(Activation activation, ReadOnlySpan<float> z, Span<float> a, int width, KernelPath path)
    {
        if (activation != Activation.Softmax)
        {
            Apply(activation, z, a, path);
            return;
        }

        Kernel.SoftmaxRows(z, a, width, path);
    }

    /// <summary>σ′(z) element-wise. Softmax has no element-wise derivative: its cost cancels it.</summary>
    public static void Derivative(Activation activation, ReadOnlySpan<float> z, Span<float> derivative, KernelPath path)
    {
        switch (activation)
        {
            case Activation.Sigmoid:
                Kernel.SigmoidDerivative(z, derivative, path);
                break;
            case Activation.Tanh:
                Kernel.TanhDerivative(z, derivative, path);
                break;
            case Activation.Relu:
                Kernel.ReluDerivative(z, derivative, path);
                break;
            case Activation.Identity:
                Kernel.IdentityDerivative(z, derivative, path);
                break;
            default:
                throw new InvalidOperationException($"{activation} has no element-wise derivative; the network refuses it where one is needed.");
        }
    }
}
