using Nn.Simd.Kernels;

namespace Nn.Simd.Tests;

/// <summary>Shared sweeps: the lengths and shapes named by the kernel contract, and seeded values.</summary>
internal static class TestData
{
    /// <summary>Lengths straddling every unroll (4, 8, 16, 32) boundary, plus real layer sizes.</summary>
    public static readonly int[] Lengths = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 784, 3079];

    /// <summary>Matrix shapes (rows, columns).</summary>
    public static readonly (int Rows, int Columns)[] Shapes = [(1, 1), (3, 5), (10, 30), (30, 784), (100, 784), (257, 129)];

    /// <summary>Slice offsets (in floats) that misalign the data against vector boundaries.</summary>
    public static readonly int[] Offsets = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>Every kernel path this machine can run, for theories.</summary>
    public static TheoryData<KernelPath> Paths()
    {
        var data = new TheoryData<KernelPath>();
        foreach (KernelPath path in KernelDispatch.SupportedPaths)
        {
            data.Add(path);
        }

        return data;
    }

    /// <summary>
    /// Every path this machine can run except the scalar oracle, for theories that compare a path
    /// with the oracle and nothing else; where the scalar path is the only one, a single row that
    /// skips with the reason (comparing the oracle with itself proves nothing).
    /// </summary>
    public static IEnumerable<TheoryDataRow<KernelPath>> VectorPaths()
    {
        KernelPath[] paths = [.. KernelDispatch.SupportedPaths.Where(path => path != KernelPath.Scalar)];
        return paths.Length == 0
            ? [new TheoryDataRow<KernelPath>(KernelPath.Scalar) { Skip = KernelBodies.OnePathOnly }]
            : paths.Select(path => new TheoryDataRow<KernelPath>(path));
    }

    /// <summary>Deterministic uniform values in [-scale, scale).</summary>
    public static float[] Uniform(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }
}
