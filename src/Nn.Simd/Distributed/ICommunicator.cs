namespace Nn.Simd.Distributed;

/// <summary>
/// The processes of one data-parallel training, numbered 0 … <see cref="Size"/> − 1, and the two
/// collectives that combining their gradients needs. Every process calls each collective in the
/// same order with matching counts; a collective returns when the process's part of it is done.
/// Neither collective adds anything up, so the bits a training produces never depend on how an
/// implementation orders its messages. Implementations: <see cref="MpiCommunicator"/> (the system's
/// MPI library) and <see cref="InProcessCommunicator"/> (threads of one process, for tests).
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's number, 0 ≤ Rank &lt; <see cref="Size"/>.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int Size { get; }

    /// <summary>What carries the messages, e.g. "MPICH 4.0.2 (libmpich.so.12)", for reports.</summary>
    string Description { get; }

    /// <summary>
    /// Personalised all-to-all exchange (MPI_Alltoallv): process q receives
    /// <paramref name="send"/>[sendOffsets[q], + sendCounts[q]) of every process p into its
    /// <paramref name="receive"/>[receiveOffsets[p], + receiveCounts[p]).
    /// </summary>
    /// <param name="send">What this process sends; must not overlap <paramref name="receive"/>.</param>
    /// <param name="sendCounts">Floats for each process (<see cref="Size"/> entries).</param>
    /// <param name="sendOffsets">Where each process's floats start in <paramref name="send"/>.</param>
    /// <param name="receive">What this process receives.</param>
    /// <param name="receiveCounts">Floats from each process; must equal what that process sends here.</param>
    /// <param name="receiveOffsets">Where each process's floats land in <paramref name="receive"/>.</param>
    void AllToAll(ReadOnlySpan<float> send, ReadOnlySpan<int> sendCounts, ReadOnlySpan<int> sendOffsets, Span<float> receive, ReadOnlySpan<int> receiveCounts, ReadOnlySpan<int> receiveOffsets);

    /// <summary>
    /// Gathers every process's <paramref name="send"/> into every process's <paramref name="receive"/>
    /// (MPI_Allgatherv): process p's floats land at receive[offsets[p], + counts[p]).
    /// </summary>
    /// <param name="send">This process's part, counts[<see cref="Rank"/>] floats; must not overlap <paramref name="receive"/>.</param>
    /// <param name="receive">Every part.</param>
    /// <param name="counts">Floats from each process (<see cref="Size"/> entries).</param>
    /// <param name="offsets">Where each process's part lands.</param>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets);

    /// <inheritdoc cref="AllGather(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    void AllGather(ReadOnlySpan<double> send, Span<double> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets);

    /// <summary>
    /// Allocates <paramref name="floatsPerProcess"/> floats for each process in memory that all of
    /// them read and write in place, when they all run on one machine and the implementation can
    /// share memory (MPI_Win_allocate_shared); otherwise null, and the collectives are the way to
    /// combine. Every process calls it at the same point with the same length.
    /// </summary>
    /// <param name="floatsPerProcess">The length of each process's region.</param>
    /// <returns>The shared regions, or null.</returns>
    ISharedFloats? ShareMemory(int floatsPerProcess);

    /// <summary>Ends the whole job (every process) because this one cannot go on, so that none waits for it forever.</summary>
    /// <param name="errorCode">The exit code asked for.</param>
    void Abort(int errorCode);
}
