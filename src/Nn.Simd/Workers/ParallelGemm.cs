using CommunityToolkit.HighPerformance;
using Nn.Simd.Kernels;

namespace Nn.Simd.Workers;

/// <summary>
/// <see cref="Kernel.Gemm(ReadOnlySpan2D{float}, bool, ReadOnlySpan2D{float}, Span2D{float}, bool, KernelPath)"/>
/// or <see cref="Kernel.GemmBias"/> split by columns of C over a <see cref="WorkerPool"/>. Every element of C is still one fma chain
/// in increasing k computed by one thread, so the result has the same bits for any thread count.
/// One instance is reused for every call (no allocation per product).
/// </summary>
internal sealed class ParallelGemm : IPartitionedWork
{
    /// <summary>Columns are handed out in blocks of the widest micro-tile (AVX-512's 32; AVX2's 16 divides it).</summary>
    private const int Block = 32;

    /// <summary>
    /// Products with fewer multiply-adds run on the calling thread. Waking a blocked worker costs
    /// 10–25 µs on this 2-core VM, as much as a product of ~1M multiply-adds, and splitting the
    /// skinny products of mini-batch 10 made an epoch three times slower. Even with the workers kept
    /// awake (WorkerPool spins before it blocks) a lower bound did not pay: with 1M and 256K,
    /// nn bench's configs (a) and (b) on two threads ran at 794k/781k and 280k/313k samples/s
    /// against 823k and 299k with this bound.
    /// </summary>
    private const long ParallelFrom = 4L << 20;

    private readonly WorkerPool? _pool;
    private ReadOnlyMemory2D<float> _a, _b;
    private Memory2D<float> _c;
    private ReadOnlyMemory<float> _bias;
    private bool _transposeA, _accumulate, _withBias;
    private KernelPath _path;

    public ParallelGemm(WorkerPool? pool) => _pool = pool;

    /// <summary>C ← [C or 0] + op(A)·B (<see cref="Kernel.Gemm(ReadOnlySpan2D{float}, bool, ReadOnlySpan2D{float}, Span2D{float}, bool, KernelPath)"/>'s operands, held for the workers).</summary>
    public void Run(ReadOnlyMemory2D<float> a, bool transposeA, ReadOnlyMemory2D<float> b, Memory2D<float> c, bool accumulate, KernelPath path)
    {
        (_transposeA, _accumulate, _withBias, _bias) = (transposeA, accumulate, false, default);
        Split(a, b, c, path);
    }

    /// <summary>A layer of a batch, C ← 1·biasᵀ + A·B: <see cref="Kernel.GemmBias"/> without relu.</summary>
    public void RunBias(ReadOnlyMemory2D<float> a, ReadOnlyMemory2D<float> b, Memory2D<float> c, ReadOnlyMemory<float> bias, KernelPath path)
    {
        (_transposeA, _accumulate, _withBias, _bias) = (false, false, true, bias);
        Split(a, b, c, path);
    }

    public void Execute(int part, int parts)
    {
        int n = _c.Width;
        int blocks = (n + Block - 1) / Block;
        int first = Math.Min(n, blocks * part / parts * Block);
        int end = Math.Min(n, blocks * (part + 1) / parts * Block);
        if (first < end)
        {
            Columns(first, end);
        }
    }

    /// <summary>Runs the product on the calling thread, or splits its columns over the pool.</summary>
    private void Split(ReadOnlyMemory2D<float> a, ReadOnlyMemory2D<float> b, Memory2D<float> c, KernelPath path)
    {
        (_a, _b, _c, _path) = (a, b, c, path);
        long m = c.Height, n = c.Width, k = _transposeA ? a.Height : a.Width;
        if (_pool is null || _pool.Threads == 1 || n < 2 * Block || (m * n * k < ParallelFrom && !_pool.SplitsSmallWork))
        {
            Columns(0, (int)n);
        }
        else
        {
            _pool.Run(this);
        }
    }

    /// <summary>Columns [<paramref name="first"/>, <paramref name="end"/>) of C (and of B, and of the bias).</summary>
    private void Columns(int first, int end)
    {
        ReadOnlySpan2D<float> b = _b.IsEmpty ? default : _b.Span.Slice(0, first, _b.Height, end - first);
        Span2D<float> c = _c.IsEmpty ? default : _c.Span.Slice(0, first, _c.Height, end - first);
        if (_withBias)
        {
            Kernel.GemmBias(_a.Span, b, c, _bias.Span.Slice(first, end - first), relu: false, _path);
        }
        else
        {
            Kernel.Gemm(_a.Span, _transposeA, b, c, _accumulate, _path);
        }
    }
}
