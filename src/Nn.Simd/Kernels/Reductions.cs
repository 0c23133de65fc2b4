// Reductions: Dot x·y = Σ x_i·y_i and Sum Σ x_i.
//
// The lane structure is part of the contract, identical on every path:
//   32 partial sums L[0..31] start at +0; element i goes into L[i mod 32], in increasing i,
//   by L = fma(x_i, y_i, L) for Dot and L = L + x_i for Sum; then
//     s[j] = (L[j] + L[j+8]) + (L[j+16] + L[j+24])   j < 8
//     t[j] = s[j] + s[j+4]                           j < 4
//     u[j] = t[j] + t[j+2]                           j < 2
//     result = u[0] + u[1]
// AVX2 keeps L in four Vector256 accumulators (A0 = L[0..7], …), NEON in eight Vector128
// (V0 = L[0..3], V1 = L[4..7], …), scalar in a 32-float tile. The main loop takes 32 elements a
// step; whole vectors of the rest continue the lane pattern; the last partial vector is padded
// with x = −0 and y = +0 (Sum: −0), whose product −0 leaves any lane value unchanged, −0 included.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// The SIMD kernels of the engine. Every kernel has an AVX2+FMA, an ARM64 NEON and a scalar path,
/// and all three give bit-identical results (see <c>docs/architecture.md</c>, "The kernel
/// contract"). Overloads without a <see cref="KernelPath"/> run on <see cref="KernelDispatch.Active"/>.
/// </summary>
public static partial class Kernel
{
    /// <summary>The number of partial sums every reduction keeps (see the lane structure above).</summary>
    internal const int ReductionLanes = 32;

    /// <summary>The dot product x·y, reduced in the fixed 32-lane order shared by every path.</summary>
    /// <param name="x">First vector.</param>
    /// <param name="y">Second vector, as long as <paramref name="x"/>.</param>
    /// <returns>Σ x_i·y_i; +0 for empty vectors.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => Dot(x, y, KernelDispatch.Active);

    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// <param name="x">First vector.</param>
    /// <param name="y">Second vector.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, KernelPath path)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        KernelDispatch.ThrowIfUnsupported(path);
        return DotCore(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), (nuint)x.Length, path);
    }

    /// <summary>The sum Σ x_i, in the same fixed 32-lane order as <see cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    /// <param name="x">The values.</param>
    /// <returns>The sum; +0 for an empty span.</returns>
    public static float Sum(ReadOnlySpan<float> x) => Sum(x, KernelDispatch.Active);

    /// <inheritdoc cref="Sum(ReadOnlySpan{float})"/>
    /// <param name="x">The values.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    public static float Sum(ReadOnlySpan<float> x, KernelPath path)
    {
        KernelDispatch.ThrowIfUnsupported(path);
        ref float xr = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length;
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            return SumAvx2(ref xr, n);
        }

        if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            return SumAdvSimd(ref xr, n);
        }

        KernelProbe.Record(KernelPath.Scalar);
        return SumScalar(ref xr, n);
    }

    internal static float DotCore(ref float x, ref float y, nuint n, KernelPath path)
    {
        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            return DotAvx2(ref x, ref y, n);
        }

        if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            return DotAdvSimd(ref x, ref y, n);
        }

        KernelProbe.Record(KernelPath.Scalar);
        return DotScalar(ref x, ref y, n);
    }

    // ---- scalar: the oracle -------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotScalar(ref float x, ref float y, nuint n)
    {
        Span<float> lanes = stackalloc float[ReductionLanes];
        lanes.Clear();
        for (nuint i = 0; i < n; i++)
        {
            ref float lane = ref lanes[(int)(i % ReductionLanes)];
            lane = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), lane);
        }

        return CombineLanesScalar(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SumScalar(ref float x, nuint n)
    {
        Span<float> lanes = stackalloc float[ReductionLanes];
        lanes.Clear();
        for (nuint i = 0; i < n; i++)
        {
            lanes[(int)(i % ReductionLanes)] += Unsafe.Add(ref x, i);
        }

        return CombineLanesScalar(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float CombineLanesScalar(ReadOnlySpan<float> lanes)
    {
        Span<float> s = stackalloc float[8];
        for (int j = 0; j < 8; j++)
        {
            s[j] = (lanes[j] + lanes[j + 8]) + (lanes[j + 16] + lanes[j + 24]);
        }

        float t0 = s[0] + s[4], t1 = s[1] + s[5], t2 = s[2] + s[6], t3 = s[3] + s[7];
        float u0 = t0 + t2, u1 = t1 + t3;
        return u0 + u1;
    }

    // ---- AVX2 + FMA -----------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotAvx2(ref float x, ref float y, nuint n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint i = 0;
        for (; i + ReductionLanes <= n; i += ReductionLanes)
        {
            a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i), a0);
            a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i + 8), Vector256.LoadUnsafe(ref y, i + 8), a1);
            a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i + 16), Vector256.LoadUnsafe(ref y, i + 16), a2);
            a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i + 24), Vector256.LoadUnsafe(ref y, i + 24), a3);
        }

        return FinishDotAvx2(a0, a1, a2, a3, ref x, ref y, i, n);
    }

    /// <summary>
    /// Adds the last fewer-than-32 elements (from <paramref name="i"/>) into the four accumulators,
    /// continuing the lane pattern, and reduces them. Shared by <see cref="DotAvx2"/> and the
    /// multi-row MatVec, whose rows each end this way. Inlined: as a call, its four 256-bit
    /// arguments travel through the stack, which costs a MatVec row more than its tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float FinishDotAvx2(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        ref float x, ref float y, nuint i, nuint n)
    {
        // Fewer than 32 elements remain: whole vectors go to A0, A1, A2 in turn, the padded
        // partial vector to the next accumulator, exactly where the lane pattern puts them.
        nuint rest = n - i;
        if (rest >= 8)
        {
            a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i), a0);
            if (rest >= 16)
            {
                a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i + 8), Vector256.LoadUnsafe(ref y, i + 8), a1);
                if (rest >= 24)
                {
                    a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, i + 16), Vector256.LoadUnsafe(ref y, i + 16), a2);
                }
            }
        }

        nuint partial = rest & 7;
        if (partial != 0)
        {
            nuint at = i + (rest & ~(nuint)7);
            Vector256<float> px = LoadPaddedAvx2(ref x, at, partial, -0f);
            Vector256<float> py = LoadPaddedAvx2(ref y, at, partial, 0f);
            switch (rest >> 3)
            {
                case 0:
                    a0 = Fma.MultiplyAdd(px, py, a0);
                    break;
                case 1:
                    a1 = Fma.MultiplyAdd(px, py, a1);
                    break;
                case 2:
                    a2 = Fma.MultiplyAdd(px, py, a2);
                    break;
                default:
                    a3 = Fma.MultiplyAdd(px, py, a3);
                    break;
            }
        }

        return HorizontalSumAvx2(Avx.Add(Avx.Add(a0, a1), Avx.Add(a2, a3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SumAvx2(ref float x, nuint n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint i = 0;
        for (; i + ReductionLanes <= n; i += ReductionLanes)
        {
            a0 = Avx.Add(a0, Vector256.LoadUnsafe(ref x, i));
            a1 = Avx.Add(a1, Vector256.LoadUnsafe(ref x, i + 8));
            a2 = Avx.Add(a2, Vector256.LoadUnsafe(ref x, i + 16));
            a3 = Avx.Add(a3, Vector256.LoadUnsafe(ref x, i + 24));
        }

        Span<Vector256<float>> acc = [a0, a1, a2, a3];
        int k = 0;
        for (; i + 8 <= n; i += 8, k++)
        {
            acc[k] = Avx.Add(acc[k], Vector256.LoadUnsafe(ref x, i));
        }

        if (i < n)
        {
            acc[k] = Avx.Add(acc[k], LoadPaddedAvx2(ref x, i, n - i, -0f));
        }

        return HorizontalSumAvx2(Avx.Add(Avx.Add(acc[0], acc[1]), Avx.Add(acc[2], acc[3])));
    }

    /// <summary>s[0..7] → ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)), the t/u steps of the lane structure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float HorizontalSumAvx2(Vector256<float> s)
    {
        Vector128<float> t = Sse.Add(s.GetLower(), s.GetUpper());
        Vector128<float> u = Sse.Add(t, Sse.MoveHighToLow(t, t));
        return u.ToScalar() + u.GetElement(1);
    }

    /// <summary>
    /// Loads <paramref name="count"/> (1..7) floats from x[i..] with a masked load, which never
    /// touches memory past them, and fills the other lanes with <paramref name="pad"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe Vector256<float> LoadPaddedAvx2(ref float x, nuint i, nuint count, float pad)
    {
        Vector256<float> mask = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), 8 - count).AsSingle();
        fixed (float* p = &Unsafe.Add(ref x, i))
        {
            return Avx.BlendVariable(Vector256.Create(pad), Avx.MaskLoad(p, mask), mask);
        }
    }

    // ---- ARM64 NEON -----------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotAdvSimd(ref float x, ref float y, nuint n)
    {
        Vector128<float> v0 = default, v1 = default, v2 = default, v3 = default;
        Vector128<float> v4 = default, v5 = default, v6 = default, v7 = default;
        nuint i = 0;
        for (; i + ReductionLanes <= n; i += ReductionLanes)
        {
            v0 = AdvSimd.FusedMultiplyAdd(v0, Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i));
            v1 = AdvSimd.FusedMultiplyAdd(v1, Vector128.LoadUnsafe(ref x, i + 4), Vector128.LoadUnsafe(ref y, i + 4));
            v2 = AdvSimd.FusedMultiplyAdd(v2, Vector128.LoadUnsafe(ref x, i + 8), Vector128.LoadUnsafe(ref y, i + 8));
            v3 = AdvSimd.FusedMultiplyAdd(v3, Vector128.LoadUnsafe(ref x, i + 12), Vector128.LoadUnsafe(ref y, i + 12));
            v4 = AdvSimd.FusedMultiplyAdd(v4, Vector128.LoadUnsafe(ref x, i + 16), Vector128.LoadUnsafe(ref y, i + 16));
            v5 = AdvSimd.FusedMultiplyAdd(v5, Vector128.LoadUnsafe(ref x, i + 20), Vector128.LoadUnsafe(ref y, i + 20));
            v6 = AdvSimd.FusedMultiplyAdd(v6, Vector128.LoadUnsafe(ref x, i + 24), Vector128.LoadUnsafe(ref y, i + 24));
            v7 = AdvSimd.FusedMultiplyAdd(v7, Vector128.LoadUnsafe(ref x, i + 28), Vector128.LoadUnsafe(ref y, i + 28));
        }

        Span<Vector128<float>> acc = [v0, v1, v2, v3, v4, v5, v6, v7];
        return FinishDotAdvSimd(acc, ref x, ref y, i, n);
    }

    /// <summary>The NEON twin of <see cref="FinishDotAvx2"/>; <paramref name="acc"/> holds V0..V7 and is consumed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float FinishDotAdvSimd(Span<Vector128<float>> acc, ref float x, ref float y, nuint i, nuint n)
    {
        int k = 0;
        for (; i + 4 <= n; i += 4, k++)
        {
            acc[k] = AdvSimd.FusedMultiplyAdd(acc[k], Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i));
        }

        if (i < n)
        {
            acc[k] = AdvSimd.FusedMultiplyAdd(acc[k], LoadPaddedAdvSimd(ref x, i, n - i, -0f), LoadPaddedAdvSimd(ref y, i, n - i, 0f));
        }

        return HorizontalSumAdvSimd(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float SumAdvSimd(ref float x, nuint n)
    {
        Span<Vector128<float>> acc = stackalloc Vector128<float>[8];
        acc.Clear();
        nuint i = 0;
        for (; i + ReductionLanes <= n; i += ReductionLanes)
        {
            for (int k = 0; k < 8; k++)
            {
                acc[k] = AdvSimd.Add(acc[k], Vector128.LoadUnsafe(ref x, i + (nuint)(4 * k)));
            }
        }

        int m = 0;
        for (; i + 4 <= n; i += 4, m++)
        {
            acc[m] = AdvSimd.Add(acc[m], Vector128.LoadUnsafe(ref x, i));
        }

        if (i < n)
        {
            acc[m] = AdvSimd.Add(acc[m], LoadPaddedAdvSimd(ref x, i, n - i, -0f));
        }

        return HorizontalSumAdvSimd(acc);
    }

    /// <summary>V0..V7 → s = (L[j]+L[j+8]) + (L[j+16]+L[j+24]) as a low (V0,V2,V4,V6) and high (V1,V3,V5,V7) half, then t, u, result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float HorizontalSumAdvSimd(ReadOnlySpan<Vector128<float>> v)
    {
        Vector128<float> low = AdvSimd.Add(AdvSimd.Add(v[0], v[2]), AdvSimd.Add(v[4], v[6]));
        Vector128<float> high = AdvSimd.Add(AdvSimd.Add(v[1], v[3]), AdvSimd.Add(v[5], v[7]));
        Vector128<float> t = AdvSimd.Add(low, high);
        Vector128<float> u = AdvSimd.Add(t, AdvSimd.ExtractVector128(t, t, 2));
        return u.ToScalar() + u.GetElement(1);
    }

    /// <summary>Loads <paramref name="count"/> (&lt; 4) floats from x[i..] and fills the other lanes with <paramref name="pad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector128<float> LoadPaddedAdvSimd(ref float x, nuint i, nuint count, float pad)
    {
        Span<float> tile = stackalloc float[4];
        tile.Fill(pad);
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, i), (int)count).CopyTo(tile);
        return Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(tile));
    }
}
