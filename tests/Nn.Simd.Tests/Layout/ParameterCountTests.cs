using System.Reflection;
using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Layout;

/// <summary>
/// No method or constructor of the kernels or the workers takes more than
/// <see cref="MaxParameters"/> parameters: operands travel as 2-D views or one small struct, not as
/// lists of pointers and integers that a caller can pass in the wrong order.
/// </summary>
public sealed class ParameterCountTests
{
    /// <summary>The most parameters a method may take.</summary>
    public const int MaxParameters = 8;

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_method_of_the_kernels_or_the_workers_takes_more_than_eight_parameters()
    {
        string[] namespaces = ["Nn.Simd.Kernels", "Nn.Simd.Workers"];
        MethodBase[] methods = [.. typeof(Kernel).Assembly.GetTypes()
            .Where(type => namespaces.Contains(type.Namespace))
            .SelectMany(type => type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))];
        foreach (string space in namespaces)
        {
            Assert.True(methods.Count(m => m.DeclaringType!.Namespace == space) > 10, $"few or no methods found in {space}");
        }

        string[] tooMany = [.. methods
            .Where(m => m.GetParameters().Length > MaxParameters)
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}: {m.GetParameters().Length} parameters")
            .Order(StringComparer.Ordinal)];
        Assert.True(
            tooMany.Length == 0,
            $"{tooMany.Length} method(s) take more than {MaxParameters} parameters:\n{string.Join('\n', tooMany)}");
    }
}
