using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

/// <summary>
/// Records which kernel bodies ran, so that a test can confirm that the path it asked for is the
/// body that computed its result (and not, say, a scalar fallback that a dispatch arm fell into).
/// Off unless the <see cref="AppContext"/> switch <c>Nn.Simd.KernelProbe</c> is set before the first
/// kernel call; off, <see cref="Record"/> costs one test of a read-only field.
/// </summary>
internal static class KernelProbe
{
    /// <summary>The AppContext switch that turns recording on.</summary>
    public const string Switch = "Nn.Simd.KernelProbe";

    private static readonly bool s_enabled = AppContext.TryGetSwitch(Switch, out bool on) && on;

    // One bit per KernelPath value, from every thread (worker threads run bodies too).
    private static int s_ran;

    /// <summary>Whether recording is on in this process.</summary>
    public static bool Enabled => s_enabled;

    /// <summary>Called by a dispatch arm as it enters the body of <paramref name="path"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record(KernelPath path)
    {
        if (s_enabled)
        {
            Interlocked.Or(ref s_ran, 1 << (int)path);
        }
    }

    /// <summary>The paths whose bodies ran since the last call, as a bit mask over <see cref="KernelPath"/>; clears it.</summary>
    public static int Take() => Interlocked.Exchange(ref s_ran, 0);
}
