// The fp32 ends of an int8 layer: the input's range, its quantization, and the epilogue.
//
//   MaxAbs             m = max_i |x_i|, as the largest of the bit patterns |x_i| (sign bit cleared)
//   QuantizeToInt8     q_i = round_even(min(max(x_i · inverseScale, −127), 127))
//   DequantizeRows     y_r = fma((float)S_r, fl(rowScale_r · inputScale), b_r)
//
// MaxAbs compares bit patterns as integers, which orders every non-NaN magnitude like the numbers
// and puts NaN above +∞, so the answer (exact, whatever the order) is the same bits on every path
// even for NaN inputs. QuantizeToInt8 clamps with "v > lo ? v : lo" and "v < hi ? v : hi", so a NaN
// product becomes −127 on every path, then rounds half to even (vroundps / frintn / MathF.Round)
// before converting, which is then exact. DequantizeRows converts S with round-to-nearest-even
// (exact for |S| < 2²⁴), rounds the scale product once and applies one fma — the same IEEE
// operations in the same order on every path. Bodies: the scalar oracle, 256-bit vectors on the
// x86 paths (QuantizeToInt8 has a 512-bit body on AVX-512), 128-bit on NEON; pure writes, so the
// vector bodies finish with the scalar remainder. x86's vmaxps(v, lo) is exactly "v > lo ? v : lo"
// (the second operand when either is NaN), so the clamps are one instruction each.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>The largest int8 magnitude used: the quantized range is symmetric, [−127, 127].</summary>
    public const float Int8Limit = 127f;

    /// <summary>The largest magnitude max_i |x_i| (0 for an empty span; NaN if any element is NaN), the same bits on every path.</summary>
    /// <param name="x">The values.</param>
    /// <returns>The largest magnitude.</returns>
    public static float MaxAbs(ReadOnlySpan<float> x) => MaxAbs(x, KernelDispatch.Active);

    /// <inheritdoc cref="MaxAbs(ReadOnlySpan{float})"/>
    /// <param name="x">The values.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static float MaxAbs(ReadOnlySpan<float> x, KernelPath path)
    {
        KernelDispatch.ThrowIfUnsupported(path);
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(x);
        int i = 0, max = 0;
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            Vector256<int> m = Vector256<int>.Zero, magnitude = Vector256.Create(int.MaxValue);
            for (; i <= bits.Length - 8; i += 8)
            {
                m = Vector256.Max(m, Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(bits), (nuint)i) & magnitude);
            }

            Vector128<int> h = Vector128.Max(m.GetLower(), m.GetUpper());
            max = Math.Max(Math.Max(h[0], h[1]), Math.Max(h[2], h[3]));
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            Vector128<int> m = Vector128<int>.Zero, magnitude = Vector128.Create(int.MaxValue);
            for (; i <= bits.Length - 4; i += 4)
            {
                m = Vector128.Max(m, Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bits), (nuint)i) & magnitude);
            }

            max = AdvSimd.Arm64.MaxAcross(m).ToScalar();
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < bits.Length; i++)
        {
            max = Math.Max(max, bits[i] & int.MaxValue);
        }

        return BitConverter.Int32BitsToSingle(max);
    }

    /// <summary>
    /// Symmetric int8 quantization q_i = round_even(clamp(x_i · inverseScale, −127, 127)); a NaN
    /// product gives −127. The same bits on every path.
    /// </summary>
    /// <param name="x">The values.</param>
    /// <param name="inverseScale">127 / range (0 quantizes everything to 0).</param>
    /// <param name="q">Output, at least as long as <paramref name="x"/>; only its first x.Length bytes are written.</param>
    /// <exception cref="ArgumentException"><paramref name="q"/> is shorter than <paramref name="x"/>.</exception>
    public static void QuantizeToInt8(ReadOnlySpan<float> x, float inverseScale, Span<sbyte> q) =>
        QuantizeToInt8(x, inverseScale, q, KernelDispatch.Active);

    /// <inheritdoc cref="QuantizeToInt8(ReadOnlySpan{float}, float, Span{sbyte})"/>
    /// <param name="x">The values.</param>
    /// <param name="inverseScale">127 / range.</param>
    /// <param name="q">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void QuantizeToInt8(ReadOnlySpan<float> x, float inverseScale, Span<sbyte> q, KernelPath path)
    {
        if (q.Length < x.Length)
        {
            throw new ArgumentException($"Length mismatch: q has {q.Length} elements but x has {x.Length}.", nameof(q));
        }

        KernelDispatch.ThrowIfUnsupported(path);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref sbyte qs = ref MemoryMarshal.GetReference(q);
        int i = 0;
        if (Avx512F.IsSupported && path == KernelPath.Avx512)
        {
            KernelProbe.Record(KernelPath.Avx512);
            Vector512<float> s = Vector512.Create(inverseScale), lo = Vector512.Create(-Int8Limit), hi = Vector512.Create(Int8Limit);
            for (; i <= x.Length - 64; i += 64)
            {
                Vector128<sbyte> q0 = QuantizeVector(Vector512.LoadUnsafe(ref xs, (nuint)i), s, lo, hi);
                Vector128<sbyte> q1 = QuantizeVector(Vector512.LoadUnsafe(ref xs, (nuint)i + 16), s, lo, hi);
                Vector128<sbyte> q2 = QuantizeVector(Vector512.LoadUnsafe(ref xs, (nuint)i + 32), s, lo, hi);
                Vector128<sbyte> q3 = QuantizeVector(Vector512.LoadUnsafe(ref xs, (nuint)i + 48), s, lo, hi);
                q0.StoreUnsafe(ref qs, (nuint)i);
                q1.StoreUnsafe(ref qs, (nuint)i + 16);
                q2.StoreUnsafe(ref qs, (nuint)i + 32);
                q3.StoreUnsafe(ref qs, (nuint)i + 48);
            }

            for (; i <= x.Length - 16; i += 16)
            {
                QuantizeVector(Vector512.LoadUnsafe(ref xs, (nuint)i), s, lo, hi).StoreUnsafe(ref qs, (nuint)i);
            }
        }
        else if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            Vector256<float> s = Vector256.Create(inverseScale), lo = Vector256.Create(-Int8Limit), hi = Vector256.Create(Int8Limit);
            Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            for (; i <= x.Length - 32; i += 32)
            {
                Vector256<int> v0 = QuantizeVector(Vector256.LoadUnsafe(ref xs, (nuint)i), s, lo, hi);
                Vector256<int> v1 = QuantizeVector(Vector256.LoadUnsafe(ref xs, (nuint)i + 8), s, lo, hi);
                Vector256<int> v2 = QuantizeVector(Vector256.LoadUnsafe(ref xs, (nuint)i + 16), s, lo, hi);
                Vector256<int> v3 = QuantizeVector(Vector256.LoadUnsafe(ref xs, (nuint)i + 24), s, lo, hi);

                // Every value is already in [−127, 127], so the saturating packs narrow exactly; they
                // interleave 128-bit lanes, and the dword permutation puts the 32 bytes back in order.
                Vector256<sbyte> packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(v0, v1), Avx2.PackSignedSaturate(v2, v3));
                Avx2.PermuteVar8x32(packed.AsInt32(), order).AsSByte().StoreUnsafe(ref qs, (nuint)i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            Vector128<float> s = Vector128.Create(inverseScale), lo = Vector128.Create(-Int8Limit), hi = Vector128.Create(Int8Limit);
            for (; i <= x.Length - 16; i += 16)
            {
                Vector128<int> v0 = QuantizeVector(Vector128.LoadUnsafe(ref xs, (nuint)i), s, lo, hi);
                Vector128<int> v1 = QuantizeVector(Vector128.LoadUnsafe(ref xs, (nuint)i + 4), s, lo, hi);
                Vector128<int> v2 = QuantizeVector(Vector128.LoadUnsafe(ref xs, (nuint)i + 8), s, lo, hi);
                Vector128<int> v3 = QuantizeVector(Vector128.LoadUnsafe(ref xs, (nuint)i + 12), s, lo, hi);
                Vector128.Narrow(Vector128.Narrow(v0, v1), Vector128.Narrow(v2, v3)).StoreUnsafe(ref qs, (nuint)i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        QuantizeRemainder(x, inverseScale, q, i);
    }

    /// <summary>
    /// The int8 layer's epilogue y_r = fma((float)S_r, fl(rowScale_r · inputScale), b_r): the exact
    /// integer sums back to fp32 with one rounding of the scale product and one of the fma.
    /// </summary>
    /// <param name="sums">S, one per row.</param>
    /// <param name="rowScales">The weight matrix's row scales.</param>
    /// <param name="inputScale">The scale the input was quantized with (range / 127).</param>
    /// <param name="bias">b.</param>
    /// <param name="y">Output; may not overlap any input.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void DequantizeRows(ReadOnlySpan<int> sums, ReadOnlySpan<float> rowScales, float inputScale, ReadOnlySpan<float> bias, Span<float> y) =>
        DequantizeRows(sums, rowScales, inputScale, bias, y, KernelDispatch.Active);

    /// <inheritdoc cref="DequantizeRows(ReadOnlySpan{int}, ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
    /// <param name="sums">S.</param>
    /// <param name="rowScales">Row scales.</param>
    /// <param name="inputScale">Input scale.</param>
    /// <param name="bias">b.</param>
    /// <param name="y">Output.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static void DequantizeRows(ReadOnlySpan<int> sums, ReadOnlySpan<float> rowScales, float inputScale, ReadOnlySpan<float> bias, Span<float> y, KernelPath path)
    {
        int n = y.Length;
        if (sums.Length != n || rowScales.Length != n || bias.Length != n)
        {
            throw new ArgumentException($"Length mismatch: y has {n} elements but sums, rowScales and bias have {sums.Length}, {rowScales.Length} and {bias.Length}.", nameof(y));
        }

        Check.NoOverlap(rowScales, nameof(rowScales), y, nameof(y));
        Check.NoOverlap(bias, nameof(bias), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        ref int ss = ref MemoryMarshal.GetReference(sums);
        ref float rs = ref MemoryMarshal.GetReference(rowScales);
        ref float bs = ref MemoryMarshal.GetReference(bias);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            Vector256<float> t = Vector256.Create(inputScale);
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> scale = Vector256.LoadUnsafe(ref rs, (nuint)i) * t;
                Fma.MultiplyAdd(Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref ss, (nuint)i)), scale, Vector256.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            Vector128<float> t = Vector128.Create(inputScale);
            for (; i <= n - 4; i += 4)
            {
                Vector128<float> scale = Vector128.LoadUnsafe(ref rs, (nuint)i) * t;
                AdvSimd.FusedMultiplyAdd(Vector128.LoadUnsafe(ref bs, (nuint)i), Vector128.ConvertToSingle(Vector128.LoadUnsafe(ref ss, (nuint)i)), scale).StoreUnsafe(ref ys, (nuint)i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < n; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(sums[i], rowScales[i] * inputScale, bias[i]);
        }
    }

    /// <summary>16 values quantized and narrowed: vmaxps / vminps clamp ("v &gt; lo ? v : lo", so NaN gives lo), vrndscaleps rounds half to even, and vpmovsdb narrows values already in range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<sbyte> QuantizeVector(Vector512<float> x, Vector512<float> inverseScale, Vector512<float> lo, Vector512<float> hi)
    {
        Vector512<float> v = Avx512F.Min(Avx512F.Max(x * inverseScale, lo), hi);
        return Avx512F.ConvertToVector128SByteWithSaturation(Avx512F.ConvertToVector512Int32WithTruncation(Vector512.Round(v)));
    }

    /// <summary>8 values quantized to int32: vmaxps / vminps clamp ("v &gt; lo ? v : lo", so NaN gives lo), vroundps rounds half to even, and the truncating conversion of an integer is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> QuantizeVector(Vector256<float> x, Vector256<float> inverseScale, Vector256<float> lo, Vector256<float> hi)
    {
        Vector256<float> v = Avx.Min(Avx.Max(x * inverseScale, lo), hi);
        return Avx.ConvertToVector256Int32WithTruncation(Vector256.Round(v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> QuantizeVector(Vector128<float> x, Vector128<float> inverseScale, Vector128<float> lo, Vector128<float> hi)
    {
        Vector128<float> v = x * inverseScale;
        v = Vector128.ConditionalSelect(Vector128.GreaterThan(v, lo), v, lo);
        v = Vector128.ConditionalSelect(Vector128.LessThan(v, hi), v, hi);
        return Vector128.ConvertToInt32(Vector128.Round(v));
    }

    /// <summary>The scalar form of QuantizeVector, from <paramref name="start"/> to the end: the oracle and every path's remainder.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void QuantizeRemainder(ReadOnlySpan<float> x, float inverseScale, Span<sbyte> q, int start)
    {
        for (int i = start; i < x.Length; i++)
        {
            float v = x[i] * inverseScale;
            v = v > -Int8Limit ? v : -Int8Limit;
            v = v < Int8Limit ? v : Int8Limit;
            q[i] = (sbyte)MathF.Round(v);
        }
    }
}
