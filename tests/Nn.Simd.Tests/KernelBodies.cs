using System.Runtime.CompilerServices;
using Nn.Simd.Kernels;

namespace Nn.Simd.Tests;

/// <summary>
/// What a cross-path test asserts besides equal bits: that the body of the path it asked for is the
/// one that ran (read from <see cref="KernelProbe"/>, which this assembly turns on before any kernel
/// runs), so that a dispatch arm falling back to the scalar oracle cannot pass as a vector path.
/// </summary>
internal static class KernelBodies
{
    /// <summary>Why a theory over <see cref="TestData.VectorPaths"/> skips in a process that runs the scalar path only.</summary>
    public const string OnePathOnly = "this process runs the scalar path only (no AVX2+FMA or NEON, or intrinsics off): there is no second path to compare with the scalar oracle";

    [ModuleInitializer]
    internal static void TurnOnTheProbe() => AppContext.SetSwitch(KernelProbe.Switch, true);

    /// <summary>Forgets the bodies this thread ran so far: call it between the scalar oracle and the call under test.</summary>
    public static void Forget() => KernelProbe.Take();

    /// <summary>
    /// Asserts that the kernel calls this thread made since the last check ran the body of
    /// <paramref name="path"/> and no other path's body. On the AVX-512 path a kernel runs its
    /// 512-bit body where it has one, its AVX2 body otherwise (and a kernel built of several, such
    /// as the softmax, may run both).
    /// </summary>
    /// <param name="path">The path the calls asked for.</param>
    /// <param name="context">The case, for the message.</param>
    /// <param name="widest">The widest x86 body of the kernel (<see cref="KernelPath.Avx2"/> or
    /// <see cref="KernelPath.Avx512"/>); <see langword="null"/> for a kernel without a body of its
    /// own (a copy), after whose calls no body may have run.</param>
    public static void AssertRan(KernelPath path, string context, KernelPath? widest = KernelPath.Avx2)
    {
        Assert.True(KernelProbe.Enabled, "the kernel probe is off (KernelBodies.TurnOnTheProbe sets its switch before any kernel runs)");
        int ran = KernelProbe.Take();
        if (widest is null)
        {
            Assert.True(ran == 0, $"{context}: a kernel without a body of its own ran {Describe(ran)}");
            return;
        }

        KernelPath body = path == KernelPath.Avx512 ? widest.Value : path;
        int allowed = path == KernelPath.Avx512 ? Bit(KernelPath.Avx2) | Bit(KernelPath.Avx512) : Bit(path);
        if ((ran & Bit(body)) == 0 || (ran & ~allowed) != 0)
        {
            Assert.Fail($"{context}: asked for the {path} path, so the {body} body should have run, but the bodies that ran were: {Describe(ran)}");
        }
    }

    private static int Bit(KernelPath path) => 1 << (int)path;

    private static string Describe(int ran) =>
        ran == 0 ? "none" : string.Join(", ", Enum.GetValues<KernelPath>().Where(p => (ran & Bit(p)) != 0));
}
