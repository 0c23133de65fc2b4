using System.CommandLine;
using Nn.Simd.Kernels;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn cpu</c>: which kernel path runs here, the override in use, and the CPU exactly (model, caches, vector features).</summary>
internal static class CpuCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cpu", "Show the active kernel path, any override, and the CPU: vendor, model, caches, vector features, runtime.");
        command.SetAction(_ =>
        {
            var table = new Table().HideHeaders().Border(TableBorder.None).AddColumn("what").AddColumn("value");
            table.AddRow("kernel path", Markup.Escape(KernelDispatch.Active.ToString()));
            table.AddRow("best path", Markup.Escape(KernelDispatch.Best.ToString()));
            table.AddRow("supported paths", Markup.Escape(string.Join(", ", KernelDispatch.SupportedPaths)));
            table.AddRow(
                "override",
                Markup.Escape(KernelDispatch.Override is { } o
                    ? $"{o} (from {KernelDispatch.OverrideVariable})"
                    : $"none (set {KernelDispatch.OverrideVariable}=scalar|advsimd|avx2|avx512 to force a path)"));
            foreach ((string label, string value) in CpuReport.Rows(CpuInfo.Describe()))
            {
                table.AddRow(label, Markup.Escape(value));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
