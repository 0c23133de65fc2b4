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
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>
    /// C ← [C or 0] + op(A)·B, each element one chain of fused multiply-adds in increasing k, on
    /// every path (so every path gives the same bits).
    /// </summary>
    /// <param name="a">A: M×K, or, if <paramref name="transposeA"/>, K×M (its rows may have a pitch).</param>
    /// <param name="transposeA">Whether <paramref name="a"/> holds op(A)ᵀ.</param>
    /// <param name="b">B: K×N.</param>
    /// <param name="c">C: M×N; its pitch (the columns past N of each row) is not touched. Must not overlap A or B.</param>
    /// <param name="accumulate">Add to C (true) or overwrite it (false).</param>
    /// <exception cref="ArgumentException">The shapes do not agree (op(A) M×K, B K×N, C M×N), or C overlaps A or B.</exception>
    public static void Gemm(ReadOnlySpan2D<float> a, bool transposeA, ReadOnlySpan2D<float> b, Span2D<float> c, bool accumulate) =>
        Gemm(a, transposeA, b, c, accumulate, KernelDispatch.Active);

    /// <inheritdoc cref="Gemm(ReadOnlySpan2D{float}, bool, ReadOnlySpan2D{float}, Span2D{float}, bool)"/>
    /// <param name="a">A.</param>
    /// <param name="transposeA">Whether A is given transposed.</param>
    /// <param name="b">B.</param>
    /// <param name="c">C.</param>
    /// <param name="accumulate">Add to C or overwrite it.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Gemm(ReadOnlySpan2D<float> a, bool transposeA, ReadOnlySpan2D<float> b, Span2D<float> c, bool accumulate, KernelPath path)
    {
        GemmOperands operands = CheckGemm(a, transposeA, b, c, accumulate, path);
        if (operands.Shape.M == 0 || operands.Shape.N == 0)
        {
            return;
        }

        Run(operands.Shape, operands.A, operands.B, operands.C, path);
    }

    /// <summary>
    /// One layer of a batch: C ← relu?(1·biasᵀ + A·B), A not transposed — every row of C starts from
    /// <paramref name="bias"/> and, with <paramref name="relu"/>, ends in relu(x) = x &lt; 0 ? +0 : x.
    /// The same bits as filling each row of C with the bias, then
    /// <see cref="Gemm(ReadOnlySpan2D{float}, bool, ReadOnlySpan2D{float}, Span2D{float}, bool, KernelPath)"/>
    /// with accumulate, then <see cref="Relu(ReadOnlySpan{float}, Span{float}, KernelPath)"/> over each
    /// row, which is what this does on every path but AVX-512's tiles: those start from the bias row
    /// and apply relu before their store, so C is written once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void GemmBias(ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, Span2D<float> c, ReadOnlySpan<float> bias, bool relu, KernelPath path)
    {
        GemmOperands operands = CheckGemm(a, false, b, c, accumulate: true, path);
        GemmShape shape = operands.Shape;
        int m = (int)shape.M, n = (int)shape.N;
        if (bias.Length != n)
        {
            throw new ArgumentException($"Length mismatch: the bias has {bias.Length} elements but C has {n} columns.", nameof(bias));
        }

        Check.NoOverlap(bias, nameof(bias), operands.C, nameof(c));

        if (m == 0 || n == 0)
        {
            return;
        }

        bool fused = Avx512F.IsSupported && path == KernelPath.Avx512 && m > 1 && !UsesNarrowColumnsAvx512(shape.M, shape.N, transposeA: false);
        if (!fused)
        {
            for (int i = 0; i < m; i++)
            {
                bias.CopyTo(c.GetRowSpan(i));
            }
        }

        unsafe
        {
            fixed (float* pbias = bias)
            {
                Run(shape with { Bias = fused ? (nint)pbias : 0, Relu = fused && relu }, operands.A, operands.B, operands.C, path);
            }
        }

        if (relu && !fused)
        {
            for (int i = 0; i < m; i++)
            {
                Span<float> row = c.GetRowSpan(i);
                Relu(row, row, path);
            }
        }
    }

    /// <summary>
    /// Checks that op(A) is M×K, B K×N and C M×N (an empty view stands for any shape with a zero
    /// dimension: CommunityToolkit makes every empty view 0×0) and that C overlaps neither input;
    /// returns the product's shape and the memory each view spans.
    /// </summary>
    private static GemmOperands CheckGemm(ReadOnlySpan2D<float> a, bool transposeA, ReadOnlySpan2D<float> b, Span2D<float> c, bool accumulate, KernelPath path)
    {
        (int aRows, int aColumns) = transposeA ? (a.Width, a.Height) : (a.Height, a.Width);
        int m = c.IsEmpty ? aRows : c.Height, n = c.IsEmpty ? b.Width : c.Width, k = a.IsEmpty ? b.Height : aColumns;
        if (!Fits(aRows, aColumns, m, k) || !Fits(b.Height, b.Width, k, n) || !Fits(c.Height, c.Width, m, n))
        {
            throw new ArgumentException(
                $"Gemm shapes disagree: op(A) is {aRows}×{aColumns}, B is {b.Height}×{b.Width} and C is {c.Height}×{c.Width}; they must be M×K, K×N and M×N.",
                nameof(c));
        }

        ReadOnlySpan<float> aExtent = Extent(a, out int lda), bExtent = Extent(b, out int ldb), cSpan = Extent(c, out int ldc);
        Span<float> cExtent = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(cSpan), cSpan.Length);
        Check.NoOverlap(aExtent, nameof(a), cExtent, nameof(c));
        Check.NoOverlap(bExtent, nameof(b), cExtent, nameof(c));
        KernelDispatch.ThrowIfUnsupported(path);
        var shape = new GemmShape((nuint)m, (nuint)n, (nuint)k, (nuint)lda, transposeA, (nuint)ldb, (nuint)ldc, accumulate);
        return new GemmOperands(shape, aExtent, bExtent, cExtent);
    }

    /// <summary>A checked product: its shape and the memory each operand spans (pinned by <c>Run</c>).</summary>
    private readonly ref struct GemmOperands(GemmShape shape, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        public GemmShape Shape { get; } = shape;

        public ReadOnlySpan<float> A { get; } = a;

        public ReadOnlySpan<float> B { get; } = b;

        public Span<float> C { get; } = c;
    }

    /// <summary>Whether a view of <paramref name="rows"/>×<paramref name="columns"/> (0×0 if empty) has the shape <paramref name="expectedRows"/>×<paramref name="expectedColumns"/>.</summary>
    private static bool Fits(int rows, int columns, int expectedRows, int expectedColumns) =>
        (rows == expectedRows && columns == expectedColumns) || (rows == 0 && columns == 0 && ((long)expectedRows * expectedColumns) == 0);

    /// <summary>
    /// The memory <paramref name="view"/> spans, from its first element to its last, as one span,
    /// and the distance between its rows (the micro-kernels walk the rows by that stride).
    /// </summary>
    private static ReadOnlySpan<float> Extent(ReadOnlySpan2D<float> view, out int stride)
    {
        if (view.IsEmpty)
        {
            stride = 0;
            return default;
        }

        ref float first = ref Unsafe.AsRef(in view.DangerousGetReference());
        stride = (int)(Unsafe.ByteOffset(ref first, ref Unsafe.AsRef(in view.DangerousGetReferenceAt(1, 0))) / sizeof(float));
        return MemoryMarshal.CreateReadOnlySpan(ref first, ((view.Height - 1) * stride) + view.Width);
    }
}
