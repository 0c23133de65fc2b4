using System.CommandLine;
using Nn.Simd.Kernels;

namespace Nn.Cli.Commands;

/// <summary><c>nn cpu</c>: which kernel path runs here, the override in use, and the CPU exactly (model, caches, vector features).</summary>
internal static class CpuCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cpu", "Show the active kernel path, any override, and the CPU: vendor, model, caches, vector features, runtime.");
        command.SetAction(_ =>
        {
            Report.Properties(
                context.Console,
                [
                ("kernel path", KernelDispatch.Active.ToString()),
                ("best path", KernelDispatch.Best.ToString()),
                ("supported paths", string.Join(", ", KernelDispatch.SupportedPaths)),
                ("override", KernelDispatch.Override is { } o
                    ? $"{o} (from {KernelDispatch.OverrideVariable})"
                    : $"none (set {KernelDispatch.OverrideVariable}=scalar|advsimd|avx2|avx512 to force a path)"),
                .. CpuReport.Rows(CpuInfo.Describe()),
                ]);
            return ExitCodes.Success;
        });
        return command;
    }
}
