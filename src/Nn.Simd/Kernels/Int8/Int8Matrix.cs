// A weight matrix quantized symmetrically per row: W[r, c] ≈ scale_r · q[r, c], q in [−127, 127].
//
//   scale_r = max_c |W[r, c]| / 127          (a row of zeros gets scale 0 and q = 0)
//   q[r, c] = clamp(round_even(W[r, c] · (127 / max_c |W[r, c]|)), −127, 127)
//
// Layout (the order the Int8 GEMM streams, so nothing is packed per call):
//
//   origin (64-byte boundary)
//   │ row 0: q[0, 0] … q[0, K−1] 0 … 0 │ row 1: … │ … │ row N−1 … 0 │
//   └──────────── Stride bytes ───────┘   Stride = K rounded up to 64
//
// The padding is zero, so a kernel may run every row to a whole number of vectors and read any
// bytes of the input's padding: they are multiplied by 0. RowSums[r] = Σ_c q[r, c] (padded to a
// multiple of 4 rows with zeros) lets the unsigned-by-signed dot product (x + 128)·q be corrected
// back to x·q exactly.
//
// Where the runtime exposes AVX-VNNI, the matrix also keeps the panels that the batch GEMM's
// AVX-VNNI tile reads (Int8Gemm.Vnni.cs): the rows in groups of 8, and within a group, for each
// 4 columns c..c+3, the 8 rows' 4 bytes side by side (32 bytes, one vector), as unsigned bytes
// q + 128 (0..255), and 0 past K and past the last row:
//
//   group g, step k:  │ row 8g: q+128 at c = 4k..4k+3 │ row 8g+1 │ … │ row 8g+7 │   (32 bytes)
//
// One vpdpbusd then takes 4 columns of 8 rows against 4 bytes of one sample broadcast to every lane.
// The panels are a second copy of the values (⌈N/8⌉·8 × ⌈K/4⌉·4 bytes), the price of a GEMM tile
// without horizontal sums.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// An int8 weight matrix with one fp32 scale per row (symmetric quantization), stored row-major
/// with each row zero-padded to a 64-byte <see cref="Stride"/>, from a 64-byte boundary: the operand
/// of <see cref="Kernel.Int8Gemm(Int8Matrix, ReadOnlySpan{sbyte}, int, Span{int})"/>. Immutable.
/// </summary>
public sealed class Int8Matrix
{
    /// <summary>The most columns a matrix may have: every int32 sum of K products of two int8 stays exact (K·128·128 ≤ 2³⁰).</summary>
    public const int MaxColumns = 65_536;

    private const int Alignment = 64;

    /// <summary>Rows per group of the AVX-VNNI panels.</summary>
    internal const int PanelRows = 8;

    private readonly sbyte[] _data;
    private readonly int _origin;
    private readonly float[] _scales;
    private readonly int[] _rowSums;
    private byte[]? _panels;
    private int _panelOrigin;

    private Int8Matrix(int rows, int columns, float[] scales)
    {
        if (rows < 0 || columns < 0 || columns > MaxColumns)
        {
            throw new ArgumentOutOfRangeException(nameof(columns), $"An int8 matrix of {rows} × {columns} is not allowed: rows and columns must be non-negative and columns at most {MaxColumns}.");
        }

        Rows = rows;
        Columns = columns;
        Stride = Math.Max(Alignment, (columns + Alignment - 1) / Alignment * Alignment);
        _data = GC.AllocateArray<sbyte>((rows * Stride) + Alignment, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0);
        _origin = (int)((Alignment - (address % Alignment)) % Alignment);
        _scales = scales;
        _rowSums = new int[(rows + 3) / 4 * 4];
    }

    /// <summary>Rows (the layer's outputs).</summary>
    public int Rows { get; }

    /// <summary>Columns (the layer's inputs).</summary>
    public int Columns { get; }

    /// <summary>Bytes from one row to the next: <see cref="Columns"/> rounded up to a multiple of 64 (at least 64).</summary>
    public int Stride { get; }

    /// <summary>The quantized values, <see cref="Rows"/> × <see cref="Stride"/> bytes, each row's padding zero.</summary>
    public ReadOnlySpan<sbyte> Values => _data.AsSpan(_origin, Rows * Stride);

    /// <summary>The scale of each row: W[r, c] ≈ Scales[r] · q[r, c].</summary>
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>Σ_c q[r, c] for each row, then zeros up to a multiple of 4 rows.</summary>
    internal ReadOnlySpan<int> RowSums => _rowSums;

    /// <summary>Whether the AVX-VNNI panels were built (only where the runtime exposes AVX-VNNI).</summary>
    internal bool HasPanels => _panels is not null;

    /// <summary>Steps of 4 columns in a panel: ⌈K / 4⌉.</summary>
    internal int PanelSteps => (Columns + 3) / 4;

    /// <summary>The address-stable reference of the first panel byte (the panels are pinned); only when <see cref="HasPanels"/>.</summary>
    internal ref byte PanelOrigin => ref _panels![_panelOrigin];

    /// <summary>Quantizes a row-major fp32 matrix, each row to its own symmetric scale.</summary>
    /// <param name="weights">W, <paramref name="rows"/> × <paramref name="columns"/>, row-major; finite.</param>
    /// <param name="rows">Rows of W.</param>
    /// <param name="columns">Columns of W, at most <see cref="MaxColumns"/>.</param>
    /// <returns>The quantized matrix; the same bits on every CPU (scalar arithmetic, round half to even).</returns>
    /// <exception cref="ArgumentException">The length does not match the shape, or a weight is not finite.</exception>
    public static Int8Matrix Quantize(ReadOnlySpan<float> weights, int rows, int columns)
    {
        Check.MatrixShape(weights, nameof(weights), rows, columns);
        var matrix = new Int8Matrix(rows, columns, new float[rows]);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = weights.Slice(r * columns, columns);
            float max = 0f;
            foreach (float w in row)
            {
                if (!float.IsFinite(w))
                {
                    throw new ArgumentException($"Weight row {r} holds {w}: only finite weights can be quantized.", nameof(weights));
                }

                max = Math.Max(max, Math.Abs(w));
            }

            float inverse = max > 0f ? 127f / max : 0f;
            matrix._scales[r] = max / 127f;
            Span<sbyte> q = matrix.Row(r);
            for (int c = 0; c < columns; c++)
            {
                q[c] = (sbyte)Math.Clamp(MathF.Round(row[c] * inverse), -127f, 127f);
            }
        }

        matrix.Complete();
        return matrix;
    }

    /// <summary>A matrix from values already quantized (as read from a model file).</summary>
    /// <param name="values">q, <paramref name="rows"/> × <paramref name="columns"/>, row-major (no padding).</param>
    /// <param name="scales">One finite, non-negative scale per row.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="columns">Columns, at most <see cref="MaxColumns"/>.</param>
    /// <returns>The matrix, with a copy of the values and scales.</returns>
    /// <exception cref="ArgumentException">A length does not match the shape, or a scale is negative or not finite.</exception>
    public static Int8Matrix FromQuantized(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || (long)rows * columns != values.Length || scales.Length != rows)
        {
            throw new ArgumentException($"A {rows} × {columns} int8 matrix needs {(long)rows * columns} values and {rows} scales, not {values.Length} and {scales.Length}.", nameof(values));
        }

        foreach (float scale in scales)
        {
            if (!float.IsFinite(scale) || scale < 0f)
            {
                throw new ArgumentException($"The row scale {scale} is not a finite, non-negative number.", nameof(scales));
            }
        }

        var matrix = new Int8Matrix(rows, columns, scales.ToArray());
        for (int r = 0; r < rows; r++)
        {
            values.Slice(r * columns, columns).CopyTo(matrix.Row(r));
        }

        matrix.Complete();
        return matrix;
    }

    /// <summary>Row <paramref name="r"/>'s <see cref="Columns"/> values (without the padding).</summary>
    /// <param name="r">The row.</param>
    /// <returns>The row's quantized values.</returns>
    public ReadOnlySpan<sbyte> RowValues(int r) => _data.AsSpan(_origin + (r * Stride), Columns);

    /// <summary>The values dequantized, Scales[r] · q[r, c], row-major without padding.</summary>
    /// <returns>A new array of <see cref="Rows"/> × <see cref="Columns"/> floats.</returns>
    public float[] Dequantize()
    {
        var w = new float[Rows * Columns];
        for (int r = 0; r < Rows; r++)
        {
            ReadOnlySpan<sbyte> q = RowValues(r);
            for (int c = 0; c < Columns; c++)
            {
                w[(r * Columns) + c] = _scales[r] * q[c];
            }
        }

        return w;
    }

    /// <summary>The address-stable reference of the first value (the data is pinned).</summary>
    internal ref sbyte Origin => ref _data[_origin];

    private Span<sbyte> Row(int r) => _data.AsSpan(_origin + (r * Stride), Columns);

    /// <summary>Once the values are in: the row sums, and the AVX-VNNI panels where the runtime exposes AVX-VNNI.</summary>
    private void Complete()
    {
        for (int r = 0; r < Rows; r++)
        {
            int sum = 0;
            foreach (sbyte q in RowValues(r))
            {
                sum += q;
            }

            _rowSums[r] = sum;
        }

        if (!AvxVnni.IsSupported)
        {
            return;
        }

        int steps = PanelSteps, groups = (Rows + PanelRows - 1) / PanelRows;
        _panels = GC.AllocateArray<byte>((groups * steps * 4 * PanelRows) + Alignment, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_panels, 0);
        _panelOrigin = (int)((Alignment - (address % Alignment)) % Alignment);
        for (int r = 0; r < Rows; r++)
        {
            ReadOnlySpan<sbyte> q = RowValues(r);
            int group = _panelOrigin + (r / PanelRows * steps * 4 * PanelRows) + (r % PanelRows * 4);
            for (int c = 0; c < Columns; c++)
            {
                _panels[group + (c / 4 * 4 * PanelRows) + (c % 4)] = (byte)(q[c] + 128);
            }
        }
    }
}
