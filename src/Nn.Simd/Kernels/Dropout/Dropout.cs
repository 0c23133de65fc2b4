// Inverted dropout over a row of n units: a_u ← a_u·f_u, with f_u = 1/(1 − p) when unit u is kept
// and 0 when it is dropped (so a NaN or ∞ activation stays NaN rather than becoming 0).
//
// The decisions come from Philox4x32-10 under key (seed low, seed high), one counter per four units:
//
//   counter (j, sample, epoch, stream) → words X0 X1 X2 X3
//   unit u = 64·B + 16·w + i  takes word Xw of counter j = 16·B + i    (B block, w word, i in 0..15)
//
//   block B:  units 64B…64B+15 ← X0 of counters 16B…16B+15, units 64B+16…+31 ← X1, … +48…+63 ← X3
//
// so a 512-bit path takes two blocks per iteration (a last odd block the AVX2 way), AVX2 one and
// NEON a quarter, each storing whole vectors (the x86 paths keep four sets of counters in flight:
// one round's multiplies wait three cycles for their operands, and independent sets fill that
// wait), and the decision of a unit depends on (seed, epoch, sample, stream, u) only: the same on
// every path and for any split of the rows over threads. Unit u is kept when
// (x >> 1) ≥ T, T = round(p·2³¹), a keep rate of exactly 1 − T/2³¹. A last partial block takes
// the scalar form, counter by counter.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// What a dropout mask is drawn from: the run's seed, the epoch, the sample's index and a stream
/// (e.g. the hidden layer's index). Equal keys give equal masks on every path and thread count.
/// </summary>
/// <param name="Seed">The run's seed (the Philox key).</param>
/// <param name="Epoch">The epoch.</param>
/// <param name="Sample">The sample's index in the epoch (or in the training set); a row block's first row.</param>
/// <param name="Stream">Separates masks of one sample, e.g. the layer's index.</param>
public readonly record struct DropoutKey(ulong Seed, uint Epoch, uint Sample, uint Stream);

/// <summary>
/// What the dropout driver does with its decisions: unit <c>at</c> (and the lanes after it) kept
/// where <c>keep</c> is all ones, with factor f = <c>keep</c> AND 1/(1 − p) (0 for a dropped unit).
/// </summary>
internal interface IDropoutSink
{
    void Store(ref float row, nuint at, bool keep, float scale);

    void Store(ref float row, nuint at, Vector128<float> keep, float scale);

    void Store(ref float row, nuint at, Vector256<float> keep, float scale);

    void Store(ref float row, nuint at, Vector512<float> keep, float scale);
}

/// <summary>a ← a·f: dropout applied in place.</summary>
internal readonly struct MultiplySink : IDropoutSink
{
    public void Store(ref float row, nuint at, bool keep, float scale) => Unsafe.Add(ref row, at) *= keep ? scale : 0f;

    public void Store(ref float row, nuint at, Vector128<float> keep, float scale) =>
        (Vector128.LoadUnsafe(ref row, at) * (keep & Vector128.Create(scale))).StoreUnsafe(ref row, at);

    public void Store(ref float row, nuint at, Vector256<float> keep, float scale) =>
        (Vector256.LoadUnsafe(ref row, at) * (keep & Vector256.Create(scale))).StoreUnsafe(ref row, at);

    public void Store(ref float row, nuint at, Vector512<float> keep, float scale) =>
        (Vector512.LoadUnsafe(ref row, at) * (keep & Vector512.Create(scale))).StoreUnsafe(ref row, at);
}

/// <summary>a ← f: the mask itself, to multiply into the deltas of the backward pass.</summary>
internal readonly struct FactorSink : IDropoutSink
{
    public void Store(ref float row, nuint at, bool keep, float scale) => Unsafe.Add(ref row, at) = keep ? scale : 0f;

    public void Store(ref float row, nuint at, Vector128<float> keep, float scale) => (keep & Vector128.Create(scale)).StoreUnsafe(ref row, at);

    public void Store(ref float row, nuint at, Vector256<float> keep, float scale) => (keep & Vector256.Create(scale)).StoreUnsafe(ref row, at);

    public void Store(ref float row, nuint at, Vector512<float> keep, float scale) => (keep & Vector512.Create(scale)).StoreUnsafe(ref row, at);
}

/// <summary>The dropout loops, one arm per path.</summary>
internal static class DropoutDriver
{
    private const int BlockUnits = 64;

    /// <summary>T = round(p·2³¹), clamped below 2³¹: a unit is kept when its word's top 31 bits are ≥ T.</summary>
    public static int Threshold(float rate) => (int)Math.Min(Math.Round(rate * 2147483648.0, MidpointRounding.ToEven), int.MaxValue);

    /// <summary>1/(1 − p) in double, rounded once.</summary>
    public static float KeptScale(float rate) => (float)(1.0 / (1.0 - rate));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TSink>(TSink sink, Span<float> row, float rate, in DropoutKey key, KernelPath path)
        where TSink : struct, IDropoutSink =>
        Run(sink, ref MemoryMarshal.GetReference(row), row.Length, rate, key, path);

    /// <summary>The decisions for units [0, <paramref name="n"/>), handed to <paramref name="sink"/> with <paramref name="r"/> (which a sink that keeps its own output never reads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TSink>(TSink sink, ref float r, int n, float rate, in DropoutKey key, KernelPath path)
        where TSink : struct, IDropoutSink
    {
        int threshold = Threshold(rate);
        float scale = KeptScale(rate);
        uint k0 = (uint)key.Seed, k1 = (uint)(key.Seed >> 32);
        var stream = new PhiloxStream(key.Sample, key.Epoch, key.Stream, k0, k1);
        int block = 0;
        if (Avx512F.IsSupported && path == KernelPath.Avx512)
        {
            KernelProbe.Record(KernelPath.Avx512);
            for (; (block + 2) * BlockUnits <= n; block += 2)
            {
                Words512 x = default, y = default;
                x.X0 = Vector512.Create((uint)(16 * block)) + Vector512<uint>.Indices;
                y.X0 = x.X0 + Vector512.Create(16u);
                Philox.Block(ref x, ref y, stream);
                nuint at = (nuint)(block * BlockUnits);
                Store(sink, ref r, at, x, threshold, scale);
                Store(sink, ref r, at + BlockUnits, y, threshold, scale);
            }

            if ((block + 1) * BlockUnits <= n)
            {
                Block256(sink, ref r, block++, stream, threshold, scale);
            }
        }
        else if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            for (; (block + 1) * BlockUnits <= n; block++)
            {
                Block256(sink, ref r, block, stream, threshold, scale);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            for (; (block + 1) * BlockUnits <= n; block++)
            {
                for (int quarter = 0; quarter < 4; quarter++)
                {
                    Vector128<uint> x0 = Vector128.Create((uint)((16 * block) + (4 * quarter))) + Vector128<uint>.Indices;
                    Vector128<uint> x1 = Vector128.Create(key.Sample), x2 = Vector128.Create(key.Epoch), x3 = Vector128.Create(key.Stream);
                    Philox.Block(ref x0, ref x1, ref x2, ref x3, k0, k1);
                    nuint at = (nuint)((block * BlockUnits) + (4 * quarter));
                    Store(sink, ref r, at, x0, threshold, scale);
                    Store(sink, ref r, at + 16, x1, threshold, scale);
                    Store(sink, ref r, at + 32, x2, threshold, scale);
                    Store(sink, ref r, at + 48, x3, threshold, scale);
                }
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        RunScalar(sink, ref r, n, block, threshold, scale, key);
    }

    /// <summary>The scalar form from block <paramref name="block"/> on: each counter's four words serve four units 16 apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunScalar<TSink>(TSink sink, ref float r, int n, int block, int threshold, float scale, in DropoutKey key)
        where TSink : struct, IDropoutSink
    {
        uint k0 = (uint)key.Seed, k1 = (uint)(key.Seed >> 32);
        for (int first = block * BlockUnits; first < n; first += BlockUnits)
        {
            for (int i = 0; i < 16 && first + i < n; i++)
            {
                (uint x0, uint x1, uint x2, uint x3) = Philox.Block((uint)((first / 4) + i), key.Sample, key.Epoch, key.Stream, k0, k1);
                Apply(sink, ref r, first + i, n, x0, threshold, scale);
                Apply(sink, ref r, first + i + 16, n, x1, threshold, scale);
                Apply(sink, ref r, first + i + 32, n, x2, threshold, scale);
                Apply(sink, ref r, first + i + 48, n, x3, threshold, scale);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Apply<TSink>(TSink sink, ref float r, int unit, int n, uint word, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        if (unit < n)
        {
            sink.Store(ref r, (nuint)unit, (int)(word >> 1) >= threshold, scale);
        }
    }

    /// <summary>Block <paramref name="block"/>'s 64 units from its sixteen counters, two groups of eight at 256 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block256<TSink>(TSink sink, ref float r, int block, in PhiloxStream stream, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        Words256 x = default, y = default;
        x.X0 = Vector256.Create((uint)(16 * block)) + Vector256<uint>.Indices;
        y.X0 = x.X0 + Vector256.Create(8u);
        Philox.Block(ref x, ref y, stream);
        nuint at = (nuint)(block * BlockUnits);
        Store(sink, ref r, at, x, threshold, scale);
        Store(sink, ref r, at + 8, y, threshold, scale);
    }

    /// <summary>Units at + 16·w + i from word w of counter i: a whole block from sixteen counters, or half of one from eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TSink>(TSink sink, ref float r, nuint at, in Words512 words, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        Store(sink, ref r, at, words.X0, threshold, scale);
        Store(sink, ref r, at + 16, words.X1, threshold, scale);
        Store(sink, ref r, at + 32, words.X2, threshold, scale);
        Store(sink, ref r, at + 48, words.X3, threshold, scale);
    }

    /// <inheritdoc cref="Store{TSink}(TSink, ref float, nuint, in Words512, int, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TSink>(TSink sink, ref float r, nuint at, in Words256 words, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        Store(sink, ref r, at, words.X0, threshold, scale);
        Store(sink, ref r, at + 16, words.X1, threshold, scale);
        Store(sink, ref r, at + 32, words.X2, threshold, scale);
        Store(sink, ref r, at + 48, words.X3, threshold, scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TSink>(TSink sink, ref float r, nuint at, Vector128<uint> words, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        sink.Store(ref r, at, Vector128.GreaterThanOrEqual(Vector128.ShiftRightLogical(words, 1).AsInt32(), Vector128.Create(threshold)).AsSingle(), scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TSink>(TSink sink, ref float r, nuint at, Vector256<uint> words, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        sink.Store(ref r, at, Avx2.CompareGreaterThan(Avx2.ShiftRightLogical(words, 1).AsInt32(), Vector256.Create(threshold - 1)).AsSingle(), scale);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TSink>(TSink sink, ref float r, nuint at, Vector512<uint> words, int threshold, float scale)
        where TSink : struct, IDropoutSink
    {
        sink.Store(ref r, at, Vector512.GreaterThanOrEqual(Avx512F.ShiftRightLogical(words, 1).AsInt32(), Vector512.Create(threshold)).AsSingle(), scale);
    }
}

public static partial class Kernel
{
    /// <summary>
    /// Inverted dropout over one row of units, in place: each unit is kept with probability 1 − p
    /// and multiplied by 1/(1 − p), or dropped (multiplied by 0). The decisions are drawn from
    /// Philox4x32-10 keyed by <paramref name="key"/> and the unit's index, so they are the same on
    /// every path and for any thread count; calling it again with the same key on the deltas of the
    /// backward pass applies the same mask.
    /// </summary>
    /// <param name="values">The row's n units (activations, or deltas in the backward pass), updated in place.</param>
    /// <param name="rate">p in [0, 1), the probability of dropping a unit; 0 multiplies every unit by 1.</param>
    /// <param name="key">Seed, epoch, sample and stream: what the mask is drawn from.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    /// <remarks>Keep rate exactly 1 − round(p·2³¹)/2³¹; allocates nothing.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The rate lies outside [0, 1).</exception>
    public static void Dropout(Span<float> values, float rate, in DropoutKey key, KernelPath path)
    {
        OptimizerArguments.Fraction(rate, nameof(rate));
        KernelDispatch.ThrowIfUnsupported(path);
        DropoutDriver.Run(default(MultiplySink), values, rate, key, path);
    }

    /// <summary>
    /// Inverted dropout over a block of rows (one sample a row), in place: row r is
    /// <see cref="Dropout(Span{float}, float, in DropoutKey, KernelPath)"/> with the key's sample
    /// index plus r, so a block gives the same bits as its rows one by one, in any order or split.
    /// </summary>
    /// <param name="block">rows × columns values, row-major, updated in place.</param>
    /// <param name="rows">The rows (samples).</param>
    /// <param name="columns">The units of a row.</param>
    /// <param name="rate">p in [0, 1).</param>
    /// <param name="firstRow">The key of row 0.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    /// <exception cref="ArgumentException">The block's length is not rows × columns.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate lies outside [0, 1).</exception>
    public static void DropoutRows(Span<float> block, int rows, int columns, float rate, in DropoutKey firstRow, KernelPath path)
    {
        Check.MatrixShape(block, nameof(block), rows, columns);
        OptimizerArguments.Fraction(rate, nameof(rate));
        KernelDispatch.ThrowIfUnsupported(path);
        for (int row = 0; row < rows; row++)
        {
            DropoutDriver.Run(default(MultiplySink), block.Slice(row * columns, columns), rate, firstRow with { Sample = firstRow.Sample + (uint)row }, path);
        }
    }

    /// <summary>
    /// The mask of <see cref="Dropout(Span{float}, float, in DropoutKey, KernelPath)"/> itself: each
    /// element set to 1/(1 − p) for a kept unit and 0 for a dropped one, the very factors that
    /// <c>Dropout</c> multiplies by (to keep for the backward pass instead of drawing again).
    /// </summary>
    /// <param name="mask">The row's n factors, overwritten.</param>
    /// <param name="rate">p in [0, 1).</param>
    /// <param name="key">Seed, epoch, sample and stream.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rate lies outside [0, 1).</exception>
    public static void DropoutMask(Span<float> mask, float rate, in DropoutKey key, KernelPath path)
    {
        OptimizerArguments.Fraction(rate, nameof(rate));
        KernelDispatch.ThrowIfUnsupported(path);
        DropoutDriver.Run(default(FactorSink), mask, rate, key, path);
    }
}
