// Matrix-vector kernels over a row-major matrix W of `rows` × `columns` floats, W[r, c] at r·columns + c.
//
//   MatVec                     y = W·x + b                 y_r = Dot(W_r, x) + b_r
//   MatVecTransposed           y = Wᵀ·d                    y_c = Σ_r W[r, c]·d_r
//   MatVecTransposedHadamard   y = (Wᵀ·d) ⊙ s              y_c = (Σ_r W[r, c]·d_r)·s_c
//   OuterProductAdd            G += d·aᵀ                   G[r, c] = fma(d_r, a_c, G[r, c])
//
// MatVec: each row is a Dot with its 32-lane structure (Reductions.cs), then one addition of b_r;
// the vector paths walk two rows at once so each load of x serves both (AVX2: 2 × 4 accumulators +
// 4 x registers; NEON: 2 × 8 + 8 of its 32). MatVecTransposed: each y_c accumulates its terms in
// increasing r from +0, one fma per term, so the vector paths (one column per lane, 32 columns a
// block held in registers across all rows) and the scalar column loop do the same operations.
// OuterProductAdd is element-wise. No path reorders a sum, so all agree bit for bit.
// This file checks shapes and aliasing once and dispatches; the bodies are in MatVec.Scalar.cs (the
// oracle), MatVec.Avx2.cs and MatVec.AdvSimd.cs.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>The weighted input y = W·x + b of a fully-connected layer.</summary>
    /// <param name="weights">W, row-major, <paramref name="rows"/> × <paramref name="columns"/>.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="columns">Columns of W (the layer's inputs).</param>
    /// <param name="x">Input, <paramref name="columns"/> long.</param>
    /// <param name="bias">b, <paramref name="rows"/> long.</param>
    /// <param name="y">Output, <paramref name="rows"/> long; must not overlap any input.</param>
    /// <exception cref="ArgumentException">A length does not match the shape, or y overlaps an input.</exception>
    public static void MatVec(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y) =>
        MatVec(weights, rows, columns, x, bias, y, KernelDispatch.Active);

    /// <inheritdoc cref="MatVec(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="weights">W.</param>
    /// <param name="rows">Rows of W.</param>
    /// <param name="columns">Columns of W.</param>
    /// <param name="x">Input.</param>
    /// <param name="bias">b.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void MatVec(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y, KernelPath path)
    {
        Check.MatrixShape(weights, nameof(weights), rows, columns);
        Check.Length(x, nameof(x), columns, "the matrix's column count");
        Check.Length(bias, nameof(bias), rows, "the matrix's row count");
        Check.Length(y, nameof(y), rows, "the matrix's row count");
        Check.NoOverlap(weights, nameof(weights), y, nameof(y));
        Check.NoOverlap(x, nameof(x), y, nameof(y));
        Check.NoOverlap(bias, nameof(bias), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        MatVecCore(
            ref MemoryMarshal.GetReference(weights), (nuint)rows, (nuint)columns,
            ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(bias), ref MemoryMarshal.GetReference(y), path);
    }

    /// <summary>y = W·x + b with W given as a contiguous 2-D span (rows × columns).</summary>
    /// <param name="weights">W; its rows must be contiguous (no pitch).</param>
    /// <param name="x">Input, as long as W has columns.</param>
    /// <param name="bias">b, as long as W has rows.</param>
    /// <param name="y">Output, as long as W has rows.</param>
    /// <exception cref="ArgumentException">W has a pitch, a length does not match, or y overlaps an input.</exception>
    public static void MatVec(ReadOnlySpan2D<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y) =>
        MatVec(Contiguous(weights, nameof(weights)), weights.Height, weights.Width, x, bias, y);

    /// <summary>Equation (2)'s error propagation y = Wᵀ·d.</summary>
    /// <param name="weights">W, row-major, <paramref name="rows"/> × <paramref name="columns"/>.</param>
    /// <param name="rows">Rows of W (the next layer's size).</param>
    /// <param name="columns">Columns of W (this layer's size).</param>
    /// <param name="d">The next layer's error δˡ⁺¹, <paramref name="rows"/> long.</param>
    /// <param name="y">Output, <paramref name="columns"/> long; must not overlap W or d.</param>
    /// <exception cref="ArgumentException">A length does not match the shape, or y overlaps an input.</exception>
    public static void MatVecTransposed(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> d, Span<float> y) =>
        MatVecTransposed(weights, rows, columns, d, y, KernelDispatch.Active);

    /// <inheritdoc cref="MatVecTransposed(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="weights">W.</param>
    /// <param name="rows">Rows of W.</param>
    /// <param name="columns">Columns of W.</param>
    /// <param name="d">δˡ⁺¹.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void MatVecTransposed(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> d, Span<float> y, KernelPath path)
    {
        CheckTransposed(weights, rows, columns, d, y);
        KernelDispatch.ThrowIfUnsupported(path);
        MatVecTransposedCore(
            ref MemoryMarshal.GetReference(weights), (nuint)rows, (nuint)columns, ref MemoryMarshal.GetReference(d),
            ref Unsafe.NullRef<float>(), hadamard: false, ref MemoryMarshal.GetReference(y), path);
    }

    /// <summary>
    /// Equation (2) fused with its Hadamard step: δ = (Wᵀ·d) ⊙ σ′(z), one pass over W.
    /// Each element is the transposed product rounded, then multiplied by σ′ (two roundings), the
    /// same as <see cref="MatVecTransposed(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, Span{float})"/>
    /// followed by <see cref="Hadamard(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>.
    /// </summary>
    /// <param name="weights">W, row-major, <paramref name="rows"/> × <paramref name="columns"/>.</param>
    /// <param name="rows">Rows of W (the next layer's size).</param>
    /// <param name="columns">Columns of W (this layer's size).</param>
    /// <param name="d">δˡ⁺¹, <paramref name="rows"/> long.</param>
    /// <param name="derivative">σ′(zˡ), <paramref name="columns"/> long; <paramref name="y"/> may be this very span.</param>
    /// <param name="y">Output δˡ, <paramref name="columns"/> long; must not overlap W or d.</param>
    /// <exception cref="ArgumentException">A length does not match the shape, or y overlaps an input.</exception>
    public static void MatVecTransposedHadamard(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> d, ReadOnlySpan<float> derivative, Span<float> y) =>
        MatVecTransposedHadamard(weights, rows, columns, d, derivative, y, KernelDispatch.Active);

    /// <inheritdoc cref="MatVecTransposedHadamard(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="weights">W.</param>
    /// <param name="rows">Rows of W.</param>
    /// <param name="columns">Columns of W.</param>
    /// <param name="d">δˡ⁺¹.</param>
    /// <param name="derivative">σ′(zˡ).</param>
    /// <param name="y">Output δˡ.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void MatVecTransposedHadamard(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> d, ReadOnlySpan<float> derivative, Span<float> y, KernelPath path)
    {
        CheckTransposed(weights, rows, columns, d, y);
        Check.Length(derivative, nameof(derivative), columns, "the matrix's column count");
        Check.NoPartialOverlap(derivative, nameof(derivative), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        MatVecTransposedCore(
            ref MemoryMarshal.GetReference(weights), (nuint)rows, (nuint)columns, ref MemoryMarshal.GetReference(d),
            ref MemoryMarshal.GetReference(derivative), hadamard: true, ref MemoryMarshal.GetReference(y), path);
    }

    /// <summary>Equation (3)'s weight gradient, accumulated: G ← G + d·aᵀ, one fma per element.</summary>
    /// <param name="gradient">G, row-major, <paramref name="rows"/> × <paramref name="columns"/>, updated in place.</param>
    /// <param name="rows">Rows of G (the layer's outputs).</param>
    /// <param name="columns">Columns of G (the layer's inputs).</param>
    /// <param name="d">δˡ, <paramref name="rows"/> long.</param>
    /// <param name="a">aˡ⁻¹, <paramref name="columns"/> long.</param>
    /// <exception cref="ArgumentException">A length does not match the shape, or G overlaps d or a.</exception>
    public static void OuterProductAdd(Span<float> gradient, int rows, int columns, ReadOnlySpan<float> d, ReadOnlySpan<float> a) =>
        OuterProductAdd(gradient, rows, columns, d, a, KernelDispatch.Active);

    /// <inheritdoc cref="OuterProductAdd(Span{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// <param name="gradient">G.</param>
    /// <param name="rows">Rows of G.</param>
    /// <param name="columns">Columns of G.</param>
    /// <param name="d">δˡ.</param>
    /// <param name="a">aˡ⁻¹.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void OuterProductAdd(Span<float> gradient, int rows, int columns, ReadOnlySpan<float> d, ReadOnlySpan<float> a, KernelPath path)
    {
        Check.MatrixShape(gradient, nameof(gradient), rows, columns);
        Check.Length(d, nameof(d), rows, "the matrix's row count");
        Check.Length(a, nameof(a), columns, "the matrix's column count");
        Check.NoOverlap(d, nameof(d), gradient, nameof(gradient));
        Check.NoOverlap(a, nameof(a), gradient, nameof(gradient));
        KernelDispatch.ThrowIfUnsupported(path);
        OuterProductAddCore(
            ref MemoryMarshal.GetReference(gradient), (nuint)rows, (nuint)columns,
            ref MemoryMarshal.GetReference(d), ref MemoryMarshal.GetReference(a), path);
    }

    internal static void MatVecCore(ref float w, nuint rows, nuint columns, ref float x, ref float bias, ref float y, KernelPath path)
    {
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            MatVecAvx2(ref w, rows, columns, ref x, ref bias, ref y);
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            MatVecAdvSimd(ref w, rows, columns, ref x, ref bias, ref y);
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
            MatVecScalar(ref w, rows, columns, ref x, ref bias, ref y);
        }
    }

    internal static void MatVecTransposedCore(ref float w, nuint rows, nuint columns, ref float d, ref float derivative, bool hadamard, ref float y, KernelPath path)
    {
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            MatVecTransposedAvx2(ref w, rows, columns, ref d, ref derivative, hadamard, ref y);
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            MatVecTransposedAdvSimd(ref w, rows, columns, ref d, ref derivative, hadamard, ref y);
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
            MatVecTransposedScalar(ref w, rows, columns, ref d, ref derivative, hadamard, ref y, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void OuterProductAddCore(ref float g, nuint rows, nuint columns, ref float d, ref float a, KernelPath path)
    {
        for (nuint r = 0; r < rows; r++)
        {
            ElementwiseDriver.Map(
                new AxpyOperator(Unsafe.Add(ref d, r)),
                MemoryMarshal.CreateReadOnlySpan(ref a, (int)columns),
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref g, r * columns), (int)columns),
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref g, r * columns), (int)columns),
                path);
        }
    }

    private static void CheckTransposed(ReadOnlySpan<float> weights, int rows, int columns, ReadOnlySpan<float> d, Span<float> y)
    {
        Check.MatrixShape(weights, nameof(weights), rows, columns);
        Check.Length(d, nameof(d), rows, "the matrix's row count");
        Check.Length(y, nameof(y), columns, "the matrix's column count");
        Check.NoOverlap(weights, nameof(weights), y, nameof(y));
        Check.NoOverlap(d, nameof(d), y, nameof(y));
    }

    private static ReadOnlySpan<float> Contiguous(ReadOnlySpan2D<float> matrix, string name)
    {
        if (!matrix.TryGetSpan(out ReadOnlySpan<float> span))
        {
            throw new ArgumentException($"Matrix {name} ({matrix.Height} × {matrix.Width}) must be contiguous: its rows have a pitch.", name);
        }

        return span;
    }
}
