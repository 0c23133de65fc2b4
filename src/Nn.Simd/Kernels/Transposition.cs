using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

// t = wᵀ: a row-major w (rows × columns) into a row-major t (columns × rows). A pure copy, so the
// same bits on every path by construction. The vector bodies transpose 8 × 8 (AVX) or 4 × 4 (NEON)
// blocks in registers, 16 rows at a time so that each row of t receives whole 64-byte lines; the
// scalar body, in 16 × 16 tiles, is the oracle and takes the edges. The training engine transposes
// W² of configuration (c) (256 × 256) after every step: 7.9 µs on the AVX body against 30.2 µs on
// the scalar one (TranspositionBenchmarks, Zen 5-class EPYC).

/// <summary>Matrix transposition.</summary>
internal static class Transposition
{
    private const int Strip = 16;

    /// <summary>t (columns × rows) = wᵀ for a row-major w (rows × columns).</summary>
    internal static void Transpose(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, KernelPath path) => Transpose(w, rows, columns, t, 0, rows, path);

    /// <summary>Rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of w into their columns of t; nothing else of t is written.</summary>
    internal static void Transpose(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, int firstRow, int endRow, KernelPath path)
    {
        KernelDispatch.ThrowIfUnsupported(path);
        if ((uint)firstRow > (uint)endRow || endRow > rows || columns < 0 || w.Length < (long)rows * columns || t.Length < (long)rows * columns)
        {
            throw new ArgumentException($"Rows [{firstRow}, {endRow}) of a {rows} × {columns} matrix need {(long)rows * columns} floats on each side, and have {w.Length} and {t.Length}.");
        }

        int vectorEnd = firstRow, vectorColumns = 0;
        if (Avx.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            (vectorEnd, vectorColumns) = (firstRow + ((endRow - firstRow) & ~7), columns & ~7);
            TransposeAvx2(w, rows, columns, t, firstRow, vectorEnd, vectorColumns);
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            (vectorEnd, vectorColumns) = (firstRow + ((endRow - firstRow) & ~3), columns & ~3);
            TransposeAdvSimd(w, rows, columns, t, firstRow, vectorEnd, vectorColumns);
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        TransposeScalar(w, rows, columns, t, firstRow, vectorEnd, vectorColumns, columns);
        TransposeScalar(w, rows, columns, t, vectorEnd, endRow, 0, columns);
    }

    /// <summary>The block rows [r0, r1) × columns [c0, c1) of w into t, in 16 × 16 tiles so that both sides stay in cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeScalar(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, int r0, int r1, int c0, int c1)
    {
        for (int rt = r0; rt < r1; rt += Strip)
        {
            int rEnd = Math.Min(r1, rt + Strip);
            for (int ct = c0; ct < c1; ct += Strip)
            {
                int cEnd = Math.Min(c1, ct + Strip);
                for (int r = rt; r < rEnd; r++)
                {
                    ReadOnlySpan<float> row = w.Slice((r * columns) + ct, cEnd - ct);
                    for (int c = 0; c < row.Length; c++)
                    {
                        t[((ct + c) * rows) + r] = row[c];
                    }
                }
            }
        }
    }

    /// <summary>Rows [r0, r1) (a multiple of 8 of them) × columns [0, c1) (a multiple of 8) in 8 × 8 blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeAvx2(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, int r0, int r1, int c1)
    {
        ref float source = ref MemoryMarshal.GetReference(w);
        ref float target = ref MemoryMarshal.GetReference(t);
        for (int strip = r0; strip < r1; strip += Strip)
        {
            int stripEnd = Math.Min(r1, strip + Strip);
            for (int c = 0; c < c1; c += 8)
            {
                for (int r = strip; r < stripEnd; r += 8)
                {
                    Block8(ref source, (nuint)((r * columns) + c), (nuint)columns, ref target, (nuint)((c * rows) + r), (nuint)rows);
                }
            }
        }
    }

    /// <summary>The 8 × 8 block at w[at] (row stride <paramref name="columns"/>) transposed into t[to] (row stride <paramref name="rows"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(ref float w, nuint at, nuint columns, ref float t, nuint to, nuint rows)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref w, at), a1 = Vector256.LoadUnsafe(ref w, at + columns);
        Vector256<float> a2 = Vector256.LoadUnsafe(ref w, at + (2 * columns)), a3 = Vector256.LoadUnsafe(ref w, at + (3 * columns));
        Vector256<float> a4 = Vector256.LoadUnsafe(ref w, at + (4 * columns)), a5 = Vector256.LoadUnsafe(ref w, at + (5 * columns));
        Vector256<float> a6 = Vector256.LoadUnsafe(ref w, at + (6 * columns)), a7 = Vector256.LoadUnsafe(ref w, at + (7 * columns));

        // Pairs of rows interleaved, then quads: u_j holds column j of rows 0–3 in its low lane and
        // column j + 4 in its high lane; v_j the same for rows 4–7.
        Vector256<float> t0 = Avx.UnpackLow(a0, a1), t1 = Avx.UnpackHigh(a0, a1), t2 = Avx.UnpackLow(a2, a3), t3 = Avx.UnpackHigh(a2, a3);
        Vector256<float> t4 = Avx.UnpackLow(a4, a5), t5 = Avx.UnpackHigh(a4, a5), t6 = Avx.UnpackLow(a6, a7), t7 = Avx.UnpackHigh(a6, a7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> v0 = Avx.Shuffle(t4, t6, 0x44), v1 = Avx.Shuffle(t4, t6, 0xEE), v2 = Avx.Shuffle(t5, t7, 0x44), v3 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(u0, v0, 0x20).StoreUnsafe(ref t, to);
        Avx.Permute2x128(u1, v1, 0x20).StoreUnsafe(ref t, to + rows);
        Avx.Permute2x128(u2, v2, 0x20).StoreUnsafe(ref t, to + (2 * rows));
        Avx.Permute2x128(u3, v3, 0x20).StoreUnsafe(ref t, to + (3 * rows));
        Avx.Permute2x128(u0, v0, 0x31).StoreUnsafe(ref t, to + (4 * rows));
        Avx.Permute2x128(u1, v1, 0x31).StoreUnsafe(ref t, to + (5 * rows));
        Avx.Permute2x128(u2, v2, 0x31).StoreUnsafe(ref t, to + (6 * rows));
        Avx.Permute2x128(u3, v3, 0x31).StoreUnsafe(ref t, to + (7 * rows));
    }

    /// <summary>Rows [r0, r1) (a multiple of 4 of them) × columns [0, c1) (a multiple of 4) in 4 × 4 blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeAdvSimd(ReadOnlySpan<float> w, int rows, int columns, Span<float> t, int r0, int r1, int c1)
    {
        ref float source = ref MemoryMarshal.GetReference(w);
        ref float target = ref MemoryMarshal.GetReference(t);
        nuint stride = (nuint)columns, tStride = (nuint)rows;
        for (int strip = r0; strip < r1; strip += Strip)
        {
            int stripEnd = Math.Min(r1, strip + Strip);
            for (int c = 0; c < c1; c += 4)
            {
                for (int r = strip; r < stripEnd; r += 4)
                {
                    nuint at = (nuint)((r * columns) + c), to = (nuint)((c * rows) + r);
                    Vector128<float> a0 = Vector128.LoadUnsafe(ref source, at), a1 = Vector128.LoadUnsafe(ref source, at + stride);
                    Vector128<float> a2 = Vector128.LoadUnsafe(ref source, at + (2 * stride)), a3 = Vector128.LoadUnsafe(ref source, at + (3 * stride));
                    Vector128<double> t0 = AdvSimd.Arm64.ZipLow(a0, a1).AsDouble(), t1 = AdvSimd.Arm64.ZipHigh(a0, a1).AsDouble();
                    Vector128<double> t2 = AdvSimd.Arm64.ZipLow(a2, a3).AsDouble(), t3 = AdvSimd.Arm64.ZipHigh(a2, a3).AsDouble();
                    AdvSimd.Arm64.ZipLow(t0, t2).AsSingle().StoreUnsafe(ref target, to);
                    AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle().StoreUnsafe(ref target, to + tStride);
                    AdvSimd.Arm64.ZipLow(t1, t3).AsSingle().StoreUnsafe(ref target, to + (2 * tStride));
                    AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle().StoreUnsafe(ref target, to + (3 * tStride));
                }
            }
        }
    }
}
