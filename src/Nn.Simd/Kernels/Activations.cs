// Activation functions σ and their derivatives σ′, element-wise over a span, and the stable softmax.
//
//   exp(x)        Cephes-style: n = round(x·log₂e), r = x − n·C1 − n·C2 (two fma), Horner degree-5
//                 polynomial in fma, p = fma(P, r², r) + 1, result = p·2ⁿ built in the exponent bits.
//                 x > 88 → +∞ and x < −87 → +0 (so 2ⁿ and the result stay normal numbers); NaN → NaN.
//   sigmoid(x)    1 / (1 + exp(−x))
//   tanh(x)       |x| < 0.625: x + x·(x²·P(x²)) as fma(x²·P(x²), x, x); otherwise
//                 copysign(1 − 2 / (exp(2|x|) + 1), x)
//   relu(x)       x < 0 ? +0 : x          (keeps NaN and −0)
//   identity(x)   x
//   σ′            sigmoid: fma(−s, s, s) with s = sigmoid(x); tanh: fma(−t, t, 1); relu: x > 0 ? 1 : 0; identity: 1
//   softmax(x)    m = max x (NaNs skipped), e_i = exp(x_i − m), y_i = e_i / Sum(e) with the 32-lane Sum
//
// One polynomial and one sequence of IEEE operations on every path: the scalar forms are the
// oracle, and the AVX2 and NEON forms (and, for exp, sigmoid, σ′, the softmax's steps, ReLU and
// relu′, an AVX-512 form) sit beside them in the same operator struct. `MathF.Exp` and `Vector256.Exp` are not used
// because they differ from each other in the last bit. This file holds the entry points (checks, then
// the drivers of Elementwise.cs) and the softmax; the operator structs are in Activations.Operators.cs,
// the exp polynomial in ExpPolynomial.cs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>y_i = exp(x_i) with the polynomial shared by every path (+∞ above 88, +0 below −87).</summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Exp(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Exp(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Input.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Exp(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ExpOperator), x, y, path);

    /// <summary>The logistic function y_i = 1 / (1 + e^(−x_i)); saturates to exactly 0 and 1 for large |x|.</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Sigmoid(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Sigmoid(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(SigmoidOperator), x, y, path);

    /// <summary>σ′(x_i) = σ(x_i)(1 − σ(x_i)).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void SigmoidDerivative(ReadOnlySpan<float> x, Span<float> y) => SigmoidDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="SigmoidDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void SigmoidDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(SigmoidDerivativeOperator), x, y, path);

    /// <summary>The hyperbolic tangent; saturates to exactly ±1 for large |x|.</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Tanh(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Tanh(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(TanhOperator), x, y, path);

    /// <summary>tanh′(x_i) = 1 − tanh²(x_i).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void TanhDerivative(ReadOnlySpan<float> x, Span<float> y) => TanhDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="TanhDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void TanhDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(TanhDerivativeOperator), x, y, path);

    /// <summary>The rectifier y_i = max(0, x_i) (−0 and NaN pass through unchanged).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => Relu(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Relu(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ReluOperator), x, y, path);

    /// <summary>relu′(x_i): 1 where x_i &gt; 0, else 0 (the subgradient 0 is taken at the kink).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void ReluDerivative(ReadOnlySpan<float> x, Span<float> y) => ReluDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="ReluDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void ReluDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapWideChecked(default(ReluDerivativeOperator), x, y, path);

    /// <summary>The identity y = x (a copy unless the spans are the same).</summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Identity(ReadOnlySpan<float> x, Span<float> y)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        x.CopyTo(y);
    }

    /// <summary>identity′ = 1 everywhere.</summary>
    /// <param name="x">Weighted inputs z (only its length is used).</param>
    /// <param name="y">Output, as long as <paramref name="x"/>.</param>
    public static void IdentityDerivative(ReadOnlySpan<float> x, Span<float> y) => IdentityDerivative(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="IdentityDerivative(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void IdentityDerivative(ReadOnlySpan<float> x, Span<float> y, KernelPath path) => MapChecked(default(OneOperator), x, y, path);

    /// <summary>
    /// The numerically stable softmax y_i = e^(x_i − m) / Σ_j e^(x_j − m), m = max x. Finite inputs
    /// of any magnitude give finite outputs that sum to 1 within rounding; a NaN input makes every
    /// output NaN.
    /// </summary>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself.</param>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y) => Softmax(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Softmax(ReadOnlySpan{float}, Span{float})"/>
    /// <param name="x">Weighted inputs z.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        CheckUnary(x, y, path);
        if (x.IsEmpty)
        {
            return;
        }

        float max = Maximum(x);
        ElementwiseDriver.MapWide(new ShiftedExpOperator(max), x, y, path);
        float sum = Sum(y, path);
        ElementwiseDriver.MapWide(new DivideByOperator(sum), y, y, path);
    }

    /// <summary>
    /// <see cref="Softmax(ReadOnlySpan{float}, Span{float}, KernelPath)"/> of every row of a
    /// row-major block (a batch's outputs). On the AVX-512 path a row of up to 16 values is one
    /// vector through the same steps: the same maximum, the same exp, its Sum reduced in the
    /// 32-lane order (lanes 16..31 hold +0, so (L[j] + L[j+8]) + (L[j+16] + L[j+24]) is
    /// L[j] + L[j+8] exactly), the same division; the same bits as one Softmax call per row
    /// without a call's fixed cost per row. Four rows at a time, loads before stores: a row's masked
    /// store shares its 64-byte window with the next rows' masked loads, and in place (a batch's
    /// z → a) each such load waited for the store before it (128 rows of 10: 3.48 → 1.17 µs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int width, KernelPath path)
    {
        CheckUnary(x, y, path);
        if (width <= 0 || x.Length % width != 0)
        {
            throw new ArgumentException($"{x.Length} values are not whole rows of {width}.", nameof(width));
        }

        if (!(Avx512F.IsSupported && path == KernelPath.Avx512) || width > 16)
        {
            for (int row = 0; row < x.Length; row += width)
            {
                Softmax(x.Slice(row, width), y.Slice(row, width), path);
            }

            return;
        }

        KernelProbe.Record(KernelPath.Avx512);
        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        unsafe
        {
            fixed (float* xp = x, yp = y)
            {
                int row = 0;
                for (; row + (4 * width) <= x.Length; row += 4 * width)
                {
                    Vector512<float> e0 = RowExponentials(x, xp, row, width, mask), e1 = RowExponentials(x, xp, row + width, width, mask);
                    Vector512<float> e2 = RowExponentials(x, xp, row + (2 * width), width, mask), e3 = RowExponentials(x, xp, row + (3 * width), width, mask);
                    StoreNormalised(yp + row, mask, e0);
                    StoreNormalised(yp + row + width, mask, e1);
                    StoreNormalised(yp + row + (2 * width), mask, e2);
                    StoreNormalised(yp + row + (3 * width), mask, e3);
                }

                for (; row < x.Length; row += width)
                {
                    StoreNormalised(yp + row, mask, RowExponentials(x, xp, row, width, mask));
                }
            }
        }
    }

    /// <summary>e_i = exp(x_i − max) of the row at <paramref name="row"/>, one per lane of <paramref name="mask"/>, +0 in the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> RowExponentials(ReadOnlySpan<float> x, float* xp, int row, int width, Vector512<float> mask) =>
        Vector512.ConditionalSelect(mask, new ShiftedExpOperator(Maximum(x.Slice(row, width))).Invoke(Avx512F.MaskLoad(xp + row, mask, Vector512<float>.Zero)), Vector512<float>.Zero);

    /// <summary>y = e / Sum(e) over the lanes of <paramref name="mask"/>, the sum in the 32-lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreNormalised(float* y, Vector512<float> mask, Vector512<float> e) =>
        Avx512F.MaskStore(y, mask, new DivideByOperator(HorizontalSumAvx2(Avx.Add(e.GetLower(), e.GetUpper()))).Invoke(e));

    /// <summary>
    /// The softmax's maximum (NaNs skipped). Exact in any order; the only order-dependent detail,
    /// +0 against −0, cannot change x_i − m for any x_i, so this plain loop serves every path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Maximum(ReadOnlySpan<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float value in x)
        {
            max = value > max ? value : max;
        }

        return max;
    }

    private static void MapWideChecked<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IWideUnaryOperator
    {
        CheckUnary(x, y, path);
        ElementwiseDriver.MapWide(op, x, y, path);
    }

    private static void MapChecked<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IUnaryOperator
    {
        CheckUnary(x, y, path);
        ElementwiseDriver.Map(op, x, y, path);
    }

    /// <summary>The entry checks of every x → y kernel here: equal lengths, y is x or apart from it, a supported path.</summary>
    private static void CheckUnary(ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.NoPartialOverlap(x, nameof(x), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
    }
}
