using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Simd.Kernels;

/// <summary>
/// Checked 2-D views over spans: <c>rows</c> rows of <c>columns</c> floats, each row
/// <c>stride</c> floats after the one before. CommunityToolkit builds views from arrays with a
/// bounds check, but from a span only through the unchecked DangerousCreate, so the check is here.
/// </summary>
internal static class MatrixView
{
    /// <summary>A read-only view of <paramref name="span"/> (0×0 if it has no element).</summary>
    public static ReadOnlySpan2D<float> Of(ReadOnlySpan<float> span, int rows, int columns, int stride)
    {
        if (!Covers(span.Length, rows, columns, stride))
        {
            ThrowShape(span.Length, rows, columns, stride);
        }

        return rows == 0 || columns == 0 ? default : ReadOnlySpan2D<float>.DangerousCreate(in MemoryMarshal.GetReference(span), rows, columns, stride - columns);
    }

    /// <summary>A writable view of <paramref name="span"/> (0×0 if it has no element).</summary>
    public static Span2D<float> Of(Span<float> span, int rows, int columns, int stride)
    {
        if (!Covers(span.Length, rows, columns, stride))
        {
            ThrowShape(span.Length, rows, columns, stride);
        }

        return rows == 0 || columns == 0 ? default : Span2D<float>.DangerousCreate(ref MemoryMarshal.GetReference(span), rows, columns, stride - columns);
    }

    private static bool Covers(int length, int rows, int columns, int stride) =>
        rows >= 0 && columns >= 0 && stride >= columns && (rows == 0 || columns == 0 || ((long)(rows - 1) * stride) + columns <= length);

    [DoesNotReturn]
    private static void ThrowShape(int length, int rows, int columns, int stride) =>
        throw new ArgumentException($"Length mismatch: a span of {length} elements cannot hold {rows} rows × {columns} columns with stride {stride} (stride ≥ columns ≥ 0 and (rows − 1)·stride + columns elements needed).");
}
