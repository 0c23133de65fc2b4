// The loops shared by every optimizer step: w_i, its gradient g_i and one or two state values
// (velocity, moments, mean square) at the same index go in, the new w_i and state come out.
//
//   w:  [ w0 w1 … w(n−1) ]   read and written
//   g:  [ g0 g1 … g(n−1) ]   read
//   s1: [ …             ]    read and written (velocity, first moment, mean square)
//   s2: [ …             ]    read and written (second moment)
//
// One index at a time, each element sees the same IEEE operations whatever the vector width, so
// every path gives the scalar form's bits. Tails: AVX-512 finishes with one masked vector (a
// masked-off lane neither loads nor stores); AVX2 and NEON finish with the scalar form. No
// overlapping last vector: every stream is updated in place.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>An optimizer step with one state value per parameter, in scalar, NEON, AVX2 and AVX-512 forms.</summary>
internal interface IStepOperator
{
    /// <summary>Returns the new w and updates the state <paramref name="s"/>.</summary>
    float Invoke(float w, float g, ref float s);

    Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> s);

    Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> s);

    Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> s);
}

/// <summary>An optimizer step with two state values per parameter, in scalar, NEON, AVX2 and AVX-512 forms.</summary>
internal interface IStepOperator2
{
    /// <summary>Returns the new w and updates the states <paramref name="s1"/> and <paramref name="s2"/>.</summary>
    float Invoke(float w, float g, ref float s1, ref float s2);

    Vector128<float> Invoke(Vector128<float> w, Vector128<float> g, ref Vector128<float> s1, ref Vector128<float> s2);

    Vector256<float> Invoke(Vector256<float> w, Vector256<float> g, ref Vector256<float> s1, ref Vector256<float> s2);

    Vector512<float> Invoke(Vector512<float> w, Vector512<float> g, ref Vector512<float> s1, ref Vector512<float> s2);
}

/// <summary>The multi-stream loops of the optimizer steps, one arm per path.</summary>
internal static class OptimizerDriver
{
    /// <summary>Applies <paramref name="op"/> to (w, g, s) index by index; the spans are of equal length and do not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g, Span<float> s, KernelPath path)
        where TOp : struct, IStepOperator
    {
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float sr = ref MemoryMarshal.GetReference(s);
        nuint n = (nuint)w.Length;
        nuint i = 0;
        if (Avx512F.IsSupported && path == KernelPath.Avx512)
        {
            KernelProbe.Record(KernelPath.Avx512);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> sv = Vector512.LoadUnsafe(ref sr, i);
                op.Invoke(Vector512.LoadUnsafe(ref wr, i), Vector512.LoadUnsafe(ref gr, i), ref sv).StoreUnsafe(ref wr, i);
                sv.StoreUnsafe(ref sr, i);
            }

            if (i < n)
            {
                Vector512<float> mask = TailMask(n - i);
                fixed (float* wp = &Unsafe.Add(ref wr, i), gp = &Unsafe.Add(ref gr, i), sp = &Unsafe.Add(ref sr, i))
                {
                    Vector512<float> sv = Avx512F.MaskLoad(sp, mask, Vector512<float>.Zero);
                    Vector512<float> wv = op.Invoke(Avx512F.MaskLoad(wp, mask, Vector512<float>.Zero), Avx512F.MaskLoad(gp, mask, Vector512<float>.Zero), ref sv);
                    Avx512F.MaskStore(wp, mask, wv);
                    Avx512F.MaskStore(sp, mask, sv);
                }
            }

            return;
        }

        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> sv = Vector256.LoadUnsafe(ref sr, i);
                op.Invoke(Vector256.LoadUnsafe(ref wr, i), Vector256.LoadUnsafe(ref gr, i), ref sv).StoreUnsafe(ref wr, i);
                sv.StoreUnsafe(ref sr, i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            for (; i + 4 <= n; i += 4)
            {
                Vector128<float> sv = Vector128.LoadUnsafe(ref sr, i);
                op.Invoke(Vector128.LoadUnsafe(ref wr, i), Vector128.LoadUnsafe(ref gr, i), ref sv).StoreUnsafe(ref wr, i);
                sv.StoreUnsafe(ref sr, i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref wr, i) = op.Invoke(Unsafe.Add(ref wr, i), Unsafe.Add(ref gr, i), ref Unsafe.Add(ref sr, i));
        }
    }

    /// <summary>Applies <paramref name="op"/> to (w, g, s1, s2) index by index; the spans are of equal length and do not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g, Span<float> s1, Span<float> s2, KernelPath path)
        where TOp : struct, IStepOperator2
    {
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float ar = ref MemoryMarshal.GetReference(s1);
        ref float br = ref MemoryMarshal.GetReference(s2);
        nuint n = (nuint)w.Length;
        nuint i = 0;
        if (Avx512F.IsSupported && path == KernelPath.Avx512)
        {
            KernelProbe.Record(KernelPath.Avx512);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> av = Vector512.LoadUnsafe(ref ar, i);
                Vector512<float> bv = Vector512.LoadUnsafe(ref br, i);
                op.Invoke(Vector512.LoadUnsafe(ref wr, i), Vector512.LoadUnsafe(ref gr, i), ref av, ref bv).StoreUnsafe(ref wr, i);
                av.StoreUnsafe(ref ar, i);
                bv.StoreUnsafe(ref br, i);
            }

            if (i < n)
            {
                Vector512<float> mask = TailMask(n - i);
                fixed (float* wp = &Unsafe.Add(ref wr, i), gp = &Unsafe.Add(ref gr, i), ap = &Unsafe.Add(ref ar, i), bp = &Unsafe.Add(ref br, i))
                {
                    Vector512<float> av = Avx512F.MaskLoad(ap, mask, Vector512<float>.Zero);
                    Vector512<float> bv = Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero);
                    Vector512<float> wv = op.Invoke(Avx512F.MaskLoad(wp, mask, Vector512<float>.Zero), Avx512F.MaskLoad(gp, mask, Vector512<float>.Zero), ref av, ref bv);
                    Avx512F.MaskStore(wp, mask, wv);
                    Avx512F.MaskStore(ap, mask, av);
                    Avx512F.MaskStore(bp, mask, bv);
                }
            }

            return;
        }

        if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> av = Vector256.LoadUnsafe(ref ar, i);
                Vector256<float> bv = Vector256.LoadUnsafe(ref br, i);
                op.Invoke(Vector256.LoadUnsafe(ref wr, i), Vector256.LoadUnsafe(ref gr, i), ref av, ref bv).StoreUnsafe(ref wr, i);
                av.StoreUnsafe(ref ar, i);
                bv.StoreUnsafe(ref br, i);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            for (; i + 4 <= n; i += 4)
            {
                Vector128<float> av = Vector128.LoadUnsafe(ref ar, i);
                Vector128<float> bv = Vector128.LoadUnsafe(ref br, i);
                op.Invoke(Vector128.LoadUnsafe(ref wr, i), Vector128.LoadUnsafe(ref gr, i), ref av, ref bv).StoreUnsafe(ref wr, i);
                av.StoreUnsafe(ref ar, i);
                bv.StoreUnsafe(ref br, i);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref wr, i) = op.Invoke(Unsafe.Add(ref wr, i), Unsafe.Add(ref gr, i), ref Unsafe.Add(ref ar, i), ref Unsafe.Add(ref br, i));
        }
    }

    /// <summary>All-ones lanes for the first <paramref name="count"/> (1..15) elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask(nuint count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)count)).AsSingle();
}
