// Per-feature scaling of a network's inputs, fitted on the training split and carried in the model
// file (section "INSC", docs/model-format.md), so that a model takes raw inputs:
//
//   x'ₖ = (xₖ − offsetₖ) · scaleₖ          two float32 operations, a subtraction then a product,
//                                          never fused, so every path and ONNX Runtime's Sub then
//                                          Mul give the same bits
//
//   standardisation   offsetₖ = μₖ,    scaleₖ = 1/σₖ            (σₖ = 0: scaleₖ = 1)
//   min–max           offsetₖ = minₖ,  scaleₖ = 1/(maxₖ − minₖ)  (maxₖ = minₖ: scaleₖ = 1)
//
// μ and σ (the population standard deviation, divisor n) are summed in double and rounded to float
// once; a constant feature keeps scale 1, so it becomes 0 (x − μ) rather than a division by zero.
using System.Runtime.InteropServices;

namespace Nn.Simd.Model;

/// <summary>How <see cref="InputScaling"/> was fitted.</summary>
public enum InputScalingKind
{
    /// <summary>(x − μ)/σ per feature: mean 0 and standard deviation 1 on the training split (σ = 0: scale 1).</summary>
    Standardize = 0,

    /// <summary>(x − min)/(max − min) per feature: [0, 1] on the training split (max = min: scale 1).</summary>
    MinMax = 1,
}

/// <summary>
/// The per-feature affine map x' = (x − offset)·scale that a network applies to its raw inputs
/// before its first layer (<see cref="Network.InputScaling"/>): <see cref="Network.Predict"/>,
/// <see cref="Predictor"/>, evaluation and training all take raw inputs when a network has one.
/// Immutable. The subtraction and the product are two IEEE float32 operations (never fused), so
/// the result has the same bits on every path and in an ONNX runtime's Sub then Mul.
/// </summary>
public sealed class InputScaling
{
    private readonly float[] _offsets;
    private readonly float[] _scales;

    private InputScaling(InputScalingKind kind, float[] offsets, float[] scales)
    {
        Kind = kind;
        _offsets = offsets;
        _scales = scales;
    }

    /// <summary>How the scaling was fitted.</summary>
    public InputScalingKind Kind { get; }

    /// <summary>The number of features.</summary>
    public int Size => _offsets.Length;

    /// <summary>Subtracted from each feature: μ or the minimum.</summary>
    public ReadOnlySpan<float> Offsets => _offsets;

    /// <summary>Multiplied into each feature after the subtraction: 1/σ or 1/(max − min), 1 for a constant feature.</summary>
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>A scaling from its parts (copied).</summary>
    /// <param name="kind">How it was fitted.</param>
    /// <param name="offsets">One finite offset per feature.</param>
    /// <param name="scales">One finite, non-zero scale per feature.</param>
    /// <returns>The scaling.</returns>
    /// <exception cref="ArgumentException">The lengths differ or are 0, the kind is unknown, or a value is not finite (or a scale is 0); the message names the feature.</exception>
    public static InputScaling Create(InputScalingKind kind, ReadOnlySpan<float> offsets, ReadOnlySpan<float> scales)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentException($"Scaling kind {(int)kind} is not a known kind.", nameof(kind));
        }

        if (offsets.Length != scales.Length || offsets.Length == 0)
        {
            throw new ArgumentException($"{offsets.Length} offsets and {scales.Length} scales: a scaling needs one of each per feature, at least one feature.", nameof(scales));
        }

        for (int k = 0; k < offsets.Length; k++)
        {
            if (!float.IsFinite(offsets[k]) || !float.IsFinite(scales[k]) || scales[k] == 0)
            {
                throw new ArgumentException($"Feature {k} has offset {offsets[k]} and scale {scales[k]}; both must be finite and the scale non-zero.", nameof(scales));
            }
        }

        return new InputScaling(kind, offsets.ToArray(), scales.ToArray());
    }

    /// <summary>Fits a scaling to row-major inputs (the training split only: never validation or test data).</summary>
    /// <param name="kind">Standardisation or min–max.</param>
    /// <param name="inputs">Count × <paramref name="inputSize"/> finite values, row-major; at least one row.</param>
    /// <param name="inputSize">Values per input.</param>
    /// <returns>The scaling.</returns>
    /// <exception cref="ArgumentException">No row, or the inputs are not whole rows.</exception>
    public static InputScaling Fit(InputScalingKind kind, ReadOnlySpan<float> inputs, int inputSize)
    {
        if (inputSize < 1 || inputs.Length == 0 || inputs.Length % inputSize != 0)
        {
            throw new ArgumentException($"{inputs.Length} values are not one or more whole rows of {inputSize}.", nameof(inputs));
        }

        int rows = inputs.Length / inputSize;
        var offsets = new float[inputSize];
        var scales = new float[inputSize];
        var first = new double[inputSize];
        var second = new double[inputSize];
        if (kind == InputScalingKind.Standardize)
        {
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<float> row = inputs.Slice(i * inputSize, inputSize);
                for (int k = 0; k < inputSize; k++)
                {
                    first[k] += row[k];
                }
            }

            for (int k = 0; k < inputSize; k++)
            {
                first[k] /= rows;
            }

            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<float> row = inputs.Slice(i * inputSize, inputSize);
                for (int k = 0; k < inputSize; k++)
                {
                    double d = row[k] - first[k];
                    second[k] += d * d;
                }
            }

            for (int k = 0; k < inputSize; k++)
            {
                double sigma = Math.Sqrt(second[k] / rows);
                offsets[k] = (float)first[k];
                scales[k] = ScaleFor(sigma);
            }
        }
        else
        {
            first.AsSpan().Fill(double.PositiveInfinity);
            second.AsSpan().Fill(double.NegativeInfinity);
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<float> row = inputs.Slice(i * inputSize, inputSize);
                for (int k = 0; k < inputSize; k++)
                {
                    first[k] = Math.Min(first[k], row[k]);
                    second[k] = Math.Max(second[k], row[k]);
                }
            }

            for (int k = 0; k < inputSize; k++)
            {
                offsets[k] = (float)first[k];
                scales[k] = ScaleFor(second[k] - first[k]);
            }
        }

        return Create(kind, offsets, scales);
    }

    /// <summary>Scales one input: output[k] = (input[k] − offset[k])·scale[k]. The spans may be the same.</summary>
    /// <param name="input">One raw input of <see cref="Size"/> values.</param>
    /// <param name="output">Receives the scaled input; <see cref="Size"/> values.</param>
    /// <exception cref="ArgumentException">A length is not <see cref="Size"/>.</exception>
    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != Size || output.Length != Size)
        {
            throw new ArgumentException($"The scaling takes {Size} values; the input has {input.Length} and the output {output.Length}.", nameof(input));
        }

        ApplyRows(input, output);
    }

    /// <summary>Scales whole rows of <see cref="Size"/> values (lengths checked by the caller).</summary>
    internal void ApplyRows(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        float[] offsets = _offsets, scales = _scales;
        int size = offsets.Length;
        for (int start = 0; start < inputs.Length; start += size)
        {
            ReadOnlySpan<float> row = inputs.Slice(start, size);
            Span<float> scaled = outputs.Slice(start, size);
            for (int k = 0; k < size; k++)
            {
                // Two roundings on purpose: (x − o) then ·s, never a fused multiply-add.
                float centred = row[k] - offsets[k];
                scaled[k] = centred * scales[k];
            }
        }
    }

    /// <summary>Whether two scalings (or their absence) compute the same bits: both null, or the same kind, offsets and scales, bit for bit.</summary>
    internal static bool Same(InputScaling? a, InputScaling? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Kind == b.Kind
            && MemoryMarshal.AsBytes(a.Offsets).SequenceEqual(MemoryMarshal.AsBytes(b.Offsets))
            && MemoryMarshal.AsBytes(a.Scales).SequenceEqual(MemoryMarshal.AsBytes(b.Scales)));

    /// <summary>The scale that maps a spread to 1: 1/spread, or 1 for a spread of 0 (or one whose reciprocal is not a finite, non-zero float).</summary>
    private static float ScaleFor(double spread)
    {
        float scale = (float)(1 / spread);
        return spread > 0 && float.IsFinite(scale) && scale != 0 ? scale : 1f;
    }
}
