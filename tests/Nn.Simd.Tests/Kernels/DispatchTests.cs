using System.Reflection;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;
using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Kernels;

[Collection(SerialCollection.Name)]
public class DispatchTests
{
    /// <summary>The variable the ISA matrix in .ci/run sets: the path the dispatcher must have chosen.</summary>
    public const string ExpectedPathVariable = "NN_SIMD_EXPECTED_PATH";

    /// <summary>The ISA level the runtime must report: avx512, avx2 (AVX2+FMA without AVX-512), sse (SSE4.1 but no AVX2), none (no intrinsics), neon.</summary>
    public const string ExpectedIsaVariable = "NN_SIMD_EXPECTED_ISA";

    /// <summary>
    /// A kernel runs optimised code from its first call: by default the JIT first compiles a method
    /// without optimisation and recompiles it only after some 100 ms of use, and a single sample
    /// through [784,100,10] took ≈ 40 µs instead of 1.8 for its first five thousand calls. Every
    /// method named for an instruction set (…Avx512, …Avx2, …AdvSimd, …Scalar) is therefore marked
    /// AggressiveOptimization (compiled optimised on its first call), or AggressiveInlining (it
    /// lives inside such a caller).
    /// </summary>
    [Fact]
    public void Every_kernel_body_is_compiled_optimised_on_its_first_call()
    {
        MethodInfo[] bodies = [.. typeof(Kernel).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Kernel).Namespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => Regex.IsMatch(m.Name, "(Avx512|Avx2|AdvSimd|Scalar)$"))];
        Assert.True(bodies.Length > 30, $"only {bodies.Length} kernel bodies found");
        const MethodImplAttributes Either = MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.AggressiveInlining;
        Assert.Empty(bodies.Where(m => (m.MethodImplementationFlags & Either) == 0).Select(m => $"{m.DeclaringType!.Name}.{m.Name}"));
    }

    [Fact]
    public void The_dispatcher_took_the_path_the_ISA_matrix_expects()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectedPathVariable);
        if (string.IsNullOrEmpty(expected))
        {
            Assert.Skip($"{ExpectedPathVariable} is not set (only the ISA matrix in .ci/run sets it).");
        }

        Assert.True(KernelDispatch.TryParse(expected, out KernelPath path), $"{ExpectedPathVariable}='{expected}' is not a path name");
        Assert.Equal(path, KernelDispatch.Active);
        Assert.Equal(path, KernelDispatch.Best);
        TestContext.Current.SendDiagnosticMessage($"kernel path asserted: {KernelDispatch.Active}; features: {KernelDispatch.DescribeFeatures()}");
    }

    [Fact]
    public void The_runtime_reports_the_ISA_level_the_matrix_expects()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectedIsaVariable);
        if (string.IsNullOrEmpty(expected))
        {
            Assert.Skip($"{ExpectedIsaVariable} is not set (only the ISA matrix in .ci/run sets it).");
        }

        switch (expected)
        {
            case "avx512":
                Assert.True(Avx512F.IsSupported && Avx512F.VL.IsSupported, "AVX-512 F+VL expected");
                break;
            case "avx2":
                Assert.True(Avx2.IsSupported && Fma.IsSupported, "AVX2+FMA expected");
                Assert.False(Avx512F.IsSupported, "AVX-512 must be off (DOTNET_EnableAVX512=0 ignored?)");
                break;
            case "sse":
                Assert.True(Sse41.IsSupported, "SSE4.1 expected");
                Assert.False(Avx2.IsSupported, "AVX2 must be off (DOTNET_EnableAVX2=0 ignored?)");
                break;
            case "none":
                Assert.False(Sse2.IsSupported || AdvSimd.IsSupported, "hardware intrinsics must be off (DOTNET_EnableHWIntrinsic=0 ignored?)");
                break;
            case "neon":
                Assert.True(AdvSimd.Arm64.IsSupported, "ARM64 AdvSimd expected");
                break;
            default:
                Assert.Fail($"{ExpectedIsaVariable}='{expected}' is not one of avx512, avx2, sse, none, neon");
                break;
        }
    }

    [Fact]
    public void Scalar_is_always_supported_and_listed_first()
    {
        Assert.Equal(KernelPath.Scalar, KernelDispatch.SupportedPaths[0]);
        Assert.Contains(KernelDispatch.Best, KernelDispatch.SupportedPaths);
        Assert.True(KernelDispatch.IsSupported(KernelPath.Scalar));
    }

    [Fact]
    public void An_unsupported_path_is_refused_with_its_name()
    {
        KernelPath missing = KernelDispatch.IsSupported(KernelPath.AdvSimd) ? KernelPath.Avx2 : KernelPath.AdvSimd;
        var e = Assert.Throws<NotSupportedException>(() => Kernel.Dot([1f], [1f], missing));
        Assert.Contains(missing.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => KernelDispatch.ForcePath(missing));
    }

    [Fact]
    public void The_report_names_the_path_the_cpu_and_the_features()
    {
        string report = KernelDispatch.Describe();
        Assert.Contains($"kernel path: {KernelDispatch.Active}", report, StringComparison.Ordinal);
        Assert.Contains("features:", report, StringComparison.Ordinal);
        Assert.Contains("cpu:", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scalar", KernelPath.Scalar)]
    [InlineData("AVX2", KernelPath.Avx2)]
    [InlineData("avx512", KernelPath.Avx512)]
    [InlineData(" neon ", KernelPath.AdvSimd)]
    [InlineData("advsimd", KernelPath.AdvSimd)]
    public void Path_names_parse(string text, KernelPath expected)
    {
        Assert.True(KernelDispatch.TryParse(text, out KernelPath path));
        Assert.Equal(expected, path);
    }

    [Fact]
    public void Unknown_path_names_do_not_parse() => Assert.False(KernelDispatch.TryParse("sse", out _));
}
