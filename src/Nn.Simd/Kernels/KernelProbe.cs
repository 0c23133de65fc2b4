using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

/// <summary>
/// Records which kernel bodies ran, so that a test can confirm that the path it asked for is the
/// body that computed its result (and not, say, a scalar fallback that a dispatch arm fell into).
/// Off unless the <see cref="AppContext"/> switch <c>Nn.Simd.KernelProbe</c> is set before the first
/// kernel call. <see cref="KernelDispatch"/> initialises this class before any kernel body is
/// compiled, so the JIT folds the switch: off, <see cref="Record"/> leaves no code in the bodies.
/// </summary>
/// <remarks>
/// The record is per thread: tests run in parallel, and a record shared by the process would mix
/// the bodies of one test's calls with another's. A kernel called directly runs its body on the
/// calling thread, so that thread's record answers for the calls it made.
/// </remarks>
internal static class KernelProbe
{
    /// <summary>The AppContext switch that turns recording on.</summary>
    public const string Switch = "Nn.Simd.KernelProbe";

    private static readonly bool s_enabled = AppContext.TryGetSwitch(Switch, out bool on) && on;

    // One bit per KernelPath value, for the bodies this thread entered.
    [ThreadStatic]
    private static int t_ran;

    /// <summary>Whether recording is on in this process.</summary>
    public static bool Enabled => s_enabled;

    /// <summary>Called by a dispatch arm as it enters the body of <paramref name="path"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Record(KernelPath path)
    {
        if (s_enabled)
        {
            t_ran |= 1 << (int)path;
        }
    }

    /// <summary>The paths whose bodies this thread ran since its last call, as a bit mask over <see cref="KernelPath"/>; clears it.</summary>
    public static int Take()
    {
        int ran = t_ran;
        t_ran = 0;
        return ran;
    }
}
