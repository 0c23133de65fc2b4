// General matrix multiply for the matrix-based mini-batch:
//
//   C (M×N) ← [C or 0] + op(A) (M×K) · B (K×N)
//   op(A)[i, p] = A[i·lda + p], or A[p·lda + i] when A is given transposed
//   B[p, j] = B[p·ldb + j],  C[i, j] = C[i·ldc + j]   (row-major, with leading dimensions)
//
// Every element is one chain of fused multiply-adds in increasing p, starting from C[i, j] (or +0):
//   c = fma(op(A)[i, p], B[p, j], c)   for p = 0, 1, …, K−1
// The vector paths keep that chain and vectorise across j (one column per lane), so every path
// gives the scalar oracle's bits. The three products of a training step all take this form:
//   forward   Z = A·Wᵀ (+ b)   op(A) = the activations, B = Wᵀ
//   backward  Δ = D·W          op(A) = the next layer's errors, B = W
//   gradient  G += Dᵀ·A        op(A) = the errors, transposed, B = the activations
//
// AVX2 micro-kernel 6×16 (register budget, 16 ymm): C00..C51 = 12 accumulators (6 rows × two
// 8-float vectors), B0, B1 = the two vectors of B's row p, one register for the broadcast of
// op(A)[i, p]. Per p: 2 loads of B, 6 broadcasts, 12 FMAs. Edges: the 6×16 tile compiled for the
// 1..5 rows left over, a 6×8 kernel for the last 8..15 columns and 1×8 for its last rows, masked
// 6×8 / 1×8 kernels for the last 1..7 columns (masked loads and stores, which touch only those
// columns). One row (a single sample) runs in panels of up to 13 ymm accumulators instead, one pass
// over B per panel (13 + the broadcast + B's vector + the tail mask = all 16 registers, no spills:
// N = 100 is one pass, not two latency-bound passes of 7 and 6 chains).
// AVX-512 micro-kernel 12×32 (24 zmm accumulators of its 32 registers, two for B, one broadcast:
// per p, 2 loads of B, 12 broadcasts, 24 FMAs), generic in its row count so that the 1..11 rows left
// over run in one tile compiled for exactly that many rows instead of one row at a time (mini-batch
// 10 is a 10-row tile), and masked (AVX-512 masked loads and stores) for the last 1..31 columns, with
// a one-vector variant for the last 1..16; when only 1..4 columns are left (N = 100 leaves 4) and A
// is not transposed, four rows share one zmm (4 lanes each), so those columns cost a quarter of the
// FMAs a masked one-row tile would spend on them. NEON micro-kernel 4×8 (8 of its 32 registers for C),
// a 1×4 kernel for the last 4..7 columns, the last 1..3 rows (a single sample's only row) in panels
// of up to 16 accumulators, the last 1..3 columns in the scalar loop. No packing: for the layer
// shapes of this engine (K ≤ a few thousand) B's 16-column panel streams from L2 fast enough.
//
// A layer of a batch, C ← relu?(1·bᵀ + A·B) (GemmBias), is by definition the three steps: fill C's
// rows with b, Gemm with accumulate, relu over each row — which is what every path runs, except
// that the AVX-512 12×32 tiles start their accumulators from b's row and apply relu before their one
// store. Each element's chain is unchanged (it starts from b[j] either way), so the bits are too;
// C is written once instead of three times. The predictor's layers and the batched trainer's forward
// products (without relu: the trainer keeps zˡ for σ′) both run through it.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// C ← [C or 0] + op(A)·B, each element one chain of fused multiply-adds in increasing k, on
    /// every path (so every path gives the same bits).
    /// </summary>
    /// <param name="a">A: M×K row-major with row stride <paramref name="lda"/>, or, if <paramref name="transposeA"/>, K×M with row stride lda.</param>
    /// <param name="lda">A's row stride in floats.</param>
    /// <param name="transposeA">Whether <paramref name="a"/> holds op(A)ᵀ.</param>
    /// <param name="b">B: K×N row-major with row stride <paramref name="ldb"/>.</param>
    /// <param name="ldb">B's row stride (≥ N).</param>
    /// <param name="c">C: M×N row-major with row stride <paramref name="ldc"/>; the columns beyond N are not touched.</param>
    /// <param name="ldc">C's row stride (≥ N).</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The inner dimension.</param>
    /// <param name="accumulate">Add to C (true) or overwrite it (false).</param>
    /// <exception cref="ArgumentException">A span is too short for its shape and stride, a stride is too small, or C overlaps A or B.</exception>
    public static void Gemm(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, int k, bool accumulate) =>
        Gemm(a, lda, transposeA, b, ldb, c, ldc, m, n, k, accumulate, KernelDispatch.Active);

    /// <inheritdoc cref="Gemm(ReadOnlySpan{float}, int, bool, ReadOnlySpan{float}, int, Span{float}, int, int, int, int, bool)"/>
    /// <param name="a">A.</param>
    /// <param name="lda">A's row stride.</param>
    /// <param name="transposeA">Whether A is given transposed.</param>
    /// <param name="b">B.</param>
    /// <param name="ldb">B's row stride.</param>
    /// <param name="c">C.</param>
    /// <param name="ldc">C's row stride.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">The inner dimension.</param>
    /// <param name="accumulate">Add to C or overwrite it.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Gemm(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, int k, bool accumulate, KernelPath path)
    {
        CheckGemm(a, lda, transposeA, b, ldb, c, ldc, m, n, k, path);
        if (m == 0 || n == 0)
        {
            return;
        }

        Run(new GemmShape((nuint)m, (nuint)n, (nuint)k, (nuint)lda, transposeA, (nuint)ldb, (nuint)ldc, accumulate), a, b, c, path);
    }

    /// <summary>
    /// One layer of a batch: C ← relu?(1·biasᵀ + A·B), A not transposed — every row of C starts from
    /// <paramref name="bias"/> and, with <paramref name="relu"/>, ends in relu(x) = x &lt; 0 ? +0 : x.
    /// The same bits as filling each row of C with the bias, then
    /// <see cref="Gemm(ReadOnlySpan{float}, int, bool, ReadOnlySpan{float}, int, Span{float}, int, int, int, int, bool, KernelPath)"/>
    /// with accumulate, then <see cref="Relu(ReadOnlySpan{float}, Span{float}, KernelPath)"/> over each
    /// row, which is what this does on every path but AVX-512's tiles: those start from the bias row
    /// and apply relu before their store, so C is written once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemmBias(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, int k, ReadOnlySpan<float> bias, bool relu, KernelPath path)
    {
        CheckGemm(a, lda, false, b, ldb, c, ldc, m, n, k, path);
        if (bias.Length != n)
        {
            throw new ArgumentException($"Length mismatch: the bias has {bias.Length} elements but C has {n} columns.", nameof(bias));
        }

        Check.NoOverlap(bias, nameof(bias), c, nameof(c));

        if (m == 0 || n == 0)
        {
            return;
        }

        bool fused = Avx512F.IsSupported && path == KernelPath.Avx512 && m > 1 && !UsesNarrowColumnsAvx512((nuint)m, (nuint)n, transposeA: false);
        if (!fused)
        {
            for (int i = 0; i < m; i++)
            {
                bias.CopyTo(c.Slice(i * ldc, n));
            }
        }

        unsafe
        {
            fixed (float* pbias = bias)
            {
                var shape = new GemmShape((nuint)m, (nuint)n, (nuint)k, (nuint)lda, false, (nuint)ldb, (nuint)ldc, Accumulate: true, fused ? (nint)pbias : 0, fused && relu);
                Run(shape, a, b, c, path);
            }
        }

        if (relu && !fused)
        {
            for (int i = 0; i < m; i++)
            {
                Span<float> row = c.Slice(i * ldc, n);
                Relu(row, row, path);
            }
        }
    }

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
                GemmAvx512(shape, pa, pb, pc);
            }
            else if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
            {
                GemmAvx2(shape, pa, pb, pc);
            }
            else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
            {
                GemmAdvSimd(shape, pa, pb, pc);
            }
            else
            {
                GemmScalarColumns(shape, pa, pb, pc, 0);
            }
        }
    }

    private static void CheckGemm(ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int m, int n, int k, KernelPath path)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"Gemm shape M={m}, N={n}, K={k}: every dimension must be ≥ 0.");
        }

        CheckOperand(a, nameof(a), lda, transposeA ? k : m, transposeA ? m : k, nameof(lda));
        CheckOperand(b, nameof(b), ldb, k, n, nameof(ldb));
        CheckOperand(c, nameof(c), ldc, m, n, nameof(ldc));
        Check.NoOverlap(a, nameof(a), c, nameof(c));
        Check.NoOverlap(b, nameof(b), c, nameof(c));
        KernelDispatch.ThrowIfUnsupported(path);
    }

    private static void CheckOperand(ReadOnlySpan<float> span, string name, int stride, int rows, int columns, string strideName)
    {
        if (stride < columns || stride < 0)
        {
            throw new ArgumentException($"{strideName} is {stride} but {name}'s rows hold {columns} columns; the stride must be at least that.", strideName);
        }

        long needed = rows == 0 || columns == 0 ? 0 : ((long)(rows - 1) * stride) + columns;
        if (span.Length < needed)
        {
            throw new ArgumentException($"Length mismatch: {name} has {span.Length} elements but {rows} rows × {columns} columns with stride {stride} need {needed}.", name);
        }
    }

    /// <summary>
    /// The dimensions and strides of one product, passed by value to the path bodies. Only the
    /// AVX-512 tiles read the last two (see GemmBias): a <see cref="Bias"/> (the address of a row of
    /// N floats) is where every row's chains start instead of C, and <see cref="Relu"/> applies relu
    /// before the store.
    /// </summary>
    private readonly record struct GemmShape(nuint M, nuint N, nuint K, nuint Lda, bool TransposeA, nuint Ldb, nuint Ldc, bool Accumulate, nint Bias = 0, bool Relu = false)
    {
        /// <summary>Offset of op(A)[i, p].</summary>
        public nuint AIndex(nuint i, nuint p) => TransposeA ? (p * Lda) + i : (i * Lda) + p;

        /// <summary>Distance between op(A)[i, p] and op(A)[i, p + 1].</summary>
        public nuint AStepK => TransposeA ? Lda : 1;

        /// <summary>Distance between op(A)[i, p] and op(A)[i + 1, p].</summary>
        public nuint AStepM => TransposeA ? 1 : Lda;
    }

    // ---- scalar: the oracle -------------------------------------------------------------------

    /// <summary>
    /// Columns [<paramref name="firstColumn"/>, N) of every row: the oracle for the whole matrix,
    /// and the vector paths' column tail. Row by row, p outer, j
    /// inner: each C[i, j] still sees its terms in increasing p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmScalarColumns(GemmShape s, float* a, float* b, float* c, nuint firstColumn)
    {
        for (nuint i = 0; i < s.M; i++)
        {
            float* row = c + (i * s.Ldc);
            if (!s.Accumulate)
            {
                for (nuint j = firstColumn; j < s.N; j++)
                {
                    row[j] = 0f;
                }
            }

            for (nuint p = 0; p < s.K; p++)
            {
                float aip = a[s.AIndex(i, p)];
                float* bRow = b + (p * s.Ldb);
                for (nuint j = firstColumn; j < s.N; j++)
                {
                    row[j] = MathF.FusedMultiplyAdd(aip, bRow[j], row[j]);
                }
            }
        }
    }

    // ---- AVX2 + FMA -----------------------------------------------------------------------------

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
                GemmTile16Avx2<Count6>(s, a, b, c, i, j);
            }

            switch (s.M - i)
            {
                case 1:
                    GemmTile16Avx2<Count1>(s, a, b, c, i, j);
                    break;
                case 2:
                    GemmTile16Avx2<Count2>(s, a, b, c, i, j);
                    break;
                case 3:
                    GemmTile16Avx2<Count3>(s, a, b, c, i, j);
                    break;
                case 4:
                    GemmTile16Avx2<Count4>(s, a, b, c, i, j);
                    break;
                case 5:
                    GemmTile16Avx2<Count5>(s, a, b, c, i, j);
                    break;
            }
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
            Vector256<float> mask = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), 8 - (s.N - j)).AsSingle();
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
    /// M = 1 on AVX2 (one sample through a layer): the row's vectors split evenly into panels of at
    /// most 13 ymm accumulators (of the 16 registers), each one pass over the K rows of B, so that
    /// op(A)[0, p] is broadcast once per panel and each panel has enough chains in flight (a 1×16
    /// tile keeps two, and waits on the FMA latency).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAvx2(GemmShape s, float* a, float* b, float* c)
    {
        int vectors = (int)((s.N + 7) / 8);
        int panels = (vectors + 12) / 13;
        int tail = (int)(s.N % 8);
        Vector256<float> mask = tail == 0 ? default : Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), (nuint)(8 - tail)).AsSingle();
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            if (panel == panels - 1 && tail != 0)
            {
                GemvPanelAvx2<MaskedColumns>(count, s, a, b, c, j, mask);
            }
            else
            {
                GemvPanelAvx2<AllColumns>(count, s, a, b, c, j, mask);
            }

            j += (nuint)(8 * count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx2<TColumns>(int vectors, GemmShape s, float* a, float* b, float* c, nuint j, Vector256<float> mask)
        where TColumns : struct, IColumnMask
    {
        switch (vectors)
        {
            case 1:
                GemvPanelAvx2<Count1, TColumns>(s, a, b, c, j, mask);
                break;
            case 2:
                GemvPanelAvx2<Count2, TColumns>(s, a, b, c, j, mask);
                break;
            case 3:
                GemvPanelAvx2<Count3, TColumns>(s, a, b, c, j, mask);
                break;
            case 4:
                GemvPanelAvx2<Count4, TColumns>(s, a, b, c, j, mask);
                break;
            case 5:
                GemvPanelAvx2<Count5, TColumns>(s, a, b, c, j, mask);
                break;
            case 6:
                GemvPanelAvx2<Count6, TColumns>(s, a, b, c, j, mask);
                break;
            case 7:
                GemvPanelAvx2<Count7, TColumns>(s, a, b, c, j, mask);
                break;
            case 8:
                GemvPanelAvx2<Count8, TColumns>(s, a, b, c, j, mask);
                break;
            case 9:
                GemvPanelAvx2<Count9, TColumns>(s, a, b, c, j, mask);
                break;
            case 10:
                GemvPanelAvx2<Count10, TColumns>(s, a, b, c, j, mask);
                break;
            case 11:
                GemvPanelAvx2<Count11, TColumns>(s, a, b, c, j, mask);
                break;
            case 12:
                GemvPanelAvx2<Count12, TColumns>(s, a, b, c, j, mask);
                break;
            default:
                GemvPanelAvx2<Count13, TColumns>(s, a, b, c, j, mask);
                break;
        }
    }

    /// <summary>
    /// <typeparamref name="TVectors"/> (1..13) vectors of C's one row; with <typeparamref name="TColumns"/>
    /// masked, the last vector is masked by <paramref name="mask"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx2<TVectors, TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector256<float> mask)
        where TVectors : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint vectors = TVectors.Value;
        float* c0 = c + j;
        Vector256<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default;
        y0 = s.Accumulate ? (vectors == 1 && TColumns.Masked ? Avx.MaskLoad(c0 + 0, mask) : Vector256.Load(c0 + 0)) : Vector256<float>.Zero;
        if (vectors > 1)
        {
            y1 = s.Accumulate ? (vectors == 2 && TColumns.Masked ? Avx.MaskLoad(c0 + 8, mask) : Vector256.Load(c0 + 8)) : Vector256<float>.Zero;
        }
        if (vectors > 2)
        {
            y2 = s.Accumulate ? (vectors == 3 && TColumns.Masked ? Avx.MaskLoad(c0 + 16, mask) : Vector256.Load(c0 + 16)) : Vector256<float>.Zero;
        }
        if (vectors > 3)
        {
            y3 = s.Accumulate ? (vectors == 4 && TColumns.Masked ? Avx.MaskLoad(c0 + 24, mask) : Vector256.Load(c0 + 24)) : Vector256<float>.Zero;
        }
        if (vectors > 4)
        {
            y4 = s.Accumulate ? (vectors == 5 && TColumns.Masked ? Avx.MaskLoad(c0 + 32, mask) : Vector256.Load(c0 + 32)) : Vector256<float>.Zero;
        }
        if (vectors > 5)
        {
            y5 = s.Accumulate ? (vectors == 6 && TColumns.Masked ? Avx.MaskLoad(c0 + 40, mask) : Vector256.Load(c0 + 40)) : Vector256<float>.Zero;
        }
        if (vectors > 6)
        {
            y6 = s.Accumulate ? (vectors == 7 && TColumns.Masked ? Avx.MaskLoad(c0 + 48, mask) : Vector256.Load(c0 + 48)) : Vector256<float>.Zero;
        }
        if (vectors > 7)
        {
            y7 = s.Accumulate ? (vectors == 8 && TColumns.Masked ? Avx.MaskLoad(c0 + 56, mask) : Vector256.Load(c0 + 56)) : Vector256<float>.Zero;
        }
        if (vectors > 8)
        {
            y8 = s.Accumulate ? (vectors == 9 && TColumns.Masked ? Avx.MaskLoad(c0 + 64, mask) : Vector256.Load(c0 + 64)) : Vector256<float>.Zero;
        }
        if (vectors > 9)
        {
            y9 = s.Accumulate ? (vectors == 10 && TColumns.Masked ? Avx.MaskLoad(c0 + 72, mask) : Vector256.Load(c0 + 72)) : Vector256<float>.Zero;
        }
        if (vectors > 10)
        {
            y10 = s.Accumulate ? (vectors == 11 && TColumns.Masked ? Avx.MaskLoad(c0 + 80, mask) : Vector256.Load(c0 + 80)) : Vector256<float>.Zero;
        }
        if (vectors > 11)
        {
            y11 = s.Accumulate ? (vectors == 12 && TColumns.Masked ? Avx.MaskLoad(c0 + 88, mask) : Vector256.Load(c0 + 88)) : Vector256<float>.Zero;
        }
        if (vectors > 12)
        {
            y12 = s.Accumulate ? (vectors == 13 && TColumns.Masked ? Avx.MaskLoad(c0 + 96, mask) : Vector256.Load(c0 + 96)) : Vector256<float>.Zero;
        }

        float* ap = a;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> x = Vector256.Create(*ap);
            y0 = Fma.MultiplyAdd(x, (vectors == 1 && TColumns.Masked ? Avx.MaskLoad(bp + 0, mask) : Vector256.Load(bp + 0)), y0);
            if (vectors > 1)
            {
                y1 = Fma.MultiplyAdd(x, (vectors == 2 && TColumns.Masked ? Avx.MaskLoad(bp + 8, mask) : Vector256.Load(bp + 8)), y1);
            }
            if (vectors > 2)
            {
                y2 = Fma.MultiplyAdd(x, (vectors == 3 && TColumns.Masked ? Avx.MaskLoad(bp + 16, mask) : Vector256.Load(bp + 16)), y2);
            }
            if (vectors > 3)
            {
                y3 = Fma.MultiplyAdd(x, (vectors == 4 && TColumns.Masked ? Avx.MaskLoad(bp + 24, mask) : Vector256.Load(bp + 24)), y3);
            }
            if (vectors > 4)
            {
                y4 = Fma.MultiplyAdd(x, (vectors == 5 && TColumns.Masked ? Avx.MaskLoad(bp + 32, mask) : Vector256.Load(bp + 32)), y4);
            }
            if (vectors > 5)
            {
                y5 = Fma.MultiplyAdd(x, (vectors == 6 && TColumns.Masked ? Avx.MaskLoad(bp + 40, mask) : Vector256.Load(bp + 40)), y5);
            }
            if (vectors > 6)
            {
                y6 = Fma.MultiplyAdd(x, (vectors == 7 && TColumns.Masked ? Avx.MaskLoad(bp + 48, mask) : Vector256.Load(bp + 48)), y6);
            }
            if (vectors > 7)
            {
                y7 = Fma.MultiplyAdd(x, (vectors == 8 && TColumns.Masked ? Avx.MaskLoad(bp + 56, mask) : Vector256.Load(bp + 56)), y7);
            }
            if (vectors > 8)
            {
                y8 = Fma.MultiplyAdd(x, (vectors == 9 && TColumns.Masked ? Avx.MaskLoad(bp + 64, mask) : Vector256.Load(bp + 64)), y8);
            }
            if (vectors > 9)
            {
                y9 = Fma.MultiplyAdd(x, (vectors == 10 && TColumns.Masked ? Avx.MaskLoad(bp + 72, mask) : Vector256.Load(bp + 72)), y9);
            }
            if (vectors > 10)
            {
                y10 = Fma.MultiplyAdd(x, (vectors == 11 && TColumns.Masked ? Avx.MaskLoad(bp + 80, mask) : Vector256.Load(bp + 80)), y10);
            }
            if (vectors > 11)
            {
                y11 = Fma.MultiplyAdd(x, (vectors == 12 && TColumns.Masked ? Avx.MaskLoad(bp + 88, mask) : Vector256.Load(bp + 88)), y11);
            }
            if (vectors > 12)
            {
                y12 = Fma.MultiplyAdd(x, (vectors == 13 && TColumns.Masked ? Avx.MaskLoad(bp + 96, mask) : Vector256.Load(bp + 96)), y12);
            }

            ap += stepK;
            bp += ldb;
        }

        if (vectors == 1 && TColumns.Masked)
        {
            Avx.MaskStore(c0 + 0, mask, y0);
        }
        else
        {
            y0.Store(c0 + 0);
        }
        if (vectors > 1)
        {
            if (vectors == 2 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 8, mask, y1);
            }
            else
            {
                y1.Store(c0 + 8);
            }
        }
        if (vectors > 2)
        {
            if (vectors == 3 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 16, mask, y2);
            }
            else
            {
                y2.Store(c0 + 16);
            }
        }
        if (vectors > 3)
        {
            if (vectors == 4 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 24, mask, y3);
            }
            else
            {
                y3.Store(c0 + 24);
            }
        }
        if (vectors > 4)
        {
            if (vectors == 5 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 32, mask, y4);
            }
            else
            {
                y4.Store(c0 + 32);
            }
        }
        if (vectors > 5)
        {
            if (vectors == 6 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 40, mask, y5);
            }
            else
            {
                y5.Store(c0 + 40);
            }
        }
        if (vectors > 6)
        {
            if (vectors == 7 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 48, mask, y6);
            }
            else
            {
                y6.Store(c0 + 48);
            }
        }
        if (vectors > 7)
        {
            if (vectors == 8 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 56, mask, y7);
            }
            else
            {
                y7.Store(c0 + 56);
            }
        }
        if (vectors > 8)
        {
            if (vectors == 9 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 64, mask, y8);
            }
            else
            {
                y8.Store(c0 + 64);
            }
        }
        if (vectors > 9)
        {
            if (vectors == 10 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 72, mask, y9);
            }
            else
            {
                y9.Store(c0 + 72);
            }
        }
        if (vectors > 10)
        {
            if (vectors == 11 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 80, mask, y10);
            }
            else
            {
                y10.Store(c0 + 80);
            }
        }
        if (vectors > 11)
        {
            if (vectors == 12 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 88, mask, y11);
            }
            else
            {
                y11.Store(c0 + 88);
            }
        }
        if (vectors > 12)
        {
            if (vectors == 13 && TColumns.Masked)
            {
                Avx.MaskStore(c0 + 96, mask, y12);
            }
            else
            {
                y12.Store(c0 + 96);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> LoadOrZeroMasked(GemmShape s, float* c, Vector256<float> mask) =>
        s.Accumulate ? Avx.MaskLoad(c, mask) : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm6x8MaskedAvx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector256<float> mask)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZeroMasked(s, c0, mask), c10 = LoadOrZeroMasked(s, c0 + ldc, mask), c20 = LoadOrZeroMasked(s, c0 + (2 * ldc), mask);
        Vector256<float> c30 = LoadOrZeroMasked(s, c0 + (3 * ldc), mask), c40 = LoadOrZeroMasked(s, c0 + (4 * ldc), mask), c50 = LoadOrZeroMasked(s, c0 + (5 * ldc), mask);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Avx.MaskLoad(bp, mask);
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), b0, c00);
            c10 = Fma.MultiplyAdd(Vector256.Create(ap[stepM]), b0, c10);
            c20 = Fma.MultiplyAdd(Vector256.Create(ap[2 * stepM]), b0, c20);
            c30 = Fma.MultiplyAdd(Vector256.Create(ap[3 * stepM]), b0, c30);
            c40 = Fma.MultiplyAdd(Vector256.Create(ap[4 * stepM]), b0, c40);
            c50 = Fma.MultiplyAdd(Vector256.Create(ap[5 * stepM]), b0, c50);
            ap += stepK;
            bp += ldb;
        }

        Avx.MaskStore(c0, mask, c00);
        Avx.MaskStore(c0 + ldc, mask, c10);
        Avx.MaskStore(c0 + (2 * ldc), mask, c20);
        Avx.MaskStore(c0 + (3 * ldc), mask, c30);
        Avx.MaskStore(c0 + (4 * ldc), mask, c40);
        Avx.MaskStore(c0 + (5 * ldc), mask, c50);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x8MaskedAvx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector256<float> mask)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector256<float> c00 = LoadOrZeroMasked(s, c0, mask);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), Avx.MaskLoad(bp, mask), c00);
            ap += s.AStepK;
            bp += s.Ldb;
        }

        Avx.MaskStore(c0, mask, c00);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> LoadOrZero(GemmShape s, float* c) =>
        s.Accumulate ? Vector256.Load(c) : Vector256<float>.Zero;

    /// <summary>
    /// A tile of <typeparamref name="TRows"/> (1..6) rows × 16 columns: up to 12 ymm accumulators.
    /// The row count is a type argument, so the 1..5 rows left below the 6-row tiles (a mini-batch
    /// of 10 leaves 4) run as one tile with their chains interleaved, not one latency-bound row at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmTile16Avx2<TRows>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
        where TRows : struct, ICount
    {
        nuint rows = TRows.Value;
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZero(s, c0), c01 = LoadOrZero(s, c0 + 8);
        Vector256<float> c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (rows > 1)
        {
            c10 = LoadOrZero(s, c0 + (1 * ldc));
            c11 = LoadOrZero(s, c0 + (1 * ldc) + 8);
        }
        if (rows > 2)
        {
            c20 = LoadOrZero(s, c0 + (2 * ldc));
            c21 = LoadOrZero(s, c0 + (2 * ldc) + 8);
        }
        if (rows > 3)
        {
            c30 = LoadOrZero(s, c0 + (3 * ldc));
            c31 = LoadOrZero(s, c0 + (3 * ldc) + 8);
        }
        if (rows > 4)
        {
            c40 = LoadOrZero(s, c0 + (4 * ldc));
            c41 = LoadOrZero(s, c0 + (4 * ldc) + 8);
        }
        if (rows > 5)
        {
            c50 = LoadOrZero(s, c0 + (5 * ldc));
            c51 = LoadOrZero(s, c0 + (5 * ldc) + 8);
        }

        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            Vector256<float> x = Vector256.Create(*ap);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            if (rows > 1)
            {
                x = Vector256.Create(ap[1 * stepM]);
                c10 = Fma.MultiplyAdd(x, b0, c10);
                c11 = Fma.MultiplyAdd(x, b1, c11);
            }
            if (rows > 2)
            {
                x = Vector256.Create(ap[2 * stepM]);
                c20 = Fma.MultiplyAdd(x, b0, c20);
                c21 = Fma.MultiplyAdd(x, b1, c21);
            }
            if (rows > 3)
            {
                x = Vector256.Create(ap[3 * stepM]);
                c30 = Fma.MultiplyAdd(x, b0, c30);
                c31 = Fma.MultiplyAdd(x, b1, c31);
            }
            if (rows > 4)
            {
                x = Vector256.Create(ap[4 * stepM]);
                c40 = Fma.MultiplyAdd(x, b0, c40);
                c41 = Fma.MultiplyAdd(x, b1, c41);
            }
            if (rows > 5)
            {
                x = Vector256.Create(ap[5 * stepM]);
                c50 = Fma.MultiplyAdd(x, b0, c50);
                c51 = Fma.MultiplyAdd(x, b1, c51);
            }

            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c01.Store(c0 + 8);
        if (rows > 1)
        {
            c10.Store(c0 + (1 * ldc));
            c11.Store(c0 + (1 * ldc) + 8);
        }
        if (rows > 2)
        {
            c20.Store(c0 + (2 * ldc));
            c21.Store(c0 + (2 * ldc) + 8);
        }
        if (rows > 3)
        {
            c30.Store(c0 + (3 * ldc));
            c31.Store(c0 + (3 * ldc) + 8);
        }
        if (rows > 4)
        {
            c40.Store(c0 + (4 * ldc));
            c41.Store(c0 + (4 * ldc) + 8);
        }
        if (rows > 5)
        {
            c50.Store(c0 + (5 * ldc));
            c51.Store(c0 + (5 * ldc) + 8);
        }
    }


    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm6x8Avx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector256<float> c00 = LoadOrZero(s, c0), c10 = LoadOrZero(s, c0 + ldc), c20 = LoadOrZero(s, c0 + 2 * ldc);
        Vector256<float> c30 = LoadOrZero(s, c0 + 3 * ldc), c40 = LoadOrZero(s, c0 + 4 * ldc), c50 = LoadOrZero(s, c0 + 5 * ldc);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), b0, c00);
            c10 = Fma.MultiplyAdd(Vector256.Create(ap[stepM]), b0, c10);
            c20 = Fma.MultiplyAdd(Vector256.Create(ap[2 * stepM]), b0, c20);
            c30 = Fma.MultiplyAdd(Vector256.Create(ap[3 * stepM]), b0, c30);
            c40 = Fma.MultiplyAdd(Vector256.Create(ap[4 * stepM]), b0, c40);
            c50 = Fma.MultiplyAdd(Vector256.Create(ap[5 * stepM]), b0, c50);
            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c10.Store(c0 + ldc);
        c20.Store(c0 + 2 * ldc);
        c30.Store(c0 + 3 * ldc);
        c40.Store(c0 + 4 * ldc);
        c50.Store(c0 + 5 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x8Avx2(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector256<float> c00 = LoadOrZero(s, c0);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = Fma.MultiplyAdd(Vector256.Create(*ap), Vector256.Load(bp), c00);
            ap += s.AStepK;
            bp += s.Ldb;
        }

        c00.Store(c0);
    }

    // ---- AVX-512 --------------------------------------------------------------------------------

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
            Vector512<float> mask0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
            Vector512<float> mask1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - 16)).AsSingle();
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
            GemmNarrowTileAvx512<Count8, TColumns>(s, a, b, c, i, j, mask);
        }

        switch ((s.M - i) / 4)
        {
            case 1:
                GemmNarrowTileAvx512<Count1, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 2:
                GemmNarrowTileAvx512<Count2, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 3:
                GemmNarrowTileAvx512<Count3, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 4:
                GemmNarrowTileAvx512<Count4, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 5:
                GemmNarrowTileAvx512<Count5, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 6:
                GemmNarrowTileAvx512<Count6, TColumns>(s, a, b, c, i, j, mask);
                break;
            case 7:
                GemmNarrowTileAvx512<Count7, TColumns>(s, a, b, c, i, j, mask);
                break;
        }

        i = s.M - (s.M % 4);
        switch (s.M - i)
        {
            case 1:
                GemmTileAvx512<Count1, MaskedHalfColumns>(s, a, b, c, i, j, mask512, default);
                break;
            case 2:
                GemmTileAvx512<Count2, MaskedHalfColumns>(s, a, b, c, i, j, mask512, default);
                break;
            case 3:
                GemmTileAvx512<Count3, MaskedHalfColumns>(s, a, b, c, i, j, mask512, default);
                break;
        }
    }

    /// <summary>
    /// <typeparamref name="TGroups"/> (1..8) groups of four rows × the last 1..4 columns. Four p at a
    /// time: each row's op(A)[i + r, p..p+3] is one 128-bit load and a group's four rows one zmm; an
    /// in-lane permute then spreads op(A)[i + r, p + q] over row r's four lanes, and B's row p + q,
    /// broadcast to the four 128-bit lanes, meets it in one FMA. Each element's chain still runs in
    /// increasing p from C[i, j] (or +0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmNarrowTileAvx512<TGroups, TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector128<float> mask)
        where TGroups : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint groups = TGroups.Value;
        nuint lda = s.Lda, ldb = s.Ldb, ldc = s.Ldc, fourRowsA = 4 * lda, fourRowsC = 4 * ldc;
        float* c0 = c + (i * ldc) + j;
        Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default;
        if (s.Accumulate)
        {
            y0 = LoadFourRows<TColumns>(c0, ldc, mask);
            y1 = groups > 1 ? LoadFourRows<TColumns>(c0 + (1 * fourRowsC), ldc, mask) : default;
            y2 = groups > 2 ? LoadFourRows<TColumns>(c0 + (2 * fourRowsC), ldc, mask) : default;
            y3 = groups > 3 ? LoadFourRows<TColumns>(c0 + (3 * fourRowsC), ldc, mask) : default;
            y4 = groups > 4 ? LoadFourRows<TColumns>(c0 + (4 * fourRowsC), ldc, mask) : default;
            y5 = groups > 5 ? LoadFourRows<TColumns>(c0 + (5 * fourRowsC), ldc, mask) : default;
            y6 = groups > 6 ? LoadFourRows<TColumns>(c0 + (6 * fourRowsC), ldc, mask) : default;
            y7 = groups > 7 ? LoadFourRows<TColumns>(c0 + (7 * fourRowsC), ldc, mask) : default;
        }

        float* ap = a + (i * lda);
        float* bp = b + j;
        nuint p = 0;
        for (; p + 4 <= s.K; p += 4)
        {
            Vector512<float> x0 = LoadFourRows<AllColumns>(ap, lda, default);
            Vector512<float> x1 = groups > 1 ? LoadFourRows<AllColumns>(ap + (1 * fourRowsA), lda, default) : default;
            Vector512<float> x2 = groups > 2 ? LoadFourRows<AllColumns>(ap + (2 * fourRowsA), lda, default) : default;
            Vector512<float> x3 = groups > 3 ? LoadFourRows<AllColumns>(ap + (3 * fourRowsA), lda, default) : default;
            Vector512<float> x4 = groups > 4 ? LoadFourRows<AllColumns>(ap + (4 * fourRowsA), lda, default) : default;
            Vector512<float> x5 = groups > 5 ? LoadFourRows<AllColumns>(ap + (5 * fourRowsA), lda, default) : default;
            Vector512<float> x6 = groups > 6 ? LoadFourRows<AllColumns>(ap + (6 * fourRowsA), lda, default) : default;
            Vector512<float> x7 = groups > 7 ? LoadFourRows<AllColumns>(ap + (7 * fourRowsA), lda, default) : default;
            NarrowStep<TGroups>(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, x0, x1, x2, x3, x4, x5, x6, x7, BroadcastRowAvx512<TColumns>(bp, mask), 0b00_00_00_00);
            NarrowStep<TGroups>(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, x0, x1, x2, x3, x4, x5, x6, x7, BroadcastRowAvx512<TColumns>(bp + ldb, mask), 0b01_01_01_01);
            NarrowStep<TGroups>(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, x0, x1, x2, x3, x4, x5, x6, x7, BroadcastRowAvx512<TColumns>(bp + (2 * ldb), mask), 0b10_10_10_10);
            NarrowStep<TGroups>(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, x0, x1, x2, x3, x4, x5, x6, x7, BroadcastRowAvx512<TColumns>(bp + (3 * ldb), mask), 0b11_11_11_11);
            ap += 4;
            bp += 4 * ldb;
        }

        for (; p < s.K; p++)
        {
            // The last 1..3 p: the same spread, built from the four rows' single values.
            Vector512<float> x0 = SpreadFourRows(ap, lda);
            Vector512<float> x1 = groups > 1 ? SpreadFourRows(ap + (1 * fourRowsA), lda) : default;
            Vector512<float> x2 = groups > 2 ? SpreadFourRows(ap + (2 * fourRowsA), lda) : default;
            Vector512<float> x3 = groups > 3 ? SpreadFourRows(ap + (3 * fourRowsA), lda) : default;
            Vector512<float> x4 = groups > 4 ? SpreadFourRows(ap + (4 * fourRowsA), lda) : default;
            Vector512<float> x5 = groups > 5 ? SpreadFourRows(ap + (5 * fourRowsA), lda) : default;
            Vector512<float> x6 = groups > 6 ? SpreadFourRows(ap + (6 * fourRowsA), lda) : default;
            Vector512<float> x7 = groups > 7 ? SpreadFourRows(ap + (7 * fourRowsA), lda) : default;
            NarrowStep<TGroups>(ref y0, ref y1, ref y2, ref y3, ref y4, ref y5, ref y6, ref y7, x0, x1, x2, x3, x4, x5, x6, x7, BroadcastRowAvx512<TColumns>(bp, mask), 0b00_00_00_00);
            ap++;
            bp += ldb;
        }

        StoreFourRows<TColumns>(c0, ldc, mask, y0);
        if (groups > 1)
        {
            StoreFourRows<TColumns>(c0 + (1 * fourRowsC), ldc, mask, y1);
        }
        if (groups > 2)
        {
            StoreFourRows<TColumns>(c0 + (2 * fourRowsC), ldc, mask, y2);
        }
        if (groups > 3)
        {
            StoreFourRows<TColumns>(c0 + (3 * fourRowsC), ldc, mask, y3);
        }
        if (groups > 4)
        {
            StoreFourRows<TColumns>(c0 + (4 * fourRowsC), ldc, mask, y4);
        }
        if (groups > 5)
        {
            StoreFourRows<TColumns>(c0 + (5 * fourRowsC), ldc, mask, y5);
        }
        if (groups > 6)
        {
            StoreFourRows<TColumns>(c0 + (6 * fourRowsC), ldc, mask, y6);
        }
        if (groups > 7)
        {
            StoreFourRows<TColumns>(c0 + (7 * fourRowsC), ldc, mask, y7);
        }
    }

    /// <summary>One p for every group: y_g = fma(row r's op(A) value q spread over its lanes, B's row, y_g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NarrowStep<TGroups>(ref Vector512<float> y0, ref Vector512<float> y1, ref Vector512<float> y2, ref Vector512<float> y3, ref Vector512<float> y4, ref Vector512<float> y5, ref Vector512<float> y6, ref Vector512<float> y7, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, Vector512<float> x4, Vector512<float> x5, Vector512<float> x6, Vector512<float> x7, Vector512<float> bRow, [ConstantExpected] byte q)
        where TGroups : struct, ICount
    {
        nuint groups = TGroups.Value;
        y0 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x0, q), bRow, y0);
        if (groups > 1)
        {
            y1 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x1, q), bRow, y1);
        }
        if (groups > 2)
        {
            y2 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x2, q), bRow, y2);
        }
        if (groups > 3)
        {
            y3 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x3, q), bRow, y3);
        }
        if (groups > 4)
        {
            y4 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x4, q), bRow, y4);
        }
        if (groups > 5)
        {
            y5 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x5, q), bRow, y5);
        }
        if (groups > 6)
        {
            y6 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x6, q), bRow, y6);
        }
        if (groups > 7)
        {
            y7 = Avx512F.FusedMultiplyAdd(Avx512F.Permute4x32(x7, q), bRow, y7);
        }
    }

    /// <summary>Four rows' first 4 (or masked 1..3) values, one row per 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask)
        where TColumns : struct, IColumnMask =>
        TColumns.Masked
            ? Vector512.Create(Vector256.Create(Avx.MaskLoad(p, mask), Avx.MaskLoad(p + stride, mask)), Vector256.Create(Avx.MaskLoad(p + (2 * stride), mask), Avx.MaskLoad(p + (3 * stride), mask)))
            : Vector512.Create(Vector256.Create(Vector128.Load(p), Vector128.Load(p + stride)), Vector256.Create(Vector128.Load(p + (2 * stride)), Vector128.Load(p + (3 * stride))));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreFourRows<TColumns>(float* p, nuint stride, Vector128<float> mask, Vector512<float> value)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Avx.MaskStore(p, mask, value.GetLower().GetLower());
            Avx.MaskStore(p + stride, mask, value.GetLower().GetUpper());
            Avx.MaskStore(p + (2 * stride), mask, value.GetUpper().GetLower());
            Avx.MaskStore(p + (3 * stride), mask, value.GetUpper().GetUpper());
        }
        else
        {
            value.GetLower().GetLower().Store(p);
            value.GetLower().GetUpper().Store(p + stride);
            value.GetUpper().GetLower().Store(p + (2 * stride));
            value.GetUpper().GetUpper().Store(p + (3 * stride));
        }
    }

    /// <summary>Row r's single value at <paramref name="p"/> over the four lanes of 128-bit lane r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> SpreadFourRows(float* p, nuint stride) =>
        Vector512.Create(Vector256.Create(Vector128.Create(p[0]), Vector128.Create(p[stride])), Vector256.Create(Vector128.Create(p[2 * stride]), Vector128.Create(p[3 * stride])));

    /// <summary>B's 4 (or masked 1..3) columns of one row, repeated in each 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> BroadcastRowAvx512<TColumns>(float* p, Vector128<float> mask)
        where TColumns : struct, IColumnMask =>
        Vector512.Create(TColumns.Masked ? Avx.MaskLoad(p, mask) : Vector128.Load(p));

    /// <summary>
    /// M = 1 (one sample: inference's row vector times (Wˡ)ᵀ): the row's 16-float vectors split evenly
    /// into panels of at most 16 zmm accumulators, each one pass over the K rows of B, so that every
    /// element of B is loaded once and op(A)[0, p] is broadcast once per panel instead of once per 32
    /// columns, and no panel is left with too few chains to cover the FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAvx512(GemmShape s, float* a, float* b, float* c)
    {
        int vectors = (int)((s.N + 15) / 16);
        int panels = (vectors + 15) / 16;
        int tail = (int)(s.N % 16);
        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(tail)).AsSingle();
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            if (panel == panels - 1 && tail != 0)
            {
                GemvPanelAvx512<MaskedColumns>(count, s, a, b, c, j, mask);
            }
            else
            {
                GemvPanelAvx512<AllColumns>(count, s, a, b, c, j, mask);
            }

            j += (nuint)(16 * count);
        }
    }

    /// <summary>How many of a row's <paramref name="vectors"/> go to panel <paramref name="panel"/> of <paramref name="panels"/>: an even split, the first panels one larger.</summary>
    private static int PanelVectors(int vectors, int panels, int panel) => (vectors / panels) + (panel < vectors % panels ? 1 : 0);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx512<TColumns>(int vectors, GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask)
        where TColumns : struct, IColumnMask
    {
        switch (vectors)
        {
            case 1:
                GemvPanelAvx512<Count1, TColumns>(s, a, b, c, j, mask);
                break;
            case 2:
                GemvPanelAvx512<Count2, TColumns>(s, a, b, c, j, mask);
                break;
            case 3:
                GemvPanelAvx512<Count3, TColumns>(s, a, b, c, j, mask);
                break;
            case 4:
                GemvPanelAvx512<Count4, TColumns>(s, a, b, c, j, mask);
                break;
            case 5:
                GemvPanelAvx512<Count5, TColumns>(s, a, b, c, j, mask);
                break;
            case 6:
                GemvPanelAvx512<Count6, TColumns>(s, a, b, c, j, mask);
                break;
            case 7:
                GemvPanelAvx512<Count7, TColumns>(s, a, b, c, j, mask);
                break;
            case 8:
                GemvPanelAvx512<Count8, TColumns>(s, a, b, c, j, mask);
                break;
            case 9:
                GemvPanelAvx512<Count9, TColumns>(s, a, b, c, j, mask);
                break;
            case 10:
                GemvPanelAvx512<Count10, TColumns>(s, a, b, c, j, mask);
                break;
            case 11:
                GemvPanelAvx512<Count11, TColumns>(s, a, b, c, j, mask);
                break;
            case 12:
                GemvPanelAvx512<Count12, TColumns>(s, a, b, c, j, mask);
                break;
            case 13:
                GemvPanelAvx512<Count13, TColumns>(s, a, b, c, j, mask);
                break;
            case 14:
                GemvPanelAvx512<Count14, TColumns>(s, a, b, c, j, mask);
                break;
            case 15:
                GemvPanelAvx512<Count15, TColumns>(s, a, b, c, j, mask);
                break;
            default:
                GemvPanelAvx512<Count16, TColumns>(s, a, b, c, j, mask);
                break;
        }
    }

    /// <summary>
    /// <typeparamref name="TVectors"/> (1..16) vectors of C's one row; with <typeparamref name="TColumns"/>
    /// masked, the last vector is masked by <paramref name="mask"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAvx512<TVectors, TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask)
        where TVectors : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint vectors = TVectors.Value;
        float* c0 = c + j;
        Vector512<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default, y13 = default, y14 = default, y15 = default;
        y0 = s.Accumulate ? (vectors == 1 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 0, mask) : Vector512.Load(c0 + 0)) : Vector512<float>.Zero;
        if (vectors > 1)
        {
            y1 = s.Accumulate ? (vectors == 2 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 16, mask) : Vector512.Load(c0 + 16)) : Vector512<float>.Zero;
        }
        if (vectors > 2)
        {
            y2 = s.Accumulate ? (vectors == 3 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 32, mask) : Vector512.Load(c0 + 32)) : Vector512<float>.Zero;
        }
        if (vectors > 3)
        {
            y3 = s.Accumulate ? (vectors == 4 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 48, mask) : Vector512.Load(c0 + 48)) : Vector512<float>.Zero;
        }
        if (vectors > 4)
        {
            y4 = s.Accumulate ? (vectors == 5 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 64, mask) : Vector512.Load(c0 + 64)) : Vector512<float>.Zero;
        }
        if (vectors > 5)
        {
            y5 = s.Accumulate ? (vectors == 6 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 80, mask) : Vector512.Load(c0 + 80)) : Vector512<float>.Zero;
        }
        if (vectors > 6)
        {
            y6 = s.Accumulate ? (vectors == 7 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 96, mask) : Vector512.Load(c0 + 96)) : Vector512<float>.Zero;
        }
        if (vectors > 7)
        {
            y7 = s.Accumulate ? (vectors == 8 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 112, mask) : Vector512.Load(c0 + 112)) : Vector512<float>.Zero;
        }
        if (vectors > 8)
        {
            y8 = s.Accumulate ? (vectors == 9 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 128, mask) : Vector512.Load(c0 + 128)) : Vector512<float>.Zero;
        }
        if (vectors > 9)
        {
            y9 = s.Accumulate ? (vectors == 10 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 144, mask) : Vector512.Load(c0 + 144)) : Vector512<float>.Zero;
        }
        if (vectors > 10)
        {
            y10 = s.Accumulate ? (vectors == 11 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 160, mask) : Vector512.Load(c0 + 160)) : Vector512<float>.Zero;
        }
        if (vectors > 11)
        {
            y11 = s.Accumulate ? (vectors == 12 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 176, mask) : Vector512.Load(c0 + 176)) : Vector512<float>.Zero;
        }
        if (vectors > 12)
        {
            y12 = s.Accumulate ? (vectors == 13 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 192, mask) : Vector512.Load(c0 + 192)) : Vector512<float>.Zero;
        }
        if (vectors > 13)
        {
            y13 = s.Accumulate ? (vectors == 14 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 208, mask) : Vector512.Load(c0 + 208)) : Vector512<float>.Zero;
        }
        if (vectors > 14)
        {
            y14 = s.Accumulate ? (vectors == 15 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 224, mask) : Vector512.Load(c0 + 224)) : Vector512<float>.Zero;
        }
        if (vectors > 15)
        {
            y15 = s.Accumulate ? (vectors == 16 && TColumns.Masked ? LoadAvx512<MaskedColumns>(c0 + 240, mask) : Vector512.Load(c0 + 240)) : Vector512<float>.Zero;
        }

        float* ap = a;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector512<float> x = Vector512.Create(*ap);
            y0 = Avx512F.FusedMultiplyAdd(x, (vectors == 1 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 0, mask) : Vector512.Load(bp + 0)), y0);
            if (vectors > 1)
            {
                y1 = Avx512F.FusedMultiplyAdd(x, (vectors == 2 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 16, mask) : Vector512.Load(bp + 16)), y1);
            }
            if (vectors > 2)
            {
                y2 = Avx512F.FusedMultiplyAdd(x, (vectors == 3 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 32, mask) : Vector512.Load(bp + 32)), y2);
            }
            if (vectors > 3)
            {
                y3 = Avx512F.FusedMultiplyAdd(x, (vectors == 4 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 48, mask) : Vector512.Load(bp + 48)), y3);
            }
            if (vectors > 4)
            {
                y4 = Avx512F.FusedMultiplyAdd(x, (vectors == 5 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 64, mask) : Vector512.Load(bp + 64)), y4);
            }
            if (vectors > 5)
            {
                y5 = Avx512F.FusedMultiplyAdd(x, (vectors == 6 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 80, mask) : Vector512.Load(bp + 80)), y5);
            }
            if (vectors > 6)
            {
                y6 = Avx512F.FusedMultiplyAdd(x, (vectors == 7 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 96, mask) : Vector512.Load(bp + 96)), y6);
            }
            if (vectors > 7)
            {
                y7 = Avx512F.FusedMultiplyAdd(x, (vectors == 8 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 112, mask) : Vector512.Load(bp + 112)), y7);
            }
            if (vectors > 8)
            {
                y8 = Avx512F.FusedMultiplyAdd(x, (vectors == 9 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 128, mask) : Vector512.Load(bp + 128)), y8);
            }
            if (vectors > 9)
            {
                y9 = Avx512F.FusedMultiplyAdd(x, (vectors == 10 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 144, mask) : Vector512.Load(bp + 144)), y9);
            }
            if (vectors > 10)
            {
                y10 = Avx512F.FusedMultiplyAdd(x, (vectors == 11 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 160, mask) : Vector512.Load(bp + 160)), y10);
            }
            if (vectors > 11)
            {
                y11 = Avx512F.FusedMultiplyAdd(x, (vectors == 12 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 176, mask) : Vector512.Load(bp + 176)), y11);
            }
            if (vectors > 12)
            {
                y12 = Avx512F.FusedMultiplyAdd(x, (vectors == 13 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 192, mask) : Vector512.Load(bp + 192)), y12);
            }
            if (vectors > 13)
            {
                y13 = Avx512F.FusedMultiplyAdd(x, (vectors == 14 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 208, mask) : Vector512.Load(bp + 208)), y13);
            }
            if (vectors > 14)
            {
                y14 = Avx512F.FusedMultiplyAdd(x, (vectors == 15 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 224, mask) : Vector512.Load(bp + 224)), y14);
            }
            if (vectors > 15)
            {
                y15 = Avx512F.FusedMultiplyAdd(x, (vectors == 16 && TColumns.Masked ? LoadAvx512<MaskedColumns>(bp + 240, mask) : Vector512.Load(bp + 240)), y15);
            }

            ap += stepK;
            bp += ldb;
        }

        if (vectors == 1 && TColumns.Masked)
        {
            Avx512F.MaskStore(c0 + 0, mask, y0);
        }
        else
        {
            y0.Store(c0 + 0);
        }
        if (vectors > 1)
        {
            if (vectors == 2 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 16, mask, y1);
            }
            else
            {
                y1.Store(c0 + 16);
            }
        }
        if (vectors > 2)
        {
            if (vectors == 3 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 32, mask, y2);
            }
            else
            {
                y2.Store(c0 + 32);
            }
        }
        if (vectors > 3)
        {
            if (vectors == 4 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 48, mask, y3);
            }
            else
            {
                y3.Store(c0 + 48);
            }
        }
        if (vectors > 4)
        {
            if (vectors == 5 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 64, mask, y4);
            }
            else
            {
                y4.Store(c0 + 64);
            }
        }
        if (vectors > 5)
        {
            if (vectors == 6 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 80, mask, y5);
            }
            else
            {
                y5.Store(c0 + 80);
            }
        }
        if (vectors > 6)
        {
            if (vectors == 7 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 96, mask, y6);
            }
            else
            {
                y6.Store(c0 + 96);
            }
        }
        if (vectors > 7)
        {
            if (vectors == 8 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 112, mask, y7);
            }
            else
            {
                y7.Store(c0 + 112);
            }
        }
        if (vectors > 8)
        {
            if (vectors == 9 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 128, mask, y8);
            }
            else
            {
                y8.Store(c0 + 128);
            }
        }
        if (vectors > 9)
        {
            if (vectors == 10 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 144, mask, y9);
            }
            else
            {
                y9.Store(c0 + 144);
            }
        }
        if (vectors > 10)
        {
            if (vectors == 11 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 160, mask, y10);
            }
            else
            {
                y10.Store(c0 + 160);
            }
        }
        if (vectors > 11)
        {
            if (vectors == 12 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 176, mask, y11);
            }
            else
            {
                y11.Store(c0 + 176);
            }
        }
        if (vectors > 12)
        {
            if (vectors == 13 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 192, mask, y12);
            }
            else
            {
                y12.Store(c0 + 192);
            }
        }
        if (vectors > 13)
        {
            if (vectors == 14 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 208, mask, y13);
            }
            else
            {
                y13.Store(c0 + 208);
            }
        }
        if (vectors > 14)
        {
            if (vectors == 15 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 224, mask, y14);
            }
            else
            {
                y14.Store(c0 + 224);
            }
        }
        if (vectors > 15)
        {
            if (vectors == 16 && TColumns.Masked)
            {
                Avx512F.MaskStore(c0 + 240, mask, y15);
            }
            else
            {
                y15.Store(c0 + 240);
            }
        }
    }

    /// <summary>One 32-column panel of C, in tiles of 12 rows and one tile of the 1..11 rows left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmPanelAvx512<TColumns>(GemmShape s, float* a, float* b, float* c, nuint j, Vector512<float> mask0, Vector512<float> mask1)
        where TColumns : struct, IColumnMask
    {
        nuint i = 0;
        for (; i + 12 <= s.M; i += 12)
        {
            GemmTileAvx512<Count12, TColumns>(s, a, b, c, i, j, mask0, mask1);
        }

        switch (s.M - i)
        {
            case 1:
                GemmTileAvx512<Count1, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 2:
                GemmTileAvx512<Count2, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 3:
                GemmTileAvx512<Count3, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 4:
                GemmTileAvx512<Count4, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 5:
                GemmTileAvx512<Count5, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 6:
                GemmTileAvx512<Count6, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 7:
                GemmTileAvx512<Count7, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 8:
                GemmTileAvx512<Count8, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 9:
                GemmTileAvx512<Count9, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 10:
                GemmTileAvx512<Count10, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
            case 11:
                GemmTileAvx512<Count11, TColumns>(s, a, b, c, i, j, mask0, mask1);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadAvx512<TColumns>(float* p, Vector512<float> mask)
        where TColumns : struct, IColumnMask =>
        TColumns.Masked ? Avx512F.MaskLoad(p, mask, Vector512<float>.Zero) : Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadOrZeroAvx512<TColumns>(GemmShape s, float* p, Vector512<float> mask)
        where TColumns : struct, IColumnMask =>
        s.Accumulate ? LoadAvx512<TColumns>(p, mask) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreAvx512<TColumns>(float* p, Vector512<float> mask, Vector512<float> value)
        where TColumns : struct, IColumnMask
    {
        if (TColumns.Masked)
        {
            Avx512F.MaskStore(p, mask, value);
        }
        else
        {
            value.Store(p);
        }
    }

    /// <summary>
    /// A tile of <typeparamref name="TRows"/> (1..12) rows × 32 columns: up to 24 zmm accumulators,
    /// two for B's row p, one for the broadcast of op(A)[i, p] (27 of the 32 registers). The row count
    /// is a type argument, so each instantiation is compiled with its unused rows removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemmTileAvx512<TRows, TColumns>(GemmShape s, float* a, float* b, float* c, nuint i, nuint j, Vector512<float> mask0, Vector512<float> mask1)
        where TRows : struct, ICount
        where TColumns : struct, IColumnMask
    {
        nuint rows = TRows.Value;
        nuint ldc = s.Ldc;
        float* c0 = c + (i * ldc) + j;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        // Each row's chains start from C's row, or from the bias row (GemmBias) — the same row for
        // every row of the tile: one pointer and stride, so the loop below has no second form.
        float* start = s.Bias != 0 ? (float*)s.Bias + j : c0;
        nuint startStride = s.Bias != 0 ? 0 : ldc;
        c00 = LoadOrZeroAvx512<TColumns>(s, start, mask0);
        c01 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + 16, mask1) : default;
        if (rows > 1)
        {
            c10 = LoadOrZeroAvx512<TColumns>(s, start + (1 * startStride), mask0);
            c11 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (1 * startStride) + 16, mask1) : default;
        }
        if (rows > 2)
        {
            c20 = LoadOrZeroAvx512<TColumns>(s, start + (2 * startStride), mask0);
            c21 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (2 * startStride) + 16, mask1) : default;
        }
        if (rows > 3)
        {
            c30 = LoadOrZeroAvx512<TColumns>(s, start + (3 * startStride), mask0);
            c31 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (3 * startStride) + 16, mask1) : default;
        }
        if (rows > 4)
        {
            c40 = LoadOrZeroAvx512<TColumns>(s, start + (4 * startStride), mask0);
            c41 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (4 * startStride) + 16, mask1) : default;
        }
        if (rows > 5)
        {
            c50 = LoadOrZeroAvx512<TColumns>(s, start + (5 * startStride), mask0);
            c51 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (5 * startStride) + 16, mask1) : default;
        }
        if (rows > 6)
        {
            c60 = LoadOrZeroAvx512<TColumns>(s, start + (6 * startStride), mask0);
            c61 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (6 * startStride) + 16, mask1) : default;
        }
        if (rows > 7)
        {
            c70 = LoadOrZeroAvx512<TColumns>(s, start + (7 * startStride), mask0);
            c71 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (7 * startStride) + 16, mask1) : default;
        }
        if (rows > 8)
        {
            c80 = LoadOrZeroAvx512<TColumns>(s, start + (8 * startStride), mask0);
            c81 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (8 * startStride) + 16, mask1) : default;
        }
        if (rows > 9)
        {
            c90 = LoadOrZeroAvx512<TColumns>(s, start + (9 * startStride), mask0);
            c91 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (9 * startStride) + 16, mask1) : default;
        }
        if (rows > 10)
        {
            c100 = LoadOrZeroAvx512<TColumns>(s, start + (10 * startStride), mask0);
            c101 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (10 * startStride) + 16, mask1) : default;
        }
        if (rows > 11)
        {
            c110 = LoadOrZeroAvx512<TColumns>(s, start + (11 * startStride), mask0);
            c111 = TColumns.SecondHalf ? LoadOrZeroAvx512<TColumns>(s, start + (11 * startStride) + 16, mask1) : default;
        }

        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector512<float> b0 = LoadAvx512<TColumns>(bp, mask0);
            Vector512<float> b1 = TColumns.SecondHalf ? LoadAvx512<TColumns>(bp + 16, mask1) : default;
            Vector512<float> x = Vector512.Create(*ap);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00);
            c01 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c01) : default;
            if (rows > 1)
            {
                x = Vector512.Create(ap[1 * stepM]);
                c10 = Avx512F.FusedMultiplyAdd(x, b0, c10);
                c11 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c11) : default;
            }
            if (rows > 2)
            {
                x = Vector512.Create(ap[2 * stepM]);
                c20 = Avx512F.FusedMultiplyAdd(x, b0, c20);
                c21 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c21) : default;
            }
            if (rows > 3)
            {
                x = Vector512.Create(ap[3 * stepM]);
                c30 = Avx512F.FusedMultiplyAdd(x, b0, c30);
                c31 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c31) : default;
            }
            if (rows > 4)
            {
                x = Vector512.Create(ap[4 * stepM]);
                c40 = Avx512F.FusedMultiplyAdd(x, b0, c40);
                c41 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c41) : default;
            }
            if (rows > 5)
            {
                x = Vector512.Create(ap[5 * stepM]);
                c50 = Avx512F.FusedMultiplyAdd(x, b0, c50);
                c51 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c51) : default;
            }
            if (rows > 6)
            {
                x = Vector512.Create(ap[6 * stepM]);
                c60 = Avx512F.FusedMultiplyAdd(x, b0, c60);
                c61 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c61) : default;
            }
            if (rows > 7)
            {
                x = Vector512.Create(ap[7 * stepM]);
                c70 = Avx512F.FusedMultiplyAdd(x, b0, c70);
                c71 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c71) : default;
            }
            if (rows > 8)
            {
                x = Vector512.Create(ap[8 * stepM]);
                c80 = Avx512F.FusedMultiplyAdd(x, b0, c80);
                c81 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c81) : default;
            }
            if (rows > 9)
            {
                x = Vector512.Create(ap[9 * stepM]);
                c90 = Avx512F.FusedMultiplyAdd(x, b0, c90);
                c91 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c91) : default;
            }
            if (rows > 10)
            {
                x = Vector512.Create(ap[10 * stepM]);
                c100 = Avx512F.FusedMultiplyAdd(x, b0, c100);
                c101 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c101) : default;
            }
            if (rows > 11)
            {
                x = Vector512.Create(ap[11 * stepM]);
                c110 = Avx512F.FusedMultiplyAdd(x, b0, c110);
                c111 = TColumns.SecondHalf ? Avx512F.FusedMultiplyAdd(x, b1, c111) : default;
            }

            ap += stepK;
            bp += ldb;
        }

        // GemmBias's relu, x < 0 ? +0 : x, as vmaxps(+0, x): MAXPS returns its second operand when
        // either is NaN or both are zeros, so NaN and −0 pass through as ReluOperator has them. As
        // intrinsics, not ReluOperator's 24 inlined calls: under dynamic PGO those ran the JIT's
        // inlining budget out before the loads above, and a batch took three times as long.
        if (s.Relu)
        {
            Vector512<float> zero = Vector512<float>.Zero;
            (c00, c10, c20, c30, c40, c50) = (Avx512F.Max(zero, c00), Avx512F.Max(zero, c10), Avx512F.Max(zero, c20), Avx512F.Max(zero, c30), Avx512F.Max(zero, c40), Avx512F.Max(zero, c50));
            (c60, c70, c80, c90, c100, c110) = (Avx512F.Max(zero, c60), Avx512F.Max(zero, c70), Avx512F.Max(zero, c80), Avx512F.Max(zero, c90), Avx512F.Max(zero, c100), Avx512F.Max(zero, c110));
            (c01, c11, c21, c31, c41, c51) = (Avx512F.Max(zero, c01), Avx512F.Max(zero, c11), Avx512F.Max(zero, c21), Avx512F.Max(zero, c31), Avx512F.Max(zero, c41), Avx512F.Max(zero, c51));
            (c61, c71, c81, c91, c101, c111) = (Avx512F.Max(zero, c61), Avx512F.Max(zero, c71), Avx512F.Max(zero, c81), Avx512F.Max(zero, c91), Avx512F.Max(zero, c101), Avx512F.Max(zero, c111));
        }

        StoreAvx512<TColumns>(c0, mask0, c00);
        if (TColumns.SecondHalf)
        {
            StoreAvx512<TColumns>(c0 + 16, mask1, c01);
        }
        if (rows > 1)
        {
            StoreAvx512<TColumns>(c0 + (1 * ldc), mask0, c10);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (1 * ldc) + 16, mask1, c11);
            }
        }
        if (rows > 2)
        {
            StoreAvx512<TColumns>(c0 + (2 * ldc), mask0, c20);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (2 * ldc) + 16, mask1, c21);
            }
        }
        if (rows > 3)
        {
            StoreAvx512<TColumns>(c0 + (3 * ldc), mask0, c30);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (3 * ldc) + 16, mask1, c31);
            }
        }
        if (rows > 4)
        {
            StoreAvx512<TColumns>(c0 + (4 * ldc), mask0, c40);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (4 * ldc) + 16, mask1, c41);
            }
        }
        if (rows > 5)
        {
            StoreAvx512<TColumns>(c0 + (5 * ldc), mask0, c50);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (5 * ldc) + 16, mask1, c51);
            }
        }
        if (rows > 6)
        {
            StoreAvx512<TColumns>(c0 + (6 * ldc), mask0, c60);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (6 * ldc) + 16, mask1, c61);
            }
        }
        if (rows > 7)
        {
            StoreAvx512<TColumns>(c0 + (7 * ldc), mask0, c70);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (7 * ldc) + 16, mask1, c71);
            }
        }
        if (rows > 8)
        {
            StoreAvx512<TColumns>(c0 + (8 * ldc), mask0, c80);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (8 * ldc) + 16, mask1, c81);
            }
        }
        if (rows > 9)
        {
            StoreAvx512<TColumns>(c0 + (9 * ldc), mask0, c90);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (9 * ldc) + 16, mask1, c91);
            }
        }
        if (rows > 10)
        {
            StoreAvx512<TColumns>(c0 + (10 * ldc), mask0, c100);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (10 * ldc) + 16, mask1, c101);
            }
        }
        if (rows > 11)
        {
            StoreAvx512<TColumns>(c0 + (11 * ldc), mask0, c110);
            if (TColumns.SecondHalf)
            {
                StoreAvx512<TColumns>(c0 + (11 * ldc) + 16, mask1, c111);
            }
        }
    }

    /// <summary>A count (rows of a tile, vectors of a row) known when the JIT compiles a generic micro-kernel.</summary>
    private interface ICount
    {
        static abstract nuint Value { get; }
    }

    /// <summary>Whether a micro-kernel's columns end inside its vectors (masked) or fill them, and whether it has a second 16-column half.</summary>
    private interface IColumnMask
    {
        static abstract bool Masked { get; }

        static abstract bool SecondHalf { get; }
    }

    private readonly struct Count1 : ICount
    {
        public static nuint Value => 1;
    }

    private readonly struct Count2 : ICount
    {
        public static nuint Value => 2;
    }

    private readonly struct Count3 : ICount
    {
        public static nuint Value => 3;
    }

    private readonly struct Count4 : ICount
    {
        public static nuint Value => 4;
    }

    private readonly struct Count5 : ICount
    {
        public static nuint Value => 5;
    }

    private readonly struct Count6 : ICount
    {
        public static nuint Value => 6;
    }

    private readonly struct Count7 : ICount
    {
        public static nuint Value => 7;
    }

    private readonly struct Count8 : ICount
    {
        public static nuint Value => 8;
    }

    private readonly struct Count9 : ICount
    {
        public static nuint Value => 9;
    }

    private readonly struct Count10 : ICount
    {
        public static nuint Value => 10;
    }

    private readonly struct Count11 : ICount
    {
        public static nuint Value => 11;
    }

    private readonly struct Count12 : ICount
    {
        public static nuint Value => 12;
    }

    private readonly struct Count13 : ICount
    {
        public static nuint Value => 13;
    }

    private readonly struct Count14 : ICount
    {
        public static nuint Value => 14;
    }

    private readonly struct Count15 : ICount
    {
        public static nuint Value => 15;
    }

    private readonly struct Count16 : ICount
    {
        public static nuint Value => 16;
    }

    private readonly struct AllColumns : IColumnMask
    {
        public static bool Masked => false;

        public static bool SecondHalf => true;
    }

    private readonly struct MaskedColumns : IColumnMask
    {
        public static bool Masked => true;

        public static bool SecondHalf => true;
    }

    private readonly struct MaskedHalfColumns : IColumnMask
    {
        public static bool Masked => true;

        public static bool SecondHalf => false;
    }

    // ---- ARM64 NEON -----------------------------------------------------------------------------

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

    /// <summary>
    /// One row of C, columns [0, <paramref name="columns"/>) (a multiple of 4): the row's 4-float
    /// vectors split evenly into panels of at most 16 accumulators, each one pass over the K rows of
    /// B with op(A)[row, p] broadcast once per panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvAdvSimd(GemmShape s, float* aRow, float* b, float* cRow, nuint columns)
    {
        int vectors = (int)(columns / 4);
        int panels = (vectors + 15) / 16;
        nuint j = 0;
        for (int panel = 0; panel < panels; panel++)
        {
            int count = PanelVectors(vectors, panels, panel);
            switch (count)
            {
                case 1:
                    GemvPanelAdvSimd<Count1>(s, aRow, b, cRow, j);
                    break;
                case 2:
                    GemvPanelAdvSimd<Count2>(s, aRow, b, cRow, j);
                    break;
                case 3:
                    GemvPanelAdvSimd<Count3>(s, aRow, b, cRow, j);
                    break;
                case 4:
                    GemvPanelAdvSimd<Count4>(s, aRow, b, cRow, j);
                    break;
                case 5:
                    GemvPanelAdvSimd<Count5>(s, aRow, b, cRow, j);
                    break;
                case 6:
                    GemvPanelAdvSimd<Count6>(s, aRow, b, cRow, j);
                    break;
                case 7:
                    GemvPanelAdvSimd<Count7>(s, aRow, b, cRow, j);
                    break;
                case 8:
                    GemvPanelAdvSimd<Count8>(s, aRow, b, cRow, j);
                    break;
                case 9:
                    GemvPanelAdvSimd<Count9>(s, aRow, b, cRow, j);
                    break;
                case 10:
                    GemvPanelAdvSimd<Count10>(s, aRow, b, cRow, j);
                    break;
                case 11:
                    GemvPanelAdvSimd<Count11>(s, aRow, b, cRow, j);
                    break;
                case 12:
                    GemvPanelAdvSimd<Count12>(s, aRow, b, cRow, j);
                    break;
                case 13:
                    GemvPanelAdvSimd<Count13>(s, aRow, b, cRow, j);
                    break;
                case 14:
                    GemvPanelAdvSimd<Count14>(s, aRow, b, cRow, j);
                    break;
                case 15:
                    GemvPanelAdvSimd<Count15>(s, aRow, b, cRow, j);
                    break;
                default:
                    GemvPanelAdvSimd<Count16>(s, aRow, b, cRow, j);
                    break;
            }

            j += (nuint)(4 * count);
        }
    }

    /// <summary><typeparamref name="TVectors"/> (1..16) 4-float vectors of C's row from column <paramref name="j"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GemvPanelAdvSimd<TVectors>(GemmShape s, float* aRow, float* b, float* cRow, nuint j)
        where TVectors : struct, ICount
    {
        nuint vectors = TVectors.Value;
        float* c0 = cRow + j;
        Vector128<float> y0 = default, y1 = default, y2 = default, y3 = default, y4 = default, y5 = default, y6 = default, y7 = default, y8 = default, y9 = default, y10 = default, y11 = default, y12 = default, y13 = default, y14 = default, y15 = default;
        y0 = LoadOrZero128(s, c0);
        if (vectors > 1)
        {
            y1 = LoadOrZero128(s, c0 + 4);
        }
        if (vectors > 2)
        {
            y2 = LoadOrZero128(s, c0 + 8);
        }
        if (vectors > 3)
        {
            y3 = LoadOrZero128(s, c0 + 12);
        }
        if (vectors > 4)
        {
            y4 = LoadOrZero128(s, c0 + 16);
        }
        if (vectors > 5)
        {
            y5 = LoadOrZero128(s, c0 + 20);
        }
        if (vectors > 6)
        {
            y6 = LoadOrZero128(s, c0 + 24);
        }
        if (vectors > 7)
        {
            y7 = LoadOrZero128(s, c0 + 28);
        }
        if (vectors > 8)
        {
            y8 = LoadOrZero128(s, c0 + 32);
        }
        if (vectors > 9)
        {
            y9 = LoadOrZero128(s, c0 + 36);
        }
        if (vectors > 10)
        {
            y10 = LoadOrZero128(s, c0 + 40);
        }
        if (vectors > 11)
        {
            y11 = LoadOrZero128(s, c0 + 44);
        }
        if (vectors > 12)
        {
            y12 = LoadOrZero128(s, c0 + 48);
        }
        if (vectors > 13)
        {
            y13 = LoadOrZero128(s, c0 + 52);
        }
        if (vectors > 14)
        {
            y14 = LoadOrZero128(s, c0 + 56);
        }
        if (vectors > 15)
        {
            y15 = LoadOrZero128(s, c0 + 60);
        }

        float* ap = aRow;
        float* bp = b + j;
        nuint stepK = s.AStepK, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector128<float> x = Vector128.Create(*ap);
            y0 = AdvSimd.FusedMultiplyAdd(y0, x, Vector128.Load(bp));
            if (vectors > 1)
            {
                y1 = AdvSimd.FusedMultiplyAdd(y1, x, Vector128.Load(bp + 4));
            }
            if (vectors > 2)
            {
                y2 = AdvSimd.FusedMultiplyAdd(y2, x, Vector128.Load(bp + 8));
            }
            if (vectors > 3)
            {
                y3 = AdvSimd.FusedMultiplyAdd(y3, x, Vector128.Load(bp + 12));
            }
            if (vectors > 4)
            {
                y4 = AdvSimd.FusedMultiplyAdd(y4, x, Vector128.Load(bp + 16));
            }
            if (vectors > 5)
            {
                y5 = AdvSimd.FusedMultiplyAdd(y5, x, Vector128.Load(bp + 20));
            }
            if (vectors > 6)
            {
                y6 = AdvSimd.FusedMultiplyAdd(y6, x, Vector128.Load(bp + 24));
            }
            if (vectors > 7)
            {
                y7 = AdvSimd.FusedMultiplyAdd(y7, x, Vector128.Load(bp + 28));
            }
            if (vectors > 8)
            {
                y8 = AdvSimd.FusedMultiplyAdd(y8, x, Vector128.Load(bp + 32));
            }
            if (vectors > 9)
            {
                y9 = AdvSimd.FusedMultiplyAdd(y9, x, Vector128.Load(bp + 36));
            }
            if (vectors > 10)
            {
                y10 = AdvSimd.FusedMultiplyAdd(y10, x, Vector128.Load(bp + 40));
            }
            if (vectors > 11)
            {
                y11 = AdvSimd.FusedMultiplyAdd(y11, x, Vector128.Load(bp + 44));
            }
            if (vectors > 12)
            {
                y12 = AdvSimd.FusedMultiplyAdd(y12, x, Vector128.Load(bp + 48));
            }
            if (vectors > 13)
            {
                y13 = AdvSimd.FusedMultiplyAdd(y13, x, Vector128.Load(bp + 52));
            }
            if (vectors > 14)
            {
                y14 = AdvSimd.FusedMultiplyAdd(y14, x, Vector128.Load(bp + 56));
            }
            if (vectors > 15)
            {
                y15 = AdvSimd.FusedMultiplyAdd(y15, x, Vector128.Load(bp + 60));
            }

            ap += stepK;
            bp += ldb;
        }

        y0.Store(c0);
        if (vectors > 1)
        {
            y1.Store(c0 + 4);
        }
        if (vectors > 2)
        {
            y2.Store(c0 + 8);
        }
        if (vectors > 3)
        {
            y3.Store(c0 + 12);
        }
        if (vectors > 4)
        {
            y4.Store(c0 + 16);
        }
        if (vectors > 5)
        {
            y5.Store(c0 + 20);
        }
        if (vectors > 6)
        {
            y6.Store(c0 + 24);
        }
        if (vectors > 7)
        {
            y7.Store(c0 + 28);
        }
        if (vectors > 8)
        {
            y8.Store(c0 + 32);
        }
        if (vectors > 9)
        {
            y9.Store(c0 + 36);
        }
        if (vectors > 10)
        {
            y10.Store(c0 + 40);
        }
        if (vectors > 11)
        {
            y11.Store(c0 + 44);
        }
        if (vectors > 12)
        {
            y12.Store(c0 + 48);
        }
        if (vectors > 13)
        {
            y13.Store(c0 + 52);
        }
        if (vectors > 14)
        {
            y14.Store(c0 + 56);
        }
        if (vectors > 15)
        {
            y15.Store(c0 + 60);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> LoadOrZero128(GemmShape s, float* c) =>
        s.Accumulate ? Vector128.Load(c) : Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm4x8AdvSimd(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        nuint ldc = s.Ldc;
        Vector128<float> c00 = LoadOrZero128(s, c0), c01 = LoadOrZero128(s, c0 + 4);
        Vector128<float> c10 = LoadOrZero128(s, c0 + ldc), c11 = LoadOrZero128(s, c0 + ldc + 4);
        Vector128<float> c20 = LoadOrZero128(s, c0 + 2 * ldc), c21 = LoadOrZero128(s, c0 + (2 * ldc) + 4);
        Vector128<float> c30 = LoadOrZero128(s, c0 + 3 * ldc), c31 = LoadOrZero128(s, c0 + (3 * ldc) + 4);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        nuint stepK = s.AStepK, stepM = s.AStepM, ldb = s.Ldb;
        for (nuint p = 0; p < s.K; p++)
        {
            Vector128<float> b0 = Vector128.Load(bp);
            Vector128<float> b1 = Vector128.Load(bp + 4);
            Vector128<float> x = Vector128.Create(*ap);
            c00 = AdvSimd.FusedMultiplyAdd(c00, x, b0);
            c01 = AdvSimd.FusedMultiplyAdd(c01, x, b1);
            x = Vector128.Create(ap[stepM]);
            c10 = AdvSimd.FusedMultiplyAdd(c10, x, b0);
            c11 = AdvSimd.FusedMultiplyAdd(c11, x, b1);
            x = Vector128.Create(ap[2 * stepM]);
            c20 = AdvSimd.FusedMultiplyAdd(c20, x, b0);
            c21 = AdvSimd.FusedMultiplyAdd(c21, x, b1);
            x = Vector128.Create(ap[3 * stepM]);
            c30 = AdvSimd.FusedMultiplyAdd(c30, x, b0);
            c31 = AdvSimd.FusedMultiplyAdd(c31, x, b1);
            ap += stepK;
            bp += ldb;
        }

        c00.Store(c0);
        c01.Store(c0 + 4);
        c10.Store(c0 + ldc);
        c11.Store(c0 + ldc + 4);
        c20.Store(c0 + 2 * ldc);
        c21.Store(c0 + (2 * ldc) + 4);
        c30.Store(c0 + 3 * ldc);
        c31.Store(c0 + (3 * ldc) + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gemm1x4AdvSimd(GemmShape s, float* a, float* b, float* c, nuint i, nuint j)
    {
        float* c0 = c + (i * s.Ldc) + j;
        Vector128<float> c00 = LoadOrZero128(s, c0);
        float* ap = a + s.AIndex(i, 0);
        float* bp = b + j;
        for (nuint p = 0; p < s.K; p++)
        {
            c00 = AdvSimd.FusedMultiplyAdd(c00, Vector128.Create(*ap), Vector128.Load(bp));
            ap += s.AStepK;
            bp += s.Ldb;
        }

        c00.Store(c0);
    }
}
