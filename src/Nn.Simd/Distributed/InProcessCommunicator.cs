namespace Nn.Simd.Distributed;

/// <summary>
/// <see cref="ICommunicator"/> for ranks that are threads of one process (tests of the combination
/// logic, and training on several simulated ranks in one process). <see cref="Create(int)"/> makes the
/// whole world; give each rank's communicator to its own thread. A collective copies every rank's
/// input into the world's staging buffers (sized by the first call that needs them, so the steady
/// state allocates nothing), waits for all ranks, copies out, and waits again.
/// </summary>
public sealed class InProcessCommunicator : ICommunicator
{
    private readonly World _world;

    private InProcessCommunicator(World world, int rank)
    {
        _world = world;
        Rank = rank;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size => _world.Size;

    /// <inheritdoc/>
    public string Description => "in-process";

    /// <summary>A world of <paramref name="size"/> ranks that share memory; element r is rank r's communicator.</summary>
    /// <param name="size">Ranks (≥ 1).</param>
    /// <returns>The ranks' communicators.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public static InProcessCommunicator[] Create(int size) => Create(size, sharesMemory: true);

    /// <summary>A world of <paramref name="size"/> ranks; element r is rank r's communicator.</summary>
    /// <param name="size">Ranks (≥ 1).</param>
    /// <param name="sharesMemory">Whether <see cref="ShareMemory"/> gives shared regions, as MPI does on one machine, or null, as between machines.</param>
    /// <returns>The ranks' communicators.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public static InProcessCommunicator[] Create(int size, bool sharesMemory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var world = new World(size) { SharesMemory = sharesMemory };
        var ranks = new InProcessCommunicator[size];
        for (int r = 0; r < size; r++)
        {
            ranks[r] = new InProcessCommunicator(world, r);
        }

        return ranks;
    }

    /// <inheritdoc/>
    public void AllToAll(ReadOnlySpan<float> send, ReadOnlySpan<int> sendCounts, ReadOnlySpan<int> sendOffsets, Span<float> receive, ReadOnlySpan<int> receiveCounts, ReadOnlySpan<int> receiveOffsets)
    {
        World w = _world;
        CheckCounts(sendCounts, sendOffsets, send.Length, nameof(send));
        CheckCounts(receiveCounts, receiveOffsets, receive.Length, nameof(receive));
        send.CopyTo(Stage(ref w.Floats[Rank], send.Length));
        sendCounts.CopyTo(Stage(ref w.Counts[Rank], Size));
        sendOffsets.CopyTo(Stage(ref w.Offsets[Rank], Size));
        w.Synchronize();
        for (int p = 0; p < Size; p++)
        {
            int count = w.Counts[p][Rank];
            if (count != receiveCounts[p])
            {
                w.Fail();
                throw new ArgumentException($"Rank {p} sends {count} floats to rank {Rank}, which expects {receiveCounts[p]}.", nameof(receiveCounts));
            }

            w.Floats[p].AsSpan(w.Offsets[p][Rank], count).CopyTo(receive.Slice(receiveOffsets[p], count));
        }

        w.Synchronize();
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        World w = _world;
        CheckGather(send.Length, receive.Length, counts, offsets);
        send.CopyTo(Stage(ref w.Floats[Rank], send.Length));
        w.Synchronize();
        for (int p = 0; p < Size; p++)
        {
            w.Floats[p].AsSpan(0, counts[p]).CopyTo(receive.Slice(offsets[p], counts[p]));
        }

        w.Synchronize();
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> send, Span<double> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        World w = _world;
        CheckGather(send.Length, receive.Length, counts, offsets);
        send.CopyTo(Stage(ref w.Doubles[Rank], send.Length));
        w.Synchronize();
        for (int p = 0; p < Size; p++)
        {
            w.Doubles[p].AsSpan(0, counts[p]).CopyTo(receive.Slice(offsets[p], counts[p]));
        }

        w.Synchronize();
    }

    /// <inheritdoc/>
    public ISharedFloats? ShareMemory(int floatsPerProcess)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floatsPerProcess);
        World w = _world;
        if (!w.SharesMemory)
        {
            return null;
        }

        w.Shared[Rank] = new float[floatsPerProcess];
        w.Synchronize();
        float[][] regions = [.. w.Shared];
        w.Synchronize();
        return new SharedRegions(w, regions);
    }

    /// <summary>Makes every rank's pending and future collective throw <see cref="OperationCanceledException"/>.</summary>
    /// <param name="errorCode">Not used: the ranks are threads, not processes with exit codes.</param>
    public void Abort(int errorCode) => _world.Fail();

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    private static Span<T> Stage<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }

        return buffer.AsSpan(0, length);
    }

    private void CheckGather(int sendLength, int receiveLength, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        CheckCounts(counts, offsets, receiveLength, "receive");
        if (sendLength != counts[Rank])
        {
            throw new ArgumentException($"Rank {Rank} sends {sendLength} values but counts[{Rank}] is {counts[Rank]}.", "send");
        }
    }

    private void CheckCounts(ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets, int length, string buffer)
    {
        if (counts.Length != Size || offsets.Length != Size)
        {
            throw new ArgumentException($"{counts.Length} counts and {offsets.Length} offsets for {Size} ranks.", buffer);
        }

        for (int p = 0; p < Size; p++)
        {
            if (counts[p] < 0 || offsets[p] < 0 || (long)offsets[p] + counts[p] > length)
            {
                throw new ArgumentException($"Rank {p}'s part [{offsets[p]}, +{counts[p]}) does not fit the {length} values of {buffer}.", buffer);
            }
        }
    }

    /// <summary>What the ranks share: staging buffers and a reusable barrier that a failure breaks.</summary>
    /// <summary>The ranks' regions: arrays of the one process, ordered by the world's barrier (a lock, so a full fence).</summary>
    private sealed class SharedRegions(World world, float[][] regions) : ISharedFloats
    {
        public Span<float> Of(int process) => regions[process];

        public Memory<float> MemoryOf(int process) => regions[process];

        public void Synchronize() => world.Synchronize();

        public void Dispose()
        {
        }
    }

    private sealed class World(int size)
    {
        private readonly object _gate = new();
        private int _arrived;
        private long _generation;
        private bool _failed;

        public int Size { get; } = size;

        public bool SharesMemory { get; init; }

        public float[][] Shared { get; } = [.. Enumerable.Range(0, size).Select(_ => Array.Empty<float>())];

        public float[][] Floats { get; } = [.. Enumerable.Range(0, size).Select(_ => Array.Empty<float>())];

        public double[][] Doubles { get; } = [.. Enumerable.Range(0, size).Select(_ => Array.Empty<double>())];

        public int[][] Counts { get; } = [.. Enumerable.Range(0, size).Select(_ => Array.Empty<int>())];

        public int[][] Offsets { get; } = [.. Enumerable.Range(0, size).Select(_ => Array.Empty<int>())];

        /// <summary>Returns when every rank has called it as often as this one.</summary>
        public void Synchronize()
        {
            lock (_gate)
            {
                ThrowIfFailed();
                long generation = _generation;
                if (++_arrived == Size)
                {
                    _arrived = 0;
                    _generation++;
                    Monitor.PulseAll(_gate);
                }
                else
                {
                    while (generation == _generation && !_failed)
                    {
                        Monitor.Wait(_gate);
                    }
                }

                ThrowIfFailed();
            }
        }

        public void Fail()
        {
            lock (_gate)
            {
                _failed = true;
                Monitor.PulseAll(_gate);
            }
        }

        private void ThrowIfFailed()
        {
            if (_failed)
            {
                throw new OperationCanceledException("Another rank of the in-process world failed or aborted.");
            }
        }
    }
}
