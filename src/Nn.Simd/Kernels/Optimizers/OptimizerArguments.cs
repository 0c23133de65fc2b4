using System.Diagnostics.CodeAnalysis;

namespace Nn.Simd.Kernels;

/// <summary>The argument checks of the optimizer steps and their scalars, made once per call; throws out of line.</summary>
internal static class OptimizerArguments
{
    /// <summary>w, g and a state span: one length, pairwise separate memory.</summary>
    public static void Streams(ReadOnlySpan<float> weights, ReadOnlySpan<float> gradient, ReadOnlySpan<float> state, string stateName)
    {
        Check.SameLength(weights, nameof(weights), gradient, nameof(gradient));
        Check.SameLength(weights, nameof(weights), state, stateName);
        Check.NoOverlap(gradient, nameof(gradient), weights, nameof(weights));
        Check.NoOverlap(gradient, nameof(gradient), state, stateName);
        Check.NoOverlap(weights, nameof(weights), state, stateName);
    }

    /// <summary>w, g and two state spans: one length, pairwise separate memory.</summary>
    public static void Streams(ReadOnlySpan<float> weights, ReadOnlySpan<float> gradient, ReadOnlySpan<float> first, string firstName, ReadOnlySpan<float> second, string secondName)
    {
        Streams(weights, gradient, first, firstName);
        Streams(weights, gradient, second, secondName);
        Check.NoOverlap(first, firstName, second, secondName);
    }

    public static void NonNegative(float value, string name)
    {
        if (!(value >= 0f && float.IsFinite(value)))
        {
            Throw(name, value, "a finite value ≥ 0");
        }
    }

    public static void Positive(float value, string name)
    {
        if (!(value > 0f && float.IsFinite(value)))
        {
            Throw(name, value, "a finite value > 0");
        }
    }

    /// <summary>A decay rate β, μ or α in [0, 1).</summary>
    public static void Fraction(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
        {
            Throw(name, value, "a value in [0, 1)");
        }
    }

    public static void StepNumber(long step, string name)
    {
        if (step < 1)
        {
            Throw(name, step, "a step number ≥ 1 (the first step is 1)");
        }
    }

    [DoesNotReturn]
    private static void Throw(string name, double value, string expected) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; it must be {expected}.");
}
