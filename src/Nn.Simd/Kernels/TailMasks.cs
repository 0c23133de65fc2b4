// Masks for the last 1..(width − 1) elements of a row that does not fill a whole vector: the
// kernels that accumulate (+=) finish with a masked load and store, which touches only those
// elements (a masked-off lane neither loads nor faults), so each element keeps its one chain in a
// vector register instead of the scalar loop.
//
//   AVX2      lanes [0, count) all ones: a window into eight −1s followed by eight 0s
//   AVX-512   lanes [0, count) all ones: index < count (count ≤ 0 gives no lane, ≥ 16 every lane)
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>Eight −1s then eight 0s: the load mask for the first <c>count</c> lanes starts at <c>8 − count</c>.</summary>
    private static ReadOnlySpan<int> TailMask => [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The 256-bit mask of the first <paramref name="count"/> (0..8) lanes, for Avx.MaskLoad / MaskStore.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMaskAvx2(nuint count) =>
        Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(TailMask), 8 - count).AsSingle();

    /// <summary>The 512-bit mask of the first <paramref name="count"/> lanes (none if ≤ 0, all if ≥ 16), for Avx512F.MaskLoad / MaskStore.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMaskAvx512(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
}
