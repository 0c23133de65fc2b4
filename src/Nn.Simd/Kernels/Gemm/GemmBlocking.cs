// Gemm's blocking and routing: the ISA dispatch, then per path the loops that cover C with the
// micro-kernels (tile counts and which kernel takes which edge).
//
//   AVX2      16-column panels of 6×16 tiles (the 1..5 rows left in one 6×16 tile compiled for
//             that many rows); the last 8..15 columns in 6×8 / 1×8; the last 1..7 in the masked
//             6×8 / 1×8; M = 1 in GemvAvx2.
//   AVX-512   32-column panels of 12×32 tiles (the 1..11 rows left in one tile); the last 1..31
//             columns in masked tiles (one zmm wide for the last 1..16); the last 1..4 with A not
//             transposed and M ≥ 4 four rows to a zmm (Gemm32x4Avx512); M = 1 in GemvAvx512.
//   NEON      4×8 tiles, 1×4 for the last 4..7 columns, the 1..3 rows below the tiles in
//             GemvAdvSimd, the last 1..3 columns in the scalar loop.
//   Scalar    the oracle over the whole matrix.
//
// No packing: for the layer shapes of this engine (K ≤ a few thousand) B's 16- or 32-column panel
// streams from L2 fast enough, so the micro-kernels read A and B in place through their strides.
// The row counts of the edge tiles are type arguments: WithCount (GemmCounts.cs) turns the rows
// left over into the instantiation compiled for exactly that many, its unused rows removed.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>One checked, non-empty product on <paramref name="path"/>'s bodies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run(GemmShape shape, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, KernelPath path)
    {
        // Pinned pointers: the micro-kernels walk A and B by stride, and a pointer may step one
        // stride past the end after the last k, which a managed reference must not.
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (Avx512F.IsSupported && path == KernelPath.Avx512)
            {
                KernelProbe.Record(KernelPath.Avx512);
                GemmAvx512(shape, pa, pb, pc);
            }
            else if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
            {
                KernelProbe.Record(KernelPath.Avx2);
                GemmAvx2(shape, pa, pb, pc);
            }
            else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
            {
                KernelProbe.Record(KernelPath.AdvSimd);
                GemmAdvSimd(shape, pa, pb, pc);
            }
            else
            {
                KernelProbe.Record(KernelPath.Scalar);
                GemmScalarColumns(shape, pa, pb, pc, 0);
            }
        }
    }

    /// <summary>
    /// The dimensions and strides of one product, passed by value to the path bodies. Only the
    /// AVX-512 tiles read the last two (see GemmBias): a <see cref="Bias"/> (the address of a row of
    /// N floats) is where every row's chains start instead of C, and <see cref="Relu"/> applies relu
    /// before the store.
    /// </summary>
    private readonly record struct GemmShape(nuint M, nuint N, nuint K, nuint Lda, bool TransposeA, nuint Ldb, nuint Ldc, bool Accumulate)
    {
        /// <summary>The address of the bias row where every row's chains start instead of C (0: none).</summary>
        public nint Bias { get; init; }

        /// <summary>Whether relu is applied before the store.</summary>
        public bool Relu { get; init; }

        /// <summary>Offset of op(A)[i, p].</summary>
        public nuint AIndex(nuint i, nuint p) => TransposeA ? (p * Lda) + i : (i * Lda) + p;

        /// <summary>Distance between op(A)[i, p] and op(A)[i, p + 1].</summary>
        public nuint AStepK => TransposeA ? Lda : 1;

        /// <summary>Distance between op(A)[i, p] and op(A)[i + 1, p].</summary>
        public nuint AStepM => TransposeA ? 1 : Lda;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmAvx2(GemmShape s, float* a, float* b, float* c)
    {
        if (s.M == 1)
        {
            GemvAvx2(s, a, b, c);
            return;
        }

        nuint j = 0;
        for (; j + 16 <= s.N; j += 16)
        {
            nuint i = 0;
            for (; i + 6 <= s.M; i += 6)
            {
                Gemm6x16Avx2<Count6>(s, a, b, c, i, j);
            }

            WithCount(s.M - i, new Gemm6x16Avx2Rows(s, a, b, c, i, j));
        }

        if (j + 8 <= s.N)
        {
            nuint i = 0;
            for (; i + 6 <= s.M; i += 6)
            {
                Gemm6x8Avx2(s, a, b, c, i, j);
            }

            for (; i < s.M; i++)
            {
                Gemm1x8Avx2(s, a, b, c, i, j);
            }

            j += 8;
        }

        if (j < s.N)
        {
            // The last 1..7 columns: masked loads and stores touch only them, so each element
            // still gets its one fma chain, in vector registers instead of the scalar loop.
            Vector256<float> mask = TailMaskAvx2(s.N - j);
            nuint i = 0;
            for (; i + 6 <= s.M; i += 6)
            {
                Gemm6x8MaskedAvx2(s, a, b, c, i, j, mask);
            }

            for (; i < s.M; i++)
            {
                Gemm1x8MaskedAvx2(s, a, b, c, i, j, mask);
            }
        }
    }

    /// <summary>
    /// 32-column panels of 12×32 tiles on 512-bit vectors (the 1..11 rows left in one tile); the
    /// last 1..31 columns in masked tiles, or four rows to a vector when only 1..4 are left; one row
    /// (M = 1) in the row kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmAvx512(GemmShape s, float* a, float* b, float* c)
    {
        if (s.M == 1)
        {
            GemvAvx512(s, a, b, c);
            return;
        }

        nuint j = 0;
        for (; j + 32 <= s.N; j += 32)
        {
            GemmPanelAvx512<AllColumns>(s, a, b, c, j, default, default);
        }

        if (j < s.N)
        {
            // The last 1..31 columns: masked loads and stores touch only them (a masked-off lane
            // neither loads nor faults), so every element keeps its one fma chain.
            int width = (int)(s.N - j);
            Vector512<float> mask0 = TailMaskAvx512(width);
            Vector512<float> mask1 = TailMaskAvx512(width - 16);
            if (UsesNarrowColumnsAvx512(s.M, s.N, s.TransposeA))
            {
                GemmNarrowAvx512(s, a, b, c, j, mask0);
            }
            else if (width > 16)
            {
                GemmPanelAvx512<MaskedColumns>(s, a, b, c, j, mask0, mask1);
            }
            else
            {
                GemmPanelAvx512<MaskedHalfColumns>(s, a, b, c, j, mask0, mask1);
            }
        }
    }

    /// <summary>Whether <see cref="GemmAvx512"/> runs the last columns in the four-rows-to-a-zmm kernel: 1..4 left past the 32-column panels, A not transposed, at least four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UsesNarrowColumnsAvx512(nuint m, nuint n, bool transposeA) => n % 32 is > 0 and <= 4 && !transposeA && m >= 4;

    /// <summary>
    /// The last 1..4 columns, A not transposed, four rows to a zmm: lanes 4r..4r+3 hold
    /// C[i + r, j..j+3], so one FMA advances four rows' chains where a one-row masked tile would use
    /// 4 of its 16 lanes (for N = 100 those 4 columns cost a fifth of the whole product). Rows in
    /// tiles of 32 (8 accumulators, enough chains to keep both FMA pipes busy), then of 4..28; the
    /// last 1..3 rows in the masked 12×16 tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmNarrowAvx512(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask512)
    {
        Vector128<float> mask = mask512.GetLower().GetLower();
        if (s.N - j == 4)
        {
            GemmNarrowRowsAvx512<AllColumns>(s, a, b, c, j, mask, mask512);
        }
        else
        {
            GemmNarrowRowsAvx512<MaskedHalfColumns>(s, a, b, c, j, mask, mask512);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmNarrowRowsAvx512<TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector128<float> mask, Vector512<float> mask512)
        where TColumns : struct, IColumnMask
    {
        nuint i = 0;
        for (; i + 32 <= s.M; i += 32)
        {
            Gemm32x4Avx512<Count8, TColumns>(s, a, b, c, i, j, mask);
        }

        WithCount((s.M - i) / 4, new Gemm32x4Avx512Groups<TColumns>(s, a, b, c, i, j, mask));

        i = s.M - (s.M % 4);
        WithCount(s.M - i, new Gemm12x32Avx512Rows<MaskedHalfColumns>(s, a, b, c, i, j, mask512, default));
    }

    /// <summary>One 32-column panel of C, in tiles of 12 rows and one tile of the 1..11 rows left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmPanelAvx512<TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask0, Vector512<float> mask1)
        where TColumns : struct, IColumnMask
    {
        nuint i = 0;
        for (; i + 12 <= s.M; i += 12)
        {
            Gemm12x32Avx512<Count12, TColumns>(s, a, b, c, i, j, mask0, mask1);
        }

        WithCount(s.M - i, new Gemm12x32Avx512Rows<TColumns>(s, a, b, c, i, j, mask0, mask1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmAdvSimd(GemmShape s, float* a, float* b, float* c)
    {
        nuint rows4 = s.M - (s.M % 4), columns8 = s.N - (s.N % 8), columns4 = s.N - (s.N % 4);
        for (nuint j = 0; j < columns8; j += 8)
        {
            for (nuint i = 0; i < rows4; i += 4)
            {
                Gemm4x8AdvSimd(s, a, b, c, i, j);
            }
        }

        if (columns4 > columns8)
        {
            for (nuint i = 0; i < rows4; i++)
            {
                Gemm1x4AdvSimd(s, a, b, c, i, columns8);
            }
        }

        // The 1..3 rows below the 4-row tiles (all of a single sample) one row at a time, each in
        // panels of up to 16 accumulators: a 1×4 kernel would keep one FMA chain in flight.
        for (nuint i = rows4; i < s.M; i++)
        {
            GemvAdvSimd(s, a + s.AIndex(i, 0), b, c + (i * s.Ldc), columns4);
        }

        if (columns4 < s.N)
        {
            GemmScalarColumns(s, a, b, c, columns4);
        }
    }

    /// <summary>How many of a row's <paramref name="vectors"/> go to panel <paramref name="panel"/> of <paramref name="panels"/>: an even split, the first panels one larger.</summary>
    private static int PanelVectors(int vectors, int panels, int panel) => (vectors / panels) + (panel < vectors % panels ? 1 : 0);

    /// <summary>Gemm6x16Avx2 at (i, j) for the 1..5 rows left below the 6-row tiles.</summary>
    private readonly unsafe struct Gemm6x16Avx2Rows(GemmShape s, float* a, float* b, float* c, nuint i, nuint j) : ICountedCall
    {
        public static int MaxCount => 5;

        public void Invoke<TRows>()
            where TRows : struct, ICount => Gemm6x16Avx2<TRows>(s, a, b, c, i, j);
    }

    /// <summary>Gemm12x32Avx512 at (i, j) for the 1..11 rows left below the 12-row tiles.</summary>
    private readonly unsafe struct Gemm12x32Avx512Rows<TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector512<float> mask0, Vector512<float> mask1) : ICountedCall
        where TColumns : struct, IColumnMask
    {
        public static int MaxCount => 11;

        public void Invoke<TRows>()
            where TRows : struct, ICount => Gemm12x32Avx512<TRows, TColumns>(s, a, b, c, i, j, mask0, mask1);
    }

    /// <summary>Gemm32x4Avx512 at (i, j) for the 1..7 groups of four rows left below the 32-row tiles.</summary>
    private readonly unsafe struct Gemm32x4Avx512Groups<TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector128<float> mask) : ICountedCall
        where TColumns : struct, IColumnMask
    {
        public static int MaxCount => 7;

        public void Invoke<TGroups>()
            where TGroups : struct, ICount => Gemm32x4Avx512<TGroups, TColumns>(s, a, b, c, i, j, mask);
    }
}
