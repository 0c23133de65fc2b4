using System.CommandLine;
using Nn.Simd.Kernels;

namespace Nn.Cli.Commands;

/// <summary><c>nn cpu</c>: which kernel path runs here, the CPU's vector features and the override in use.</summary>
internal static class CpuCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cpu", "Show the active kernel path, the CPU, its vector features and any override.");
        command.SetAction(_ =>
        {
            Report.Properties(
                context.Console,
                ("kernel path", KernelDispatch.Active.ToString()),
                ("best path", KernelDispatch.Best.ToString()),
                ("supported paths", string.Join(", ", KernelDispatch.SupportedPaths)),
                ("override", KernelDispatch.Override is { } o
                    ? $"{o} (from {KernelDispatch.OverrideVariable})"
                    : $"none (set {KernelDispatch.OverrideVariable}=scalar|advsimd|avx2|avx512 to force a path)"),
                ("cpu", CpuInfo.ModelName),
                ("vector features", KernelDispatch.DescribeFeatures()),
                ("runtime", $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}"));
            return ExitCodes.Success;
        });
        return command;
    }
}
