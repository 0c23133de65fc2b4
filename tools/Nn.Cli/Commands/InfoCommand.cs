using System.CommandLine;
using Nn.Simd.IO;
using Nn.Simd.Model;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn info MODEL</c>: what a model file holds, after checking all of it.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A model file written by nn train --out." };
        var command = new Command("info", "Check a model file and describe it.") { model };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            Network network = ModelFile.Load(path);
            var table = new Table().HideHeaders().Border(TableBorder.None).AddColumn("what").AddColumn("value");
            table.AddRow("file", Markup.Escape($"{path} ({new FileInfo(path).Length:N0} bytes, format version {ModelFile.CurrentVersion}, checksum OK)"));
            table.AddRow("layers", Markup.Escape(string.Join(" → ", network.LayerSizes)));
            table.AddRow("activations", Markup.Escape(string.Join(", ", network.Activations.Select(a => a.ToString().ToLowerInvariant()))));
            table.AddRow("cost", network.Cost.Name());
            table.AddRow("parameters", $"{network.ParameterCount:N0}");
            table.AddRow("weights hash", $"0x{network.ComputeHash():X16}");
            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
