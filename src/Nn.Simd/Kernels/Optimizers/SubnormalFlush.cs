// Optimizer state whose magnitude falls below the smallest normal float (2⁻¹²⁶ ≈ 1.18·10⁻³⁸) is
// stored as +0. A state that only decays — a moment or velocity whose gradient has become 0 for
// good, as for a pixel that is 0 in every later image or a ReLU unit that no longer fires —
// reaches the subnormal range after some hundreds of steps (0.9ᵗ from 10⁻⁴ in about 740) and then
// never leaves it: round(0.9·k·2⁻¹⁴⁹) = k·2⁻¹⁴⁹ for k ≤ 4. Every later step then reads and writes a
// subnormal, which x86 and ARM cores execute far more slowly: on the AMD EPYC (family 26) an Adam
// step over subnormal first moments took about three times as long. A subnormal moment changes a
// weight by less than 10⁻²⁸·η, below the last bit of any weight of ordinary size, so the flush
// costs nothing in accuracy, and it is one comparison and one mask on every path: the same bits.
// A NaN is kept (the comparison is false for it), so divergence still shows.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Simd.Kernels;

/// <summary>Stores subnormal optimizer state as +0, the same way on every path.</summary>
internal static class SubnormalFlush
{
    /// <summary>2⁻¹²⁶, the smallest normal float.</summary>
    private const float MinNormal = 1.17549435E-38f;

    /// <summary><paramref name="x"/>, or +0 when |x| &lt; 2⁻¹²⁶.</summary>
    public static float Apply(float x) => MathF.Abs(x) < MinNormal ? 0f : x;

    /// <inheritdoc cref="Apply(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x) => Vector128.AndNot(x, Vector128.LessThan(Vector128.Abs(x), Vector128.Create(MinNormal)));

    /// <inheritdoc cref="Apply(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x) => Vector256.AndNot(x, Vector256.LessThan(Vector256.Abs(x), Vector256.Create(MinNormal)));

    /// <inheritdoc cref="Apply(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(MinNormal)));
}
