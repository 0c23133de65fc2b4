using Nn.Simd.Kernels;

namespace Nn.Simd.Workers;

/// <summary>
/// <see cref="Kernel.Gemm(ReadOnlySpan{float}, int, bool, ReadOnlySpan{float}, int, Span{float}, int, int, int, int, bool, KernelPath)"/>
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
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private float[]? _bias;
    private int _aOffset, _aLength, _bOffset, _bLength, _cOffset, _cLength, _biasOffset;
    private int _lda, _ldb, _ldc, _m, _n, _k;
    private bool _transposeA, _accumulate;
    private KernelPath _path;

    public ParallelGemm(WorkerPool? pool) => _pool = pool;

    /// <summary>C ← [C or 0] + op(A)·B with the operands given as (array, offset, length) slices.</summary>
    public void Run(
        float[] a, int aOffset, int aLength, int lda, bool transposeA,
        float[] b, int bOffset, int bLength, int ldb,
        float[] c, int cOffset, int cLength, int ldc,
        int m, int n, int k, bool accumulate, KernelPath path)
    {
        (_a, _aOffset, _aLength, _lda, _transposeA) = (a, aOffset, aLength, lda, transposeA);
        (_bias, _biasOffset, _accumulate) = (null, 0, accumulate);
        Split(b, bOffset, bLength, ldb, c, cOffset, cLength, ldc, m, n, k, path);
    }

    /// <summary>
    /// A layer of a batch, C ← 1·bᵀ + A·B: <see cref="Kernel.GemmBias"/> without relu, the bias
    /// row given as <paramref name="bias"/>[<paramref name="biasOffset"/> ..] (n values).
    /// </summary>
    public void RunBias(
        float[] a, int aOffset, int aLength, int lda,
        float[] b, int bOffset, int bLength, int ldb,
        float[] c, int cOffset, int cLength, int ldc,
        float[] bias, int biasOffset, int m, int n, int k, KernelPath path)
    {
        (_a, _aOffset, _aLength, _lda, _transposeA) = (a, aOffset, aLength, lda, false);
        (_bias, _biasOffset, _accumulate) = (bias, biasOffset, false);
        Split(b, bOffset, bLength, ldb, c, cOffset, cLength, ldc, m, n, k, path);
    }

    public void Execute(int part, int parts)
    {
        int blocks = (_n + Block - 1) / Block;
        int first = Math.Min(_n, blocks * part / parts * Block);
        int end = Math.Min(_n, blocks * (part + 1) / parts * Block);
        if (first < end)
        {
            Columns(first, end);
        }
    }

    /// <summary>Runs the product on the calling thread, or splits its columns over the pool.</summary>
    private void Split(float[] b, int bOffset, int bLength, int ldb, float[] c, int cOffset, int cLength, int ldc, int m, int n, int k, KernelPath path)
    {
        (_b, _bOffset, _bLength, _ldb) = (b, bOffset, bLength, ldb);
        (_c, _cOffset, _cLength, _ldc) = (c, cOffset, cLength, ldc);
        (_m, _n, _k, _path) = (m, n, k, path);
        if (_pool is null || _pool.Threads == 1 || n < 2 * Block || ((long)m * n * k < ParallelFrom && !_pool.SplitsSmallWork))
        {
            Columns(0, n);
        }
        else
        {
            _pool.Run(this);
        }
    }

    /// <summary>Columns [<paramref name="first"/>, <paramref name="end"/>) of C.</summary>
    private void Columns(int first, int end)
    {
        ReadOnlySpan<float> a = _a.AsSpan(_aOffset, _aLength), b = _b.AsSpan(_bOffset + first, _bLength - first);
        Span<float> c = _c.AsSpan(_cOffset + first, _cLength - first);
        if (_bias is null)
        {
            Kernel.Gemm(a, _lda, _transposeA, b, _ldb, c, _ldc, _m, end - first, _k, _accumulate, _path);
        }
        else
        {
            Kernel.GemmBias(a, _lda, b, _ldb, c, _ldc, _m, end - first, _k, _bias.AsSpan(_biasOffset + first, end - first), relu: false, _path);
        }
    }
}
