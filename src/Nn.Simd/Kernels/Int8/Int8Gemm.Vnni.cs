// AVX-VNNI body of the int8 GEMM on the matrix's packed panels, S[m, r] = Σ_c x[m, c]·q[r, c],
// for the samples that fill whole 6-sample tiles (the rest run the row body in Int8Gemm.Avx2.cs).
//
// vpdpbusd multiplies unsigned by signed bytes, 4 products into each int32 lane, exactly and without
// saturation. The panels hold p = q + 128 (unsigned, 0 past K), so with x signed
//
//   Σ_c p[r, c]·x[m, c] = S[m, r] + 128·X[m],   X[m] = Σ_{c<K} x[m, c],
//
// and S = that − 128·X[m], exactly: |p·x| ≤ 255·128 and K ≤ 65,536 keep every sum inside int32
// (and vpdpbusd's wrapping adds are exact modulo 2³², so the final S is exact regardless).
//
// Tile: 6 samples × 16 rows. Each step of 4 columns loads two panel vectors (rows r..r+7 and
// r+8..r+15, 4 bytes each) and broadcasts 4 bytes of each sample to every lane; 12 vpdpbusd then
// accumulate. Registers (16 ymm, VEX): a0..a5 and b0..b5 = one accumulator per sample for each
// row half, w0 and w1 = the two panel vectors, x = the broadcast sample. No horizontal reduction:
// each accumulator holds the 8 sums of its rows. A last group of at most 8 rows runs a 6 × 8 tile.
// Samples go in blocks of Int8SampleBlock (rounded to tiles); a 16-row panel pair, 2·32·⌈K/4⌉ bytes
// (12.5 KB at K = 784), stays in L1 while the block's tiles pass it.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>Samples per tile of the panel body.</summary>
    private const int Int8PanelTile = 6;

    /// <summary>Samples per block of the panel body: whole tiles, about <see cref="Int8SampleBlock"/>.</summary>
    private const int Int8PanelBlock = Int8SampleBlock / Int8PanelTile * Int8PanelTile;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Int8PanelsVnniAvx2(in Int8Operands o, nuint count)
    {
        int* x128 = stackalloc int[Int8PanelBlock];
        nuint groupBytes = o.PanelSteps * 4 * Int8Matrix.PanelRows, depth = o.PanelSteps * 4;
        for (nuint m0 = 0; m0 < count; m0 += Int8PanelBlock)
        {
            nuint mEnd = Math.Min(count, m0 + Int8PanelBlock);
            for (nuint m = m0; m < mEnd; m++)
            {
                x128[m - m0] = Int8RowSum(o.X + (m * o.Stride), o.Columns) << 7;
            }

            for (nuint r = 0; r < o.Rows; r += 16)
            {
                byte* p0 = o.Panels + (r / 8 * groupBytes), p1 = p0 + groupBytes;
                bool pair = r + 8 < o.Rows;
                for (nuint m = m0; m < mEnd; m += Int8PanelTile)
                {
                    int* corrections = x128 + (m - m0);
                    if (pair)
                    {
                        Int8PanelTile16(o, m, r, depth, p0, p1, corrections);
                    }
                    else
                    {
                        Int8PanelTile8(o, m, r, depth, p0, corrections);
                    }
                }
            }
        }
    }

    /// <summary>The 6 × 16 tile: samples m..m+5 against the row groups at p0 and p1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Int8PanelTile16(in Int8Operands o, nuint m, nuint r, nuint depth, byte* p0, byte* p1, int* corrections)
    {
        nuint stride = o.Stride;
        sbyte* x0 = o.X + (m * stride), x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride;
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<int> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        for (nuint c = 0; c < depth; c += 4)
        {
            Vector256<byte> w0 = Avx.LoadVector256(p0 + (8 * c)), w1 = Avx.LoadVector256(p1 + (8 * c));
            Vector256<sbyte> x = Avx2.BroadcastScalarToVector256((int*)(x0 + c)).AsSByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, w0, x);
            b0 = AvxVnni.MultiplyWideningAndAdd(b0, w1, x);
            x = Avx2.BroadcastScalarToVector256((int*)(x1 + c)).AsSByte();
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, w0, x);
            b1 = AvxVnni.MultiplyWideningAndAdd(b1, w1, x);
            x = Avx2.BroadcastScalarToVector256((int*)(x2 + c)).AsSByte();
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, w0, x);
            b2 = AvxVnni.MultiplyWideningAndAdd(b2, w1, x);
            x = Avx2.BroadcastScalarToVector256((int*)(x3 + c)).AsSByte();
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, w0, x);
            b3 = AvxVnni.MultiplyWideningAndAdd(b3, w1, x);
            x = Avx2.BroadcastScalarToVector256((int*)(x4 + c)).AsSByte();
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, w0, x);
            b4 = AvxVnni.MultiplyWideningAndAdd(b4, w1, x);
            x = Avx2.BroadcastScalarToVector256((int*)(x5 + c)).AsSByte();
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, w0, x);
            b5 = AvxVnni.MultiplyWideningAndAdd(b5, w1, x);
        }

        StorePanelSums(o, m, r, a0, b0, corrections[0]);
        StorePanelSums(o, m + 1, r, a1, b1, corrections[1]);
        StorePanelSums(o, m + 2, r, a2, b2, corrections[2]);
        StorePanelSums(o, m + 3, r, a3, b3, corrections[3]);
        StorePanelSums(o, m + 4, r, a4, b4, corrections[4]);
        StorePanelSums(o, m + 5, r, a5, b5, corrections[5]);
    }

    /// <summary>The 6 × 8 tile for a last group of at most 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Int8PanelTile8(in Int8Operands o, nuint m, nuint r, nuint depth, byte* p0, int* corrections)
    {
        nuint stride = o.Stride;
        sbyte* x0 = o.X + (m * stride), x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride;
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        for (nuint c = 0; c < depth; c += 4)
        {
            Vector256<byte> w0 = Avx.LoadVector256(p0 + (8 * c));
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, w0, Avx2.BroadcastScalarToVector256((int*)(x0 + c)).AsSByte());
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, w0, Avx2.BroadcastScalarToVector256((int*)(x1 + c)).AsSByte());
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, w0, Avx2.BroadcastScalarToVector256((int*)(x2 + c)).AsSByte());
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, w0, Avx2.BroadcastScalarToVector256((int*)(x3 + c)).AsSByte());
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, w0, Avx2.BroadcastScalarToVector256((int*)(x4 + c)).AsSByte());
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, w0, Avx2.BroadcastScalarToVector256((int*)(x5 + c)).AsSByte());
        }

        o.Store(m, r, a0 - Vector256.Create(corrections[0]));
        o.Store(m + 1, r, a1 - Vector256.Create(corrections[1]));
        o.Store(m + 2, r, a2 - Vector256.Create(corrections[2]));
        o.Store(m + 3, r, a3 - Vector256.Create(corrections[3]));
        o.Store(m + 4, r, a4 - Vector256.Create(corrections[4]));
        o.Store(m + 5, r, a5 - Vector256.Create(corrections[5]));
    }

    /// <summary>Sample m's sums of rows r..r+15, each less the sample's correction 128·X[m].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePanelSums(in Int8Operands o, nuint m, nuint r, Vector256<int> low, Vector256<int> high, int correction)
    {
        Vector256<int> c = Vector256.Create(correction);
        o.Store(m, r, low - c);
        o.Store(m, r + 8, high - c);
    }

    /// <summary>X = Σ_{c&lt;K} x[c] of one quantized sample: vpsadbw sums the bytes made unsigned (x XOR 0x80 = x + 128), less 128 each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Int8RowSum(sbyte* x, nuint columns)
    {
        Vector256<byte> flip = Vector256.Create((byte)0x80);
        Vector256<ulong> total = Vector256<ulong>.Zero;
        nuint c = 0;
        for (; c + 32 <= columns; c += 32)
        {
            total += Avx2.SumAbsoluteDifferences(Avx.LoadVector256((byte*)x + c) ^ flip, Vector256<byte>.Zero).AsUInt64();
        }

        int sum = (int)Vector256.Sum(total) - (int)(128 * c);
        for (; c < columns; c++)
        {
            sum += x[c];
        }

        return sum;
    }
}
