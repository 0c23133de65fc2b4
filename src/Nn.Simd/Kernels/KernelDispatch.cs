using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>The instruction-set path a kernel runs on. Every path gives the same bits.</summary>
public enum KernelPath
{
    /// <summary>Plain C# with <see cref="MathF.FusedMultiplyAdd"/>: the fallback and the test oracle.</summary>
    Scalar = 0,

    /// <summary>ARM64 NEON (<see cref="AdvSimd"/>), 128-bit vectors.</summary>
    AdvSimd = 1,

    /// <summary>x86-64 AVX2 with FMA3 (<see cref="System.Runtime.Intrinsics.X86.Avx2"/> and <see cref="Fma"/>), 256-bit vectors.</summary>
    Avx2 = 2,

    /// <summary>
    /// x86-64 AVX-512 (F and VL) on top of AVX2+FMA: Gemm, exp, sigmoid, σ′ and the softmax's steps
    /// run on 512-bit vectors, every other kernel takes its AVX2 body. Same bits as every other path.
    /// </summary>
    Avx512 = 3,
}

/// <summary>
/// Chooses the kernel path for the whole process and reports it.
/// </summary>
/// <remarks>
/// <para>
/// The best path the runtime supports is taken by default: AVX-512, AVX2+FMA, ARM64 NEON, scalar.
/// Because every path produces bit-identical results, the choice changes speed only.
/// </para>
/// <para>
/// A lower path can be forced in two ways, both of which also work in NativeAOT binaries (which
/// ignore the runtime's <c>DOTNET_Enable…</c> knobs): set the environment variable
/// <c>NN_SIMD_PATH</c> to <c>scalar</c>, <c>advsimd</c>, <c>avx2</c> or <c>avx512</c> before the process starts, or
/// call <see cref="ForcePath"/> before any training or inference starts.
/// </para>
/// </remarks>
public static class KernelDispatch
{
    /// <summary>The environment variable read once at start-up to force a path.</summary>
    public const string OverrideVariable = "NN_SIMD_PATH";

    private static KernelPath s_active;

    static KernelDispatch()
    {
        // Kernel bodies are compiled with full optimisation at their first call, which follows a
        // first use of this class (a call's path is chosen or checked here). With the probe's class
        // initialised by then, the JIT folds its switch to a constant and an off probe leaves no
        // code in the bodies; compiled before it, each KernelProbe.Record was a class-initialisation
        // check and a load on every call (a 30×784 rank-1 update on AVX2 took 3–4 % longer).
        RuntimeHelpers.RunClassConstructor(typeof(KernelProbe).TypeHandle);
        Best = DetectBest();
        string? requested = Environment.GetEnvironmentVariable(OverrideVariable);
        if (string.IsNullOrWhiteSpace(requested))
        {
            s_active = Best;
            return;
        }

        if (!TryParse(requested, out KernelPath path))
        {
            throw new InvalidOperationException(
                $"{OverrideVariable}='{requested}' is not a kernel path; use scalar, advsimd, avx2 or avx512.");
        }

        if (!IsSupported(path))
        {
            throw new InvalidOperationException(
                $"{OverrideVariable}='{requested}' asks for the {path} path, which this CPU or runtime does not support (best available: {Best}).");
        }

        s_active = path;
        Override = path;
    }

    /// <summary>The best path this CPU and runtime support.</summary>
    public static KernelPath Best { get; }

    /// <summary>The path every kernel call without an explicit <see cref="KernelPath"/> takes.</summary>
    public static KernelPath Active => s_active;

    /// <summary>The path forced by <see cref="OverrideVariable"/> or <see cref="ForcePath"/>, or <see langword="null"/>.</summary>
    public static KernelPath? Override { get; private set; }

    /// <summary>Every path this machine can run, lowest first (always starts with <see cref="KernelPath.Scalar"/>).</summary>
    public static IReadOnlyList<KernelPath> SupportedPaths { get; } = ListSupported();

    /// <summary>Whether <paramref name="path"/> can run on this CPU and runtime.</summary>
    /// <param name="path">The path asked about.</param>
    /// <returns><see langword="true"/> if kernels can be called on that path.</returns>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.AdvSimd => AdvSimd.Arm64.IsSupported,
        KernelPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelPath.Avx512 => Avx2.IsSupported && Fma.IsSupported && Avx512F.IsSupported && Avx512F.VL.IsSupported,
        _ => false,
    };

    /// <summary>Whether kernels without a 512-bit body run their AVX2 body on <paramref name="path"/>.</summary>
    internal static bool UsesAvx2Bodies(KernelPath path) => path is KernelPath.Avx2 or KernelPath.Avx512;

    /// <summary>
    /// Forces every later kernel call onto <paramref name="path"/>. Call it before training or
    /// inference starts; it is not meant to be changed while kernels run on other threads.
    /// </summary>
    /// <param name="path">A supported path.</param>
    /// <exception cref="NotSupportedException">The path cannot run here.</exception>
    public static void ForcePath(KernelPath path)
    {
        ThrowIfUnsupported(path);
        s_active = path;
        Override = path;
    }

    /// <summary>Returns to the best supported path, undoing <see cref="ForcePath"/> and <see cref="OverrideVariable"/>.</summary>
    public static void ResetOverride()
    {
        s_active = Best;
        Override = null;
    }

    /// <summary>Parses a path name as written in <see cref="OverrideVariable"/> (case-insensitive).</summary>
    /// <param name="text">scalar, advsimd (or neon), avx2 or avx512.</param>
    /// <param name="path">The parsed path.</param>
    /// <returns>Whether the text named a path.</returns>
    public static bool TryParse(string? text, out KernelPath path)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "scalar":
                path = KernelPath.Scalar;
                return true;
            case "advsimd":
            case "neon":
                path = KernelPath.AdvSimd;
                return true;
            case "avx2":
                path = KernelPath.Avx2;
                return true;
            case "avx512":
                path = KernelPath.Avx512;
                return true;
            default:
                path = KernelPath.Scalar;
                return false;
        }
    }

    /// <summary>The vector features the runtime reports, e.g. <c>SSE2 SSE4.1 AVX AVX2 FMA</c>.</summary>
    /// <returns>Space-separated feature names; <c>none</c> when hardware intrinsics are off.</returns>
    public static string DescribeFeatures()
    {
        IReadOnlyList<string> names = FeatureNames();
        return names.Count == 0 ? "none" : string.Join(' ', names);
    }

    /// <summary>The vector features the runtime reports, one name each; empty when hardware intrinsics are off.</summary>
    internal static IReadOnlyList<string> FeatureNames()
    {
        var names = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
            {
                names.Add(name);
            }
        }

        Add(Sse2.IsSupported, "SSE2");
        Add(Sse41.IsSupported, "SSE4.1");
        Add(Sse42.IsSupported, "SSE4.2");
        Add(Avx.IsSupported, "AVX");
        Add(Avx2.IsSupported, "AVX2");
        Add(Fma.IsSupported, "FMA");
        Add(Avx512F.IsSupported, "AVX-512F");
        Add(Avx512F.VL.IsSupported, "AVX-512VL");
        Add(AdvSimd.IsSupported, "AdvSimd");
        Add(AdvSimd.Arm64.IsSupported, "AdvSimd.Arm64");
        return names;
    }

    /// <summary>
    /// A one-paragraph report for logs, benchmarks and bug reports: the active path, how it was
    /// chosen, the CPU and its vector features.
    /// </summary>
    /// <returns>Several lines of text, one fact per line.</returns>
    public static string Describe() =>
        $"""
        kernel path: {Active}
        best path:   {Best}
        override:    {(Override is { } o ? $"{o} ({OverrideVariable} or ForcePath)" : "none")}
        cpu:         {CpuInfo.ModelName}
        features:    {DescribeFeatures()}
        runtime:     {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}
        """;

    internal static void ThrowIfUnsupported(KernelPath path)
    {
        if (!IsSupported(path))
        {
            throw new NotSupportedException($"The {path} kernel path is not supported on this CPU or runtime (best available: {Best}).");
        }
    }

    private static KernelPath DetectBest()
    {
        if (IsSupported(KernelPath.Avx512))
        {
            return KernelPath.Avx512;
        }

        if (IsSupported(KernelPath.Avx2))
        {
            return KernelPath.Avx2;
        }

        return IsSupported(KernelPath.AdvSimd) ? KernelPath.AdvSimd : KernelPath.Scalar;
    }

    private static KernelPath[] ListSupported()
    {
        var paths = new List<KernelPath>(3);
        foreach (KernelPath path in (KernelPath[])[KernelPath.Scalar, KernelPath.AdvSimd, KernelPath.Avx2, KernelPath.Avx512])
        {
            if (IsSupported(path))
            {
                paths.Add(path);
            }
        }

        return [.. paths];
    }
}
