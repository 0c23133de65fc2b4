// The compile-time constants that Gemm's micro-kernels are generic in: a count (rows of a tile,
// groups of four rows, vectors of a row) and a column mask (full vectors, masked, masked and one
// vector wide). Each is a struct with a static abstract member, so the JIT compiles every
// instantiation separately with the constant folded: a tile generic in its row count loses the
// code for the rows it does not have. WithCount is the one switch from a run-time count to its
// instantiation, for every kernel family (a call struct per family binds the other arguments).
// Measured against one hand-written switch per family (BenchmarkDotNet, AMD EPYC with AVX-512, 2 cores,
// two paired runs): GemmBenchmarks Avx2/Avx512 at 10×30×784, 10×100×784, 128×256×784, 256×784×128
// and single-sample inference all within their error (e.g. Avx512 256×784×128 256 ± 28 µs against
// 253 ± 25 µs), so no family keeps a switch of its own.
using System.Runtime.CompilerServices;

namespace Nn.Simd.Kernels;

public static partial class Kernel
{
    /// <summary>A count (rows of a tile, vectors of a row) known when the JIT compiles a generic micro-kernel.</summary>
    private interface ICount
    {
        static abstract nuint Value { get; }
    }

    /// <summary>Whether a micro-kernel's columns end inside its vectors (masked) or fill them, and whether it has a second 16-column half.</summary>
    private interface IColumnMask
    {
        static abstract bool Masked { get; }

        static abstract bool SecondHalf { get; }
    }

    /// <summary>A micro-kernel call with every argument bound but its count, which <see cref="WithCount"/> supplies as a type argument.</summary>
    private interface ICountedCall
    {
        /// <summary>The largest count the kernel takes: no arm past it is compiled.</summary>
        static abstract int MaxCount { get; }

        /// <summary>Runs the kernel compiled for <typeparamref name="TCount"/>.</summary>
        void Invoke<TCount>()
            where TCount : struct, ICount;
    }

    /// <summary>
    /// The one switch from a count known at run time to the micro-kernel compiled for it:
    /// <paramref name="call"/>.Invoke&lt;CountN&gt;() for <paramref name="count"/> = N in 1..MaxCount,
    /// nothing for any other count. MaxCount is a constant for each call type, so the JIT keeps only
    /// that kernel's arms (and compiles no instantiation for a count it does not have).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WithCount<TCall>(nuint count, TCall call)
        where TCall : struct, ICountedCall
    {
        switch (count)
        {
            case 1:
                call.Invoke<Count1>();
                break;
            case 2 when TCall.MaxCount >= 2:
                call.Invoke<Count2>();
                break;
            case 3 when TCall.MaxCount >= 3:
                call.Invoke<Count3>();
                break;
            case 4 when TCall.MaxCount >= 4:
                call.Invoke<Count4>();
                break;
            case 5 when TCall.MaxCount >= 5:
                call.Invoke<Count5>();
                break;
            case 6 when TCall.MaxCount >= 6:
                call.Invoke<Count6>();
                break;
            case 7 when TCall.MaxCount >= 7:
                call.Invoke<Count7>();
                break;
            case 8 when TCall.MaxCount >= 8:
                call.Invoke<Count8>();
                break;
            case 9 when TCall.MaxCount >= 9:
                call.Invoke<Count9>();
                break;
            case 10 when TCall.MaxCount >= 10:
                call.Invoke<Count10>();
                break;
            case 11 when TCall.MaxCount >= 11:
                call.Invoke<Count11>();
                break;
            case 12 when TCall.MaxCount >= 12:
                call.Invoke<Count12>();
                break;
            case 13 when TCall.MaxCount >= 13:
                call.Invoke<Count13>();
                break;
            case 14 when TCall.MaxCount >= 14:
                call.Invoke<Count14>();
                break;
            case 15 when TCall.MaxCount >= 15:
                call.Invoke<Count15>();
                break;
            case 16 when TCall.MaxCount >= 16:
                call.Invoke<Count16>();
                break;
        }
    }

    private readonly struct Count1 : ICount
    {
        public static nuint Value => 1;
    }

    private readonly struct Count2 : ICount
    {
        public static nuint Value => 2;
    }

    private readonly struct Count3 : ICount
    {
        public static nuint Value => 3;
    }

    private readonly struct Count4 : ICount
    {
        public static nuint Value => 4;
    }

    private readonly struct Count5 : ICount
    {
        public static nuint Value => 5;
    }

    private readonly struct Count6 : ICount
    {
        public static nuint Value => 6;
    }

    private readonly struct Count7 : ICount
    {
        public static nuint Value => 7;
    }

    private readonly struct Count8 : ICount
    {
        public static nuint Value => 8;
    }

    private readonly struct Count9 : ICount
    {
        public static nuint Value => 9;
    }

    private readonly struct Count10 : ICount
    {
        public static nuint Value => 10;
    }

    private readonly struct Count11 : ICount
    {
        public static nuint Value => 11;
    }

    private readonly struct Count12 : ICount
    {
        public static nuint Value => 12;
    }

    private readonly struct Count13 : ICount
    {
        public static nuint Value => 13;
    }

    private readonly struct Count14 : ICount
    {
        public static nuint Value => 14;
    }

    private readonly struct Count15 : ICount
    {
        public static nuint Value => 15;
    }

    private readonly struct Count16 : ICount
    {
        public static nuint Value => 16;
    }

    private readonly struct AllColumns : IColumnMask
    {
        public static bool Masked => false;

        public static bool SecondHalf => true;
    }

    private readonly struct MaskedColumns : IColumnMask
    {
        public static bool Masked => true;

        public static bool SecondHalf => true;
    }

    private readonly struct MaskedHalfColumns : IColumnMask
    {
        public static bool Masked => true;

        public static bool SecondHalf => false;
    }
}
