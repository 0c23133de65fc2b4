namespace Nn.Simd.Tests;

/// <summary>
/// Tests that need the process to themselves run in this collection, which xunit runs alone, after
/// the parallel tests: those that force a kernel path (a process-wide setting) or assert which one
/// is active, and the allocation tests (a garbage collection triggered by another test's
/// allocations can move the current thread's allocation counter).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
