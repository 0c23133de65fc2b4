// The compile-time constants that Gemm's micro-kernels are generic in: a count (rows of a tile,
// groups of four rows, vectors of a row) and a column mask (full vectors, masked, masked and one
// vector wide). Each is a struct with a static abstract member, so the JIT compiles every
// instantiation separately with the constant folded: a tile generic in its row count loses the
// code for the rows it does not have.

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
