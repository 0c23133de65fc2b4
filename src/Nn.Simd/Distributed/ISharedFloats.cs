namespace Nn.Simd.Distributed;

/// <summary>
/// Floats that every process of a communicator can read and write in place (MPI-3 shared memory on
/// one machine: no message, no copy by the library), each process owning one region of the same
/// length. Nothing orders the processes' reads and writes but <see cref="Synchronize"/>: a process
/// reads another's region only between two synchronizations after which that region is not written.
/// </summary>
public interface ISharedFloats : IDisposable
{
    /// <summary>The region that process <paramref name="process"/> owns.</summary>
    /// <param name="process">0 ≤ process &lt; the communicator's size.</param>
    /// <returns>The region's floats, valid until this object is disposed.</returns>
    Span<float> Of(int process);

    /// <summary>The region that process <paramref name="process"/> owns, as memory: for code that keeps it beyond one call (the products' workers take 2-D memory).</summary>
    /// <param name="process">0 ≤ process &lt; the communicator's size.</param>
    /// <returns>The region's floats, valid until this object is disposed.</returns>
    Memory<float> MemoryOf(int process);

    /// <summary>A barrier of all processes that also orders memory: every write made before it, on any process, is seen by every read made after it, on any process.</summary>
    void Synchronize();
}
