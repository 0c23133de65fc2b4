using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnitV3;
using Nn.Simd.Model;
using Nn.Simd.Onnx;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Nn.Simd.Tests;

/// <summary>
/// The layers of docs/architecture.md, lowest level first: a layer may use the levels below it and
/// nothing beside or above it. Types the compiler generates into the global namespace belong to no
/// layer; the ONNX assembly's generated protobuf types (namespace Onnx) belong to its layer.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[][][] Levels =
    [
        [["Nn.Simd.Kernels"]],
        [["Nn.Simd.Model"]],
        [["Nn.Simd.Data"], ["Nn.Simd.Workers"], ["Nn.Simd.Distributed"]],
        [["Nn.Simd.Training"]],
        [["Nn.Simd.IO"]],
        [["Nn.Simd.Onnx", "Onnx"]],
    ];

    private static readonly Architecture Architecture =
        new ArchLoader().LoadAssemblies(typeof(Network).Assembly, typeof(OnnxExporter).Assembly).Build();

    /// <summary>Every layer but the top level's one layer, which may use everything.</summary>
    public static TheoryData<string> Layers() => [.. Levels[..^1].SelectMany(level => level).Select(layer => layer[0])];

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_uses_only_the_levels_below_it(string name)
    {
        int level = Array.FindIndex(Levels, level => level.Any(layer => layer[0] == name));
        string[] own = Levels[level].Single(layer => layer[0] == name);
        string[] forbidden = [.. Levels.Skip(level).SelectMany(level => level).Where(layer => layer != own).SelectMany(layer => layer)];
        Types().That().ResideInNamespaceMatching(Exactly(own))
            .Should().NotDependOnAny(Types().That().ResideInNamespaceMatching(Exactly(forbidden)))
            .Check(Architecture);
    }

    [Fact]
    public void Every_namespace_of_the_libraries_has_a_layer()
    {
        string[] listed = [.. Levels.SelectMany(level => level).SelectMany(layer => layer)];
        string[] unlisted = [.. Architecture.Types
            .Select(type => type.Namespace.FullName)
            .Where(name => name.Length > 0 && !listed.Contains(name))
            .Distinct()];
        Assert.Empty(unlisted);
    }

    private static string Exactly(string[] namespaces) => $"^({string.Join('|', namespaces.Select(Regex.Escape))})$";
}
