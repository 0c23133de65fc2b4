using System.Runtime;

namespace Nn.Simd.Tests;

/// <summary>
/// Measures the bytes an action allocates, with no garbage collection in between. A collection
/// (which another thread of the test host can trigger at any time) retires the current thread's
/// allocation context and makes its unused remainder, up to one 8 KB quantum, look allocated; so
/// the action runs inside a no-GC region, and the measurement is repeated if the region was cut
/// short. Real allocations are counted exactly either way.
/// </summary>
internal static class AllocationMeter
{
    public static long Measure(Action action)
    {
        for (int attempt = 0; attempt < 10; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (!GC.TryStartNoGCRegion(64L * 1024 * 1024))
            {
                continue;
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
                return allocated;
            }
        }

        throw new InvalidOperationException("Could not run the measurement without a garbage collection in 10 attempts.");
    }
}
