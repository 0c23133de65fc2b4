// Dropout masks kept as bits: bit u of a row's bytes (byte u/8, bit u mod 8) is 1 when unit u is
// kept, so a 128 × 256 block's mask takes 4 KB instead of the 128 KB of its factors, and the
// training step that keeps masks for its backward pass moves 32 times fewer bytes for them.
//
//   DropoutMaskBits    the decisions of Kernel.Dropout for (key, unit), written as bits: the
//                      512-bit path stores 16 at a time (a vector's sign bits), AVX2 8, NEON 4.
//   DropoutApplyBits   v_u ← v_u · f_u, f_u = 1/(1 − p) where bit u is 1 and 0 where it is 0: the
//                      same product (MultiplySink, which Kernel.Dropout's driver uses), so the same
//                      bits, as Kernel.Dropout with the same key. A vector of lanes takes its bits
//                      as one integer broadcast to every lane, ANDed with the lane's own bit
//                      (1, 2, 4, …) and compared with 0.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>Writes the decisions as bits at <c>bits</c> (unit u: byte u/8, bit u mod 8); never reads the row.</summary>
internal readonly unsafe struct BitsSink(byte* bits) : IDropoutSink
{
    public void Store(ref float row, nuint at, bool keep, float scale)
    {
        byte bit = (byte)(1 << (int)(at & 7));
        bits[at >> 3] = keep ? (byte)(bits[at >> 3] | bit) : (byte)(bits[at >> 3] & ~bit);
    }

    /// <remarks>Four lanes from a unit that is a multiple of 4: half a byte, the other half kept.</remarks>
    public void Store(ref float row, nuint at, Vector128<float> keep, float scale)
    {
        int shift = (int)(at & 7);
        bits[at >> 3] = (byte)((bits[at >> 3] & ~(0xF << shift)) | ((int)keep.ExtractMostSignificantBits() << shift));
    }

    /// <remarks>Eight lanes from a unit that is a multiple of 8: one byte.</remarks>
    public void Store(ref float row, nuint at, Vector256<float> keep, float scale) => bits[at >> 3] = (byte)keep.ExtractMostSignificantBits();

    /// <remarks>Sixteen lanes from a unit that is a multiple of 16: two bytes.</remarks>
    public void Store(ref float row, nuint at, Vector512<float> keep, float scale) => Unsafe.WriteUnaligned(bits + (at >> 3), (ushort)keep.ExtractMostSignificantBits());
}

public static partial class Kernel
{
    /// <summary>The bytes that hold the bits of <paramref name="units"/> units: ⌈units / 8⌉.</summary>
    /// <param name="units">The units of a row.</param>
    /// <returns>The row's length in bytes.</returns>
    public static int DropoutBitsLength(int units) => (units + 7) / 8;

    /// <summary>
    /// The decisions of <see cref="Dropout(Span{float}, float, in DropoutKey, KernelPath)"/> for a row
    /// of <paramref name="units"/> units as bits: bit u (byte u/8, bit u mod 8) is 1 where unit u is
    /// kept. <see cref="DropoutApplyBits"/> multiplies them into a block.
    /// </summary>
    /// <param name="bits"><see cref="DropoutBitsLength"/>(<paramref name="units"/>) bytes, overwritten (the unused high bits of the last byte may change).</param>
    /// <param name="units">The row's units.</param>
    /// <param name="rate">p in [0, 1).</param>
    /// <param name="key">Seed, epoch, sample and stream.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    /// <exception cref="ArgumentException">The bytes do not hold the row's bits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate lies outside [0, 1), or the unit count is negative.</exception>
    public static unsafe void DropoutMaskBits(Span<byte> bits, int units, float rate, in DropoutKey key, KernelPath path)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        if (bits.Length != DropoutBitsLength(units))
        {
            throw new ArgumentException($"The bits of {units} units take {DropoutBitsLength(units)} bytes, not {bits.Length}.", nameof(bits));
        }

        OptimizerArguments.Fraction(rate, nameof(rate));
        KernelDispatch.ThrowIfUnsupported(path);
        fixed (byte* p = bits)
        {
            DropoutDriver.Run(new BitsSink(p), ref Unsafe.NullRef<float>(), units, rate, key, path);
        }
    }

    /// <summary>
    /// Multiplies a block of rows by masks kept as bits, in place: row i's unit u by 1/(1 − p) where
    /// bit u of row i's bits is 1 and by 0 where it is 0, the same product (and bits) as
    /// <see cref="Dropout(Span{float}, float, in DropoutKey, KernelPath)"/> with the key the bits
    /// were drawn under.
    /// </summary>
    /// <param name="block">rows × columns values, row-major, updated in place.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="columns">The units of a row.</param>
    /// <param name="bits">rows × <see cref="DropoutBitsLength"/>(columns) bytes: each row's bits (<see cref="DropoutMaskBits"/>).</param>
    /// <param name="rate">p in [0, 1), the rate the bits were drawn with.</param>
    /// <param name="path">The path to run on; must be supported here.</param>
    /// <exception cref="ArgumentException">A length does not fit rows × columns.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rate lies outside [0, 1).</exception>
    public static void DropoutApplyBits(Span<float> block, int rows, int columns, ReadOnlySpan<byte> bits, float rate, KernelPath path)
    {
        Check.MatrixShape(block, nameof(block), rows, columns);
        int stride = DropoutBitsLength(columns);
        if (bits.Length != rows * stride)
        {
            throw new ArgumentException($"{rows} rows of {columns} units need {rows * stride} bytes of bits ({stride} a row), not {bits.Length}.", nameof(bits));
        }

        OptimizerArguments.Fraction(rate, nameof(rate));
        KernelDispatch.ThrowIfUnsupported(path);
        float scale = DropoutDriver.KeptScale(rate);
        for (int row = 0; row < rows; row++)
        {
            DropoutApplyBitsRow(ref MemoryMarshal.GetReference(block.Slice(row * columns, columns)), (nuint)columns, ref MemoryMarshal.GetReference(bits.Slice(row * stride, stride)), scale, path);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DropoutApplyBitsRow(ref float v, nuint n, ref byte bits, float scale, KernelPath path)
    {
        nuint u = 0;
        if (Avx512F.IsSupported && path == KernelPath.Avx512)
        {
            KernelProbe.Record(KernelPath.Avx512);
            Vector512<int> lanes = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
            for (; u + 16 <= n; u += 16)
            {
                Vector512<int> word = Vector512.Create((int)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref bits, u >> 3)));
                Vector512<float> keep = ~Vector512.Equals(word & lanes, Vector512<int>.Zero).AsSingle();
                default(MultiplySink).Store(ref v, u, keep, scale);
            }
        }
        else if (Avx2.IsSupported && KernelDispatch.UsesAvx2Bodies(path))
        {
            KernelProbe.Record(KernelPath.Avx2);
            Vector256<int> lanes = Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);
            for (; u + 8 <= n; u += 8)
            {
                Vector256<int> word = Vector256.Create((int)Unsafe.Add(ref bits, u >> 3));
                Vector256<float> keep = ~Vector256.Equals(word & lanes, Vector256<int>.Zero).AsSingle();
                default(MultiplySink).Store(ref v, u, keep, scale);
            }
        }
        else if (AdvSimd.Arm64.IsSupported && path == KernelPath.AdvSimd)
        {
            KernelProbe.Record(KernelPath.AdvSimd);
            Vector128<int> lanes = Vector128.Create(1, 2, 4, 8);
            for (; u + 4 <= n; u += 4)
            {
                Vector128<int> word = Vector128.Create(Unsafe.Add(ref bits, u >> 3) >> (int)(u & 7));
                Vector128<float> keep = ~Vector128.Equals(word & lanes, Vector128<int>.Zero).AsSingle();
                default(MultiplySink).Store(ref v, u, keep, scale);
            }
        }
        else
        {
            KernelProbe.Record(KernelPath.Scalar);
        }

        for (; u < n; u++)
        {
            default(MultiplySink).Store(ref v, u, (Unsafe.Add(ref bits, u >> 3) & (1 << (int)(u & 7))) != 0, scale);
        }
    }
}
