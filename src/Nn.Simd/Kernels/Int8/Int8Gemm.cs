// Integer GEMM of int8 activations against an int8 weight matrix, exact in int32:
//
//   S[m, r] = Σ_c x[m, c] · q[r, c]        m < count samples, r < N rows, c < K columns
//
// Every product of two int8 fits in 15 bits and K ≤ 65,536 (Int8Matrix.MaxColumns), so every
// partial sum fits in int32: the sums are exact whatever their order, and every path below gives
// the same integers as the scalar oracle by construction, not by care. A single sample
// (Int8MatVec) is the GEMM with count = 1.
//
// Tile: 4 rows of q × 1 sample, with the 4 accumulators sharing each load of x; the 4 rows
// (4·Stride bytes, 3.3 KB at K = 784) stay in L1 while a block of up to 32 samples runs past them,
// and a block of samples (32·Stride bytes) stays in L1/L2 while the row groups run past it. The
// accumulators' lanes are reduced once per (sample, 4 rows) into 4 contiguous sums.
//
// Bodies (one per file): Int8Gemm.Scalar.cs (the oracle), Int8Gemm.Avx2.cs (vpmaddwd on
// sign-extended int16, and AVX-VNNI vpdpbusd on (x + 128) with the exact correction −128·Σ_c q[r, c]),
// Int8Gemm.Vnni.cs (AVX-VNNI on the matrix's packed panels, 6 samples × 16 rows, for whole tiles of samples),
// Int8Gemm.Avx512.cs (vpmaddwd on 512-bit int16), Int8Gemm.AdvSimd.cs (sdot where the CPU has the
// dot-product extension, else smull/smull2 + sadalp). No body uses a saturating instruction
// (vpmaddubsw, vpdpbusds): saturation would make the sums depend on the instruction set.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>Samples per block of the int8 GEMM: a block's rows of x stay in L1/L2 while the row groups pass.</summary>
    private const int Int8SampleBlock = 32;

    /// <summary>The exact int32 sums S = x·qᵀ of one sample: S[r] = Σ_c x[c]·q[r, c].</summary>
    /// <param name="weights">q, <see cref="Int8Matrix.Rows"/> × <see cref="Int8Matrix.Columns"/>.</param>
    /// <param name="x">The quantized input, <see cref="Int8Matrix.Stride"/> bytes; the bytes after
    /// <see cref="Int8Matrix.Columns"/> may hold anything (they meet the matrix's zero padding).</param>
    /// <param name="sums">Output, <see cref="Int8Matrix.Rows"/> long.</param>
    /// <exception cref="ArgumentException">A length does not match the matrix.</exception>
    public static void Int8MatVec(Int8Matrix weights, ReadOnlySpan<sbyte> x, Span<int> sums) =>
        Int8Gemm(weights, x, 1, sums, KernelDispatch.Active);

    /// <summary>
    /// The exact int32 sums S = X·qᵀ of a block of samples: S[m, r] = Σ_c X[m, c]·q[r, c]. Integer
    /// sums are exact, so every path and every block size gives the same values.
    /// </summary>
    /// <param name="weights">q, N × K.</param>
    /// <param name="x">The quantized inputs, row-major, <paramref name="count"/> rows of
    /// <see cref="Int8Matrix.Stride"/> bytes (the bytes after K in each row may hold anything).</param>
    /// <param name="count">Samples (rows of X).</param>
    /// <param name="sums">Output, <paramref name="count"/> × N, row-major.</param>
    /// <exception cref="ArgumentException">A length does not match the shapes.</exception>
    public static void Int8Gemm(Int8Matrix weights, ReadOnlySpan<sbyte> x, int count, Span<int> sums) =>
        Int8Gemm(weights, x, count, sums, KernelDispatch.Active);

    /// <inheritdoc cref="Int8Gemm(Int8Matrix, ReadOnlySpan{sbyte}, int, Span{int})"/>
    /// <param name="weights">q.</param>
    /// <param name="x">The quantized inputs.</param>
    /// <param name="count">Samples.</param>
    /// <param name="sums">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Int8Gemm(Int8Matrix weights, ReadOnlySpan<sbyte> x, int count, Span<int> sums, KernelPath path) =>
        Int8Gemm(weights, x, count, sums, path, dotProduct: true);

    /// <summary>
    /// The GEMM on <paramref name="path"/>; with <paramref name="dotProduct"/> false the x86 paths
    /// skip AVX-VNNI and NEON skips sdot, so that tests reach the widening bodies on any CPU.
    /// </summary>
    internal static unsafe void Int8Gemm(Int8Matrix weights, ReadOnlySpan<sbyte> x, int count, Span<int> sums, KernelPath path, bool dotProduct)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (count < 0 || (long)count * weights.Stride != x.Length)
        {
            throw new ArgumentException($"Length mismatch: x has {x.Length} bytes but {count} samples of the matrix's stride {weights.Stride} need {(long)count * weights.Stride}.", nameof(x));
        }

        if ((long)count * weights.Rows != sums.Length)
        {
            throw new ArgumentException($"Length mismatch: sums has {sums.Length} elements but {count} samples × {weights.Rows} rows need {(long)count * weights.Rows}.", nameof(sums));
        }

        KernelDispatch.ThrowIfUnsupported(path);
        if (count == 0 || weights.Rows == 0)
        {
            return;
        }

        fixed (sbyte* xp = x)
        fixed (int* sp = sums)
        fixed (int* rowSums = weights.RowSums)
        {
            var operands = new Int8Operands(
                (sbyte*)Unsafe.AsPointer(ref weights.Origin), (nuint)weights.Stride, (nuint)weights.Rows,
                (nuint)((weights.Columns + 31) & ~31), rowSums, xp, (nuint)count, sp)
            {
                Panels = weights.HasPanels ? (byte*)Unsafe.AsPointer(ref weights.PanelOrigin) : null,
                PanelSteps = (nuint)weights.PanelSteps,
                Columns = (nuint)weights.Columns,
            };
            Int8GemmCore(operands, path, dotProduct);
        }
    }

    private static void Int8GemmCore(in Int8Operands o, KernelPath path, bool dotProduct)
    {
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            if (dotProduct && AvxVnni.IsSupported)
            {
                KernelProbe.Record(KernelPath.Avx2);
                Int8GemmVnniAvx2(o);
            }
            else if (path == KernelPath.Avx512 && Avx512BW.IsSupported)
            {
                KernelProbe.Record(KernelPath.Avx512);
                Int8GemmAvx512(o);
            }
            else
            {
                KernelProbe.Record(KernelPath.Avx2);
                Int8GemmAvx2(o);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            if (dotProduct && Dp.IsSupported)
            {
                Int8GemmSdotAdvSimd(o);
            }
            else
            {
                Int8GemmAdvSimd(o);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
            Int8GemmScalar(o);
        }
    }

    /// <summary>
    /// The blocking of the 4 × 1 bodies: blocks of <see cref="Int8SampleBlock"/> samples, the row
    /// groups of 4 run past each block, and <paramref name="tile"/> computes and stores each
    /// sample's 4 sums. Inlined into each body, with the tile's loop inlined into it in turn; the
    /// bodies that are only this call are NoInlining, so that the dispatcher (tiered, not
    /// AggressiveOptimization) never takes their loops in and runs them unoptimised first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Int8Blocks<TTile>(in Int8Operands o, TTile tile)
        where TTile : struct, IInt8Tile
    {
        for (nuint m0 = 0; m0 < o.Count; m0 += Int8SampleBlock)
        {
            nuint mEnd = Math.Min(o.Count, m0 + Int8SampleBlock);
            for (nuint r = 0; r < o.Rows; r += 4)
            {
                sbyte* q0 = o.Row(r), q1 = o.Row(r + 1), q2 = o.Row(r + 2), q3 = o.Row(r + 3);
                for (nuint m = m0; m < mEnd; m++)
                {
                    tile.Run(o, m, r, o.X + (m * o.Stride), q0, q1, q2, q3);
                }
            }
        }
    }

    /// <summary>One body's 4 × 1 tile: the sums of rows q0..q3 (rows r..r+3) with sample m at x, stored.</summary>
    private interface IInt8Tile
    {
        unsafe void Run(in Int8Operands o, nuint m, nuint r, sbyte* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3);
    }

    /// <summary>
    /// The operands of one int8 GEMM: q from <c>W</c> (<c>Rows</c> rows of <c>Stride</c> bytes, zero
    /// past K), <c>Depth</c> = K rounded up to 32 (what the vector bodies run each dot over),
    /// <c>RowSums</c> (padded to 4 rows), x (<c>Count</c> rows of <c>Stride</c> bytes) and S.
    /// </summary>
    private readonly unsafe struct Int8Operands(sbyte* w, nuint stride, nuint rows, nuint depth, int* rowSums, sbyte* x, nuint count, int* sums)
    {
        public readonly sbyte* W = w;
        public readonly nuint Stride = stride;
        public readonly nuint Rows = rows;
        public readonly nuint Depth = depth;
        public readonly int* RowSums = rowSums;
        public readonly sbyte* X = x;
        public readonly nuint Count = count;
        public readonly int* Sums = sums;

        /// <summary>The matrix's AVX-VNNI panels (Int8Matrix.cs gives their layout), or null where it has none.</summary>
        public byte* Panels { get; init; }

        /// <summary>Steps of 4 columns in a panel, ⌈K / 4⌉.</summary>
        public nuint PanelSteps { get; init; }

        /// <summary>K, the columns of q (and of x) that hold values.</summary>
        public nuint Columns { get; init; }

        /// <summary>Row <paramref name="r"/> of q, or the last row for an index past it (a partial group's spare lanes, never stored).</summary>
        public sbyte* Row(nuint r) => W + (Math.Min(r, Rows - 1) * Stride);

        /// <summary>Stores the sums of rows r..r+3 of sample m: one vector store when all four rows exist, else those that do (a last, partial group).</summary>
        public void Store(nuint m, nuint r, Vector128<int> sums)
        {
            int* destination = Sums + (m * Rows) + r;
            if (r + 4 <= Rows)
            {
                sums.Store(destination);
                return;
            }

            for (nuint i = 0; r + i < Rows; i++)
            {
                destination[i] = sums.GetElement((int)i);
            }
        }

        /// <summary>Stores the sums of rows r..r+7 of sample m: one vector store when all eight rows exist, else as two halves of four.</summary>
        public void Store(nuint m, nuint r, Vector256<int> sums)
        {
            if (r + 8 <= Rows)
            {
                sums.Store(Sums + (m * Rows) + r);
                return;
            }

            Store(m, r, sums.GetLower());
            Store(m, r + 4, sums.GetUpper());
        }
    }
}
