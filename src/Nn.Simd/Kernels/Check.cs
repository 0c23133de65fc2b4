using System.Diagnostics.CodeAnalysis;

namespace Nn.Simd.Kernels;

/// <summary>Argument checks made once at each kernel's entry; the throws live out of line.</summary>
internal static class Check
{
    public static void SameLength(ReadOnlySpan<float> a, string aName, ReadOnlySpan<float> b, string bName)
    {
        if (a.Length != b.Length)
        {
            ThrowLengthMismatch(aName, a.Length, bName, b.Length);
        }
    }

    public static void Length(ReadOnlySpan<float> span, string name, int expected, string expectedWhat)
    {
        if (span.Length != expected)
        {
            ThrowLength(name, span.Length, expected, expectedWhat);
        }
    }

    public static void MatrixShape(ReadOnlySpan<float> matrix, string name, int rows, int columns)
    {
        if (rows < 0 || columns < 0)
        {
            ThrowNegativeShape(name, rows, columns);
        }

        if ((long)rows * columns != matrix.Length)
        {
            ThrowMatrixShape(name, matrix.Length, rows, columns);
        }
    }

    /// <summary>An output may be exactly an input (in-place), but must not start part-way into it.</summary>
    public static void NoPartialOverlap(ReadOnlySpan<float> input, string inputName, ReadOnlySpan<float> output, string outputName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
        {
            ThrowOverlap(inputName, outputName, partial: true);
        }
    }

    public static void NoOverlap(ReadOnlySpan<float> input, string inputName, ReadOnlySpan<float> output, string outputName)
    {
        if (!input.IsEmpty && !output.IsEmpty && input.Overlaps(output))
        {
            ThrowOverlap(inputName, outputName, partial: false);
        }
    }

    [DoesNotReturn]
    private static void ThrowLengthMismatch(string aName, int aLength, string bName, int bLength) =>
        throw new ArgumentException($"Length mismatch: {aName} has {aLength} elements but {bName} has {bLength}.", bName);

    [DoesNotReturn]
    private static void ThrowLength(string name, int actual, int expected, string expectedWhat) =>
        throw new ArgumentException($"Length mismatch: {name} has {actual} elements but {expectedWhat} is {expected}.", name);

    [DoesNotReturn]
    private static void ThrowNegativeShape(string name, int rows, int columns) =>
        throw new ArgumentOutOfRangeException(name, $"Matrix {name} cannot have {rows} rows and {columns} columns: both must be ≥ 0.");

    [DoesNotReturn]
    private static void ThrowMatrixShape(string name, int length, int rows, int columns) =>
        throw new ArgumentException($"Length mismatch: matrix {name} has {length} elements but {rows} rows × {columns} columns need {(long)rows * columns}.", name);

    [DoesNotReturn]
    private static void ThrowOverlap(string inputName, string outputName, bool partial) =>
        throw new ArgumentException(
            partial
                ? $"{outputName} partly overlaps {inputName}; it may be the very same span (in place) or a separate one."
                : $"{outputName} overlaps {inputName}; they must be separate memory.",
            outputName);
}
