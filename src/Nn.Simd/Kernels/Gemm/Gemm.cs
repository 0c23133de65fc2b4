// General matrix multiply for the matrix-based mini-batch — the public entry and its checks.
//
//   C (M×N) ← [C or 0] + op(A) (M×K) · B (K×N)
//   op(A)[i, p] = A[i, p], or A[p, i] when A is given transposed
//   A, B and C are 2-D views (row-major, each row a stride apart; CommunityToolkit's Span2D)
//
// Every element is one chain of fused multiply-adds in increasing p, starting from C[i, j] (or +0):
//   c = fma(op(A)[i, p], B[p, j], c)   for p = 0, 1, …, K−1
// The vector paths keep that chain and vectorise across j (one column per lane), so every path
// gives the scalar oracle's bits. The three products of a training step all take this form:
//   forward   Z = A·Wᵀ (+ b)   op(A) = the activations, B = Wᵀ
//   backward  Δ = D·W          op(A) = the next layer's errors, B = W
//   gradient  G += Dᵀ·A        op(A) = the errors, transposed, B = the activations
//
// A layer of a batch, C ← relu?(1·bᵀ + A·B) (GemmBias), is by definition the three steps: fill C's
// rows with b, Gemm with accumulate, relu over each row — which is what every path runs, except
// that the AVX-512 12×32 tiles start their accumulators from b's row and apply relu before their one
// store. Each element's chain is unchanged (it starts from b[j] either way), so the bits are too;
// C is written once instead of three times. The predictor's layers and the batched trainer's forward
// products (without relu: the trainer keeps zˡ for σ′) both run through it.
//
// The family, in BLIS's layers (this folder):
//   Gemm.cs               this file: the API, shapes and aliasing checked once
//   GemmBlocking.cs       the path dispatch and the loops over tiles: which micro-kernel covers
//                         which rows and columns (no packing: see there)
//   GemmCounts.cs         the compile-time counts and column masks the micro-kernels are generic in
//   Gemm.Scalar.cs        the oracle (and the column tail of the NEON path)
//   Gemm6x16Avx2.cs, Gemm6x8Avx2.cs, GemvAvx2.cs              AVX2 + FMA
//   Gemm12x32Avx512.cs, Gemm32x4Avx512.cs, GemvAvx512.cs       AVX-512
//   Gemm4x8AdvSimd.cs, GemvAdvSimd.cs                         ARM64 NEON
// The Gemv files are the one-row (M = 1) forms: one sample through a layer.
using System.Runtime.CompilerServices;
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
}
