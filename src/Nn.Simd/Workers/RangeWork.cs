namespace Nn.Simd.Workers;

/// <summary>
/// Work over an index range [0, count), split into contiguous parts aligned to a grain, each part
/// computed exactly as one thread would compute it (element-wise work, so the bits never depend on
/// the thread count). Instances are reused, so running them allocates nothing.
/// </summary>
internal abstract class RangeWork : IPartitionedWork
{
    private int _count;
    private int _grain;

    public void Execute(int part, int parts)
    {
        int blocks = (_count + _grain - 1) / _grain;
        int start = Math.Min(_count, blocks * part / parts * _grain);
        int end = Math.Min(_count, blocks * (part + 1) / parts * _grain);
        if (start < end)
        {
            ExecuteRange(start, end);
        }
    }

    /// <summary>
    /// Work on fewer elements runs on the calling thread: a hand-off to a blocked worker costs 10–25 µs
    /// here, what an element-wise pass over ~100,000 floats takes.
    /// </summary>
    private const long ParallelFromElements = 1L << 17;

    /// <summary>
    /// The bound for work that asks to be split whenever the pool's workers spin: a hand-off to a
    /// spinning worker costs ≈ 0.5 µs. Only copies whose output both threads read next take it (the
    /// mini-batch's inputs, the transposed weight copies): splitting a small layer's SGD step as well
    /// moved its weights into the other core's cache, and the serial products of mini-batch 10 then
    /// pulled them back, configs (a) and (b) 20–150 % slower an epoch.
    /// </summary>
    private const long ParallelFromElementsSpinning = 1L << 14;

    /// <summary>
    /// Runs [0, <paramref name="count"/>) on the pool, or on the calling thread when there is no pool
    /// or fewer than 2 parts' worth of work (<paramref name="elementsPerIndex"/> elements per index;
    /// <paramref name="splitWhenSpinning"/> lowers the bound while the workers spin).
    /// </summary>
    protected void RunOver(WorkerPool? pool, int count, int grain, int elementsPerIndex = 1, bool splitWhenSpinning = false)
    {
        if (pool is null || pool.Threads == 1 || count < 2 * grain
            || ((long)count * elementsPerIndex < (splitWhenSpinning && pool.Spins ? ParallelFromElementsSpinning : ParallelFromElements) && !pool.SplitsSmallWork))
        {
            ExecuteRange(0, count);
            return;
        }

        (_count, _grain) = (count, grain);
        pool.Run(this);
    }

    protected abstract void ExecuteRange(int start, int end);
}

/// <summary>t = wᵀ in 16 × 16 tiles, split by rows of w.</summary>
internal sealed class ParallelTranspose : RangeWork
{
    private float[] _w = [];
    private float[] _t = [];
    private int _offset, _rows, _columns, _tOffset;

    public void Run(WorkerPool? pool, float[] w, int offset, int rows, int columns, float[] t, int tOffset)
    {
        (_w, _offset, _rows, _columns, _t, _tOffset) = (w, offset, rows, columns, t, tOffset);
        RunOver(pool, rows, 16, columns, splitWhenSpinning: true);
    }

    protected override void ExecuteRange(int start, int end) =>
        Kernels.Transposition.Transpose(_w.AsSpan(_offset, _rows * _columns), _rows, _columns, _t.AsSpan(_tOffset, _rows * _columns), start, end, Kernels.KernelDispatch.Active);
}

/// <summary>The SGD step over a parameter slice, split into element ranges.</summary>
internal sealed class ParallelSgdStep : RangeWork
{
    private ArraySegment<float> _weights, _gradient;
    private float _decay, _step;
    private Kernels.KernelPath _path;

    /// <summary>w ← fma(−step, g, decay·w) over <paramref name="weights"/> and the <paramref name="gradient"/> slice of the same length.</summary>
    public void Run(WorkerPool? pool, ArraySegment<float> weights, ArraySegment<float> gradient, float decay, float step, Kernels.KernelPath path)
    {
        (_weights, _gradient, _decay, _step, _path) = (weights, gradient, decay, step, path);
        RunOver(pool, weights.Count, 4096);
    }

    protected override void ExecuteRange(int start, int end) =>
        Kernels.Kernel.SgdStep(_weights.AsSpan(start, end - start), _gradient.AsSpan(start, end - start), _decay, _step, _path);
}
