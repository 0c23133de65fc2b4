namespace Nn.Simd.Tests;

/// <summary>
/// Tests that force a kernel path (a process-wide setting) or assert which one is active run in
/// this collection, which xunit runs alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelPathCollection
{
    public const string Name = "Kernel path changes";
}
