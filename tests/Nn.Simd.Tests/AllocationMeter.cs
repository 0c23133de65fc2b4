using System.Runtime;

namespace Nn.Simd.Tests;

/// <summary>
/// Measures the bytes an action allocates, with no garbage collection in between. A collection
/// (which another thread of the test host can trigger at any time) retires a thread's allocation
/// context and makes its unused remainder, up to one 8 KB quantum, look allocated; so the action
/// runs inside a no-GC region, and the measurement is repeated if the region was cut short. Real
/// allocations are counted exactly either way. Measurements take a lock, because the process has
/// one no-GC region at a time and test classes run in parallel.
/// </summary>
internal static class AllocationMeter
{
    private static readonly Lock s_region = new();

    /// <summary>The bytes <paramref name="action"/> allocates on the calling thread.</summary>
    public static long Measure(Action action) => MeasureThreads(() =>
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return [allocated];
    })[0];

    /// <summary>
    /// Runs <paramref name="measure"/>, which measures threads of its own (each thread reads its
    /// own counter around the work) and returns their byte counts, with no collection in between.
    /// </summary>
    public static long[] MeasureThreads(Func<long[]> measure)
    {
        lock (s_region)
        {
            for (int attempt = 0; attempt < 10; attempt++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                if (!GC.TryStartNoGCRegion(64L * 1024 * 1024))
                {
                    continue;
                }

                long[] allocated;
                bool uninterrupted;
                try
                {
                    allocated = measure();
                }
                finally
                {
                    uninterrupted = GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;
                    if (uninterrupted)
                    {
                        GC.EndNoGCRegion();
                    }
                }

                if (uninterrupted)
                {
                    return allocated;
                }
            }
        }

        throw new InvalidOperationException("Could not run the measurement without a garbage collection in 10 attempts.");
    }
}
