// Element-wise kernels: every output element depends on the elements at the same index only.
//
//   Add        y_i = a_i + b_i
//   Hadamard   y_i = a_i · b_i
//   Scale      y_i = α · x_i
//   Axpy       y_i = fma(α, x_i, y_i)                       (y += α·x)
//   SgdStep    w_i = fma(−η/m, g_i, (1 − ηλ/n) · w_i)        (L2-decayed gradient step)
//
// Each operation is an operator struct that holds its scalar form (the oracle) beside its AVX2 and
// NEON forms; one driver per path owns the loops. Because each element is computed by the same
// IEEE operations whatever the vector width, the paths agree bit for bit by construction. Tails
// finish with the scalar form (no overlapping stores: outputs may alias inputs exactly).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>An operation y = f(x) applied element by element, in scalar, AVX2 and NEON forms.</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);

    Vector256<float> Invoke(Vector256<float> x);

    Vector128<float> Invoke(Vector128<float> x);
}

/// <summary>
/// A unary operation long enough (the exp-based activations) to gain from 512-bit vectors on the
/// AVX-512 path; its 512-bit form performs its AVX2 form's operations lane for lane.
/// </summary>
internal interface IWideUnaryOperator : IUnaryOperator
{
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>An operation z = f(x, y) applied element by element, in scalar, AVX2 and NEON forms.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);

    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
}

/// <summary>The loops shared by every element-wise kernel, one per path.</summary>
internal static class ElementwiseDriver
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IUnaryOperator
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length;
        nuint i = 0;
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            for (; i + 8 <= n; i += 8)
            {
                op.Invoke(Vector256.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            for (; i + 4 <= n; i += 4)
            {
                op.Invoke(Vector128.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref xr, i));
        }
    }

    /// <summary>
    /// <see cref="Map{TOp}(TOp, ReadOnlySpan{float}, Span{float}, KernelPath)"/> with 16 lanes at a
    /// time on the AVX-512 path, the last 1..15 elements in one masked vector (a masked-off lane
    /// neither loads nor stores) instead of the scalar form: a softmax over 10 outputs is one vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MapWide<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
        where TOp : struct, IWideUnaryOperator
    {
        if (!Avx512F.IsSupported || path != KernelPath.Avx512)
        {
            Map(op, x, y, path);
            return;
        }

        KernelProbe.Record(KernelPath.Avx512);
        fixed (float* xp = x, yp = y)
        {
            int i = 0;
            for (; i + 16 <= x.Length; i += 16)
            {
                op.Invoke(Vector512.Load(xp + i)).Store(yp + i);
            }

            if (i < x.Length)
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(x.Length - i)).AsSingle();
                Avx512F.MaskStore(yp + i, mask, op.Invoke(Avx512F.MaskLoad(xp + i, mask, Vector512<float>.Zero)));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, KernelPath path)
        where TOp : struct, IBinaryOperator
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length;
        nuint i = 0;
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            for (; i + 8 <= n; i += 8)
            {
                op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            for (; i + 4 <= n; i += 4)
            {
                op.Invoke(Vector128.LoadUnsafe(ref xr, i), Vector128.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
        }
    }
}

/// <summary>y_i = a_i + b_i.</summary>
internal readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Avx.Add(x, y);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => AdvSimd.Add(x, y);
}

/// <summary>y_i = a_i · b_i.</summary>
internal readonly struct MultiplyOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x * y;

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Avx.Multiply(x, y);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => AdvSimd.Multiply(x, y);
}

/// <summary>y_i = α · x_i.</summary>
internal readonly struct ScaleOperator(float alpha) : IUnaryOperator
{
    public float Invoke(float x) => alpha * x;

    public Vector256<float> Invoke(Vector256<float> x) => Avx.Multiply(Vector256.Create(alpha), x);

    public Vector128<float> Invoke(Vector128<float> x) => AdvSimd.Multiply(Vector128.Create(alpha), x);
}

/// <summary>z_i = fma(α, x_i, y_i).</summary>
internal readonly struct AxpyOperator(float alpha) : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.FusedMultiplyAdd(alpha, x, y);

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Fma.MultiplyAdd(Vector256.Create(alpha), x, y);

    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => AdvSimd.FusedMultiplyAdd(y, Vector128.Create(alpha), x);
}

/// <summary>w_i = fma(−step, g_i, decay · w_i), with x = w and y = g.</summary>
internal readonly struct SgdStepOperator(float decay, float step) : IBinaryOperator
{
    public float Invoke(float w, float g) => MathF.FusedMultiplyAdd(-step, g, decay * w);

    public Vector256<float> Invoke(Vector256<float> w, Vector256<float> g) =>
        Fma.MultiplyAdd(Vector256.Create(-step), g, Avx.Multiply(Vector256.Create(decay), w));

    public Vector128<float> Invoke(Vector128<float> w, Vector128<float> g) =>
        AdvSimd.FusedMultiplyAdd(AdvSimd.Multiply(Vector128.Create(decay), w), Vector128.Create(-step), g);
}

public static partial class Kernel
{
    /// <summary>The sum y = a + b, element by element (one rounding each: the same bits as copying a into y, then <c>Axpy(1, b, y)</c>).</summary>
    /// <param name="a">First term.</param>
    /// <param name="b">Second term, as long as <paramref name="a"/>.</param>
    /// <param name="y">Output, as long as <paramref name="a"/>; may be <paramref name="a"/> or <paramref name="b"/> itself, but must not partly overlap either.</param>
    /// <exception cref="ArgumentException">Lengths differ, or the output partly overlaps an input.</exception>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) =>
        Add(a, b, y, KernelDispatch.Active);

    /// <inheritdoc cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="a">First term.</param>
    /// <param name="b">Second term.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, KernelPath path) =>
        MapChecked(default(AddOperator), a, b, y, path);

    /// <summary>The Hadamard product y = a ⊙ b.</summary>
    /// <param name="a">First factor.</param>
    /// <param name="b">Second factor, as long as <paramref name="a"/>.</param>
    /// <param name="y">Output, as long as <paramref name="a"/>; may be <paramref name="a"/> or <paramref name="b"/> itself, but must not partly overlap either.</param>
    /// <exception cref="ArgumentException">Lengths differ, or the output partly overlaps an input.</exception>
    public static void Hadamard(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) =>
        Hadamard(a, b, y, KernelDispatch.Active);

    /// <inheritdoc cref="Hadamard(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="a">First factor.</param>
    /// <param name="b">Second factor.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Hadamard(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, KernelPath path) =>
        MapChecked(default(MultiplyOperator), a, b, y, path);

    /// <summary>y_i = op(a_i, b_i), after the checks every such kernel makes: equal lengths, y not partly overlapping an input, the path supported.</summary>
    private static void MapChecked<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, KernelPath path)
        where TOp : struct, IBinaryOperator
    {
        Check.SameLength(a, nameof(a), b, nameof(b));
        Check.SameLength(a, nameof(a), y, nameof(y));
        Check.NoPartialOverlap(a, nameof(a), y, nameof(y));
        Check.NoPartialOverlap(b, nameof(b), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        ElementwiseDriver.Map(op, a, b, y, path);
    }

    /// <summary>y = α·x.</summary>
    /// <param name="alpha">The scale factor α.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; may be <paramref name="x"/> itself (scaling in place).</param>
    /// <exception cref="ArgumentException">Lengths differ, or the output partly overlaps the input.</exception>
    public static void Scale(float alpha, ReadOnlySpan<float> x, Span<float> y) => Scale(alpha, x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Scale(float, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="alpha">The scale factor α.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Scale(float alpha, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.NoPartialOverlap(x, nameof(x), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        ElementwiseDriver.Map(new ScaleOperator(alpha), x, y, path);
    }

    /// <summary>y ← α·x + y, each element with one fused multiply-add (one rounding).</summary>
    /// <param name="alpha">The factor α.</param>
    /// <param name="x">Input, as long as <paramref name="y"/>.</param>
    /// <param name="y">Accumulated in place; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">Lengths differ, or the spans overlap.</exception>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y) => Axpy(alpha, x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Axpy(float, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="alpha">The factor α.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Accumulated in place.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y, KernelPath path)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.NoOverlap(x, nameof(x), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        ElementwiseDriver.Map(new AxpyOperator(alpha), x, y, y, path);
    }

    /// <summary>
    /// One step of gradient descent with L2 weight decay, w ← (1 − ηλ/n)·w − (η/m)·g, computed per
    /// element as <c>fma(−step, g, decay·w)</c> with <c>decay = 1 − ηλ/n</c> and <c>step = η/m</c>.
    /// </summary>
    /// <param name="weights">The parameters w, updated in place.</param>
    /// <param name="gradientSum">g: the gradient summed over the mini-batch; same length, must not overlap.</param>
    /// <param name="decay">1 − ηλ/n (1 for no decay, e.g. for biases).</param>
    /// <param name="step">η/m, the learning rate over the mini-batch size.</param>
    /// <exception cref="ArgumentException">Lengths differ, or the spans overlap.</exception>
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradientSum, float decay, float step) =>
        SgdStep(weights, gradientSum, decay, step, KernelDispatch.Active);

    /// <inheritdoc cref="SgdStep(Span{float}, ReadOnlySpan{float}, float, float)"/>
    /// <param name="weights">The parameters w, updated in place.</param>
    /// <param name="gradientSum">g.</param>
    /// <param name="decay">1 − ηλ/n.</param>
    /// <param name="step">η/m.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void SgdStep(Span<float> weights, ReadOnlySpan<float> gradientSum, float decay, float step, KernelPath path)
    {
        Check.SameLength(weights, nameof(weights), gradientSum, nameof(gradientSum));
        Check.NoOverlap(gradientSum, nameof(gradientSum), weights, nameof(weights));
        KernelDispatch.ThrowIfUnsupported(path);
        ElementwiseDriver.Map(new SgdStepOperator(decay, step), weights, gradientSum, weights, path);
    }
}
