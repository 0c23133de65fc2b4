// x86 256-bit bodies of the int8 GEMM, S[m, r] = Σ_c x[m, c]·q[r, c], tile 4 rows × 1 sample.
//
// Int8GemmAvx2 (vpmaddwd): 16 columns a step; x and the 4 rows of q sign-extended to int16
// (vpmovsxbw from memory), vpmaddwd multiplies and adds adjacent pairs into int32 exactly (|x·q| ≤
// 2¹⁴), vpaddd accumulates. Registers (16 ymm): a0..a3 = one accumulator per row, x = the widened
// input, q = the widened row being multiplied.
//
// Int8MatVecAvx2, the same for one sample of depth ≤ Int8WidenedDepth: x is sign-extended to int16
// once, into a 2 KB stack tile, instead of once per group of 4 rows (25 times for a 100-row layer),
// so each step widens only the 4 rows of q: 4 shuffles instead of 5, and x is a plain load.
//
// Int8GemmVnniAvx2 (vpdpbusd, unsigned × signed bytes, 4 products into each int32 lane, exact and
// non-saturating) hands whole 6-sample tiles to the panel body (Int8Gemm.Vnni.cs) and runs the rest
// row by row: x is made unsigned as u = x + 128 (x XOR 0x80), so Σ u·q = S + 128·Σ_c q[r, c]
// and S = that − 128·RowSums[r], exactly. Samples go in pairs, a 4 × 2 tile: 32 columns a step,
// each of the 4 rows' loads serving both samples (a0..a3 for the first, b0..b3 for the second:
// eight independent chains cover vpdpbusd's latency); registers: 8 accumulators, u and v (the two
// samples), one row of q, the 0x80 mask. A last single sample (and a single-sample call) runs the
// 4 × 1 tile with two steps an iteration into the two sets of accumulators instead.
//
// Reduction of a row group: hadd(hadd(a0, a1), hadd(a2, a3)) leaves, in each 128-bit half, the
// half's sums of rows 0..3; adding the halves gives the 4 sums, stored as one 128-bit vector (or
// lane by lane for a last group of 1..3 rows).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>The deepest single sample whose widened input <see cref="Int8MatVecAvx2"/> keeps in its stack tile.</summary>
    private const int Int8WidenedDepth = 1024;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Int8GemmAvx2(in Int8Operands o)
    {
        if (o.Count == 1 && o.Depth <= Int8WidenedDepth)
        {
            Int8MatVecAvx2(o);
            return;
        }

        Int8Blocks(o, default(Int8TileAvx2));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Int8MatVecAvx2(in Int8Operands o)
    {
        short* x = stackalloc short[Int8WidenedDepth];
        for (nuint c = 0; c < o.Depth; c += 16)
        {
            Avx.Store(x + c, Avx2.ConvertToVector256Int16(o.X + c));
        }

        for (nuint r = 0; r < o.Rows; r += 4)
        {
            sbyte* q0 = o.Row(r), q1 = o.Row(r + 1), q2 = o.Row(r + 2), q3 = o.Row(r + 3);
            o.Store(0, r, Int8FourRowsAvx2(o, default(LoadedInt16), x, q0, q1, q2, q3));
        }
    }

    /// <summary>
    /// [Σ_c x·q0, …, Σ_c x·q3] over the operands' depth, 16 columns a step (vpmaddwd, vpaddd),
    /// x read as int16 by <paramref name="input"/>: the loop of both the GEMM and the single sample.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Int8FourRowsAvx2<TInput>(in Int8Operands o, TInput input, void* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3)
        where TInput : struct, IInt16Input
    {
        Vector256<int> a0 = Vector256<int>.Zero, a1 = Vector256<int>.Zero, a2 = Vector256<int>.Zero, a3 = Vector256<int>.Zero;
        for (nuint c = 0; c < o.Depth; c += 16)
        {
            Vector256<short> xv = input.Load(x, c);
            a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(xv, Avx2.ConvertToVector256Int16(q0 + c)));
            a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(xv, Avx2.ConvertToVector256Int16(q1 + c)));
            a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(xv, Avx2.ConvertToVector256Int16(q2 + c)));
            a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(xv, Avx2.ConvertToVector256Int16(q3 + c)));
        }

        return ReduceFour(a0, a1, a2, a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Int8GemmVnniAvx2(in Int8Operands o)
    {
        // Whole 6-sample tiles run on the matrix's panels (Int8Gemm.Vnni.cs); the rest, and single samples, here.
        nuint first = o.Panels is null ? 0 : o.Count / Int8PanelTile * Int8PanelTile;
        if (first > 0)
        {
            Int8PanelsVnniAvx2(o, first);
        }

        Vector256<byte> flip = Vector256.Create((byte)0x80);
        nuint pairs = o.Depth & ~(nuint)63;
        for (nuint m0 = first; m0 < o.Count; m0 += Int8SampleBlock)
        {
            nuint mEnd = Math.Min(o.Count, m0 + Int8SampleBlock);
            for (nuint r = 0; r < o.Rows; r += 4)
            {
                sbyte* q0 = o.Row(r), q1 = o.Row(r + 1), q2 = o.Row(r + 2), q3 = o.Row(r + 3);
                Vector128<int> correction = Sse2.ShiftLeftLogical(Sse2.LoadVector128(o.RowSums + r), 7);
                nuint m = m0;
                for (; m + 1 < mEnd; m += 2)
                {
                    byte* x0 = (byte*)(o.X + (m * o.Stride)), x1 = x0 + o.Stride;
                    Vector256<int> a0 = Vector256<int>.Zero, a1 = Vector256<int>.Zero, a2 = Vector256<int>.Zero, a3 = Vector256<int>.Zero;
                    Vector256<int> b0 = Vector256<int>.Zero, b1 = Vector256<int>.Zero, b2 = Vector256<int>.Zero, b3 = Vector256<int>.Zero;
                    for (nuint c = 0; c < o.Depth; c += 32)
                    {
                        Vector256<byte> u = Avx2.Xor(Avx.LoadVector256(x0 + c), flip), v = Avx2.Xor(Avx.LoadVector256(x1 + c), flip);
                        Vector256<sbyte> q = Avx.LoadVector256(q0 + c);
                        a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, q);
                        b0 = AvxVnni.MultiplyWideningAndAdd(b0, v, q);
                        q = Avx.LoadVector256(q1 + c);
                        a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, q);
                        b1 = AvxVnni.MultiplyWideningAndAdd(b1, v, q);
                        q = Avx.LoadVector256(q2 + c);
                        a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, q);
                        b2 = AvxVnni.MultiplyWideningAndAdd(b2, v, q);
                        q = Avx.LoadVector256(q3 + c);
                        a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, q);
                        b3 = AvxVnni.MultiplyWideningAndAdd(b3, v, q);
                    }

                    o.Store(m, r, Sse2.Subtract(ReduceFour(a0, a1, a2, a3), correction));
                    o.Store(m + 1, r, Sse2.Subtract(ReduceFour(b0, b1, b2, b3), correction));
                }

                for (; m < mEnd; m++)
                {
                    byte* x = (byte*)(o.X + (m * o.Stride));
                    Vector256<int> a0 = Vector256<int>.Zero, a1 = Vector256<int>.Zero, a2 = Vector256<int>.Zero, a3 = Vector256<int>.Zero;
                    Vector256<int> b0 = Vector256<int>.Zero, b1 = Vector256<int>.Zero, b2 = Vector256<int>.Zero, b3 = Vector256<int>.Zero;
                    nuint c = 0;
                    for (; c < pairs; c += 64)
                    {
                        Vector256<byte> u = Avx2.Xor(Avx.LoadVector256(x + c), flip);
                        a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, Avx.LoadVector256(q0 + c));
                        a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, Avx.LoadVector256(q1 + c));
                        a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, Avx.LoadVector256(q2 + c));
                        a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, Avx.LoadVector256(q3 + c));
                        u = Avx2.Xor(Avx.LoadVector256(x + c + 32), flip);
                        b0 = AvxVnni.MultiplyWideningAndAdd(b0, u, Avx.LoadVector256(q0 + c + 32));
                        b1 = AvxVnni.MultiplyWideningAndAdd(b1, u, Avx.LoadVector256(q1 + c + 32));
                        b2 = AvxVnni.MultiplyWideningAndAdd(b2, u, Avx.LoadVector256(q2 + c + 32));
                        b3 = AvxVnni.MultiplyWideningAndAdd(b3, u, Avx.LoadVector256(q3 + c + 32));
                    }

                    if (c < o.Depth)
                    {
                        Vector256<byte> u = Avx2.Xor(Avx.LoadVector256(x + c), flip);
                        a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, Avx.LoadVector256(q0 + c));
                        a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, Avx.LoadVector256(q1 + c));
                        a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, Avx.LoadVector256(q2 + c));
                        a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, Avx.LoadVector256(q3 + c));
                    }

                    Vector128<int> s = ReduceFour(Avx2.Add(a0, b0), Avx2.Add(a1, b1), Avx2.Add(a2, b2), Avx2.Add(a3, b3));
                    o.Store(m, r, Sse2.Subtract(s, correction));
                }
            }
        }
    }

    /// <summary>The lane sums of four accumulators, in order: [Σa0, Σa1, Σa2, Σa3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ReduceFour(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3)
    {
        Vector256<int> h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
        return Sse2.Add(h.GetLower(), h.GetUpper());
    }

    /// <summary>How <see cref="Int8FourRowsAvx2"/> reads 16 columns of x as int16, from column c.</summary>
    private interface IInt16Input
    {
        unsafe Vector256<short> Load(void* x, nuint c);
    }

    /// <summary>x as int8, sign-extended on the way (vpmovsxbw from memory).</summary>
    private readonly struct SignExtendedInt8 : IInt16Input
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe Vector256<short> Load(void* x, nuint c) => Avx2.ConvertToVector256Int16((sbyte*)x + c);
    }

    /// <summary>x already widened to int16 (a plain load).</summary>
    private readonly struct LoadedInt16 : IInt16Input
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe Vector256<short> Load(void* x, nuint c) => Avx.LoadVector256((short*)x + c);
    }

    /// <summary>The 4 × 1 vpmaddwd tile.</summary>
    private readonly struct Int8TileAvx2 : IInt8Tile
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Run(in Int8Operands o, nuint m, nuint r, sbyte* x, sbyte* q0, sbyte* q1, sbyte* q2, sbyte* q3) =>
            o.Store(m, r, Int8FourRowsAvx2(o, default(SignExtendedInt8), x, q0, q1, q2, q3));
    }
}
